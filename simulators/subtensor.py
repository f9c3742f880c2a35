"""A fake Bittensor chain (subtensor) for the subnet-89 auction, as JSON over HTTP on 127.0.0.1.

It is the project's simulator, not a chain: no consensus, no crypto (a commit is "signed" by naming
its hotkey), no finality. It models what the auction reads and the one thing it writes:

- Blocks: the chain starts at `start_block` (default 7,500,000, so the live chain's block-dependent
  auction rules apply) and every block up to the head exists. A block's hash is sha256 of
  "<seed>:<number>" as 0x-hex; its timestamp is chain time, `genesis_ms + 12,000 * number` ms,
  whatever the real pace of production (`block_ms`; None or 0 means blocks come only from
  `produce_blocks`).
- Per subnet: tempo (360), MechanismEmissionSplit ([32768, 32767]), neurons (hotkey, uid, stake in
  TAO) and commitments, both with history, so a read at an older block answers as the chain did then.
- Storage order: commitments are listed in the order of sha256(hotkey), like the chain's hashed
  map keys: stable, but neither insertion nor alphabetical order. Neurons are listed by uid.
- Scenario helpers (register, stake, commit raw bytes / a bid / prices) take effect at the current
  head unless given `block=`; they write history directly and skip the commit rules.
- set_commitment over HTTP follows the chain's rules: the hotkey must be registered
  ("not_registered"), the data at most 128 bytes ("rejected"), and a hotkey commits at most once per
  `rate_limit_blocks` blocks, default 100 ("rate_limited"). A commit lands in the next block. While
  blocks are being produced, the reply comes once that block exists; in manual mode, or paused, it
  comes at once with the number of the block the commit will land in (produce it to see it).
- Faults: the next N chain requests can answer 500, malformed JSON, JSON of the wrong shape, hang,
  or drop the connection; the next N commits can be refused with a given reason.

Control: the same scenario helpers over POST /_sim/<action> (a JSON object of arguments), and
`python -m simulators.subtensor --control 127.0.0.1:PORT --do ACTION --args JSON`.
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Mapping
import contextlib
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
import hashlib
import json
from typing import Any

import aiohttp
from aiohttp import web

from custom_components.mining_fleet.logic.auction import encode_bid

from .server import LOOPBACK, LoopbackServer, RecentLog

CHAIN_NAME = "mining_fleet loopback subtensor"
DEFAULT_START_BLOCK = 7_500_000
GENESIS_MS = 1_680_000_000_000  # block 7,500,000 then falls in early 2026
BLOCK_MS_CHAIN_TIME = 12_000
DEFAULT_TEMPO = 360
DEFAULT_SPLIT = (32768, 32767)
DEFAULT_RATE_LIMIT_BLOCKS = 100
MAX_COMMITMENT_BYTES = 128
MAX_WAIT_SECONDS = 60.0  # a long-poll never holds a request longer than this
BITMAP_BYTES = 32

# Why the chain refuses a commit: the keys the integration translates (written from the spec).
NOT_REGISTERED, RATE_LIMITED, REJECTED = "not_registered", "rate_limited", "rejected"
FAULTS = ("http500", "malformed_json", "wrong_shape", "hang", "drop")

type History[T] = list[tuple[int, T]]


class CommitRefused(Exception):
    """The chain refused a commit; `reason` is one of the spec's reason keys."""

    def __init__(self, reason: str, detail: str) -> None:
        """Keep the reason key and the chain's own words."""
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


def _latest[T](history: History[T], block: int) -> tuple[int, T] | None:
    """Return the newest entry made at or before a block."""
    index = bisect.bisect_right(history, block, key=lambda entry: entry[0])
    return history[index - 1] if index else None


def _record[T](history: History[T], block: int, value: T) -> None:
    """Add an entry in block order (after entries of the same block: the later write wins)."""
    history.insert(bisect.bisect_right(history, block, key=lambda entry: entry[0]), (block, value))


def _storage_key(hotkey: str) -> bytes:
    """Return where a hotkey's entry sits in the hashed storage map."""
    return hashlib.sha256(hotkey.encode()).digest()


def minimal_decimal(value: Decimal | str) -> str:
    """Write a number as the subnet does: no exponent, no trailing zeros, no trailing dot."""
    number = Decimal(value)
    if not number.is_finite() or number < 0 or number.as_tuple().exponent < -18:  # type: ignore[operator]
        raise ValueError(f"{value} is not a non-negative number with at most 18 decimals")
    return format(number.normalize(), "f")


def ban_bitmap(uids: Iterable[int]) -> bytes:
    """Return the 32-byte bitmap marking uids: bit uid % 8 of byte uid // 8."""
    bitmap = bytearray(BITMAP_BYTES)
    for uid in uids:
        if not 0 <= uid < BITMAP_BYTES * 8:
            raise ValueError(f"uid {uid} does not fit the ban bitmap")
        bitmap[uid // 8] |= 1 << uid % 8
    return bytes(bitmap)


def prices_commitment(
    *,
    alpha_tao: Decimal | str,
    hashp_usdc: Decimal | str,
    tao_usdc: Decimal | str,
    cap: Decimal | str = "0.4",
    banned: Iterable[int] | None = None,
) -> bytes:
    """Return a validator's "1;p;..." commitment (keys sorted), with 0xFF and the bitmap when banned is given."""
    values = {"ALPHA_TAO": alpha_tao, "HASHP_USDC": hashp_usdc, "TAO_USDC": tao_usdc, "cap": cap}
    text = "1;p;" + ";".join(f"{key}={minimal_decimal(values[key])}" for key in sorted(values))
    return text.encode() + (b"" if banned is None else b"\xff" + ban_bitmap(banned))


def fake_ss58(name: str) -> str:
    """Return a stable, ss58-looking address for a scenario name (not a real key)."""
    alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
    number = int.from_bytes(hashlib.sha512(name.encode()).digest())
    digits = []
    while number:
        number, digit = divmod(number, 58)
        digits.append(alphabet[digit])
    return "5" + "".join(digits)[:47]


@dataclass
class Subnet:
    """One subnet's parameters and its neurons' and commitments' histories."""

    tempo: int = DEFAULT_TEMPO
    mechanism_split: list[int] = field(default_factory=lambda: list(DEFAULT_SPLIT))  # []: not set
    # hotkey -> (uid, stake) per block; None from the block it was deregistered.
    neurons: dict[str, History[tuple[int, Decimal] | None]] = field(default_factory=dict)
    commitments: dict[str, History[bytes]] = field(default_factory=dict)

    def neuron_at(self, hotkey: str, block: int) -> tuple[int, Decimal] | None:
        """Return a hotkey's (uid, stake) at a block, or None when it was not registered."""
        entry = _latest(self.neurons.get(hotkey, []), block)
        return None if entry is None else entry[1]


@dataclass(frozen=True, slots=True)
class ChainNeuron:
    """A neuron as the chain lists it."""

    hotkey: str
    uid: int
    stake: Decimal


@dataclass(frozen=True, slots=True)
class ChainCommitment:
    """A commitment as the chain stores it: raw bytes and the block it was made in."""

    hotkey: str
    block: int
    data: bytes


class FakeChain:
    """The chain's state, scripted by tests and the demo; synchronous, and free of HTTP."""

    def __init__(
        self,
        *,
        start_block: int = DEFAULT_START_BLOCK,
        seed: str = "mining_fleet",
        genesis_ms: int = GENESIS_MS,
        rate_limit_blocks: int = DEFAULT_RATE_LIMIT_BLOCKS,
    ) -> None:
        """Start with blocks 0 to start_block produced and no subnets."""
        self.head = start_block
        self.seed = seed
        self.genesis_ms = genesis_ms
        self.rate_limit_blocks = rate_limit_blocks
        self.subnets: dict[int, Subnet] = {}
        self._pending: list[tuple[int, str, bytes]] = []
        self._refusals: deque[str] = deque()
        self._listeners: list[Callable[[int], None]] = []

    # --- blocks ------------------------------------------------------------------------------
    def block_hash(self, block: int) -> str:
        """Return a block's hash: 0x-hex sha256 of "<seed>:<number>"."""
        return "0x" + hashlib.sha256(f"{self.seed}:{block}".encode()).hexdigest()

    def timestamp_ms(self, block: int) -> int:
        """Return a block's timestamp in chain time (12 s a block)."""
        return self.genesis_ms + BLOCK_MS_CHAIN_TIME * block

    def produce_blocks(self, count: int = 1) -> int:
        """Produce blocks (pending commits land in the first) and return the new head."""
        for _ in range(count):
            self.head += 1
            pending, self._pending = self._pending, []
            for netuid, hotkey, data in pending:
                _record(self.subnet(netuid).commitments.setdefault(hotkey, []), self.head, data)
            for listener in self._listeners:
                listener(self.head)
        return self.head

    def add_listener(self, listener: Callable[[int], None]) -> None:
        """Call listener(head) after every new block."""
        self._listeners.append(listener)

    # --- subnets and neurons -----------------------------------------------------------------
    def subnet(self, netuid: int) -> Subnet:
        """Return a subnet, creating it with the defaults on first use."""
        return self.subnets.setdefault(netuid, Subnet())

    def configure_subnet(
        self, netuid: int, *, tempo: int | None = None, mechanism_split: list[int] | None = None
    ) -> None:
        """Set a subnet's tempo and MechanismEmissionSplit ([] means not set; None keeps the value)."""
        subnet = self.subnet(netuid)
        if tempo is not None:
            subnet.tempo = tempo
        if mechanism_split is not None:
            subnet.mechanism_split = list(mechanism_split)

    def register_neuron(
        self,
        netuid: int,
        hotkey: str,
        stake: Decimal | str = "0",
        *,
        uid: int | None = None,
        block: int | None = None,
    ) -> int:
        """Register a hotkey (the lowest free uid unless given) with a stake in TAO; return its uid."""
        subnet, at = self.subnet(netuid), self._at(block)
        if subnet.neuron_at(hotkey, at) is not None:
            raise ValueError(f"{hotkey} is already registered on subnet {netuid}")
        taken = {neuron.uid for neuron in self.neurons_at(netuid, at)}
        uid = min(set(range(len(taken) + 1)) - taken) if uid is None else uid
        if uid in taken:
            raise ValueError(f"uid {uid} is taken on subnet {netuid}")
        _record(subnet.neurons.setdefault(hotkey, []), at, (uid, _stake(stake)))
        return uid

    def set_stake(self, netuid: int, hotkey: str, stake: Decimal | str, *, block: int | None = None) -> None:
        """Change a registered hotkey's stake (TAO)."""
        uid, _ = self._registered(netuid, hotkey, self._at(block))
        _record(self.subnet(netuid).neurons[hotkey], self._at(block), (uid, _stake(stake)))

    def deregister(self, netuid: int, hotkey: str, *, block: int | None = None) -> None:
        """Remove a hotkey from the subnet (its uid becomes free; its commitment stays in storage)."""
        self._registered(netuid, hotkey, self._at(block))
        _record(self.subnet(netuid).neurons[hotkey], self._at(block), None)

    def neurons_at(self, netuid: int, block: int) -> list[ChainNeuron]:
        """Return the subnet's neurons at a block, by uid."""
        subnet = self.subnets.get(netuid, Subnet())
        found = [
            ChainNeuron(hotkey, *neuron)
            for hotkey in subnet.neurons
            if (neuron := subnet.neuron_at(hotkey, block)) is not None
        ]
        return sorted(found, key=lambda neuron: neuron.uid)

    def _registered(self, netuid: int, hotkey: str, block: int) -> tuple[int, Decimal]:
        """Return a registered hotkey's (uid, stake), or refuse a change to one that is not."""
        neuron = self.subnet(netuid).neuron_at(hotkey, block)
        if neuron is None:
            raise ValueError(f"{hotkey} is not registered on subnet {netuid}")
        return neuron

    def _at(self, block: int | None) -> int:
        """Return the block a scenario change is made in (the head unless given)."""
        if block is not None and block < 0:
            raise ValueError("blocks are numbered from 0")
        return self.head if block is None else block

    # --- commitments -------------------------------------------------------------------------
    def commit(self, netuid: int, hotkey: str, data: bytes, *, block: int | None = None) -> bytes:
        """Store raw commitment bytes for any hotkey, without the chain's rules; return them."""
        _record(self.subnet(netuid).commitments.setdefault(hotkey, []), self._at(block), bytes(data))
        return bytes(data)

    def commit_bid(
        self,
        netuid: int,
        hotkey: str,
        sizes: Mapping[str, int] | Mapping[Decimal, int],
        price: Decimal | str,
        *,
        block: int | None = None,
    ) -> bytes:
        """Commit a miner's v2 bid (worker sizes in PH and their counts, one price) as the project encodes it."""
        text = encode_bid({Decimal(size): count for size, count in sizes.items()}, price)
        return self.commit(netuid, hotkey, text.encode(), block=block)

    def commit_prices(
        self,
        netuid: int,
        hotkey: str,
        *,
        alpha_tao: Decimal | str,
        hashp_usdc: Decimal | str,
        tao_usdc: Decimal | str,
        cap: Decimal | str = "0.4",
        banned: Iterable[int] | None = None,
        block: int | None = None,
    ) -> bytes:
        """Commit a validator's prices, with a ban bitmap when banned is given (even empty)."""
        data = prices_commitment(
            alpha_tao=alpha_tao, hashp_usdc=hashp_usdc, tao_usdc=tao_usdc, cap=cap, banned=banned
        )
        return self.commit(netuid, hotkey, data, block=block)

    def commitments_at(self, netuid: int, block: int) -> list[ChainCommitment]:
        """Return each hotkey's latest commitment made at or before a block, in storage order."""
        found, stored = [], self.subnets.get(netuid, Subnet()).commitments
        for hotkey in sorted(stored, key=_storage_key):
            entry = _latest(stored[hotkey], block)
            if entry is not None:
                found.append(ChainCommitment(hotkey, *entry))
        return found

    def submit_commitment(self, netuid: int, hotkey: str, data: bytes) -> int:
        """Accept a signed commit for the next block and return that block's number, or raise CommitRefused."""
        landing = self.head + 1
        if self._refusals:
            raise CommitRefused(self._refusals.popleft(), "refused as the scenario asked")
        if self.subnet(netuid).neuron_at(hotkey, self.head) is None:
            raise CommitRefused(NOT_REGISTERED, f"{hotkey} is not registered on subnet {netuid}")
        if len(data) > MAX_COMMITMENT_BYTES:
            raise CommitRefused(REJECTED, f"{len(data)} bytes is more than {MAX_COMMITMENT_BYTES}")
        last = self._last_commit_block(netuid, hotkey)
        if last is not None and landing - last < self.rate_limit_blocks:
            raise CommitRefused(
                RATE_LIMITED, f"last commit in block {last}; next from {last + self.rate_limit_blocks}"
            )
        self._pending.append((netuid, hotkey, bytes(data)))
        return landing

    def _last_commit_block(self, netuid: int, hotkey: str) -> int | None:
        """Return the block of a hotkey's newest commit, a pending one included."""
        if any((pending[0], pending[1]) == (netuid, hotkey) for pending in self._pending):
            return self.head + 1
        history = self.subnet(netuid).commitments.get(hotkey)
        return history[-1][0] if history else None

    def refuse_next(self, reason: str, count: int = 1) -> None:
        """Refuse the next commits with a reason (e.g. "space_exhausted", "insufficient_funds")."""
        self._refusals.extend([reason] * count)


def _stake(value: Decimal | str) -> Decimal:
    """Return a stake in TAO: non-negative, in whole rao (9 decimals)."""
    try:
        stake = Decimal(value)
    except InvalidOperation as err:
        raise ValueError(f"{value!r} is not a stake") from err
    if not stake.is_finite() or stake < 0 or stake != stake.quantize(Decimal("1e-9")):
        raise ValueError(f"{value} is not a stake in whole rao")
    return stake


@dataclass
class _Fault:
    """One injected fault, for one request."""

    kind: str
    seconds: float


class SubtensorSimulator(LoopbackServer):
    """Serve a FakeChain over JSON HTTP on 127.0.0.1, producing blocks every block_ms (None: on demand)."""

    def __init__(self, chain: FakeChain | None = None, *, block_ms: int | None = None) -> None:
        """Serve the given chain (a new default one unless given)."""
        super().__init__()
        self.chain = chain or FakeChain()
        self.block_ms = block_ms or None
        self.paused = False
        # Every chain request: method and path with query.
        self.requests: RecentLog[tuple[str, str]] = RecentLog()
        self._faults: deque[_Fault] = deque()
        self._new_block = asyncio.Event()
        self._producer: asyncio.Task[None] | None = None
        self.chain.add_listener(self._on_block)

    @property
    def url(self) -> str:
        """Return the base URL clients use."""
        return f"http://{self.host}"

    @property
    def producing(self) -> bool:
        """Return whether blocks are being produced on their own right now."""
        return self._producer is not None and not self.paused

    async def start(self, port: int = 0) -> None:
        """Serve, and start producing blocks unless in manual mode."""
        await super().start(port)
        if self.block_ms:
            self._producer = asyncio.create_task(self._produce(self.block_ms / 1000))

    async def stop(self) -> None:
        """Stop producing and serving; release long-polls and waiting commits."""
        if self._producer:
            self._producer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._producer
            self._producer = None
        self._release_hangs.set()
        self._new_block.set()
        await super().stop()

    async def _produce(self, seconds: float) -> None:
        """Produce one block every `seconds` while not paused."""
        while True:
            await asyncio.sleep(seconds)
            if not self.paused:
                self.chain.produce_blocks(1)

    def _on_block(self, head: int) -> None:
        """Wake everything waiting for a new block."""
        self._new_block.set()
        self._new_block = asyncio.Event()

    # --- scripting ---------------------------------------------------------------------------
    def produce_blocks(self, count: int = 1) -> int:
        """Produce blocks now (in any mode) and return the new head."""
        return self.chain.produce_blocks(count)

    def pause(self) -> None:
        """Stop producing blocks on their own."""
        self.paused = True

    def resume(self) -> None:
        """Produce blocks on their own again."""
        self.paused = False

    def inject_fault(self, kind: str, count: int = 1, *, seconds: float = 30.0) -> None:
        """Break the next `count` chain requests: http500, malformed_json, wrong_shape, hang (seconds), drop."""
        if kind not in FAULTS:
            raise ValueError(f"unknown fault {kind}; one of {', '.join(FAULTS)}")
        self._faults.extend(_Fault(kind, seconds) for _ in range(count))

    def clear_faults(self) -> None:
        """Answer every request normally again."""
        self._faults.clear()

    async def wait_for_head(self, after: int, within: float) -> int:
        """Return the head once it is past `after`, or as it is after `within` seconds (or at stop)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while self.chain.head <= after and not self._release_hangs.is_set():
            remaining = deadline - loop.time()
            if remaining <= 0:
                break
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._new_block.wait(), remaining)
        return self.chain.head

    # --- HTTP --------------------------------------------------------------------------------
    def build_app(self) -> web.Application:
        """Return the chain's routes and the control routes."""
        app = web.Application(middlewares=[self._faults_middleware])
        app.router.add_get("/chain", self._hello)
        app.router.add_get("/chain/head", self._head)
        app.router.add_get("/chain/head/wait", self._wait_head)
        app.router.add_get(r"/chain/blocks/{number:\d+}", self._block)
        app.router.add_get(r"/chain/subnets/{netuid:\d+}", self._subnet)
        app.router.add_get(r"/chain/subnets/{netuid:\d+}/commitments", self._commitments)
        app.router.add_post(r"/chain/subnets/{netuid:\d+}/commitments", self._set_commitment)
        app.router.add_get(r"/chain/subnets/{netuid:\d+}/neurons", self._neurons)
        app.router.add_get("/_sim/state", self._state)
        app.router.add_post("/_sim/{action}", self._control)
        return app

    @web.middleware
    async def _faults_middleware(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        """Record chain requests and break the next ones as injected; control requests pass untouched."""
        if request.path.startswith("/_sim/"):
            return await handler(request)
        self.requests.append((request.method, request.path_qs))
        fault = self._faults.popleft() if self._faults else None
        if fault is None:
            return await handler(request)
        if fault.kind == "hang":
            await self.hang(fault.seconds)
            return await handler(request)
        if fault.kind == "drop":
            raise self.drop_connection(request)
        if fault.kind == "malformed_json":
            return web.Response(text='{"head": 12', content_type="application/json")
        if fault.kind == "wrong_shape":
            return web.json_response(["not", "what", "was", "asked"])
        return web.Response(status=500, text="internal error")

    async def _hello(self, request: web.Request) -> web.Response:
        """GET /chain: say what this is."""
        return web.json_response({"chain": CHAIN_NAME, "head": self.chain.head})

    async def _head(self, request: web.Request) -> web.Response:
        """GET /chain/head."""
        return web.json_response({"head": self.chain.head})

    async def _wait_head(self, request: web.Request) -> web.Response:
        """GET /chain/head/wait?after=N&within=SECONDS (at most 60 s): the head once past N."""
        after = _query_int(request, "after")
        try:
            within = min(max(float(request.query.get("within", "0")), 0.0), MAX_WAIT_SECONDS)
        except ValueError:
            raise _error(400, "bad_request", "within must be a number of seconds") from None
        return web.json_response({"head": await self.wait_for_head(after, within)})

    async def _block(self, request: web.Request) -> web.Response:
        """GET /chain/blocks/N: its hash and timestamp (ms)."""
        number = self._produced(int(request.match_info["number"]))
        return web.json_response(
            {
                "number": number,
                "hash": self.chain.block_hash(number),
                "timestamp_ms": self.chain.timestamp_ms(number),
            }
        )

    async def _subnet(self, request: web.Request) -> web.Response:
        """GET /chain/subnets/NETUID: tempo and MechanismEmissionSplit at the head."""
        netuid = int(request.match_info["netuid"])
        subnet = self._known_subnet(netuid)
        return web.json_response(
            {"netuid": netuid, "tempo": subnet.tempo, "mechanism_split": subnet.mechanism_split}
        )

    async def _commitments(self, request: web.Request) -> web.Response:
        """GET /chain/subnets/NETUID/commitments?block=B: every CommitmentOf at B, in storage order."""
        netuid, block = self._subnet_and_block(request)
        found = self.chain.commitments_at(netuid, block)
        return web.json_response(
            {
                "block": block,
                "commitments": [
                    {"hotkey": entry.hotkey, "block": entry.block, "data": "0x" + entry.data.hex()}
                    for entry in found
                ],
            }
        )

    async def _neurons(self, request: web.Request) -> web.Response:
        """GET /chain/subnets/NETUID/neurons?block=B: hotkey, uid and stake (TAO, decimal text) by uid."""
        netuid, block = self._subnet_and_block(request)
        neurons = self.chain.neurons_at(netuid, block)
        return web.json_response(
            {
                "block": block,
                "neurons": [
                    {"hotkey": neuron.hotkey, "uid": neuron.uid, "stake": format(neuron.stake, "f")}
                    for neuron in neurons
                ],
            }
        )

    async def _set_commitment(self, request: web.Request) -> web.Response:
        """POST /chain/subnets/NETUID/commitments {"hotkey", "data": 0x-hex}: {"block"} it lands in, or 409."""
        netuid = int(request.match_info["netuid"])
        self._known_subnet(netuid)
        hotkey, data = await _commit_body(request)
        try:
            landing = self.chain.submit_commitment(netuid, hotkey, data)
        except CommitRefused as refused:
            raise _error(409, refused.reason, refused.detail) from None
        if self.producing:
            await self.wait_for_head(landing - 1, MAX_WAIT_SECONDS)
        return web.json_response({"block": landing})

    def _subnet_and_block(self, request: web.Request) -> tuple[int, int]:
        """Return the netuid and ?block= of a read, refusing an unknown subnet or a future block."""
        netuid = int(request.match_info["netuid"])
        self._known_subnet(netuid)
        return netuid, self._produced(_query_int(request, "block"))

    def _known_subnet(self, netuid: int) -> Subnet:
        """Return a subnet that exists, or answer 404."""
        if netuid not in self.chain.subnets:
            raise _error(404, "unknown_subnet", f"there is no subnet {netuid}")
        return self.chain.subnets[netuid]

    def _produced(self, block: int) -> int:
        """Return a block number that exists, or answer 404."""
        if block > self.chain.head:
            raise _error(404, "unknown_block", f"block {block} is not produced yet (head {self.chain.head})")
        return block

    # --- control -----------------------------------------------------------------------------
    async def _state(self, request: web.Request) -> web.Response:
        """GET /_sim/state: head, production and the subnets."""
        return web.json_response(
            {
                "head": self.chain.head,
                "block_ms": self.block_ms,
                "producing": self.producing,
                "subnets": sorted(self.chain.subnets),
                "faults": [fault.kind for fault in self._faults],
            }
        )

    def _actions(self) -> dict[str, Callable[..., Any]]:
        """Return the scripting calls the control API offers, by name."""
        chain = self.chain
        return {
            "produce_blocks": self.produce_blocks,
            "pause": self.pause,
            "resume": self.resume,
            "inject_fault": self.inject_fault,
            "clear_faults": self.clear_faults,
            "configure_subnet": chain.configure_subnet,
            "register_neuron": chain.register_neuron,
            "set_stake": chain.set_stake,
            "deregister": chain.deregister,
            "commit": lambda data, **kwargs: chain.commit(data=_hex_bytes(data), **kwargs),
            "commit_bid": chain.commit_bid,
            "commit_prices": chain.commit_prices,
            "refuse_next": chain.refuse_next,
        }

    async def _control(self, request: web.Request) -> web.Response:
        """POST /_sim/ACTION {arguments}: run a scripting call and answer its result and the head."""
        action = self._actions().get(request.match_info["action"])
        if action is None:
            raise _error(404, "unknown_action", f"actions: {', '.join(self._actions())}")
        try:
            arguments = await request.json() if request.can_read_body else {}
            if not isinstance(arguments, dict):
                raise TypeError("the arguments must be a JSON object")
            result = action(**arguments)
        except (TypeError, ValueError, KeyError) as err:
            raise _error(400, "bad_request", str(err)) from None
        if isinstance(result, bytes):
            result = "0x" + result.hex()
        return web.json_response({"result": result, "head": self.chain.head})


def _error(status: int, error: str, detail: str) -> web.HTTPException:
    """Return an HTTP error (400, 404 or 409) with a JSON body {"error", "detail"}."""
    kinds: dict[int, type[web.HTTPException]] = {
        400: web.HTTPBadRequest,
        404: web.HTTPNotFound,
        409: web.HTTPConflict,
    }
    body = json.dumps({"error": error, "detail": detail})
    return kinds[status](text=body, content_type="application/json")


def _query_int(request: web.Request, name: str) -> int:
    """Return a non-negative integer query parameter, or answer 400."""
    value = request.query.get(name, "")
    if not value.isdecimal():
        raise _error(400, "bad_request", f"{name} must be a block number")
    return int(value)


def _hex_bytes(value: Any) -> bytes:
    """Return the bytes of a 0x-hex string (ValueError otherwise)."""
    if not isinstance(value, str) or not value.startswith("0x"):
        raise ValueError("bytes travel as 0x-hex")
    return bytes.fromhex(value[2:])


async def _commit_body(request: web.Request) -> tuple[str, bytes]:
    """Return the hotkey that signs a commit and the bytes committed, or answer 400."""
    try:
        body = await request.json()
        hotkey, data = body["hotkey"], _hex_bytes(body["data"])
    except (ValueError, KeyError, TypeError):
        raise _error(400, "bad_request", 'send {"hotkey": ss58, "data": 0x-hex}') from None
    if not isinstance(hotkey, str) or not hotkey:
        raise _error(400, "bad_request", "the hotkey must be an address")
    return hotkey, data


# --- scenarios -------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ScenarioValidator:
    """A validator: its stake (TAO), its prices and the uids it bans."""

    name: str
    stake: str
    alpha_tao: str
    hashp_usdc: str
    tao_usdc: str
    cap: str = "0.4"
    banned: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class ScenarioMiner:
    """A miner and its bid: worker sizes (PH) with counts, at one price."""

    name: str
    sizes: Mapping[str, int]
    price: str


@dataclass(frozen=True, slots=True)
class Scenario:
    """A subnet's cast, registered in order (validators, miners, then ours, which has no commitment)."""

    netuid: int
    validators: tuple[ScenarioValidator, ...]
    miners: tuple[ScenarioMiner, ...]
    ours: str


# Budget at these prices and the default split: about 133 PH. Miner uid 6 is banned by validators
# holding more than half the stake; uid 7 asks more than 1.05 and is dropped before the solver.
DEMO = Scenario(
    netuid=89,
    validators=(
        ScenarioValidator("validator-a", "120000", "0.25", "50", "45", banned=(6,)),
        ScenarioValidator("validator-b", "80000", "0.26", "49.5", "44.8", banned=(6,)),
        ScenarioValidator("validator-c", "30000", "0.24", "51", "46", banned=()),
    ),
    miners=(
        ScenarioMiner("miner-1", {"0.45": 80}, "0.95"),
        ScenarioMiner("miner-2", {"0.45": 60, "0.25": 4}, "1"),
        ScenarioMiner("miner-3", {"0.4": 100}, "1.02"),
        ScenarioMiner("miner-banned", {"0.45": 50}, "0.9"),
        ScenarioMiner("miner-pricey", {"0.45": 40}, "1.08"),
    ),
    ours="our-miner",
)
SCENARIOS = {"demo": DEMO}


def apply_scenario(chain: FakeChain, scenario: Scenario) -> dict[str, str]:
    """Register the scenario's cast at the head, commit their prices and bids; return hotkeys by name."""
    netuid, hotkeys = scenario.netuid, {}
    chain.subnet(netuid)
    for validator in scenario.validators:
        hotkeys[validator.name] = hotkey = fake_ss58(validator.name)
        chain.register_neuron(netuid, hotkey, validator.stake)
        chain.commit_prices(
            netuid,
            hotkey,
            alpha_tao=validator.alpha_tao,
            hashp_usdc=validator.hashp_usdc,
            tao_usdc=validator.tao_usdc,
            cap=validator.cap,
            banned=validator.banned,
        )
    for miner in scenario.miners:
        hotkeys[miner.name] = hotkey = fake_ss58(miner.name)
        chain.register_neuron(netuid, hotkey)
        chain.commit_bid(netuid, hotkey, dict(miner.sizes), miner.price)
    hotkeys[scenario.ours] = fake_ss58(scenario.ours)
    chain.register_neuron(netuid, hotkeys[scenario.ours])
    return hotkeys


# --- command line ----------------------------------------------------------------------------------
async def _main(args: argparse.Namespace) -> None:
    """Serve a chain until interrupted, with the scenario asked for; print one JSON line first."""
    chain = FakeChain(start_block=args.start_block, rate_limit_blocks=args.rate_limit_blocks)
    hotkeys = apply_scenario(chain, SCENARIOS[args.scenario]) if args.scenario else {}
    simulator = SubtensorSimulator(chain, block_ms=args.block_ms)
    await simulator.start(args.port)
    line = {"url": simulator.url, "head": chain.head, "block_ms": simulator.block_ms, "hotkeys": hotkeys}
    print(json.dumps(line), flush=True)
    with contextlib.suppress(asyncio.CancelledError):
        await asyncio.Event().wait()


async def _control(address: str, action: str, arguments: dict[str, Any]) -> None:
    """Send one scripting call to a running chain's control API (127.0.0.1 only) and print the answer."""
    host, _, _ = address.rpartition(":")
    if host != LOOPBACK:
        raise SystemExit("the fake chain listens on 127.0.0.1 only")
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"http://{address}/_sim/{action}", json=arguments) as reply,
    ):
        print(await reply.text())


def main() -> None:
    """Command-line entry.

    Run one: python -m simulators.subtensor --port 0 --block-ms 1000 [--scenario demo]
    (--block-ms 0: blocks only on demand). Script a running one:
    python -m simulators.subtensor --control 127.0.0.1:PORT --do produce_blocks --args '{"count": 3}'.
    """
    parser = argparse.ArgumentParser(
        description="A fake Bittensor chain for the subnet auction, on 127.0.0.1"
    )
    parser.add_argument("--port", type=int, default=0, help="port (0 = any free port)")
    parser.add_argument("--block-ms", type=int, default=1000, help="real ms between blocks (0 = on demand)")
    parser.add_argument("--scenario", choices=list(SCENARIOS), help="a cast of validators and miners")
    parser.add_argument("--start-block", type=int, default=DEFAULT_START_BLOCK)
    parser.add_argument("--rate-limit-blocks", type=int, default=DEFAULT_RATE_LIMIT_BLOCKS)
    parser.add_argument("--control", help="host:port of a running fake chain to script")
    parser.add_argument("--do", help="with --control: the action (e.g. produce_blocks, commit_prices)")
    parser.add_argument("--args", default="{}", help="with --control: the action's arguments as JSON")
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        if args.control:
            asyncio.run(_control(args.control, args.do, json.loads(args.args)))
        else:
            asyncio.run(_main(args))


if __name__ == "__main__":
    main()
