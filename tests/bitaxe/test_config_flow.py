"""The config flow: manual add, discovery, reconfigure, every error and its recovery."""

from __future__ import annotations

from ipaddress import ip_address
from unittest.mock import patch

from homeassistant.config_entries import SOURCE_DHCP, SOURCE_USER, SOURCE_ZEROCONF, ConfigFlowResult
from homeassistant.const import CONF_HOST
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers.device_registry import format_mac
from homeassistant.helpers.service_info.dhcp import DhcpServiceInfo
from homeassistant.helpers.service_info.zeroconf import ZeroconfServiceInfo
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.mining_fleet.api.errors import ApiConnectionError
from custom_components.mining_fleet.const import CONF_KIND, DOMAIN, KIND_BITAXE
from simulators.axeos import Fault

from ..conftest import SimulatorFactory, miner_entry


async def _bitaxe_form(hass: HomeAssistant) -> str:
    """Open the user menu, pick Bitaxe, return the flow id."""
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert result["type"] is FlowResultType.MENU
    assert result["menu_options"] == ["bitaxe", "vnish", "pool", "antspace", "auction", "fleet", "watchdog"]
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"next_step_id": "bitaxe"})
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "bitaxe"
    return result["flow_id"]


async def test_user_adds_bitaxe(hass: HomeAssistant, start_simulator: SimulatorFactory) -> None:
    """The device is contacted; the entry is keyed by MAC and named after the miner."""
    miner = await start_simulator("2.15")
    flow_id = await _bitaxe_form(hass)
    result = await hass.config_entries.flow.async_configure(flow_id, {CONF_HOST: f" {miner.host} "})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == miner.state.hostname
    assert result["data"] == {CONF_KIND: KIND_BITAXE, CONF_HOST: miner.host}
    assert result["result"].unique_id == format_mac(miner.mac)
    await hass.async_block_till_done()


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        (Fault.OFFLINE, "cannot_connect"),
        (Fault.NOT_LOCAL, "not_local"),
        (Fault.MALFORMED_JSON, "unknown"),
        (Fault.HTTP_500, "unknown"),
    ],
)
async def test_user_errors_are_recoverable(
    hass: HomeAssistant, start_simulator: SimulatorFactory, fault: Fault, error: str
) -> None:
    """Each failure shows its error on the form; fixing it lets the user finish."""
    miner = await start_simulator("2.12")
    miner.fault = fault
    flow_id = await _bitaxe_form(hass)
    result = await hass.config_entries.flow.async_configure(flow_id, {CONF_HOST: miner.host})
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": error}
    miner.fault = Fault.NONE
    result = await hass.config_entries.flow.async_configure(flow_id, {CONF_HOST: miner.host})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()


async def test_user_no_mac(hass: HomeAssistant, start_simulator: SimulatorFactory) -> None:
    """A miner that does not report its MAC cannot be added; the form says why."""
    miner = await start_simulator("2.15")
    miner.mac = ""
    flow_id = await _bitaxe_form(hass)
    result = await hass.config_entries.flow.async_configure(flow_id, {CONF_HOST: miner.host})
    assert result["errors"] == {"base": "no_mac"}


async def test_user_already_configured_updates_host(
    hass: HomeAssistant, start_simulator: SimulatorFactory
) -> None:
    """Adding a known miner again aborts and keeps the newest address."""
    miner = await start_simulator("2.15")
    entry = miner_entry(miner)
    entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(entry, data={**entry.data, CONF_HOST: "127.0.0.1:9"})
    flow_id = await _bitaxe_form(hass)
    result = await hass.config_entries.flow.async_configure(flow_id, {CONF_HOST: miner.host})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert entry.data[CONF_HOST] == miner.host


def _zeroconf(port: int) -> ZeroconfServiceInfo:
    """Return what AxeOS 2.15 announces over mDNS, pointing at a simulator's port."""
    return ZeroconfServiceInfo(
        ip_address=ip_address("127.0.0.1"),
        ip_addresses=[ip_address("127.0.0.1")],
        hostname="bitaxe.local.",
        name="Bitaxe Gamma 601 (AB12)._http._tcp.local.",
        port=port,
        type="_http._tcp.local.",
        properties={"board": "601", "family": "Gamma", "asic": "BM1370", "fw_version": "v2.15.0"},
    )


async def test_zeroconf_confirm_creates_entry(hass: HomeAssistant, start_simulator: SimulatorFactory) -> None:
    """A discovered miner is checked, then confirmed by the user."""
    miner = await start_simulator("2.15")
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_ZEROCONF}, data=_zeroconf(miner.port)
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "discovery_confirm"
    assert result["description_placeholders"] == {"name": miner.state.hostname, "host": miner.host}
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"] == {CONF_KIND: KIND_BITAXE, CONF_HOST: miner.host}
    assert result["result"].unique_id == format_mac(miner.mac)
    await hass.async_block_till_done()


async def test_zeroconf_rediscovery_updates_host(
    hass: HomeAssistant, start_simulator: SimulatorFactory
) -> None:
    """A known miner seen at a new address is updated without asking."""
    miner = await start_simulator("2.15")
    entry = miner_entry(miner)
    entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(entry, data={**entry.data, CONF_HOST: "127.0.0.1:9"})
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_ZEROCONF}, data=_zeroconf(miner.port)
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert entry.data[CONF_HOST] == miner.host


@pytest.mark.parametrize(
    ("fault", "reason"), [(Fault.OFFLINE, "cannot_connect"), (Fault.NOT_LOCAL, "not_local")]
)
async def test_zeroconf_unreachable_aborts(
    hass: HomeAssistant, start_simulator: SimulatorFactory, fault: Fault, reason: str
) -> None:
    """A discovered device we cannot read is not offered."""
    miner = await start_simulator("2.15")
    miner.fault = fault
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_ZEROCONF}, data=_zeroconf(miner.port)
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == reason


async def test_zeroconf_ipv6_host_is_bracketed(hass: HomeAssistant, socket_enabled: None) -> None:
    """An IPv6 announcement becomes a bracketed host; nothing listens there so it aborts."""
    info = _zeroconf(1)
    info = ZeroconfServiceInfo(
        ip_address=ip_address("::1"),
        ip_addresses=[ip_address("::1")],
        hostname=info.hostname,
        name=info.name,
        port=80,
        type=info.type,
        properties=info.properties,
    )
    with patch("custom_components.mining_fleet.bitaxe.config_flow.AxeOSClient") as client_class:
        client_class.return_value.info.side_effect = ApiConnectionError("refused")
        result = await hass.config_entries.flow.async_init(
            DOMAIN, context={"source": SOURCE_ZEROCONF}, data=info
        )
    assert client_class.call_args.args[0] == "[::1]"
    assert result["reason"] == "cannot_connect"


def _dhcp(mac: str) -> DhcpServiceInfo:
    """Return a DHCP sighting of a Bitaxe on 127.0.0.1."""
    return DhcpServiceInfo(ip="127.0.0.1", hostname="bitaxe-ab12", macaddress=mac.replace(":", "").lower())


async def test_dhcp_known_miner_updates_host(hass: HomeAssistant, start_simulator: SimulatorFactory) -> None:
    """DHCP carries the MAC, so a known miner's new address is stored without contacting it."""
    miner = await start_simulator("2.15")
    entry = miner_entry(miner)
    entry.add_to_hass(hass)
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_DHCP}, data=_dhcp(miner.mac)
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert entry.data[CONF_HOST] == "127.0.0.1"


async def test_dhcp_new_miner_confirm(hass: HomeAssistant, start_simulator: SimulatorFactory) -> None:
    """A new miner seen on DHCP is read on port 80 and offered for confirmation."""
    try:
        miner = await start_simulator("2.12", port=80)
    except OSError as err:
        pytest.skip(f"port 80 on 127.0.0.1 is not free for the DHCP discovery test: {err}")
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_DHCP}, data=_dhcp(miner.mac)
    )
    assert result["step_id"] == "discovery_confirm"
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_HOST] == "127.0.0.1"
    await hass.async_block_till_done()


async def _reconfigure(hass: HomeAssistant, entry: MockConfigEntry, host: str) -> ConfigFlowResult:
    """Open the reconfigure form and submit a host."""
    result = await entry.start_reconfigure_flow(hass)
    assert result["step_id"] == "bitaxe_reconfigure"
    return await hass.config_entries.flow.async_configure(result["flow_id"], {CONF_HOST: host})


async def test_reconfigure_same_device(hass: HomeAssistant, start_simulator: SimulatorFactory) -> None:
    """A new address for the same miner is saved and the entry reloads."""
    miner = await start_simulator("2.15")
    entry = miner_entry(miner)
    entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(entry, data={**entry.data, CONF_HOST: "127.0.0.1:9"})
    result = await _reconfigure(hass, entry, miner.host)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert entry.data[CONF_HOST] == miner.host
    await hass.async_block_till_done()


async def test_reconfigure_other_device_aborts(
    hass: HomeAssistant, start_simulator: SimulatorFactory
) -> None:
    """Another miner at the new address is refused; the entry keeps its host."""
    miner = await start_simulator("2.15")
    other = await start_simulator("2.12")
    entry = miner_entry(miner)
    entry.add_to_hass(hass)
    result = await _reconfigure(hass, entry, other.host)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "wrong_device"
    assert entry.data[CONF_HOST] == miner.host


async def test_reconfigure_error_then_success(hass: HomeAssistant, start_simulator: SimulatorFactory) -> None:
    """An unreachable address shows an error and the form again."""
    miner = await start_simulator("2.15")
    entry = miner_entry(miner)
    entry.add_to_hass(hass)
    result = await entry.start_reconfigure_flow(hass)
    miner.fault = Fault.OFFLINE
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {CONF_HOST: miner.host})
    assert result["errors"] == {"base": "cannot_connect"}
    miner.fault = Fault.NONE
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {CONF_HOST: miner.host})
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
