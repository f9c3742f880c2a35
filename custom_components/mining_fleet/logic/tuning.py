"""What a tuning change asks of a miner, independent of its kind, and how a transition is paced."""

from __future__ import annotations

from dataclasses import dataclass

# A profile change without a transition still goes one safe step at a time, without waiting.
DEFAULT_STEPS = 100


@dataclass(frozen=True, slots=True)
class Tuning:
    """Settings that change how hard a miner works; None leaves a setting as it is."""

    frequency_mhz: int | None = None
    core_voltage_mv: int | None = None
    preset: str | None = None
    # The automatic fan's target temperature (Bitaxe), set once the miner is on the new point.
    temperature_target_c: int | None = None

    @property
    def is_empty(self) -> bool:
        """Return True when nothing would change."""
        return (
            self.frequency_mhz is None
            and self.core_voltage_mv is None
            and self.preset is None
            and self.temperature_target_c is None
        )

    def as_dict(self) -> dict[str, int | str]:
        """Return the settings that are set, for storage and events."""
        return {key: value for key, value in _fields(self).items() if value is not None}

    @classmethod
    def from_dict(cls, data: object) -> Tuning | None:
        """Return the tuning a stored dict describes, or None when it is not one."""
        if not isinstance(data, dict):
            return None
        ints = ("frequency_mhz", "core_voltage_mv", "temperature_target_c")
        if any(not isinstance(data.get(key), int | None) or isinstance(data.get(key), bool) for key in ints):
            return None
        if not isinstance(preset := data.get("preset"), str | None):
            return None
        tuning = cls(
            data.get("frequency_mhz"), data.get("core_voltage_mv"), preset, data.get("temperature_target_c")
        )
        return None if tuning.is_empty else tuning


def overlay(base: Tuning | None, change: Tuning) -> Tuning:
    """Return base with every setting the change sets replaced."""
    if base is None:
        return change
    values = {key: value for key, value in _fields(change).items() if value is not None}
    return Tuning(**{**_fields(base), **values})  # type: ignore[arg-type]


def changes(target: Tuning, current: Tuning | None) -> Tuning:
    """Return only the settings of target that differ from what the miner runs (all when unknown)."""
    if current is None:
        return target
    running = _fields(current)
    return Tuning(
        **{key: value if value != running[key] else None for key, value in _fields(target).items()}  # type: ignore[arg-type]
    )


def matches(current: Tuning, target: Tuning) -> bool:
    """Return True when the miner runs the target's operating point (the fan target aside)."""
    return all(
        value is None or getattr(current, key) == value
        for key, value in _fields(target).items()
        if key != "temperature_target_c"
    )


def _fields(tuning: Tuning) -> dict[str, int | str | None]:
    """Return every setting by name."""
    return {
        "frequency_mhz": tuning.frequency_mhz,
        "core_voltage_mv": tuning.core_voltage_mv,
        "preset": tuning.preset,
        "temperature_target_c": tuning.temperature_target_c,
    }


@dataclass(frozen=True, slots=True)
class Transition:
    """How a profile change is paced: at most this many steps, this long apart or spread over a duration."""

    steps: int = DEFAULT_STEPS
    step_delay_s: float = 0.0
    # When set, the whole change takes this long, spread over the gaps between the steps planned.
    duration_s: float | None = None

    def asked(self, steps: int | None, step_delay_s: float | None, duration_s: float | None) -> Transition:
        """Return this transition (a miner's own) with what a caller asked for in its place."""
        return Transition(
            steps if steps is not None else self.steps,
            step_delay_s if step_delay_s is not None else self.step_delay_s,
            duration_s,
        )

    def delay_between(self, planned_steps: int) -> float:
        """Return the wait between two steps of a plan of this many steps."""
        if self.duration_s is None:
            return self.step_delay_s
        return self.duration_s / (planned_steps - 1) if planned_steps > 1 else 0.0
