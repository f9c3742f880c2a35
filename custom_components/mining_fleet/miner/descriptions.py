"""Entity descriptions every miner kind shares: energy, online, mining, and common sensor shapes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from homeassistant.components.binary_sensor import BinarySensorDeviceClass
from homeassistant.components.button import ButtonDeviceClass
from homeassistant.components.sensor import SensorDeviceClass, SensorStateClass
from homeassistant.const import PERCENTAGE, EntityCategory, UnitOfEnergy, UnitOfPower, UnitOfTemperature

from ..entity import (
    MiningFleetBinarySensorDescription,
    MiningFleetButtonDescription,
    MiningFleetEnergyDescription,
    MiningFleetSensorDescription,
    MiningFleetSwitchDescription,
    always,
)
from .coordinator import MinerCoordinator

HASHRATE_GH = "GH/s"
HASHRATE_TH = "TH/s"
EFFICIENCY_J_PER_TH = "J/TH"

type Reader[C] = Callable[[C], float | None]


def _reachable_power(coordinator: MinerCoordinator[Any]) -> float | None:
    """Return the power of a miner that answered its last poll; an unreachable one has no reading."""
    return coordinator.power if coordinator.last_update_success else None


def energy_sensor[C: MinerCoordinator[Any]]() -> MiningFleetEnergyDescription[C]:
    """Describe the miner's energy total, integrated from power (kWh, for the Energy dashboard)."""
    return MiningFleetEnergyDescription(
        key="energy",
        device_class=SensorDeviceClass.ENERGY,
        native_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
        state_class=SensorStateClass.TOTAL_INCREASING,
        suggested_display_precision=3,
        power_fn=_reachable_power,
    )


def online_sensor[C: MinerCoordinator[Any]]() -> MiningFleetBinarySensorDescription[C]:
    """Describe the connectivity sensor that stays available while the miner is not."""
    return MiningFleetBinarySensorDescription(
        key="online",
        translation_key="online",
        device_class=BinarySensorDeviceClass.CONNECTIVITY,
        always_available=True,
        value_fn=lambda coordinator: coordinator.last_update_success,
    )


def mining_switch[C: MinerCoordinator[Any]]() -> MiningFleetSwitchDescription[C]:
    """Describe the mining switch of miners that can be started and stopped remotely."""
    return MiningFleetSwitchDescription(
        key="mining",
        translation_key="mining",
        value_fn=lambda coordinator: coordinator.is_mining,
        set_fn=lambda coordinator, on: coordinator.async_set_mining(on),
        exists_fn=lambda coordinator: coordinator.can_start_stop,
    )


def restart_button[C: MinerCoordinator[Any]](
    press: Callable[[C], Awaitable[None]],
) -> MiningFleetButtonDescription[C]:
    """Describe the restart button (the mining software on VNish, the whole board on a Bitaxe)."""
    return MiningFleetButtonDescription(
        key="restart",
        device_class=ButtonDeviceClass.RESTART,
        entity_category=EntityCategory.CONFIG,
        press_fn=press,
    )


def hashrate_sensor[C](
    key: str,
    read: Reader[C],
    *,
    unit: str,
    precision: int,
    enabled: bool = True,
    exists_fn: Callable[[C], bool] = always,
) -> MiningFleetSensorDescription[C]:
    """Describe a hashrate sensor that exists when the firmware reports it."""
    return MiningFleetSensorDescription(
        key=key,
        translation_key=key,
        native_unit_of_measurement=unit,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=precision,
        entity_registry_enabled_default=enabled,
        value_fn=read,
        exists_fn=exists_fn,
        round_digits=precision + 2,
    )


def temperature_sensor[C](
    key: str,
    read: Reader[C],
    *,
    enabled: bool = True,
    translation_key: str | None = None,
    translation_placeholders: dict[str, str] | None = None,
    exists_fn: Callable[[C], bool] = always,
) -> MiningFleetSensorDescription[C]:
    """Describe a temperature sensor (°C)."""
    return MiningFleetSensorDescription(
        key=key,
        translation_key=translation_key or key,
        translation_placeholders=translation_placeholders,
        device_class=SensorDeviceClass.TEMPERATURE,
        native_unit_of_measurement=UnitOfTemperature.CELSIUS,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=1,
        entity_registry_enabled_default=enabled,
        value_fn=read,
        exists_fn=exists_fn,
        round_digits=2,
    )


def power_sensor[C](read: Reader[C], *, precision: int = 1) -> MiningFleetSensorDescription[C]:
    """Describe the power sensor (W)."""
    return MiningFleetSensorDescription(
        key="power",
        device_class=SensorDeviceClass.POWER,
        native_unit_of_measurement=UnitOfPower.WATT,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=precision,
        value_fn=read,
        round_digits=2,
    )


def efficiency_sensor[C](read: Reader[C]) -> MiningFleetSensorDescription[C]:
    """Describe the efficiency sensor (J/TH), a quotient that would otherwise store 15 digits."""
    return MiningFleetSensorDescription(
        key="efficiency",
        translation_key="efficiency",
        native_unit_of_measurement=EFFICIENCY_J_PER_TH,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=1,
        value_fn=read,
        round_digits=2,
    )


def count_sensor[C](key: str, read: Callable[[C], int]) -> MiningFleetSensorDescription[C]:
    """Describe a count (miners, workers)."""
    return MiningFleetSensorDescription(
        key=key, translation_key=key, state_class=SensorStateClass.MEASUREMENT, value_fn=read
    )


def fan_duty_sensor[C](read: Reader[C]) -> MiningFleetSensorDescription[C]:
    """Describe the fan duty sensor (%)."""
    return MiningFleetSensorDescription(
        key="fan_duty",
        translation_key="fan_duty",
        native_unit_of_measurement=PERCENTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
        value_fn=read,
    )
