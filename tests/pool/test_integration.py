"""Pool accounts through Home Assistant: the config flow for every pool, workers as devices, reauth, removal."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import device_registry as dr
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed
from pytest_homeassistant_custom_component.typing import WebSocketGenerator

from custom_components.mining_fleet.const import CONF_KIND, DOMAIN, KIND_POOL
from custom_components.mining_fleet.diagnostics import async_get_config_entry_diagnostics
from custom_components.mining_fleet.pool.coordinator import POLL_INTERVAL
from custom_components.mining_fleet.pool.types import POOL_TYPES
from simulators import pools
from simulators.pools import PoolSimulator, SimWorker

from ..conftest import set_up_entry

# The account fields of each pool, as a user types them.
ACCOUNTS: dict[str, dict[str, str]] = {
    "braiins": {"token": pools.TOKEN},
    "ckpool": {"address": pools.ADDRESS},
    "public_pool": {"address": pools.ADDRESS},
    "ocean": {"address": pools.ADDRESS},
    "f2pool": {"user": pools.F2POOL_USER, "secret": pools.SECRET},
    "viabtc": {"api_key": pools.API_KEY},
    "flexpool": {"coin": "btc", "address": pools.ADDRESS},
}


async def _account_form(hass: HomeAssistant, pool: str) -> str:
    """Open the menu, choose a pool account and the pool; return the flow id at the account form."""
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"next_step_id": "pool"})
    assert result["step_id"] == "pool"
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"pool": pool})
    assert result["step_id"] == "pool_account"
    return str(result["flow_id"])


def _entry(pool: str, simulator: PoolSimulator) -> MockConfigEntry:
    """Return a pool entry as the flow creates it."""
    data = {CONF_KIND: KIND_POOL, "pool": pool, "base_url": f"http://{simulator.host}", **ACCOUNTS[pool]}
    return MockConfigEntry(domain=DOMAIN, title=pool, unique_id=POOL_TYPES[pool].account_id(data), data=data)


def _suggested(result: Any) -> dict[str, Any]:
    """Return the values a form offers back."""
    return {
        str(key): key.description["suggested_value"]
        for key in result["data_schema"].schema
        if key.description and "suggested_value" in key.description
    }


@pytest.mark.parametrize("pool", list(ACCOUNTS))
async def test_every_pool_is_added_and_shows_its_workers(
    hass: HomeAssistant, simulator: PoolSimulator, pool: str
) -> None:
    """The account is checked against the pool, then the account and each worker become devices."""
    flow_id = await _account_form(hass, pool)
    fields = {**ACCOUNTS[pool], "base_url": f"http://{simulator.host}"}
    result = await hass.config_entries.flow.async_configure(flow_id, fields)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    entry = hass.config_entries.async_entries(DOMAIN)[0]
    devices = {
        device.name for device in dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)
    }
    assert {"rig1", "rig2"} <= devices
    prefix = (
        entry.title.lower()
        .replace(" ", "_")
        .replace("-", "_")
        .replace("(", "")
        .replace(")", "")
        .replace("…", "_")
    )
    states = {
        state.entity_id: state.state
        for state in hass.states.async_all()
        if "rig" in state.entity_id or prefix in state.entity_id
    }
    assert states["binary_sensor.rig1_online"] == "on"
    assert float(states["sensor.rig2_hashrate"]) == pytest.approx(2.2, rel=0.01)
    total = next(value for entity_id, value in states.items() if entity_id.endswith("_total_hashrate"))
    assert float(total) == pytest.approx(3.3, rel=0.01)


async def test_form_errors_and_duplicates(hass: HomeAssistant, simulator: PoolSimulator) -> None:
    """Wrong token, unknown address, rate limit, unreachable pool: each explained; a secret never shown again."""
    url = f"http://{simulator.host}"
    flow_id = await _account_form(hass, "braiins")
    result = await hass.config_entries.flow.async_configure(flow_id, {"token": "typo", "base_url": url})
    assert result["errors"] == {"base": "pool_invalid_auth"}
    assert _suggested(result) == {"base_url": url}
    flow_id = await _account_form(hass, "ckpool")
    result = await hass.config_entries.flow.async_configure(flow_id, {"address": "bc1qnope", "base_url": url})
    assert result["errors"] == {"base": "unknown_account"}
    simulator.status_override = 429
    result = await hass.config_entries.flow.async_configure(
        flow_id, {"address": pools.ADDRESS, "base_url": url}
    )
    assert result["errors"] == {"base": "rate_limited"}
    simulator.status_override = None
    simulator.malformed = True
    result = await hass.config_entries.flow.async_configure(
        flow_id, {"address": pools.ADDRESS, "base_url": url}
    )
    assert result["errors"] == {"base": "pool_unknown"}
    simulator.malformed = False
    result = await hass.config_entries.flow.async_configure(
        flow_id, {"address": pools.ADDRESS, "base_url": "http://127.0.0.1:9"}
    )
    assert result["errors"] == {"base": "pool_cannot_connect"}
    result = await hass.config_entries.flow.async_configure(
        flow_id, {"address": pools.ADDRESS, "base_url": url}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    flow_id = await _account_form(hass, "ckpool")
    result = await hass.config_entries.flow.async_configure(
        flow_id, {"address": pools.ADDRESS, "base_url": url}
    )
    assert result["reason"] == "already_configured"
    await hass.async_block_till_done()


async def _poll(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    """Let one pool poll pass."""
    freezer.tick(POLL_INTERVAL + timedelta(seconds=1))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)


async def test_missing_stale_and_new_workers(
    hass: HomeAssistant, simulator: PoolSimulator, freezer: FrozenDateTimeFactory
) -> None:
    """A vanished worker reads "not seen" (not stale data, not an error); a new one gets its device."""
    entry = _entry("ckpool", simulator)
    await set_up_entry(hass, entry)
    simulator.workers["rig2"].missing = True
    simulator.stale("rig1")
    simulator.workers["rig3"] = SimWorker(0.5)
    await _poll(hass, freezer)
    assert hass.states.get("binary_sensor.rig2_online").state == "off"
    assert hass.states.get("binary_sensor.rig2_online").attributes["listed"] is False
    assert hass.states.get("sensor.rig2_hashrate").state == "unknown"
    assert hass.states.get("binary_sensor.rig1_online").state == "off"
    assert hass.states.get("binary_sensor.rig3_online").state == "on"
    assert entry.state is ConfigEntryState.LOADED
    assert await hass.config_entries.async_reload(entry.entry_id)  # as after a restart
    await hass.async_block_till_done()
    assert hass.states.get("binary_sensor.rig2_online").state == "off"  # still there, still not seen


async def _entry_with_rig2_gone(
    hass: HomeAssistant, simulator: PoolSimulator, freezer: FrozenDateTimeFactory, pool: str
) -> tuple[MockConfigEntry, dict[str, str]]:
    """Set up an account, let rig2 vanish from the pool's list; return the entry and its devices by name."""
    assert await async_setup_component(hass, "config", {})
    entry = _entry(pool, simulator)
    await set_up_entry(hass, entry)
    simulator.workers["rig2"].missing = True
    await _poll(hass, freezer)
    devices = dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)
    return entry, {device.name or "": device.id for device in devices}


async def _delete(
    hass: HomeAssistant, ws: WebSocketGenerator, entry: MockConfigEntry, device_id: str
) -> bool:
    """Delete a device from the entry as the device page does; return whether it was allowed."""
    client = await ws(hass)
    await client.send_json_auto_id(
        {
            "type": "config/device_registry/remove_config_entry",
            "config_entry_id": entry.entry_id,
            "device_id": device_id,
        }
    )
    return bool((await client.receive_json())["success"])


async def test_gone_worker_can_be_removed_but_a_listed_one_cannot(
    hass: HomeAssistant,
    simulator: PoolSimulator,
    freezer: FrozenDateTimeFactory,
    hass_ws_client: WebSocketGenerator,
) -> None:
    """Deleting a worker the pool no longer lists works; a listed worker and the account stay."""
    entry, devices = await _entry_with_rig2_gone(hass, simulator, freezer, "ocean")
    outcomes = {
        name: await _delete(hass, hass_ws_client, entry, devices[name])
        for name in ("rig2", "rig1", entry.title)
    }
    assert outcomes == {"rig2": True, "rig1": False, entry.title: False}


async def test_revoked_token_asks_for_a_new_one(
    hass: HomeAssistant, simulator: PoolSimulator, freezer: FrozenDateTimeFactory
) -> None:
    """A token the pool stops accepting starts re-authentication; the new token is never shown back."""
    entry = _entry("braiins", simulator)
    await set_up_entry(hass, entry)
    simulator.token = "rotated"
    await _poll(hass, freezer)
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == ["reauth"]
    result = await hass.config_entries.flow.async_configure(flows[0]["flow_id"], {"token": "still-wrong"})
    assert result["errors"] == {"base": "pool_invalid_auth"}
    result = await hass.config_entries.flow.async_configure(flows[0]["flow_id"], {"token": "rotated"})
    assert result["reason"] == "reauth_successful"
    assert entry.data["token"] == "rotated"
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    diagnostics = await async_get_config_entry_diagnostics(hass, entry)
    assert "rotated" not in str(diagnostics)


async def test_reconfigure_keeps_the_account(hass: HomeAssistant, simulator: PoolSimulator) -> None:
    """A new base URL for the same address is saved; another address is refused; errors show on the form."""
    entry = _entry("public_pool", simulator)
    entry.add_to_hass(hass)
    simulator.addresses.add("bc1qsomeoneelse")
    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"address": "bc1qsomeoneelse", "base_url": f"http://{simulator.host}"}
    )
    assert result["reason"] == "wrong_account"
    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"address": pools.ADDRESS, "base_url": "http://127.0.0.1:9"}
    )
    assert result["errors"] == {"base": "pool_cannot_connect"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"address": pools.ADDRESS, "base_url": f"http://{simulator.host}/"}
    )
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()


async def test_unknown_account_later_is_a_retry_not_reauth(
    hass: HomeAssistant, simulator: PoolSimulator, freezer: FrozenDateTimeFactory
) -> None:
    """An address the pool stops knowing makes the entities unavailable with a message, no password prompt."""
    entry = _entry("ckpool", simulator)
    await set_up_entry(hass, entry)
    simulator.status_override = 404
    await _poll(hass, freezer)
    assert hass.states.get("binary_sensor.rig1_online").state == "unavailable"
    assert not hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert "does not know" in str(entry.runtime_data.last_exception)


async def test_deleted_worker_comes_back_when_listed_again(
    hass: HomeAssistant,
    simulator: PoolSimulator,
    freezer: FrozenDateTimeFactory,
    hass_ws_client: WebSocketGenerator,
) -> None:
    """A worker deleted while gone gets its device and entities again when the pool lists it again."""
    entry, devices = await _entry_with_rig2_gone(hass, simulator, freezer, "ckpool")
    assert await _delete(hass, hass_ws_client, entry, devices["rig2"])
    await hass.async_block_till_done()
    assert hass.states.get("binary_sensor.rig2_online") is None
    simulator.recover("rig2")
    await _poll(hass, freezer)
    assert hass.states.get("binary_sensor.rig2_online").state == "on"


async def test_refusal_without_credentials_is_not_a_password_prompt(
    hass: HomeAssistant, simulator: PoolSimulator, freezer: FrozenDateTimeFactory
) -> None:
    """A 403 for an address-only account (a proxy in the way) is explained, with no empty reauth form."""
    entry = _entry("ocean", simulator)
    await set_up_entry(hass, entry)
    simulator.status_override = 403
    await _poll(hass, freezer)
    assert not hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert "no credentials to re-enter" in str(entry.runtime_data.last_exception)


async def test_braiins_token_of_another_account_is_refused(
    hass: HomeAssistant, simulator: PoolSimulator, freezer: FrozenDateTimeFactory
) -> None:
    """Braiins names the account: a working token of a different account does not re-authenticate this one."""
    flow_id = await _account_form(hass, "braiins")
    result = await hass.config_entries.flow.async_configure(
        flow_id, {"token": pools.TOKEN, "base_url": f"http://{simulator.host}"}
    )
    entry = hass.config_entries.async_get_entry(result["result"].entry_id)
    assert entry is not None and entry.unique_id == f"braiins:{pools.F2POOL_USER}"
    await hass.async_block_till_done()
    simulator.token, simulator.username = "other-token", "someone-else"
    await _poll(hass, freezer)
    (flow,) = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    result = await hass.config_entries.flow.async_configure(flow["flow_id"], {"token": "other-token"})
    assert result["reason"] == "wrong_account"


async def test_key_only_account_takes_a_new_key(
    hass: HomeAssistant, simulator: PoolSimulator, freezer: FrozenDateTimeFactory
) -> None:
    """ViaBTC names no account: a new working key is accepted and becomes the entry's id (hashed)."""
    entry = _entry("viabtc", simulator)
    await set_up_entry(hass, entry)
    simulator.api_key = "new-key"
    await _poll(hass, freezer)
    (flow,) = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    result = await hass.config_entries.flow.async_configure(flow["flow_id"], {"api_key": "new-key"})
    assert result["reason"] == "reauth_successful"
    assert entry.unique_id == POOL_TYPES["viabtc"].account_id({"api_key": "new-key"})
    assert "new-key" not in str(entry.unique_id)
    await hass.async_block_till_done()
    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"api_key": "new-key", "base_url": f"http://{simulator.host}"}
    )
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()


@pytest.mark.parametrize("pool", ["ckpool", "f2pool"])
async def test_diagnostics_hide_addresses_and_secrets(
    hass: HomeAssistant, simulator: PoolSimulator, pool: str
) -> None:
    """Neither the payout address, the user nor the secret appears in diagnostics."""
    entry = _entry(pool, simulator)
    await set_up_entry(hass, entry)
    text = str(await async_get_config_entry_diagnostics(hass, entry))
    assert pools.ADDRESS not in text and pools.SECRET not in text
    assert "rig1" in text
