"""Ramps and the safety guard, property-tested: one setting per step, never under-volted, never past the limits."""

from __future__ import annotations

from itertools import pairwise

from hypothesis import given, strategies as st

from custom_components.mining_fleet.logic.guard import (
    SETTLE_SECONDS,
    STEP_SECONDS,
    GuardState,
    Limits,
    Reading,
    ThrottleReason,
    bitaxe_ladder,
    guard_step,
    step_down,
)
from custom_components.mining_fleet.logic.ramp import Point, plan_preset_ramp, plan_ramp

VOLTAGES = (1000, 1060, 1100, 1150, 1200, 1250)
FREQUENCIES = (400, 490, 525, 550, 600, 625)
points = st.builds(Point, st.sampled_from(VOLTAGES), st.sampled_from(FREQUENCIES))
# A start someone set by hand may be off the option lists.
starts = points | st.builds(Point, st.integers(950, 1300), st.integers(350, 700))
DOWN, UP = bitaxe_ladder(VOLTAGES, FREQUENCIES)


def test_raising_goes_voltage_first_and_lowering_frequency_first() -> None:
    """The seed's day → night and back, as single-setting steps in the safe order."""
    day, night = Point(1150, 450), Point(1250, 550)
    up = plan_ramp(day, night, VOLTAGES, (450, 500, 550))
    assert up == [Point(1200, 450), Point(1250, 450), Point(1250, 500), Point(1250, 550)]
    down = plan_ramp(night, day, VOLTAGES, (450, 500, 550))
    assert down == [Point(1250, 500), Point(1250, 450), Point(1200, 450), Point(1150, 450)]
    assert plan_ramp(day, day, VOLTAGES, FREQUENCIES) == []


@given(starts, points, st.none() | st.integers(1, 12))
def test_every_ramp_is_safe_at_every_step(start: Point, target: Point, max_steps: int | None) -> None:
    """One setting per step, each point dominated by an endpoint, values from the options, ending on target."""
    ramp = plan_ramp(start, target, VOLTAGES, FREQUENCIES, max_steps)
    if start == target:
        assert ramp == []
        return
    assert ramp[-1] == target
    previous = start
    for point in ramp:
        changed = (point.voltage_mv != previous.voltage_mv) + (point.frequency_mhz != previous.frequency_mhz)
        assert changed == 1
        assert point.dominated_by(start) or point.dominated_by(target)
        if point.voltage_mv != previous.voltage_mv:
            assert point.voltage_mv in VOLTAGES
        else:
            assert point.frequency_mhz in FREQUENCIES
        previous = point
    if max_steps is not None:
        settings_moved = (start.voltage_mv != target.voltage_mv) + (
            start.frequency_mhz != target.frequency_mhz
        )
        assert len(ramp) <= max(max_steps, settings_moved)


def test_presets_step_through_the_tuned_ones() -> None:
    """VNish ramps one tuned preset at a time, either way; an unknown start jumps straight to the target."""
    presets = ["2800", "3000", "3200", "3400"]
    assert plan_preset_ramp("2800", "3400", presets) == ["3000", "3200", "3400"]
    assert plan_preset_ramp("3400", "3000", presets) == ["3200", "3000"]
    assert plan_preset_ramp("3400", "2800", presets) == ["3200", "3000", "2800"]  # down to the first one
    assert plan_preset_ramp("3400", "2800", presets, max_steps=2) == ["3000", "2800"]
    assert plan_preset_ramp("custom", "3000", presets) == ["3000"]
    assert plan_preset_ramp("3000", "3000", presets) == []


LIMITS = Limits(max_temperature_c=70, max_power_w=15)


def test_a_heat_spike_steps_down_then_back_up_after_settling() -> None:
    """Too hot: frequency down each poll; calm for the settle time: one step back up at a time, to the profile."""
    profile = Point(1150, 525)
    hot, calm = Reading(75, 14), Reading(60, 12)
    state, point = GuardState(), profile
    down, state = guard_step(point, profile, hot, LIMITS, state, 0, down=DOWN, up=UP)
    assert down == Point(1150, 490) and state.reason is ThrottleReason.TEMPERATURE
    point = down
    now = 10.0
    step, state = guard_step(point, profile, calm, LIMITS, state, now, down=DOWN, up=UP)
    assert step is None  # calm only from now
    step, state = guard_step(point, profile, calm, LIMITS, state, now + SETTLE_SECONDS, down=DOWN, up=UP)
    assert step == profile
    step, state = guard_step(
        profile,
        profile,
        calm,
        LIMITS,
        state,
        now + 3 * SETTLE_SECONDS,
        down=DOWN,
        up=UP,
    )
    assert step is None and not state.throttled


def test_at_the_bottom_voltage_goes_down_then_nothing_is_left() -> None:
    """The lowest frequency steps the voltage down; the lowest point has nothing lower."""
    assert step_down(Point(1150, 400), VOLTAGES, FREQUENCIES) == Point(1100, 400)
    assert step_down(Point(1000, 400), VOLTAGES, FREQUENCIES) is None


readings = st.builds(
    Reading,
    st.none() | st.floats(20, 95),
    st.none() | st.floats(0, 25),
    st.booleans(),
)


@given(points, st.lists(st.tuples(st.floats(1, 300), readings), max_size=80))
def test_the_guard_never_goes_past_the_profile_or_up_while_hot(
    profile: Point, history: list[tuple[float, Reading]]
) -> None:
    """Whatever the readings: down while outside the limits, never above the profile, only option values."""
    point, state, now = profile, GuardState(), 0.0
    for gap, reading in history:
        now += gap
        new, state = guard_step(point, profile, reading, LIMITS, state, now, down=DOWN, up=UP)
        if new is None:
            continue
        hot = reading.firmware_fault or (reading.temperature_c or 0) > 70 or (reading.power_w or 0) > 15
        if hot:  # a step down: less frequency, or (at the lowest) less voltage, never more of either
            assert (
                new.voltage_mv <= point.voltage_mv
                and new.frequency_mhz <= point.frequency_mhz
                and new != point
            )
        else:
            assert new.frequency_mhz <= profile.frequency_mhz and new.voltage_mv <= max(
                profile.voltage_mv, point.voltage_mv
            )
        assert new.voltage_mv in VOLTAGES and new.frequency_mhz in FREQUENCIES
        point = new


@given(st.lists(st.floats(1, 60), min_size=1, max_size=60))
def test_steps_down_wait_for_the_last_one_to_show(gaps: list[float]) -> None:
    """However often the polls come while hot, two steps down are at least STEP_SECONDS apart."""
    point, state, now, stepped_at = Point(1250, 625), GuardState(), 0.0, []
    for gap in gaps:
        now += gap
        new, state = guard_step(point, point, Reading(80, 10), LIMITS, state, now, down=DOWN, up=UP)
        if new is not None:
            stepped_at.append(now)
            point = new
    assert all(later - earlier >= STEP_SECONDS for earlier, later in pairwise(stepped_at))


@given(st.lists(st.text(min_size=1, max_size=4), min_size=1, max_size=8, unique=True), st.data())
def test_a_preset_ramp_walks_every_preset_between_and_ends_on_the_target(
    presets: list[str], data: st.DataObject
) -> None:
    """From any preset to any other: each neighbour in turn, in the direction of travel, ending on the target."""
    start, target = data.draw(st.sampled_from(presets)), data.draw(st.sampled_from(presets))
    path = plan_preset_ramp(start, target, presets)
    if start == target:
        assert path == []
        return
    assert path[-1] == target
    indexes = [presets.index(start), *(presets.index(preset) for preset in path)]
    assert all(abs(later - earlier) == 1 for earlier, later in pairwise(indexes))


def test_a_profile_right_at_the_limit_climbs_back_ever_more_slowly() -> None:
    """Hot on the profile, calm one step below: each trip within the hour doubles the wait, so few writes."""
    profile = Point(1150, 525)
    point, state, writes = profile, GuardState(), 0
    for poll in range(4 * 60 * 2):  # two hours of polls every 15 s
        reading = Reading(72, 10) if point == profile else Reading(55, 10)
        new, state = guard_step(point, profile, reading, LIMITS, state, poll * 15.0, down=DOWN, up=UP)
        if new is not None:
            point, writes = new, writes + 1
    # Settle times 120, 240, 480, 960, 1920, 3600 s …: about a dozen writes in two hours, not 120.
    assert writes <= 14
    assert state.settle_seconds == 3600
