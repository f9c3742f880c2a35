"""Adding watched rigs: from the integration's menu and as subentries; outlets discovered, typed or a switch."""

from __future__ import annotations

import asyncio
from typing import Any

from homeassistant.config_entries import SOURCE_IGNORE, SOURCE_RECONFIGURE, SOURCE_USER
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import device_registry as dr, entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.mining_fleet.const import (
    CONF_KIND,
    DOMAIN,
    KIND_POOL,
    KIND_WATCHDOG,
    SUBENTRY_RIG,
    WATCHDOG_UNIQUE_ID,
)
from custom_components.mining_fleet.watchdog import config_flow
from custom_components.mining_fleet.watchdog.rig import RIGS
from custom_components.mining_fleet.watchdog.store import STORAGE_KEY
from simulators import pools
from simulators.pools import PoolSimulator, SimWorker

from ..conftest import set_up_entry
from .conftest import Farm

SETTINGS_FORM = {
    "name": "Hive 1",
    "time_until_offline": 15,
    "cooldown": 20,
    "max_consecutive_restarts": 2,
    "power_off_seconds": 5,
}


@pytest.fixture(autouse=True)
def quick_discovery(monkeypatch: pytest.MonkeyPatch) -> None:
    """Wait one second for discovery answers on loopback, not five."""
    monkeypatch.setattr(config_flow, "DISCOVERY_TIMEOUT", 1)


async def _menu_flow(hass: HomeAssistant) -> dict[str, Any]:
    """Open the integration's menu and choose "Watched rig"."""
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    return dict(
        await hass.config_entries.flow.async_configure(result["flow_id"], {"next_step_id": "watchdog"})
    )


def _watchdog(hass: HomeAssistant) -> Any:
    """Return the watchdog entry."""
    return next(e for e in hass.config_entries.async_entries(DOMAIN) if e.data["kind"] == KIND_WATCHDOG)


async def test_first_rig_from_the_menu_with_a_discovered_strip_outlet(
    hass: HomeAssistant, farm: Farm
) -> None:
    """Pool worker → discovery on 127.0.0.1 → strip outlet 2 → settings: the watchdog entry is created with the rig."""
    configure = hass.config_entries.flow.async_configure
    result = await _menu_flow(hass)
    assert result["step_id"] == "rig"
    result = await configure(result["flow_id"], {})
    assert result["errors"] == {"base": "witness_required"}
    result = await configure(result["flow_id"], {"worker": f"{farm.pool_entry.entry_id}/hive1"})
    assert result["type"] is FlowResultType.MENU and result["step_id"] == "outlet"
    result = await configure(result["flow_id"], {"next_step_id": "outlet_discover"})
    stopped = await farm.outlet(farm.plug)  # a port where nothing answers once the plug is stopped
    await farm.plug.stop()
    result = await configure(result["flow_id"], {"target": "127.0.0.1", "port": farm.plug.port})
    assert result["errors"] == {"base": "no_outlets_found"} and stopped
    result = await configure(result["flow_id"], {"target": "127.0.0.1", "port": farm.strip.port})
    assert result["step_id"] == "outlet_pick"
    result = await configure(result["flow_id"], {"outlet_choice": "1"})
    assert result["step_id"] == "settings"
    result = await configure(result["flow_id"], SETTINGS_FORM | {"name": "  "})
    assert result["errors"] == {"name": "name_required"}
    result = await configure(result["flow_id"], SETTINGS_FORM)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    entry = _watchdog(hass)
    (rig,) = entry.subentries.values()
    assert rig.title == "Hive 1" and rig.subentry_type == SUBENTRY_RIG
    assert rig.data["time_until_offline"] == 900 and rig.data["cooldown"] == 1200
    assert rig.data["outlet"]["child"].endswith(farm.strip.children[1]["id"])
    assert "password" not in str(rig.data)
    assert hass.states.get("sensor.hive_1_watchdog").state == "watching"
    # The rig's device is connected via its worker's; its entities belong to its subentry.
    devices = dr.async_get(hass)
    rig_device = devices.async_get_device(identifiers={(DOMAIN, f"rig_{rig.subentry_id}")})
    worker_device = devices.async_get_device(identifiers={(DOMAIN, f"{farm.pool_entry.unique_id}/hive1")})
    assert rig_device is not None and worker_device is not None
    assert rig_device.via_device_id == worker_device.id
    entity = er.async_get(hass).async_get("sensor.hive_1_watchdog")
    assert entity is not None and entity.config_subentry_id == rig.subentry_id


async def test_more_rigs_as_subentries_typed_host_and_switch(
    hass: HomeAssistant, template_switch: None, farm: Farm
) -> None:
    """A second rig by typed host, a third from the menu; refusals for a watched miner and our own switch."""
    await _first_rig(hass, farm)
    entry = _watchdog(hass)
    flows = hass.config_entries.subentries
    result = await flows.async_init((entry.entry_id, SUBENTRY_RIG), context={"source": SOURCE_USER})
    assert result["step_id"] == "rig"
    result = await flows.async_configure(result["flow_id"], {"worker": f"{farm.pool_entry.entry_id}/hive1"})
    assert result["errors"] == {"base": "already_watched"}
    result = await flows.async_configure(result["flow_id"], {"miner": farm.miner_device_id(hass)})
    result = await flows.async_configure(result["flow_id"], {"next_step_id": "outlet_host"})
    result = await flows.async_configure(result["flow_id"], {"host": "127.0.0.1", "port": 9})
    assert result["errors"] == {"base": "outlet_cannot_connect"}
    account = {"username": "me@example.com", "password": "tp-link-secret"}  # a legacy plug ignores it
    result = await flows.async_configure(
        result["flow_id"], {"host": "127.0.0.1", "port": farm.plug.port} | account
    )
    assert result["step_id"] == "settings"
    result = await flows.async_configure(result["flow_id"], SETTINGS_FORM | {"name": "Bitaxe rig"})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert hass.states.get("sensor.bitaxe_rig_watchdog").state == "watching"
    assert hass.states.get("sensor.bitaxe_rig_outlet_power") is not None  # the HS110 meters
    assert "tp-link-secret" not in str(_watchdog(hass).subentries)
    result = await flows.async_init((entry.entry_id, SUBENTRY_RIG), context={"source": SOURCE_USER})
    result = await flows.async_configure(result["flow_id"], {"miner": farm.miner_device_id(hass)})
    assert result["errors"] == {"base": "already_watched"}
    # From the menu again: the rig joins the existing entry.
    result = await _menu_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"worker": f"{farm.pool_entry.entry_id}/steady"}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "outlet_switch"}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"entity_id": "switch.hive_1_maintenance_mode"}
    )
    assert result["errors"] == {"base": "not_an_outlet"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"entity_id": "switch.rig_socket"}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], SETTINGS_FORM | {"name": "Steady"}
    )
    assert result["type"] is FlowResultType.ABORT and result["reason"] == "rig_added"
    await hass.async_block_till_done()
    assert [rig.title for rig in _watchdog(hass).subentries.values()] == ["Hive 1", "Bitaxe rig", "Steady"]
    assert hass.states.get("binary_sensor.steady_outlet").state == "on"


async def _first_rig(hass: HomeAssistant, farm: Farm) -> None:
    """Add hive1 on strip outlet 1 through the menu and typed host."""
    configure = hass.config_entries.flow.async_configure
    result = await _menu_flow(hass)
    result = await configure(result["flow_id"], {"worker": f"{farm.pool_entry.entry_id}/hive1"})
    result = await configure(result["flow_id"], {"next_step_id": "outlet_host"})
    result = await configure(result["flow_id"], {"host": "127.0.0.1", "port": farm.strip.port})
    result = await configure(result["flow_id"], {"outlet_choice": "0"})
    result = await configure(result["flow_id"], SETTINGS_FORM)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()


async def test_reconfigure_and_delete_a_rig(
    hass: HomeAssistant, farm: Farm, hass_storage: dict[str, Any]
) -> None:
    """New settings apply after the reload; deleting a rig removes its entities and its stored state."""
    await _first_rig(hass, farm)
    entry = _watchdog(hass)
    (rig,) = entry.subentries.values()
    flows = hass.config_entries.subentries
    result = await flows.async_init(
        (entry.entry_id, SUBENTRY_RIG), context={"source": SOURCE_RECONFIGURE, "subentry_id": rig.subentry_id}
    )
    assert result["step_id"] == "reconfigure"
    result = await flows.async_configure(result["flow_id"], SETTINGS_FORM | {"name": ""})
    assert result["errors"] == {"name": "name_required"}
    result = await flows.async_configure(
        result["flow_id"], SETTINGS_FORM | {"name": "Hive one", "cooldown": 30}
    )
    assert result["type"] is FlowResultType.ABORT and result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    assert hass.data[RIGS][rig.subentry_id].settings.cooldown == 1800
    assert hass.data[RIGS][rig.subentry_id].name == "Hive one"
    await hass.services.async_call(
        "switch", "turn_on", {"entity_id": "switch.hive_1_maintenance_mode"}, blocking=True
    )
    assert rig.subentry_id in hass_storage[STORAGE_KEY]["data"]
    assert hass.config_entries.async_remove_subentry(entry, rig.subentry_id)
    await hass.async_block_till_done()
    assert rig.subentry_id not in hass.data[RIGS]
    assert rig.subentry_id not in hass_storage[STORAGE_KEY]["data"]
    assert er.async_get(hass).async_get("sensor.hive_1_watchdog") is None


async def test_discovered_outlet_that_does_not_answer_commands(hass: HomeAssistant, farm: Farm) -> None:
    """A plug that answers discovery but not its commands is "cannot connect", not a crash."""
    assert farm.strip._server is not None
    farm.strip._server.close()  # UDP discovery still answers
    await farm.strip._server.wait_closed()
    result = await _menu_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"worker": f"{farm.pool_entry.entry_id}/hive1"}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "outlet_discover"}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"target": "127.0.0.1", "port": farm.strip.port}
    )
    assert result["errors"] == {"base": "outlet_cannot_connect"}


async def test_only_the_witnesses_there_are_offered(hass: HomeAssistant, setup_miner: Any) -> None:
    """With a miner and no pool account, the form asks for the miner only."""
    await setup_miner()
    result = await _menu_flow(hass)
    assert [str(key) for key in result["data_schema"].schema] == ["miner"]


async def test_a_pool_alone_offers_its_workers(hass: HomeAssistant, socket_enabled: None) -> None:
    """With a pool account and no miner, the form asks for a worker only."""
    pool = PoolSimulator(workers={"hive1": SimWorker(90.0)})
    await pool.start()
    data = {
        CONF_KIND: KIND_POOL,
        "pool": "ocean",
        "base_url": f"http://{pool.host}",
        "address": pools.ADDRESS,
    }
    await set_up_entry(hass, MockConfigEntry(domain=DOMAIN, title="OCEAN", unique_id="ocean", data=data))
    result = await _menu_flow(hass)
    assert [str(key) for key in result["data_schema"].schema] == ["worker"]
    await hass.config_entries.async_unload(hass.config_entries.async_entries(DOMAIN)[0].entry_id)
    await pool.stop()


async def test_no_witnesses_yet(hass: HomeAssistant) -> None:
    """Without miners or pool accounts there is nothing to watch through: the flow says what to add first."""
    result = await _menu_flow(hass)
    assert result["type"] is FlowResultType.ABORT and result["reason"] == "no_witnesses"


async def test_watch_a_miner_from_its_options_then_a_worker_from_the_pool(
    hass: HomeAssistant, farm: Farm
) -> None:
    """A miner's "Configure" offers only that miner (already chosen) and creates the watchdog entry; a pool
    account's offers its own workers and joins the same entry."""
    options = hass.config_entries.options
    result = await options.async_init(farm.miner_entry.entry_id)
    assert result["menu_options"] == ["profiles", "limits", "rig"]
    result = await options.async_configure(result["flow_id"], {"next_step_id": "rig"})
    assert result["step_id"] == "rig"
    fields = {str(key): key for key in result["data_schema"].schema}
    assert fields["miner"].default() == farm.miner_device_id(hass)
    assert len(result["data_schema"].schema["miner"].config["options"]) == 1
    result = await options.async_configure(result["flow_id"], {"miner": farm.miner_device_id(hass)})
    result = await options.async_configure(result["flow_id"], {"next_step_id": "outlet_host"})
    result = await options.async_configure(result["flow_id"], {"host": "127.0.0.1", "port": farm.plug.port})
    result = await options.async_configure(result["flow_id"], SETTINGS_FORM | {"name": "Bitaxe rig"})
    assert result["type"] is FlowResultType.ABORT and result["reason"] == "rig_added"
    await hass.async_block_till_done()
    assert [rig.title for rig in _watchdog(hass).subentries.values()] == ["Bitaxe rig"]
    assert hass.states.get("sensor.bitaxe_rig_watchdog").state == "watching"
    result = await options.async_init(farm.pool_entry.entry_id)
    assert [str(key) for key in result["data_schema"].schema] == ["miner", "worker"]
    workers = result["data_schema"].schema["worker"].config["options"]
    assert {option["label"] for option in workers} == {f"{w} (CKPool)" for w in ("hive1", "bitaxe", "steady")}
    result = await options.async_configure(result["flow_id"], {"worker": f"{farm.pool_entry.entry_id}/hive1"})
    result = await options.async_configure(result["flow_id"], {"next_step_id": "outlet_host"})
    result = await options.async_configure(result["flow_id"], {"host": "127.0.0.1", "port": farm.strip.port})
    result = await options.async_configure(result["flow_id"], {"outlet_choice": "0"})
    result = await options.async_configure(result["flow_id"], SETTINGS_FORM)
    assert result["reason"] == "rig_added"
    await hass.async_block_till_done()
    assert [rig.title for rig in _watchdog(hass).subentries.values()] == ["Bitaxe rig", "Hive 1"]
    assert len([e for e in hass.config_entries.async_entries(DOMAIN) if e.data["kind"] == KIND_WATCHDOG]) == 1


async def test_two_rigs_submitted_at_once_both_land_in_one_watchdog(
    hass: HomeAssistant, template_switch: None, farm: Farm
) -> None:
    """Two Configure flows finishing together: one creates the watchdog entry, the other joins it."""
    options = hass.config_entries.options
    flows = []
    for entry, witness in (
        (farm.miner_entry, {"miner": farm.miner_device_id(hass)}),
        (farm.pool_entry, {"worker": f"{farm.pool_entry.entry_id}/hive1"}),
    ):
        result = await options.async_init(entry.entry_id)
        if result["type"] is FlowResultType.MENU:  # a miner's Configure asks what to change first
            result = await options.async_configure(result["flow_id"], {"next_step_id": "rig"})
        result = await options.async_configure(result["flow_id"], witness)
        result = await options.async_configure(result["flow_id"], {"next_step_id": "outlet_switch"})
        flows.append(result["flow_id"])
    results = await asyncio.gather(
        *(options.async_configure(flow_id, {"entity_id": "switch.rig_socket"}) for flow_id in flows)
    )
    assert all(result["step_id"] == "settings" for result in results)
    results = await asyncio.gather(
        options.async_configure(flows[0], SETTINGS_FORM | {"name": "Bitaxe rig"}),
        options.async_configure(flows[1], SETTINGS_FORM),
    )
    await hass.async_block_till_done()
    added = [result["reason"] for result in results]
    titles = sorted(rig.title for rig in _watchdog(hass).subentries.values())
    assert added.count("rig_added") == len(titles)
    assert set(added) <= {"rig_added", "rig_not_added"}


async def test_a_rig_that_cannot_join_is_reported(
    hass: HomeAssistant, template_switch: None, farm: Farm
) -> None:
    """When the watchdog entry cannot be created (an ignored one holds its id), the user is told, not misled."""
    ignored = MockConfigEntry(domain=DOMAIN, source=SOURCE_IGNORE, unique_id=WATCHDOG_UNIQUE_ID, data={})
    ignored.add_to_hass(hass)
    options = hass.config_entries.options
    result = await options.async_init(farm.miner_entry.entry_id)
    result = await options.async_configure(result["flow_id"], {"next_step_id": "rig"})
    result = await options.async_configure(result["flow_id"], {"miner": farm.miner_device_id(hass)})
    result = await options.async_configure(result["flow_id"], {"next_step_id": "outlet_switch"})
    result = await options.async_configure(result["flow_id"], {"entity_id": "switch.rig_socket"})
    result = await options.async_configure(result["flow_id"], SETTINGS_FORM | {"name": "Bitaxe rig"})
    assert result["type"] is FlowResultType.ABORT and result["reason"] == "rig_not_added"
