"""Fixtures for the subnet auction: the loopback fake chain on 127.0.0.1 and a client of it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import aiohttp
from homeassistant.core import HomeAssistant
import pytest

from custom_components.mining_fleet.api.subtensor_loopback import LoopbackChain
from simulators.subtensor import FakeChain, SubtensorSimulator, fake_ss58

from ..routing.conftest import antminer  # noqa: F401 - the routing tests' Antminer fixture, used here too

NETUID = 89
OUR_HOTKEY = fake_ss58("our-miner")

type FakeChainFactory = Callable[..., Awaitable[SubtensorSimulator]]


@pytest.fixture
async def start_fake_chain(socket_enabled: None) -> AsyncIterator[FakeChainFactory]:
    """Start fake chains on free loopback ports (manual blocks unless block_ms is given); stop them after."""
    started: list[SubtensorSimulator] = []

    async def _start(chain: FakeChain | None = None, *, block_ms: int | None = None) -> SubtensorSimulator:
        simulator = SubtensorSimulator(chain, block_ms=block_ms)
        simulator.chain.subnet(NETUID)
        await simulator.start()
        started.append(simulator)
        return simulator

    yield _start
    for simulator in started:
        await simulator.stop()


@pytest.fixture
async def fake_chain(start_fake_chain: FakeChainFactory) -> SubtensorSimulator:
    """Return a running fake chain whose blocks come only from produce_blocks, with subnet 89."""
    return await start_fake_chain()


@pytest.fixture
async def chain_session(socket_enabled: None) -> AsyncIterator[aiohttp.ClientSession]:
    """Give each test its own HTTP session."""
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
def loopback_chain(fake_chain: SubtensorSimulator, chain_session: aiohttp.ClientSession) -> LoopbackChain:
    """Return a client of the fake chain that signs as OUR_HOTKEY."""
    return LoopbackChain(chain_session, fake_chain.url, OUR_HOTKEY, timeout=5.0)


def proxy_routing(hass: HomeAssistant, tmp_path: Path) -> dict[str, str]:
    """Give a proxy folder Home Assistant may write (pools.toml with its central-proxy entry); return the options."""
    proxy = tmp_path / "proxy"
    proxy.mkdir()
    pools, sentinel = proxy / "pools.toml", proxy / "reload"
    pools.write_text('[[pools.main]]\nname = "central-proxy"\nurl = "x"\nweight = 1\n')
    hass.config.allowlist_external_dirs = {str(proxy)}
    return {"routing": "proxy", "pools_toml": str(pools), "reload_sentinel": str(sentinel)}
