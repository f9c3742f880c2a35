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


__all__ = ["PLATFORMS", "async_get_diagnostics", "async_setup_entry"]
