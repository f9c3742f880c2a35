"""The always-on safety guard: step a miner down while it is too hot or draws too much, and back up slowly.

Pure rules over one poll at a time, for any kind of operating point (a Bitaxe's voltage and
frequency, a VNish preset): the kind says what "one step down" and "the ramp up to the profile"
are. Down: one step, then again once the step has had time to show in the readings, until the
miner is inside its limits. Up: only after the readings have stayed a margin inside the limits
for a settle time, one step at a time along the same safe ramp as a profile change, and never
past the chosen profile.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
import enum

from .ramp import Point, plan_ramp

# Back up only this far below the temperature limit, and this share of the power limit, …
TEMPERATURE_MARGIN_C = 5.0
POWER_MARGIN = 0.9
# … for this long, and again after every step up.
SETTLE_SECONDS = 120.0
# A step needs this long to show in the temperature before the next one (two polls).
STEP_SECONDS = 30.0
# Tripping again within this window of the last trip doubles the settle time (a profile that runs
# right at a limit climbs back ever more slowly instead of flapping), up to MAX_SETTLE_SECONDS.
STRIKE_WINDOW_SECONDS = 3600.0
MAX_SETTLE_SECONDS = 3600.0


class ThrottleReason(enum.StrEnum):
    """Why the guard holds a miner below its profile."""

    OVERHEAT = "overheat"  # the firmware's own overheat lock-out or a power fault
    TEMPERATURE = "temperature"
    POWER = "power"


@dataclass(frozen=True, slots=True)
class Limits:
    """A miner's limits (the user's, never above the model's); None: no limit of that kind."""

    max_temperature_c: float
    max_power_w: float | None = None
    max_voltage_mv: int | None = None
    max_frequency_mhz: int | None = None


@dataclass(frozen=True, slots=True)
class Reading:
    """What one poll says about heat and power."""

    temperature_c: float | None
    power_w: float | None
    firmware_fault: bool = False


@dataclass(frozen=True, slots=True)
class GuardState:
    """Whether the guard holds the miner down, why, since when it has been calm, and when it last stepped."""

    reason: ThrottleReason | None = None
    calm_since: float | None = None
    last_step: float | None = None
    # Trips in a row, each within STRIKE_WINDOW_SECONDS of the one before, and when the last was.
    strikes: int = 0
    last_trip: float | None = None

    @property
    def settle_seconds(self) -> float:
        """Return how long the miner must stay calm before a step up: doubled for each strike."""
        return min(MAX_SETTLE_SECONDS, SETTLE_SECONDS * (1 << min(max(0, self.strikes - 1), 16)))

    def tripped(self, reason: ThrottleReason, now: float, stepped: bool) -> GuardState:
        """Return the state after a reading outside the limits (a step down taken or not)."""
        new_trip = not self.throttled or self.calm_since is not None or self.last_trip is None
        strikes = self.strikes
        if new_trip:
            recent = self.last_trip is not None and now - self.last_trip < STRIKE_WINDOW_SECONDS
            strikes = strikes + 1 if recent else 1
        return GuardState(
            reason=reason,
            last_step=now if stepped else self.last_step,
            strikes=strikes,
            last_trip=now if new_trip else self.last_trip,
        )

    @property
    def throttled(self) -> bool:
        """Return True while the guard holds the miner below its profile."""
        return self.reason is not None


def too_hot(reading: Reading, limits: Limits) -> ThrottleReason | None:
    """Return why the miner is outside its limits now, or None."""
    if reading.firmware_fault:
        return ThrottleReason.OVERHEAT
    if reading.temperature_c is not None and reading.temperature_c > limits.max_temperature_c:
        return ThrottleReason.TEMPERATURE
    if (
        limits.max_power_w is not None
        and reading.power_w is not None
        and reading.power_w > limits.max_power_w
    ):
        return ThrottleReason.POWER
    return None


def calm(reading: Reading, limits: Limits, reason: ThrottleReason | None = None) -> bool:
    """Return True when the readings are a margin inside the limits (unknown temperature is not calm).

    The power margin applies only to a miner held for its power: one held for heat may run its
    profile right up to the power limit.
    """
    if reading.firmware_fault or reading.temperature_c is None:
        return False
    if reading.temperature_c > limits.max_temperature_c - TEMPERATURE_MARGIN_C:
        return False
    return (
        reason is not ThrottleReason.POWER
        or limits.max_power_w is None
        or reading.power_w is None
        or reading.power_w <= limits.max_power_w * POWER_MARGIN
    )


def step_down(point: Point, voltages: Sequence[int], frequencies: Sequence[int]) -> Point | None:
    """Return the next safer point: a lower frequency, else a lower voltage; None at the bottom."""
    lower_frequencies = [f for f in frequencies if f < point.frequency_mhz]
    if lower_frequencies:
        return Point(point.voltage_mv, max(lower_frequencies))
    lower_voltages = [v for v in voltages if v < point.voltage_mv]
    return Point(max(lower_voltages), point.frequency_mhz) if lower_voltages else None


def guard_step[T](
    current: T,
    profile: T,
    reading: Reading,
    limits: Limits,
    state: GuardState,
    now: float,
    *,
    down: Callable[[T], T | None],
    up: Callable[[T, T], Sequence[T]],
) -> tuple[T | None, GuardState]:
    """Return the point to set now (None: leave it) and the guard's next state."""
    recent_step = state.last_step is not None and now - state.last_step < STEP_SECONDS
    if (reason := too_hot(reading, limits)) is not None:
        lower = None if recent_step else down(current)
        return lower, state.tripped(reason, now, stepped=lower is not None)
    if not state.throttled:
        return None, state
    if not calm(reading, limits, state.reason):
        return None, replace(state, calm_since=None)
    if not (ramp := up(current, profile)):
        # Back on the profile: released, remembering the strikes for a trip soon after.
        return None, GuardState(last_step=state.last_step, strikes=state.strikes, last_trip=state.last_trip)
    calm_since = now if state.calm_since is None else state.calm_since
    if now - calm_since < state.settle_seconds or recent_step:
        return None, replace(state, calm_since=calm_since)
    return ramp[0], replace(state, calm_since=now, last_step=now)


def bitaxe_ladder(
    voltages: Sequence[int], frequencies: Sequence[int]
) -> tuple[Callable[[Point], Point | None], Callable[[Point, Point], list[Point]]]:
    """Return a Bitaxe's step down and ramp up along its allowed options."""
    return (
        lambda point: step_down(point, voltages, frequencies),
        lambda point, profile: plan_ramp(point, profile, voltages, frequencies),
    )
