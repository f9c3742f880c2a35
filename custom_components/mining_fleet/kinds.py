"""The registry of kinds: what each kind of config entry sets up, forwards and reports."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from homeassistant.config_entries import (
    ConfigEntry,
    ConfigFlow,
    ConfigFlowResult,
    ConfigSubentryFlow,
    OptionsFlow,
)
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryError
from homeassistant.helpers.device_registry import DeviceEntry
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from . import antspace, auction, bitaxe, fleet, pool, vnish, watchdog
from .antspace.config_flow import AntspaceFlow, AntspaceOptionsFlow
from .auction.config_flow import AuctionFlow, AuctionOptionsFlow
from .bitaxe.config_flow import BitaxeFlow
from .const import (
    CONF_KIND,
    DOMAIN,
    KIND_ANTSPACE,
    KIND_AUCTION,
    KIND_BITAXE,
    KIND_FLEET,
    KIND_POOL,
    KIND_VNISH,
    KIND_WATCHDOG,
    SUBENTRY_RIG,
)
from .fleet.config_flow import FleetFlow, FleetOptionsFlow
from .miner.own_pool import async_remove_own_pool
from .pool.config_flow import PoolFlow
from .tuning.config_flow import TuningOptionsSteps
from .tuning.controller import async_remove_tuning
from .vnish.config_flow import VNishFlow, VNishOptionsSteps
from .watchdog.config_flow import RigSubentryFlow, WatchdogFlow, WatchRigOptionsFlow


class BitaxeOptionsFlow(TuningOptionsSteps, WatchRigOptionsFlow):
    """A Bitaxe's Configure: its tuning profiles and limits, or watching it with the rig watchdog."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Ask what to change."""
        self._origin = self.config_entry
        return self.async_show_menu(step_id="init", menu_options=["profiles", "limits", "rig"])


class VNishOptionsFlow(TuningOptionsSteps, VNishOptionsSteps, WatchRigOptionsFlow):
    """A VNish miner's Configure: tuning profiles and limits, its API key, or watching it."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Ask what to change."""
        self._origin = self.config_entry
        return self.async_show_menu(step_id="init", menu_options=["profiles", "limits", "api_key", "rig"])


async def async_remove_miner(hass: HomeAssistant, entry: ConfigEntry[Any]) -> None:
    """Delete a removed miner's tuning state and statistics, and its remembered own pool."""
    await async_remove_tuning(hass, entry.entry_id)
    await async_remove_own_pool(hass, entry.entry_id)


type PlatformSetup = Callable[
    [HomeAssistant, ConfigEntry[Any], AddConfigEntryEntitiesCallback], Awaitable[None]
]


@dataclass(frozen=True, slots=True)
class Kind:
    """One kind of config entry."""

    key: str
    # Only these platforms are forwarded for the kind's entries.
    platforms: Mapping[Platform, PlatformSetup]
    # Creates the entry's runtime data; raises ConfigEntryNotReady / AuthFailed when it cannot.
    async_setup_entry: Callable[[HomeAssistant, ConfigEntry[Any]], Awaitable[None]]
    async_get_diagnostics: Callable[[HomeAssistant, ConfigEntry[Any]], Awaitable[dict[str, Any]]]
    # The config-flow steps (async_step_<key>, and <key>_reconfigure / <key>_reauth where they exist).
    flow: type[ConfigFlow]
    # Whether the user may delete one of the kind's devices (a pool worker gone for good); None: never.
    can_remove_device: Callable[[ConfigEntry[Any], DeviceEntry], bool] | None = None
    # The subentries the kind's entries hold (the watchdog's rigs), by subentry type.
    subentry_flows: Mapping[str, type[ConfigSubentryFlow]] = field(default_factory=dict)
    # "Configure" on the kind's entries (miners and pool accounts: watch them with the rig watchdog).
    options_flow: type[OptionsFlow] | None = None
    # Deletes what a removed entry kept outside it (a miner's tuning store, a container's alerts).
    async_remove_entry: Callable[[HomeAssistant, ConfigEntry[Any]], Awaitable[None]] | None = None


KINDS: Mapping[str, Kind] = {
    kind.key: kind
    for kind in (
        Kind(
            KIND_BITAXE,
            bitaxe.PLATFORMS,
            bitaxe.async_setup_entry,
            bitaxe.async_get_diagnostics,
            BitaxeFlow,
            options_flow=BitaxeOptionsFlow,
            async_remove_entry=async_remove_miner,
        ),
        Kind(
            KIND_VNISH,
            vnish.PLATFORMS,
            vnish.async_setup_entry,
            vnish.async_get_diagnostics,
            VNishFlow,
            options_flow=VNishOptionsFlow,
            async_remove_entry=async_remove_miner,
        ),
        Kind(
            KIND_POOL,
            pool.PLATFORMS,
            pool.async_setup_entry,
            pool.async_get_diagnostics,
            PoolFlow,
            pool.can_remove_device,
            options_flow=WatchRigOptionsFlow,
        ),
        Kind(
            KIND_ANTSPACE,
            antspace.PLATFORMS,
            antspace.async_setup_entry,
            antspace.async_get_diagnostics,
            AntspaceFlow,
            options_flow=AntspaceOptionsFlow,
            async_remove_entry=antspace.async_remove_entry,
        ),
        Kind(
            KIND_AUCTION,
            auction.PLATFORMS,
            auction.async_setup_entry,
            auction.async_get_diagnostics,
            AuctionFlow,
            options_flow=AuctionOptionsFlow,
            async_remove_entry=auction.async_remove_entry,
        ),
        Kind(
            KIND_FLEET,
            fleet.PLATFORMS,
            fleet.async_setup_entry,
            fleet.async_get_diagnostics,
            FleetFlow,
            options_flow=FleetOptionsFlow,
            async_remove_entry=fleet.async_remove_entry,
        ),
        Kind(
            KIND_WATCHDOG,
            watchdog.PLATFORMS,
            watchdog.async_setup_entry,
            watchdog.async_get_diagnostics,
            WatchdogFlow,
            subentry_flows={SUBENTRY_RIG: RigSubentryFlow},
        ),
    )
}


def kind_of(entry: ConfigEntry[Any]) -> Kind:
    """Return the entry's kind; an unknown one (a newer version's entry) fails with a clear error."""
    key = entry.data.get(CONF_KIND)
    if (kind := KINDS.get(str(key))) is None:
        raise ConfigEntryError(
            translation_domain=DOMAIN,
            translation_key="unknown_kind",
            translation_placeholders={"kind": str(key)},
        )
    return kind


async def async_setup_platform(
    platform: Platform,
    hass: HomeAssistant,
    entry: ConfigEntry[Any],
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Hand a platform's set-up to the entry's kind."""
    await kind_of(entry).platforms[platform](hass, entry, async_add_entities)
