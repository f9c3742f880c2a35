"""Ramps between operating points: one setting per step, along the model's options, never under-volted.

A Bitaxe operating point is a core voltage (mV) and a frequency (MHz). Both endpoints of a ramp
are safe pairs. Every step changes exactly one setting, so the firmware never applies two at once
in an unknown order, and every point on the way is "dominated" by an endpoint: at least that
endpoint's voltage and at most its frequency. Moves that make the chip safer (frequency down,
voltage up) come first, from the start; then the others (frequency up, voltage down), ending on
the target. VNish miners ramp through the tuned presets between the two, one preset per step.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True, order=True)
class Point:
    """A Bitaxe operating point."""

    voltage_mv: int
    frequency_mhz: int

    def dominated_by(self, other: Point) -> bool:
        """Return True when this point is at least as safe as other (more or equal volts, less or equal MHz)."""
        return self.voltage_mv >= other.voltage_mv and self.frequency_mhz <= other.frequency_mhz


def _between(options: Sequence[int], start: int, end: int) -> list[int]:
    """Return the options strictly after start up to end, in the order of travel, ending on end."""
    if start == end:
        return []
    ascending = end > start
    inside = sorted(o for o in set(options) if (start < o < end if ascending else end < o < start))
    return [*(inside if ascending else reversed(inside)), end]


def thin[T](values: list[T], steps: int) -> list[T]:
    """Keep at most `steps` of the values, evenly spread, always the last one."""
    if steps >= len(values):
        return values
    picked = {round((index + 1) * len(values) / steps) - 1 for index in range(steps)}
    return [value for index, value in enumerate(values) if index in picked]


def plan_ramp(
    start: Point,
    target: Point,
    voltages: Sequence[int],
    frequencies: Sequence[int],
    max_steps: int | None = None,
) -> list[Point]:
    """Return the points to set one after another, ending on target (empty when already there).

    max_steps limits the writes; each setting that changes still needs at least one step, so a
    ramp that moves both voltage and frequency has at least two.
    """
    phases: list[tuple[str, list[int]]] = []
    safer_frequency = min(start.frequency_mhz, target.frequency_mhz)
    safer_voltage = max(start.voltage_mv, target.voltage_mv)
    # First the safer moves from the start, then the rest towards the target.
    phases.append(("f", _between(frequencies, start.frequency_mhz, safer_frequency)))
    phases.append(("v", _between(voltages, start.voltage_mv, safer_voltage)))
    phases.append(("f", _between(frequencies, safer_frequency, target.frequency_mhz)))
    phases.append(("v", _between(voltages, safer_voltage, target.voltage_mv)))
    phases = [(setting, values) for setting, values in phases if values]
    budget = _budgets([len(values) for _, values in phases], max_steps)
    points: list[Point] = []
    current = start
    for (setting, values), steps in zip(phases, budget, strict=True):
        for value in thin(values, steps):
            current = (
                Point(current.voltage_mv, value) if setting == "f" else Point(value, current.frequency_mhz)
            )
            points.append(current)
    return points


def _budgets(lengths: list[int], max_steps: int | None) -> list[int]:
    """Share max_steps over the phases in proportion to their moves, at least one each."""
    total = sum(lengths)
    if max_steps is None or max_steps >= total:
        return lengths
    shares = [max(1, length * max_steps // total) for length in lengths]
    # Hand what rounding left over to the longest phases, never more than a phase has moves.
    for index in sorted(range(len(lengths)), key=lambda i: -lengths[i]):
        while sum(shares) < max_steps and shares[index] < lengths[index]:
            shares[index] += 1
    return shares


def plan_preset_ramp(
    start: str, target: str, presets: Sequence[str], max_steps: int | None = None
) -> list[str]:
    """Return the tuned presets to step through from start to target (listed in order of power)."""
    if start == target or target not in presets:
        return [] if start == target else [target]
    if start not in presets:
        return [target]
    begin, end = presets.index(start), presets.index(target)
    step = 1 if end > begin else -1
    path = [presets[index] for index in range(begin + step, end + step, step)]
    return path if max_steps is None else thin(path, max(1, max_steps))
