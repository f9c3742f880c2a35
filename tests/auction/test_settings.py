"""The auction's settings: networks, worker sizes typed by users, bids from miners, the price."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, strategies as st
import pytest

from custom_components.mining_fleet.auction.settings import (
    BidProblem,
    bid_text,
    is_simulator,
    miners_total_ph,
    parse_worker_sizes,
    price_of,
    valid_network,
)
from custom_components.mining_fleet.logic.auction import decode_bid


def test_networks() -> None:
    """Named networks, ws(s) URLs and the loopback simulator; nothing else."""
    assert all(
        valid_network(n)
        for n in ("finney", "test", "ws://node:9944", "wss://n.example", "http://127.0.0.1:5")
    )
    assert not any(
        valid_network(n) for n in ("", "http://example.com:80", "ws://", "https://127.0.0.1:5", "mainnet")
    )
    assert is_simulator("http://localhost:8000") and not is_simulator("http://127.0.0.1")


def test_worker_sizes_as_users_type_them() -> None:
    """Spaces, semicolons, a missing count (one worker) and repeated sizes are understood."""
    assert parse_worker_sizes(" 0.45:2; 0.25 , 0.45:1 ") == {Decimal("0.45"): 3, Decimal("0.25"): 1}
    for text in ("", "0.5:1", "0.04:1", "0.45:0", "0.45:x", "a:1", "0.45:1001", "0.45:-1"):
        with pytest.raises(ValueError, match="worker|SIZE:COUNT"):
            parse_worker_sizes(text)


@given(st.text(alphabet="0123456789.:,; -ex", max_size=40))
def test_any_typed_sizes_give_a_valid_bid_or_a_clear_refusal(text: str) -> None:
    """Whatever is typed: either an error, or a bid validators would accept."""
    try:
        sizes = parse_worker_sizes(text)
    except ValueError:
        return
    bid = bid_text({"bid_source": "sizes", "worker_sizes": text, "price": 1}, [])
    assert decode_bid(bid.encode()) is not None and sum(sizes.values()) <= 1000


def test_bids_from_miners() -> None:
    """Rated TH/s summed in whole TH/s, split into workers; too little or nothing is refused with a reason."""
    assert miners_total_ph([120.9, 95.5, None, -3]) == Decimal("0.215")
    assert bid_text({"price": 1}, [450.0, 550.0]) == "2;b;BTC,1=0.1:1,0.45:2"
    with pytest.raises(BidProblem) as small:
        bid_text({"price": 1}, [1.2, 1.1])
    assert small.value.key == "bid_too_small"
    with pytest.raises(BidProblem) as none:
        bid_text({"price": 1}, [None])
    assert none.value.key == "bid_no_hashrate"
    with pytest.raises(BidProblem) as sizes:
        bid_text({"bid_source": "sizes", "worker_sizes": "1:1", "price": 1}, [])
    assert sizes.value.key == "bid_sizes_invalid"


def test_the_price_is_short_and_never_above_1_05() -> None:
    """A multiplier is kept to three decimals and capped at what validators accept."""
    assert price_of({"price": 0.97}) == Decimal("0.970") and price_of({}) == Decimal("1.000")
    assert price_of({"price": 1.2}) == Decimal("1.05")
