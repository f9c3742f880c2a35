"""The button platform: each entry's kind adds its own entities."""

from __future__ import annotations

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import MiningFleetConfigEntry
from .kinds import async_setup_platform

PARALLEL_UPDATES = 1


async def async_setup_entry(
    hass: HomeAssistant, entry: MiningFleetConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Hand the entry to its kind."""
    await async_setup_platform(Platform.BUTTON, hass, entry, async_add_entities)
