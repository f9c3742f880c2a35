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


def _fields(raw: bytes) -> tuple[int, str, str, bytes] | None:
    """Split a commitment as validators do: version (any integer), type, data, and the bytes after 0xFF."""
    text_part, marker, suffix = raw.partition(b"\xff")
    try:
        parts = text_part.decode("utf-8").strip().split(";", 2)
        version = int(parts[0])
    except (UnicodeDecodeError, ValueError):
        return None
    if len(parts) != 3:
        return None
    return version, parts[1], parts[2], suffix if marker else b""


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
    """Return the bid lines of a commitment as validators read them (v2, or legacy v1), or None when invalid.

    Validators read other miners' bids more loosely than we write ours (spaces, signs, "1.",
    any version from 2 read as v2, from 1 down as v1); a valid v2 bid may hold no lines at all.
    """
    fields = _fields(raw)
    if fields is None or fields[1] != "b":
        return None
    version, _, data, _ = fields
    if (version or 1) < 2:
        return _v1(data.strip()) if allow_v1 else None
    return _v2(data.strip())


def _v2(data: str) -> list[Bid] | None:
    """Parse "BTC,PRICE=HR:COUNT,HR:COUNT[;BTC,PRICE=...]", merging equal sizes within a group."""
    bids: list[Bid] = []
    total = 0
    for group in data.split(";") if data else ():
        head, equals, workers = group.partition("=")
        algorithm, comma, price_text = head.strip().rpartition(",")
        price = fp18.read(price_text)
        if not equals or not comma or algorithm.strip() != ALGORITHM or price is None:
            return None
        counts: dict[int, int] = {}
        for worker in workers.split(","):
            size, count = _worker(worker)
            if size is None or count is None:
                return None
            counts[size] = counts.get(size, 0) + count
            total += count
            if total > MAX_WORKERS:
                return None
        bids.extend(Bid(size, price, count) for size, count in counts.items())
    return bids


def _worker(text: str) -> tuple[int | None, int | None]:
    """Return one "HR:COUNT" of a v2 bid (size within 0.05-0.45 PH, count above 0), or Nones."""
    size_text, colon, count_text = text.strip().partition(":")
    size = fp18.read(size_text)
    try:
        count = int(count_text.strip())
    except ValueError:
        return None, None
    if not colon or size is None or not MIN_WORKER <= size <= MAX_WORKER or count <= 0:
        return None, None
    return size, count


def _v1(data: str) -> list[Bid] | None:
    """Parse the legacy "PRICE=HR,HR;PRICE2=HR" (one worker per hashrate listed)."""
    bids = []
    for group in data.split(";") if data else ():
        price_text, equals, sizes = group.partition("=")
        price = fp18.read(price_text)
        if not equals or not price_text.strip() or not sizes.strip() or price is None:
            return None
        for size_text in sizes.strip().split(","):
            if not size_text or (size := fp18.read(size_text)) is None:
                return None
            bids.append(Bid(size, price, 1))
    return bids


@dataclass(frozen=True, slots=True)
class Prices:
    """A validator's price commitment: named FP18 values and the uids it bans."""

    values: Mapping[str, int]
    banned: frozenset[int]


def decode_prices(raw: bytes) -> Prices | None:
    """Return a "V;p;KEY=VAL;..." commitment as validators read it, or None when it is not one.

    Pairs that do not read are skipped, not fatal; the ban bitmap counts only when it is exactly
    32 bytes. A commitment without any price still counts in the ban vote's total stake.
    """
    fields = _fields(raw)
    if fields is None or fields[1] != "p":
        return None
    values: dict[str, int] = {}
    for pair in fields[2].split(";"):
        key, _, value_text = pair.partition("=")
        if key and (value := fp18.read(value_text)) is not None:
            values[key] = value
    bitmap = fields[3] if len(fields[3]) == BITMAP_BYTES else b""
    banned = frozenset(
        index * 8 + bit for index, byte in enumerate(bitmap) for bit in range(8) if byte >> bit & 1
    )
    return Prices(values, banned)
