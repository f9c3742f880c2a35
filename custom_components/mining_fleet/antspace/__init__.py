"""Antspace cooling containers (HK3 hydro, Immersion): monitoring, alerts and cooling control."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr

from . import binary_sensor, button, number, sensor, switch
from .coordinator import AntspaceConfigEntry, AntspaceCoordinator, container_store
from .diagnostics import async_get_diagnostics

PLATFORMS = {
    Platform.BINARY_SENSOR: binary_sensor.async_setup_entry,
    Platform.BUTTON: button.async_setup_entry,
    Platform.NUMBER: number.async_setup_entry,
    Platform.SENSOR: sensor.async_setup_entry,
    Platform.SWITCH: switch.async_setup_entry,
}


async def async_setup_entry(hass: HomeAssistant, entry: AntspaceConfigEntry) -> None:
    """Read the container once (or retry), create its device, and reload when its options change."""
    coordinator = AntspaceCoordinator(hass, entry)
    # The device first: alerts found by the first poll are announced with its id.
    device = dr.async_get(hass).async_get_or_create(config_entry_id=entry.entry_id, **coordinator.device_info)
    coordinator.device_id = device.id
    await coordinator.async_load_announced()
    await coordinator.async_config_entry_first_refresh()
    entry.runtime_data = coordinator
    options = dict(entry.options)

    async def reload_on_new_options(hass: HomeAssistant, entry: ConfigEntry[Any]) -> None:
        """Reload when the limits or the miners changed (not on other entry updates)."""
        if dict(entry.options) != options:
            hass.config_entries.async_schedule_reload(entry.entry_id)

    entry.async_on_unload(entry.add_update_listener(reload_on_new_options))


async def async_remove_entry(hass: HomeAssistant, entry: ConfigEntry[Any]) -> None:
    """Delete a removed container's record of announced alerts."""
    await container_store(hass, entry.entry_id).async_remove()


__all__ = [
    "PLATFORMS",
    "AntspaceCoordinator",
    "async_get_diagnostics",
    "async_remove_entry",
    "async_setup_entry",
]
