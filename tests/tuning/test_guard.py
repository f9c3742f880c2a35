"""The always-on safety guard through Home Assistant, against the simulator's heat physics."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
import pytest
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from custom_components.mining_fleet.const import EVENT_SAFETY_THROTTLE
from simulators.axeos import AxeOSSimulator

from ..conftest import MinerSetup, object_id_prefix
from .conftest import SimClock, points_after, tick, tuning_writes, until
from .test_profiles import GAMMA_START, add_profile, apply_profile


@pytest.fixture
def throttles(hass: HomeAssistant) -> list[dict[str, Any]]:
    """Collect mining_fleet_safety_throttle events."""
    events: list[dict[str, Any]] = []

    @callback
    def record(event: Event[Any]) -> None:
        events.append(dict(event.data))

    hass.bus.async_listen(EVENT_SAFETY_THROTTLE, record)
    return events


async def _run(hass: HomeAssistant, freezer: FrozenDateTimeFactory, clock: SimClock, seconds: float) -> None:
    """Let polls run every 15 s for a while, the simulator's physics moving with them."""
    for _ in range(int(seconds // 15)):
        clock.advance(15)
        await tick(hass, freezer, 15)


def _guard(hass: HomeAssistant, miner: AxeOSSimulator) -> str:
    return hass.states.get(f"sensor.{object_id_prefix(miner)}_safety_guard").state


def _point(miner: AxeOSSimulator) -> tuple[int, int]:
    return miner.state.core_voltage, round(miner.state.frequency)


async def test_a_heat_spike_steps_down_then_back_up_to_the_profile(
    hass: HomeAssistant,
    setup_miner: MinerSetup,
    freezer: FrozenDateTimeFactory,
    throttles: list[dict[str, Any]],
) -> None:
    """Too hot: frequency down a step at a time until inside; calm for a while: back up, never past the profile."""
    clock = SimClock()
    miner, _ = await setup_miner(clock=clock)
    await _run(hass, freezer, clock, 60)
    assert _guard(hass, miner) == "ok" and _point(miner) == GAMMA_START
    miner.requests.clear()
    miner.extra_heat_c = 30  # a blocked fan: 72 °C at the night profile, 70 °C allowed
    await _run(hass, freezer, clock, 120)
    assert _guard(hass, miner) == "temperature"
    assert _point(miner) == (1150, 400)
    assert [event["action"] for event in throttles[:2]] == ["step_down", "step_down"]
    assert throttles[0]["reason"] == "temperature" and throttles[0]["tuning"] == {
        "frequency_mhz": 490,
        "core_voltage_mv": 1150,
    }
    miner.extra_heat_c = 0
    await _run(hass, freezer, clock, 600)
    assert _point(miner) == GAMMA_START
    assert _guard(hass, miner) == "ok"
    assert [event["action"] for event in throttles[2:]] == ["step_up", "step_up", "released"]
    state = hass.states.get(f"select.{object_id_prefix(miner)}_tuning_profile")
    assert state.state == "night"  # the chosen profile never changed
    points = points_after(GAMMA_START, tuning_writes(miner))
    assert all(voltage <= 1150 and frequency <= 525 for voltage, frequency in points)


async def test_a_firmware_overheat_throttles_and_a_held_profile_waits(
    hass: HomeAssistant,
    setup_miner: MinerSetup,
    freezer: FrozenDateTimeFactory,
    throttles: list[dict[str, Any]],
) -> None:
    """The firmware's overheat flag throttles; a harder profile chosen meanwhile is held until the guard climbs."""
    clock = SimClock()
    miner, entry = await setup_miner(clock=clock)
    await add_profile(hass, entry, "max", core_voltage_mv=1250, frequency_mhz=625)
    await _run(hass, freezer, clock, 30)
    miner.overheat()
    await _run(hass, freezer, clock, 30)
    assert _guard(hass, miner) == "overheat"
    throttled_at = _point(miner)
    assert throttled_at[1] < 525
    miner.requests.clear()
    await apply_profile(hass, entry, "max")
    assert tuning_writes(miner) == []  # held: nothing harder is sent while throttled
    assert hass.states.get(f"select.{object_id_prefix(miner)}_tuning_profile").state == "max"
    miner.state.overheat_mode = 0  # cleared by hand on the miner
    await _run(hass, freezer, clock, 1800)
    assert _guard(hass, miner) == "ok"
    assert _point(miner) == (1250, 625)
    assert throttles[-1]["action"] == "released"
    points = points_after(throttled_at, tuning_writes(miner))
    # Climbing back goes one option at a time, each at least two minutes after the last.
    assert len(points) == len(set(points)) >= 5


async def test_a_step_the_miner_missed_is_tried_again(
    hass: HomeAssistant, setup_miner: MinerSetup, freezer: FrozenDateTimeFactory
) -> None:
    """A miner away for a moment gets the step 5 s later; one away for good fails the call, naming it."""
    clock = SimClock()
    miner, entry = await setup_miner(clock=clock)
    miner.offline_until = clock.now + 3
    change = asyncio.ensure_future(apply_profile(hass, entry, "day"))
    await until(lambda: len(miner.requests) >= 2)  # the fresh read and the first attempt, both dropped
    clock.advance(5)
    await tick(hass, freezer, 5)
    await change
    assert _point(miner) == (1150, 490)
    assert hass.states.get(f"select.{object_id_prefix(miner)}_tuning_profile").state == "day"
    miner.offline_until = clock.now + 3600
    change = asyncio.ensure_future(apply_profile(hass, entry, "night"))
    for _ in range(3):  # each retry waits 5 s on Home Assistant's clock
        with contextlib.suppress(AssertionError):
            await until(change.done, rounds=5_000)
        freezer.tick(timedelta(seconds=5))
        async_fire_time_changed(hass)
    await until(change.done)
    with pytest.raises(HomeAssistantError) as failed:
        await change
    assert failed.value.translation_key == "action_cannot_connect"
    assert _point(miner) == (1150, 490)
