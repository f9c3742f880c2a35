"""Antspace config-flow steps: add a container by address (the detected model confirmed), reconfigure, options."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigFlow, ConfigFlowResult, OptionsFlow
from homeassistant.const import CONF_HOST, CONF_PORT
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.selector import (
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
)
import voluptuous as vol

from ..api.antspace import DEFAULT_PORT, AntspaceClient
from ..api.antspace_models import Model
from ..api.errors import ApiError
from ..const import CONF_KIND, KIND_ANTSPACE
from ..miner.flow import form_error
from ..miner.registry import fleet_registry
from .coordinator import CONF_MODEL, MODEL_NAMES
from .limits import CONF_MINERS, CONF_SETPOINT_MAX, CONF_SETPOINT_MIN, HARD_BOUNDS, setpoint_limits

ADDRESS_SCHEMA = vol.Schema(
    {
        vol.Required(CONF_HOST): str,
        vol.Required(CONF_PORT, default=DEFAULT_PORT): vol.All(int, vol.Range(1, 65535)),
    }
)


def container_unique_id(host: str, port: int) -> str:
    """Return a container's id: its address (the controller reports no serial number or MAC)."""
    return f"antspace-{host.strip().lower()}:{port}"


class AntspaceFlow(ConfigFlow):
    """The Antspace steps of the integration's config flow."""

    _found: tuple[str, int, Model] | None = None

    def _address_taken(self, host: str, port: int, keep: str | None = None) -> bool:
        """Return True when another container entry already reads this address (one controller, one entry)."""
        return any(
            entry.entry_id != keep
            and entry.data.get(CONF_KIND) == KIND_ANTSPACE
            and entry.data.get(CONF_HOST, "").lower() == host.lower()
            and entry.data.get(CONF_PORT) == port
            for entry in self._async_current_entries(include_ignore=False)
        )

    async def _probe(self, host: str, port: int) -> tuple[Model | None, dict[str, str]]:
        """Read the controller once; return its model, or the form error to show."""
        client = AntspaceClient(host, async_get_clientsession(self.hass), port=port)
        try:
            state = await client.cooler_state()
        except ApiError as err:
            return None, form_error(err, host)
        return state.model, {}

    async def async_step_antspace(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Ask for the controller's address, then show the model found."""
        errors: dict[str, str] = {}
        if user_input is not None:
            host, port = user_input[CONF_HOST].strip(), user_input[CONF_PORT]
            if self._address_taken(host, port):
                return self.async_abort(reason="already_configured")
            model, errors = await self._probe(host, port)
            if model is not None:
                await self.async_set_unique_id(container_unique_id(host, port))
                self._abort_if_unique_id_configured()
                self._found = (host, port, model)
                return await self.async_step_antspace_confirm()
        return self.async_show_form(
            step_id="antspace",
            data_schema=self.add_suggested_values_to_schema(ADDRESS_SCHEMA, user_input),
            errors=errors,
        )

    async def async_step_antspace_confirm(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Confirm the detected model before adding the container."""
        assert self._found is not None
        host, port, model = self._found
        title = f"Antspace {MODEL_NAMES[model]} ({host})"
        if user_input is not None:
            data = {CONF_KIND: KIND_ANTSPACE, CONF_HOST: host, CONF_PORT: port, CONF_MODEL: str(model)}
            return self.async_create_entry(title=title, data=data)
        return self.async_show_form(
            step_id="antspace_confirm",
            description_placeholders={"model": MODEL_NAMES[model], "host": f"{host}:{port}"},
        )

    async def async_step_antspace_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Point a container at a new address; a container of another model is refused."""
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            host, port = user_input[CONF_HOST].strip(), user_input[CONF_PORT]
            model, errors = (
                (None, {"base": "address_taken"})
                if self._address_taken(host, port, entry.entry_id)
                else (await self._probe(host, port))
            )
            if model is not None and str(model) != entry.data[CONF_MODEL]:
                errors = {"base": "wrong_model"}
            elif model is not None:
                return self.async_update_reload_and_abort(
                    entry, data_updates={CONF_HOST: host, CONF_PORT: port}
                )
        shown = user_input or {CONF_HOST: entry.data[CONF_HOST], CONF_PORT: entry.data[CONF_PORT]}
        return self.async_show_form(
            step_id="antspace_reconfigure",
            data_schema=self.add_suggested_values_to_schema(ADDRESS_SCHEMA, shown),
            errors=errors,
        )


def _celsius() -> NumberSelector:
    """Return a °C box within the hard bounds."""
    return NumberSelector(
        NumberSelectorConfig(
            min=HARD_BOUNDS[0],
            max=HARD_BOUNDS[1],
            step=0.5,
            unit_of_measurement="°C",
            mode=NumberSelectorMode.BOX,
        )
    )


class AntspaceOptionsFlow(OptionsFlow):
    """A container's Configure: the setpoint limits, and which miners sit inside."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Go to the container's one options step."""
        return await self.async_step_container()

    async def async_step_container(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Ask for the limits and the miners."""
        errors: dict[str, str] = {}
        if user_input is not None:
            if user_input[CONF_SETPOINT_MIN] >= user_input[CONF_SETPOINT_MAX]:
                errors["base"] = "limits_order"
            else:
                return self.async_create_entry(
                    data={**user_input, CONF_MINERS: user_input.get(CONF_MINERS, [])}
                )
        low, high = setpoint_limits(Model(self.config_entry.data[CONF_MODEL]), self.config_entry.options)
        suggested = {
            CONF_SETPOINT_MIN: low,
            CONF_SETPOINT_MAX: high,
            CONF_MINERS: self.config_entry.options.get(CONF_MINERS, []),
        }
        schema = vol.Schema(
            {
                vol.Required(CONF_SETPOINT_MIN): _celsius(),
                vol.Required(CONF_SETPOINT_MAX): _celsius(),
                vol.Optional(CONF_MINERS): SelectSelector(
                    SelectSelectorConfig(options=self._miner_options(), multiple=True)
                ),
            }
        )
        return self.async_show_form(
            step_id="container",
            data_schema=self.add_suggested_values_to_schema(schema, user_input or suggested),
            errors=errors,
        )

    def _miner_options(self) -> list[SelectOptionDict]:
        """Offer this integration's loaded miners (and any chosen before that are not loaded now)."""
        offered = {
            miner.device_id: miner.name_for_user
            for miner in fleet_registry(self.hass).miners
            if miner.device_id
        }
        devices = dr.async_get(self.hass)
        for device_id in self.config_entry.options.get(CONF_MINERS, []):
            if device_id not in offered and (device := devices.async_get(device_id)) is not None:
                offered[device_id] = device.name_by_user or device.name or device_id
        return [SelectOptionDict(value=device_id, label=name) for device_id, name in offered.items()]
