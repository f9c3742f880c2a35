"""VNish config-flow steps: add by host and password, re-authenticate, reconfigure."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigFlow, ConfigFlowResult, OptionsFlow
from homeassistant.const import CONF_API_KEY, CONF_HOST, CONF_PASSWORD
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.device_registry import format_mac
import voluptuous as vol

from ..api.errors import ApiError
from ..api.vnish import API_KEY_LENGTH, VNishClient
from ..api.vnish_models import VNishInfo
from ..const import CONF_KIND, KIND_VNISH
from ..miner.coordinator import identities
from ..miner.flow import HOST_PASSWORD_SCHEMA, PASSWORD_SCHEMA, PASSWORD_SELECTOR, form_error, host_only

CONF_REMOVE_API_KEY = "remove_api_key"
REAUTH_SCHEMA = PASSWORD_SCHEMA.extend({vol.Optional(CONF_API_KEY): PASSWORD_SELECTOR})
API_KEY_SCHEMA = vol.Schema(
    {vol.Optional(CONF_API_KEY): PASSWORD_SELECTOR, vol.Optional(CONF_REMOVE_API_KEY, default=False): bool}
)


def typed_api_key(user_input: dict[str, Any]) -> tuple[str, dict[str, str]]:
    """Return the API key a form got (empty: none typed) and its error, when it is not 32 characters."""
    key = str(user_input.get(CONF_API_KEY) or "").strip()
    return key, ({CONF_API_KEY: "api_key_length"} if key and len(key) != API_KEY_LENGTH else {})


def vnish_unique_id(info: VNishInfo) -> str | None:
    """Return the MAC address, or the serial number when the firmware does not report one."""
    return format_mac(info.mac_address) if info.mac_address else info.serial


def vnish_identities(info: VNishInfo) -> set[str]:
    """Return every id an entry for this miner may have: its MAC address and its serial number."""
    return identities(info.mac_address, info.serial)


class VNishFlow(ConfigFlow):
    """The VNish steps of the integration's config flow."""

    async def _probe_vnish(self, host: str, password: str) -> tuple[VNishInfo | None, dict[str, str]]:
        """Log in to a VNish miner; return its info (with an identity), or the form error to show."""
        client = VNishClient(host, password, async_get_clientsession(self.hass))
        try:
            info = await client.info()
        except ApiError as err:
            return None, form_error(err, host)
        if vnish_unique_id(info) is None:
            return None, {"base": "no_mac"}
        return info, {}

    async def async_step_vnish(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Add an Antminer on VNish firmware by host and web password."""
        errors: dict[str, str] = {}
        if user_input is not None:
            host = user_input[CONF_HOST].strip()
            info, errors = await self._probe_vnish(host, user_input[CONF_PASSWORD])
            if info is not None:
                # An entry made when the firmware reported only the serial is the same miner.
                for entry in self._async_current_entries(include_ignore=False):
                    if entry.unique_id in vnish_identities(info):
                        return self.async_update_reload_and_abort(
                            entry, data_updates={CONF_HOST: host}, reason="already_configured"
                        )
                await self.async_set_unique_id(vnish_unique_id(info))
                self._abort_if_unique_id_configured(updates={CONF_HOST: host})
                return self.async_create_entry(
                    title=info.hostname or info.model or f"Antminer {host}",
                    data={CONF_KIND: KIND_VNISH, CONF_HOST: host, CONF_PASSWORD: user_input[CONF_PASSWORD]},
                )
        return self.async_show_form(
            step_id="vnish",
            data_schema=self.add_suggested_values_to_schema(HOST_PASSWORD_SCHEMA, host_only(user_input)),
            errors=errors,
        )

    async def async_step_vnish_reauth(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Ask for the new password (and, where the firmware wants one, an API key) and check it."""
        entry = self._get_reauth_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            key, key_errors = typed_api_key(user_input)
            info, errors = await self._probe_vnish(entry.data[CONF_HOST], user_input[CONF_PASSWORD])
            if key_errors:
                errors = key_errors
            elif info is not None:
                if entry.unique_id not in vnish_identities(info):
                    return self.async_abort(reason="wrong_device")
                options = {**entry.options, CONF_API_KEY: key} if key else entry.options
                return self.async_update_reload_and_abort(
                    entry, data_updates={CONF_PASSWORD: user_input[CONF_PASSWORD]}, options=options
                )
        return self.async_show_form(
            step_id="vnish_reauth",
            data_schema=REAUTH_SCHEMA,
            description_placeholders={"name": entry.title, "host": entry.data[CONF_HOST]},
            errors=errors,
        )

    async def async_step_vnish_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change address and password together; a different miner is refused."""
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            changes = {CONF_HOST: user_input[CONF_HOST].strip(), CONF_PASSWORD: user_input[CONF_PASSWORD]}
            info, errors = await self._probe_vnish(changes[CONF_HOST], changes[CONF_PASSWORD])
            if info is not None:
                if entry.unique_id not in vnish_identities(info):
                    return self.async_abort(reason="wrong_device")
                return self.async_update_reload_and_abort(entry, data_updates=changes)
        return self.async_show_form(
            step_id="vnish_reconfigure",
            data_schema=self.add_suggested_values_to_schema(
                HOST_PASSWORD_SCHEMA, host_only(user_input) or {CONF_HOST: entry.data[CONF_HOST]}
            ),
            errors=errors,
        )


class VNishOptionsSteps(OptionsFlow):
    """The VNish options step: an API key, for firmware that demands one for settings and reboot."""

    async def async_step_api_key(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Set, keep or remove the API key (it is never shown again)."""
        errors: dict[str, str] = {}
        if user_input is not None:
            key, errors = typed_api_key(user_input)
            if not errors:
                current = self.config_entry.options.get(CONF_API_KEY)
                chosen = None if user_input.get(CONF_REMOVE_API_KEY) else (key or current)
                return self.async_create_entry(data={**self.config_entry.options, CONF_API_KEY: chosen})
        return self.async_show_form(
            step_id="api_key",
            data_schema=API_KEY_SCHEMA,
            errors=errors,
            description_placeholders={"length": str(API_KEY_LENGTH)},
        )
