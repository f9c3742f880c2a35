"""The mining_fleet integration: Bitaxe and VNish Antminer miners in Home Assistant."""

from __future__ import annotations

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.typing import ConfigType

from .blueprint_installer import async_install_blueprints
from .const import DOMAIN
from .coordinator import MiningFleetConfigEntry, create_coordinator
from .services import async_setup_services

PLATFORMS = [
    Platform.BINARY_SENSOR,
    Platform.BUTTON,
    Platform.NUMBER,
    Platform.SELECT,
    Platform.SENSOR,
    Platform.SWITCH,
]

CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register the integration's services once and install its blueprints."""
    async_setup_services(hass)
    await async_install_blueprints(hass)
    return True


async def async_setup_entry(hass: HomeAssistant, entry: MiningFleetConfigEntry) -> bool:
    """Connect to the miner, then set up its entities."""
    coordinator = create_coordinator(hass, entry)
    await coordinator.async_config_entry_first_refresh()
    entry.runtime_data = coordinator
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    return True


async def async_unload_entry(hass: HomeAssistant, entry: MiningFleetConfigEntry) -> bool:
    """Unload the miner's entities."""
    return await hass.config_entries.async_unload_platforms(entry, PLATFORMS)
