"""What a tuning change asks of a miner, independent of its kind."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Tuning:
    """Settings that change how hard a miner works; None leaves a setting as it is."""

    frequency_mhz: int | None = None
    core_voltage_mv: int | None = None
    preset: str | None = None

    @property
    def is_empty(self) -> bool:
        """Return True when nothing would change."""
        return self.frequency_mhz is None and self.core_voltage_mv is None and self.preset is None
