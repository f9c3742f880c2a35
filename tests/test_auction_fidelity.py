"""The replay agrees with the validators' own arithmetic where it is easy to get subtly wrong.

The validators' code (infinite_hashes at d8099a9) leaves exact FP18 in places: the miners' share,
the budget and the ILP's capacity are floats, value and cost are rounded floats, and the gamma-MSI
searches its runs from the right end. The helpers below restate those steps independently, in a
few lines each, so the tests compare two separate writings of the same rules.
"""

from __future__ import annotations

from decimal import Decimal
import math

from hypothesis import given, settings, strategies as st
import pytest

from custom_components.mining_fleet.logic.auction import fp18
from custom_components.mining_fleet.logic.auction.codec import decode_prices
from custom_components.mining_fleet.logic.auction.consensus import (
    budget_ph,
    gamma_msi,
    gamma_msi_fp18,
    miner_share,
)
from custom_components.mining_fleet.logic.auction.replay import Snapshot, replay
from custom_components.mining_fleet.logic.auction.solver import (
    Item,
    capacity_of,
    cost_of,
    select_winners,
    value_of,
)

FP = 10**18
START = 7_500_045
HASH = "0x" + "ab" * 32
PRICES = b"1;p;ALPHA_TAO=0.25;HASHP_USDC=50;TAO_USDC=45;cap=1"


def validators_capacity(alpha: str, tao: str, hashp: str, split: int, cap: str) -> int:
    """Return the validators' ILP capacity: share and budget as floats, then x cap x 1e6, floored."""
    share = int(split / 65535 * 0.41 * FP)
    daily_usdc = fp18.mul(fp18.mul(fp18.of(alpha), fp18.of(tao)), share * 7200)
    budget = float(fp18.div(daily_usdc, fp18.of(hashp))) / FP
    return int((budget * (float(fp18.of(cap)) / FP) * 1_000_000) // 1)


def validators_msi(prices: dict[str, int], stakes: dict[str, int], gamma: float = 0.67) -> int | None:
    """Return the validators' gamma-MSI: for every right end, the run shrunk from the left while it may be."""
    pts = sorted(
        ((math.log(p / 1e18), stakes[h], h, p) for h, p in prices.items() if p and stakes.get(h)),
        key=lambda t: (t[0], t[2]),
    )
    if not pts:
        return None
    target, best, stake, left = gamma * sum(t[1] for t in pts), None, 0, 0
    for right in range(len(pts)):
        stake += pts[right][1]
        while left <= right and stake - pts[left][1] >= target:
            stake, left = stake - pts[left][1], left + 1
        width = pts[right][0] - pts[left][0]
        if stake >= target and (best is None or width < best[0]):
            best = (width, left, right)
    assert best is not None
    run = pts[best[1] : best[2] + 1]
    total, acc = sum(t[1] for t in run), 0
    for t in run:
        acc += t[1]
        if 2 * acc >= total:
            return int(t[3])
    return int(run[-1][3])


def snapshot(commitments: list[tuple[str, int, bytes]], neurons: list[tuple[str, int, Decimal]]) -> Snapshot:
    """Return a snapshot at the start of window 1 with the whole mechanism share for miners."""
    return Snapshot(START, HASH, commitments, neurons, [0, 65535])


def test_equal_prices_at_the_edge_of_the_narrowest_run() -> None:
    """a 10 (20), b 10 (30), c 12 (50): validators shrink to [b, c] and take 12."""
    points = [
        ("a", Decimal(10), Decimal(20)),
        ("b", Decimal(10), Decimal(30)),
        ("c", Decimal(12), Decimal(50)),
    ]
    assert gamma_msi(points) == Decimal(12)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(1, 40).map(lambda p: p * 10**17), st.integers(0, 5).map(lambda s: s * 10**19)),
        min_size=1,
        max_size=8,
    )
)
def test_gamma_msi_is_the_validators(points: list[tuple[int, int]]) -> None:
    """Random prices (many equal) and stakes (some zero): the same answer as the validators' search."""
    prices = {f"v{i}": price for i, (price, _) in enumerate(points)}
    stakes = {f"v{i}": stake for i, (_, stake) in enumerate(points)}
    assert gamma_msi_fp18(prices, stakes) == validators_msi(prices, stakes)


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(["0.25", "0.1", "0.3", "0.0123"]),
    st.integers(1, 600).map(str),
    st.integers(20, 80).map(str),
    st.integers(1, 65535),
    st.sampled_from(["1", "0.4", "0.3", "0.5", "0.001"]),
)
def test_capacity_is_the_validators(alpha: str, tao: str, hashp: str, split: int, cap: str) -> None:
    """Share, budget and capacity in the validators' floats: never one worker unit off."""
    budget = budget_ph(fp18.of(alpha), fp18.of(tao), fp18.of(hashp), miner_share([0, split]), fp18.of(cap))
    assert capacity_of(budget) == validators_capacity(alpha, tao, hashp, split, cap)


def test_bids_that_exactly_fill_the_float_budget_are_cut_as_validators_cut_them() -> None:
    """0.25 / 45 / 60 at cap 0.3 buys 166.05 PH in FP18, but the validators' floats fall just short: 368 of 369 win."""
    budget = budget_ph(fp18.of("0.25"), fp18.of("45"), fp18.of("60"), miner_share([0, 65535]), fp18.of("0.3"))
    assert capacity_of(budget) == validators_capacity("0.25", "45", "60", 65535, "0.3")
    assert len(select_winners([Item("m", fp18.of("0.45"), FP)] * 369, budget, 1)) == 368


def test_value_and_cost_round_half_to_even_on_floats() -> None:
    """0.1234564999999 PH: round(123456.4999999 + 1e-7) is 123456 for the validators, and for us."""
    item = Item("m", fp18.of("0.1234564999999"), FP)
    assert value_of(item) == cost_of(item) == round(0.1234564999999 * 1_000_000 + 0.0000001) == 123456


def test_a_short_ban_bitmap_bans_nobody_end_to_end() -> None:
    """The only validator's 16-byte bitmap marks uid 1: validators still count uid 1's bid."""
    bitmap = bytearray(16)
    bitmap[0] = 0b10
    outcome = replay(
        snapshot(
            [("v", START - 45, PRICES + b"\xff" + bytes(bitmap)), ("m", START - 45, b"2;b;BTC,1=0.45:1")],
            [("v", 0, Decimal(100)), ("m", 1, Decimal(0))],
        ),
        "m",
    )
    assert outcome.banned == frozenset() and outcome.won_ph == fp18.of("0.45")


def test_one_odd_price_pair_does_not_drop_the_validator() -> None:
    """The 60 % validator adds a pair that does not read: its prices still count (TAO_USDC 450, not 400)."""
    for raw in (PRICES + b";note=n/a", PRICES + b";", b"1;p;ALPHA_TAO=0.25;;HASHP_USDC=50;TAO_USDC=45"):
        prices = decode_prices(raw)
        assert prices is not None and prices.values["ALPHA_TAO"] == fp18.of("0.25"), raw
    outcome = replay(
        snapshot(
            [
                ("big", START - 45, b"1;p;ALPHA_TAO=0.25;HASHP_USDC=50;TAO_USDC=450;src=binance/okx"),
                ("small", START - 45, b"1;p;ALPHA_TAO=0.25;HASHP_USDC=50;TAO_USDC=400"),
            ],
            [("big", 0, Decimal(60)), ("small", 1, Decimal(40))],
        ),
        "us",
    )
    assert outcome.prices["TAO_USDC"] == fp18.of("450")


@pytest.mark.parametrize(("age", "why"), [(800, "stale"), (10, "banned")])
def test_our_stale_or_banned_bid_took_no_part(age: int, why: str) -> None:
    """Our bid 800 blocks old, or banned: nothing won, nothing lost, and the reason is kept."""
    bitmap = bytearray(32)
    bitmap[0] = 0b10 if why == "banned" else 0
    outcome = replay(
        snapshot(
            [("v", START - 5, PRICES + b"\xff" + bytes(bitmap)), ("us", START - age, b"2;b;BTC,1=0.45:2")],
            [("v", 0, Decimal(100)), ("us", 1, Decimal(0))],
        ),
        "us",
    )
    assert outcome.ours is None and outcome.why_not_ours == why and outcome.lost_ph == 0
