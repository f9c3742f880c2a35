"""The auction entry's edges: lagging heads, late miners, overlapping refreshes, chain errors, lost miners."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
import json
import logging
from pathlib import Path
from typing import Any
from unittest.mock import patch

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er, issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.mining_fleet.api.errors import ApiConnectionError
from custom_components.mining_fleet.auction import router as router_module
from custom_components.mining_fleet.auction.coordinator import AuctionCoordinator, miner_removed_issue_id
from custom_components.mining_fleet.auction.settings import BidProblem, bid_text
from custom_components.mining_fleet.const import DOMAIN
from simulators.subtensor import DEMO, FakeChain, SubtensorSimulator, apply_scenario

from ..conftest import set_up_entry
from ..routing.conftest import AntminerSetup, antminer_pools
from .conftest import FakeChainFactory, proxy_routing
from .test_auction_entry import (
    NETUID,
    OURS,
    WINDOW_1,
    WINDOW_2,
    auction_entry,
    demo_chain,
    results,
    set_up_demo_auction,
    until,
    write_wallet,
)
from .test_auction_routing import device_of

TRANSLATIONS = Path(__file__).parents[2] / "custom_components" / "mining_fleet" / "translations" / "en.json"


def starts(events: list[Any]) -> list[int]:
    """Return the start blocks of the announced windows."""
    return [event.data["start_block"] for event in events]


def replays(chain: SubtensorSimulator, block: int) -> int:
    """Return how often the auction at a window's start block was read (one neurons read per replay)."""
    return sum(1 for _, path in chain.requests if "/neurons" in path and f"block={block}" in path)


async def bid_on_chain_chain(
    start_fake_chain: FakeChainFactory, rate_limit_blocks: int = 100
) -> SubtensorSimulator:
    """Start the demo chain with our bid (2 x 0.45 PH at 1) committed before window 1; head inside it."""
    chain = FakeChain(start_block=WINDOW_1 - 45, rate_limit_blocks=rate_limit_blocks)
    apply_scenario(chain, DEMO)
    chain.register_neuron(NETUID, OURS)
    chain.commit_bid(NETUID, OURS, {"0.45": 2}, "1")
    chain.produce_blocks(WINDOW_1 + 50 - chain.head)
    return await start_fake_chain(chain)


async def set_up_bidding(
    hass: HomeAssistant, start_fake_chain: FakeChainFactory, tmp_path: Path, **options: Any
) -> tuple[SubtensorSimulator, AuctionCoordinator]:
    """Start the chain with our bid on it and set up an auction entry on it; return the chain and coordinator."""
    simulator = await bid_on_chain_chain(start_fake_chain)
    entry = auction_entry(simulator.url, write_wallet(tmp_path), **options)
    await set_up_entry(hass, entry)
    coordinator: AuctionCoordinator = entry.runtime_data
    return simulator, coordinator


class CountingRoute:
    """Wrap a routing function: count its calls and the most that ran at once; optionally hold them."""

    def __init__(self, real: Callable[..., Awaitable[Any]]) -> None:
        """Wrap the real routing function."""
        self.real = real
        self.calls = 0
        self.running = 0
        self.most_at_once = 0
        self.gate = asyncio.Event()
        self.gate.set()

    async def __call__(self, *args: Any) -> Any:
        """Count, wait at the gate, then route for real."""
        self.calls += 1
        self.running += 1
        self.most_at_once = max(self.most_at_once, self.running)
        try:
            await self.gate.wait()
            return await self.real(*args)
        finally:
            self.running -= 1


# --- 1. a head that goes back ---------------------------------------------------------------


async def test_a_lower_head_from_the_follower_replays_and_announces_nothing(
    hass: HomeAssistant, start_fake_chain: FakeChainFactory, tmp_path: Path
) -> None:
    """A lagging node answers a head back in window 1: no refresh, nothing announced or replayed again."""
    chain, entry, events = await set_up_demo_auction(hass, start_fake_chain, tmp_path)
    coordinator: AuctionCoordinator = entry.runtime_data
    chain.produce_blocks(WINDOW_2 + 1 - chain.chain.head)
    await until(lambda: starts(events) == [WINDOW_1, WINDOW_2] and coordinator.data.head == WINDOW_2 + 1)
    real_wait = coordinator.chain.wait_for_head
    answered: list[int] = []

    async def lagging(after: int, within: float) -> int:
        """Answer one lower head, then the real ones."""
        if not answered:
            answered.append(WINDOW_2 - 1)
            return WINDOW_2 - 1
        return await real_wait(after, within)

    with patch.object(coordinator.chain, "wait_for_head", lagging):
        chain.produce_blocks(1)  # wakes the follower's current long poll; its next one gets the lower head
        await until(lambda: coordinator.data.head == WINDOW_2 + 2)
        await until(lambda: bool(answered))
        chain.produce_blocks(1)
        await until(lambda: coordinator.data.head == WINDOW_2 + 3)
    assert starts(events) == [WINDOW_1, WINDOW_2]
    assert replays(chain, WINDOW_1) == 1 and replays(chain, WINDOW_2) == 1
    assert coordinator.data.window.start == WINDOW_2


async def test_a_refresh_at_a_lower_head_keeps_the_newer_window(
    hass: HomeAssistant, start_fake_chain: FakeChainFactory, tmp_path: Path
) -> None:
    """Even a refresh made at a lower head neither replays nor announces the previous window."""
    chain, entry, events = await set_up_demo_auction(hass, start_fake_chain, tmp_path)
    chain.produce_blocks(WINDOW_2 + 1 - chain.chain.head)
    await until(lambda: starts(events) == [WINDOW_1, WINDOW_2])
    coordinator: AuctionCoordinator = entry.runtime_data
    coordinator._head = WINDOW_2 - 1  # what a follower taking any head did with a lagging node's answer
    await coordinator.async_refresh()
    coordinator._head = WINDOW_2 + 1
    await coordinator.async_refresh()
    assert starts(events) == [WINDOW_1, WINDOW_2]
    assert coordinator.data.window.start == WINDOW_2 and replays(chain, WINDOW_1) == 1


# --- 2. a chosen miner that loads after the auction -----------------------------------------


async def _late_miner(
    hass: HomeAssistant, start_fake_chain: FakeChainFactory, antminer: AntminerSetup, tmp_path: Path
) -> tuple[Any, MockConfigEntry, MockConfigEntry, SubtensorSimulator, str]:
    """Set up an auction routing to an Antminer whose entry is not loaded yet, as during a restart."""
    miner, miner_entry = await antminer("antminer-a")
    device = device_of(hass, miner_entry.entry_id)
    assert await hass.config_entries.async_unload(miner_entry.entry_id)
    simulator = await bid_on_chain_chain(start_fake_chain)
    entry = auction_entry(simulator.url, write_wallet(tmp_path), routing="miners", miners=[device])
    await set_up_entry(hass, entry)
    await until(lambda: entry.runtime_data.routing is not None)
    assert device in entry.runtime_data.routing["failures"]  # not loaded
    return miner, miner_entry, entry, simulator, device


async def test_a_miner_loading_later_is_routed_in_the_won_window(
    hass: HomeAssistant, start_fake_chain: FakeChainFactory, antminer: AntminerSetup, tmp_path: Path
) -> None:
    """The miner joins the fleet: the won window 1 is routed to it at once, without a new block."""
    miner, miner_entry, entry, _, device = await _late_miner(hass, start_fake_chain, antminer, tmp_path)
    own = antminer_pools(miner)
    assert await hass.config_entries.async_setup(miner_entry.entry_id)
    await until(lambda: antminer_pools(miner) != own)
    await until(lambda: not entry.runtime_data.routing["failures"])
    assert device in entry.runtime_data.routing["on_subnet_pool"]
    assert entry.runtime_data.data.window.start == WINDOW_1


async def test_a_missed_miner_is_retried_every_few_blocks_one_routing_at_a_time(
    hass: HomeAssistant, start_fake_chain: FakeChainFactory, antminer: AntminerSetup, tmp_path: Path
) -> None:
    """Without the fleet's word, later heads retry the missed miner: at most once per 3 blocks, one at a time."""
    counting = CountingRoute(router_module.async_route_devices)
    with (
        patch.object(router_module.AuctionRouter, "async_fleet_changed", lambda self: None),
        patch.object(router_module, "async_route_devices", counting),
    ):
        miner, miner_entry, entry, simulator, device = await _late_miner(
            hass, start_fake_chain, antminer, tmp_path
        )
        coordinator: AuctionCoordinator = entry.runtime_data
        assert counting.calls == 1
        assert await hass.config_entries.async_setup(miner_entry.entry_id)
        own = antminer_pools(miner)
        for _ in range(2):  # two blocks: not yet
            head = simulator.produce_blocks(1)
            await until(lambda head=head: coordinator.data.head == head)
        assert counting.calls == 1 and antminer_pools(miner) == own
        counting.gate.clear()  # hold the retry while more heads and a fleet change ask again
        head = simulator.produce_blocks(1)
        await until(lambda: counting.calls == 2)
        for _ in range(3):
            head = simulator.produce_blocks(1)
            await until(lambda head=head: coordinator.data.head == head)
        assert counting.running == 1
        counting.gate.set()
        await until(lambda: antminer_pools(miner) != own)
        await until(lambda: coordinator.router._task is not None and coordinator.router._task.done())
    # The asks made while it was held are moot once it reached the miner: no third routing.
    assert counting.most_at_once == 1 and counting.calls == 2
    assert coordinator.routing["failures"] == {} and device in coordinator.routing["on_subnet_pool"]


# --- 3. overlapping refreshes and publishes -------------------------------------------------


async def test_overlapping_refreshes_across_a_boundary_replay_and_route_once(
    hass: HomeAssistant, start_fake_chain: FakeChainFactory, tmp_path: Path
) -> None:
    """Three refreshes at the first block of window 2 at once: one replay, one routing, one event."""
    options = proxy_routing(hass, tmp_path)
    simulator = await bid_on_chain_chain(start_fake_chain)
    counting = CountingRoute(router_module.async_write_proxy_target)
    events = results(hass)
    with patch.object(router_module, "async_write_proxy_target", counting):
        entry = auction_entry(simulator.url, write_wallet(tmp_path), **options)
        await set_up_entry(hass, entry)
        await until(lambda: counting.calls == 1 and counting.running == 0)
        coordinator: AuctionCoordinator = entry.runtime_data
        simulator.produce_blocks(WINDOW_2 - simulator.chain.head)
        coordinator._head = WINDOW_2  # as the follower does, racing it
        await asyncio.gather(*(coordinator.async_refresh() for _ in range(3)))
        await until(lambda: starts(events) == [WINDOW_1, WINDOW_2] and counting.calls == 2)
        await until(lambda: coordinator.router._task is not None and coordinator.router._task.done())
    assert replays(simulator, WINDOW_2) == 1 and counting.calls == 2 and counting.most_at_once == 1


async def test_the_button_during_a_due_check_does_not_publish_twice(
    hass: HomeAssistant, start_fake_chain: FakeChainFactory, tmp_path: Path
) -> None:
    """A due check and the Publish button together: one commit, and the button reports no refusal."""
    simulator, coordinator = await set_up_bidding(hass, start_fake_chain, tmp_path)
    entry = coordinator.config_entry
    simulator.produce_blocks(360)  # our bid is now old enough to renew
    posts = len([r for r in simulator.requests if r[0] == "POST"])
    coordinator.async_recheck_bid()  # the due check starts first ...
    button = er.async_get(hass).async_get_entity_id("button", DOMAIN, f"{entry.unique_id}_publish_bid")
    await hass.services.async_call("button", "press", {"entity_id": button}, blocking=True)  # ... no error
    await hass.async_block_till_done()
    assert len([r for r in simulator.requests if r[0] == "POST"]) == posts + 1
    assert coordinator.data.publish_problem is None
    simulator.produce_blocks(1)
    [ours] = [c for c in simulator.chain.commitments_at(NETUID, simulator.chain.head) if c.hotkey == OURS]
    assert ours.block == simulator.chain.head and coordinator.data.commitment.block == ours.block


# --- 4. a failed commitment check -----------------------------------------------------------


async def test_a_chain_error_while_publishing_keeps_the_window(
    hass: HomeAssistant, start_fake_chain: FakeChainFactory, tmp_path: Path
) -> None:
    """The publish fails: the entry loads with window 1 announced once; the next check publishes."""
    chain = await demo_chain(start_fake_chain)
    events = results(hass)
    entry = auction_entry(chain.url, write_wallet(tmp_path))
    failing = ApiConnectionError("connection reset")
    with patch(
        "custom_components.mining_fleet.api.subtensor_loopback.LoopbackChain.set_commitment",
        side_effect=failing,
    ):
        await set_up_entry(hass, entry)
        assert entry.state is ConfigEntryState.LOADED
        coordinator: AuctionCoordinator = entry.runtime_data
        assert coordinator.data.publish_problem == "chain_error" and coordinator.data.outcome is not None
        for _ in range(3):
            head = chain.produce_blocks(1)
            await until(lambda head=head: coordinator.data.head == head)
    assert starts(events) == [WINDOW_1] and replays(chain, WINDOW_1) == 1
    coordinator.async_recheck_bid()  # the next due check
    await hass.async_block_till_done()
    assert coordinator.data.publish_problem is None and coordinator.data.commitment is not None


async def test_a_slow_publish_does_not_hold_up_the_next_window(
    hass: HomeAssistant, start_fake_chain: FakeChainFactory, tmp_path: Path
) -> None:
    """While a publish waits for inclusion, the next window is still replayed and announced."""
    chain = await demo_chain(start_fake_chain)
    events = results(hass)
    entry = auction_entry(chain.url, write_wallet(tmp_path))
    release = asyncio.Event()

    async def slow(_chain: object, netuid: int, data: bytes) -> int:
        """Wait as the SDK waits for inclusion."""
        await release.wait()
        return WINDOW_2 + 1

    with patch("custom_components.mining_fleet.api.subtensor_loopback.LoopbackChain.set_commitment", slow):
        entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(entry.entry_id)
        coordinator: AuctionCoordinator = entry.runtime_data
        chain.produce_blocks(WINDOW_2 - chain.chain.head)
        await until(lambda: starts(events) == [WINDOW_1, WINDOW_2])
        assert coordinator.data.commitment is None
        release.set()
        await until(lambda: coordinator.data.commitment is not None)
    assert coordinator.data.commitment.block == WINDOW_2 + 1


# --- 5. a chosen miner unloaded or removed --------------------------------------------------


async def test_a_lost_miner_is_reported_once_and_a_removed_one_raises_a_repair_issue(
    hass: HomeAssistant,
    start_fake_chain: FakeChainFactory,
    antminer: AntminerSetup,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Unloaded: one warning however many blocks pass; removed for good: a repair issue, gone once fixed."""
    _, miner_entry = await antminer("antminer-a")
    device = device_of(hass, miner_entry.entry_id)
    simulator, coordinator = await set_up_bidding(
        hass, start_fake_chain, tmp_path, bid_source="miners", miners=[device]
    )
    entry = coordinator.config_entry
    assert coordinator.data.bid_problem is None
    caplog.set_level(logging.WARNING)
    assert await hass.config_entries.async_unload(miner_entry.entry_id)
    for _ in range(3):
        head = simulator.produce_blocks(1)
        await until(lambda head=head: coordinator.data.head == head)
    assert coordinator.data.bid_problem == "bid_miners_not_loaded"
    assert len([r for r in caplog.records if "bid_miners_not_loaded" in r.getMessage()]) == 1
    issue_id = miner_removed_issue_id(entry.entry_id)
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None
    assert await hass.config_entries.async_remove(miner_entry.entry_id)
    head = simulator.produce_blocks(1)
    await until(lambda: coordinator.data.head == head and coordinator.data.bid_problem == "bid_miner_removed")
    issue = ir.async_get(hass).async_get_issue(DOMAIN, issue_id)
    assert issue is not None and issue.translation_key == "auction_miner_removed"
    hass.config_entries.async_update_entry(
        entry, options={**entry.options, "bid_source": "sizes", "miners": []}
    )
    await hass.async_block_till_done()
    assert entry.runtime_data.data.bid_problem is None
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None


# --- 6. an oversized bid --------------------------------------------------------------------


def test_miners_over_450_ph_are_too_large_not_too_small() -> None:
    """More than 1000 workers of 0.45 PH cannot be bid: its own error, translated everywhere it shows."""
    options = {"bid_source": "miners", "price": 1.0}
    assert bid_text(options, [450_000.0]) == "2;b;BTC,1=0.45:1000"
    with pytest.raises(BidProblem) as caught:
        bid_text(options, [300_000.0, 150_001.0])
    assert caught.value.key == "bid_too_large"
    strings = json.loads(TRANSLATIONS.read_text())
    assert "450" in strings["config"]["error"]["bid_too_large"]
    assert strings["options"]["error"]["bid_too_large"] == strings["config"]["error"]["bid_too_large"]
    assert "message" in strings["exceptions"]["bid_too_large"]
    assert "message" in strings["exceptions"]["bid_miner_removed"]
    assert {"title", "description"} <= strings["issues"]["auction_miner_removed"].keys()


# --- 7. unchanged states are not rewritten --------------------------------------------------


async def test_blocks_that_change_nothing_shown_do_not_update_the_entities(
    hass: HomeAssistant, start_fake_chain: FakeChainFactory, tmp_path: Path
) -> None:
    """Blocks inside a window leave the data equal (the head aside): no entity is written again."""
    simulator, coordinator = await set_up_bidding(hass, start_fake_chain, tmp_path)
    before = coordinator.data
    updates: list[None] = []
    unsubscribe = coordinator.async_add_listener(lambda: updates.append(None))
    for _ in range(3):
        head = simulator.produce_blocks(1)
        await until(lambda head=head: coordinator.data.head == head)
    unsubscribe()
    assert updates == [] and coordinator.data == before and coordinator.data.head == before.head + 3
