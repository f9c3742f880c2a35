"""Statistics per tuning profile: time, energy, average hashrate and power, efficiency.

Samples come one per poll; the interval since the previous sample is credited to the profile
that was active, at the power and hashrate just read. A gap longer than MAX_GAP_SECONDS (Home
Assistant down, the miner unreachable) is not credited to anything.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
import math

MAX_GAP_SECONDS = 300.0


@dataclass(frozen=True, slots=True)
class ProfileStats:
    """What one miner did while on one profile."""

    seconds: float = 0.0
    energy_wh: float = 0.0
    terahash_seconds: float = 0.0

    def add(self, seconds: float, power_w: float | None, hashrate_th: float | None) -> ProfileStats:
        """Return the stats with one interval added; an interval without a power reading is skipped."""
        if not 0 < seconds <= MAX_GAP_SECONDS or power_w is None or not math.isfinite(power_w):
            return self
        hashrate = hashrate_th if hashrate_th is not None and math.isfinite(hashrate_th) else 0.0
        return ProfileStats(
            self.seconds + seconds,
            self.energy_wh + max(0.0, power_w) * seconds / 3600,
            self.terahash_seconds + max(0.0, hashrate) * seconds,
        )

    @property
    def hours(self) -> float:
        """Return the time on the profile in hours."""
        return self.seconds / 3600

    @property
    def energy_kwh(self) -> float:
        """Return the energy used on the profile in kWh."""
        return self.energy_wh / 1000

    @property
    def average_power_w(self) -> float | None:
        """Return the average power on the profile."""
        return self.energy_wh * 3600 / self.seconds if self.seconds else None

    @property
    def average_hashrate_th(self) -> float | None:
        """Return the average hashrate on the profile."""
        return self.terahash_seconds / self.seconds if self.seconds else None

    @property
    def efficiency_j_per_th(self) -> float | None:
        """Return joules per terahash on the profile (None before any hash)."""
        return efficiency(self.average_power_w, self.average_hashrate_th)

    def as_dict(self) -> dict[str, float]:
        """Return the stats for storage."""
        return {
            "seconds": self.seconds,
            "energy_wh": self.energy_wh,
            "terahash_seconds": self.terahash_seconds,
        }

    @classmethod
    def from_dict(cls, data: object) -> ProfileStats:
        """Return stored stats; anything unreadable starts from zero."""
        if not isinstance(data, dict):
            return cls()
        values = [data.get(key) for key in ("seconds", "energy_wh", "terahash_seconds")]
        if not all(
            isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) and v >= 0
            for v in values
        ):
            return cls()
        return cls(*(float(v) for v in values))  # type: ignore[arg-type]


def efficiency(power_w: float | None, hashrate_th: float | None) -> float | None:
    """Return J/TH, or None when there is no hashrate to divide by."""
    if power_w is None or not hashrate_th:
        return None
    return power_w / hashrate_th


@dataclass(frozen=True, slots=True)
class FleetProfileStats:
    """What the whole fleet did on one profile: totals of energy, average hashrate and power."""

    energy_kwh: float
    average_hashrate_th: float
    average_power_w: float

    @property
    def efficiency_j_per_th(self) -> float | None:
        """Return the fleet's joules per terahash on the profile."""
        return efficiency(self.average_power_w, self.average_hashrate_th)


def fleet_stats(per_miner: Iterable[Mapping[str, ProfileStats]]) -> dict[str, FleetProfileStats]:
    """Return per profile name the fleet's energy and its miners' average hashrate and power, summed."""
    totals: dict[str, list[float]] = {}
    for stats in per_miner:
        for name, one in stats.items():
            if not one.seconds:
                continue
            total = totals.setdefault(name, [0.0, 0.0, 0.0])
            total[0] += one.energy_kwh
            total[1] += one.average_hashrate_th or 0.0
            total[2] += one.average_power_w or 0.0
    return {name: FleetProfileStats(*total) for name, total in totals.items()}
