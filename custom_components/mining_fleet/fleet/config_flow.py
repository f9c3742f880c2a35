"""Fleet overview config-flow steps (add it from the menu, or confirm it when it is offered) and its options."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigFlow, ConfigFlowResult, OptionsFlow
from homeassistant.helpers.selector import SelectSelector, SelectSelectorConfig, SelectSelectorMode
import voluptuous as vol

from ..const import (
    CONF_ENTITY_SET,
    CONF_KIND,
    ENTITY_SET_ALL,
    ENTITY_SET_ESSENTIAL,
    FLEET_UNIQUE_ID,
    KIND_FLEET,
)
from ..miner.registry import chosen_entity_set

FLEET_TITLE = "Mining fleet"


class FleetFlow(ConfigFlow):
    """The fleet overview steps of the integration's config flow."""

    async def async_step_fleet(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Add the single fleet overview (also while the same offer waits under Discovered)."""
        await self.async_set_unique_id(FLEET_UNIQUE_ID, raise_on_progress=False)
        self._abort_if_unique_id_configured()
        return self.async_create_entry(title=FLEET_TITLE, data={CONF_KIND: KIND_FLEET})

    async def async_step_integration_discovery(self, discovery_info: dict[str, Any]) -> ConfigFlowResult:
        """Offer the fleet overview once there are several miners."""
        await self.async_set_unique_id(FLEET_UNIQUE_ID)
        self._abort_if_unique_id_configured()
        return await self.async_step_fleet_confirm()

    async def async_step_fleet_confirm(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Ask before adding the offered overview."""
        if user_input is not None:
            return await self.async_step_fleet()
        self._set_confirm_only()
        return self.async_show_form(step_id="fleet_confirm")


class FleetOptionsFlow(OptionsFlow):
    """The fleet overview's Configure: which entities every miner gets."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Go to the overview's one options step."""
        return await self.async_step_entities()

    async def async_step_entities(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Ask for the entity set; saving it reloads every miner with it."""
        if user_input is not None:
            return self.async_create_entry(data=user_input)
        choice = SelectSelector(
            SelectSelectorConfig(
                options=[ENTITY_SET_ALL, ENTITY_SET_ESSENTIAL],
                translation_key=CONF_ENTITY_SET,
                mode=SelectSelectorMode.LIST,
            )
        )
        chosen = chosen_entity_set(self.config_entry)
        return self.async_show_form(
            step_id="entities",
            data_schema=vol.Schema({vol.Required(CONF_ENTITY_SET, default=chosen): choice}),
        )
