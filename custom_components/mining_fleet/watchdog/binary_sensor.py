"""Watched-rig binary sensors: the online verdict and whether the outlet is on."""

from __future__ import annotations

from homeassistant.components.binary_sensor import BinarySensorDeviceClass
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from ..entity import MiningFleetBinarySensor, MiningFleetBinarySensorDescription
from .entity import WatchdogConfigEntry, async_add_rig_entities
from .rig import RigWatchdog

BINARY_SENSORS: tuple[MiningFleetBinarySensorDescription[RigWatchdog], ...] = (
    MiningFleetBinarySensorDescription[RigWatchdog](
        key="online",
        translation_key="rig_online",
        device_class=BinarySensorDeviceClass.CONNECTIVITY,
        value_fn=lambda rig: None if rig.snapshot is None else rig.snapshot.verdict.online,
    ),
    MiningFleetBinarySensorDescription[RigWatchdog](
        key="outlet",
        translation_key="outlet",
        device_class=BinarySensorDeviceClass.POWER,
        value_fn=lambda rig: None
        if rig.snapshot is None or rig.snapshot.outlet is None
        else rig.snapshot.outlet.on,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant, entry: WatchdogConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Add every rig's binary sensors."""
    async_add_rig_entities(entry, async_add_entities, MiningFleetBinarySensor[RigWatchdog], BINARY_SENSORS)
