"""The subnet's arithmetic: our workers from a total, the stake-weighted price consensus, the budget."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
import math

from . import fp18
from .codec import MAX_WORKER, MIN_WORKER

GAMMA = Decimal("0.67")
BLOCKS_PER_DAY = 7200
SPLIT_DENOMINATOR = 65535
MINER_MECHANISM = 1


def split_hashrate(total: int) -> dict[int, int]:
    """Return worker sizes → counts for a total (FP18 PH): 0.45 PH workers and one smaller, none under 0.05."""
    full, rest = divmod(total, MAX_WORKER)
    sizes: dict[int, int] = {}
    if 0 < rest < MIN_WORKER:
        if full == 0:
            raise ValueError("a total under 0.05 PH cannot be bid")
        # Borrow from one full worker so the last is at least 0.05 PH.
        sizes[MAX_WORKER - (MIN_WORKER - rest)] = 1
        full, rest = full - 1, MIN_WORKER
    if full:
        sizes[MAX_WORKER] = full
    if rest:
        sizes[rest] = sizes.get(rest, 0) + 1
    return sizes


def validator_stake(stake_tao: Decimal) -> int:
    """Return a stake as validators weigh it: rao to TAO as a float, then to FP18 through its text."""
    rao = int(stake_tao.scaleb(9))
    return int((Decimal(str(rao / 1e9)) * fp18.ONE).to_integral_value())


def gamma_msi_fp18(
    prices: Mapping[str, int], stakes: Mapping[str, int], gamma: float = float(GAMMA)
) -> int | None:
    """Return the stake-weighted gamma-MSI of FP18 prices by hotkey, computed as validators do.

    Points (ln price as a float, stake) sorted by (ln price, hotkey); for every right end, the run
    is shrunk from the left while it keeps at least gamma of the stake; the narrowest run wins
    (ties: the lower one); its stake-weighted median. A price at or below zero never counts (the
    validators' code would fail on its logarithm).
    """
    points = sorted(
        (
            (math.log(price / 1e18), stakes[hotkey], hotkey, price)
            for hotkey, price in prices.items()
            if price > 0 and stakes.get(hotkey, 0) > 0
        ),
        key=lambda point: (point[0], point[2]),
    )
    if not points:
        return None
    target = gamma * sum(point[1] for point in points)
    best: tuple[float, int, int] | None = None
    stake, left = 0, 0
    for right, point in enumerate(points):
        stake += point[1]
        while left <= right and stake - points[left][1] >= target:
            stake -= points[left][1]
            left += 1
        if stake < target:
            continue
        width = point[0] - points[left][0]
        if best is None or (width, point[0], points[left][0]) < (
            best[0],
            points[best[2]][0],
            points[best[1]][0],
        ):
            best = (width, left, right)
    if best is None:
        return None
    run = points[best[1] : best[2] + 1]
    run_stake, cumulative = sum(point[1] for point in run), 0
    for point in run:
        cumulative += point[1]
        if 2 * cumulative >= run_stake:
            return point[3]
    return run[-1][3]  # pragma: no cover - the loop always returns


def gamma_msi(points: Sequence[tuple[str, Decimal, Decimal]], gamma: Decimal = GAMMA) -> Decimal | None:
    """Return the stake-weighted gamma-MSI of (hotkey, price, stake) points; None without any usable point."""
    prices = {hotkey: fp18.of(price) for hotkey, price, _ in points if price > 0}
    stakes = {hotkey: int(stake * fp18.ONE) for hotkey, _, stake in points}
    result = gamma_msi_fp18(prices, stakes, float(gamma))
    return None if result is None else fp18.decimal(result)


def miner_share(split: Sequence[int]) -> int:
    """Return the miners' FP18 share per block from MechanismEmissionSplit, as validators compute it (0: none)."""
    if len(split) <= MINER_MECHANISM or split[MINER_MECHANISM] <= 0:
        return 0
    return int(split[MINER_MECHANISM] / SPLIT_DENOMINATOR * 0.41 * fp18.ONE)


def budget_ph(alpha_tao: int, tao_usdc: int, hashp_usdc: int, share: int, cap: int) -> float:
    """Return the PH the subnet buys: FP18 integer arithmetic up to the daily budget, then floats as validators do."""
    if hashp_usdc == 0:
        return 0.0
    daily_usdc = fp18.mul(fp18.mul(alpha_tao, tao_usdc), share * BLOCKS_PER_DAY)
    budget = float(fp18.div(daily_usdc, hashp_usdc)) / fp18.ONE
    cap_fraction = float(cap) / fp18.ONE
    return budget * (cap_fraction if cap_fraction > 0 else 1.0)
