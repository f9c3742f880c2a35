"""Sensors: telemetry of each miner, and its energy integrated from power."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from homeassistant.components.sensor import (
    RestoreSensor,
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import (
    PERCENTAGE,
    REVOLUTIONS_PER_MINUTE,
    SIGNAL_STRENGTH_DECIBELS_MILLIWATT,
    EntityCategory,
    UnitOfElectricPotential,
    UnitOfEnergy,
    UnitOfFrequency,
    UnitOfPower,
    UnitOfTemperature,
)
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.util import dt as dt_util

from .api.axeos_models import SystemInfo
from .api.vnish_models import MINER_STATES, VNishChain
from .coordinator import (
    BitaxeCoordinator,
    BitaxeData,
    MinerCoordinator,
    MiningFleetConfigEntry,
    VNishCoordinator,
    VNishData,
)
from .entity import BitaxeEntity, MiningFleetEntity, VNishEntity
from .logic.energy import EnergyIntegrator

PARALLEL_UPDATES = 0

HASHRATE_GH = "GH/s"
HASHRATE_TH = "TH/s"
EFFICIENCY_J_PER_TH = "J/TH"

type StateValue = float | str | datetime | None

# Field sets both kinds of miner share, so a unit or precision is decided in one place.
TEMPERATURE: dict[str, Any] = {
    "device_class": SensorDeviceClass.TEMPERATURE,
    "native_unit_of_measurement": UnitOfTemperature.CELSIUS,
    "state_class": SensorStateClass.MEASUREMENT,
    "suggested_display_precision": 1,
}
POWER: dict[str, Any] = {
    "key": "power",
    "device_class": SensorDeviceClass.POWER,
    "native_unit_of_measurement": UnitOfPower.WATT,
    "state_class": SensorStateClass.MEASUREMENT,
    "suggested_display_precision": 1,
}
EFFICIENCY: dict[str, Any] = {
    "key": "efficiency",
    "translation_key": "efficiency",
    "native_unit_of_measurement": EFFICIENCY_J_PER_TH,
    "state_class": SensorStateClass.MEASUREMENT,
    "suggested_display_precision": 1,
}
FAN_DUTY: dict[str, Any] = {
    "key": "fan_duty",
    "translation_key": "fan_duty",
    "native_unit_of_measurement": PERCENTAGE,
    "state_class": SensorStateClass.MEASUREMENT,
    "suggested_display_precision": 0,
}


@dataclass(frozen=True, kw_only=True)
class BitaxeSensorDescription(SensorEntityDescription):
    """A Bitaxe sensor: how to read it and whether this firmware has it."""

    value_fn: Callable[[BitaxeData], StateValue]
    exists_fn: Callable[[SystemInfo], bool] = lambda _: True


def _info_value(read: Callable[[SystemInfo], StateValue]) -> Callable[[BitaxeData], StateValue]:
    """Adapt a SystemInfo reader to the BitaxeData value_fn signature."""
    return lambda data: read(data.info)


def _hashrate(
    key: str, read: Callable[[SystemInfo], float | None], *, enabled: bool
) -> BitaxeSensorDescription:
    """Describe a hashrate sensor (GH/s)."""
    return BitaxeSensorDescription(
        key=key,
        translation_key=key,
        native_unit_of_measurement=HASHRATE_GH,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=1,
        entity_registry_enabled_default=enabled,
        value_fn=_info_value(read),
        exists_fn=lambda info: read(info) is not None,
    )


def _temperature(
    key: str, read: Callable[[SystemInfo], float | None], *, enabled: bool
) -> BitaxeSensorDescription:
    """Describe a temperature sensor (°C) that exists when the board reports it."""
    return BitaxeSensorDescription(
        **TEMPERATURE,
        key=key,
        translation_key=key,
        entity_registry_enabled_default=enabled,
        value_fn=_info_value(read),
        exists_fn=lambda info: read(info) is not None,
    )


def _active_pool(info: SystemInfo) -> str | None:
    """Return the active pool as host:port (the worker name stays out of the state)."""
    pool = info.active_pool
    return pool.address if pool else None


BITAXE_SENSORS: tuple[BitaxeSensorDescription, ...] = (
    _hashrate("hashrate", lambda info: info.hashrate, enabled=True),
    _hashrate("hashrate_1m", lambda info: info.hashrate_1m, enabled=True),
    _hashrate("hashrate_10m", lambda info: info.hashrate_10m, enabled=False),
    _hashrate("hashrate_1h", lambda info: info.hashrate_1h, enabled=False),
    _hashrate("expected_hashrate", lambda info: info.expected_hashrate, enabled=True),
    _temperature("asic_temperature", lambda info: info.asic_temperature, enabled=True),
    _temperature("asic_temperature_2", lambda info: info.asic_temperature_2, enabled=False),
    _temperature("vr_temperature", lambda info: info.vr_temperature, enabled=True),
    BitaxeSensorDescription(**POWER, value_fn=_info_value(lambda info: info.power)),
    BitaxeSensorDescription(**EFFICIENCY, value_fn=_info_value(lambda info: info.efficiency)),
    BitaxeSensorDescription(
        key="input_voltage",
        translation_key="input_voltage",
        device_class=SensorDeviceClass.VOLTAGE,
        native_unit_of_measurement=UnitOfElectricPotential.MILLIVOLT,
        suggested_unit_of_measurement=UnitOfElectricPotential.VOLT,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=2,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        value_fn=_info_value(lambda info: info.input_voltage),
    ),
    BitaxeSensorDescription(
        key="core_voltage",
        translation_key="core_voltage",
        device_class=SensorDeviceClass.VOLTAGE,
        native_unit_of_measurement=UnitOfElectricPotential.MILLIVOLT,
        suggested_display_precision=0,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=_info_value(lambda info: info.core_voltage),
    ),
    BitaxeSensorDescription(
        key="core_voltage_actual",
        translation_key="core_voltage_actual",
        device_class=SensorDeviceClass.VOLTAGE,
        native_unit_of_measurement=UnitOfElectricPotential.MILLIVOLT,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
        value_fn=_info_value(lambda info: info.core_voltage_actual),
    ),
    BitaxeSensorDescription(
        key="frequency",
        translation_key="frequency",
        device_class=SensorDeviceClass.FREQUENCY,
        native_unit_of_measurement=UnitOfFrequency.MEGAHERTZ,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
        value_fn=_info_value(lambda info: info.frequency),
    ),
    BitaxeSensorDescription(**FAN_DUTY, value_fn=_info_value(lambda info: info.fan_duty)),
    BitaxeSensorDescription(
        key="fan_speed",
        translation_key="fan_speed",
        native_unit_of_measurement=REVOLUTIONS_PER_MINUTE,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
        value_fn=_info_value(lambda info: info.fan_rpm),
        exists_fn=lambda info: info.fan_rpm is not None,
    ),
    BitaxeSensorDescription(
        key="fan_2_speed",
        translation_key="fan_2_speed",
        native_unit_of_measurement=REVOLUTIONS_PER_MINUTE,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
        entity_registry_enabled_default=False,
        value_fn=_info_value(lambda info: info.fan2_rpm),
        exists_fn=lambda info: info.fan2_rpm is not None,
    ),
    BitaxeSensorDescription(
        key="shares_accepted",
        translation_key="shares_accepted",
        state_class=SensorStateClass.TOTAL_INCREASING,
        value_fn=_info_value(lambda info: info.shares_accepted),
    ),
    BitaxeSensorDescription(
        key="shares_rejected",
        translation_key="shares_rejected",
        state_class=SensorStateClass.TOTAL_INCREASING,
        value_fn=_info_value(lambda info: info.shares_rejected),
    ),
    BitaxeSensorDescription(
        key="best_difficulty",
        translation_key="best_difficulty",
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
        value_fn=_info_value(lambda info: info.best_difficulty),
    ),
    BitaxeSensorDescription(
        key="best_session_difficulty",
        translation_key="best_session_difficulty",
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
        entity_registry_enabled_default=False,
        value_fn=_info_value(lambda info: info.best_session_difficulty),
    ),
    BitaxeSensorDescription(
        key="error_rate",
        translation_key="error_rate",
        native_unit_of_measurement=PERCENTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=2,
        value_fn=_info_value(lambda info: info.error_percentage),
        exists_fn=lambda info: info.error_percentage is not None,
    ),
    BitaxeSensorDescription(
        key="last_boot",
        translation_key="last_boot",
        device_class=SensorDeviceClass.TIMESTAMP,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda data: data.boot_time,
    ),
    BitaxeSensorDescription(
        key="wifi_rssi",
        translation_key="wifi_rssi",
        device_class=SensorDeviceClass.SIGNAL_STRENGTH,
        native_unit_of_measurement=SIGNAL_STRENGTH_DECIBELS_MILLIWATT,
        state_class=SensorStateClass.MEASUREMENT,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        value_fn=_info_value(lambda info: info.wifi_rssi),
        exists_fn=lambda info: info.wifi_rssi is not None,
    ),
    BitaxeSensorDescription(
        key="active_pool",
        translation_key="active_pool",
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=_info_value(_active_pool),
    ),
)


@dataclass(frozen=True, kw_only=True)
class VNishSensorDescription(SensorEntityDescription):
    """A VNish sensor: how to read it from the latest poll."""

    value_fn: Callable[[VNishData], StateValue]


def _vnish_hashrate(key: str, read: Callable[[VNishData], float | None]) -> VNishSensorDescription:
    """Describe a VNish hashrate sensor (TH/s)."""
    return VNishSensorDescription(
        key=key,
        translation_key=key,
        native_unit_of_measurement=HASHRATE_TH,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=2,
        value_fn=read,
    )


def _vnish_temperature(key: str, read: Callable[[VNishData], float | None]) -> VNishSensorDescription:
    """Describe a VNish temperature sensor (°C)."""
    return VNishSensorDescription(**TEMPERATURE, key=key, translation_key=key, value_fn=read)


def _vnish_pool(data: VNishData) -> str | None:
    """Return the active user pool's URL (the worker name stays out of the state)."""
    pool = data.summary.active_pool
    return pool.url if pool else None


VNISH_SENSORS: tuple[VNishSensorDescription, ...] = (
    _vnish_hashrate("hashrate", lambda data: data.summary.hashrate_realtime),
    _vnish_hashrate("hashrate_average", lambda data: data.summary.hashrate_average),
    _vnish_hashrate("hashrate_nominal", lambda data: data.summary.hashrate_nominal),
    VNishSensorDescription(
        **POWER | {"suggested_display_precision": 0}, value_fn=lambda data: data.summary.power
    ),
    VNishSensorDescription(**EFFICIENCY, value_fn=lambda data: data.summary.efficiency),
    _vnish_temperature("chip_temperature", lambda data: data.summary.chip_temperature_max),
    _vnish_temperature("board_temperature", lambda data: data.summary.board_temperature_max),
    VNishSensorDescription(**FAN_DUTY, value_fn=lambda data: data.summary.fan_duty),
    VNishSensorDescription(
        key="miner_state",
        translation_key="miner_state",
        device_class=SensorDeviceClass.ENUM,
        options=list(MINER_STATES),
        value_fn=lambda data: data.status.miner_state if data.status.miner_state in MINER_STATES else None,
    ),
    VNishSensorDescription(
        key="active_pool",
        translation_key="active_pool",
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=_vnish_pool,
    ),
)


def _fan_description(index: int) -> VNishSensorDescription:
    """Describe the speed sensor of fan number index (from 1)."""
    return VNishSensorDescription(
        key=f"fan_{index}_speed",
        translation_key="fan_n_speed",
        translation_placeholders={"fan": str(index)},
        native_unit_of_measurement=REVOLUTIONS_PER_MINUTE,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
        value_fn=lambda data: data.summary.fan_rpms[index - 1]
        if len(data.summary.fan_rpms) >= index
        else None,
    )


def _chain(data: VNishData, chain_id: int) -> VNishChain | None:
    """Return the hashboard with this id from the latest poll."""
    return next((chain for chain in data.summary.chains if chain.id == chain_id), None)


def _chain_descriptions(chain_id: int) -> tuple[VNishSensorDescription, ...]:
    """Describe one hashboard's hashrate and temperature (disabled by default: they are many)."""

    def read(attribute: str) -> Callable[[VNishData], float | None]:
        return lambda data: getattr(chain, attribute) if (chain := _chain(data, chain_id)) else None

    placeholders = {"board": str(chain_id)}
    return (
        VNishSensorDescription(
            key=f"board_{chain_id}_hashrate",
            translation_key="board_hashrate",
            translation_placeholders=placeholders,
            native_unit_of_measurement=HASHRATE_TH,
            state_class=SensorStateClass.MEASUREMENT,
            suggested_display_precision=2,
            entity_registry_enabled_default=False,
            value_fn=read("hashrate"),
        ),
        VNishSensorDescription(
            key=f"board_{chain_id}_temperature",
            translation_key="board_n_temperature",
            translation_placeholders=placeholders,
            **TEMPERATURE,
            entity_registry_enabled_default=False,
            value_fn=read("board_temperature"),
        ),
    )


def _vnish_sensors(coordinator: VNishCoordinator) -> list[SensorEntity]:
    """Return the VNish sensors, with one per fan and two per hashboard seen in the first poll."""
    summary = coordinator.data.summary
    descriptions = list(VNISH_SENSORS)
    descriptions += [_fan_description(index) for index in range(1, len(summary.fan_rpms) + 1)]
    for chain in summary.chains:
        descriptions += _chain_descriptions(chain.id)
    return [VNishSensor(coordinator, description) for description in descriptions]


ENERGY_DESCRIPTION = SensorEntityDescription(
    key="energy",
    device_class=SensorDeviceClass.ENERGY,
    native_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
    state_class=SensorStateClass.TOTAL_INCREASING,
    suggested_display_precision=3,
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: MiningFleetConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the sensors this miner's firmware supports."""
    coordinator = entry.runtime_data
    entities: list[SensorEntity] = [EnergySensor(coordinator, ENERGY_DESCRIPTION)]
    if isinstance(coordinator, BitaxeCoordinator):
        entities += [
            BitaxeSensor(coordinator, description)
            for description in BITAXE_SENSORS
            if description.exists_fn(coordinator.data.info)
        ]
    elif isinstance(coordinator, VNishCoordinator):
        entities += _vnish_sensors(coordinator)
    async_add_entities(entities)


class BitaxeSensor(BitaxeEntity, SensorEntity):
    """A telemetry value of a Bitaxe."""

    entity_description: BitaxeSensorDescription

    @property
    def native_value(self) -> StateValue:
        """Return the value from the latest poll."""
        return self.entity_description.value_fn(self.coordinator.data)


class VNishSensor(VNishEntity, SensorEntity):
    """A telemetry value of a VNish Antminer."""

    entity_description: VNishSensorDescription

    @property
    def native_value(self) -> StateValue:
        """Return the value from the latest poll."""
        return self.entity_description.value_fn(self.coordinator.data)


class EnergySensor(MiningFleetEntity[MinerCoordinator[Any]], RestoreSensor):
    """Energy used by the miner, integrated from its power readings and kept across restarts."""

    def __init__(self, coordinator: MinerCoordinator[Any], description: SensorEntityDescription) -> None:
        """Start from zero until the restored total arrives."""
        super().__init__(coordinator, description)
        self._integrator = EnergyIntegrator()

    async def async_added_to_hass(self) -> None:
        """Restore the running total, then count from the current poll on."""
        await super().async_added_to_hass()
        if (last := await self.async_get_last_sensor_data()) is not None and isinstance(
            last.native_value, int | float | Decimal
        ):
            self._integrator.total_kwh = float(last.native_value)
        self._add_sample()

    @callback
    def _handle_coordinator_update(self) -> None:
        """Add the new power reading to the total."""
        self._add_sample()
        super()._handle_coordinator_update()

    def _add_sample(self) -> None:
        """Feed the latest power reading (or the lack of one) to the integrator."""
        power = self.coordinator.power if self.coordinator.last_update_success else None
        self._integrator.add(dt_util.utcnow().timestamp(), power)

    @property
    def native_value(self) -> float:
        """Return the total in kWh."""
        return round(self._integrator.total_kwh, 6)
