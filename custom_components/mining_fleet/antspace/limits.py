"""A container's options: the supply setpoint limits and the miners inside."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..api.antspace_models import Model

CONF_SETPOINT_MIN = "setpoint_min"
CONF_SETPOINT_MAX = "setpoint_max"
CONF_MINERS = "miners"
# The wire defines no range: these come from the vendor UI's colour bands (HK3 water 21 to 40 °C,
# Immersion oil 33 to 48 °C), inside the hard bounds a user may widen them to.
DEFAULT_LIMITS = {Model.HK3: (21.0, 40.0), Model.IMMERSION: (33.0, 48.0)}
HARD_BOUNDS = (15.0, 55.0)


def setpoint_limits(model: Model, options: Mapping[str, Any]) -> tuple[float, float]:
    """Return the configured limits, else the model's; always within the hard bounds, low below high."""
    default_low, default_high = DEFAULT_LIMITS[model]
    low = _bounded(options.get(CONF_SETPOINT_MIN), default_low)
    high = _bounded(options.get(CONF_SETPOINT_MAX), default_high)
    return (low, high) if low < high else (default_low, default_high)


def _bounded(value: object, default: float) -> float:
    """Return a stored limit within the hard bounds, or the default when it is not a number."""
    if not isinstance(value, int | float) or isinstance(value, bool):
        return default
    return min(HARD_BOUNDS[1], max(HARD_BOUNDS[0], float(value)))
