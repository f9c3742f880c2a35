"""The fleet overview: one device with totals over every loaded miner, updated as miners update."""

from __future__ import annotations

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant

from . import sensor
from .coordinator import FleetConfigEntry, FleetCoordinator
from .diagnostics import async_get_diagnostics

PLATFORMS = {Platform.SENSOR: sensor.async_setup_entry}


async def async_setup_entry(hass: HomeAssistant, entry: FleetConfigEntry) -> None:
    """Compute the first totals, then follow the registry until the entry unloads."""
    coordinator = FleetCoordinator(hass, entry)
    await coordinator.async_config_entry_first_refresh()
    entry.runtime_data = coordinator
    entry.async_on_unload(coordinator.async_start())


__all__ = ["PLATFORMS", "async_get_diagnostics", "async_setup_entry"]
