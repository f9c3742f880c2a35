"""Watched-rig switch: pause the watchdog for maintenance."""

from __future__ import annotations

from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from ..entity import MiningFleetSwitch, MiningFleetSwitchDescription
from .entity import WatchdogConfigEntry, async_add_rig_entities
from .rig import RigWatchdog

SWITCHES: tuple[MiningFleetSwitchDescription[RigWatchdog], ...] = (
    MiningFleetSwitchDescription[RigWatchdog](
        key="maintenance",
        translation_key="maintenance",
        entity_category=EntityCategory.CONFIG,
        value_fn=lambda rig: rig.paused,
        set_fn=lambda rig, on: rig.async_set_paused(on),
    ),
)


async def async_setup_entry(
    hass: HomeAssistant, entry: WatchdogConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Add every rig's maintenance switch."""
    async_add_rig_entities(entry, async_add_entities, MiningFleetSwitch[RigWatchdog], SWITCHES)
