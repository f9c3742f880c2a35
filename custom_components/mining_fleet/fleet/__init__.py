"""The fleet overview: one device with totals over every loaded miner, updated as miners update."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant

from ..const import ENTITY_SET_ESSENTIAL
from ..miner.registry import async_reload_miners, chosen_entity_set
from . import sensor
from .coordinator import FleetConfigEntry, FleetCoordinator
from .diagnostics import async_get_diagnostics
from .large_fleet import async_suggest_essential_only, async_withdraw_suggestion

PLATFORMS = {Platform.SENSOR: sensor.async_setup_entry}


async def async_setup_entry(hass: HomeAssistant, entry: FleetConfigEntry) -> None:
    """Compute the first totals, then follow the registry until the entry unloads."""
    coordinator = FleetCoordinator(hass, entry)
    await coordinator.async_config_entry_first_refresh()
    entry.runtime_data = coordinator
    entry.async_on_unload(coordinator.async_start())
    entry.async_on_unload(entry.add_update_listener(_reload_miners_on_new_entity_set(entry)))
    entry.async_on_unload(async_suggest_essential_only(hass, entry))


def _reload_miners_on_new_entity_set(
    entry: ConfigEntry[Any],
) -> Callable[[HomeAssistant, ConfigEntry[Any]], Coroutine[Any, Any, None]]:
    """Return an update listener that reloads every miner when the entity set changes."""
    entity_set = chosen_entity_set(entry)

    async def reload_miners(hass: HomeAssistant, entry: ConfigEntry[Any]) -> None:
        """Reload the miners (they add or drop entities) if the entity set is new."""
        nonlocal entity_set
        if chosen_entity_set(entry) != entity_set:
            entity_set = chosen_entity_set(entry)
            async_reload_miners(hass)

    return reload_miners


async def async_remove_entry(hass: HomeAssistant, entry: ConfigEntry[Any]) -> None:
    """Give every miner all its entities back when the overview that kept them essential goes."""
    async_withdraw_suggestion(hass)
    if chosen_entity_set(entry) == ENTITY_SET_ESSENTIAL:
        async_reload_miners(hass)


__all__ = ["PLATFORMS", "async_get_diagnostics", "async_remove_entry", "async_setup_entry"]
