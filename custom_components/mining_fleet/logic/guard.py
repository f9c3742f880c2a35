"""The always-on safety guard: step a miner down while it is too hot or draws too much, and back up slowly.

Pure rules over one poll at a time. Down: the next lower frequency option, then (at the lowest
frequency) the next lower voltage; a poll later, again, until the miner is inside its limits. Up:
only after the readings have stayed a margin inside the limits for a settle time, one step at a
time along the same safe ramp as a profile change, and never past the chosen profile.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
import enum

from .ramp import Point, plan_ramp

# Back up only this far below the temperature limit, and this share of the power limit, …
TEMPERATURE_MARGIN_C = 5.0
POWER_MARGIN = 0.9
# … for this long, and again after every step up.
SETTLE_SECONDS = 120.0


class ThrottleReason(enum.StrEnum):
    """Why the guard holds a miner below its profile."""

    OVERHEAT = "overheat"  # the firmware's own overheat lock-out or a power fault
    TEMPERATURE = "temperature"
    POWER = "power"


@dataclass(frozen=True, slots=True)
class Limits:
    """A miner's limits (the user's, never above the model's)."""

    max_temperature_c: float
    max_power_w: float | None = None


@dataclass(frozen=True, slots=True)
class Reading:
    """What one poll says about heat and power."""

    temperature_c: float | None
    power_w: float | None
    firmware_fault: bool = False


@dataclass(frozen=True, slots=True)
class GuardState:
    """Whether the guard holds the miner down, why, and since when it has been calm."""

    reason: ThrottleReason | None = None
    calm_since: float | None = None

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


def calm(reading: Reading, limits: Limits) -> bool:
    """Return True when the readings are a margin inside the limits (unknown temperature is not calm)."""
    if reading.firmware_fault or reading.temperature_c is None:
        return False
    if reading.temperature_c > limits.max_temperature_c - TEMPERATURE_MARGIN_C:
        return False
    return (
        limits.max_power_w is None
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


def guard_step(
    point: Point,
    profile: Point,
    reading: Reading,
    limits: Limits,
    state: GuardState,
    now: float,
    *,
    voltages: Sequence[int],
    frequencies: Sequence[int],
) -> tuple[Point | None, GuardState]:
    """Return the point to set now (None: leave it) and the guard's next state."""
    if (reason := too_hot(reading, limits)) is not None:
        return step_down(point, voltages, frequencies), GuardState(reason=reason)
    if not state.throttled:
        return None, state
    if not calm(reading, limits):
        return None, replace(state, calm_since=None)
    if state.calm_since is None or now - state.calm_since < SETTLE_SECONDS:
        return None, replace(state, calm_since=state.calm_since if state.calm_since is not None else now)
    ramp = plan_ramp(point, profile, voltages, frequencies)
    if not ramp:
        return None, GuardState()  # back on the profile: no longer throttled
    return ramp[0], replace(state, calm_since=now)
