"""The loopback client of the SubnetChain seam against the fake chain over real HTTP on 127.0.0.1."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from decimal import Decimal
import hashlib
import json
import subprocess
import sys
import time
from typing import Any

import aiohttp
from hypothesis import HealthCheck, given, settings, strategies as st
import pytest

from custom_components.mining_fleet.api.errors import (
    ApiConnectionError,
    ApiError,
    ApiResponseError,
    ApiTimeoutError,
)
from custom_components.mining_fleet.api.subtensor import (
    CommitmentRefusedError,
    Neuron,
    RawCommitment,
    SubnetChain,
)
from custom_components.mining_fleet.api.subtensor_loopback import (
    LoopbackChain,
    loopback_url,
    parse_block,
    parse_commitments,
    parse_head,
    parse_landed,
    parse_neurons,
    parse_refusal,
    parse_subnet,
)
from custom_components.mining_fleet.logic.auction import decode_bid
from custom_components.mining_fleet.logic.auction.codec import decode_prices
from simulators.subtensor import (
    DEFAULT_START_BLOCK,
    DEMO,
    GENESIS_MS,
    FakeChain,
    SubtensorSimulator,
    apply_scenario,
    ban_bitmap,
    fake_ss58,
    minimal_decimal,
    prices_commitment,
)

from ..test_parsers_property import JSON, LEAVES, objects
from .conftest import NETUID, OUR_HOTKEY, FakeChainFactory

HEAD = DEFAULT_START_BLOCK
VALIDATOR, MINER = fake_ss58("validator"), fake_ss58("miner")


async def _produce_soon(simulator: SubtensorSimulator, count: int = 1, delay: float = 0.1) -> None:
    """Produce blocks after a short delay (while a client waits)."""
    await asyncio.sleep(delay)
    simulator.produce_blocks(count)


# --- the seam ----------------------------------------------------------------------------------------
async def test_loopback_chain_is_a_subnet_chain(loopback_chain: LoopbackChain) -> None:
    """The client has the hotkey it signs with and fits where a SubnetChain is expected."""
    chain: SubnetChain = loopback_chain
    assert chain.hotkey == OUR_HOTKEY


async def test_connect_and_close_are_idempotent(
    fake_chain: SubtensorSimulator, loopback_chain: LoopbackChain
) -> None:
    """Connect checks the chain once; close forgets; connecting again checks again."""
    await loopback_chain.connect()
    await loopback_chain.connect()
    assert fake_chain.requests == [("GET", "/chain")]
    await loopback_chain.close()
    await loopback_chain.close()
    await loopback_chain.connect()
    assert len(fake_chain.requests) == 2


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1:9944",
        "ws://127.0.0.1:9944",
        "http://10.0.0.5:9944",
        "http://example.com:80",
        "http://127.0.0.1",
        "http://127.0.0.1:9944/chain",
        "http://127.0.0.1:9944/?x=1",
        "http://user@127.0.0.1:9944",
        "http://127.0.0.1:notaport",
        "finney",
    ],
)
def test_only_a_loopback_url_is_accepted(url: str) -> None:
    """The client talks to the project's simulator on this machine and nothing else."""
    with pytest.raises(ValueError, match="fake chain"):
        loopback_url(url)


@pytest.mark.parametrize(
    ("url", "base"),
    [("http://127.0.0.1:9944", "http://127.0.0.1:9944"), (" http://localhost:80/ ", "http://localhost:80")],
)
def test_loopback_urls_are_normalised(url: str, base: str) -> None:
    """A trailing slash or spaces do not matter."""
    assert loopback_url(url) == base


# --- blocks ------------------------------------------------------------------------------------------
async def test_head_follows_produced_blocks(
    fake_chain: SubtensorSimulator, loopback_chain: LoopbackChain
) -> None:
    """The head is the start block, then moves only when blocks are produced (manual mode)."""
    assert await loopback_chain.head() == HEAD
    assert fake_chain.produce_blocks(3) == HEAD + 3
    assert await loopback_chain.head() == HEAD + 3


async def test_block_hashes_and_timestamps_are_deterministic(loopback_chain: LoopbackChain) -> None:
    """Hash = sha256("mining_fleet:<n>") as 0x-hex; timestamps 12 s apart in chain time."""
    expected = "0x" + hashlib.sha256(f"mining_fleet:{HEAD}".encode()).hexdigest()
    assert await loopback_chain.block_hash(HEAD) == expected
    assert await loopback_chain.block_hash(HEAD - 1) != expected
    assert await loopback_chain.timestamp(HEAD) == datetime.fromtimestamp(
        (GENESIS_MS + 12_000 * HEAD) / 1000, UTC
    )
    assert await loopback_chain.timestamp(HEAD) - await loopback_chain.timestamp(HEAD - 5) == timedelta(
        seconds=60
    )


async def test_a_future_block_is_an_error(loopback_chain: LoopbackChain) -> None:
    """Blocks past the head do not exist yet; the chain's words reach the message."""
    for read in (loopback_chain.block_hash(HEAD + 1), loopback_chain.commitments(NETUID, HEAD + 1)):
        with pytest.raises(ApiResponseError, match="not produced yet"):
            await read


async def test_an_unknown_subnet_is_an_error(loopback_chain: LoopbackChain) -> None:
    """A subnet that does not exist answers 404 for every read and for a commit."""
    for call in (
        loopback_chain.tempo(3),
        loopback_chain.neurons(3, HEAD),
        loopback_chain.set_commitment(3, b"x"),
    ):
        with pytest.raises(ApiResponseError, match="no subnet 3"):
            await call


async def test_seed_changes_hashes(
    start_fake_chain: FakeChainFactory, chain_session: aiohttp.ClientSession
) -> None:
    """Another seed gives another (still deterministic) chain."""
    simulator = await start_fake_chain(FakeChain(seed="other", start_block=10))
    client = LoopbackChain(chain_session, simulator.url, OUR_HOTKEY)
    assert await client.head() == 10
    assert await client.block_hash(0) == "0x" + hashlib.sha256(b"other:0").hexdigest()


# --- subnet parameters -------------------------------------------------------------------------------
async def test_tempo_and_split_defaults_and_changes(
    fake_chain: SubtensorSimulator, loopback_chain: LoopbackChain
) -> None:
    """Tempo 360 and split [32768, 32767] by default; the scenario can change both or unset the split."""
    assert await loopback_chain.tempo(NETUID) == 360
    assert await loopback_chain.mechanism_split(NETUID) == [32768, 32767]
    fake_chain.chain.configure_subnet(NETUID, tempo=99, mechanism_split=[65535, 0])
    assert (await loopback_chain.tempo(NETUID), await loopback_chain.mechanism_split(NETUID)) == (
        99,
        [65535, 0],
    )
    fake_chain.chain.configure_subnet(NETUID, mechanism_split=[])
    assert await loopback_chain.mechanism_split(NETUID) == []
    assert await loopback_chain.tempo(NETUID) == 99


# --- neurons -----------------------------------------------------------------------------------------
async def test_neurons_have_history(fake_chain: SubtensorSimulator, loopback_chain: LoopbackChain) -> None:
    """Registrations, stake changes and deregistrations show from their block on, not before."""
    chain = fake_chain.chain
    assert chain.register_neuron(NETUID, VALIDATOR, "1000.5") == 0
    fake_chain.produce_blocks(1)
    assert chain.register_neuron(NETUID, MINER) == 1
    chain.set_stake(NETUID, VALIDATOR, "2000.123456789")
    fake_chain.produce_blocks(1)
    chain.deregister(NETUID, VALIDATOR)
    assert await loopback_chain.neurons(NETUID, HEAD - 1) == []
    assert await loopback_chain.neurons(NETUID, HEAD) == [Neuron(VALIDATOR, 0, Decimal("1000.5"))]
    assert await loopback_chain.neurons(NETUID, HEAD + 1) == [
        Neuron(VALIDATOR, 0, Decimal("2000.123456789")),
        Neuron(MINER, 1, Decimal(0)),
    ]
    assert await loopback_chain.neurons(NETUID, HEAD + 2) == [Neuron(MINER, 1, Decimal(0))]
    assert chain.register_neuron(NETUID, fake_ss58("newcomer")) == 0  # the freed uid is reused


async def test_neurons_are_listed_by_uid(
    fake_chain: SubtensorSimulator, loopback_chain: LoopbackChain
) -> None:
    """neurons_lite lists by uid, whatever the order of registration."""
    for uid, name in ((5, "e"), (2, "b"), (9, "i")):
        fake_chain.chain.register_neuron(NETUID, fake_ss58(name), uid=uid)
    assert [neuron.uid for neuron in await loopback_chain.neurons(NETUID, HEAD)] == [2, 5, 9]


def test_neuron_scenario_mistakes_are_refused() -> None:
    """Registering twice, a taken uid, changing an unregistered hotkey or a bad stake are scenario errors."""
    chain = FakeChain()
    chain.register_neuron(NETUID, VALIDATOR, uid=3)
    with pytest.raises(ValueError, match="already registered"):
        chain.register_neuron(NETUID, VALIDATOR)
    with pytest.raises(ValueError, match="taken"):
        chain.register_neuron(NETUID, MINER, uid=3)
    with pytest.raises(ValueError, match="not registered"):
        chain.set_stake(NETUID, MINER, "1")
    for stake in ("-1", "0.0000000001", "NaN", "lots"):
        with pytest.raises(ValueError, match="stake"):
            chain.register_neuron(NETUID, MINER, stake)
    with pytest.raises(ValueError, match="numbered from 0"):
        chain.commit(NETUID, MINER, b"x", block=-1)


# --- commitments -------------------------------------------------------------------------------------
async def test_commitments_have_history(
    fake_chain: SubtensorSimulator, loopback_chain: LoopbackChain
) -> None:
    """A read at block b gives each hotkey's latest commitment made at or before b, with its block."""
    chain = fake_chain.chain
    chain.commit(NETUID, MINER, b"first", block=HEAD - 10)
    chain.commit(NETUID, MINER, b"second", block=HEAD - 5)
    chain.commit(NETUID, VALIDATOR, b"prices")
    assert await loopback_chain.commitments(NETUID, HEAD - 11) == []
    assert await loopback_chain.commitments(NETUID, HEAD - 6) == [RawCommitment(MINER, HEAD - 10, b"first")]
    by_hotkey = {entry.hotkey: entry for entry in await loopback_chain.commitments(NETUID, HEAD)}
    assert by_hotkey == {
        MINER: RawCommitment(MINER, HEAD - 5, b"second"),
        VALIDATOR: RawCommitment(VALIDATOR, HEAD, b"prices"),
    }


async def test_commitments_come_in_storage_order(
    start_fake_chain: FakeChainFactory, chain_session: aiohttp.ClientSession
) -> None:
    """The order is the hashed-key order: the same whatever the order of commits, and kept by the client."""
    names = [fake_ss58(f"miner-{index}") for index in range(12)]
    orders = []
    for ordering in (names, names[::-1]):
        simulator = await start_fake_chain()
        for hotkey in ordering:
            simulator.chain.commit(NETUID, hotkey, hotkey.encode())
        client = LoopbackChain(chain_session, simulator.url, OUR_HOTKEY)
        orders.append([entry.hotkey for entry in await client.commitments(NETUID, HEAD)])
    expected = sorted(names, key=lambda hotkey: hashlib.sha256(hotkey.encode()).digest())
    assert orders == [expected, expected]
    assert expected not in (names, sorted(names))


async def test_binary_commitments_round_trip_exactly(
    fake_chain: SubtensorSimulator, loopback_chain: LoopbackChain
) -> None:
    """Every byte value (not UTF-8, NUL, 0xFF) survives the trip both ways."""
    raw = bytes(range(256))
    fake_chain.chain.commit(NETUID, VALIDATOR, raw)
    assert (await loopback_chain.commitments(NETUID, HEAD))[0].data == raw
    fake_chain.chain.register_neuron(NETUID, OUR_HOTKEY)
    ours = b"2;b;\xff\x00\x80\xfe" + bytes(range(100, 200))
    landed = await loopback_chain.set_commitment(NETUID, ours)
    fake_chain.produce_blocks(1)
    found = {entry.hotkey: entry for entry in await loopback_chain.commitments(NETUID, landed)}
    assert found[OUR_HOTKEY] == RawCommitment(OUR_HOTKEY, landed, ours)


async def test_bid_and_prices_helpers_write_what_the_auction_reads(
    fake_chain: SubtensorSimulator, loopback_chain: LoopbackChain
) -> None:
    """A bid is the project's v2 text; prices are sorted keys, minimal decimals, 0xFF and the ban bitmap."""
    chain = fake_chain.chain
    bid = chain.commit_bid(NETUID, MINER, {"0.45": 2, "0.25": 4}, "1.0")
    prices = chain.commit_prices(
        NETUID, VALIDATOR, alpha_tao="0.250", hashp_usdc="50", tao_usdc="45.10", banned=[0, 9, 255]
    )
    assert bid == b"2;b;BTC,1=0.25:4,0.45:2"
    assert prices == b"1;p;ALPHA_TAO=0.25;HASHP_USDC=50;TAO_USDC=45.1;cap=0.4\xff" + ban_bitmap([0, 9, 255])
    assert ban_bitmap([0, 9, 255])[:2] == b"\x01\x02" and ban_bitmap([255])[31] == 0x80
    read = {entry.hotkey: entry.data for entry in await loopback_chain.commitments(NETUID, HEAD)}
    assert decode_bid(read[MINER]) == [(Decimal("0.25"), Decimal(1), 4), (Decimal("0.45"), Decimal(1), 2)]
    decoded = decode_prices(read[VALIDATOR])
    assert decoded is not None and decoded.banned == {0, 9, 255}
    assert prices_commitment(alpha_tao="1", hashp_usdc="1", tao_usdc="1").endswith(b"cap=0.4")


@pytest.mark.parametrize("value", ["-1", "NaN", "0.0000000000000000001"])
def test_prices_refuse_what_fp18_cannot_write(value: str) -> None:
    """Prices are non-negative with at most 18 decimals; bans fit the 256-bit bitmap."""
    with pytest.raises(ValueError, match="18 decimals"):
        minimal_decimal(value)


def test_the_ban_bitmap_holds_uids_below_256() -> None:
    """A uid outside the bitmap is a scenario error."""
    with pytest.raises(ValueError, match="bitmap"):
        ban_bitmap([256])


# --- set_commitment ----------------------------------------------------------------------------------
async def test_a_commit_lands_in_the_next_block(
    fake_chain: SubtensorSimulator, loopback_chain: LoopbackChain
) -> None:
    """In manual mode the reply names the next block at once; the commit shows once that block exists."""
    fake_chain.chain.register_neuron(NETUID, OUR_HOTKEY)
    assert await loopback_chain.set_commitment(NETUID, b"2;b;BTC,1=0.45:1") == HEAD + 1
    assert await loopback_chain.commitments(NETUID, HEAD) == []
    fake_chain.produce_blocks(2)
    expected = [RawCommitment(OUR_HOTKEY, HEAD + 1, b"2;b;BTC,1=0.45:1")]
    assert await loopback_chain.commitments(NETUID, HEAD + 2) == expected
    assert ("POST", f"/chain/subnets/{NETUID}/commitments") in fake_chain.requests


async def test_a_commit_is_answered_once_its_block_exists(
    start_fake_chain: FakeChainFactory, chain_session: aiohttp.ClientSession
) -> None:
    """While blocks are produced on their own, the reply waits for the block the commit landed in."""
    simulator = await start_fake_chain(block_ms=50)
    simulator.chain.register_neuron(NETUID, OUR_HOTKEY)
    client = LoopbackChain(chain_session, simulator.url, OUR_HOTKEY)
    landed = await client.set_commitment(NETUID, b"mine")
    assert simulator.chain.head >= landed
    assert await client.commitments(NETUID, landed) == [RawCommitment(OUR_HOTKEY, landed, b"mine")]


async def test_refusals_carry_the_spec_reasons(
    fake_chain: SubtensorSimulator, loopback_chain: LoopbackChain
) -> None:
    """Unregistered, too long, too soon: not_registered, rejected, rate_limited; nothing is stored."""
    with pytest.raises(CommitmentRefusedError, match="not registered") as refused:
        await loopback_chain.set_commitment(NETUID, b"x")
    assert refused.value.reason == "not_registered"
    fake_chain.chain.register_neuron(NETUID, OUR_HOTKEY)
    with pytest.raises(CommitmentRefusedError) as refused:
        await loopback_chain.set_commitment(NETUID, b"x" * 129)
    assert refused.value.reason == "rejected"
    assert await loopback_chain.set_commitment(NETUID, b"x" * 128) == HEAD + 1
    with pytest.raises(CommitmentRefusedError) as refused:  # pending in the next block already
        await loopback_chain.set_commitment(NETUID, b"y")
    assert refused.value.reason == "rate_limited"
    fake_chain.produce_blocks(99)
    with pytest.raises(CommitmentRefusedError, match="next from") as refused:
        await loopback_chain.set_commitment(NETUID, b"y")
    assert refused.value.reason == "rate_limited"
    fake_chain.produce_blocks(1)
    assert await loopback_chain.set_commitment(NETUID, b"y") == HEAD + 101


async def test_the_rate_limit_counts_scenario_commits_and_can_be_changed(
    start_fake_chain: FakeChainFactory, chain_session: aiohttp.ClientSession
) -> None:
    """A commit the scenario placed counts for the limit; rate_limit_blocks=0 lifts it."""
    simulator = await start_fake_chain(FakeChain(rate_limit_blocks=10))
    simulator.chain.register_neuron(NETUID, OUR_HOTKEY)
    simulator.chain.commit(NETUID, OUR_HOTKEY, b"old", block=HEAD - 8)
    client = LoopbackChain(chain_session, simulator.url, OUR_HOTKEY)
    with pytest.raises(CommitmentRefusedError, match="rate_limited"):
        await client.set_commitment(NETUID, b"new")
    simulator.produce_blocks(1)
    assert await client.set_commitment(NETUID, b"new") == HEAD + 2
    simulator.chain.rate_limit_blocks = 0
    assert await client.set_commitment(NETUID, b"newer") == HEAD + 2
    simulator.produce_blocks(1)
    assert (await client.commitments(NETUID, HEAD + 2))[0].data == b"newer"  # the later write wins


@pytest.mark.parametrize(
    ("scripted", "reason"),
    [
        ("space_exhausted", "space_exhausted"),
        ("insufficient_funds", "insufficient_funds"),
        ("rate_limited", "rate_limited"),
        ("something_new", "rejected"),
    ],
)
async def test_scripted_refusals(
    fake_chain: SubtensorSimulator, loopback_chain: LoopbackChain, scripted: str, reason: str
) -> None:
    """The scenario can refuse the next commits with any reason; an unknown one is "rejected"."""
    fake_chain.chain.register_neuron(NETUID, OUR_HOTKEY)
    fake_chain.chain.refuse_next(scripted)
    with pytest.raises(CommitmentRefusedError) as refused:
        await loopback_chain.set_commitment(NETUID, b"x")
    assert refused.value.reason == reason
    assert await loopback_chain.set_commitment(NETUID, b"x") == HEAD + 1


# --- long-poll ---------------------------------------------------------------------------------------
async def test_wait_for_head_returns_on_a_new_block(
    fake_chain: SubtensorSimulator, loopback_chain: LoopbackChain
) -> None:
    """The wait ends as soon as a block past `after` exists, long before `within`."""
    started = time.monotonic()
    producing = asyncio.create_task(_produce_soon(fake_chain, 2))
    assert await loopback_chain.wait_for_head(HEAD, within=10) == HEAD + 2
    await producing
    assert time.monotonic() - started < 2


async def test_wait_for_head_returns_the_head_on_timeout(
    fake_chain: SubtensorSimulator, loopback_chain: LoopbackChain
) -> None:
    """No new block within the wait: the head as it is; a head already past returns at once."""
    started = time.monotonic()
    assert await loopback_chain.wait_for_head(HEAD, within=0.3) == HEAD
    assert 0.25 < time.monotonic() - started < 2
    assert await loopback_chain.wait_for_head(HEAD - 1, within=10) == HEAD
    assert await loopback_chain.wait_for_head(HEAD, within=0) == HEAD


async def test_wait_for_head_longer_than_one_poll(
    fake_chain: SubtensorSimulator, loopback_chain: LoopbackChain, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A wait longer than the simulator holds a request is made of several polls."""
    monkeypatch.setattr("custom_components.mining_fleet.api.subtensor_loopback.MAX_WAIT_STEP", 0.1)
    producing = asyncio.create_task(_produce_soon(fake_chain, 1, delay=0.35))
    assert await loopback_chain.wait_for_head(HEAD, within=5) == HEAD + 1
    await producing
    assert sum(path.startswith("/chain/head/wait") for _, path in fake_chain.requests) >= 3


@pytest.mark.parametrize("within", [-1.0, float("nan"), float("inf")])
async def test_wait_for_head_refuses_a_meaningless_wait(loopback_chain: LoopbackChain, within: float) -> None:
    """A negative or non-finite wait is a programming error."""
    with pytest.raises(ValueError, match="within"):
        await loopback_chain.wait_for_head(HEAD, within)


async def test_blocks_come_on_their_own_and_pause(
    start_fake_chain: FakeChainFactory, chain_session: aiohttp.ClientSession
) -> None:
    """With block_ms the head moves by itself; paused it stands still; resumed it moves again."""
    simulator = await start_fake_chain(block_ms=30)
    client = LoopbackChain(chain_session, simulator.url, OUR_HOTKEY)
    assert await client.wait_for_head(HEAD, within=5) > HEAD
    simulator.pause()
    assert not simulator.producing
    head = await client.head()
    assert await client.wait_for_head(head, within=0.2) == head
    simulator.chain.register_neuron(NETUID, OUR_HOTKEY)
    assert await client.set_commitment(NETUID, b"x") == head + 1  # paused: answered at once
    simulator.resume()
    assert await client.wait_for_head(head, within=5) > head


async def test_stop_releases_a_long_poll(
    fake_chain: SubtensorSimulator, loopback_chain: LoopbackChain
) -> None:
    """Stopping the simulator answers waiting long-polls instead of holding the shutdown."""
    waiting = asyncio.create_task(loopback_chain.wait_for_head(HEAD, within=30))
    await asyncio.sleep(0.1)
    started = time.monotonic()
    await fake_chain.stop()
    with pytest.raises(ApiError):
        await waiting  # answered with the head, then the next poll finds nothing listening
    assert time.monotonic() - started < 5


# --- faults ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("fault", "error", "match"),
    [
        ("http500", ApiResponseError, "HTTP 500"),
        ("malformed_json", ApiResponseError, "malformed JSON"),
        ("wrong_shape", ApiResponseError, "no valid head"),
        ("drop", ApiConnectionError, None),
    ],
)
async def test_faults_become_api_errors(
    fake_chain: SubtensorSimulator,
    loopback_chain: LoopbackChain,
    fault: str,
    error: type[ApiError],
    match: str | None,
) -> None:
    """Each injected fault is the matching ApiError; the next request after the faults is answered."""
    fake_chain.inject_fault(fault, count=3)  # aiohttp itself may resend a GET on a dropped connection
    with pytest.raises(error, match=match):
        await loopback_chain.head()
    fake_chain.clear_faults()
    assert await loopback_chain.head() == HEAD


async def test_a_hang_is_a_timeout(
    fake_chain: SubtensorSimulator, chain_session: aiohttp.ClientSession
) -> None:
    """A request held past the client's deadline is a timeout; a short hang is only slow."""
    client = LoopbackChain(chain_session, fake_chain.url, OUR_HOTKEY, timeout=0.3)
    fake_chain.inject_fault("hang", seconds=5)
    with pytest.raises(ApiTimeoutError):
        await client.tempo(NETUID)
    fake_chain.inject_fault("hang", seconds=0.05)
    assert await client.tempo(NETUID) == 360


async def test_a_dropped_commit_is_not_resent(
    fake_chain: SubtensorSimulator, loopback_chain: LoopbackChain
) -> None:
    """A commit whose connection drops is a connection error, sent once."""
    fake_chain.chain.register_neuron(NETUID, OUR_HOTKEY)
    fake_chain.inject_fault("drop")
    with pytest.raises(ApiConnectionError):
        await loopback_chain.set_commitment(NETUID, b"x")
    assert fake_chain.requests.count(("POST", f"/chain/subnets/{NETUID}/commitments")) == 1


async def test_connect_refuses_what_is_not_the_fake_chain(
    fake_chain: SubtensorSimulator, loopback_chain: LoopbackChain
) -> None:
    """A server that answers /chain but is not the project's simulator is refused."""
    fake_chain.inject_fault("wrong_shape")
    with pytest.raises(ApiResponseError, match="not the project's fake chain"):
        await loopback_chain.connect()


def test_unknown_faults_are_refused() -> None:
    """A fault name the simulator does not know is a scenario error."""
    with pytest.raises(ValueError, match="unknown fault"):
        SubtensorSimulator().inject_fault("gremlins")


# --- control API and command line --------------------------------------------------------------------
async def _control(
    simulator: SubtensorSimulator, session: aiohttp.ClientSession, action: str, body: Any
) -> Any:
    """Post one scripting call to the control API; return status and JSON."""
    async with session.post(f"{simulator.url}/_sim/{action}", json=body) as reply:
        return reply.status, await reply.json()


async def test_the_control_api_scripts_the_chain(
    fake_chain: SubtensorSimulator, loopback_chain: LoopbackChain, chain_session: aiohttp.ClientSession
) -> None:
    """Every scripting call is reachable over HTTP; results and the head come back."""
    assert await _control(
        fake_chain, chain_session, "register_neuron", {"netuid": NETUID, "hotkey": MINER}
    ) == (
        200,
        {"result": 0, "head": HEAD},
    )
    calls: list[tuple[str, dict[str, Any]]] = [
        ("set_stake", {"netuid": NETUID, "hotkey": MINER, "stake": "12.5"}),
        ("commit", {"netuid": NETUID, "hotkey": VALIDATOR, "data": "0xff00"}),
        ("commit_bid", {"netuid": NETUID, "hotkey": MINER, "sizes": {"0.45": 1}, "price": "1"}),
        (
            "commit_prices",
            {
                "netuid": NETUID,
                "hotkey": fake_ss58("v"),
                "alpha_tao": "1",
                "hashp_usdc": "2",
                "tao_usdc": "3",
            },
        ),
        ("configure_subnet", {"netuid": NETUID, "tempo": 10}),
        ("refuse_next", {"reason": "space_exhausted", "count": 0}),
        ("inject_fault", {"kind": "http500", "count": 0}),
        ("clear_faults", {}),
        ("pause", {}),
        ("resume", {}),
        ("produce_blocks", {"count": 2}),
    ]
    for action, body in calls:
        status, reply = await _control(fake_chain, chain_session, action, body)
        assert status == 200, (action, reply)
    assert reply == {"result": HEAD + 2, "head": HEAD + 2}
    async with chain_session.get(f"{fake_chain.url}/_sim/state") as state:
        assert (await state.json())["head"] == HEAD + 2
    assert await loopback_chain.neurons(NETUID, HEAD) == [Neuron(MINER, 0, Decimal("12.5"))]
    data = {entry.hotkey: entry.data for entry in await loopback_chain.commitments(NETUID, HEAD)}
    assert data[VALIDATOR] == b"\xff\x00" and data[MINER] == b"2;b;BTC,1=0.45:1"
    assert await loopback_chain.tempo(NETUID) == 10
    await _control(fake_chain, chain_session, "deregister", {"netuid": NETUID, "hotkey": MINER})
    assert await loopback_chain.neurons(NETUID, HEAD + 2) == []


@pytest.mark.parametrize(
    ("action", "body", "status"),
    [
        ("no_such_thing", {}, 404),
        ("produce_blocks", ["not", "an", "object"], 400),
        ("produce_blocks", {"blocks": 1}, 400),
        ("commit", {"netuid": NETUID, "hotkey": MINER, "data": "plain text"}, 400),
        ("set_stake", {"netuid": NETUID, "hotkey": MINER, "stake": "1"}, 400),
    ],
)
async def test_the_control_api_refuses_mistakes(
    fake_chain: SubtensorSimulator, chain_session: aiohttp.ClientSession, action: str, body: Any, status: int
) -> None:
    """Unknown actions, bad arguments and scenario mistakes are 4xx with the reason."""
    answered, reply = await _control(fake_chain, chain_session, action, body)
    assert answered == status and reply["detail"]


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/chain/head/wait?after=x", None),
        ("GET", "/chain/head/wait?after=1&within=soon", None),
        ("GET", f"/chain/subnets/{NETUID}/commitments", None),
        ("POST", f"/chain/subnets/{NETUID}/commitments", {"hotkey": OUR_HOTKEY}),
        ("POST", f"/chain/subnets/{NETUID}/commitments", {"hotkey": "", "data": "0x00"}),
        ("POST", f"/chain/subnets/{NETUID}/commitments", {"hotkey": OUR_HOTKEY, "data": "00"}),
    ],
)
async def test_the_chain_api_refuses_bad_requests(
    fake_chain: SubtensorSimulator, chain_session: aiohttp.ClientSession, method: str, path: str, body: Any
) -> None:
    """Requests the client never sends are answered 400 with a reason."""
    async with chain_session.request(method, f"{fake_chain.url}{path}", json=body) as reply:
        assert reply.status == 400
        assert (await reply.json())["error"] == "bad_request"


async def test_the_demo_scenario_is_an_auction(
    start_fake_chain: FakeChainFactory, chain_session: aiohttp.ClientSession
) -> None:
    """The demo cast: validators with prices (one uid banned), miners with valid bids, ours registered."""
    chain = FakeChain()
    hotkeys = apply_scenario(chain, DEMO)
    simulator = await start_fake_chain(chain)
    client = LoopbackChain(chain_session, simulator.url, hotkeys["our-miner"])
    commitments = {entry.hotkey: entry.data for entry in await client.commitments(DEMO.netuid, HEAD)}
    neurons = {neuron.hotkey: neuron for neuron in await client.neurons(DEMO.netuid, HEAD)}
    assert len(neurons) == len(hotkeys) == 9 and hotkeys["our-miner"] not in commitments
    for validator in DEMO.validators:
        prices = decode_prices(commitments[hotkeys[validator.name]])
        assert prices is not None and prices.banned == set(validator.banned)
    for miner in DEMO.miners:
        assert decode_bid(commitments[hotkeys[miner.name]]) is not None
    assert neurons[hotkeys["miner-banned"]].uid == 6
    assert all(len(hotkey) == 48 and hotkey.startswith("5") for hotkey in hotkeys.values())


def test_the_command_line_serves_and_scripts_a_chain() -> None:
    """python -m simulators.subtensor prints one JSON line with its URL; --control scripts it."""
    server = subprocess.Popen(  # noqa: S603 - our own module, fixed arguments
        [sys.executable, "-m", "simulators.subtensor", "--block-ms", "0", "--scenario", "demo"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        line = json.loads(server.stdout.readline())
        assert line["url"].startswith("http://127.0.0.1:") and line["head"] == HEAD
        assert line["hotkeys"]["our-miner"] == OUR_HOTKEY
        control = [
            sys.executable,
            "-m",
            "simulators.subtensor",
            "--control",
            line["url"].removeprefix("http://"),
        ]
        done = subprocess.run(  # noqa: S603
            [*control, "--do", "produce_blocks", "--args", '{"count": 4}'],
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        )
        assert json.loads(done.stdout) == {"result": HEAD + 4, "head": HEAD + 4}
        refused = subprocess.run(  # noqa: S603
            [sys.executable, "-m", "simulators.subtensor", "--control", "10.0.0.1:80", "--do", "pause"],
            check=False,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert "127.0.0.1 only" in refused.stderr
    finally:
        server.terminate()
        server.wait(timeout=10)


# --- parsers -----------------------------------------------------------------------------------------
HOTKEYS = st.text(
    alphabet="123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz", min_size=1, max_size=48
)
COMMITMENTS = st.lists(
    st.tuples(HOTKEYS, st.integers(0, 100), st.binary(max_size=140)),
    max_size=8,
    unique_by=lambda entry: entry[0],
)
NEURONS = st.lists(
    st.tuples(HOTKEYS, st.decimals(min_value=0, max_value=10**9, places=9)),
    max_size=8,
    unique_by=lambda entry: entry[0],
)
HEX = st.binary(max_size=8).map(lambda data: "0x" + data.hex())
PARSERS = {
    "head": (parse_head, objects(["head"])),
    "block": (
        lambda reply: parse_block(reply, 5),
        objects(["number", "hash", "timestamp_ms"], {"number": st.just(5)}),
    ),
    "commitments": (
        lambda reply: parse_commitments(reply, 5),
        objects(
            [],
            {
                "block": st.just(5) | LEAVES,
                "commitments": st.lists(objects(["hotkey", "block"], {"data": HEX | LEAVES}), max_size=4)
                | LEAVES,
            },
        ),
    ),
    "neurons": (
        lambda reply: parse_neurons(reply, 5),
        objects(
            [],
            {
                "block": st.just(5) | LEAVES,
                "neurons": st.lists(objects(["hotkey", "uid", "stake"]), max_size=4) | LEAVES,
            },
        ),
    ),
    "subnet": (
        lambda reply: parse_subnet(reply, 89),
        objects(
            ["tempo"],
            {"netuid": st.just(89) | LEAVES, "mechanism_split": st.lists(LEAVES, max_size=3) | LEAVES},
        ),
    ),
    "landed": (parse_landed, objects(["block"])),
}


@pytest.mark.parametrize("name", list(PARSERS))
def test_every_parser_returns_a_value_or_our_error(name: str) -> None:
    """Generated replies of every shape: a parsed value or ApiResponseError, never anything else."""
    parse, replies = PARSERS[name]

    @settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(replies)
    def check(reply: Any) -> None:
        try:
            parse(reply)
        except ApiResponseError:
            return

    check()


@settings(max_examples=200, deadline=None)
@given(JSON)
def test_a_refusal_is_always_a_refusal(reply: Any) -> None:
    """Whatever a 409 carries, it is a CommitmentRefusedError with a reason key."""
    error = parse_refusal(reply)
    assert error.reason in {
        "rate_limited",
        "not_registered",
        "space_exhausted",
        "insufficient_funds",
        "rejected",
    }


@settings(max_examples=200, deadline=None)
@given(COMMITMENTS)
def test_commitments_round_trip(entries: list[tuple[str, int, bytes]]) -> None:
    """What the simulator sends is parsed back exactly, in the order sent."""
    reply = {
        "block": 100,
        "commitments": [{"hotkey": h, "block": b, "data": "0x" + d.hex()} for h, b, d in entries],
    }
    assert parse_commitments(reply, 100) == [RawCommitment(*entry) for entry in entries]


@settings(max_examples=200, deadline=None)
@given(NEURONS)
def test_neurons_round_trip(entries: list[tuple[str, Decimal]]) -> None:
    """Stakes in whole rao come back as the same Decimal."""
    reply = {
        "block": 7,
        "neurons": [{"hotkey": h, "uid": uid, "stake": format(s, "f")} for uid, (h, s) in enumerate(entries)],
    }
    assert parse_neurons(reply, 7) == [Neuron(h, uid, s) for uid, (h, s) in enumerate(entries)]


@pytest.mark.parametrize(
    ("parse", "reply", "match"),
    [
        (lambda r: parse_commitments(r, 5), {"block": 4, "commitments": []}, "another block"),
        (lambda r: parse_commitments(r, 5), {"block": 5, "commitments": {}}, "no commitments list"),
        (
            lambda r: parse_commitments(r, 5),
            {"block": 5, "commitments": [{"hotkey": "a", "block": 6, "data": "0x"}]},
            "after 5",
        ),
        (
            lambda r: parse_commitments(r, 5),
            {"block": 5, "commitments": [{"hotkey": "a", "block": 1, "data": "0x1"}]},
            "0x-hex",
        ),
        (
            lambda r: parse_commitments(r, 5),
            {"block": 5, "commitments": [{"hotkey": "a", "block": 1, "data": "0x"}] * 2},
            "twice",
        ),
        (
            lambda r: parse_commitments(r, 5),
            {"block": 5, "commitments": [{"hotkey": "a\n", "block": 1, "data": "0x"}]},
            "hotkey",
        ),
        (
            lambda r: parse_commitments(r, 5),
            {"block": 5, "commitments": [{"hotkey": "a" * 65, "block": 1, "data": "0x"}]},
            "hotkey",
        ),
        (
            lambda r: parse_neurons(r, 5),
            {"block": 5, "neurons": [{"hotkey": "a", "uid": 1, "stake": 1.5}]},
            "decimal text",
        ),
        (
            lambda r: parse_neurons(r, 5),
            {"block": 5, "neurons": [{"hotkey": "a", "uid": 1, "stake": "1e3"}]},
            "decimal text",
        ),
        (
            lambda r: parse_neurons(r, 5),
            {"block": 5, "neurons": [{"hotkey": "a", "uid": True, "stake": "1"}]},
            "uid",
        ),
        (
            lambda r: parse_neurons(r, 5),
            {
                "block": 5,
                "neurons": [{"hotkey": "a", "uid": 1, "stake": "1"}, {"hotkey": "b", "uid": 1, "stake": "1"}],
            },
            "uid twice",
        ),
        (lambda r: parse_block(r, 5), {"number": 6}, "another block"),
        (lambda r: parse_block(r, 5), {"number": 5, "hash": "0x12", "timestamp_ms": 1}, "32-byte"),
        (
            lambda r: parse_block(r, 5),
            {"number": 5, "hash": "0x" + "a" * 64, "timestamp_ms": -1},
            "timestamp",
        ),
        (lambda r: parse_subnet(r, 89), {"netuid": 88, "tempo": 360}, "another subnet"),
        (lambda r: parse_subnet(r, 89), {"netuid": 89, "tempo": 1.5}, "tempo"),
        (lambda r: parse_subnet(r, 89), {"netuid": 89, "tempo": 360, "mechanism_split": [1, 65536]}, "u16"),
        (lambda r: parse_subnet(r, 89), {"netuid": 89, "tempo": 360, "mechanism_split": "1,2"}, "u16"),
        (parse_head, {"head": 2**32}, "head"),
        (parse_head, {"head": "7"}, "head"),
    ],
)
def test_impossible_replies_are_named(parse: Any, reply: Any, match: str) -> None:
    """A reply the chain could not have sent is a response error saying what is wrong."""
    with pytest.raises(ApiResponseError, match=match):
        parse(reply)


def test_odd_but_valid_replies_parse() -> None:
    """An unset split may come as null; hashes in capitals are lowered; a far timestamp is still a date."""
    assert parse_subnet({"netuid": 89, "tempo": 360, "mechanism_split": None}, 89) == (360, [])
    block_hash = "0x" + "AB" * 32
    assert (
        parse_block({"number": 5, "hash": block_hash, "timestamp_ms": 253_402_300_799_999}, 5)[0]
        == block_hash.lower()
    )
    assert parse_refusal({"error": "rate_limited", "detail": "x" * 500}).detail == "x" * 200
    assert parse_refusal({"error": "NewThing", "detail": "why"}).detail == "NewThing: why"
