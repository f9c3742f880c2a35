"""Shared fixtures: simulated Bitaxes on 127.0.0.1 and config entries that point at them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any
from unittest.mock import PropertyMock, patch

from homeassistant.const import CONF_HOST, CONF_PASSWORD
from homeassistant.core import HomeAssistant
from homeassistant.helpers.device_registry import format_mac
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.mining_fleet.const import (
    CONF_KIND,
    DOMAIN,
    FLEET_UNIQUE_ID,
    KIND_BITAXE,
    KIND_FLEET,
    KIND_VNISH,
)
from simulators.axeos import AxeOSSimulator
from simulators.vnish import Timings, VNishSimulator

type SimulatorFactory = Callable[..., Awaitable[AxeOSSimulator]]
type MinerSetup = Callable[..., Awaitable[tuple[AxeOSSimulator, MockConfigEntry]]]


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Let Home Assistant load custom_components/mining_fleet."""


@pytest.fixture(autouse=True)
def isolated_config_dir(hass: HomeAssistant, tmp_path: Path) -> None:
    """Give every test its own config folder, so installed blueprints never leak between tests."""
    hass.config.config_dir = str(tmp_path)


@pytest.fixture
def enable_all_entities() -> Iterator[None]:
    """Add the entities that are disabled by default too (per board, per fan, statistics per miner)."""
    with patch(
        "homeassistant.helpers.entity.Entity.entity_registry_enabled_default",
        new_callable=PropertyMock,
        return_value=True,
    ):
        yield


@pytest.fixture
async def start_simulator(socket_enabled: None) -> AsyncIterator[SimulatorFactory]:
    """Start simulated Bitaxes on free loopback ports; stop them after the test."""
    started: list[AxeOSSimulator] = []

    async def _start(
        firmware: str = "2.15", board: str | None = None, *, port: int = 0, **kwargs: Any
    ) -> AxeOSSimulator:
        kwargs.setdefault("seed", len(started))
        kwargs.setdefault("restart_seconds", 0.5)
        miner = AxeOSSimulator(firmware, board, **kwargs)
        await miner.start(port)
        started.append(miner)
        return miner

    yield _start
    for miner in started:
        await miner.stop()


async def set_up_entry(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Add a config entry to Home Assistant and set it up, waiting until its entities exist."""
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()


def object_id_prefix(miner: AxeOSSimulator) -> str:
    """Return the object-id prefix Home Assistant gives a simulated miner's entities."""
    return miner.state.hostname.replace("-", "_")


def miner_entry(miner: AxeOSSimulator) -> MockConfigEntry:
    """Return a config entry for a simulated miner, as the config flow would create it."""
    return MockConfigEntry(
        domain=DOMAIN,
        title=miner.state.hostname,
        unique_id=format_mac(miner.mac),
        data={CONF_KIND: KIND_BITAXE, CONF_HOST: miner.host},
    )


@pytest.fixture
async def setup_miner(hass: HomeAssistant, start_simulator: SimulatorFactory) -> MinerSetup:
    """Start a simulator and set up a config entry for it."""

    async def _setup(
        firmware: str = "2.15", board: str | None = None, **kwargs: Any
    ) -> tuple[AxeOSSimulator, MockConfigEntry]:
        miner = await start_simulator(firmware, board, **kwargs)
        entry = miner_entry(miner)
        await set_up_entry(hass, entry)
        return miner, entry

    return _setup


type VNishFactory = Callable[..., Awaitable[VNishSimulator]]
type VNishSetup = Callable[..., Awaitable[tuple[VNishSimulator, MockConfigEntry]]]

# Fast transient states so tests see whole stop/start cycles in real time.
FAST = Timings(shutting_down=0.05, starting=0.05, restarting=0.05, reboot=0.3)


@pytest.fixture
async def start_vnish(socket_enabled: None) -> AsyncIterator[VNishFactory]:
    """Start simulated VNish Antminers on free loopback ports; stop them after the test."""
    started: list[VNishSimulator] = []

    async def _start(**kwargs: Any) -> VNishSimulator:
        kwargs.setdefault("seed", 100 + len(started))
        kwargs.setdefault("timings", FAST)
        miner = VNishSimulator(**kwargs)
        await miner.start()
        started.append(miner)
        return miner

    yield _start
    for miner in started:
        await miner.stop()


def vnish_entry(miner: VNishSimulator, password: str = "admin") -> MockConfigEntry:
    """Return a config entry for a simulated VNish miner, as the config flow would create it."""
    return MockConfigEntry(
        domain=DOMAIN,
        title="antminer-s19",
        unique_id=format_mac(miner.mac),
        data={CONF_KIND: KIND_VNISH, CONF_HOST: miner.host, CONF_PASSWORD: password},
    )


@pytest.fixture
async def setup_vnish(hass: HomeAssistant, start_vnish: VNishFactory) -> VNishSetup:
    """Start a VNish simulator and set up a config entry for it."""

    async def _setup(**kwargs: Any) -> tuple[VNishSimulator, MockConfigEntry]:
        miner = await start_vnish(**kwargs)
        entry = vnish_entry(miner)
        await set_up_entry(hass, entry)
        return miner, entry

    return _setup


def fleet_entry(options: dict[str, Any] | None = None) -> MockConfigEntry:
    """Return the fleet overview's config entry, as the config flow (and its options) would create it."""
    return MockConfigEntry(
        domain=DOMAIN,
        title="Mining fleet",
        unique_id=FLEET_UNIQUE_ID,
        data={CONF_KIND: KIND_FLEET},
        options=options or {},
    )
