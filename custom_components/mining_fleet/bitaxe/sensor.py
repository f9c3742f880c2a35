"""Bitaxe sensors: AxeOS telemetry."""

from __future__ import annotations

from collections.abc import Callable

from homeassistant.components.sensor import SensorDeviceClass, SensorStateClass
from homeassistant.const import (
    PERCENTAGE,
    REVOLUTIONS_PER_MINUTE,
    SIGNAL_STRENGTH_DECIBELS_MILLIWATT,
    EntityCategory,
    UnitOfElectricPotential,
    UnitOfFrequency,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from ..api.axeos_models import SystemInfo
from ..entity import (
    EnergySensor,
    MiningFleetSensor,
    MiningFleetSensorDescription,
    StateValue,
    async_add_described,
)
from ..miner.descriptions import (
    HASHRATE_GH,
    efficiency_sensor,
    energy_sensor,
    fan_duty_sensor,
    hashrate_sensor,
    power_sensor,
    temperature_sensor,
)
from ..tuning.descriptions import tuning_sensors
from .coordinator import BitaxeConfigEntry, BitaxeCoordinator

type Description = MiningFleetSensorDescription[BitaxeCoordinator]


def _info[T: StateValue](read: Callable[[SystemInfo], T]) -> Callable[[BitaxeCoordinator], T]:
    """Read a field of the latest telemetry."""
    return lambda coordinator: read(coordinator.info)


def _reported(read: Callable[[SystemInfo], object]) -> Callable[[BitaxeCoordinator], bool]:
    """Return an exists_fn: the firmware reports this field."""
    return lambda coordinator: read(coordinator.info) is not None


def _hashrate(key: str, read: Callable[[SystemInfo], float | None], *, enabled: bool) -> Description:
    """Describe a hashrate sensor (GH/s) that exists when the firmware reports it."""
    return hashrate_sensor(
        key, _info(read), unit=HASHRATE_GH, precision=1, enabled=enabled, exists_fn=_reported(read)
    )


def _temperature(key: str, read: Callable[[SystemInfo], float | None], *, enabled: bool) -> Description:
    """Describe a temperature sensor that exists when the board reports it."""
    return temperature_sensor(key, _info(read), enabled=enabled, exists_fn=_reported(read))


def _active_pool(info: SystemInfo) -> str | None:
    """Return the active pool as host:port (the worker name stays out of the state)."""
    pool = info.active_pool
    return pool.address if pool else None


BITAXE_SENSORS: tuple[Description, ...] = (
    _hashrate("hashrate", lambda info: info.hashrate, enabled=True),
    _hashrate("hashrate_1m", lambda info: info.hashrate_1m, enabled=True),
    _hashrate("hashrate_10m", lambda info: info.hashrate_10m, enabled=False),
    _hashrate("hashrate_1h", lambda info: info.hashrate_1h, enabled=False),
    _hashrate("expected_hashrate", lambda info: info.expected_hashrate, enabled=True),
    _temperature("asic_temperature", lambda info: info.asic_temperature, enabled=True),
    _temperature("asic_temperature_2", lambda info: info.asic_temperature_2, enabled=False),
    _temperature("vr_temperature", lambda info: info.vr_temperature, enabled=True),
    power_sensor(_info(lambda info: info.power)),
    efficiency_sensor(_info(lambda info: info.efficiency)),
    MiningFleetSensorDescription(
        key="input_voltage",
        translation_key="input_voltage",
        device_class=SensorDeviceClass.VOLTAGE,
        native_unit_of_measurement=UnitOfElectricPotential.MILLIVOLT,
        suggested_unit_of_measurement=UnitOfElectricPotential.VOLT,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=2,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        value_fn=_info(lambda info: info.input_voltage),
    ),
    MiningFleetSensorDescription(
        key="core_voltage",
        translation_key="core_voltage",
        device_class=SensorDeviceClass.VOLTAGE,
        native_unit_of_measurement=UnitOfElectricPotential.MILLIVOLT,
        suggested_display_precision=0,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=_info(lambda info: info.core_voltage),
    ),
    MiningFleetSensorDescription(
        key="core_voltage_actual",
        translation_key="core_voltage_actual",
        device_class=SensorDeviceClass.VOLTAGE,
        native_unit_of_measurement=UnitOfElectricPotential.MILLIVOLT,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
        value_fn=_info(lambda info: info.core_voltage_actual),
    ),
    MiningFleetSensorDescription(
        key="frequency",
        translation_key="frequency",
        device_class=SensorDeviceClass.FREQUENCY,
        native_unit_of_measurement=UnitOfFrequency.MEGAHERTZ,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
        value_fn=_info(lambda info: info.frequency),
    ),
    fan_duty_sensor(_info(lambda info: info.fan_duty)),
    MiningFleetSensorDescription(
        key="fan_speed",
        translation_key="fan_speed",
        native_unit_of_measurement=REVOLUTIONS_PER_MINUTE,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
        value_fn=_info(lambda info: info.fan_rpm),
        exists_fn=_reported(lambda info: info.fan_rpm),
    ),
    MiningFleetSensorDescription(
        key="fan_2_speed",
        translation_key="fan_2_speed",
        native_unit_of_measurement=REVOLUTIONS_PER_MINUTE,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
        entity_registry_enabled_default=False,
        value_fn=_info(lambda info: info.fan2_rpm),
        exists_fn=_reported(lambda info: info.fan2_rpm),
    ),
    MiningFleetSensorDescription(
        key="shares_accepted",
        translation_key="shares_accepted",
        state_class=SensorStateClass.TOTAL_INCREASING,
        value_fn=_info(lambda info: info.shares_accepted),
    ),
    MiningFleetSensorDescription(
        key="shares_rejected",
        translation_key="shares_rejected",
        state_class=SensorStateClass.TOTAL_INCREASING,
        value_fn=_info(lambda info: info.shares_rejected),
    ),
    MiningFleetSensorDescription(
        key="best_difficulty",
        translation_key="best_difficulty",
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
        value_fn=_info(lambda info: info.best_difficulty),
    ),
    MiningFleetSensorDescription(
        key="best_session_difficulty",
        translation_key="best_session_difficulty",
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
        entity_registry_enabled_default=False,
        value_fn=_info(lambda info: info.best_session_difficulty),
    ),
    MiningFleetSensorDescription(
        key="error_rate",
        translation_key="error_rate",
        native_unit_of_measurement=PERCENTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=2,
        value_fn=_info(lambda info: info.error_percentage),
        exists_fn=_reported(lambda info: info.error_percentage),
        round_digits=3,
    ),
    MiningFleetSensorDescription(
        key="last_boot",
        translation_key="last_boot",
        device_class=SensorDeviceClass.TIMESTAMP,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda coordinator: coordinator.data.boot_time,
    ),
    MiningFleetSensorDescription(
        key="wifi_rssi",
        translation_key="wifi_rssi",
        device_class=SensorDeviceClass.SIGNAL_STRENGTH,
        native_unit_of_measurement=SIGNAL_STRENGTH_DECIBELS_MILLIWATT,
        state_class=SensorStateClass.MEASUREMENT,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        value_fn=_info(lambda info: info.wifi_rssi),
        exists_fn=_reported(lambda info: info.wifi_rssi),
    ),
    MiningFleetSensorDescription(
        key="active_pool",
        translation_key="active_pool",
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=_info(_active_pool),
    ),
)


async def async_setup_entry(
    hass: HomeAssistant, entry: BitaxeConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Add the entities this miner has, now and as they appear."""
    # Energy is essential to every miner (the Energy dashboard reads it), so it is always added.
    async_add_entities([EnergySensor(entry.runtime_data, energy_sensor())])
    async_add_described(entry, async_add_entities, MiningFleetSensor, lambda _: BITAXE_SENSORS)
    async_add_described(entry, async_add_entities, MiningFleetSensor, tuning_sensors)
