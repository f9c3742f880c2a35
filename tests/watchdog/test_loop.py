"""The watchdog's whole loop in Home Assistant, with time travel: verdict, restart, power cycle, give-up, restarts."""

from __future__ import annotations

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
import pytest

from custom_components.mining_fleet.const import DOMAIN

from .conftest import Farm, add_watchdog, advance, rig_data, rig_id


def _state(hass: HomeAssistant, entity_id: str) -> str:
    """Return an entity's state."""
    state = hass.states.get(entity_id)
    assert state is not None, entity_id
    return state.state


async def test_a_rig_known_only_to_its_pool_is_power_cycled_and_comes_back(
    hass: HomeAssistant, farm: Farm, freezer: FrozenDateTimeFactory
) -> None:
    """No shares for 10 min → offline (no shares) → strip outlet off, on → the rig boots → counted once."""
    await add_watchdog(
        hass,
        {"Hive 1": await farm.pool_rig("hive1")},
    )
    assert _state(hass, "sensor.hive_1_watchdog") == "watching"
    assert _state(hass, "binary_sensor.hive_1_online") == "on"
    assert _state(hass, "binary_sensor.hive_1_outlet") == "on"
    farm.hive.hang()
    await advance(hass, freezer, 5)
    assert _state(hass, "binary_sensor.hive_1_online") == "on"
    assert farm.strip.commands == []
    await advance(hass, freezer, 6)
    # Off, then on: the relay of outlet 1 only, through python-kasa.
    assert [command["state"] for command in farm.strip.commands] == [0, 1]
    assert farm.strip.is_on(farm.strip.children[0]["id"]) and not farm.hive.hung
    assert farm.actions() == [("Hive 1", "power_cycle", "ok")]
    assert farm.events[0].data["reason"] == "no_shares" and farm.events[0].data["attempt"] == 1
    assert _state(hass, "sensor.hive_1_consecutive_power_cycles") == "1"
    assert _state(hass, "sensor.hive_1_last_action") == "power_cycle"
    await advance(hass, freezer, 2)
    assert _state(hass, "binary_sensor.hive_1_online") == "on"
    assert _state(hass, "sensor.hive_1_watchdog") == "cooling_down"
    # One whole healthy cooldown later the count starts over.
    await advance(hass, freezer, 11)
    assert _state(hass, "sensor.hive_1_consecutive_power_cycles") == "0"
    assert _state(hass, "sensor.hive_1_watchdog") == "watching"


async def test_a_miner_whose_api_answers_is_restarted_before_it_is_power_cycled(
    hass: HomeAssistant, farm: Farm, freezer: FrozenDateTimeFactory
) -> None:
    """Hung hashing with a live API: the AxeOS restart comes first and is enough; the plug is never touched."""
    outlet = await farm.outlet(farm.plug)
    await add_watchdog(
        hass,
        {
            "Bitaxe rig": rig_data(
                outlet, miner=farm.miner_device_id(hass), pool_entry=farm.pool_entry.entry_id, worker="bitaxe"
            )
        },
    )
    farm.bitaxe.hang(api_dead=False)
    await advance(hass, freezer, 11)
    assert farm.actions() == [("Bitaxe rig", "soft_restart", "ok")]
    assert ("POST", "/api/system/restart", None) in farm.miner.requests
    assert farm.plug.commands == [] and not farm.bitaxe.hung
    await advance(hass, freezer, 12)
    assert farm.actions() == [("Bitaxe rig", "soft_restart", "ok")]
    assert _state(hass, "sensor.bitaxe_rig_offline_reason") == "online"


async def test_a_dead_api_is_power_cycled_at_once(
    hass: HomeAssistant, farm: Farm, freezer: FrozenDateTimeFactory
) -> None:
    """The miner's API unreachable for 10 min: no soft restart is possible, the plug cycles it."""
    await add_watchdog(
        hass, {"Bitaxe rig": rig_data(await farm.outlet(farm.plug), miner=farm.miner_device_id(hass))}
    )
    farm.bitaxe.hang(api_dead=True)
    await advance(hass, freezer, 4)
    assert _state(hass, "sensor.bitaxe_rig_offline_reason") == "online"
    await advance(hass, freezer, 8)
    assert farm.actions() == [("Bitaxe rig", "power_cycle", "ok")]
    assert farm.events[0].data["reason"] == "api_unreachable"
    assert [command["state"] for command in farm.plug.commands] == [0, 1]
    assert farm.bitaxe.powered and not farm.bitaxe.hung


async def test_gives_up_after_the_limit_while_other_rigs_are_still_watched(
    hass: HomeAssistant, farm: Farm, freezer: FrozenDateTimeFactory
) -> None:
    """A rig that never comes back: three cycles, then a repair issue and one give-up; its neighbour is untouched."""
    farm.strip.on_relay = None  # power cycles no longer revive hive1: a dead PSU
    await add_watchdog(
        hass,
        {
            "Hive 1": await farm.pool_rig("hive1"),
            "Steady": await farm.pool_rig("steady", 1),
        },
    )
    farm.pool.stale("hive1")
    await advance(hass, freezer, 60)
    assert farm.actions() == [("Hive 1", "power_cycle", "ok")] * 3 + [("Hive 1", "give_up", "gave_up")]
    assert _state(hass, "sensor.hive_1_watchdog") == "gave_up"
    assert _state(hass, "sensor.steady_watchdog") == "watching"
    issue = ir.async_get(hass).async_get_issue(DOMAIN, f"gave_up_{rig_id('Hive 1')}")
    assert issue is not None and issue.translation_placeholders == {"rig": "Hive 1", "count": "3"}
    # Never again by itself, however long it stays offline.
    await advance(hass, freezer, 60)
    assert len(farm.events) == 4
    # The user fixes the rig and resets the watchdog: the issue goes, watching starts over.
    farm.pool.recover("hive1")
    await advance(hass, freezer, 2)
    assert _state(hass, "sensor.hive_1_watchdog") == "gave_up"
    await hass.services.async_call(
        DOMAIN, "reset_watchdog", {"entity_id": "sensor.hive_1_watchdog"}, blocking=True
    )
    assert ir.async_get(hass).async_get_issue(DOMAIN, f"gave_up_{rig_id('Hive 1')}") is None
    assert _state(hass, "sensor.hive_1_consecutive_power_cycles") == "0"
    assert _state(hass, "sensor.hive_1_watchdog") == "watching"
    await advance(hass, freezer, 15)
    assert len(farm.events) == 4


async def test_maintenance_pause_stops_all_action(
    hass: HomeAssistant, farm: Farm, freezer: FrozenDateTimeFactory
) -> None:
    """While paused, an offline rig is left alone; the pause survives a reload."""
    entry = await add_watchdog(
        hass,
        {"Hive 1": await farm.pool_rig("hive1")},
    )
    await hass.services.async_call(
        "switch", "turn_on", {"entity_id": "switch.hive_1_maintenance_mode"}, blocking=True
    )
    await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    farm.hive.hang()
    await advance(hass, freezer, 30)
    assert farm.strip.commands == []
    assert _state(hass, "sensor.hive_1_watchdog") == "disabled"
    assert _state(hass, "binary_sensor.hive_1_online") == "off"
    assert _state(hass, "sensor.hive_1_offline_reason") == "no_shares"


@pytest.mark.parametrize("missing", [True])
async def test_a_worker_missing_from_the_pool_counts_as_offline(
    hass: HomeAssistant, farm: Farm, freezer: FrozenDateTimeFactory, missing: bool
) -> None:
    """A worker the pool stops listing is "worker missing" after the offline time, and cycled."""
    await add_watchdog(
        hass,
        {"Hive 1": await farm.pool_rig("hive1")},
    )
    farm.pool.workers["hive1"].missing = missing
    await advance(hass, freezer, 12)
    assert farm.events[0].data["reason"] == "worker_missing"
    assert not farm.pool.workers["hive1"].missing  # the power cycle brought it back
