"""Commitments on chain: our bid (v2; v1 read only), validators' prices with their ban bitmap.

A commitment is "{version};{type};{data}", UTF-8, at most 128 bytes, optionally followed by 0xFF and
binary data. Anything that does not parse means "no valid commitment" for that hotkey: None.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from . import fp18

MAX_BYTES = 128
MIN_WORKER = fp18.of("0.05")
MAX_WORKER = fp18.of("0.45")
MAX_WORKERS = 1000
ALGORITHM = "BTC"
BITMAP_BYTES = 32


@dataclass(frozen=True, slots=True)
class Bid:
    """One line of a bid: workers of one size at one price (FP18 integers)."""

    hashrate: int
    price: int
    count: int


def _fields(raw: bytes) -> tuple[str, str, str, bytes] | None:
    """Split a commitment into version, type, data and the binary suffix after 0xFF."""
    text_part, marker, suffix = raw.partition(b"\xff")
    try:
        decoded = text_part.decode("utf-8").strip()
    except UnicodeDecodeError:
        return None
    parts = decoded.split(";", 2)
    if len(parts) != 3:
        return None
    return parts[0], parts[1], parts[2], suffix if marker else b""


def encode_bid(sizes: Mapping[int, int], price: int) -> str:
    """Return our v2 bid text: one BTC group, worker sizes in numeric order; refuse what validators would drop."""
    if not sizes or price <= 0:
        raise ValueError("a bid needs workers and a price")
    if any(not MIN_WORKER <= size <= MAX_WORKER or count <= 0 for size, count in sizes.items()):
        raise ValueError("every worker must be 0.05 to 0.45 PH, and counted at least once")
    if sum(sizes.values()) > MAX_WORKERS:
        raise ValueError(f"at most {MAX_WORKERS} workers")
    workers = ",".join(f"{fp18.text(size)}:{sizes[size]}" for size in sorted(sizes))
    text = f"2;b;{ALGORITHM},{fp18.text(price)}={workers}"
    if len(text.encode()) > MAX_BYTES:
        raise ValueError(f"the bid is longer than {MAX_BYTES} bytes")
    return text


def decode_bid(raw: bytes, *, allow_v1: bool = True) -> list[Bid] | None:
    """Return the bid lines of a commitment (v2, or legacy v1 as one worker per hashrate), or None when invalid."""
    fields = _fields(raw)
    if fields is None or fields[1] != "b":
        return None
    version, _, data, _ = fields
    bids = _v2(data) if version == "2" else _v1(data) if version == "1" and allow_v1 else None
    if not bids or sum(bid.count for bid in bids) > MAX_WORKERS:
        return None
    if any(not MIN_WORKER <= bid.hashrate <= MAX_WORKER for bid in bids) and version == "2":
        return None
    return bids


def _v2(data: str) -> list[Bid] | None:
    """Parse "BTC,PRICE=HR:COUNT,HR:COUNT[;BTC,PRICE=...]", merging equal (price, size) lines."""
    merged: dict[tuple[int, int], int] = {}
    for group in data.split(";"):
        head, _, workers = group.partition("=")
        algorithm, _, price_text = head.partition(",")
        price = fp18.parse(price_text)
        if algorithm != ALGORITHM or price is None or not workers:
            return None
        for worker in workers.split(","):
            size_text, _, count_text = worker.partition(":")
            size = fp18.parse(size_text)
            if size is None or not count_text.isdecimal() or int(count_text) <= 0:
                return None
            merged[(price, size)] = merged.get((price, size), 0) + int(count_text)
    return [Bid(size, price, count) for (price, size), count in merged.items()]


def _v1(data: str) -> list[Bid] | None:
    """Parse the legacy "PRICE=HR,HR;PRICE2=HR" (one worker per hashrate listed)."""
    bids = []
    for group in data.split(";"):
        price_text, _, sizes = group.partition("=")
        price = fp18.parse(price_text)
        if price is None or not sizes:
            return None
        for size_text in sizes.split(","):
            if (size := fp18.parse(size_text)) is None:
                return None
            bids.append(Bid(size, price, 1))
    return bids


@dataclass(frozen=True, slots=True)
class Prices:
    """A validator's price commitment: named FP18 values and the uids it bans."""

    values: Mapping[str, int]
    banned: frozenset[int]


def decode_prices(raw: bytes) -> Prices | None:
    """Return a "1;p;KEY=VAL;…" commitment with its optional ban bitmap, or None when invalid."""
    fields = _fields(raw)
    if fields is None or fields[:2] != ("1", "p"):
        return None
    values: dict[str, int] = {}
    for pair in fields[2].split(";"):
        key, _, value_text = pair.partition("=")
        value = fp18.parse(value_text)
        if not key or value is None:
            return None
        values[key] = value
    bitmap = fields[3][:BITMAP_BYTES]
    banned = frozenset(
        index * 8 + bit for index, byte in enumerate(bitmap) for bit in range(8) if byte >> bit & 1
    )
    return Prices(values, banned)
