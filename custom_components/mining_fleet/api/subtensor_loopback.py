"""The SubnetChain seam over the project's loopback fake chain (simulators/subtensor.py), not a real chain.

Tests and the demo run the subnet auction against that simulator over real sockets: JSON over HTTP
on http://127.0.0.1:PORT (or localhost) and nowhere else. Bytes travel as 0x-hex; stakes as decimal
text in TAO. Every reply is parsed defensively: a value the chain could not have sent (a block
number out of range, a duplicate hotkey, a commitment younger than the block read) is an
ApiResponseError, so the auction never computes from a broken snapshot. Every call is one request,
bounded by DeviceHttp's deadline (a long-poll's deadline also grants the wait it asked for).
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from decimal import Decimal
import math
import re
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from .errors import ApiResponseError
from .http import DeviceHttp
from .parse import items, mapping
from .subtensor import (
    REFUSED_INSUFFICIENT_FUNDS,
    REFUSED_NOT_REGISTERED,
    REFUSED_OTHER,
    REFUSED_RATE_LIMITED,
    REFUSED_SPACE_EXHAUSTED,
    CommitmentRefusedError,
    Neuron,
    RawCommitment,
    SubnetChain,
)

DEFAULT_TIMEOUT = 30.0  # a commit is answered once its block is produced (12 s on a real chain)
CHAIN_NAME = "mining_fleet loopback subtensor"
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost"})
MAX_WAIT_STEP = 60.0  # the simulator holds a long-poll at most this long
MAX_BLOCK = 2**32 - 1  # block numbers are u32 on subtensor
MAX_U16 = 2**16 - 1
MAX_TIMESTAMP_MS = 253_402_300_799_999  # the last millisecond of year 9999
MAX_HOTKEY_CHARS = 64  # an ss58 address has 47 or 48
_HASH = re.compile(r"0x[0-9a-fA-F]{64}")
_HEX = re.compile(r"0x(?:[0-9a-fA-F]{2})*")
_STAKE = re.compile(r"\d{1,20}(?:\.\d{1,9})?")  # TAO in whole rao: at most 9 decimals
_REASONS = frozenset(
    {REFUSED_RATE_LIMITED, REFUSED_NOT_REGISTERED, REFUSED_SPACE_EXHAUSTED, REFUSED_INSUFFICIENT_FUNDS}
)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def loopback_url(url: str) -> str:
    """Return the base URL of a fake chain, refusing anything but http://127.0.0.1:PORT or localhost."""
    parts = urlsplit(url.strip())
    try:
        port = parts.port
    except ValueError:
        port = None
    if (
        parts.scheme != "http"
        or parts.hostname not in LOOPBACK_HOSTS
        or port is None
        or parts.username is not None
        or parts.path not in ("", "/")
        or parts.query
        or parts.fragment
    ):
        raise ValueError(f"{url} is not http://127.0.0.1:PORT or http://localhost:PORT of the fake chain")
    return f"http://{parts.hostname}:{port}"


def _uint(value: Any, maximum: int) -> int | None:
    """Return a JSON integer from 0 to maximum, or None (booleans and floats are not integers here)."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= maximum:
        return value
    return None


def _block(data: Any, key: str, what: str) -> int:
    """Return a block number field or raise a response error naming what was read."""
    number = _uint(mapping(data).get(key), MAX_BLOCK)
    if number is None:
        raise ApiResponseError(f"the fake chain's {what} has no valid {key}")
    return number


def _hotkey(value: Any, what: str) -> str:
    """Return an address-like hotkey: a non-empty, printable string of bounded length."""
    if not isinstance(value, str) or not 0 < len(value) <= MAX_HOTKEY_CHARS or not value.isprintable():
        raise ApiResponseError(f"the fake chain sent {what} without a valid hotkey")
    return value


def _entries(data: Any, key: str, block: int, what: str) -> list[Any]:
    """Return the list under key of a reply that must be about `block`."""
    if _block(data, "block", what) != block:
        raise ApiResponseError(f"the fake chain answered {what} for another block than {block}")
    entries = mapping(data).get(key)
    if not isinstance(entries, list):
        raise ApiResponseError(f"the fake chain's {what} has no {key} list")
    return entries


def parse_head(data: Any) -> int:
    """Return the head of a {"head": N} reply."""
    return _block(data, "head", "head reply")


def parse_block(data: Any, number: int) -> tuple[str, int]:
    """Return the hash (0x-hex, lower case) and timestamp (ms) of a block reply about `number`."""
    if _block(data, "number", "block reply") != number:
        raise ApiResponseError(f"the fake chain answered another block than {number}")
    block_hash, timestamp_ms = (
        mapping(data).get("hash"),
        _uint(mapping(data).get("timestamp_ms"), MAX_TIMESTAMP_MS),
    )
    if not isinstance(block_hash, str) or not _HASH.fullmatch(block_hash):
        raise ApiResponseError(f"the fake chain sent block {number} without a 32-byte 0x-hex hash")
    if timestamp_ms is None:
        raise ApiResponseError(f"the fake chain sent block {number} without a valid timestamp_ms")
    return block_hash.lower(), timestamp_ms


def parse_commitments(data: Any, block: int) -> list[RawCommitment]:
    """Return the commitments of a reply about `block`, in the order sent (the storage order)."""
    found: list[RawCommitment] = []
    for index, raw in enumerate(_entries(data, "commitments", block, "commitment list")):
        entry = mapping(raw)
        what = f"commitment {index}"
        made_in = _block(entry, "block", what)
        if made_in > block:
            raise ApiResponseError(f"the fake chain sent {what} made in block {made_in}, after {block}")
        found.append(
            RawCommitment(_hotkey(entry.get("hotkey"), what), made_in, _hex(entry.get("data"), what))
        )
    _unique([commitment.hotkey for commitment in found], "hotkey", "commitment list")
    return found


def _hex(value: Any, what: str) -> bytes:
    """Return the bytes of a 0x-hex string."""
    if not isinstance(value, str) or not _HEX.fullmatch(value):
        raise ApiResponseError(f"the fake chain sent {what} without 0x-hex data")
    return bytes.fromhex(value[2:])


def _unique(values: list[Any], key: str, what: str) -> None:
    """Refuse a reply listing one key twice (storage maps have unique keys)."""
    if len(set(values)) != len(values):
        raise ApiResponseError(f"the fake chain's {what} lists a {key} twice")


def parse_neurons(data: Any, block: int) -> list[Neuron]:
    """Return the neurons of a reply about `block`, in the order sent (by uid)."""
    found: list[Neuron] = []
    for index, raw in enumerate(_entries(data, "neurons", block, "neuron list")):
        entry = mapping(raw)
        what = f"neuron {index}"
        uid, stake = _uint(entry.get("uid"), MAX_U16), entry.get("stake")
        if uid is None:
            raise ApiResponseError(f"the fake chain sent {what} without a valid uid")
        if not isinstance(stake, str) or not _STAKE.fullmatch(stake):
            raise ApiResponseError(f"the fake chain sent {what} without a stake in TAO as decimal text")
        found.append(Neuron(_hotkey(entry.get("hotkey"), what), uid, Decimal(stake)))
    _unique([neuron.hotkey for neuron in found], "hotkey", "neuron list")
    _unique([neuron.uid for neuron in found], "uid", "neuron list")
    return found


def parse_subnet(data: Any, netuid: int) -> tuple[int, list[int]]:
    """Return the tempo and MechanismEmissionSplit (empty when not set) of a subnet reply."""
    subnet = mapping(data)
    if _uint(subnet.get("netuid"), MAX_U16) != netuid:
        raise ApiResponseError(f"the fake chain answered another subnet than {netuid}")
    tempo = _uint(subnet.get("tempo"), MAX_U16)
    if tempo is None:
        raise ApiResponseError(f"the fake chain sent subnet {netuid} without a valid tempo")
    raw_split = subnet.get("mechanism_split")
    split = [_uint(value, MAX_U16) for value in items(raw_split)]
    if not (raw_split is None or isinstance(raw_split, list)) or None in split:
        raise ApiResponseError(f"the fake chain sent subnet {netuid} with a split that is not u16 values")
    return tempo, [value for value in split if value is not None]


def parse_landed(data: Any) -> int:
    """Return the block a commit landed in, from a {"block": N} reply."""
    return _block(data, "block", "commit reply")


def parse_refusal(data: Any) -> CommitmentRefusedError:
    """Return the error for a refused commit: a known reason key, anything else "rejected"."""
    reply = mapping(data)
    reason, detail = reply.get("error"), reply.get("detail")
    detail_text = detail[:200] if isinstance(detail, str) else ""
    if reason in _REASONS:
        return CommitmentRefusedError(str(reason), detail_text)
    said = f"{reason[:40]}: " if isinstance(reason, str) and reason else ""
    return CommitmentRefusedError(REFUSED_OTHER, f"{said}{detail_text}")


class LoopbackChain:
    """Read the fake chain and commit to it as one hotkey; the aiohttp session is owned by the caller."""

    def __init__(
        self, session: aiohttp.ClientSession, url: str, hotkey: str, *, timeout: float = DEFAULT_TIMEOUT
    ) -> None:
        """Remember where the fake chain listens and which hotkey signs our commits."""
        self._url = loopback_url(url)
        self._session = session
        self._timeout = timeout
        self._hotkey = hotkey
        # No per-host limit: a long-poll holds its request open on purpose, and must not starve reads.
        self._http = DeviceHttp(self._host, session, timeout, base_url=self._url, per_host=None)
        self._connected = False

    @property
    def _host(self) -> str:
        """Return host:port for messages."""
        return self._url.removeprefix("http://")

    @property
    def hotkey(self) -> str:
        """Return the address of the hotkey that signs our commitments."""
        return self._hotkey

    async def connect(self) -> None:
        """Check once that the URL is the fake chain (HTTP needs no connection kept open)."""
        if self._connected:
            return
        if mapping(await self._get("/chain")).get("chain") != CHAIN_NAME:
            raise ApiResponseError(f"{self._host} is not the project's fake chain")
        self._connected = True

    async def close(self) -> None:
        """Forget the check (the session belongs to the caller)."""
        self._connected = False

    async def head(self) -> int:
        """Return the number of the newest block."""
        return parse_head(await self._get("/chain/head"))

    async def wait_for_head(self, after: int, within: float) -> int:
        """Return the head as soon as it is past `after`, or the head as it is when `within` seconds pass."""
        if not math.isfinite(within) or within < 0:
            raise ValueError("within must be a finite, non-negative number of seconds")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while True:
            step = min(max(deadline - loop.time(), 0.0), MAX_WAIT_STEP)
            head = await self._wait_once(after, step)
            if head > after or loop.time() >= deadline:
                return head

    async def _wait_once(self, after: int, step: float) -> int:
        """Long-poll once: the simulator answers when a block past `after` exists or `step` s pass."""
        # The call may take `step` seconds on purpose, so its deadline is the usual one plus step.
        http = DeviceHttp(self._host, self._session, self._timeout + step, base_url=self._url, per_host=None)
        return parse_head(await self._get(f"/chain/head/wait?after={after:d}&within={step:.3f}", http))

    async def block_hash(self, block: int) -> str:
        """Return the 0x-prefixed hex hash of a block."""
        return parse_block(await self._get(f"/chain/blocks/{block:d}"), block)[0]

    async def timestamp(self, block: int) -> datetime:
        """Return when a block was made (UTC, millisecond precision)."""
        timestamp_ms = parse_block(await self._get(f"/chain/blocks/{block:d}"), block)[1]
        return _EPOCH + timedelta(milliseconds=timestamp_ms)

    async def commitments(self, netuid: int, block: int) -> list[RawCommitment]:
        """Return every hotkey's commitment at a block, in storage iteration order."""
        return parse_commitments(
            await self._get(f"/chain/subnets/{netuid:d}/commitments?block={block:d}"), block
        )

    async def neurons(self, netuid: int, block: int) -> list[Neuron]:
        """Return the subnet's neurons with their stake at a block."""
        return parse_neurons(await self._get(f"/chain/subnets/{netuid:d}/neurons?block={block:d}"), block)

    async def mechanism_split(self, netuid: int) -> list[int]:
        """Return MechanismEmissionSplit at the head (empty when not set)."""
        return parse_subnet(await self._get(f"/chain/subnets/{netuid:d}"), netuid)[1]

    async def tempo(self, netuid: int) -> int:
        """Return the subnet's tempo in blocks."""
        return parse_subnet(await self._get(f"/chain/subnets/{netuid:d}"), netuid)[0]

    async def set_commitment(self, netuid: int, data: bytes) -> int:
        """Commit `data` for our hotkey and return the block it lands in; raises CommitmentRefusedError."""
        path = f"/chain/subnets/{netuid:d}/commitments"
        body = {"hotkey": self._hotkey, "data": "0x" + data.hex()}
        # Never resent: the chain may have taken the first one, and a second is rate-limited anyway.
        status, text = await self._http.send("POST", path, idempotent=False, body=body)
        if status == 409:
            raise parse_refusal(self._http.decode_json(text, path))
        self._check_status(status, text, path)
        return parse_landed(self._http.decode_json(text, path))

    async def _get(self, path: str, http: DeviceHttp | None = None) -> Any:
        """Send one read (safe to resend) and return its JSON; an error status is a response error."""
        http = http or self._http
        status, text = await http.send("GET", path, idempotent=True)
        self._check_status(status, text, path)
        return http.decode_json(text, path)

    def _check_status(self, status: int, text: str, path: str) -> None:
        """Raise a response error for a reply that is not a success, with the chain's own words."""
        if status < 300:
            return
        try:
            detail = mapping(self._http.decode_json(text, path)).get("detail")
        except ApiResponseError:
            detail = None
        said = f": {detail[:200]}" if isinstance(detail, str) else ""
        raise ApiResponseError(f"{self._host} answered HTTP {status} on {path}{said}")


# mypy checks here that LoopbackChain is a SubnetChain wherever one is expected.
_PROTOCOL_CHECK: type[SubnetChain] = LoopbackChain
