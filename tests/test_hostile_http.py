"""Every client against a hostile server: redirects, huge and gzip-bomb bodies, deep JSON, bad UTF-8,
slow drips and resets. New clients join CLIENTS."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
import contextlib
from dataclasses import dataclass
import time
import tracemalloc

import aiohttp
import pytest

from custom_components.mining_fleet.api.antspace import AntspaceClient
from custom_components.mining_fleet.api.axeos import AxeOSClient
from custom_components.mining_fleet.api.errors import (
    ApiConnectionError,
    ApiError,
    ApiResponseError,
    ApiTimeoutError,
)
from custom_components.mining_fleet.api.pools.braiins import BraiinsClient
from custom_components.mining_fleet.api.pools.f2pool import F2PoolClient
from custom_components.mining_fleet.api.subtensor import CommitmentRefusedError
from custom_components.mining_fleet.api.subtensor_loopback import LoopbackChain
from custom_components.mining_fleet.api.vnish import VNishClient
from custom_components.mining_fleet.api.vnish_models import VNishPoolSetting

from . import hostile
from .hostile import HostileServer

TIMEOUT = 1.0


@dataclass(frozen=True)
class ClientCase:
    """How to make one client do a read (safe to resend) and a command (never resent; read-only: None)."""

    name: str
    read: Callable[[str, aiohttp.ClientSession], Awaitable[object]]
    command: Callable[[str, aiohttp.ClientSession], Awaitable[object]] | None
    read_path: str
    command_path: str | None


def _antspace(host: str, session: aiohttp.ClientSession) -> AntspaceClient:
    """Return an Antspace client for a host:port."""
    address, port = host.rsplit(":", 1)
    return AntspaceClient(address, session, port=int(port), timeout=TIMEOUT)


def _loopback_chain(host: str, session: aiohttp.ClientSession) -> LoopbackChain:
    """Return a client of the fake chain at a host:port."""
    return LoopbackChain(session, f"http://{host}", "5HotkeyOfTheHostileTests", timeout=TIMEOUT)


CLIENTS = (
    ClientCase(
        "axeos",
        lambda host, session: AxeOSClient(host, session, timeout=TIMEOUT).info(),
        lambda host, session: AxeOSClient(host, session, timeout=TIMEOUT).restart(),
        "/api/system/info",
        "/api/system/restart",
    ),
    ClientCase(
        "vnish",
        lambda host, session: VNishClient(host, "admin", session, timeout=TIMEOUT).status(),
        lambda host, session: VNishClient(host, "admin", session, timeout=TIMEOUT).reboot(),
        "/api/v1/status",
        "/api/v1/system/reboot",
    ),
    # Writing pools sets values (resent once after a dropped connection): see the test of its own below.
    ClientCase(
        "vnish-pools",
        lambda host, session: VNishClient(host, "admin", session, timeout=TIMEOUT).pool_settings(),
        None,
        "/api/v1/settings",
        None,
    ),
    # Every Antspace operation is a GET (writes too): aiohttp may resend any of them, so no command case.
    ClientCase(
        "antspace",
        lambda host, session: _antspace(host, session).cooler_state(),
        None,
        "/cooler?operation=coolerState",
        None,
    ),
    ClientCase(
        "pool-get",
        lambda host, session: BraiinsClient(
            session, "token", base_url=f"http://{host}", timeout=TIMEOUT
        ).status(),
        None,
        "/accounts/workers/json/btc/",
        None,
    ),
    ClientCase(
        "pool-post",
        lambda host, session: F2PoolClient(
            session, "user", "secret", base_url=f"http://{host}", timeout=TIMEOUT
        ).status(),
        None,
        "/v2/hash_rate/worker/list",
        None,
    ),
    ClientCase(
        "subtensor-loopback",
        lambda host, session: _loopback_chain(host, session).head(),
        lambda host, session: _loopback_chain(host, session).set_commitment(89, b"2;b;BTC,1=0.45:1"),
        "/chain/head",
        "/chain/subnets/89/commitments",
    ),
)
by_client = pytest.mark.parametrize("case", CLIENTS, ids=lambda case: case.name)

type Serve = Callable[..., Awaitable[HostileServer]]


@pytest.fixture
async def session(socket_enabled: None) -> AsyncIterator[aiohttp.ClientSession]:
    """Give each test its own HTTP session."""
    async with aiohttp.ClientSession() as client_session:
        yield client_session


@pytest.fixture
async def serve(socket_enabled: None) -> AsyncIterator[Serve]:
    """Start hostile servers on loopback; stop them after the test."""
    started: list[HostileServer] = []

    async def _serve(behaviour: hostile.Behaviour, **options: bool) -> HostileServer:
        server = HostileServer(behaviour, **options)
        await server.start()
        started.append(server)
        return server

    yield _serve
    for server in started:
        await server.stop()


@pytest.fixture(scope="module")
def gzip_bomb() -> bytes:
    """Return a 64 KB body that inflates to 64 MiB."""
    return hostile.gzip_bomb()


@by_client
async def test_redirect_is_never_followed(
    case: ClientCase, serve: Serve, session: aiohttp.ClientSession
) -> None:
    """A 307 to another host is an error; the other host receives nothing (no password, no command)."""
    elsewhere = await serve(hostile.reset_after_reading)
    server = await serve(hostile.redirect_to(elsewhere.host), answer_logins=False)
    for call in filter(None, (case.read, case.command)):
        with pytest.raises(ApiResponseError, match="redirect"):
            await call(server.host, session)
    assert elsewhere.requests == []


@by_client
async def test_huge_reply_is_capped(case: ClientCase, serve: Serve, session: aiohttp.ClientSession) -> None:
    """A 100 MB chunked reply stops at the cap: an error, and memory stays small."""
    ref: list[HostileServer] = []
    server = await serve(hostile.huge_chunked(ref))
    ref.append(server)
    tracemalloc.start()
    try:
        with pytest.raises(ApiResponseError, match="more than"):
            await case.read(server.host, session)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 16 * hostile.MIB
    assert server.bytes_sent < 50 * hostile.MIB


@by_client
async def test_gzip_bomb_is_capped(
    case: ClientCase, serve: Serve, session: aiohttp.ClientSession, gzip_bomb: bytes
) -> None:
    """A small gzip body that inflates to 64 MiB is refused without inflating it."""
    server = await serve(hostile.bomb(gzip_bomb))
    tracemalloc.start()
    try:
        with pytest.raises(ApiResponseError, match="inflated"):
            await case.read(server.host, session)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 16 * hostile.MIB


@by_client
@pytest.mark.parametrize(
    "behaviour",
    [
        hostile.deep_json,
        hostile.bad_utf8,
        hostile.reply("500 Internal Server Error", b"[" * 100_000),
        hostile.reply("400 Bad Request", b"[" * 100_000),
    ],
    ids=["deep_json", "bad_utf8", "deep_json_500", "deep_json_400"],
)
async def test_unusable_bodies_are_our_error(
    case: ClientCase, serve: Serve, session: aiohttp.ClientSession, behaviour: hostile.Behaviour
) -> None:
    """Deep JSON (also in an error reply) and a body that is not UTF-8 become our error, nothing else."""
    server = await serve(behaviour)
    with pytest.raises(ApiError):
        await case.read(server.host, session)


@by_client
@pytest.mark.parametrize("behaviour", [hostile.slow_headers, hostile.slow_body], ids=["headers", "body"])
async def test_slow_drip_hits_one_deadline(
    case: ClientCase, serve: Serve, session: aiohttp.ClientSession, behaviour: hostile.Behaviour
) -> None:
    """A device that drips its reply for a minute is given up on at the call's one deadline."""
    server = await serve(behaviour)
    started = time.monotonic()
    with pytest.raises(ApiTimeoutError):
        await case.read(server.host, session)
    assert time.monotonic() - started < TIMEOUT * 4  # the drip would take 60 s


@by_client
async def test_reset_before_the_request_is_read(
    case: ClientCase, serve: Serve, session: aiohttp.ClientSession
) -> None:
    """A connection closed at once is a connection error."""
    server = await serve(hostile.reset_after_reading, close_on_connect=True)
    with pytest.raises(ApiConnectionError):
        await case.read(server.host, session)


@by_client
async def test_reset_after_the_request_was_read(
    case: ClientCase, serve: Serve, session: aiohttp.ClientSession
) -> None:
    """A read is resent once on a fresh connection; a command never is (the device may have acted)."""
    server = await serve(hostile.reset_after_reading)
    with pytest.raises(ApiConnectionError):
        await case.read(server.host, session)
    assert [path for _, path in server.requests].count(case.read_path) == 2
    if case.command is None:
        return
    with pytest.raises(ApiConnectionError):
        await case.command(server.host, session)
    assert [path for _, path in server.requests].count(case.command_path) == 1


@by_client
async def test_every_failure_is_an_api_error(
    case: ClientCase, serve: Serve, session: aiohttp.ClientSession
) -> None:
    """A call succeeds or raises ApiError, whatever the server does (a catch-all for new behaviours)."""
    for behaviour in (hostile.deep_json, hostile.bad_utf8, hostile.reset_after_reading, hostile.slow_body):
        server = await serve(behaviour)
        for call in filter(None, (case.read, case.command)):
            with contextlib.suppress(ApiError):
                await call(server.host, session)


async def test_vnish_login_and_retry_share_one_deadline(serve: Serve, session: aiohttp.ClientSession) -> None:
    """Unlock, 401, unlock, 401 at 0.6 s each would take 2.4 s; the call gives up at its 1 s deadline."""
    server = await serve(hostile.slow_unauthorized, login_delay=0.6)
    started = time.monotonic()
    with pytest.raises(ApiTimeoutError):
        await VNishClient(server.host, "admin", session, timeout=TIMEOUT).status()
    assert time.monotonic() - started < 2.0


@pytest.mark.parametrize("body", [b"[]", b'"token"', b"7", b"null", b'{"token": 5}', b'{"token": ""}'])
async def test_vnish_odd_unlock_reply_is_our_error(
    serve: Serve, session: aiohttp.ClientSession, body: bytes
) -> None:
    """An unlock reply that is not {"token": "..."} is a response error (the config flow shows it)."""
    server = await serve(hostile.reply("200 OK", body), answer_logins=False)
    with pytest.raises(ApiResponseError, match="no token"):
        await VNishClient(server.host, "admin", session, timeout=TIMEOUT).info()


# --- the loopback chain: replies of the wrong kind, for every call ------------------------------------
LOOPBACK_CALLS: dict[str, Callable[[LoopbackChain], Awaitable[object]]] = {
    "connect": lambda chain: chain.connect(),
    "head": lambda chain: chain.head(),
    "wait_for_head": lambda chain: chain.wait_for_head(5, 0.0),
    "block_hash": lambda chain: chain.block_hash(5),
    "timestamp": lambda chain: chain.timestamp(5),
    "commitments": lambda chain: chain.commitments(89, 5),
    "neurons": lambda chain: chain.neurons(89, 5),
    "mechanism_split": lambda chain: chain.mechanism_split(89),
    "tempo": lambda chain: chain.tempo(89),
    "set_commitment": lambda chain: chain.set_commitment(89, b"x"),
}
WRONG_BODIES = {
    "malformed": b'{"head": 5',
    "array": b"[5]",
    "null": b"null",
    "number": b"7",
    "strings": b'{"head": "7", "block": "5", "number": "5", "netuid": "89", "tempo": "360", "chain": 1}',
    "floats": b'{"head": 7.0, "block": 5.5, "number": 5.0, "netuid": 89, "tempo": 360.0}',
    "negative": b'{"head": -1, "block": -5, "number": -5, "netuid": -89, "tempo": -1}',
    "huge_numbers": b'{"head": 1e400, "block": 99999999999999999999999, "tempo": 1e999}',
    "wrong_lists": b'{"block": 5, "commitments": {"a": 1}, "neurons": "all", "netuid": 89, "tempo": 1, "mechanism_split": {}}',
    "wrong_entries": b'{"block": 5, "commitments": [7, null, "x"], "neurons": [[1], {"uid": "0"}], "netuid": 89, "tempo": 1, "mechanism_split": [true]}',
}
# These two are wrong for the reads but a well-formed commit reply ({"block": 5}).
VALID_COMMIT_REPLIES = {"wrong_lists", "wrong_entries"}


@pytest.mark.parametrize("call", list(LOOPBACK_CALLS))
@pytest.mark.parametrize("body", list(WRONG_BODIES))
async def test_loopback_chain_wrong_replies_are_response_errors(
    serve: Serve, session: aiohttp.ClientSession, call: str, body: str
) -> None:
    """Malformed JSON or JSON of the wrong types and shapes is an ApiResponseError on every call."""
    server = await serve(hostile.reply("200 OK", WRONG_BODIES[body]))
    if call == "set_commitment" and body in VALID_COMMIT_REPLIES:
        assert await LOOPBACK_CALLS[call](_loopback_chain(server.host, session)) == 5
        return
    with pytest.raises(ApiResponseError):
        await LOOPBACK_CALLS[call](_loopback_chain(server.host, session))


@pytest.mark.parametrize("call", list(LOOPBACK_CALLS))
async def test_loopback_chain_hang_is_one_deadline(
    serve: Serve, session: aiohttp.ClientSession, call: str
) -> None:
    """A chain that never finishes its reply is given up on at the call's deadline, whatever the call."""
    server = await serve(hostile.slow_body)
    started = time.monotonic()
    with pytest.raises(ApiTimeoutError):
        await LOOPBACK_CALLS[call](_loopback_chain(server.host, session))
    assert time.monotonic() - started < TIMEOUT * 4


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b'{"error": "not_registered", "detail": "who?"}', "not_registered"),
        (b'{"error": 7}', "rejected"),
        (b"[]", "rejected"),
    ],
)
async def test_loopback_chain_refusal_bodies(
    serve: Serve, session: aiohttp.ClientSession, body: bytes, reason: str
) -> None:
    """A 409 is a refused commit whatever its body says; an unknown or missing reason is "rejected"."""
    server = await serve(hostile.reply("409 Conflict", body))
    with pytest.raises(CommitmentRefusedError) as refused:
        await _loopback_chain(server.host, session).set_commitment(89, b"x")
    assert refused.value.reason == reason


async def test_loopback_chain_refusal_that_is_not_json(serve: Serve, session: aiohttp.ClientSession) -> None:
    """A 409 whose body is not JSON is a response error, not a guessed refusal."""
    server = await serve(hostile.reply("409 Conflict", b"<html>busy</html>"))
    with pytest.raises(ApiResponseError, match="malformed"):
        await _loopback_chain(server.host, session).set_commitment(89, b"x")


async def test_vnish_pool_write_is_resent_once_and_fails_as_ours(
    serve: Serve, session: aiohttp.ClientSession
) -> None:
    """Pools are values, not a toggle: after a dropped connection the write goes once more; every failure is ours."""
    pools = [VNishPoolSetting("pool.example:3333", "wallet.rig", "x", 0)]
    server = await serve(hostile.reset_after_reading)
    with pytest.raises(ApiConnectionError):
        await VNishClient(server.host, "admin", session, timeout=TIMEOUT).set_pools(pools)
    assert [path for _, path in server.requests].count("/api/v1/settings") == 2
    for behaviour in (
        hostile.deep_json,
        hostile.bad_utf8,
        hostile.slow_body,
        hostile.reply("200 OK", b'{"restart_required": true}'),  # stored? the read-back has no pools: unknown
    ):
        server = await serve(behaviour)
        with pytest.raises(ApiError):
            await VNishClient(server.host, "admin", session, timeout=TIMEOUT).set_pools(pools)
