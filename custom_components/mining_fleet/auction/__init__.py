"""The subnet-89 hashrate auction: our bid kept on chain, each window replayed, won hashrate routed."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryError, ConfigEntryNotReady
from homeassistant.helpers import device_registry as dr, issue_registry as ir

from ..api.errors import ApiError
from ..const import DOMAIN
from ..miner.registry import fleet_registry
from . import binary_sensor, button, number, sensor
from .chain import ChainSetupError, async_open_chain, async_report_requirements, requirements_issue_id
from .coordinator import AuctionConfigEntry, AuctionCoordinator, auction_store, miner_removed_issue_id
from .diagnostics import async_get_diagnostics
from .settings import CONF_NETWORK, CONF_PRICE

PLATFORMS = {
    Platform.BINARY_SENSOR: binary_sensor.async_setup_entry,
    Platform.BUTTON: button.async_setup_entry,
    Platform.NUMBER: number.async_setup_entry,
    Platform.SENSOR: sensor.async_setup_entry,
}


async def async_setup_entry(hass: HomeAssistant, entry: AuctionConfigEntry) -> None:
    """Install what the auction needs, open the chain, replay the current window, and follow new blocks."""
    try:
        chain = await async_open_chain(hass, entry.data)
    except ChainSetupError as err:
        if err.key == "auction_requirements":
            async_report_requirements(hass, entry.entry_id, entry.title, err)
        raise ConfigEntryError(
            translation_domain=DOMAIN, translation_key=err.key, translation_placeholders=err.placeholders
        ) from err
    except ApiError as err:
        raise ConfigEntryNotReady(
            translation_domain=DOMAIN,
            translation_key="auction_chain_error",
            translation_placeholders={"network": entry.data[CONF_NETWORK], "error": str(err)},
        ) from err
    ir.async_delete_issue(hass, DOMAIN, requirements_issue_id(entry.entry_id))
    # Raised again by the first refresh if a chosen miner is still gone (the options may have changed).
    ir.async_delete_issue(hass, DOMAIN, miner_removed_issue_id(entry.entry_id))
    entry.async_on_unload(chain.close)
    coordinator = AuctionCoordinator(hass, entry, chain)
    device = dr.async_get(hass).async_get_or_create(config_entry_id=entry.entry_id, **coordinator.device_info)
    coordinator.device_id = device.id
    await coordinator.async_load_announced()
    await coordinator.async_config_entry_first_refresh()
    entry.runtime_data = coordinator
    entry.async_create_background_task(hass, coordinator.async_follow_heads(), f"{DOMAIN} auction follower")
    entry.async_on_unload(fleet_registry(hass).async_add_listener(coordinator.async_fleet_changed))
    entry.async_on_unload(entry.add_update_listener(_options_listener(dict(entry.options))))


type UpdateListener = Callable[[HomeAssistant, ConfigEntry[Any]], Coroutine[Any, Any, None]]


def _options_listener(options: dict[str, Any]) -> UpdateListener:
    """Return the update listener: a new price only republishes the bid; other changes reload."""

    async def options_changed(hass: HomeAssistant, entry: ConfigEntry[Any]) -> None:
        """Republish for a new price; reload for anything else."""
        new = dict(entry.options)
        if new == options:
            return
        if {**new, CONF_PRICE: None} == {**options, CONF_PRICE: None}:
            options[CONF_PRICE] = new.get(CONF_PRICE)
            entry.runtime_data.async_recheck_bid()
            return
        hass.config_entries.async_schedule_reload(entry.entry_id)

    return options_changed


async def async_remove_entry(hass: HomeAssistant, entry: ConfigEntry[Any]) -> None:
    """Delete a removed auction's record of the last announced window, and its repair issues."""
    await auction_store(hass, entry.entry_id).async_remove()
    ir.async_delete_issue(hass, DOMAIN, requirements_issue_id(entry.entry_id))
    ir.async_delete_issue(hass, DOMAIN, miner_removed_issue_id(entry.entry_id))


__all__ = [
    "PLATFORMS",
    "AuctionCoordinator",
    "async_get_diagnostics",
    "async_remove_entry",
    "async_setup_entry",
]
