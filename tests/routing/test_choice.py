"""The pure choice of miners for the auction: properties over generated fleets, and worked examples."""

from __future__ import annotations

from itertools import combinations
import math

from hypothesis import given, settings, strategies as st
import pytest

from custom_components.mining_fleet.logic.auction.routing import (
    Candidate,
    choose_miners,
    is_ss58_address,
    worker_name,
)

from .conftest import HOTKEY

HASHRATES = st.one_of(
    st.none(),
    st.sampled_from([0.0, -1.0, math.nan, math.inf]),
    st.floats(min_value=0.01, max_value=200, allow_nan=False),
    st.sampled_from([1.0, 1.2, 100.0, 110.0]),  # equal sizes, where ties must be broken the same way
)
FLEETS = st.lists(
    st.builds(Candidate, st.text("abcdefgh", min_size=1, max_size=3), HASHRATES, st.booleans()),
    max_size=9,
    unique_by=lambda candidate: candidate.id,
)
WON_PH = st.one_of(st.just(0.0), st.floats(min_value=0, max_value=1.5, allow_nan=False))


def _sum(fleet: list[Candidate], ids: frozenset[str]) -> float:
    """Return the hashrate of the named miners."""
    return math.fsum(miner.hashrate_ths or 0.0 for miner in fleet if miner.id in ids)


def _covering_sets(fleet: list[Candidate], target_ths: float) -> list[frozenset[str]]:
    """Return every set of eligible miners that covers the target (small fleets only)."""
    eligible = [miner for miner in fleet if miner.eligible]
    return [
        frozenset(miner.id for miner in subset)
        for size in range(len(eligible) + 1)
        for subset in combinations(eligible, size)
        if math.fsum(miner.hashrate_ths or 0.0 for miner in subset) >= target_ths - 1e-9
    ]


@settings(max_examples=400, deadline=None)
@given(FLEETS, WON_PH)
def test_choice_covers_with_the_fewest_miners_and_changes(fleet: list[Candidate], won_ph: float) -> None:
    """It covers when possible, with the fewest miners, and among those the fewest changes."""
    choice = choose_miners(fleet, won_ph)
    eligible = {miner.id for miner in fleet if miner.eligible}
    assert choice.routed <= eligible
    target = won_ph * 1000
    if target <= 1e-9:  # less than a millionth of a GH/s is no win
        assert choice.routed == frozenset() and choice.shortfall_ph == 0
        return
    covering = _covering_sets(fleet, target)
    if not covering:
        assert choice.routed == eligible
        assert choice.shortfall_ph == pytest.approx(won_ph - _sum(fleet, choice.routed) / 1000)
        return
    assert choice.routed in covering and choice.shortfall_ph == 0
    fewest = min(len(ids) for ids in covering)
    assert len(choice.routed) == fewest
    routed = {miner.id for miner in fleet if miner.routed}
    changes = min(len(ids ^ routed) for ids in covering if len(ids) == fewest)
    assert len(choice.routed ^ routed) == changes


@settings(max_examples=300, deadline=None)
@given(FLEETS, WON_PH)
def test_choice_is_stable_and_deterministic(fleet: list[Candidate], won_ph: float) -> None:
    """The same fleet in any order gives the same choice; the choice, once routed, is chosen again."""
    choice = choose_miners(fleet, won_ph)
    assert choose_miners(list(reversed(fleet)), won_ph) == choice
    after = [Candidate(miner.id, miner.hashrate_ths, miner.id in choice.routed) for miner in fleet]
    assert choose_miners(after, won_ph).routed == choice.routed


def test_choice_prefers_miners_already_routed() -> None:
    """A routed miner that still covers stays, though a smaller one would do."""
    fleet = [Candidate("big", 120, True), Candidate("small", 101, False)]
    assert choose_miners(fleet, 0.1).routed == {"big"}
    assert choose_miners([Candidate("big", 120, False), Candidate("small", 101, False)], 0.1).routed == {
        "small"
    }


def test_choice_without_hashrate_or_win() -> None:
    """Miners that measure nothing are left out; no win routes none; too little routes all and says so."""
    fleet = [Candidate("a", 1.0, True), Candidate("b", None, True), Candidate("c", math.nan, False)]
    assert choose_miners(fleet, 0).routed == frozenset()
    short = choose_miners(fleet, 0.003)
    assert (short.routed, short.covered_ths) == ({"a"}, 1.0)
    assert short.shortfall_ph == pytest.approx(0.002)
    for bad in (-0.1, math.nan, math.inf):
        with pytest.raises(ValueError, match="finite number"):
            choose_miners(fleet, bad)


@pytest.mark.parametrize(
    ("text", "valid"),
    [
        (HOTKEY, True),
        ("5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty", True),  # Bob
        (HOTKEY[:-1] + "Z", False),  # checksum
        (HOTKEY[:-1], False),
        ("5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQ0", False),  # 0 is not base58
        ("", False),
        ("1" * 48, False),
        ("bc1qexamplewalletaddress0000000000000000", False),
    ],
)
def test_ss58_addresses(text: str, valid: bool) -> None:
    """Hotkeys are checked to the checksum."""
    assert is_ss58_address(text) is valid


def test_worker_name() -> None:
    """<prefix>.<hotkey>.<worker>, refusing parts the pool could misread."""
    assert worker_name("sn89auction", HOTKEY, "bitaxe_1") == f"sn89auction.{HOTKEY}.bitaxe_1"
    for prefix, hotkey, worker in (
        ("a.b", HOTKEY, "w"),
        ("p", HOTKEY, "w w"),
        ("p", "5x", "w"),
        ("", HOTKEY, "w"),
    ):
        with pytest.raises(ValueError, match="must be|not an SS58"):
            worker_name(prefix, hotkey, worker)
