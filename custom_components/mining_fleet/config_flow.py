"""Config flow: the menu of kinds; each kind's steps live in its own package."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeassistant.config_entries import ConfigEntry, ConfigFlowResult, ConfigSubentryFlow, OptionsFlow
from homeassistant.core import callback
from homeassistant.data_entry_flow import UnknownHandler

from .antspace.config_flow import AntspaceFlow
from .auction.config_flow import AuctionFlow
from .bitaxe.config_flow import BitaxeFlow
from .const import CONF_KIND, DOMAIN
from .fleet.config_flow import FleetFlow
from .kinds import KINDS, kind_of
from .pool.config_flow import PoolFlow
from .vnish.config_flow import VNishFlow
from .watchdog.config_flow import WatchdogFlow


# The bases are each kind's steps, as the registry lists them (a test checks they agree).
class MiningFleetConfigFlow(
    BitaxeFlow, VNishFlow, PoolFlow, AntspaceFlow, AuctionFlow, FleetFlow, WatchdogFlow, domain=DOMAIN
):
    """Add mining hardware to Home Assistant."""

    VERSION = 1
    MINOR_VERSION = 1

    @classmethod
    @callback
    def async_get_supported_subentry_types(
        cls, config_entry: ConfigEntry[Any]
    ) -> dict[str, type[ConfigSubentryFlow]]:
        """Return the subentries the entry's kind holds (watched rigs on the watchdog entry)."""
        return dict(kind_of(config_entry).subentry_flows)

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: ConfigEntry[Any]) -> OptionsFlow:
        """Return the options flow of the entry's kind."""
        options_flow = kind_of(config_entry).options_flow
        if options_flow is None:
            raise UnknownHandler
        return options_flow()

    @classmethod
    @callback
    def async_supports_options_flow(cls, config_entry: ConfigEntry[Any]) -> bool:
        """Return whether the entry's kind has options (an unknown kind has none)."""
        kind = KINDS.get(str(config_entry.data.get(CONF_KIND)))
        return kind is not None and kind.options_flow is not None

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Ask which kind of thing to add."""
        return self.async_show_menu(step_id="user", menu_options=list(KINDS))

    async def async_step_reauth(self, entry_data: Mapping[str, Any]) -> ConfigFlowResult:
        """Hand re-authentication to the entry's kind."""
        return await self._async_kind_step(self._get_reauth_entry(), "reauth")

    async def async_step_reconfigure(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Hand reconfiguration to the entry's kind."""
        return await self._async_kind_step(self._get_reconfigure_entry(), "reconfigure")

    async def _async_kind_step(self, entry: ConfigEntry[Any], step: str) -> ConfigFlowResult:
        """Run the kind's own step (e.g. vnish_reauth); a kind without one has nothing to change."""
        handler = getattr(self, f"async_step_{entry.data.get(CONF_KIND)}_{step}", None)
        if handler is None:
            return self.async_abort(reason=f"{step}_not_supported")
        result: ConfigFlowResult = await handler()
        return result
