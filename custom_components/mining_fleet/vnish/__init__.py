"""Antminers on VNish firmware: coordinator, config-flow steps, platforms and diagnostics."""

from __future__ import annotations

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant

from ..miner.registry import async_setup_miner
from . import binary_sensor, button, select, sensor, switch
from .coordinator import VNishConfigEntry, VNishCoordinator
from .diagnostics import async_get_diagnostics

PLATFORMS = {
    Platform.BINARY_SENSOR: binary_sensor.async_setup_entry,
    Platform.BUTTON: button.async_setup_entry,
    Platform.SELECT: select.async_setup_entry,
    Platform.SENSOR: sensor.async_setup_entry,
    Platform.SWITCH: switch.async_setup_entry,
}


async def async_setup_entry(hass: HomeAssistant, entry: VNishConfigEntry) -> None:
    """Log in, read identity and presets, then list the miner in the fleet registry."""
    await async_setup_miner(hass, entry, VNishCoordinator(hass, entry))
    options = dict(entry.options)

    async def reload_on_new_options(hass: HomeAssistant, entry: VNishConfigEntry) -> None:
        """Reload with a fresh client when the API key changed (not on other entry updates)."""
        if dict(entry.options) != options:
            hass.config_entries.async_schedule_reload(entry.entry_id)

    entry.async_on_unload(entry.add_update_listener(reload_on_new_options))


__all__ = ["PLATFORMS", "async_get_diagnostics", "async_setup_entry"]
