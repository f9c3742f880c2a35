"""Event-loop hygiene: Home Assistant's blocking-call detection stays silent while every kind sets up.

pytest-homeassistant-custom-component does not turn the detection on (a real start does, in
bootstrap), and under pytest Home Assistant leaves out the file calls (open, Path.read_text …,
listdir, import_module, SSL loads). These tests turn all of it on around each kind's set-up, as
in a real Home Assistant, and read what it logs.
"""

from __future__ import annotations

from collections.abc import Awaitable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant import block_async_io
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.util import loop as loop_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.mining_fleet.const import CONF_KIND, DOMAIN, KIND_POOL, SCAN_INTERVAL
from custom_components.mining_fleet.pool.types import POOL_TYPES
from simulators import pools
from simulators.pools import PoolSimulator, SimWorker

from .antspace.conftest import ContainerFactory, container_entry, start_container  # noqa: F401
from .auction.conftest import FakeChainFactory, start_fake_chain  # noqa: F401
from .auction.test_auction_entry import auction_entry, demo_chain, write_wallet
from .conftest import MinerSetup, VNishSetup, fleet_entry, set_up_entry
from .watchdog.conftest import Farm, add_watchdog, farm  # noqa: F401


@contextmanager
def blocking_call_detection() -> Iterator[None]:
    """Turn Home Assistant's blocking-call detection on in the running loop, and off again after."""
    with patch.object(block_async_io, "_IN_TESTS", False):  # also the calls it skips under pytest
        block_async_io.enable()
    # A call site reported once before (in an earlier test) is logged at debug level only.
    loop_util._PREVIOUSLY_REPORTED.clear()
    try:
        yield
    finally:
        calls = block_async_io._BLOCKED_CALLS.calls
        for call in calls:
            setattr(call.object, call.function, call.original_func)
        calls.clear()


def blocking_reports(caplog: pytest.LogCaptureFixture) -> list[str]:
    """Return what the detection logged: a "Detected blocking call" warning or a "Caught" error."""
    return [record.getMessage() for record in caplog.records if "blocking call" in record.getMessage()]


async def test_detection_is_live(hass: HomeAssistant, caplog: pytest.LogCaptureFixture) -> None:
    """A file opened in the loop is reported: the silence of the other tests means something."""
    with blocking_call_detection(), open(__file__, encoding="utf-8"):  # noqa: ASYNC230 - on purpose
        pass
    assert any("Detected blocking call to open" in report for report in blocking_reports(caplog))


async def test_miners_and_fleet(
    hass: HomeAssistant,
    setup_miner: MinerSetup,
    setup_vnish: VNishSetup,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Bitaxes of every firmware, a VNish Antminer and the fleet overview set up and poll without blocking."""
    with blocking_call_detection():
        for firmware in ("2.9", "2.12", "2.15"):
            await setup_miner(firmware)
        await setup_vnish()
        await set_up_entry(hass, fleet_entry())
        freezer.tick(SCAN_INTERVAL + timedelta(seconds=6))  # a poll and the totals' cooldown
        async_fire_time_changed(hass)
        await hass.async_block_till_done(wait_background_tasks=True)
    assert_loaded_quietly(hass, caplog)


async def test_pool(hass: HomeAssistant, socket_enabled: None, caplog: pytest.LogCaptureFixture) -> None:
    """A pool account sets up without blocking."""
    simulator = PoolSimulator(workers={"rig1": SimWorker(1.1)})
    await simulator.start()
    data = {
        CONF_KIND: KIND_POOL,
        "pool": "ckpool",
        "base_url": f"http://{simulator.host}",
        "address": pools.ADDRESS,
    }
    entry = MockConfigEntry(
        domain=DOMAIN, title="CKPool", unique_id=POOL_TYPES["ckpool"].account_id(data), data=data
    )
    try:
        await assert_sets_up_quietly(hass, caplog, set_up_entry(hass, entry))
    finally:
        await hass.config_entries.async_unload(entry.entry_id)
        await simulator.stop()


@pytest.mark.parametrize("model", ["hk3", "immersion"])
async def test_antspace(
    hass: HomeAssistant,
    start_container: ContainerFactory,  # noqa: F811
    model: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """An Antspace container sets up without blocking."""
    container = await start_container(model)
    await assert_sets_up_quietly(hass, caplog, set_up_entry(hass, container_entry(container)))


async def test_watchdog(
    hass: HomeAssistant,
    farm: Farm,  # noqa: F811
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The rig watchdog with a rig on a Kasa strip outlet sets up without blocking."""
    rig = await farm.pool_rig("hive1")
    await assert_sets_up_quietly(hass, caplog, add_watchdog(hass, {"Hive rig": rig}))


async def test_auction(
    hass: HomeAssistant,
    start_fake_chain: FakeChainFactory,  # noqa: F811
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The subnet auction on the loopback fake chain sets up (reads the wallet, replays a window) without blocking."""
    chain = await demo_chain(start_fake_chain)
    wallets = await hass.async_add_executor_job(write_wallet, tmp_path)
    await assert_sets_up_quietly(hass, caplog, set_up_entry(hass, auction_entry(chain.url, wallets)))


async def assert_sets_up_quietly(
    hass: HomeAssistant, caplog: pytest.LogCaptureFixture, setting_up: Awaitable[object]
) -> None:
    """Await a set-up with the detection on; it must finish with nothing reported."""
    with blocking_call_detection():
        await setting_up
    assert_loaded_quietly(hass, caplog)


def assert_loaded_quietly(hass: HomeAssistant, caplog: pytest.LogCaptureFixture) -> None:
    """Every entry of the integration finished setting up, and no blocking call was reported."""
    entries = hass.config_entries.async_entries(DOMAIN)
    assert entries and all(entry.state is ConfigEntryState.LOADED for entry in entries)
    assert blocking_reports(caplog) == []
