"""Config flow: add a miner by host or from discovery, and move it to a new address."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeassistant.config_entries import ConfigFlow, ConfigFlowResult
from homeassistant.const import CONF_HOST, CONF_PASSWORD
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.device_registry import format_mac
from homeassistant.helpers.service_info.dhcp import DhcpServiceInfo
from homeassistant.helpers.service_info.zeroconf import ZeroconfServiceInfo
import voluptuous as vol

from .api.axeos import AxeOSClient
from .api.axeos_models import SystemInfo
from .api.errors import ApiError
from .api.vnish import VNishClient
from .api.vnish_models import VNishInfo
from .const import CONF_KIND, DOMAIN, KIND_BITAXE, KIND_VNISH, LOGGER
from .coordinator import api_error_key

HOST_SCHEMA = vol.Schema({vol.Required(CONF_HOST): str})
VNISH_SCHEMA = vol.Schema({vol.Required(CONF_HOST): str, vol.Required(CONF_PASSWORD): str})
PASSWORD_SCHEMA = vol.Schema({vol.Required(CONF_PASSWORD): str})


def _vnish_unique_id(info: VNishInfo) -> str | None:
    """Return the MAC address, or the serial number when the firmware does not report one."""
    return format_mac(info.mac_address) if info.mac_address else info.serial


def _form_error(err: ApiError, host: str) -> dict[str, str]:
    """Return the form error for a failed probe; log replies we could not understand."""
    key = api_error_key(err)
    if key == "unexpected_response":
        LOGGER.warning("Unexpected reply from %s: %s", host, err)
        return {"base": "unknown"}
    return {"base": key}


def _miner_title(info: SystemInfo, host: str) -> str:
    """Return the name a new entry gets: the miner's hostname, else its address."""
    return info.hostname or f"Bitaxe {host}"


class MiningFleetConfigFlow(ConfigFlow, domain=DOMAIN):
    """Add mining hardware to Home Assistant."""

    VERSION = 1
    MINOR_VERSION = 1

    def __init__(self) -> None:
        """Start with nothing discovered."""
        self._host: str | None = None
        self._info: SystemInfo | None = None

    async def _probe(self, host: str) -> tuple[SystemInfo | None, dict[str, str]]:
        """Contact a Bitaxe; return its info, or the form error to show."""
        client = AxeOSClient(host, async_get_clientsession(self.hass))
        try:
            info = await client.info()
        except ApiError as err:
            return None, _form_error(err, host)
        if info.mac_address is None:
            return None, {"base": "no_mac"}
        return info, {}

    async def _probe_vnish(self, host: str, password: str) -> tuple[VNishInfo | None, dict[str, str]]:
        """Log in to a VNish miner; return its info, or the form error to show."""
        client = VNishClient(host, password, async_get_clientsession(self.hass))
        try:
            info = await client.info()
        except ApiError as err:
            return None, _form_error(err, host)
        if _vnish_unique_id(info) is None:
            return None, {"base": "no_mac"}
        return info, {}

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Ask which kind of thing to add."""
        return self.async_show_menu(step_id="user", menu_options=["bitaxe", "vnish"])

    async def async_step_vnish(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Add an Antminer on VNish firmware by host and web password."""
        errors: dict[str, str] = {}
        if user_input is not None:
            host = user_input[CONF_HOST].strip()
            info, errors = await self._probe_vnish(host, user_input[CONF_PASSWORD])
            if info is not None:
                await self.async_set_unique_id(_vnish_unique_id(info))
                self._abort_if_unique_id_configured(updates={CONF_HOST: host})
                return self.async_create_entry(
                    title=info.hostname or info.model or f"Antminer {host}",
                    data={CONF_KIND: KIND_VNISH, CONF_HOST: host, CONF_PASSWORD: user_input[CONF_PASSWORD]},
                )
        return self.async_show_form(
            step_id="vnish",
            data_schema=self.add_suggested_values_to_schema(VNISH_SCHEMA, user_input),
            errors=errors,
        )

    async def async_step_reauth(self, entry_data: Mapping[str, Any]) -> ConfigFlowResult:
        """Start re-authentication when the miner refuses the stored password."""
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Ask for the new password and check it against the miner."""
        entry = self._get_reauth_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            info, errors = await self._probe_vnish(entry.data[CONF_HOST], user_input[CONF_PASSWORD])
            if info is not None:
                await self.async_set_unique_id(_vnish_unique_id(info))
                self._abort_if_unique_id_mismatch(reason="wrong_device")
                return self.async_update_reload_and_abort(entry, data_updates=user_input)
        return self.async_show_form(
            step_id="reauth_confirm",
            data_schema=PASSWORD_SCHEMA,
            description_placeholders={"name": entry.title, "host": entry.data[CONF_HOST]},
            errors=errors,
        )

    async def async_step_bitaxe(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Add a Bitaxe by host name or address."""
        errors: dict[str, str] = {}
        if user_input is not None:
            host = user_input[CONF_HOST].strip()
            info, errors = await self._probe(host)
            if info is not None and info.mac_address is not None:
                await self.async_set_unique_id(format_mac(info.mac_address))
                self._abort_if_unique_id_configured(updates={CONF_HOST: host})
                return self.async_create_entry(
                    title=_miner_title(info, host), data={CONF_KIND: KIND_BITAXE, CONF_HOST: host}
                )
        return self.async_show_form(
            step_id="bitaxe",
            data_schema=self.add_suggested_values_to_schema(HOST_SCHEMA, user_input),
            errors=errors,
        )

    async def async_step_zeroconf(self, discovery_info: ZeroconfServiceInfo) -> ConfigFlowResult:
        """Handle a Bitaxe announcing itself over mDNS (AxeOS 2.15+)."""
        host = discovery_info.host
        if ":" in host:
            host = f"[{host}]"
        if discovery_info.port not in (None, 80):
            host = f"{host}:{discovery_info.port}"
        return await self._async_discovered(host)

    async def async_step_dhcp(self, discovery_info: DhcpServiceInfo) -> ConfigFlowResult:
        """Handle a Bitaxe seen on DHCP; the MAC lets us update a known miner without asking it."""
        await self.async_set_unique_id(format_mac(discovery_info.macaddress))
        self._abort_if_unique_id_configured(updates={CONF_HOST: discovery_info.ip})
        return await self._async_discovered(discovery_info.ip)

    async def _async_discovered(self, host: str) -> ConfigFlowResult:
        """Check the discovered miner, then ask the user to confirm."""
        info, errors = await self._probe(host)
        if info is None or info.mac_address is None:
            return self.async_abort(reason=errors.get("base", "cannot_connect"))
        await self.async_set_unique_id(format_mac(info.mac_address))
        self._abort_if_unique_id_configured(updates={CONF_HOST: host})
        self._host, self._info = host, info
        self.context["title_placeholders"] = {"name": _miner_title(info, host)}
        return await self.async_step_discovery_confirm()

    async def async_step_discovery_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask before adding a discovered miner."""
        assert self._host is not None and self._info is not None
        title = _miner_title(self._info, self._host)
        if user_input is not None:
            return self.async_create_entry(title=title, data={CONF_KIND: KIND_BITAXE, CONF_HOST: self._host})
        self._set_confirm_only()
        return self.async_show_form(
            step_id="discovery_confirm",
            description_placeholders={"name": title, "host": self._host},
        )

    async def async_step_reconfigure(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Point an existing miner at a new address; a different miner is refused."""
        entry = self._get_reconfigure_entry()
        vnish = entry.data.get(CONF_KIND) == KIND_VNISH
        errors: dict[str, str] = {}
        if user_input is not None:
            changes = {**user_input, CONF_HOST: user_input[CONF_HOST].strip()}
            unique_id, errors = await self._probe_identity(changes)
            if unique_id is not None:
                await self.async_set_unique_id(unique_id)
                self._abort_if_unique_id_mismatch(reason="wrong_device")
                return self.async_update_reload_and_abort(entry, data_updates=changes)
        suggested = user_input or {CONF_HOST: entry.data[CONF_HOST]}
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=self.add_suggested_values_to_schema(
                VNISH_SCHEMA if vnish else HOST_SCHEMA, suggested
            ),
            errors=errors,
        )

    async def _probe_identity(self, data: dict[str, Any]) -> tuple[str | None, dict[str, str]]:
        """Contact the miner the form describes and return its unique id, or the form error."""
        if CONF_PASSWORD in data:
            vnish_info, errors = await self._probe_vnish(data[CONF_HOST], data[CONF_PASSWORD])
            return (_vnish_unique_id(vnish_info) if vnish_info else None), errors
        info, errors = await self._probe(data[CONF_HOST])
        return (format_mac(info.mac_address) if info and info.mac_address else None), errors
