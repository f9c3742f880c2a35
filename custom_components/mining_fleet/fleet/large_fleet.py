"""Suggest Essential only to a large fleet that never chose: a fixable repair that switches it."""

from __future__ import annotations

from functools import partial
from typing import Any

from homeassistant.components.repairs import ConfirmRepairFlow
from homeassistant.config_entries import ConfigEntry, ConfigEntryState
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.data_entry_flow import FlowResult
from homeassistant.helpers import issue_registry as ir

from ..const import CONF_ENTITY_SET, CONF_KIND, DOMAIN, ENTITY_SET_ESSENTIAL, FLEET_UNIQUE_ID, MINER_KINDS
from ..miner.registry import fleet_registry

ISSUE_LARGE_FLEET = "large_fleet"
# From this many miners on, every miner's full set of entities costs Home Assistant tens of
# megabytes (about 0.7 MB a miner against 0.3 MB with Essential only; see the README's Large fleets).
MINERS_FOR_ESSENTIAL_SUGGESTION = 100


@callback
def async_suggest_essential_only(hass: HomeAssistant, entry: ConfigEntry[Any]) -> CALLBACK_TYPE:
    """Follow the fleet's size and the overview's choice; return the function that stops following."""

    async def options_updated(hass: HomeAssistant, entry: ConfigEntry[Any]) -> None:
        """Withdraw the suggestion once a choice is saved."""
        _async_update_suggestion(hass, entry)

    stop_following = fleet_registry(hass).async_add_listener(partial(_async_update_suggestion, hass, entry))
    stop_following_options = entry.add_update_listener(options_updated)
    _async_update_suggestion(hass, entry)

    @callback
    def stop() -> None:
        stop_following()
        stop_following_options()
        # Kept through a reload or a restart (with its Ignore); a disabled overview suggests nothing.
        if entry.disabled_by is not None:
            async_withdraw_suggestion(hass)

    return stop


@callback
def async_withdraw_suggestion(hass: HomeAssistant) -> None:
    """Withdraw the suggestion (and forget that it was ignored)."""
    ir.async_delete_issue(hass, DOMAIN, ISSUE_LARGE_FLEET)


def _configured_miners(hass: HomeAssistant) -> int:
    """Return how many miners are configured and enabled (loaded or not: stable while Home Assistant starts)."""
    entries = hass.config_entries.async_entries(DOMAIN, include_ignore=False, include_disabled=False)
    return sum(entry.data.get(CONF_KIND) in MINER_KINDS for entry in entries)


@callback
def _async_update_suggestion(hass: HomeAssistant, entry: ConfigEntry[Any]) -> None:
    """Suggest Essential only to a large fleet whose entity set was never chosen; a saved choice is final."""
    if CONF_ENTITY_SET in entry.options or _configured_miners(hass) < MINERS_FOR_ESSENTIAL_SUGGESTION:
        async_withdraw_suggestion(hass)
        return
    # Creating it again changes nothing, and keeps an Ignore the user gave it.
    ir.async_create_issue(
        hass,
        DOMAIN,
        ISSUE_LARGE_FLEET,
        is_fixable=True,
        severity=ir.IssueSeverity.WARNING,
        translation_key=ISSUE_LARGE_FLEET,
        translation_placeholders={"miners": str(MINERS_FOR_ESSENTIAL_SUGGESTION)},
    )


class EssentialOnlyFixFlow(ConfirmRepairFlow):
    """The repair's fix: confirm, and the overview keeps every miner to its essential entities."""

    async def async_step_confirm(self, user_input: dict[str, str] | None = None) -> FlowResult:
        """Show the suggestion; on submit, choose Essential only (every miner reloads with it)."""
        if user_input is not None:
            fleet = self.hass.config_entries.async_entry_for_domain_unique_id(DOMAIN, FLEET_UNIQUE_ID)
            if fleet is None or fleet.state is not ConfigEntryState.LOADED:
                return self.async_abort(reason="fleet_overview_unavailable")
            if CONF_ENTITY_SET in fleet.options:  # chosen in Configure while this was open
                return self.async_abort(reason="already_chosen")
            options = {**fleet.options, CONF_ENTITY_SET: ENTITY_SET_ESSENTIAL}
            self.hass.config_entries.async_update_entry(fleet, options=options)
        return await super().async_step_confirm(user_input)
