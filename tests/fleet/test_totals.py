"""Fleet totals: what is known is summed over online miners, what is not is counted as missing."""

from __future__ import annotations

from hypothesis import given, strategies as st
import pytest

from custom_components.mining_fleet.logic.fleet import FleetTotals, MinerReading, fleet_totals

readings = st.builds(
    MinerReading,
    online=st.booleans(),
    mining=st.booleans(),
    hashrate_ths=st.none() | st.floats(min_value=0, max_value=1e4),
    power_w=st.none() | st.floats(min_value=0, max_value=1e5),
)


def test_empty_fleet_is_zero() -> None:
    """A fleet without miners draws and hashes nothing (it is not unknown)."""
    assert fleet_totals([]) == FleetTotals(0, 0, 0, 0.0, 0.0, None)


def test_offline_miner_is_counted_not_summed() -> None:
    """An unreachable miner lowers the online count; its last numbers stay out of the totals."""
    totals = fleet_totals(
        [
            MinerReading(online=True, mining=True, hashrate_ths=1.0, power_w=20.0),
            MinerReading(online=True, mining=False, hashrate_ths=0.0, power_w=5.0),
            MinerReading(online=False, mining=False, hashrate_ths=100.0, power_w=3000.0),
        ]
    )
    assert totals == FleetTotals(
        miners=3, online=2, mining=1, hashrate_ths=1.0, power_w=25.0, efficiency_j_per_th=25.0
    )


def test_all_offline_is_unknown() -> None:
    """With every miner unreachable the totals are unknown, never a reassuring zero."""
    totals = fleet_totals([MinerReading(online=False, mining=False, hashrate_ths=None, power_w=None)])
    assert (totals.hashrate_ths, totals.power_w, totals.online) == (None, None, 0)


def test_efficiency_uses_miners_that_report_both() -> None:
    """A miner without a power reading does not flatter the fleet's J/TH."""
    totals = fleet_totals(
        [
            MinerReading(online=True, mining=True, hashrate_ths=100.0, power_w=3000.0),
            MinerReading(online=True, mining=True, hashrate_ths=1.0, power_w=None),
        ]
    )
    assert totals.efficiency_j_per_th == pytest.approx(30.0)
    assert totals.hashrate_ths == pytest.approx(101.0)


@given(st.lists(readings, max_size=30))
def test_totals_properties(fleet: list[MinerReading]) -> None:
    """Counts nest, totals are sums of online miners' known readings, offline miners change nothing."""
    totals = fleet_totals(fleet)
    online = [reading for reading in fleet if reading.online]
    assert totals.miners == len(fleet)
    assert totals.mining <= totals.online <= totals.miners
    known = [r.hashrate_ths for r in online if r.hashrate_ths is not None]
    if fleet:
        assert totals.hashrate_ths == (pytest.approx(sum(known)) if known else None)
    # Dropping the offline miners changes the counts, never the sums.
    if online:
        only_online = fleet_totals(online)
        assert (only_online.hashrate_ths, only_online.power_w) == (totals.hashrate_ths, totals.power_w)
        assert only_online.efficiency_j_per_th == totals.efficiency_j_per_th
    if totals.efficiency_j_per_th is not None:
        assert totals.efficiency_j_per_th >= 0
