"""Restart-on-offline rules: when a rig counts as offline (and why), and what the watchdog does about it.

Pure functions over plain numbers (unix seconds), so every guard is property-tested without Home
Assistant: never act during a cooldown, never more power cycles in a row than allowed, give up
once, and start over only after one healthy cooldown.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
import enum
import math
from typing import Any


class Reason(enum.StrEnum):
    """Why a rig counts as offline."""

    API_UNREACHABLE = "api_unreachable"
    NO_SHARES = "no_shares"
    WORKER_MISSING = "worker_missing"


class Action(enum.StrEnum):
    """What the watchdog does after a verdict."""

    NONE = "none"
    SOFT_RESTART = "soft_restart"  # restart the mining software through the miner's API
    POWER_CYCLE = "power_cycle"  # outlet off, wait, on
    GIVE_UP = "give_up"  # stop acting; raise a repair issue


@dataclass(frozen=True, slots=True)
class WatchSettings:
    """A watched rig's settings; the defaults are the seed script's."""

    time_until_offline: float = 600.0
    cooldown: float = 600.0
    max_consecutive_restarts: int = 3
    power_off_seconds: float = 3.0


@dataclass(frozen=True, slots=True)
class Witnesses:
    """What the witnesses say now. A rig may have only a pool worker, only an API, or both."""

    now: float
    # The miner's own API: None when the rig has none (a HiveOS box known only to its pool).
    api_unreachable_since: float | None = None
    has_api: bool = False
    # The pool: None for every field when the rig has no pool witness.
    has_worker: bool = False
    worker_missing_since: float | None = None
    last_share: float | None = None
    # Pools without share times (OCEAN) only say since when the worker stopped hashing.
    not_hashing_since: float | None = None


@dataclass(frozen=True, slots=True)
class Verdict:
    """Online, or offline with its reason and since when."""

    online: bool
    reason: Reason | None = None
    since: float | None = None


def offline_verdict(witnesses: Witnesses, settings: WatchSettings) -> Verdict:
    """Return offline when any witness has been silent for time_until_offline, with the earliest reason."""
    limit = settings.time_until_offline
    silent: list[tuple[float, Reason]] = []
    if witnesses.has_api and witnesses.api_unreachable_since is not None:
        silent.append((witnesses.api_unreachable_since, Reason.API_UNREACHABLE))
    if witnesses.has_worker:
        share = witnesses.last_share if witnesses.last_share is not None else witnesses.not_hashing_since
        if witnesses.worker_missing_since is not None:
            # A worker that vanished from the list has been silent since its last share, if that came first.
            since = (
                witnesses.worker_missing_since
                if share is None
                else min(share, witnesses.worker_missing_since)
            )
            silent.append((since, Reason.WORKER_MISSING))
        elif share is not None:
            silent.append((share, Reason.NO_SHARES))
    overdue = sorted((since, reason) for since, reason in silent if witnesses.now - since >= limit)
    if not overdue:
        return Verdict(online=True)
    since, reason = overdue[0]
    return Verdict(online=False, reason=reason, since=since)


@dataclass(frozen=True, slots=True)
class WatchState:
    """What the watchdog remembers about one rig (persisted across restarts)."""

    consecutive_power_cycles: int = 0
    last_action: Action = Action.NONE
    last_action_at: float | None = None
    soft_restart_tried: bool = False
    gave_up: bool = False
    # Since when the rig has been online without a break (None while offline or never seen healthy).
    healthy_since: float | None = None

    def in_cooldown(self, now: float, settings: WatchSettings) -> bool:
        """Return True while the last action's cooldown runs."""
        return self.last_action_at is not None and now - self.last_action_at < settings.cooldown


def _while_online(state: WatchState, settings: WatchSettings, now: float) -> WatchState:
    """Count healthy time; after a whole cooldown of it, start over."""
    healthy_since = state.healthy_since if state.healthy_since is not None else now
    if now - healthy_since >= settings.cooldown:
        # The counters start over; what was done last, and when, stays (sensors, the manual guard).
        return WatchState(
            last_action=state.last_action, last_action_at=state.last_action_at, healthy_since=healthy_since
        )
    return replace(state, healthy_since=healthy_since)


def decide(
    verdict: Verdict, state: WatchState, settings: WatchSettings, now: float, *, api_answers: bool
) -> tuple[Action, WatchState]:
    """Return the action to take now and the state after it.

    A hung rig whose API still answers gets one software restart first; a dead one (or one the
    soft restart did not help) is power-cycled, at most max_consecutive_restarts times in a row,
    then the watchdog gives up once. Only a whole cooldown of uninterrupted health resets that:
    a rig that boots, hashes for two minutes and hangs again is still counted.
    """
    if verdict.online:
        return Action.NONE, _while_online(state, settings, now)
    state = replace(state, healthy_since=None)
    if state.in_cooldown(now, settings):
        return Action.NONE, state
    if state.gave_up:
        return Action.NONE, state
    if api_answers and verdict.reason is not Reason.API_UNREACHABLE and not state.soft_restart_tried:
        return Action.SOFT_RESTART, replace(
            state, last_action=Action.SOFT_RESTART, last_action_at=now, soft_restart_tried=True
        )
    if state.consecutive_power_cycles >= settings.max_consecutive_restarts:
        return Action.GIVE_UP, replace(state, last_action=Action.GIVE_UP, gave_up=True)
    return Action.POWER_CYCLE, replace(
        state,
        consecutive_power_cycles=state.consecutive_power_cycles + 1,
        last_action=Action.POWER_CYCLE,
        last_action_at=now,
    )


class Phase(enum.StrEnum):
    """What the watchdog of one rig is doing, as the state sensor shows it."""

    WATCHING = "watching"
    COOLING_DOWN = "cooling_down"
    RESTARTING = "restarting"  # the mining software, through the miner's API
    POWER_CYCLING = "power_cycling"
    OUTLET_OFF = "outlet_off"  # someone else switched the outlet off: the watchdog leaves it so
    GAVE_UP = "gave_up"
    DISABLED = "disabled"  # paused for maintenance


def phase_of(
    state: WatchState,
    settings: WatchSettings,
    now: float,
    *,
    paused: bool,
    cycling: bool,
    outlet_on: bool | None,
    restarting: bool = False,
) -> Phase:
    """Return the phase, the most pressing first."""
    checks = (
        (paused, Phase.DISABLED),
        (restarting, Phase.RESTARTING),
        (cycling, Phase.POWER_CYCLING),
        (state.gave_up, Phase.GAVE_UP),
        (outlet_on is False, Phase.OUTLET_OFF),
        (state.in_cooldown(now, settings), Phase.COOLING_DOWN),
    )
    return next((phase for applies, phase in checks if applies), Phase.WATCHING)


def state_to_dict(state: WatchState) -> dict[str, Any]:
    """Return the state as JSON-ready data for the store."""
    return {
        "consecutive_power_cycles": state.consecutive_power_cycles,
        "last_action": state.last_action.value,
        "last_action_at": state.last_action_at,
        "soft_restart_tried": state.soft_restart_tried,
        "gave_up": state.gave_up,
        "healthy_since": state.healthy_since,
    }


def state_from_dict(data: Any) -> WatchState:
    """Return a stored state; anything unreadable starts over (the cautious reading: no action taken yet)."""
    if not isinstance(data, dict):
        return WatchState()
    try:
        return WatchState(
            consecutive_power_cycles=max(0, int(data.get("consecutive_power_cycles", 0))),
            last_action=Action(data.get("last_action", Action.NONE)),
            last_action_at=_optional_time(data.get("last_action_at")),
            soft_restart_tried=bool(data.get("soft_restart_tried", False)),
            gave_up=bool(data.get("gave_up", False)),
            healthy_since=_optional_time(data.get("healthy_since")),
        )
    except (TypeError, ValueError, OverflowError):
        return WatchState()


def _optional_time(value: Any) -> float | None:
    """Return a stored unix time, or None (also for one that is not a finite number)."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return float(value)
