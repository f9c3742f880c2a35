"""The restart-on-offline rules, property-tested: verdicts with reasons, and every guard of the watchdog."""

from __future__ import annotations

import math

from hypothesis import given, strategies as st

from custom_components.mining_fleet.logic.watchdog import (
    Action,
    Reason,
    Verdict,
    WatchSettings,
    WatchState,
    Witnesses,
    decide,
    offline_verdict,
    state_from_dict,
    state_to_dict,
)

SETTINGS = WatchSettings(time_until_offline=600, cooldown=600, max_consecutive_restarts=3)
NOW = 1_800_000_000.0


def test_each_witness_and_its_reason() -> None:
    """API silent, no shares, worker missing: each is offline only after time_until_offline."""
    cases = [
        (Witnesses(NOW, has_api=True, api_unreachable_since=NOW - 601), Reason.API_UNREACHABLE),
        (Witnesses(NOW, has_worker=True, last_share=NOW - 700), Reason.NO_SHARES),
        (Witnesses(NOW, has_worker=True, worker_missing_since=NOW - 600), Reason.WORKER_MISSING),
        (Witnesses(NOW, has_worker=True, not_hashing_since=NOW - 900), Reason.NO_SHARES),
    ]
    for witnesses, reason in cases:
        verdict = offline_verdict(witnesses, SETTINGS)
        assert (verdict.online, verdict.reason) == (False, reason)
    assert offline_verdict(Witnesses(NOW, has_worker=True, last_share=NOW - 599), SETTINGS).online
    assert offline_verdict(Witnesses(NOW, has_api=True, api_unreachable_since=None), SETTINGS).online


def test_earliest_silence_names_the_reason() -> None:
    """With both witnesses silent, the reason is the one that went quiet first."""
    witnesses = Witnesses(
        NOW, has_api=True, api_unreachable_since=NOW - 700, has_worker=True, last_share=NOW - 1200
    )
    assert offline_verdict(witnesses, SETTINGS) == Verdict(False, Reason.NO_SHARES, NOW - 1200)


def test_hung_rig_gets_a_soft_restart_first() -> None:
    """API answers but no shares: restart the software, then power-cycle if that did not help."""
    offline = Verdict(False, Reason.NO_SHARES, NOW - 700)
    action, state = decide(offline, WatchState(), SETTINGS, NOW, api_answers=True)
    assert action is Action.SOFT_RESTART
    action, state = decide(offline, state, SETTINGS, NOW + 300, api_answers=True)
    assert action is Action.NONE  # cooldown
    action, state = decide(offline, state, SETTINGS, NOW + 600, api_answers=True)
    assert action is Action.POWER_CYCLE and state.consecutive_power_cycles == 1


def test_gives_up_after_the_limit_and_recovers_after_a_healthy_cooldown() -> None:
    """Three power cycles, then one give-up; back online for a cooldown resets everything."""
    offline = Verdict(False, Reason.API_UNREACHABLE, NOW - 700)
    state, actions = WatchState(), []
    for step in range(6):
        action, state = decide(offline, state, SETTINGS, NOW + step * 600, api_answers=False)
        actions.append(action)
    assert actions == [Action.POWER_CYCLE] * 3 + [Action.GIVE_UP, Action.NONE, Action.NONE]
    action, state = decide(Verdict(True), state, SETTINGS, NOW + 4000, api_answers=True)
    assert action is Action.NONE and state.gave_up  # online, but not yet for a whole cooldown
    action, state = decide(Verdict(True), state, SETTINGS, NOW + 4600, api_answers=True)
    # The counters start over; the last action (the give-up's last power cycle) and its time stay.
    assert action is Action.NONE
    assert state == WatchState(
        last_action=Action.GIVE_UP, last_action_at=NOW + 1200, healthy_since=NOW + 4000
    )


def test_brief_recoveries_do_not_reset_the_count() -> None:
    """A rig that boots, hashes for two minutes and hangs again is still given up on after the limit."""
    offline = Verdict(False, Reason.API_UNREACHABLE, NOW)
    state, now, cycles, gave_up = WatchState(), NOW, 0, False
    for _ in range(20):
        action, state = decide(offline, state, SETTINGS, now, api_answers=False)
        cycles += action is Action.POWER_CYCLE
        gave_up |= action is Action.GIVE_UP
        _, state = decide(Verdict(True), state, SETTINGS, now + 480, api_answers=True)  # back briefly
        now += 600
    assert cycles == SETTINGS.max_consecutive_restarts and gave_up


def test_dead_api_skips_the_soft_restart() -> None:
    """With the API unreachable there is nothing to restart softly: power-cycle at once."""
    action, _ = decide(Verdict(False, Reason.NO_SHARES, NOW), WatchState(), SETTINGS, NOW, api_answers=False)
    assert action is Action.POWER_CYCLE


verdicts = st.one_of(
    st.just(Verdict(True)),
    st.sampled_from(list(Reason)).map(lambda reason: Verdict(False, reason, 0.0)),
)
steps = st.lists(st.tuples(st.floats(min_value=1, max_value=1200), verdicts, st.booleans()), max_size=60)


@given(steps)
def test_watchdog_guards_hold_for_any_history(history: list[tuple[float, Verdict, bool]]) -> None:
    """Never acts in a cooldown or on an online rig, never exceeds the limit, gives up at most once.

    Health is tracked here, independently of the rule: only a whole cooldown online resets the count.
    """
    state, now = WatchState(), NOW
    last_action_at: float | None = None
    cycles_since_reset, gave_up = 0, False
    healthy_since: float | None = None
    for gap, verdict, api_answers in history:
        now += gap
        if verdict.online:
            healthy_since = now if healthy_since is None else healthy_since
            if now - healthy_since >= SETTINGS.cooldown:
                cycles_since_reset, gave_up = 0, False
        else:
            healthy_since = None
        action, state = decide(verdict, state, SETTINGS, now, api_answers=api_answers)
        if action is Action.NONE:
            continue
        assert not verdict.online
        assert last_action_at is None or now - last_action_at >= SETTINGS.cooldown
        assert not gave_up
        if action is Action.POWER_CYCLE:
            cycles_since_reset += 1
            assert cycles_since_reset <= SETTINGS.max_consecutive_restarts
        if action is Action.GIVE_UP:
            gave_up = True
        if action is not Action.GIVE_UP:
            last_action_at = now


@given(
    st.floats(min_value=0, max_value=2000) | st.none(),
    st.floats(min_value=0, max_value=2000) | st.none(),
    st.floats(min_value=0, max_value=2000) | st.none(),
)
def test_verdict_is_offline_exactly_when_a_witness_is_overdue(
    api_silent: float | None, shares_silent: float | None, missing: float | None
) -> None:
    """Offline iff some witness has been silent for time_until_offline or longer."""
    witnesses = Witnesses(
        NOW,
        has_api=True,
        api_unreachable_since=None if api_silent is None else NOW - api_silent,
        has_worker=True,
        last_share=None if shares_silent is None else NOW - shares_silent,
        worker_missing_since=None if missing is None else NOW - missing,
    )
    silences = (api_silent, shares_silent, missing)
    overdue = [s for s in silences if s is not None and s >= SETTINGS.time_until_offline]
    verdict = offline_verdict(witnesses, SETTINGS)
    assert verdict.online is (not overdue)
    if not verdict.online:
        assert verdict.since == NOW - max(overdue)


@given(
    st.one_of(
        st.none(),
        st.text(max_size=5),
        st.dictionaries(
            st.sampled_from(
                [
                    "consecutive_power_cycles",
                    "last_action",
                    "last_action_at",
                    "soft_restart_tried",
                    "gave_up",
                    "healthy_since",
                ]
            ),
            st.one_of(
                st.none(),
                st.booleans(),
                st.integers(),
                st.floats(),
                st.text(max_size=12),
                st.lists(st.integers(), max_size=2),
            ),
        ),
    )
)
def test_any_stored_state_reads_back_as_a_state(stored: object) -> None:
    """A damaged store never crashes the watchdog: it reads a state with sane numbers (or starts over)."""
    state = state_from_dict(stored)
    assert state.consecutive_power_cycles >= 0
    for moment in (state.last_action_at, state.healthy_since):
        assert moment is None or math.isfinite(moment)


@given(steps)
def test_states_survive_the_store(history: list[tuple[float, Verdict, bool]]) -> None:
    """Every state the rules reach is written and read back unchanged."""
    state, now = WatchState(), 0.0
    for gap, verdict, api_answers in history:
        now += gap
        _, state = decide(verdict, state, SETTINGS, now, api_answers=api_answers)
        assert state_from_dict(state_to_dict(state)) == state
