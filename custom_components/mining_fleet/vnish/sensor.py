"""VNish sensors: Antminer telemetry, one sensor per fan and two per hashboard."""

from __future__ import annotations

from collections.abc import Callable

from homeassistant.components.sensor import SensorDeviceClass, SensorStateClass
from homeassistant.const import REVOLUTIONS_PER_MINUTE, EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from ..api.vnish_models import MINER_STATES, VNishChain, VNishSummary
from ..entity import EnergySensor, MiningFleetSensor, MiningFleetSensorDescription, async_add_described
from ..miner.descriptions import (
    HASHRATE_TH,
    efficiency_sensor,
    energy_sensor,
    fan_duty_sensor,
    hashrate_sensor,
    power_sensor,
    temperature_sensor,
)
from ..tuning.descriptions import tuning_sensors
from .coordinator import VNishConfigEntry, VNishCoordinator

type Description = MiningFleetSensorDescription[VNishCoordinator]


def _summary(read: Callable[[VNishSummary], float | None]) -> Callable[[VNishCoordinator], float | None]:
    """Read a field of the latest summary."""
    return lambda coordinator: read(coordinator.summary)


def _hashrate(key: str, read: Callable[[VNishSummary], float | None]) -> Description:
    """Describe a hashrate sensor (TH/s)."""
    return hashrate_sensor(key, _summary(read), unit=HASHRATE_TH, precision=2)


def _miner_state(coordinator: VNishCoordinator) -> str | None:
    """Return the miner state when it is one we can name."""
    state = coordinator.data.status.miner_state
    return state if state in MINER_STATES else None


def _active_pool(coordinator: VNishCoordinator) -> str | None:
    """Return the active user pool's URL (the worker name stays out of the state)."""
    pool = coordinator.summary.active_pool
    return pool.url if pool else None


VNISH_SENSORS: tuple[Description, ...] = (
    _hashrate("hashrate", lambda summary: summary.hashrate_realtime),
    _hashrate("hashrate_average", lambda summary: summary.hashrate_average),
    _hashrate("hashrate_nominal", lambda summary: summary.hashrate_nominal),
    power_sensor(_summary(lambda summary: summary.power), precision=0),
    efficiency_sensor(_summary(lambda summary: summary.efficiency)),
    temperature_sensor("chip_temperature", _summary(lambda summary: summary.chip_temperature_max)),
    temperature_sensor("board_temperature", _summary(lambda summary: summary.board_temperature_max)),
    fan_duty_sensor(_summary(lambda summary: summary.fan_duty)),
    MiningFleetSensorDescription(
        key="miner_state",
        translation_key="miner_state",
        device_class=SensorDeviceClass.ENUM,
        options=list(MINER_STATES),
        value_fn=_miner_state,
    ),
    MiningFleetSensorDescription(
        key="active_pool",
        translation_key="active_pool",
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=_active_pool,
    ),
)


def _fan_speed(index: int) -> Description:
    """Describe the speed sensor of fan number index (from 1; disabled by default: the duty tells enough)."""

    def read(summary: VNishSummary) -> float | None:
        return summary.fan_rpms[index - 1] if len(summary.fan_rpms) >= index else None

    return MiningFleetSensorDescription(
        key=f"fan_{index}_speed",
        translation_key="fan_n_speed",
        translation_placeholders={"fan": str(index)},
        native_unit_of_measurement=REVOLUTIONS_PER_MINUTE,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
        entity_registry_enabled_default=False,
        value_fn=_summary(read),
    )


def _chain(summary: VNishSummary, chain_id: int) -> VNishChain | None:
    """Return the hashboard with this id from the latest poll."""
    return next((chain for chain in summary.chains if chain.id == chain_id), None)


def _hashboard(chain_id: int) -> tuple[Description, ...]:
    """Describe one hashboard's hashrate and temperature (disabled by default: they are many)."""
    placeholders = {"board": str(chain_id)}

    def hashrate(summary: VNishSummary) -> float | None:
        return chain.hashrate if (chain := _chain(summary, chain_id)) else None

    def temperature(summary: VNishSummary) -> float | None:
        return chain.board_temperature if (chain := _chain(summary, chain_id)) else None

    return (
        MiningFleetSensorDescription(
            key=f"board_{chain_id}_hashrate",
            translation_key="board_hashrate",
            translation_placeholders=placeholders,
            native_unit_of_measurement=HASHRATE_TH,
            state_class=SensorStateClass.MEASUREMENT,
            suggested_display_precision=2,
            entity_registry_enabled_default=False,
            value_fn=_summary(hashrate),
            round_digits=4,
        ),
        temperature_sensor(
            f"board_{chain_id}_temperature",
            _summary(temperature),
            enabled=False,
            translation_key="board_n_temperature",
            translation_placeholders=placeholders,
        ),
    )


def _descriptions(coordinator: VNishCoordinator) -> list[Description]:
    """Return the telemetry, one sensor per fan and two per hashboard the miner reports now."""
    summary = coordinator.summary
    return [
        *VNISH_SENSORS,
        *(_fan_speed(index) for index in range(1, len(summary.fan_rpms) + 1)),
        *(description for chain in summary.chains for description in _hashboard(chain.id)),
    ]


async def async_setup_entry(
    hass: HomeAssistant, entry: VNishConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Add the entities this miner has, now and as they appear."""
    # Energy is essential to every miner (the Energy dashboard reads it), so it is always added.
    async_add_entities([EnergySensor(entry.runtime_data, energy_sensor())])
    async_add_described(entry, async_add_entities, MiningFleetSensor, _descriptions)
    async_add_described(entry, async_add_entities, MiningFleetSensor, tuning_sensors)
