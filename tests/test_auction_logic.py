"""The subnet-89 auction's pure logic against every example in the spec, and property tests."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, strategies as st
import pytest

from custom_components.mining_fleet.logic.auction import (
    budget_ph,
    decode_bid,
    encode_bid,
    epoch_start,
    fp18,
    gamma_msi,
    split_hashrate,
    window_for_block,
)
from custom_components.mining_fleet.logic.auction.codec import Prices, decode_prices

D = Decimal


def test_fp18_text_is_minimal() -> None:
    """1.0 is "1", 1.50 is "1.5"; "1", "1.5" and ".5" parse; more than 18 decimals, signs and "1." do not."""
    assert fp18.text(fp18.of("1.0")) == "1" and fp18.text(fp18.of("1.50")) == "1.5"
    assert [fp18.parse(text) for text in ("1", "1.5", ".5")] == [10**18, 15 * 10**17, 5 * 10**17]
    assert [fp18.parse(text) for text in ("", ".", "1.", "-1", "1e3", "0." + "1" * 19, " 1")] == [None] * 7


@given(st.integers(min_value=0, max_value=10**30))
def test_fp18_text_round_trips(value: int) -> None:
    """Every FP18 value's text parses back to it."""
    assert fp18.parse(fp18.text(value)) == value


def test_the_spec_bid_example() -> None:
    """Sizes {0.25: 4, 0.45: 2} at price 1.0 ⇒ 2;b;BTC,1=0.25:4,0.45:2, and it reads back."""
    text = encode_bid({D("0.45"): 2, D("0.25"): 4}, "1.0")
    assert text == "2;b;BTC,1=0.25:4,0.45:2"
    assert decode_bid(text.encode()) == [(D("0.25"), D("1"), 4), (D("0.45"), D("1"), 2)]


@pytest.mark.parametrize(
    "raw",
    [
        b"2;b;ETH,1=0.25:4",  # not BTC
        b"2;b;BTC,1=0.5:1",  # a worker above 0.45 PH
        b"2;b;BTC,1=0.04:1",  # below 0.05 PH
        b"2;b;BTC,1=0.25:0",  # count 0
        b"2;b;BTC,1=",  # an empty group
        b"2;b;BTC,1=0.25:1001",  # more than 1000 workers
        b"2;p;BTC,1=0.25:1",  # not a bid
        b"x;b;BTC,1=0.25:1",  # no version number
        b"2;b;BTC,1=0.25:1;",  # an empty group
        b"2;b;BTC=0.25:1",  # no price
        b"\xfe\xfe;b;x",  # not UTF-8
        b"2;b",  # too few fields
    ],
)
def test_invalid_bids_are_none(raw: bytes) -> None:
    """Each rule broken makes the whole commitment invalid."""
    assert decode_bid(raw) is None


def test_other_miners_bids_read_as_validators_read_them() -> None:
    """Spaces, signs, "1.", any version from 2 (v2) or below 2 (v1); an empty v2 bid is valid and bids nothing."""
    assert decode_bid(b"3;b; BTC , 1. = 0.25 : +2 ") == [(D("0.25"), D("1"), 2)]
    assert decode_bid(b"02;b;BTC,1=0.25:1,0.250:1") == [(D("0.25"), D("1"), 2)]
    assert decode_bid(b"0;b;1=0.1") == [(D("0.1"), D("1"), 1)]
    assert decode_bid(b"2;b;") == []
    assert decode_bid(b"2;b;BTC,1=0.1:1;BTC,1=0.1:1") == [(D("0.1"), D("1"), 1), (D("0.1"), D("1"), 1)]


def test_a_ban_bitmap_counts_only_at_32_bytes() -> None:
    """A shorter or longer suffix bans nobody (validators read it as all zeros)."""
    assert decode_prices(b"1;p;cap=0.4\xff" + b"\xff" * 16) == Prices({"cap": 4 * 10**17}, frozenset())
    assert decode_prices(b"1;p;cap=0.4\xff" + b"\x01" * 33) == Prices({"cap": 4 * 10**17}, frozenset())


def test_v1_and_binary_suffix_and_merging() -> None:
    """Legacy v1 reads as one worker per hashrate; a suffix after 0xFF is cut off; equal lines merge."""
    assert decode_bid(b"1;b;1=0.1,0.1;0.9=0.2") == [
        (D("0.1"), D("1"), 1),
        (D("0.1"), D("1"), 1),
        (D("0.2"), D("0.9"), 1),
    ]
    assert decode_bid(b" 2;b;BTC,1=0.25:1,0.25:2 \xff\x00\x01") == [(D("0.25"), D("1"), 3)]


sizes = st.dictionaries(
    st.integers(5, 45).map(lambda n: D(n) / 100), st.integers(1, 20), min_size=1, max_size=5
)
prices = st.integers(1, 105).map(lambda n: D(n) / 100)


@given(sizes, prices)
def test_bids_round_trip(workers: dict[Decimal, int], price: Decimal) -> None:
    """Whatever we encode decodes to the same workers at the same price, within 128 bytes."""
    text = encode_bid(workers, price)
    assert len(text.encode()) <= 128
    assert sorted(decode_bid(text.encode()) or []) == sorted((size, price, n) for size, n in workers.items())


@given(st.binary(max_size=140))
def test_any_bytes_decode_or_are_none(raw: bytes) -> None:
    """No commitment on chain makes the decoders raise."""
    decode_bid(raw)
    decode_prices(raw)


def test_split_examples() -> None:
    """1.0 PH ⇒ two 0.45 and one 0.1; 0.92 ⇒ the remainder borrows from a full worker; under 0.05 is refused."""
    assert split_hashrate("1.0") == {D("0.45"): 2, D("0.1"): 1}
    assert split_hashrate("0.92") == {D("0.42"): 1, D("0.45"): 1, D("0.05"): 1}
    with pytest.raises(ValueError, match="under 0.05 PH"):
        split_hashrate("0.03")


@given(st.integers(50, 100_000).map(lambda n: D(n) / 1000))
def test_split_adds_up_within_the_worker_sizes(total: Decimal) -> None:
    """Every worker is 0.05 to 0.45 PH and together they are exactly the total."""
    workers = split_hashrate(total)
    assert sum(size * count for size, count in workers.items()) == total
    assert all(D("0.05") <= size <= D("0.45") for size in workers)


def test_epoch_and_window_examples() -> None:
    """Block 7,500,100 on netuid 89 (tempo 360): epoch from 7,500,045, window 1 = 7,500,045 … 7,500,104."""
    start = epoch_start(7_500_100, 89, 360)
    assert start == 7_500_045 and start % 361 == 270
    assert window_for_block(7_500_100, start) == (1, 7_500_045, 7_500_104)


@given(st.integers(0, 10**9))
def test_windows_tile_the_chain(block: int) -> None:
    """The block is inside its window; windows are 60 blocks (the sixth 61) and the next starts right after."""
    index, start, end = window_for_block(block, epoch_start(block, 89, 360))
    assert start <= block <= end and end - start + 1 == (61 if index == 5 else 60)
    following = window_for_block(end + 1, epoch_start(end + 1, 89, 360))
    assert following[1] == end + 1 and following[0] == (index + 1) % 6


def test_gamma_msi_examples() -> None:
    """A 10, B 10.2, C 7, D 13 with stakes 40, 30, 15, 15 ⇒ 10; A 10, B 11 at 50/50 with gamma 1 ⇒ 10; none ⇒ None."""
    points = [("A", D(10), D(40)), ("B", D("10.2"), D(30)), ("C", D(7), D(15)), ("D", D(13), D(15))]
    assert gamma_msi(points) == D(10)
    assert gamma_msi([("A", D(10), D(50)), ("B", D(11), D(50))], gamma=D(1)) == D(10)
    assert gamma_msi([("A", D(10), D(0))]) is None


@given(
    st.lists(
        st.tuples(st.text(max_size=3), st.integers(1, 10**6), st.integers(1, 10**6)), min_size=1, max_size=12
    )
)
def test_gamma_msi_is_one_of_the_prices(raw: list[tuple[str, int, int]]) -> None:
    """The consensus is always one of the prices offered, between the lowest and the highest."""
    points = [(hotkey, D(price) / 100, D(stake)) for hotkey, price, stake in raw]
    result = gamma_msi(points)
    assert result in {price for _, price, _ in points}


def test_budget_example() -> None:
    """ALPHA_TAO 0.25, TAO_USDC 45, HASHP_USDC 50, share 1.0, cap 1 ⇒ 664.2 PH; cap 0 counts as 1."""
    assert budget_ph("0.25", "45", "50", "1.0", "1") == D("664.2")
    assert budget_ph("0.25", "45", "50", "1.0", "0.4") == D("265.68")
    assert budget_ph("0.25", "45", "50", "1.0", "0") == D("664.2")


def test_prices_with_a_ban_bitmap() -> None:
    """1;p;KEY=VAL… with 0xFF and a 32-byte bitmap: bit uid % 8 of byte uid // 8 bans that uid."""
    bitmap = bytearray(32)
    bitmap[1] = 0b0000_0100  # uid 10
    raw = b"1;p;ALPHA_TAO=0.25;HASHP_USDC=50;TAO_USDC=45;cap=0.4\xff" + bytes(bitmap)
    prices = decode_prices(raw)
    assert prices is not None and prices.banned == {10}
    assert prices.values["cap"] == fp18.of("0.4")
    # A pair that does not read is skipped; the commitment still counts (its stake votes on bans).
    assert decode_prices(b"1;p;ALPHA_TAO=x;cap=0.4") == Prices({"cap": 4 * 10**17}, frozenset())
