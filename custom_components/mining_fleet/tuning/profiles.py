"""A miner's profiles, limits and default transition, as stored in its entry's options."""

from __future__ import annotations

from collections.abc import Mapping
import math
from typing import Any

from ..logic.guard import Limits
from ..logic.tuning import Transition, Tuning

CONF_PROFILES = "profiles"
CONF_LIMITS = "limits"
CONF_TRANSITION = "transition"
CONF_STEPS = "steps"
CONF_STEP_DELAY = "step_delay"
CONF_DURATION = "duration"
PROFILE_DAY = "day"
PROFILE_NIGHT = "night"
# Every miner has these two; users add more ("eco", "max").
REQUIRED_PROFILES = (PROFILE_DAY, PROFILE_NIGHT)
# Shown when the miner runs settings no profile has (set by hand, or in the miner's own web page).
CUSTOM = "custom"
LIMIT_KEYS = ("max_voltage_mv", "max_frequency_mhz", "max_temperature_c", "max_power_w")


def profiles_from(options: Mapping[str, Any], defaults: Mapping[str, Tuning]) -> dict[str, Tuning]:
    """Return the miner's profiles: the stored ones over the model's defaults for day and night."""
    stored = options.get(CONF_PROFILES)
    parsed = {
        str(name): tuning
        for name, raw in (stored.items() if isinstance(stored, Mapping) else ())
        if (tuning := Tuning.from_dict(raw)) is not None and str(name) != CUSTOM
    }
    return {**defaults, **parsed}


def limits_from(options: Mapping[str, Any], model: Limits, max_temperature_c: float) -> Limits:
    """Return the user's limits, never above the model's voltage and frequency or the temperature cap."""
    stored = options.get(CONF_LIMITS)
    if not isinstance(stored, Mapping):
        return model
    values: dict[str, Any] = {key: getattr(model, key) for key in LIMIT_KEYS}
    for key in LIMIT_KEYS:
        value = stored.get(key)
        if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
            ceiling = values[key] if key != "max_temperature_c" else max_temperature_c
            values[key] = value if ceiling is None else min(value, ceiling)
    return Limits(**values)


def transition_from(options: Mapping[str, Any]) -> Transition:
    """Return the transition a profile change uses when the caller names none (or as a ramp was saved)."""
    stored = options.get(CONF_TRANSITION)
    if not isinstance(stored, Mapping):
        return Transition()
    steps = stored.get(CONF_STEPS)
    delay, duration = _seconds(stored.get(CONF_STEP_DELAY)), _seconds(stored.get(CONF_DURATION))
    valid_steps = isinstance(steps, int) and not isinstance(steps, bool) and steps >= 1
    return Transition(steps if valid_steps else Transition().steps, delay or 0.0, duration)  # type: ignore[arg-type]


def _seconds(value: object) -> float | None:
    """Return a stored number of seconds, or None when it is not one."""
    if isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value < math.inf:
        return float(value)
    return None
