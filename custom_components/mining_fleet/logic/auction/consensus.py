"""The subnet's arithmetic: our workers from a total, the stake-weighted price consensus, the budget."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from . import fp18
from .codec import MAX_WORKER, MIN_WORKER

GAMMA = Decimal("0.67")
MINER_SHARE = fp18.of("0.41")
BLOCKS_PER_DAY = 7200


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


def gamma_msi(points: Sequence[tuple[str, Decimal, Decimal]], gamma: Decimal = GAMMA) -> Decimal | None:
    """Return the stake-weighted gamma-MSI of (hotkey, price, stake) points; None without any usable point.

    Points sorted by (ln price, hotkey); the narrowest run of consecutive points (in ln price)
    holding at least gamma of the stake (ties: the lower run); its stake-weighted median.
    """
    usable = sorted(
        ((price.ln(), hotkey, price, stake) for hotkey, price, stake in points if price > 0 and stake > 0),
        key=lambda point: (point[0], point[1]),
    )
    if not usable:
        return None
    target = gamma * sum(point[3] for point in usable)
    best: tuple[Decimal, int, int] | None = None
    end, stake = 0, Decimal(0)
    for start in range(len(usable)):
        while end < len(usable) and stake < target:
            stake += usable[end][3]
            end += 1
        if stake < target:
            break
        width = usable[end - 1][0] - usable[start][0]
        if best is None or width < best[0]:
            best = (width, start, end)
        stake -= usable[start][3]
    assert best is not None
    run = usable[best[1] : best[2]]
    run_stake, cumulative = sum(point[3] for point in run), Decimal(0)
    for point in run:
        cumulative += point[3]
        if 2 * cumulative >= run_stake:
            return point[2]
    return run[-1][2]  # pragma: no cover - the loop always returns


def budget_ph(alpha_tao: int, tao_usdc: int, hashp_usdc: int, share_fraction: int, cap: int) -> int:
    """Return the hashrate the subnet buys this window (FP18 PH), in the validators' integer arithmetic."""
    share = fp18.mul(share_fraction, MINER_SHARE)
    daily_alpha = share * BLOCKS_PER_DAY
    daily_usdc = fp18.mul(fp18.mul(alpha_tao, tao_usdc), daily_alpha)
    return fp18.mul(fp18.div(daily_usdc, hashp_usdc), cap if cap > 0 else fp18.ONE)
