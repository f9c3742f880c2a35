"""The fleet registry: loaded miners by device id, shared across entries through hass.data."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from homeassistant.config_entries import SOURCE_INTEGRATION_DISCOVERY, ConfigEntry
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryNotReady, HomeAssistantError
from homeassistant.helpers import device_registry as dr, discovery_flow, entity_registry as er
from homeassistant.util.hass_dict import HassKey

from ..const import (
    CONF_ENTITY_SET,
    CONF_KIND,
    DOMAIN,
    ENTITY_SET_ALL,
    ENTITY_SET_ESSENTIAL,
    FLEET_UNIQUE_ID,
    KIND_FLEET,
    MINER_KINDS,
)
from .coordinator import MinerCoordinator

FLEET_REGISTRY: HassKey[FleetRegistry] = HassKey(f"{DOMAIN}_fleet_registry")

# From this many miners on, Home Assistant offers the fleet overview by itself.
MINERS_FOR_OVERVIEW = 2


class FleetRegistry:
    """The miners whose entries are loaded; services and behaviours reach miners only through it."""

    def __init__(self) -> None:
        """Start empty."""
        self._miners: dict[str, MinerCoordinator[Any]] = {}
        self._listeners: list[Callable[[], None]] = []

    def __len__(self) -> int:
        """Return how many miners are loaded."""
        return len(self._miners)

    @property
    def miners(self) -> tuple[MinerCoordinator[Any], ...]:
        """Return every loaded miner."""
        return tuple(self._miners.values())

    def get(self, device_id: str) -> MinerCoordinator[Any] | None:
        """Return the loaded miner behind a device, or None."""
        return self._miners.get(device_id)

    @callback
    def async_add(self, device_id: str, coordinator: MinerCoordinator[Any]) -> None:
        """Add a miner whose entry finished loading."""
        self._miners[device_id] = coordinator
        self._notify()

    @callback
    def async_remove(self, device_id: str) -> None:
        """Remove a miner whose entry unloads."""
        if self._miners.pop(device_id, None) is not None:
            self._notify()

    @callback
    def async_add_listener(self, listener: Callable[[], None]) -> CALLBACK_TYPE:
        """Call listener whenever a miner joins or leaves; return the function that stops it."""
        self._listeners.append(listener)
        return partial(self._listeners.remove, listener)

    def _notify(self) -> None:
        """Tell every listener the membership changed."""
        for listener in list(self._listeners):
            listener()


def fleet_registry(hass: HomeAssistant) -> FleetRegistry:
    """Return the registry, creating it on first use."""
    return hass.data.setdefault(FLEET_REGISTRY, FleetRegistry())


@callback
def async_register_miner(
    hass: HomeAssistant, entry: ConfigEntry[Any], coordinator: MinerCoordinator[Any]
) -> None:
    """Create the miner's device, list it in the registry until the entry unloads, offer the overview."""
    device = dr.async_get(hass).async_get_or_create(config_entry_id=entry.entry_id, **coordinator.device_info)
    coordinator.device_id = device.id
    registry = fleet_registry(hass)
    registry.async_add(device.id, coordinator)
    entry.async_on_unload(partial(registry.async_remove, device.id))
    if len(registry) >= MINERS_FOR_OVERVIEW:
        _async_offer_fleet_overview(hass)


@callback
def _async_offer_fleet_overview(hass: HomeAssistant) -> None:
    """Show the fleet overview under Discovered unless it exists, was ignored, or is already offered."""
    if hass.config_entries.async_entry_for_domain_unique_id(DOMAIN, FLEET_UNIQUE_ID) is not None:
        return
    offered = hass.config_entries.flow.async_progress_by_handler(
        DOMAIN, match_context={"source": SOURCE_INTEGRATION_DISCOVERY}
    )
    if not offered:
        discovery_flow.async_create_flow(
            hass, DOMAIN, {"source": SOURCE_INTEGRATION_DISCOVERY}, {CONF_KIND: KIND_FLEET}
        )


async def async_setup_miner(
    hass: HomeAssistant, entry: ConfigEntry[Any], coordinator: MinerCoordinator[Any]
) -> None:
    """Read the miner once (or raise ConfigEntryNotReady naming why), then make it the entry's runtime data.

    The miner's tuning (chosen profile, an interrupted ramp, the guard's hold, statistics) is read
    first and starts watching the polls once the miner answered; the entry reloads when its
    options change (profiles, limits, an API key).
    """
    coordinator.essential_only = essential_entities_only(hass)
    if coordinator.essential_only:
        _async_remove_inessential_entities(hass, entry, coordinator)
    await coordinator.tuning.async_load()
    try:
        await coordinator.async_config_entry_first_refresh()
    except ConfigEntryNotReady as err:
        cause = err.__cause__
        if not isinstance(cause, HomeAssistantError) or cause.translation_key is None:
            raise
        # Keep the reason's key on the entry: the rig watchdog tells "unreachable" from "refuses us".
        raise ConfigEntryNotReady(
            translation_domain=DOMAIN,
            translation_key=cause.translation_key,
            translation_placeholders=cause.translation_placeholders,
        ) from cause
    entry.runtime_data = coordinator
    async_register_miner(hass, entry, coordinator)
    entry.async_on_unload(coordinator.tuning.async_start())
    entry.async_on_unload(coordinator.tuning.async_save)
    options = dict(entry.options)

    async def reload_on_new_options(hass: HomeAssistant, entry: ConfigEntry[Any]) -> None:
        """Reload when the options changed (not on other entry updates, such as a new title)."""
        if dict(entry.options) != options:
            hass.config_entries.async_schedule_reload(entry.entry_id)

    entry.async_on_unload(entry.add_update_listener(reload_on_new_options))


def chosen_entity_set(fleet: ConfigEntry[Any]) -> str:
    """Return the entity set the fleet overview's options give every miner (all until chosen)."""
    return str(fleet.options.get(CONF_ENTITY_SET, ENTITY_SET_ALL))


@callback
def essential_entities_only(hass: HomeAssistant) -> bool:
    """Return True when the fleet overview's options keep every miner to its essential entities."""
    fleet = hass.config_entries.async_entry_for_domain_unique_id(DOMAIN, FLEET_UNIQUE_ID)
    return fleet is not None and chosen_entity_set(fleet) == ENTITY_SET_ESSENTIAL


@callback
def async_reload_miners(hass: HomeAssistant) -> None:
    """Reload every miner, e.g. to add or drop entities after the fleet's entity set changed."""
    for entry in hass.config_entries.async_entries(DOMAIN, include_disabled=False):
        if entry.data.get(CONF_KIND) in MINER_KINDS:
            hass.config_entries.async_schedule_reload(entry.entry_id)


@callback
def _async_remove_inessential_entities(
    hass: HomeAssistant, entry: ConfigEntry[Any], coordinator: MinerCoordinator[Any]
) -> None:
    """Delete the miner's entities it no longer adds: disabled ones would still cost registry memory."""
    registry = er.async_get(hass)
    prefix = f"{coordinator.unique_id_base}_"
    for entity in er.async_entries_for_config_entry(registry, entry.entry_id):
        key = entity.unique_id.removeprefix(prefix)
        if entity.unique_id.startswith(prefix) and not coordinator.adds(key):
            registry.async_remove(entity.entity_id)
