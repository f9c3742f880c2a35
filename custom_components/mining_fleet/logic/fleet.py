"""Fleet totals from per-miner readings: what is known is summed, what is not is counted as missing."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class MinerReading:
    """One miner's latest state as the fleet overview sees it."""

    online: bool
    mining: bool
    hashrate_ths: float | None
    power_w: float | None


@dataclass(frozen=True, slots=True)
class FleetTotals:
    """The fleet at one moment; totals cover the online miners only."""

    miners: int
    online: int
    mining: int
    hashrate_ths: float | None
    power_w: float | None
    efficiency_j_per_th: float | None


def _sum(values: list[float | None]) -> float | None:
    """Return the sum of the known values; None when none is known."""
    known = [value for value in values if value is not None]
    return sum(known) if known else None


def fleet_totals(readings: Iterable[MinerReading]) -> FleetTotals:
    """Sum the online miners; an unreachable miner is offline, never a hidden zero in the totals."""
    readings = list(readings)
    online = [reading for reading in readings if reading.online]
    complete = [r for r in online if r.hashrate_ths is not None and r.power_w is not None]
    hashrate_for_efficiency = sum(r.hashrate_ths or 0.0 for r in complete)
    power_for_efficiency = sum(r.power_w or 0.0 for r in complete)
    return FleetTotals(
        miners=len(readings),
        online=len(online),
        mining=sum(1 for reading in online if reading.mining),
        hashrate_ths=_sum([reading.hashrate_ths for reading in online]) if readings else 0.0,
        power_w=_sum([reading.power_w for reading in online]) if readings else 0.0,
        efficiency_j_per_th=power_for_efficiency / hashrate_for_efficiency
        if hashrate_for_efficiency > 0
        else None,
    )
