"""Defensive field readers shared by every parser: a usable value or None, never an exception."""

from __future__ import annotations

from collections.abc import Mapping
import math
from typing import Any

_TRUE_TEXT = frozenset({"true", "yes", "on", "1"})
_FALSE_TEXT = frozenset({"false", "no", "off", "0"})
# No reading a miner, a container or a pool reports comes near this (network difficulty is ~1e14);
# beyond it a number is junk, and sums, products or timestamps built from it would overflow.
MAX_MAGNITUDE = 1e18
_MAX_NUMERIC_TEXT = 64
# What firmware reports instead of a serial number or MAC address it does not know.
_PLACEHOLDERS = frozenset({"n/a", "na", "none", "null", "unknown", "undefined", "-", "?"})


def mapping(value: Any) -> Mapping[str, Any]:
    """Return value when it is a JSON object, else an empty mapping."""
    return value if isinstance(value, Mapping) else {}


def as_number(value: Any) -> float | None:
    """Return a finite, plausible number (numeric strings too, firmware sends them), or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        if len(value) > _MAX_NUMERIC_TEXT:
            return None
        try:
            value = float(value)
        except ValueError:
            return None
    if not isinstance(value, int | float):
        return None
    try:
        result = float(value)
    except OverflowError:  # an integer too large for a float
        return None
    return result if math.isfinite(result) and abs(result) <= MAX_MAGNITUDE else None


def finite(value: float | None) -> float | None:
    """Return a computed value when it is finite (a quotient or product can overflow), else None."""
    return value if value is not None and math.isfinite(value) else None


def number(data: Mapping[str, Any], key: str) -> float | None:
    """Return a numeric field as a finite float, or None."""
    return as_number(data.get(key))


def whole(data: Mapping[str, Any], key: str) -> int | None:
    """Return a numeric field as an int (counters, ports, ids), or None."""
    value = number(data, key)
    return None if value is None else int(value)


def text(data: Mapping[str, Any], key: str) -> str | None:
    """Return a non-empty string field, or None."""
    value = data.get(key)
    return value if isinstance(value, str) and value else None


def identifier(data: Mapping[str, Any], key: str) -> str | None:
    """Return a MAC address or serial number, or None for the placeholders firmware sends instead."""
    value = text(data, key)
    if value is None:
        return None
    stripped = value.strip()
    if stripped.lower() in _PLACEHOLDERS or not stripped.strip("0:-. "):
        return None
    return stripped


def flag(data: Mapping[str, Any], key: str) -> bool | None:
    """Return a boolean, 0/1 or "true"/"false" field as bool, or None when missing or unclear."""
    value = data.get(key)
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        lowered = value.strip().lower()
        return True if lowered in _TRUE_TEXT else False if lowered in _FALSE_TEXT else None
    numeric = as_number(value)
    return None if numeric is None else numeric != 0


def items(value: Any) -> list[Any]:
    """Return a JSON array's items, or an empty list when it is anything else."""
    return value if isinstance(value, list) else []
