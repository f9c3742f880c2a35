"""Requests to one device share a few slots, whichever client sends them; other devices do not wait."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import aiohttp
import pytest

from custom_components.mining_fleet.api.axeos import AxeOSClient
from custom_components.mining_fleet.api.errors import ApiConnectionError, ApiTimeoutError
from custom_components.mining_fleet.api.http import PER_HOST_LIMIT
from simulators.axeos import AxeOSSimulator
from simulators.server import NEVER


@pytest.fixture
async def miners(socket_enabled: None) -> AsyncIterator[tuple[AxeOSSimulator, AxeOSSimulator]]:
    """Start two simulated Bitaxes; stop them after the test (which also releases hung replies)."""
    first, second = AxeOSSimulator("2.15", seed=0), AxeOSSimulator("2.15", seed=1)
    await first.start()
    await second.start()
    yield first, second
    await first.stop()
    await second.stop()


async def _until(condition: Callable[[], bool]) -> None:
    """Wait until the condition holds (a few seconds at most)."""
    async with asyncio.timeout(5):
        while not condition():  # noqa: ASYNC110 - the simulator counts, it signals nothing
            await asyncio.sleep(0.01)


def _starts(miner: AxeOSSimulator) -> int:
    """Return how many requests reached the simulator."""
    return sum(1 for event, _ in miner.timeline if event == "start")


async def test_two_clients_of_one_device_share_its_slots(
    miners: tuple[AxeOSSimulator, AxeOSSimulator],
) -> None:
    """Twenty calls at once from two clients (a coordinator and a probe) all arrive, never more than the limit at once."""
    miner, _ = miners
    miner.reply_delay = lambda: 0.05  # each reply takes a while, so the calls pile up
    async with aiohttp.ClientSession() as session:
        clients = (AxeOSClient(miner.host, session), AxeOSClient(miner.host, session))
        infos = await asyncio.gather(*(client.info() for client in clients for _ in range(10)))
    assert {info.mac_address for info in infos} == {miner.mac}
    assert _starts(miner) == 20
    assert 1 <= miner.peak_in_flight <= PER_HOST_LIMIT


async def test_a_hung_device_fills_only_its_own_slots(
    miners: tuple[AxeOSSimulator, AxeOSSimulator],
) -> None:
    """Calls beyond the limit wait at the client and time out with the others; another device still answers."""
    hung, healthy = miners
    hung.reply_delay = lambda: NEVER
    async with aiohttp.ClientSession() as session:
        clients = (AxeOSClient(hung.host, session, timeout=3.0), AxeOSClient(hung.host, session, timeout=3.0))
        calls = [asyncio.create_task(client.info()) for client in clients for _ in range(3)]
        await _until(lambda: hung.in_flight == PER_HOST_LIMIT)
        assert (await AxeOSClient(healthy.host, session).info()).mac_address == healthy.mac
        assert not any(call.done() for call in calls)  # the other device answered while these waited
        results = await asyncio.gather(*calls, return_exceptions=True)
    assert all(isinstance(result, ApiTimeoutError) for result in results)
    # The calls that never got a slot never reached the device: waiting for one is part of the deadline.
    assert _starts(hung) == PER_HOST_LIMIT
    assert hung.peak_in_flight == PER_HOST_LIMIT


@pytest.mark.parametrize("host", ["127.0.0.1:80a", "127.0.0.1:99999", "[::1"])
async def test_a_mistyped_host_is_unreachable_not_a_crash(socket_enabled: None, host: str) -> None:
    """A host that is no URL still makes a client; its calls fail as unreachable (nothing is sent)."""
    async with aiohttp.ClientSession() as session:
        client = AxeOSClient(host, session)
        with pytest.raises(ApiConnectionError):
            await client.info()
