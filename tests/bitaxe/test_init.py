"""Set-up, unload, retries, and what entities show when the miner misbehaves."""

from __future__ import annotations

from datetime import timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from custom_components.mining_fleet.const import SCAN_INTERVAL
from simulators.axeos import Fault

from ..conftest import MinerSetup, SimulatorFactory, miner_entry, object_id_prefix


async def _poll(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    """Let one poll interval pass."""
    freezer.tick(SCAN_INTERVAL + timedelta(seconds=1))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)


async def test_setup_and_unload(hass: HomeAssistant, setup_miner: MinerSetup) -> None:
    """An entry loads and unloads cleanly."""
    _, entry = await setup_miner("2.15")
    assert entry.state is ConfigEntryState.LOADED
    assert await hass.config_entries.async_unload(entry.entry_id)
    assert entry.state is ConfigEntryState.NOT_LOADED


@pytest.mark.parametrize("fault", [Fault.OFFLINE, Fault.NOT_LOCAL, Fault.HTTP_500, Fault.MALFORMED_JSON])
async def test_setup_retries_when_miner_fails(
    hass: HomeAssistant, start_simulator: SimulatorFactory, fault: Fault
) -> None:
    """A miner that cannot be read at start-up is retried later, not given up on."""
    miner = await start_simulator("2.15")
    miner.fault = fault
    entry = miner_entry(miner)
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.SETUP_RETRY
    assert miner.host in str(entry.reason)  # the translated message names the miner


async def test_not_local_reason_explains_401(hass: HomeAssistant, start_simulator: SimulatorFactory) -> None:
    """The retry reason tells the user why a 401 happens."""
    miner = await start_simulator("2.15")
    miner.fault = Fault.NOT_LOCAL
    entry = miner_entry(miner)
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    assert "not on the miner's local network" in str(entry.reason)


async def test_setup_retries_when_asic_fails(hass: HomeAssistant, start_simulator: SimulatorFactory) -> None:
    """The one-time /api/system/asic read failing also means retry."""
    miner = await start_simulator("2.15")
    miner.fault = Fault.HTTP_500
    entry = miner_entry(miner)
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.SETUP_RETRY
    assert ("GET", "/api/system/asic", None) in miner.requests


@pytest.mark.parametrize("fault", [Fault.OFFLINE, Fault.HTTP_500, Fault.MALFORMED_JSON, Fault.NOT_LOCAL])
async def test_unavailable_then_recovered(
    hass: HomeAssistant, setup_miner: MinerSetup, freezer: FrozenDateTimeFactory, fault: Fault
) -> None:
    """Entities go unavailable on any fault; the online sensor stays available and reads off."""
    miner, _ = await setup_miner("2.15")
    name = object_id_prefix(miner)
    miner.fault = fault
    await _poll(hass, freezer)
    assert hass.states.get(f"sensor.{name}_hashrate").state == STATE_UNAVAILABLE
    assert hass.states.get(f"binary_sensor.{name}_online").state == "off"
    miner.fault = Fault.NONE
    await _poll(hass, freezer)
    assert hass.states.get(f"sensor.{name}_hashrate").state not in (STATE_UNAVAILABLE, STATE_UNKNOWN)
    assert hass.states.get(f"binary_sensor.{name}_online").state == "on"


async def test_hung_miner_times_out(hass: HomeAssistant, setup_miner: MinerSetup) -> None:
    """A miner that accepts the connection but never answers is marked offline after the timeout."""
    miner, entry = await setup_miner("2.15")
    name = object_id_prefix(miner)
    # Real time here (no freezer): the client's timeout must really expire.
    entry.runtime_data._client._http.timeout = 0.3
    miner.fault = Fault.TIMEOUT
    await entry.runtime_data.async_refresh()
    await hass.async_block_till_done()
    assert hass.states.get(f"binary_sensor.{name}_online").state == "off"
    assert "did not answer" in str(entry.runtime_data.last_exception)
    miner.fault = Fault.NONE
    await entry.runtime_data.async_refresh()
    await hass.async_block_till_done()
    assert hass.states.get(f"sensor.{name}_hashrate").state not in (STATE_UNAVAILABLE, STATE_UNKNOWN)
    assert hass.states.get(f"binary_sensor.{name}_online").state == "on"


async def test_missing_fields_read_unknown(
    hass: HomeAssistant, setup_miner: MinerSetup, freezer: FrozenDateTimeFactory
) -> None:
    """A reply without some telemetry leaves those sensors unknown and the rest working."""
    miner, _ = await setup_miner("2.15")
    name = object_id_prefix(miner)
    miner.fault = Fault.MISSING_FIELDS
    await _poll(hass, freezer)
    assert hass.states.get(f"sensor.{name}_hashrate").state == STATE_UNKNOWN
    assert hass.states.get(f"sensor.{name}_efficiency").state == STATE_UNKNOWN
    assert hass.states.get(f"sensor.{name}_frequency").state == "525.0"
    assert hass.states.get(f"binary_sensor.{name}_online").state == "on"


async def test_another_miner_at_the_address(
    hass: HomeAssistant, setup_miner: MinerSetup, freezer: FrozenDateTimeFactory
) -> None:
    """When DHCP hands the address to another miner, its data is refused, not shown as ours."""
    miner, entry = await setup_miner("2.15")
    miner.mac = "02:00:00:00:00:99"
    await _poll(hass, freezer)
    assert hass.states.get(f"sensor.{object_id_prefix(miner)}_hashrate").state == STATE_UNAVAILABLE
    assert entry.runtime_data.last_exception is not None
    assert entry.runtime_data.last_exception.translation_key == "wrong_device"


async def test_boot_time_is_stable_between_polls(
    hass: HomeAssistant, setup_miner: MinerSetup, freezer: FrozenDateTimeFactory
) -> None:
    """Last boot does not creep with polling jitter, but moves on a reboot."""
    clock = [5000.0]
    miner, _ = await setup_miner("2.15", clock=lambda: clock[0])
    miner.state.boot_time = clock[0] - 3600
    await _poll(hass, freezer)
    sensor = f"sensor.{object_id_prefix(miner)}_last_boot"
    first = hass.states.get(sensor).state
    clock[0] += 17  # uptime grows by 17 s while wall time grows by 16 s: jitter, not a reboot
    await _poll(hass, freezer)
    assert hass.states.get(sensor).state == first
    miner.state.boot_time = clock[0]  # rebooted just now
    await _poll(hass, freezer)
    assert hass.states.get(sensor).state != first
