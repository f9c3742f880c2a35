"""Tuning rules without Home Assistant: stored settings, transitions and per-profile statistics, property-tested."""

from __future__ import annotations

import json
import math
from typing import Any

from hypothesis import given, strategies as st
import pytest

from custom_components.mining_fleet.logic.profile_stats import MAX_GAP_SECONDS, ProfileStats, fleet_stats
from custom_components.mining_fleet.logic.tuning import Transition, Tuning, changes, matches, overlay

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=20), children, max_size=5),
    max_leaves=12,
)
settings = st.none() | st.integers(1, 2000)
tunings = st.builds(Tuning, settings, settings, st.none() | st.sampled_from(["2800", "3200"]), settings)


@given(
    json_values
    | st.dictionaries(st.sampled_from(["frequency_mhz", "core_voltage_mv", "preset"]), json_values)
)
def test_stored_tuning_is_read_or_refused_never_raised(data: Any) -> None:
    """Whatever a storage file holds, reading it gives a tuning of the right types or None."""
    tuning = Tuning.from_dict(data)
    if tuning is not None:
        assert not tuning.is_empty
        assert all(
            isinstance(value, int | str) and not isinstance(value, bool)
            for value in tuning.as_dict().values()
        )


@given(tunings)
def test_a_tuning_survives_storage(tuning: Tuning) -> None:
    """as_dict, through JSON, and from_dict give the same tuning back."""
    stored = json.loads(json.dumps(tuning.as_dict()))
    assert Tuning.from_dict(stored) == (None if tuning.is_empty else tuning)


@given(tunings, tunings)
def test_an_overlay_runs_what_it_changed(base: Tuning, change: Tuning) -> None:
    """After an overlay, every setting the change named is in force."""
    assert matches(overlay(base, change), change)


@given(tunings, st.none() | tunings)
def test_only_what_differs_is_sent_and_it_is_enough(target: Tuning, current: Tuning | None) -> None:
    """The change holds no setting the miner already runs, and applying it gives the target's settings."""
    change = changes(target, current)
    if current is not None:
        assert all(getattr(current, key) != value for key, value in change.as_dict().items())
    assert matches(overlay(current, change), target)


@given(
    st.none() | st.integers(1, 100),
    st.none() | st.floats(0, 3600),
    st.none() | st.floats(0, 86400),
    st.integers(1, 100),
)
def test_a_transition_keeps_the_miners_own_pace_for_what_the_caller_left_out(
    steps: int | None, delay: float | None, duration: float | None, planned: int
) -> None:
    """Steps and delay the caller omits are the miner's; a duration is spread over the steps actually planned."""
    own = Transition(steps=4, step_delay_s=30)
    transition = own.asked(steps, None if duration is not None else delay, duration)
    assert transition.steps == (steps if steps is not None else 4)
    gap = transition.delay_between(planned)
    if duration is None:
        assert gap == (delay if delay is not None else 30)
    elif planned > 1:
        assert gap * (planned - 1) == pytest.approx(duration)
    else:
        assert gap == 0


samples = st.tuples(
    st.just(0.0) | st.floats(1e-3, 600), st.none() | st.floats(-10, 5000), st.none() | st.floats(-1, 200)
)


@given(st.lists(samples, max_size=50))
def test_statistics_stay_within_what_was_read(
    history: list[tuple[float, float | None, float | None]],
) -> None:
    """Time counts only credited intervals; average power lies between the powers read; nothing is negative."""
    stats = ProfileStats()
    credited = [
        (seconds, max(0.0, power))
        for seconds, power, _ in history
        if 0 < seconds <= MAX_GAP_SECONDS and power is not None
    ]
    for seconds, power, hashrate in history:
        stats = stats.add(seconds, power, hashrate)
    assert stats.seconds == pytest.approx(sum(seconds for seconds, _ in credited))
    assert stats.energy_wh >= 0 and stats.terahash_seconds >= 0
    if credited and stats.seconds > 0:
        average = stats.average_power_w
        assert average is not None and math.isfinite(average)
        assert min(p for _, p in credited) - 1e-6 <= average <= max(p for _, p in credited) + 1e-6
    assert ProfileStats.from_dict(json.loads(json.dumps(stats.as_dict()))) == stats


@given(json_values)
def test_stored_statistics_are_read_or_started_over(data: Any) -> None:
    """Unreadable stored statistics start from zero rather than failing the miner's set-up."""
    stats = ProfileStats.from_dict(data)
    assert stats.seconds >= 0 and stats.energy_wh >= 0


def test_the_fleet_adds_up_each_profile() -> None:
    """Energy, average hashrate and power add up per profile; a profile nobody ran is left out."""
    one, two = ProfileStats(), ProfileStats()
    for _ in range(12):  # an hour and half an hour, five minutes at a time
        one = one.add(300, 15, 1.0)
        two = two.add(150, 3000, 100.0)
    fleet = fleet_stats([{"night": one, "eco": ProfileStats()}, {"night": two}])
    assert set(fleet) == {"night"}
    night = fleet["night"]
    assert night.energy_kwh == pytest.approx(0.015 + 1.5)
    assert night.average_power_w == pytest.approx(3015)
    assert night.efficiency_j_per_th == pytest.approx(3015 / 101)
