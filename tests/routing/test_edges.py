"""Edges of routing: pools changed by hand while routed, miners put on the subnet's pool by hand, odd failures."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.mining_fleet.const import DOMAIN
from custom_components.mining_fleet.logic.pool_route import MinerPool, PoolChange, PoolRoute
from custom_components.mining_fleet.routing import async_route_hashrate

from ..tuning.conftest import SimClock
from .conftest import HOTKEY, SUBNET, SUBNET_HOST, AntminerSetup, BitaxeSetup, antminer_pools, settle, writes


def _device(hass: HomeAssistant, entry: MockConfigEntry) -> str:
    """Return the device id of a miner's entry."""
    (device,) = dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)
    return device.id


@pytest.mark.parametrize("firmware", ["2.15", "2.12"])
async def test_bitaxe_put_back_by_hand_gets_no_write(
    hass: HomeAssistant, bitaxe: BitaxeSetup, sim_clock: SimClock, firmware: str
) -> None:
    """Someone put the own pool back in the web interface: the return writes nothing and forgets the pool."""
    miner, entry = await bitaxe(firmware)
    await entry.runtime_data.async_set_pool_route(SUBNET.route("rig"))
    await settle(hass, sim_clock)
    if miner.at_least(2, 15):
        miner.state.primary_pool, miner.state.fallback_pool = 0, 1
    else:
        miner.state.pools[0] = {
            "stratumURL": "PUBLIC-POOL.IO",
            "stratumPort": 21496,
            "stratumUser": "bc1qexamplewalletaddress0000000000000000.bitaxe",
        }
    before = len(writes(miner))
    assert await entry.runtime_data.async_set_pool_route(None) is PoolChange.UNCHANGED
    assert len(writes(miner)) == before
    assert await entry.runtime_data.own_pool.async_get() is None


async def test_antminer_routed_twice_then_restored_by_hand(
    hass: HomeAssistant, antminer: AntminerSetup, sim_clock: SimClock
) -> None:
    """A second route builds on the remembered pools, not on the routed ones; a hand-made restore is left alone."""
    miner, entry = await antminer()
    own = list(miner.state.pools)
    await entry.runtime_data.async_set_pool_route(SUBNET.route("s19"))
    await settle(hass, sim_clock)
    renamed = SUBNET.route("s19-b")
    assert await entry.runtime_data.async_set_pool_route(renamed) is PoolChange.ROUTED
    assert [user for _, user, _ in antminer_pools(miner)] == [renamed.user] + [pool["user"] for pool in own]
    miner.state.pools = own
    before = len(writes(miner))
    assert await entry.runtime_data.async_set_pool_route(None) is PoolChange.UNCHANGED
    assert len(writes(miner)) == before


async def test_subnet_pool_set_by_hand_is_reported_not_guessed(
    hass: HomeAssistant, antminer: AntminerSetup, sim_clock: SimClock
) -> None:
    """A miner someone pointed at the subnet's pool has no own pool on record: sending it home says so."""
    miner, entry = await antminer()
    miner.state.pools = [{"url": f"{SUBNET_HOST}:9332", "user": "someone.else", "pass": "x", "order": 0}]
    miner.state.running_pools = list(miner.state.pools)
    await entry.runtime_data.async_refresh()
    result = await async_route_hashrate(hass, [entry.runtime_data], 0, SUBNET)
    assert "never switched it there" in result.failures[_device(hass, entry)]
    # Routing it does not take the subnet's pool for the user's own either.
    await entry.runtime_data.async_set_pool_route(SUBNET.route("s19"))
    assert await entry.runtime_data.own_pool.async_get() is None
    assert antminer_pools(miner)[0][1] == f"sn89auction.{HOTKEY}.s19"


async def test_unexpected_errors_are_reported_and_logged(
    hass: HomeAssistant,
    bitaxe: BitaxeSetup,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A bug in one miner's write is that miner's failure, logged with its traceback; the routing goes on."""
    _, entry = await bitaxe("2.15")

    async def broken(route: PoolRoute | None) -> PoolChange:
        raise RuntimeError("boom")

    monkeypatch.setattr(entry.runtime_data, "async_set_pool_route", broken)
    result = await async_route_hashrate(hass, [entry.runtime_data], 0.001, SUBNET)
    assert result.failures == {_device(hass, entry): "boom"} and result.on_subnet_pool == ()
    assert "Routing" in caplog.text and "RuntimeError" in caplog.text


async def test_action_without_a_response(hass: HomeAssistant, bitaxe: BitaxeSetup) -> None:
    """Called without asking for an answer, a routing that worked returns nothing."""
    miner, entry = await bitaxe("2.15")
    data = {"device_id": [_device(hass, entry)], "hashrate_ph": 0.001, "hotkey": HOTKEY}
    assert await hass.services.async_call(DOMAIN, "route_hashrate", data, blocking=True) is None
    assert "/api/system/restart" in writes(miner)


def test_pool_routes() -> None:
    """Pool addresses compare however they are spelled; anything but stratum+tcp://host:port is refused."""
    route = PoolRoute.from_url("stratum+tcp://Stratum.InfiniteHash.xyz:9332", "w")
    assert (route.url, route.address) == (
        "stratum+tcp://stratum.infinitehash.xyz:9332",
        "stratum.infinitehash.xyz:9332",
    )
    assert route.matches(MinerPool("stratum.infinitehash.xyz", 9332, "w"))
    assert route.matches(MinerPool("stratum+tcp://STRATUM.infinitehash.xyz:9332/", None, "w"))
    assert not route.matches(MinerPool("stratum.infinitehash.xyz:9333", None, "w"))
    assert not route.matches(None)
    for url in (
        "http://pool:1",
        "stratum+tcp://pool",
        "stratum+tcp://pool:0",
        "stratum+tcp://pool:99999",
        "pool:x",
    ):
        with pytest.raises(ValueError, match="not a stratum"):
            PoolRoute.from_url(url, "w")
