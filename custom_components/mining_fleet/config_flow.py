"""Config flow: the menu of kinds; each kind's steps live in its own package."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeassistant.config_entries import ConfigEntry, ConfigFlowResult

from .bitaxe.config_flow import BitaxeFlow
from .const import CONF_KIND, DOMAIN
from .fleet.config_flow import FleetFlow
from .kinds import KINDS
from .pool.config_flow import PoolFlow
from .vnish.config_flow import VNishFlow


# The bases are each kind's steps, as the registry lists them (a test checks they agree).
class MiningFleetConfigFlow(BitaxeFlow, VNishFlow, PoolFlow, FleetFlow, domain=DOMAIN):
    """Add mining hardware to Home Assistant."""

    VERSION = 1
    MINOR_VERSION = 1

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
