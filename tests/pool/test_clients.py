"""Every pool client against the loopback pool simulator: units, share times, stale and missing workers, errors."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
import inspect

import aiohttp
import pytest

from custom_components.mining_fleet.api.errors import (
    ApiInvalidCredentialsError,
    ApiRateLimitedError,
    ApiResponseError,
)
from custom_components.mining_fleet.api.pools.base import PoolClient
from custom_components.mining_fleet.api.pools.braiins import BraiinsClient
from custom_components.mining_fleet.api.pools.ckpool import CKPoolClient
from custom_components.mining_fleet.api.pools.f2pool import F2PoolClient
from custom_components.mining_fleet.api.pools.flexpool import FlexpoolClient
from custom_components.mining_fleet.api.pools.ocean import OceanClient
from custom_components.mining_fleet.api.pools.public_pool import PublicPoolClient
from custom_components.mining_fleet.api.pools.viabtc import ViaBTCClient
from simulators import pools
from simulators.pools import PoolSimulator

type MakeClient = Callable[[aiohttp.ClientSession, str, bool], PoolClient]

# Each pool: how to build its client (right or wrong credentials), and whether it reports share times.
POOLS: dict[str, tuple[MakeClient, bool]] = {
    "braiins": (lambda s, url, ok: BraiinsClient(s, pools.TOKEN if ok else "nope", base_url=url), True),
    "ckpool": (
        lambda s, url, ok: CKPoolClient(s, pools.ADDRESS if ok else "bc1qunknown", base_url=url),
        True,
    ),
    "public_pool": (
        lambda s, url, ok: PublicPoolClient(s, pools.ADDRESS if ok else "bc1qunknown", base_url=url),
        True,
    ),
    "ocean": (lambda s, url, ok: OceanClient(s, pools.ADDRESS if ok else "bc1qunknown", base_url=url), False),
    "f2pool": (
        lambda s, url, ok: F2PoolClient(s, pools.F2POOL_USER, pools.SECRET if ok else "nope", base_url=url),
        True,
    ),
    "viabtc": (lambda s, url, ok: ViaBTCClient(s, pools.API_KEY if ok else "nope", base_url=url), True),
    "flexpool": (
        lambda s, url, ok: FlexpoolClient(s, "btc", pools.ADDRESS if ok else "bc1qunknown", base_url=url),
        True,
    ),
}
by_pool = pytest.mark.parametrize("pool", list(POOLS))


@pytest.fixture
async def session(socket_enabled: None) -> AsyncIterator[aiohttp.ClientSession]:
    """Give each test its own HTTP session."""
    async with aiohttp.ClientSession() as client_session:
        yield client_session


def _client(
    pool: str, simulator: PoolSimulator, session: aiohttp.ClientSession, ok: bool = True
) -> PoolClient:
    """Build a pool's client pointed at the simulator."""
    return POOLS[pool][0](session, f"http://{simulator.host}", ok)


@by_pool
async def test_workers_in_one_shape(
    pool: str, simulator: PoolSimulator, session: aiohttp.ClientSession
) -> None:
    """Every pool's reply becomes workers by name, hashrate in TH/s, last share in UTC, online."""
    status = await _client(pool, simulator, session).status()
    assert sorted(worker.name for worker in status.workers) == ["rig1", "rig2"]
    rig1 = status.worker("rig1")
    assert rig1 is not None
    assert rig1.hashrate_ths == pytest.approx(1.1, rel=0.01)
    assert status.hashrate_ths == pytest.approx(3.3, rel=0.01)
    assert rig1.online is True and status.online == 2
    if POOLS[pool][1]:
        assert rig1.last_share is not None
        assert datetime.now(UTC) - rig1.last_share < timedelta(seconds=30)
    else:
        assert rig1.last_share is None  # OCEAN: online is judged from the 5-minute hashrate alone


@by_pool
async def test_stale_and_missing_workers(
    pool: str, simulator: PoolSimulator, session: aiohttp.ClientSession
) -> None:
    """A hung rig stops hashing and its last share stays put; a vanished one is simply not listed."""
    simulator.clock = lambda: 1_800_000_000.0
    simulator.stale("rig1")
    simulator.clock = lambda: 1_800_000_900.0
    simulator.workers["rig2"].missing = True
    status = await _client(pool, simulator, session).status()
    rig1 = status.worker("rig1")
    assert rig1 is not None and rig1.online is False and not rig1.hashrate_ths
    if POOLS[pool][1] and pool != "public_pool":  # public-pool's lastSeen is the session's, not a share
        assert rig1.last_share == datetime.fromtimestamp(1_800_000_000, UTC)
    assert status.worker("rig2") is None
    simulator.recover("rig2")
    assert (await _client(pool, simulator, session).status()).worker("rig2") is not None


@by_pool
async def test_wrong_credentials(pool: str, simulator: PoolSimulator, session: aiohttp.ClientSession) -> None:
    """A wrong token, secret, key or address is a credentials error the config flow can show."""
    with pytest.raises(ApiInvalidCredentialsError):
        await _client(pool, simulator, session, ok=False).status()


@by_pool
@pytest.mark.parametrize(
    ("status", "error"),
    [(429, ApiRateLimitedError), (500, ApiResponseError), (403, ApiInvalidCredentialsError)],
)
async def test_http_errors(
    pool: str, simulator: PoolSimulator, session: aiohttp.ClientSession, status: int, error: type[Exception]
) -> None:
    """Rate limits, server errors and refusals map to the exception tree."""
    simulator.status_override = status
    with pytest.raises(error):
        await _client(pool, simulator, session).status()


@by_pool
async def test_malformed_reply(pool: str, simulator: PoolSimulator, session: aiohttp.ClientSession) -> None:
    """A cut-off reply is a response error."""
    simulator.malformed = True
    with pytest.raises(ApiResponseError):
        await _client(pool, simulator, session).status()


def _concrete(base: type) -> list[type]:
    """Return every concrete client class below base (through intermediate bases)."""
    found = []
    for cls in base.__subclasses__():
        found += _concrete(cls)
        if not inspect.isabstract(cls):
            found.append(cls)
    return found


def test_every_pool_names_its_rate_limit() -> None:
    """Each client states how often its pool may be polled (Braiins: once per 5 s)."""
    intervals = {cls.__name__: cls.MIN_INTERVAL for cls in _concrete(PoolClient)}
    assert intervals["BraiinsClient"] == 5.0
    assert len(intervals) == 7 and all(value >= 5.0 for value in intervals.values())


def test_worker_names_keep_their_dots() -> None:
    """Only the account prefix is cut (Braiins, CKPool); dots inside a worker's own name stay."""
    ckpool = CKPoolClient.parse(
        {"worker": [{"workername": "bc1qx.rack1.s19"}, {"workername": "bc1qx.rack2.s19"}]}
    )
    assert [worker.name for worker in ckpool.workers] == ["rack1.s19", "rack2.s19"]
    public = PublicPoolClient.parse({"workers": [{"name": "rig.1"}, {"name": "rig.2"}]})
    assert [worker.name for worker in public.workers] == ["rig.1", "rig.2"]
