"""Container sensors: every reading the model has, its status, its alerts, and the miners inside."""

from __future__ import annotations

from typing import Any

from homeassistant.components.sensor import SensorDeviceClass, SensorStateClass
from homeassistant.const import (
    PERCENTAGE,
    EntityCategory,
    UnitOfElectricCurrent,
    UnitOfElectricPotential,
    UnitOfFrequency,
    UnitOfLength,
    UnitOfPower,
    UnitOfPressure,
    UnitOfTemperature,
    UnitOfVolumeFlowRate,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from ..api.antspace_models import RANK, Severity, Status
from ..entity import MiningFleetSensor, MiningFleetSensorDescription, async_add_described
from ..miner.descriptions import HASHRATE_TH
from .coordinator import AntspaceConfigEntry, AntspaceCoordinator

type Description = MiningFleetSensorDescription[AntspaceCoordinator]

_MEASUREMENT: dict[str, Any] = {"state_class": SensorStateClass.MEASUREMENT}
TEMPERATURE: dict[str, Any] = {
    **_MEASUREMENT,
    "device_class": SensorDeviceClass.TEMPERATURE,
    "native_unit_of_measurement": UnitOfTemperature.CELSIUS,
    "suggested_display_precision": 1,
}
SHAPES: dict[str, dict[str, Any]] = {
    "temp": TEMPERATURE,
    "humidity": {
        **_MEASUREMENT,
        "device_class": SensorDeviceClass.HUMIDITY,
        "native_unit_of_measurement": PERCENTAGE,
    },
    "pressure": {
        **_MEASUREMENT,
        "device_class": SensorDeviceClass.PRESSURE,
        "native_unit_of_measurement": UnitOfPressure.BAR,
        "suggested_display_precision": 2,
    },
    "flow": {
        **_MEASUREMENT,
        "device_class": SensorDeviceClass.VOLUME_FLOW_RATE,
        "native_unit_of_measurement": UnitOfVolumeFlowRate.CUBIC_METERS_PER_HOUR,
    },
    "power": {
        **_MEASUREMENT,
        "device_class": SensorDeviceClass.POWER,
        "native_unit_of_measurement": UnitOfPower.WATT,
    },
    "level": {
        **_MEASUREMENT,
        "device_class": SensorDeviceClass.DISTANCE,
        "native_unit_of_measurement": UnitOfLength.CENTIMETERS,
    },
    "frequency": {
        **_MEASUREMENT,
        "device_class": SensorDeviceClass.FREQUENCY,
        "native_unit_of_measurement": UnitOfFrequency.HERTZ,
    },
    "voltage": {
        **_MEASUREMENT,
        "device_class": SensorDeviceClass.VOLTAGE,
        "native_unit_of_measurement": UnitOfElectricPotential.VOLT,
        "suggested_display_precision": 1,
    },
    "current": {
        **_MEASUREMENT,
        "device_class": SensorDeviceClass.CURRENT,
        "native_unit_of_measurement": UnitOfElectricCurrent.AMPERE,
        "suggested_display_precision": 1,
    },
    # The Immersion's distribution_box_power: its unit is unknown, so it is shown as the raw number.
    "raw": {
        **_MEASUREMENT,
        "entity_category": EntityCategory.DIAGNOSTIC,
    },
}
# Wire key → (translation key where the wire's spelling is a typo, shape, enabled by default).
READINGS: dict[str, tuple[str, str, bool]] = {
    "supply_liquid_temp": ("supply_liquid_temp", "temp", True),
    "return_liquid_temp": ("return_liquid_temp", "temp", True),
    "colding_tower_inlet_temp": ("cooling_tower_inlet_temp", "temp", True),
    "antbox_internal_temp": ("antbox_internal_temp", "temp", True),
    "antbox_internal_humidity": ("antbox_internal_humidity", "humidity", True),
    "supply_liquid_pressure": ("supply_liquid_pressure", "pressure", True),
    "return_liquid_pressure": ("return_liquid_pressure", "pressure", True),
    "supply_liquid_flow": ("supply_liquid_flow", "flow", True),
    "distribution_box1_power": ("distribution_box1_power", "power", False),
    "distribution_box2_power": ("distribution_box2_power", "power", False),
    "primary_supply_temp": ("primary_supply_temp", "temp", True),
    "primary_return_temp": ("primary_return_temp", "temp", True),
    "second_supply_temp1": ("second_supply_temp1", "temp", True),
    "second_supply_temp2": ("second_supply_temp2", "temp", True),
    "second_return_temp1": ("second_return_temp1", "temp", True),
    "second_return_temp2": ("second_return_temp2", "temp", True),
    "out_temp": ("out_temp", "temp", True),
    "container_temp": ("container_temp", "temp", True),
    "power_distribution_temp": ("power_distribution_temp", "temp", True),
    "container_humidity": ("container_humidity", "humidity", True),
    "power_distribution_humidity": ("power_distribution_humidity", "humidity", False),
    **{f"tank_{tank}_level": (f"tank_{tank}_level", "level", True) for tank in "abcd"},
    "drycooler_freq": ("dry_cooler_frequency", "frequency", True),
    "feedback_fre": ("dry_cooler_feedback_frequency", "frequency", False),
    **{f"vol_{phase}_distribution": (f"phase_{phase}_voltage", "voltage", False) for phase in "abc"},
    **{f"cur_{phase}_distribution": (f"phase_{phase}_current", "current", False) for phase in "abc"},
    "distribution_box_power": ("distribution_box_power", "raw", False),
}


def _reading(key: str) -> Description:
    """Describe one reading of the wire, present when the container's model has it."""
    translation_key, shape, enabled = READINGS[key]
    return MiningFleetSensorDescription(
        key=translation_key,
        translation_key=translation_key,
        value_fn=lambda container: container.state.values.get(key),
        exists_fn=lambda container: key in container.state.values,
        entity_registry_enabled_default=enabled,
        round_digits=3,
        **SHAPES[shape],
    )


def _alerts(container: AntspaceCoordinator) -> dict[str, Any]:
    """Return the highest severity and the alerts, most severe first."""
    alerts = container.state.alerts
    return {
        "highest_severity": str(alerts[0].severity) if alerts else None,
        "alerts": [
            {
                "alert": alert.alert,
                "flag": alert.key,
                "severity": str(alert.severity),
                "message": alert.message,
            }
            for alert in alerts
        ],
    }


def _miners(container: AntspaceCoordinator) -> Any:
    """Return the minerInfo of the last poll, or None when that read failed."""
    return container.data.miners


def _miner_hashrate(container: AntspaceCoordinator) -> float | None:
    """Return the listed miners' average hashrate in TH/s (their GH/s added up)."""
    info = _miners(container)
    rates = [miner.hashrate_ghs for miner in info.miners if miner.hashrate_ghs is not None] if info else []
    return sum(rates) / 1000 if rates else None


CONTAINER_SENSORS: tuple[Description, ...] = (
    MiningFleetSensorDescription(
        key="status",
        translation_key="container_status",
        device_class=SensorDeviceClass.ENUM,
        options=[str(status) for status in Status],
        value_fn=lambda container: str(container.state.status),
        # The miners inside (set in the container's options), for blueprints that protect them.
        attributes_fn=lambda container: {"miners": container.miner_device_ids},
    ),
    MiningFleetSensorDescription(
        key="active_alerts",
        translation_key="active_alerts",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda container: len(container.state.alerts),
        attributes_fn=_alerts,
    ),
    MiningFleetSensorDescription(
        key="power",
        device_class=SensorDeviceClass.POWER,
        native_unit_of_measurement=UnitOfPower.WATT,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
        value_fn=lambda container: container.state.power_w,
        round_digits=0,
    ),
    MiningFleetSensorDescription(
        key="container_miners",
        translation_key="container_miners",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda container: None if (info := _miners(container)) is None else info.count,
    ),
    MiningFleetSensorDescription(
        key="container_hashrate",
        translation_key="container_hashrate",
        native_unit_of_measurement=HASHRATE_TH,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=1,
        value_fn=_miner_hashrate,
        round_digits=3,
    ),
    MiningFleetSensorDescription(
        key="hottest_chip",
        translation_key="hottest_chip",
        value_fn=lambda container: None if (info := _miners(container)) is None else info.chip_max_temp,
        **TEMPERATURE,
    ),
)
ALL_SENSORS = (*CONTAINER_SENSORS, *(_reading(key) for key in READINGS))
SEVERITY_OPTIONS = sorted((str(severity) for severity in Severity), key=lambda name: RANK[Severity(name)])


async def async_setup_entry(
    hass: HomeAssistant, entry: AntspaceConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Add the container's sensors its model has."""
    async_add_described(entry, async_add_entities, MiningFleetSensor, lambda _: ALL_SENSORS)
