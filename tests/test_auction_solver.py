"""The auction's knapsack, bans, budget inputs and our reconciliation: spec outcomes and brute force."""

from __future__ import annotations

from decimal import Decimal
from itertools import product

from hypothesis import given, settings, strategies as st
import pytest

from custom_components.mining_fleet.logic.auction import fp18, select_winners
from custom_components.mining_fleet.logic.auction.codec import Bid
from custom_components.mining_fleet.logic.auction.replay import Snapshot, reconcile, replay
from custom_components.mining_fleet.logic.auction.solver import (
    Item,
    capacity_of,
    cost_of,
    select_winners as select_items,
    solver_seed,
    value_of,
)

D = Decimal
F = fp18.of
START = 7_500_045
HASH = "0x" + "ab" * 24 + "00000000075bcd15"  # last 16 hex digits: 123456789


def winners(bids: list[tuple[str, str, str, int]], budget: str) -> list[tuple[str, str]]:
    """Return (hotkey, hashrate) of the winners, as text."""
    return [(hotkey, str(hashrate)) for hotkey, hashrate, _ in select_winners(bids, budget, 1)]


def test_a_price_above_1_05_never_reaches_the_solver() -> None:
    """Budget 50: A 20 PH @ 1.0, B 25 PH @ 1.06 ⇒ only A wins."""
    assert winners([("A", "20", "1", 1), ("B", "25", "1.06", 1)], "50") == [("A", "20")]


def test_most_hashrate_wins_within_the_budget() -> None:
    """Budget 33: 20 and 15 PH bids from two miners ⇒ the two 15s; budget 42 ⇒ the two 20s."""
    bids = [("A", "20", "1", 1), ("A", "15", "1", 1), ("B", "20", "1", 1), ("B", "15", "1", 1)]
    assert winners(bids, "33") == [("A", "15"), ("B", "15")]
    assert winners(bids, "42") == [("A", "20"), ("B", "20")]


def test_the_cap_shrinks_the_budget() -> None:
    """Base budget 10 with cap 0.5 ⇒ only B (4 PH) wins; with cap 1.0 both win."""
    bids = [("A", "6", "1", 1), ("B", "4", "1", 1)]
    assert winners(bids, "5") == [("B", "4")]
    assert winners(bids, "10") == [("A", "6"), ("B", "4")]


def test_equal_workers_win_in_chain_order() -> None:
    """Five equal workers, room for three: the first three in chain order win, whatever the seed."""
    bids = [(hotkey, "0.45", "1", 1) for hotkey in "ABCDE"]
    for seed in (1, 2, 99):
        assert [w[0] for w in select_winners(bids, "1.35", seed)] == ["A", "B", "C"]


def test_at_equal_hashrate_the_cheaper_workers_win() -> None:
    """The objective's second tier: equal PH, lower cost."""
    bids = [("A", "0.4", "1.05", 1), ("B", "0.4", "0.9", 1), ("C", "0.4", "1", 1)]
    assert winners(bids, "0.8") == [("B", "0.4"), ("C", "0.4")]


def test_nothing_wins_without_budget_and_worthless_bids_are_skipped() -> None:
    """Budget 0, zero or negative hashrate, zero count: no winners, no error."""
    assert winners([("A", "1", "1", 1)], "0") == []
    assert winners([("A", "0", "1", 3), ("B", "-1", "1", 1), ("C", "1", "1", 0)], "10") == []
    assert winners([("A", "1", "0", 1)], "10") == []


def test_the_seed_comes_from_the_last_16_hex_digits() -> None:
    """(int(last 16 hex digits) mod 2147483647) + 1."""
    assert solver_seed(HASH) == 123456789 + 1
    assert solver_seed("0x" + "f" * 64) == 0xFFFFFFFFFFFFFFFF % 2147483647 + 1


def test_values_and_costs_round_as_the_reference() -> None:
    """int(round(x + 1e-7)): half rounds up; 0.25 PH at 1.05 costs 262500 millionths."""
    assert value_of(Item("A", F("0.0000005"), F("1"))) == 1
    assert value_of(Item("A", F("0.0000004"), F("1"))) == 0
    assert cost_of(Item("A", F("0.25"), F("1.05"))) == 262500
    assert cost_of(Item("A", F("0.0000005"), F("1"))) == 1


def _best_by_brute_force(items: list[Item], budget: float) -> tuple[int, int]:
    """Return the best (value, -cost) over every subset, the validators' objective."""
    capacity = capacity_of(budget)
    best = (0, 0)
    for picks in product((0, 1), repeat=len(items)):
        chosen = [item for item, pick in zip(items, picks, strict=True) if pick]
        cost = sum(cost_of(item) for item in chosen)
        if cost <= capacity:
            best = max(best, (sum(value_of(item) for item in chosen), -cost))
    return best


sizes = st.sampled_from(["0.05", "0.1", "0.15", "0.2", "0.25", "0.3", "0.45", "0.123"])
prices = st.sampled_from(["0.8", "0.9", "0.95", "1", "1.01", "1.05", "1.06"])
workers = st.lists(st.tuples(st.sampled_from("ABC"), sizes, prices), min_size=1, max_size=9)


@settings(max_examples=60, deadline=None)
@given(workers, st.integers(min_value=0, max_value=300))
def test_the_solver_finds_the_validators_optimum(offers: list[tuple[str, str, str]], tenths: int) -> None:
    """Against every subset: the winners fit, reach the most PH, and the least cost at that PH."""
    items = [Item(hotkey, F(size), F(price)) for hotkey, size, price in offers]
    budget = tenths / 100
    chosen = select_items(items, budget, 7)
    eligible = [item for item in items if item.price <= F("1.05")]
    value, cost = sum(value_of(item) for item in chosen), sum(cost_of(item) for item in chosen)
    assert cost <= capacity_of(budget)
    assert (value, -cost) == _best_by_brute_force(eligible, budget)


def _totals(chosen: list[Item]) -> tuple[int, int]:
    """Return the value and cost of a set of workers."""
    return sum(value_of(item) for item in chosen), sum(cost_of(item) for item in chosen)


@settings(max_examples=30, deadline=None)
@given(workers, st.integers(min_value=1, max_value=300), st.integers(min_value=1, max_value=2**31))
def test_any_seed_reaches_the_same_optimum(
    offers: list[tuple[str, str, str]], tenths: int, seed: int
) -> None:
    """Seeds may only choose between sets of equal PH and equal cost (the documented remaining risk)."""
    items = [Item(hotkey, F(size), F(price)) for hotkey, size, price in offers]
    assert _totals(select_items(items, tenths / 100, seed)) == _totals(select_items(items, tenths / 100, 1))


@settings(max_examples=30, deadline=None)
@given(
    # 0.1 and 0.45 PH: no two different mixes of at most 8 workers have the same total.
    st.lists(st.sampled_from(["0.1", "0.45"]), min_size=1, max_size=8),
    st.integers(min_value=1, max_value=300),
    st.integers(min_value=1, max_value=2**31),
)
def test_with_one_price_per_size_the_seed_changes_nothing(sizes: list[str], tenths: int, seed: int) -> None:
    """Workers that differ only by owner are chosen in chain order, whatever the seed."""
    items = [Item(f"h{index}", F(size), F("1")) for index, size in enumerate(sizes)]
    assert select_items(items, tenths / 100, seed) == select_items(items, tenths / 100, 1)


def test_reconciliation_counts_matching_winners() -> None:
    """Our 10 workers of 0.1 PH @ 1.0 with 3 matching winners ⇒ 3 won, 7 lost; another price is lost."""
    ours = [Bid(F("0.1"), F("1"), 10)]
    won = (
        [Item("us", F("0.1"), F("1"))] * 3
        + [Item("them", F("0.1"), F("1"))]
        + [Item("us", F("0.1"), F("0.9"))]
    )
    [line] = reconcile(ours, won, "us") or []
    assert (line.won, line.lost) == (3, 7)
    assert reconcile(None, won, "us") is None


def prices(alpha: str, tao: str, hashp: str, cap: str = "0.4", bans: tuple[int, ...] = ()) -> bytes:
    """Return a validator's price commitment, with a ban bitmap when it bans uids."""
    text = f"1;p;ALPHA_TAO={alpha};HASHP_USDC={hashp};TAO_USDC={tao};cap={cap}".encode()
    if not bans:
        return text
    bitmap = bytearray(32)
    for uid in bans:
        bitmap[uid // 8] |= 1 << uid % 8
    return text + b"\xff" + bytes(bitmap)


def snapshot(
    commitments: list[tuple[str, int, bytes]], stakes: dict[str, int], split: int = 65535
) -> Snapshot:
    """Return a start-block snapshot where hotkeys get uids in the order given."""
    neurons = [(hotkey, uid, D(stake)) for uid, (hotkey, stake) in enumerate(stakes.items())]
    return Snapshot(START, HASH, commitments, neurons, [0, split])


def test_a_window_replayed_from_its_snapshot() -> None:
    """Consensus prices, budget with the cap, bidders, winners in order, and our result."""
    chain = [
        ("v1", START - 5, prices("0.25", "45", "50", "0.001")),
        ("v2", START - 9, prices("0.25", "45", "50", "0.001")),
        ("us", START - 10, b"2;b;BTC,1=0.25:2,0.45:1"),
        ("them", START - 10, b"2;b;BTC,0.9=0.45:1"),
    ]
    outcome = replay(snapshot(chain, {"v1": 60, "v2": 40, "us": 0, "them": 0}), "us")
    assert outcome.budget == pytest.approx(0.6642)  # 664.2 PH at cap 0.001
    assert outcome.prices == {"TAO_USDC": F("45"), "ALPHA_TAO": F("0.25"), "HASHP_USDC": F("50")}
    assert (outcome.bidders, outcome.items, outcome.cap) == (2, 4, F("0.001"))
    # 0.6642 PH: the 0.45 PH of "them" (cheaper) and our 0.45, or two 0.25 and one 0.45 -> 0.95 > budget.
    assert [(w.hotkey, fp18.text(w.hashrate)) for w in outcome.winners] == [("us", "0.25"), ("them", "0.45")]
    assert [(line.count, line.won) for line in outcome.ours or []] == [(2, 1), (1, 0)]
    assert (outcome.won_ph, outcome.lost_ph) == (F("0.25"), F("0.7"))


def test_stale_banned_and_legacy_bids_are_dropped() -> None:
    """Bids 750 blocks old, banned by more than half the price stake, or v1 after the cut-over never win."""
    chain = [
        ("v1", START - 1, prices("0.25", "45", "50", bans=(3,))),
        ("v2", START - 1, prices("0.25", "45", "50", bans=(3, 4))),
        ("old", START - 750, b"2;b;BTC,1=0.45:1"),
        ("fresh", START - 749, b"2;b;BTC,1=0.45:1"),
        ("banned", START - 1, b"2;b;BTC,1=0.45:1"),
        ("half", START - 1, b"2;b;BTC,1=0.45:1"),
        ("legacy", START - 1, b"1;b;1=0.45"),
    ]
    stakes = {"v1": 50, "v2": 50, "old": 0, "banned": 0, "half": 0, "fresh": 0, "legacy": 0}
    outcome = replay(snapshot(chain, stakes), "legacy")
    assert outcome.banned == frozenset(
        {"banned"}
    )  # uid 3: 100 of 100; uid 4 ("half"): 50, not more than half
    assert [w.hotkey for w in outcome.winners] == ["fresh", "half"]
    assert outcome.ours is None and outcome.won_ph == 0


def test_no_winners_without_prices_or_a_miner_share() -> None:
    """A missing price or a zero mechanism share gives no budget and no winners; the bids still count."""
    bid = ("us", START - 1, b"2;b;BTC,1=0.45:1")
    without_prices = replay(snapshot([bid], {"us": 0}), "us")
    assert without_prices.budget is None and without_prices.winners == []
    assert [(line.won, line.lost) for line in without_prices.ours or []] == [(0, 1)]
    no_share = replay(
        snapshot([("v", START - 1, prices("0.25", "45", "50")), bid], {"v": 1, "us": 0}, 0), "us"
    )
    assert no_share.budget is None and no_share.prices["HASHP_USDC"] == F("50")


def test_a_missing_cap_means_the_whole_budget() -> None:
    """cap missing (or 0) ⇒ 1.0: the whole 664.2 PH buys every bid."""
    raw = b"1;p;ALPHA_TAO=0.25;HASHP_USDC=50;TAO_USDC=45"
    outcome = replay(
        snapshot([("v", START - 1, raw), ("us", START - 1, b"2;b;BTC,1=0.45:3")], {"v": 1, "us": 0}), "us"
    )
    assert outcome.cap == fp18.ONE and outcome.budget == 664.2
    assert outcome.won_ph == F("1.35")


def test_price_commitments_without_stake_do_not_count() -> None:
    """A validator without stake neither sets prices nor bans."""
    chain = [
        ("v", START - 1, prices("0.25", "45", "50", bans=(2,))),
        ("zero", START - 1, prices("1", "1", "1", bans=(2,))),
        ("us", START - 1, b"2;b;BTC,1=0.45:1"),
    ]
    outcome = replay(snapshot(chain, {"v": 0, "zero": 0, "us": 0}), "us")
    assert outcome.prices["TAO_USDC"] is None and outcome.banned == frozenset()
