"""Watched-rig sensors: the watchdog's state, its counters and last action, the verdict's reason, outlet power."""

from __future__ import annotations

from datetime import UTC, datetime

from homeassistant.components.sensor import SensorDeviceClass, SensorStateClass
from homeassistant.const import EntityCategory, UnitOfPower
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from ..entity import MiningFleetSensor, MiningFleetSensorDescription
from ..logic.watchdog import Action, Phase, Reason
from .entity import WatchdogConfigEntry, async_add_rig_entities
from .rig import RigWatchdog

ONLINE = "online"


def _time(seconds: float | None) -> datetime | None:
    """Return unix seconds as a timestamp state."""
    return None if seconds is None else datetime.fromtimestamp(seconds, UTC)


def _reason(rig: RigWatchdog) -> str | None:
    """Return why the rig counts as offline, or "online"."""
    if rig.snapshot is None:
        return None
    verdict = rig.snapshot.verdict
    return ONLINE if verdict.online else str(verdict.reason)


def _outlet_power(rig: RigWatchdog) -> float | None:
    """Return what the outlet draws, where it meters."""
    return None if rig.snapshot is None or rig.snapshot.outlet is None else rig.snapshot.outlet.power_w


SENSORS: tuple[MiningFleetSensorDescription[RigWatchdog], ...] = (
    MiningFleetSensorDescription[RigWatchdog](
        key="watchdog_state",
        translation_key="watchdog_state",
        device_class=SensorDeviceClass.ENUM,
        options=[phase.value for phase in Phase],
        value_fn=lambda rig: rig.phase.value,
    ),
    MiningFleetSensorDescription[RigWatchdog](
        key="offline_reason",
        translation_key="offline_reason",
        device_class=SensorDeviceClass.ENUM,
        options=[ONLINE, *(reason.value for reason in Reason)],
        value_fn=_reason,
    ),
    MiningFleetSensorDescription[RigWatchdog](
        key="silent_since",
        translation_key="silent_since",
        device_class=SensorDeviceClass.TIMESTAMP,
        value_fn=lambda rig: None if rig.snapshot is None else _time(rig.snapshot.verdict.since),
    ),
    MiningFleetSensorDescription[RigWatchdog](
        key="consecutive_restarts",
        translation_key="consecutive_restarts",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda rig: rig.state.consecutive_power_cycles,
    ),
    MiningFleetSensorDescription[RigWatchdog](
        key="last_action",
        translation_key="last_action",
        device_class=SensorDeviceClass.ENUM,
        options=[action.value for action in Action],
        value_fn=lambda rig: rig.state.last_action.value,
        entity_category=EntityCategory.DIAGNOSTIC,
    ),
    MiningFleetSensorDescription[RigWatchdog](
        key="last_action_at",
        translation_key="last_action_at",
        device_class=SensorDeviceClass.TIMESTAMP,
        value_fn=lambda rig: _time(rig.state.last_action_at),
    ),
    MiningFleetSensorDescription[RigWatchdog](
        key="outlet_power",
        translation_key="outlet_power",
        device_class=SensorDeviceClass.POWER,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfPower.WATT,
        value_fn=_outlet_power,
        exists_fn=lambda rig: _outlet_power(rig) is not None,
        round_digits=1,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant, entry: WatchdogConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Add every rig's sensors."""
    async_add_rig_entities(entry, async_add_entities, MiningFleetSensor[RigWatchdog], SENSORS)
