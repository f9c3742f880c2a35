"""The VNish client against the simulator over real HTTP on 127.0.0.1."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import pytest

from custom_components.mining_fleet.api.errors import (
    ApiAuthError,
    ApiConnectionError,
    ApiInvalidCredentialsError,
    ApiResponseError,
    ApiTimeoutError,
)
from custom_components.mining_fleet.api.vnish import VNishClient
from custom_components.mining_fleet.api.vnish_models import VNishSummary, parse_presets
from simulators.vnish import Timings, VNishFault, VNishSimulator

type Started = Callable[..., Awaitable[tuple[VNishSimulator, VNishClient]]]


@pytest.fixture
async def vnish(socket_enabled: None) -> AsyncIterator[Started]:
    """Start VNish simulators with a client each; stop them after the test."""
    simulators: list[VNishSimulator] = []
    async with aiohttp.ClientSession() as session:

        async def _start(password: str = "admin", **kwargs: Any) -> tuple[VNishSimulator, VNishClient]:
            simulator = VNishSimulator(seed=len(simulators), **kwargs)
            await simulator.start()
            simulators.append(simulator)
            return simulator, VNishClient(simulator.host, password, session, timeout=1.0)

        yield _start
        for simulator in simulators:
            await simulator.stop()


def _unlocks(simulator: VNishSimulator) -> int:
    return sum(1 for _, path in simulator.requests if path.endswith("/unlock"))


async def test_reads(vnish: Started) -> None:
    """Info, status, summary and the current preset parse; DevFee pools are dropped."""
    simulator, client = await vnish()
    info = await client.info()
    assert info.serial == simulator.serial
    assert info.mac_address == simulator.mac
    assert info.model == "Antminer S19"
    assert info.firmware == "Vnish 1.2.6"
    status = await client.status()
    assert status.miner_state == "mining"
    assert status.is_hashing
    summary = await client.summary()
    assert summary.hashrate_nominal == pytest.approx(102)
    assert summary.power is not None
    assert summary.power > 3000
    assert summary.efficiency == pytest.approx(summary.power / summary.hashrate_average, rel=0.05)  # type: ignore[operator]
    assert len(summary.chains) == 3
    assert len(summary.fan_rpms) == 4
    assert [pool.url for pool in summary.pools] == [
        "stratum+tcp://btc.example-pool.com:3333",
        "stratum+tcp://backup.example-pool.com:443",
    ]
    assert summary.active_pool is not None
    assert summary.active_pool.id == 0
    assert await client.current_preset() == "3200"
    assert _unlocks(simulator) == 1  # one token serves the whole session


async def test_token_expiry_mid_session_unlocks_once(vnish: Started) -> None:
    """An expired token is replaced once and the call retried once."""
    simulator, client = await vnish()
    await client.status()
    simulator.expire_tokens()
    assert (await client.status()).miner_state == "mining"
    assert _unlocks(simulator) == 2


async def test_reads_at_once_log_in_once(vnish: Started) -> None:
    """Reads in flight together that find no token, or all find it expired, share one login."""
    simulator, client = await vnish()
    simulator.reply_delay = lambda: 0.05  # the three requests are at the miner together

    async def read_three() -> None:
        await asyncio.gather(client.status(), client.summary(), client.current_preset())

    await read_three()
    assert _unlocks(simulator) == 1
    simulator.expire_tokens()
    await read_three()
    assert _unlocks(simulator) == 2


async def test_token_never_accepted_does_not_loop(vnish: Started) -> None:
    """When even a fresh token is refused the client gives up after one retry."""
    simulator, client = await vnish(token_ttl=-1)
    with pytest.raises(ApiAuthError):
        await client.status()
    assert _unlocks(simulator) == 2
    assert len(simulator.requests) == 4


async def test_wrong_password(vnish: Started) -> None:
    """403 on unlock is a credentials error, distinct from a connection problem."""
    _, client = await vnish(password="wrong")
    with pytest.raises(ApiInvalidCredentialsError):
        await client.info()


@pytest.mark.parametrize("start_when_running_500", [True, False])
async def test_start_and_stop_are_idempotent(vnish: Started, start_when_running_500: bool) -> None:
    """Start when running and stop when stopped succeed: the state, not the status code, decides."""
    clock = [0.0]
    simulator, client = await vnish(clock=lambda: clock[0], start_when_running_500=start_when_running_500)
    await client.set_mining(True)
    assert simulator.miner_state() == "mining"
    await client.set_mining(False)
    assert simulator.miner_state() == "shutting-down"
    clock[0] += 10
    assert simulator.miner_state() == "stopped"
    await client.set_mining(False)
    assert simulator.commands == ["start", "stop", "stop"]
    await client.set_mining(True)
    assert simulator.miner_state() == "starting"
    clock[0] += 60
    assert simulator.miner_state() == "mining"


async def test_start_while_shutting_down_fails_clearly(vnish: Started) -> None:
    """A start the miner refuses, leaving it stopped, is an error."""
    clock = [0.0]
    simulator, client = await vnish(clock=lambda: clock[0])
    await client.set_mining(False)
    with pytest.raises(ApiResponseError, match="did not start"):
        await client.set_mining(True)
    assert simulator.miner_state() == "shutting-down"


async def test_summary_while_starting_has_no_miner(vnish: Started) -> None:
    """A null miner object while starting parses as an empty summary."""
    clock = [0.0]
    simulator, client = await vnish(clock=lambda: clock[0])
    await client.set_mining(False)
    clock[0] += 10
    await client.set_mining(True)
    summary = await client.summary()
    assert summary == VNishSummary.from_dict({"miner": None})
    assert summary.hashrate_realtime is None
    assert summary.active_pool is None
    assert (await client.status()).miner_state == "starting"


@pytest.mark.parametrize("shape", ["array", "object"])
async def test_presets_in_both_shapes(vnish: Started, shape: str) -> None:
    """Presets parse from a bare array and from {presets: [...]}; untuned ones are marked."""
    _, client = await vnish(presets_shape=shape)
    presets = await client.presets()
    assert [p.name for p in presets if p.tuned] == ["disabled", "2800", "3200", "3600"]
    assert presets[-1].name == "4000"
    assert not presets[-1].tuned


async def test_preset_change_is_confirmed(vnish: Started) -> None:
    """The preset is read back; a firmware that kept the old one is reported."""
    simulator, client = await vnish()
    await client.set_preset("3600")
    assert simulator.state.preset == "3600"
    with pytest.raises(ApiResponseError, match="kept preset"):
        await client.set_preset("9999")


async def test_locate_reads_state_before_toggling(vnish: Started) -> None:
    """find-miner toggles, so turning on twice leaves it on."""
    simulator, client = await vnish()
    await client.set_locate(True)
    await client.set_locate(True)
    assert simulator.state.find_miner is True
    await client.set_locate(False)
    assert simulator.state.find_miner is False


async def test_restart_and_reboot(vnish: Started) -> None:
    """Restart restarts the mining software; reboot takes the miner away and drops tokens."""
    clock = [0.0]
    simulator, client = await vnish(clock=lambda: clock[0], timings=Timings(reboot=5))
    await client.restart()
    assert simulator.miner_state() == "restarting"
    await client.reboot()
    with pytest.raises(ApiConnectionError):
        await client.status()
    clock[0] += 6
    assert (await client.status()).miner_state == "starting"


async def test_failure_state(vnish: Started) -> None:
    """A failed miner reports its reason and is not hashing."""
    simulator, client = await vnish()
    simulator.fail()
    status = await client.status()
    assert status.miner_state == "failure"
    assert status.description == "Chain 2 lost"
    assert not status.is_hashing


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        (VNishFault.SLOW, ApiTimeoutError),
        (VNishFault.HTTP_500, ApiResponseError),
        (VNishFault.MALFORMED_JSON, ApiResponseError),
        (VNishFault.OFFLINE, ApiConnectionError),
    ],
)
async def test_faults(vnish: Started, fault: VNishFault, error: type[Exception]) -> None:
    """Slow, failing, malformed and vanished miners map to the exception tree."""
    simulator, client = await vnish()
    await client.unlock()
    simulator.fault = fault
    with pytest.raises(error):
        await client.summary()


def test_parsers_reject_garbage() -> None:
    """Unusable replies raise rather than pretend."""
    with pytest.raises(ApiResponseError):
        parse_presets("nope")
    with pytest.raises(ApiResponseError):
        VNishSummary.from_dict([])
