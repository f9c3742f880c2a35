"""Edges a review found: settings made elsewhere, limits lowered under a running profile, edits, races, the fleet."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from custom_components.mining_fleet.const import DOMAIN
from simulators.axeos import AxeOSSimulator

from ..conftest import MinerSetup, VNishSetup, fleet_entry, object_id_prefix, set_up_entry
from .conftest import SimClock, tick, tuning_writes, until
from .test_profiles import add_profile, apply_profile, set_limits


async def _run(hass: HomeAssistant, freezer: FrozenDateTimeFactory, clock: SimClock, seconds: float) -> None:
    """Let polls run every 15 s, the simulator's physics moving with them."""
    for _ in range(int(seconds // 15)):
        clock.advance(15)
        await tick(hass, freezer, 15)


def _state(hass: HomeAssistant, miner: AxeOSSimulator, entity: str) -> str:
    return hass.states.get(f"{entity.split('.')[0]}.{object_id_prefix(miner)}_{entity.split('.')[1]}").state


async def test_the_guard_steps_down_from_settings_made_elsewhere(
    hass: HomeAssistant, setup_miner: MinerSetup, freezer: FrozenDateTimeFactory
) -> None:
    """1175 mV (off the model's list) and 540 MHz set on the miner's web page: hot, it steps down; cool, back to 525."""
    clock = SimClock()
    miner, _ = await setup_miner(clock=clock)
    miner.state.core_voltage, miner.state.frequency = 1175, 540
    await _run(hass, freezer, clock, 30)
    assert _state(hass, miner, "select.tuning_profile") == "custom"
    miner.requests.clear()
    miner.extra_heat_c = 30
    await _run(hass, freezer, clock, 120)
    assert tuning_writes(miner)[0] == {"frequency": 525}  # only the frequency changes, so only it is checked
    miner.extra_heat_c = 0
    await _run(hass, freezer, clock, 900)
    # Back as high as the model's options go at or below what was set: 1150 mV, 525 MHz.
    assert _state(hass, miner, "sensor.safety_guard") == "ok"
    assert (miner.state.core_voltage, miner.state.frequency) == (1150, 525)


async def test_lowered_limits_under_a_running_profile(
    hass: HomeAssistant, setup_miner: MinerSetup, freezer: FrozenDateTimeFactory
) -> None:
    """Max tamed and limits lowered: the miner is ramped to the new max, and day is reachable from anywhere."""
    clock = SimClock()
    miner, entry = await setup_miner(clock=clock)
    await add_profile(hass, entry, "max", core_voltage_mv=1250, frequency_mhz=625)
    await apply_profile(hass, entry, "max")
    await add_profile(hass, entry, "max", core_voltage_mv=1200, frequency_mhz=550)
    await set_limits(hass, entry, max_voltage_mv="1200", max_frequency_mhz="550")
    await hass.async_block_till_done(wait_background_tasks=True)
    assert (miner.state.core_voltage, miner.state.frequency) == (1200, 550)  # the edited profile, applied
    assert _state(hass, miner, "select.tuning_profile") == "max"
    miner.state.core_voltage, miner.state.frequency = 1250, 625  # and someone sets it high again by hand
    await _run(hass, freezer, clock, 30)
    await apply_profile(hass, entry, "day")
    assert (miner.state.core_voltage, miner.state.frequency) == (1150, 490)


async def test_a_deleted_active_profile_leaves_custom(hass: HomeAssistant, setup_miner: MinerSetup) -> None:
    """Deleting the profile the miner runs leaves its settings alone, shown as custom."""
    miner, entry = await setup_miner()
    await add_profile(hass, entry, "eco", core_voltage_mv=1100, frequency_mhz=490)
    await apply_profile(hass, entry, "eco")
    options = hass.config_entries.options
    result = await options.async_init(entry.entry_id)
    result = await options.async_configure(result["flow_id"], {"next_step_id": "profiles"})
    result = await options.async_configure(result["flow_id"], {"profile": "eco"})
    await options.async_configure(
        result["flow_id"], {"core_voltage_mv": "1100", "frequency_mhz": "490", "delete": True}
    )
    await hass.async_block_till_done()
    assert _state(hass, miner, "select.tuning_profile") == "custom"
    assert (miner.state.core_voltage, miner.state.frequency) == (1100, 490)


async def test_safe_settings_respect_a_voltage_limit_below_the_default(
    hass: HomeAssistant, setup_miner: MinerSetup
) -> None:
    """With 1100 mV allowed, the emergency setting is the lowest frequency at 1100 mV, not the default 1150."""
    miner, entry = await setup_miner()
    await add_profile(hass, entry, "day", core_voltage_mv=1100, frequency_mhz=490)
    await add_profile(hass, entry, "night", core_voltage_mv=1100, frequency_mhz=525)
    await set_limits(hass, entry, max_voltage_mv="1100")
    await hass.services.async_call(DOMAIN, "apply_safe_settings", {}, blocking=True)
    assert (miner.state.core_voltage, miner.state.frequency) == (1100, 400)


async def test_a_vnish_miner_above_its_power_limit_is_brought_inside(
    hass: HomeAssistant, setup_vnish: VNishSetup, freezer: FrozenDateTimeFactory
) -> None:
    """3600 W chosen in the VNish web page against a 3000 W limit: the guard goes straight to a preset within it."""
    miner, entry = await setup_vnish()
    await add_profile(hass, entry, "night", preset="2800")
    await set_limits(hass, entry, max_power_w=3000)
    miner.state.preset = "3600"
    miner.presets_received.clear()
    for _ in range(4):
        await tick(hass, freezer, 15)
    assert miner.presets_received == ["2800"]


async def test_a_queued_write_cannot_undo_a_guard_step(
    hass: HomeAssistant, setup_miner: MinerSetup, freezer: FrozenDateTimeFactory
) -> None:
    """A write queued behind the guard's step is checked against what the miner runs after it, and held."""
    clock = SimClock()
    miner, entry = await setup_miner(clock=clock)
    coordinator = entry.runtime_data
    miner.extra_heat_c = 40
    await _run(hass, freezer, clock, 30)
    assert coordinator.tuning.guard.throttled
    throttled_at = round(miner.state.frequency)
    last_step = coordinator.tuning.guard.last_step
    lock = coordinator._write_lock
    await lock.acquire()  # a slow write in flight
    for _ in range(3):  # until the guard decides its next step (it waits behind the lock)
        clock.advance(15)
        freezer.tick(timedelta(seconds=15))
        async_fire_time_changed(hass)
        with contextlib.suppress(AssertionError):
            await until(lambda: coordinator.tuning.guard.last_step != last_step, rounds=20_000)
    user = asyncio.ensure_future(
        hass.services.async_call(
            DOMAIN,
            "set_tuning",
            {"device_id": coordinator.device_id, "frequency": throttled_at},
            blocking=True,
        )
    )
    await until(lambda: len(lock._waiters or ()) >= 2)
    lock.release()
    await user
    await hass.async_block_till_done(wait_background_tasks=True)
    assert miner.state.frequency < throttled_at


async def test_fleet_profile_sums_are_unknown_while_a_miner_is_away(
    hass: HomeAssistant, setup_miner: MinerSetup, freezer: FrozenDateTimeFactory
) -> None:
    """A sum without one miner would dip (read as a meter reset); it is unknown until every miner is back."""
    clock = SimClock()
    await setup_miner(clock=clock)
    second_miner, second = await setup_miner(clock=clock)
    await set_up_entry(hass, fleet_entry())
    await _run(hass, freezer, clock, 300)
    sensor = "sensor.mining_fleet_energy_on_night"
    before = float(hass.states.get(sensor).state)
    await second_miner.stop()
    await hass.config_entries.async_reload(second.entry_id)  # as after a restart: it cannot load yet
    await _run(hass, freezer, clock, 30)
    assert hass.states.get(sensor).state == "unknown"
    await second_miner.start(second_miner.port)
    await _run(hass, freezer, clock, 120)
    assert float(hass.states.get(sensor).state) >= before
