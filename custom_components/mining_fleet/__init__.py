"""The mining_fleet integration: a fleet of mining hardware in Home Assistant."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.device_registry import DeviceEntry
from homeassistant.helpers.typing import ConfigType

from .blueprint_installer import async_install_blueprints
from .const import DOMAIN
from .coordinator import MiningFleetConfigEntry
from .kinds import kind_of
from .services import async_setup_services

CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register the integration's services once and install its blueprints."""
    async_setup_services(hass)
    await async_install_blueprints(hass)
    return True


async def async_setup_entry(hass: HomeAssistant, entry: MiningFleetConfigEntry) -> bool:
    """Let the entry's kind set it up, then forward only that kind's platforms."""
    kind = kind_of(entry)
    await kind.async_setup_entry(hass, entry)
    await hass.config_entries.async_forward_entry_setups(entry, list(kind.platforms))
    return True


async def async_unload_entry(hass: HomeAssistant, entry: MiningFleetConfigEntry) -> bool:
    """Unload the platforms the entry's kind forwarded."""
    return await hass.config_entries.async_unload_platforms(entry, list(kind_of(entry).platforms))


async def async_remove_entry(hass: HomeAssistant, entry: MiningFleetConfigEntry) -> None:
    """Let the entry's kind delete what it kept outside the entry (a miner's tuning, a container's alerts)."""
    remove = kind_of(entry).async_remove_entry
    if remove is not None:
        await remove(hass, entry)


async def async_remove_config_entry_device(
    hass: HomeAssistant, entry: MiningFleetConfigEntry, device: DeviceEntry
) -> bool:
    """Let the entry's kind decide whether one of its devices may be deleted."""
    can_remove = kind_of(entry).can_remove_device
    return can_remove is not None and can_remove(entry, device)
