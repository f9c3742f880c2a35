"""Pool writes through the one write path, against simulated Bitaxes (both firmware forms) and Antminers."""

from __future__ import annotations

from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
import pytest

from custom_components.mining_fleet.logic.pool_route import PoolChange
from simulators.axeos import Fault

from ..tuning.conftest import SimClock
from .conftest import (
    SUBNET,
    SUBNET_HOST,
    AntminerSetup,
    BitaxeSetup,
    antminer_pools,
    bitaxe_pool,
    settle,
    writes,
)

OWN_BITAXE = ("public-pool.io", 21496, "bc1qexamplewalletaddress0000000000000000.bitaxe")
BACKUP_BITAXE = ("solo.ckpool.org", 3333, "bc1qexamplewalletaddress0000000000000000.backup")
OWN_ANTMINER = [
    ("btc.example-pool.com:3333", "bc1qexamplewallet.s19", "x"),
    ("backup.example-pool.com:443", "bc1qexamplewallet.s19", "backup-pass"),
]


def _store_key(entry_id: str) -> str:
    """Return the storage key of a miner's remembered own pool."""
    return f"mining_fleet.own_pool.{entry_id}"


async def test_bitaxe_with_pool_slots_keeps_the_users_slots(
    hass: HomeAssistant, bitaxe: BitaxeSetup, sim_clock: SimClock, hass_storage: dict[str, Any]
) -> None:
    """AxeOS 2.15+: the subnet's pool goes into a free slot and becomes primary; the user's slots are never written."""
    miner, entry = await bitaxe("2.15")
    coordinator = entry.runtime_data
    route = SUBNET.route("rig")
    assert await coordinator.async_set_pool_route(route) is PoolChange.ROUTED
    state = miner.state
    assert (state.primary_pool, state.fallback_pool) == (2, 0)  # the user's own pool is the fallback
    assert bitaxe_pool(miner) == (SUBNET_HOST, 9332, route.user)
    assert [tuple(pool.values()) for pool in state.pools[:2]] == [OWN_BITAXE, BACKUP_BITAXE]
    assert state.stratum_password == {0: "own-pass", 1: "backup-pass", 2: "x"}
    assert writes(miner)[-1] == "/api/system/restart"
    assert hass_storage[_store_key(entry.entry_id)]["data"]["primary"] == 0
    await settle(hass, sim_clock)
    assert coordinator.mines_on(route)

    before = len(writes(miner))
    assert await coordinator.async_set_pool_route(route) is PoolChange.UNCHANGED
    assert len(writes(miner)) == before  # already there: no write, no restart

    assert await coordinator.async_set_pool_route(None) is PoolChange.RETURNED
    assert (state.primary_pool, state.fallback_pool) == (0, 1)
    assert bitaxe_pool(miner) == OWN_BITAXE
    assert state.stratum_password[0] == "own-pass"
    assert writes(miner)[-2:] == ["/api/system", "/api/system/restart"]
    assert _store_key(entry.entry_id) not in hass_storage
    requests = len(miner.requests)
    assert await coordinator.async_set_pool_route(None) is PoolChange.UNCHANGED
    assert len(miner.requests) == requests  # nothing remembered: not even a read


async def test_bitaxe_slot_holding_the_subnet_pool_is_reused(
    hass: HomeAssistant, bitaxe: BitaxeSetup, sim_clock: SimClock
) -> None:
    """A new hotkey rewrites the worker in the same slot; the remembered own pool stays the user's."""
    miner, entry = await bitaxe("2.15")
    coordinator = entry.runtime_data
    await coordinator.async_set_pool_route(SUBNET.route("rig"))
    await settle(hass, sim_clock)
    other = SUBNET.route("rig-renamed")
    assert await coordinator.async_set_pool_route(other) is PoolChange.ROUTED
    assert len(miner.state.pools) == 3 and bitaxe_pool(miner)[2] == other.user
    await settle(hass, sim_clock)
    assert await coordinator.async_set_pool_route(None) is PoolChange.RETURNED
    assert bitaxe_pool(miner) == OWN_BITAXE


async def test_bitaxe_without_a_free_slot_is_refused(hass: HomeAssistant, bitaxe: BitaxeSetup) -> None:
    """Eight slots all holding the user's pools: nothing is overwritten, the error says what to do."""
    miner, entry = await bitaxe("2.15")
    miner.state.pools += [dict(miner.state.pools[1], stratumUser=f"w{index}") for index in range(6)]
    await entry.runtime_data.async_refresh()
    miner.state.fallback_pool = 7
    with pytest.raises(HomeAssistantError) as caught:
        await entry.runtime_data.async_set_pool_route(SUBNET.route("rig"))
    assert caught.value.translation_key == "no_free_pool_slot"
    assert writes(miner) == []
    assert await entry.runtime_data.own_pool.async_get() is None  # nothing switched, nothing to remember


async def test_bitaxe_up_to_2_14_rewrites_the_primary_pool_and_keeps_its_password(
    hass: HomeAssistant, bitaxe: BitaxeSetup, sim_clock: SimClock
) -> None:
    """AxeOS 2.14 and older: the primary pool is rewritten and written back; its password is never touched."""
    miner, entry = await bitaxe("2.12")
    coordinator = entry.runtime_data
    route = SUBNET.route("rig")
    assert await coordinator.async_set_pool_route(route) is PoolChange.ROUTED
    assert bitaxe_pool(miner) == (SUBNET_HOST, 9332, route.user)
    assert tuple(miner.state.pools[1].values()) == BACKUP_BITAXE
    assert miner.state.stratum_password == {0: "own-pass", 1: "backup-pass"}
    patch = next(body for method, path, body in miner.requests if method == "PATCH")
    assert "stratumPassword" not in patch
    await settle(hass, sim_clock)
    assert await coordinator.async_set_pool_route(None) is PoolChange.RETURNED
    assert bitaxe_pool(miner) == OWN_BITAXE
    assert miner.state.stratum_password[0] == "own-pass"


async def test_firmware_ignoring_the_pool_write_is_an_error(hass: HomeAssistant, bitaxe: BitaxeSetup) -> None:
    """Pool keys the firmware silently drops are caught by reading them back; no restart follows."""
    miner, entry = await bitaxe("2.15")
    miner.overrides = {"pools": None}  # looks like 2.14 to the client, stores only slots like 2.15
    await entry.runtime_data.async_refresh()
    with pytest.raises(HomeAssistantError) as caught:
        await entry.runtime_data.async_set_pool_route(SUBNET.route("rig"))
    assert caught.value.translation_key == "action_unexpected_response"
    assert "/api/system/restart" not in writes(miner)


@pytest.mark.parametrize("firmware", ["2.15", "2.12"])
async def test_own_pool_survives_a_restart_of_home_assistant(
    hass: HomeAssistant,
    bitaxe: BitaxeSetup,
    sim_clock: SimClock,
    hass_storage: dict[str, Any],
    firmware: str,
) -> None:
    """The own pool is on disk before the switch; a fresh start (the entry reloaded) still puts it back."""
    miner, entry = await bitaxe(firmware)
    await entry.runtime_data.async_set_pool_route(SUBNET.route("rig"))
    assert hass_storage[_store_key(entry.entry_id)]["data"]["url"] == OWN_BITAXE[0]
    await settle(hass, sim_clock)
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert await entry.runtime_data.async_set_pool_route(None) is PoolChange.RETURNED
    assert bitaxe_pool(miner) == OWN_BITAXE


async def test_removing_the_miner_deletes_its_own_pool(
    hass: HomeAssistant, bitaxe: BitaxeSetup, hass_storage: dict[str, Any]
) -> None:
    """A removed miner leaves nothing behind in storage."""
    _, entry = await bitaxe("2.15")
    await entry.runtime_data.async_set_pool_route(SUBNET.route("rig"))
    assert _store_key(entry.entry_id) in hass_storage
    await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done()
    assert _store_key(entry.entry_id) not in hass_storage


async def test_unreachable_bitaxe_keeps_its_memory(
    hass: HomeAssistant, bitaxe: BitaxeSetup, sim_clock: SimClock, hass_storage: dict[str, Any]
) -> None:
    """A failed return keeps the own pool remembered, so the next try still knows it."""
    miner, entry = await bitaxe("2.15")
    await entry.runtime_data.async_set_pool_route(SUBNET.route("rig"))
    await settle(hass, sim_clock)
    miner.fault = Fault.HTTP_500
    with pytest.raises(HomeAssistantError):
        await entry.runtime_data.async_set_pool_route(None)
    assert _store_key(entry.entry_id) in hass_storage
    miner.fault = Fault.NONE
    assert await entry.runtime_data.async_set_pool_route(None) is PoolChange.RETURNED


async def test_antminer_puts_the_subnet_pool_first_and_keeps_the_users(
    hass: HomeAssistant, antminer: AntminerSetup, sim_clock: SimClock
) -> None:
    """VNish: the subnet's pool first, the user's pools after it with their passwords; mining restarts to use them."""
    miner, entry = await antminer()
    coordinator = entry.runtime_data
    route = SUBNET.route("s19")
    assert await coordinator.async_set_pool_route(route) is PoolChange.ROUTED
    assert antminer_pools(miner) == [(f"{SUBNET_HOST}:9332", route.user, "x"), *OWN_ANTMINER]
    assert [pool["order"] for pool in miner.state.pools] == [0, 1, 2]
    assert "restart" in miner.commands
    await settle(hass, sim_clock)
    assert coordinator.mines_on(route)
    assert coordinator.summary.active_pool is not None
    assert coordinator.summary.active_pool.url == f"stratum+tcp://{SUBNET_HOST}:9332"

    before = len(writes(miner))
    assert await coordinator.async_set_pool_route(route) is PoolChange.UNCHANGED
    assert len(writes(miner)) == before

    assert await coordinator.async_set_pool_route(None) is PoolChange.RETURNED
    assert antminer_pools(miner) == OWN_ANTMINER
    await settle(hass, sim_clock)
    assert coordinator.configured_pool is not None
    assert coordinator.configured_pool.url == "stratum+tcp://btc.example-pool.com:3333"


async def test_antminer_with_three_pools_gets_all_three_back(
    hass: HomeAssistant, antminer: AntminerSetup, sim_clock: SimClock, hass_storage: dict[str, Any]
) -> None:
    """Only three pools fit: the user's third waits in storage, and comes back after a restart of Home Assistant."""
    miner, entry = await antminer()
    third = {"url": "third.example:25", "user": "me.third", "pass": "p3", "order": 2}
    miner.state.pools = [*miner.state.pools, third]
    route = SUBNET.route("s19")
    await entry.runtime_data.async_set_pool_route(route)
    assert len(miner.state.pools) == 3 and miner.state.pools[0]["user"] == route.user
    await settle(hass, sim_clock)
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert await entry.runtime_data.async_set_pool_route(None) is PoolChange.RETURNED
    assert antminer_pools(miner) == [*OWN_ANTMINER, ("third.example:25", "me.third", "p3")]


async def test_antminer_that_does_not_store_the_pools_is_an_error(
    hass: HomeAssistant, antminer: AntminerSetup
) -> None:
    """Settings that read back unchanged fail the write, naming the miner; mining is not restarted."""
    miner, entry = await antminer()
    miner._store_pools = lambda pools: None  # type: ignore[method-assign]  # answers, stores nothing
    with pytest.raises(HomeAssistantError) as caught:
        await entry.runtime_data.async_set_pool_route(SUBNET.route("s19"))
    assert caught.value.translation_key == "action_unexpected_response"
    assert "restart" not in miner.commands
