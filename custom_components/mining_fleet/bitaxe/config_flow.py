"""Bitaxe config-flow steps: add by host, from mDNS or DHCP discovery, and reconfigure."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigFlow, ConfigFlowResult
from homeassistant.const import CONF_HOST
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.device_registry import format_mac
from homeassistant.helpers.service_info.dhcp import DhcpServiceInfo
from homeassistant.helpers.service_info.zeroconf import ZeroconfServiceInfo

from ..api.axeos import AxeOSClient
from ..api.axeos_models import SystemInfo
from ..api.errors import ApiError
from ..const import CONF_KIND, KIND_BITAXE
from ..miner.flow import HOST_SCHEMA, form_error


def _miner_title(info: SystemInfo, host: str) -> str:
    """Return the name a new entry gets: the miner's hostname, else its address."""
    return info.hostname or f"Bitaxe {host}"


class BitaxeFlow(ConfigFlow):
    """The Bitaxe steps of the integration's config flow."""

    _discovered: tuple[str, SystemInfo] | None = None

    async def _probe_bitaxe(self, host: str) -> tuple[SystemInfo | None, dict[str, str]]:
        """Contact a Bitaxe; return its info (with a MAC address), or the form error to show."""
        client = AxeOSClient(host, async_get_clientsession(self.hass))
        try:
            info = await client.info()
        except ApiError as err:
            return None, form_error(err, host)
        if info.mac_address is None:
            return None, {"base": "no_mac"}
        return info, {}

    async def async_step_bitaxe(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Add a Bitaxe by host name or address."""
        errors: dict[str, str] = {}
        if user_input is not None:
            host = user_input[CONF_HOST].strip()
            info, errors = await self._probe_bitaxe(host)
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
        info, errors = await self._probe_bitaxe(host)
        if info is None or info.mac_address is None:
            return self.async_abort(reason=errors.get("base", "cannot_connect"))
        await self.async_set_unique_id(format_mac(info.mac_address))
        self._abort_if_unique_id_configured(updates={CONF_HOST: host})
        self._discovered = (host, info)
        self.context["title_placeholders"] = {"name": _miner_title(info, host)}
        return await self.async_step_discovery_confirm()

    async def async_step_discovery_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask before adding a discovered miner."""
        assert self._discovered is not None
        host, info = self._discovered
        title = _miner_title(info, host)
        if user_input is not None:
            return self.async_create_entry(title=title, data={CONF_KIND: KIND_BITAXE, CONF_HOST: host})
        self._set_confirm_only()
        return self.async_show_form(
            step_id="discovery_confirm", description_placeholders={"name": title, "host": host}
        )

    async def async_step_bitaxe_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Point an existing Bitaxe at a new address; a different miner is refused."""
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            host = user_input[CONF_HOST].strip()
            info, errors = await self._probe_bitaxe(host)
            if info is not None and info.mac_address is not None:
                await self.async_set_unique_id(format_mac(info.mac_address))
                self._abort_if_unique_id_mismatch(reason="wrong_device")
                return self.async_update_reload_and_abort(entry, data_updates={CONF_HOST: host})
        return self.async_show_form(
            step_id="bitaxe_reconfigure",
            data_schema=self.add_suggested_values_to_schema(
                HOST_SCHEMA, user_input or {CONF_HOST: entry.data[CONF_HOST]}
            ),
            errors=errors,
        )
