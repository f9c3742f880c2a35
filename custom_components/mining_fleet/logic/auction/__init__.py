"""The subnet-89 hashrate auction, without Home Assistant or the chain: the facade the rest uses.

Numbers are accepted as str or Decimal and returned as Decimal; inside, FP18 integers as on chain.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal

from . import fp18
from .codec import decode_bid as _decode_bid, encode_bid as _encode_bid
from .consensus import GAMMA, budget_ph as _budget_ph, gamma_msi, split_hashrate as _split_hashrate
from .solver import Item, select_winners as _select_winners
from .windows import epoch_start, window_for_block

type Number = Decimal | str


def split_hashrate(total_ph: Number) -> dict[Decimal, int]:
    """Return the worker sizes (PH) and counts our total hashrate is bid as."""
    return {fp18.decimal(size): count for size, count in _split_hashrate(fp18.of(total_ph)).items()}


def encode_bid(sizes: Mapping[Decimal, int], price: Number) -> str:
    """Return the canonical v2 bid text for worker sizes (PH) and one price."""
    return _encode_bid({fp18.of(size): count for size, count in sizes.items()}, fp18.of(price))


def decode_bid(raw: bytes) -> list[tuple[Decimal, Decimal, int]] | None:
    """Return (hashrate, price, count) per bid line of a raw commitment, or None when it is not a valid bid."""
    bids = _decode_bid(raw)
    if bids is None:
        return None
    return [(fp18.decimal(bid.hashrate), fp18.decimal(bid.price), bid.count) for bid in bids]


def budget_ph(
    alpha_tao: Number, tao_usdc: Number, hashp_usdc: Number, share_fraction: Number, cap: Number
) -> Decimal:
    """Return the PH the subnet buys this window, as validators compute it (share_fraction: split[1] / 65535)."""
    share = int(float(share_fraction) * 0.41 * fp18.ONE)
    budget = _budget_ph(fp18.of(alpha_tao), fp18.of(tao_usdc), fp18.of(hashp_usdc), share, fp18.of(cap))
    return Decimal(repr(budget))


def select_winners(
    bids: Sequence[tuple[str, Number, Number, int]], budget_ph: Number, seed: int
) -> list[tuple[str, Decimal, Decimal]]:
    """Return the winning workers (hotkey, hashrate, price) of bids (hotkey, hashrate, price, count) in chain order."""
    items = [
        Item(hotkey, fp18.of(hashrate), fp18.of(price))
        for hotkey, hashrate, price, count in bids
        if Decimal(hashrate) > 0 and Decimal(price) >= 0
        for _ in range(count)
    ]
    winners = _select_winners(items, float(budget_ph), seed)
    return [(item.hotkey, fp18.decimal(item.hashrate), fp18.decimal(item.price)) for item in winners]


__all__ = [
    "GAMMA",
    "budget_ph",
    "decode_bid",
    "encode_bid",
    "epoch_start",
    "gamma_msi",
    "select_winners",
    "split_hashrate",
    "window_for_block",
]
