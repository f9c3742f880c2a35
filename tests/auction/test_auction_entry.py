"""The auction entry in Home Assistant against the fake chain: windows, events, publishing, errors."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any
from unittest.mock import patch

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import Event, HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er, issue_registry as ir
from homeassistant.requirements import RequirementsNotFound
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.mining_fleet.auction.coordinator import AuctionCoordinator
from custom_components.mining_fleet.const import CONF_KIND, DOMAIN, EVENT_AUCTION_RESULT, KIND_AUCTION
from custom_components.mining_fleet.logic.auction.replay import Snapshot, replay
from simulators.subtensor import DEMO, FakeChain, SubtensorSimulator, apply_scenario

from ..conftest import set_up_entry
from .conftest import FakeChainFactory

NETUID = 89
# A well-known public development address (Alice); only its ss58 form is used here, never a key.
OURS = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY"
WINDOW_1 = 7_500_045  # window 1 of the epoch starting at 7,500,045 ends at 7,500,104
WINDOW_2 = 7_500_105


def write_wallet(root: Path, address: str = OURS) -> Path:
    """Write a wallet with one plaintext hotkey keyfile, as btcli lays it out; return the wallet folder."""
    hotkeys = root / "wallets" / "default" / "hotkeys"
    hotkeys.mkdir(parents=True)
    (hotkeys / "default").write_text(json.dumps({"ss58Address": address, "accountId": "0x00"}))
    return root / "wallets"


def auction_entry(url: str, wallets: Path, **options: Any) -> MockConfigEntry:
    """Return an auction entry as the config flow creates it (bidding 2 x 0.45 PH at 1 unless told)."""
    return MockConfigEntry(
        domain=DOMAIN,
        title="Subnet 89 auction (5Grwva)",
        unique_id=f"auction-{url}-{NETUID}-{OURS}",
        data={
            CONF_KIND: KIND_AUCTION,
            "network": url,
            "netuid": NETUID,
            "wallet_path": str(wallets),
            "wallet_name": "default",
            "hotkey": "default",
        },
        options={
            "price": 1.0,
            "bid_source": "sizes",
            "worker_sizes": "0.45:2",
            "miners": [],
            "routing": "off",
            **options,
        },
    )


async def demo_chain(start_fake_chain: FakeChainFactory, head: int = WINDOW_1 + 50) -> SubtensorSimulator:
    """Start a fake chain with the demo's validators and bidders committed before window 1, head inside it."""
    chain = FakeChain(start_block=WINDOW_1 - 45)
    apply_scenario(chain, DEMO)
    chain.register_neuron(NETUID, OURS)
    chain.produce_blocks(head - chain.head)
    return await start_fake_chain(chain)


async def set_up_demo_auction(
    hass: HomeAssistant, start_fake_chain: FakeChainFactory, tmp_path: Path
) -> tuple[SubtensorSimulator, MockConfigEntry, list[Event]]:
    """Start the demo chain, collect result events, and set up an auction entry on it."""
    chain = await demo_chain(start_fake_chain)
    events = results(hass)
    entry = auction_entry(chain.url, write_wallet(tmp_path))
    await set_up_entry(hass, entry)
    return chain, entry, events


def results(hass: HomeAssistant) -> list[Event]:
    """Collect the auction's result events."""
    events: list[Event] = []
    hass.bus.async_listen(EVENT_AUCTION_RESULT, events.append)
    return events


async def until(condition: Any, seconds: float = 10.0) -> None:
    """Wait (real time: the chain runs on real sockets) until condition() holds."""
    async with asyncio.timeout(seconds):
        while not condition():  # noqa: ASYNC110 - the condition reads several places, not one event
            await asyncio.sleep(0.02)


def state(hass: HomeAssistant, key: str, platform: str = "sensor") -> str:
    """Return the state of one of the auction's entities by its key."""
    registry = er.async_get(hass)
    entity_id = registry.async_get_entity_id(platform, DOMAIN, f"auction-{_url(hass)}-{NETUID}-{OURS}_{key}")
    assert entity_id is not None, key
    found = hass.states.get(entity_id)
    assert found is not None
    return found.state


def _url(hass: HomeAssistant) -> str:
    """Return the network of the one auction entry."""
    [entry] = hass.config_entries.async_entries(DOMAIN)
    return str(entry.data["network"])


async def test_the_current_window_is_replayed_and_our_bid_published(
    hass: HomeAssistant, start_fake_chain: FakeChainFactory, tmp_path: Path
) -> None:
    """At set-up: the window the head is in, its auction as the logic computes it, and our bid committed."""
    chain, entry, events = await set_up_demo_auction(hass, start_fake_chain, tmp_path)
    assert entry.state is ConfigEntryState.LOADED
    assert state(hass, "window") == "1"
    expected = replay(_snapshot(chain.chain, WINDOW_1), OURS)
    assert float(state(hass, "budget")) == pytest.approx(expected.budget)
    assert state(hass, "bidders") == str(expected.bidders) == "4"  # the banned one dropped; 1.08 still bids
    [event] = events
    assert (
        event.data["window"] == 1
        and event.data["start_block"] == WINDOW_1
        and event.data["end_block"] == 7_500_104
    )
    assert event.data["won_ph"] == 0.0 and event.data["won"] == []  # our bid was not on chain at 7,500,045
    # Published for the next block: it lands when the chain produces it.
    chain.produce_blocks(1)
    await until(lambda: any(c.hotkey == OURS for c in chain.chain.commitments_at(NETUID, chain.chain.head)))
    [ours] = [c for c in chain.chain.commitments_at(NETUID, chain.chain.head) if c.hotkey == OURS]
    assert ours.data == b"2;b;BTC,1=0.45:2"
    await until(lambda: state(hass, "bid_on_chain", "binary_sensor") == "on")
    assert state(hass, "bid") == "2;b;BTC,1=0.45:2"


def _snapshot(chain: FakeChain, block: int) -> Snapshot:
    """Return the chain's snapshot at a block, read straight from the fake chain's state."""
    return Snapshot(
        block,
        chain.block_hash(block),
        [(c.hotkey, c.block, c.data) for c in chain.commitments_at(NETUID, block)],
        [(n.hotkey, n.uid, n.stake) for n in chain.neurons_at(NETUID, block)],
        chain.subnet(NETUID).mechanism_split,
    )


async def test_a_new_window_is_announced_within_seconds_with_what_we_won(
    hass: HomeAssistant, start_fake_chain: FakeChainFactory, tmp_path: Path
) -> None:
    """The follower sees the window's first block and fires the result; our two workers win."""
    chain = await demo_chain(start_fake_chain)
    events = results(hass)
    await set_up_entry(hass, auction_entry(chain.url, write_wallet(tmp_path)))
    chain.produce_blocks(WINDOW_2 - chain.chain.head)
    await until(lambda: len(events) == 2, seconds=5)
    event = events[1]
    assert (event.data["window"], event.data["start_block"]) == (2, WINDOW_2)
    assert event.data["won"] == [{"hashrate_ph": 0.45, "price": 1.0, "count": 2}]
    assert event.data["won_ph"] == 0.9 and event.data["lost"] == [] and event.data["hotkey"] == OURS
    assert state(hass, "won_workers") == "2" and state(hass, "lost_workers") == "0"
    assert float(state(hass, "won_hashrate")) == 0.9
    # Blocks inside the window replay nothing new and announce nothing again.
    chain.produce_blocks(3)
    await asyncio.sleep(0.3)
    assert len(events) == 2


async def test_workers_the_budget_cannot_buy_are_lost(
    hass: HomeAssistant, start_fake_chain: FakeChainFactory, tmp_path: Path
) -> None:
    """With a tiny cap and the highest price, our workers lose: the event and sensors say so."""
    chain = FakeChain(start_block=WINDOW_1 - 45)
    chain.register_neuron(NETUID, OURS)
    chain.register_neuron(NETUID, "validator", "1000")
    chain.commit_prices(NETUID, "validator", alpha_tao="0.25", hashp_usdc="50", tao_usdc="45", cap="0.001")
    chain.register_neuron(NETUID, "cheap")
    chain.commit_bid(NETUID, "cheap", {"0.45": 1}, "0.9")
    chain.commit_bid(NETUID, OURS, {"0.45": 2}, "1.05")
    chain.produce_blocks(WINDOW_1 + 10 - chain.head)
    simulator = await start_fake_chain(chain)
    events = results(hass)
    await set_up_entry(hass, auction_entry(simulator.url, write_wallet(tmp_path), price=1.05))
    [event] = events  # budget 0.6642 PH buys the cheaper 0.45 and none of ours
    assert event.data["lost"] == [{"hashrate_ph": 0.45, "price": 1.05, "count": 2}]
    assert event.data["won_ph"] == 0.0 and event.data["lost_ph"] == 0.9
    assert state(hass, "lost_workers") == "2"


async def test_an_unchanged_fresh_bid_is_not_republished_and_an_old_one_is(
    hass: HomeAssistant, start_fake_chain: FakeChainFactory, tmp_path: Path
) -> None:
    """Our bid already on chain is left alone; once 360 blocks old it is committed again."""
    chain = FakeChain(start_block=WINDOW_1 - 45, rate_limit_blocks=10)
    apply_scenario(chain, DEMO)
    chain.register_neuron(NETUID, OURS)
    chain.commit_bid(NETUID, OURS, {"0.45": 2}, "1")
    chain.produce_blocks(WINDOW_1 + 5 - chain.head)
    committed = chain.commitments_at(NETUID, chain.head)
    simulator = await start_fake_chain(chain)
    entry = auction_entry(simulator.url, write_wallet(tmp_path))
    await set_up_entry(hass, entry)
    chain.produce_blocks(1)
    assert chain.commitments_at(NETUID, chain.head) == committed
    coordinator: AuctionCoordinator = entry.runtime_data
    chain.produce_blocks(360)
    coordinator.async_recheck_bid()  # the 5-minute check, now
    await until(
        lambda: coordinator.data.commitment is not None and coordinator.data.commitment.block > WINDOW_1
    )
    chain.produce_blocks(1)
    [ours] = [c for c in chain.commitments_at(NETUID, chain.head) if c.hotkey == OURS]
    assert ours.block == coordinator.data.commitment.block and ours.data == b"2;b;BTC,1=0.45:2"


async def test_a_new_price_republishes_without_a_reload(
    hass: HomeAssistant, start_fake_chain: FakeChainFactory, tmp_path: Path
) -> None:
    """Setting the price multiplier commits the new bid; the entry is not reloaded."""
    chain = await demo_chain(start_fake_chain)
    chain.chain.rate_limit_blocks = 1
    entry = auction_entry(chain.url, write_wallet(tmp_path))
    await set_up_entry(hass, entry)
    chain.produce_blocks(1)
    coordinator = entry.runtime_data
    registry = er.async_get(hass)
    number = registry.async_get_entity_id("number", DOMAIN, f"{entry.unique_id}_price_multiplier")
    await hass.services.async_call("number", "set_value", {"entity_id": number, "value": 0.97}, blocking=True)
    await until(
        lambda: coordinator.data.commitment is not None
        and coordinator.data.commitment.text.startswith("2;b;BTC,0.97=")
    )
    chain.produce_blocks(1)
    assert [c.data for c in chain.chain.commitments_at(NETUID, chain.chain.head) if c.hotkey == OURS] == [
        b"2;b;BTC,0.97=0.45:2"
    ]
    assert entry.runtime_data is coordinator and entry.options["price"] == 0.97


async def test_a_refused_commitment_is_reported_and_the_button_says_why(
    hass: HomeAssistant, start_fake_chain: FakeChainFactory, tmp_path: Path
) -> None:
    """A rate-limited commit leaves a reason on the bid sensor; pressing Publish raises a translated error."""
    chain = await demo_chain(start_fake_chain)
    chain.chain.refuse_next("rate_limited")
    entry = auction_entry(chain.url, write_wallet(tmp_path))
    await set_up_entry(hass, entry)
    registry = er.async_get(hass)
    bid = registry.async_get_entity_id("sensor", DOMAIN, f"{entry.unique_id}_bid")
    assert hass.states.get(bid).attributes["publish_problem"] == "rate_limited"
    chain.chain.refuse_next("not_registered")
    button = registry.async_get_entity_id("button", DOMAIN, f"{entry.unique_id}_publish_bid")
    with pytest.raises(HomeAssistantError) as caught:
        await hass.services.async_call("button", "press", {"entity_id": button}, blocking=True)
    assert caught.value.translation_key == "commit_not_registered"
    await hass.services.async_call("button", "press", {"entity_id": button}, blocking=True)
    assert hass.states.get(bid).attributes["publish_problem"] is None


async def test_a_restart_does_not_announce_the_same_window_again(
    hass: HomeAssistant, start_fake_chain: FakeChainFactory, tmp_path: Path
) -> None:
    """The last announced window is kept across a reload."""
    chain, entry, events = await set_up_demo_auction(hass, start_fake_chain, tmp_path)
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert len(events) == 1


async def test_a_missing_sdk_fails_only_that_entry_with_a_repair_issue(
    hass: HomeAssistant, tmp_path: Path
) -> None:
    """When the packages cannot be installed the entry fails with a repair issue saying why and what to do."""
    entry = auction_entry("wss://127.0.0.1:9944", write_wallet(tmp_path))
    failed = RequirementsNotFound(f"{DOMAIN}.auction", ["bittensor==11.3.0"])
    with patch("custom_components.mining_fleet.auction.chain.async_process_requirements", side_effect=failed):
        await set_up_entry(hass, entry)
        assert entry.state is ConfigEntryState.SETUP_ERROR
    issue = ir.async_get(hass).async_get_issue(DOMAIN, f"auction_requirements_{entry.entry_id}")
    assert issue is not None and issue.translation_key == "auction_requirements"
    assert "bittensor==11.3.0" in issue.translation_placeholders["packages"]


async def test_a_wallet_without_the_hotkey_fails_setup_clearly(
    hass: HomeAssistant, start_fake_chain: FakeChainFactory, tmp_path: Path
) -> None:
    """A missing hotkey file is a set-up error naming the wallet; no repair issue (nothing to install)."""
    chain = await demo_chain(start_fake_chain)
    entry = auction_entry(chain.url, tmp_path / "nowhere")
    await set_up_entry(hass, entry)
    assert entry.state is ConfigEntryState.SETUP_ERROR
    assert entry.reason is not None and "default/default" in entry.reason
    assert ir.async_get(hass).async_get_issue(DOMAIN, f"auction_requirements_{entry.entry_id}") is None


async def test_an_unreachable_chain_retries(
    hass: HomeAssistant, tmp_path: Path, socket_enabled: None
) -> None:
    """Nothing listening: the entry is not ready and retries."""
    entry = auction_entry("http://127.0.0.1:9", write_wallet(tmp_path))
    await set_up_entry(hass, entry)
    assert entry.state is ConfigEntryState.SETUP_RETRY


async def test_diagnostics_show_the_window_and_the_bid(
    hass: HomeAssistant, start_fake_chain: FakeChainFactory, tmp_path: Path
) -> None:
    """Diagnostics: head, window, bid wanted and committed, the outcome in the event's form."""
    from custom_components.mining_fleet.diagnostics import async_get_config_entry_diagnostics

    chain = await demo_chain(start_fake_chain)
    entry = auction_entry(chain.url, write_wallet(tmp_path))
    await set_up_entry(hass, entry)
    found = await async_get_config_entry_diagnostics(hass, entry)
    assert found["window"] == {"index": 1, "start": WINDOW_1, "end": 7_500_104}
    assert found["wanted"] == "2;b;BTC,1=0.45:2" and found["outcome"]["bidders"] == 4
