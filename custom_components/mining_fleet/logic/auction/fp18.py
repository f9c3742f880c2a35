"""Fixed-point numbers with 18 decimals (FP18), as the subnet writes them: minimal decimal text."""

from __future__ import annotations

from decimal import Decimal
import re

ONE = 10**18
# "1", "1.5", ".5": digits, at most 18 of them after the point, no sign, no exponent, no trailing dot.
_TEXT = re.compile(r"(?P<whole>\d*)(?:\.(?P<fraction>\d{1,18}))?")


def parse(text: str) -> int | None:
    """Return the FP18 integer a decimal text stands for, or None when it is not one."""
    match = _TEXT.fullmatch(text)
    if match is None or not (match["whole"] or match["fraction"]):
        return None
    fraction = (match["fraction"] or "").ljust(18, "0")
    return int(match["whole"] or "0") * ONE + int(fraction)


def read(text: str) -> int | None:
    """Return a number as the validators read one in commitments, or None when they refuse it.

    Looser than parse: surrounding spaces, a sign, "1." and trailing zeros past 18 decimals are
    accepted. What we publish is always parse's canonical form; this is for reading others' bids.
    """
    number = text.strip()
    negative = number[:1] == "-"
    if number[:1] in ("+", "-"):
        number = number[1:]
    if not number:
        return None
    whole, _, fraction = number.partition(".")
    fraction = fraction.rstrip("0")
    whole = whole or "0"
    if not whole.isdigit() or (fraction and not fraction.isdigit()) or len(fraction) > 18:
        return None
    try:
        value = int(whole) * ONE + (int(fraction.ljust(18, "0")) if fraction else 0)
    except ValueError:  # isdigit() admits digits int() refuses (superscripts)
        return None
    return -value if negative else value


def text(value: int) -> str:
    """Return the minimal decimal text of an FP18 integer: no trailing zeros, no trailing dot."""
    if value < 0:
        raise ValueError("FP18 values here are never negative")
    whole, fraction = divmod(value, ONE)
    digits = f"{fraction:018d}".rstrip("0")
    return f"{whole}.{digits}" if digits else str(whole)


def of(value: Decimal | str) -> int:
    """Return a Decimal (or its text) as FP18, refusing more than 18 decimals or a negative value."""
    number = Decimal(value)
    scaled = number * ONE
    if not number.is_finite() or number < 0 or scaled != scaled.to_integral_value():
        raise ValueError(f"{value} is not a non-negative number with at most 18 decimals")
    return int(scaled)


def decimal(value: int) -> Decimal:
    """Return an FP18 integer as a Decimal."""
    return Decimal(text(value))


def as_float(value: int | None) -> float | None:
    """Return an FP18 integer as a float (for states and events), None staying None."""
    return None if value is None else float(decimal(value))


def mul(a: int, b: int) -> int:
    """Multiply two FP18 values, rounding down as the subnet does."""
    return a * b // ONE


def div(a: int, b: int) -> int:
    """Divide two FP18 values, rounding down as the subnet does."""
    return a * ONE // b
