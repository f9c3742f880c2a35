"""Integrate power samples into energy, skipping gaps we cannot vouch for."""

from __future__ import annotations

from dataclasses import dataclass
import math

# Longer than this between two readings (an outage, Home Assistant down) and we do not guess
# what the miner drew: that stretch adds nothing rather than a made-up amount.
MAX_SAMPLE_GAP_SECONDS = 120.0


@dataclass
class EnergyIntegrator:
    """Trapezoidal integration of watts over seconds into kWh."""

    total_kwh: float = 0.0
    _last_time: float | None = None
    _last_watts: float | None = None

    def add(self, timestamp: float, watts: float | None) -> None:
        """Add a reading; None (no reading) ends the current stretch."""
        if watts is not None and not (math.isfinite(watts) and watts >= 0):
            watts = None  # a negative or non-finite reading is no reading; the total is kept
        if (
            watts is not None
            and self._last_watts is not None
            and self._last_time is not None
            and 0 < timestamp - self._last_time <= MAX_SAMPLE_GAP_SECONDS
        ):
            hours = (timestamp - self._last_time) / 3600
            total = self.total_kwh + (watts + self._last_watts) / 2 * hours / 1000
            if math.isfinite(total):  # a total that cannot be stored is not taken
                self.total_kwh = total
        self._last_time = timestamp
        self._last_watts = watts
