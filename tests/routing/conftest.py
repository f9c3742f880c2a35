"""Routing tests: simulated Bitaxes and Antminers whose physics a test clock settles, and what they received."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.mining_fleet.const import DOMAIN
from custom_components.mining_fleet.routing import SubnetPool
from simulators.axeos import AxeOSSimulator
from simulators.vnish import VNishSimulator

from ..conftest import SimulatorFactory, VNishFactory, miner_entry, set_up_entry, vnish_entry
from ..tuning.conftest import SimClock

# Alice's well-known development account: a valid SS58 address (prefix 42, as Bittensor's).
HOTKEY = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY"
SUBNET = SubnetPool(HOTKEY)
SUBNET_HOST = "stratum.infinitehash.xyz"

type BitaxeSetup = Callable[..., Awaitable[tuple[AxeOSSimulator, MockConfigEntry]]]
type AntminerSetup = Callable[..., Awaitable[tuple[VNishSimulator, MockConfigEntry]]]


@pytest.fixture
def sim_clock() -> SimClock:
    """Return the clock every simulated Bitaxe of a test runs on (their physics and reboots)."""
    return SimClock()


@pytest.fixture
async def bitaxe(hass: HomeAssistant, start_simulator: SimulatorFactory, sim_clock: SimClock) -> BitaxeSetup:
    """Start a Bitaxe whose hashrate has settled, and set up its entry."""

    async def _setup(firmware: str = "2.15", **kwargs: Any) -> tuple[AxeOSSimulator, MockConfigEntry]:
        miner = await start_simulator(firmware, clock=sim_clock, **kwargs)
        sim_clock.advance(120)
        entry = miner_entry(miner)
        await set_up_entry(hass, entry)
        return miner, entry

    return _setup


@pytest.fixture
async def antminer(hass: HomeAssistant, start_vnish: VNishFactory) -> AntminerSetup:
    """Start a VNish Antminer and set up its entry (titles differ, as users name their miners)."""

    async def _setup(title: str = "antminer-s19", **kwargs: Any) -> tuple[VNishSimulator, MockConfigEntry]:
        miner = await start_vnish(**kwargs)
        template = vnish_entry(miner)
        entry = MockConfigEntry(
            domain=DOMAIN, title=title, unique_id=template.unique_id, data=dict(template.data)
        )
        await set_up_entry(hass, entry)
        return miner, entry

    return _setup


async def settle(hass: HomeAssistant, sim_clock: SimClock) -> None:
    """Let rebooted Bitaxes come back, Antminers finish restarting, and every miner be polled afresh."""
    sim_clock.advance(120)
    await asyncio.sleep(0.3)  # the Antminers' restart runs on the real clock (50 ms states)
    for entry in hass.config_entries.async_entries(DOMAIN):
        await entry.runtime_data.async_refresh()
    await hass.async_block_till_done()


def writes(miner: AxeOSSimulator | VNishSimulator) -> list[str]:
    """Return every request other than a read (a settings write, a restart) the miner received."""
    return [
        request[1] for request in miner.requests if request[0] != "GET" and not request[1].endswith("/unlock")
    ]


def bitaxe_pool(miner: AxeOSSimulator) -> tuple[str, int, str]:
    """Return the pool a simulated Bitaxe mines on first."""
    state = miner.state
    pool = state.pools[state.primary_pool if miner.at_least(2, 15) else 0]
    return pool["stratumURL"], pool["stratumPort"], pool["stratumUser"]


def antminer_pools(miner: VNishSimulator) -> list[tuple[str, str, str]]:
    """Return the pools in a simulated Antminer's settings, first priority first, with their passwords."""
    return [(pool["url"], pool["user"], pool["pass"]) for pool in miner.state.pools]
