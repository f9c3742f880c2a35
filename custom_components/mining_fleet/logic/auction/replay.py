"""One window's auction replayed from the chain's state at its start block, and what our bids got."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from . import fp18
from .codec import Bid, Prices, decode_bid, decode_prices
from .consensus import budget_ph, gamma_msi
from .solver import Item, offered, select_winners, solver_seed

STALE_BLOCKS = 750  # validators drop a bid this many blocks older than the window's start
V2_ONLY_FROM = 7_414_264  # from this block legacy v1 bids are ignored
PRICE_KEYS = ("TAO_USDC", "ALPHA_TAO", "HASHP_USDC")
CAP_KEY = "cap"
SPLIT_DENOMINATOR = 65535
MINER_MECHANISM = 1


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The chain at a window's start block: what the validators read to run its auction."""

    block: int
    block_hash: str
    commitments: Sequence[tuple[str, int, bytes]]  # hotkey, block committed, raw bytes (storage order)
    neurons: Sequence[tuple[str, int, Decimal]]  # hotkey, uid, stake (TAO)
    mechanism_split: Sequence[int]


@dataclass(frozen=True, slots=True)
class BidResult:
    """One line of our bid and how many of its workers won."""

    hashrate: int
    price: int
    count: int
    won: int

    @property
    def lost(self) -> int:
        """Return how many of the line's workers lost."""
        return self.count - self.won


@dataclass(frozen=True, slots=True)
class Outcome:
    """A window's auction: consensus, budget, bidders, winners and our share (FP18 integers)."""

    prices: Mapping[str, int | None]
    cap: int
    budget: int | None
    bidders: int
    items: int
    banned: frozenset[str]
    winners: Sequence[Item]
    ours: Sequence[BidResult] | None  # None: no valid commitment of ours at the start block

    @property
    def won_ph(self) -> int:
        """Return the hashrate (FP18 PH) our workers won."""
        return sum(line.hashrate * line.won for line in self.ours or ())

    @property
    def lost_ph(self) -> int:
        """Return the hashrate (FP18 PH) our workers bid and lost."""
        return sum(line.hashrate * line.lost for line in self.ours or ())


def replay(snapshot: Snapshot, hotkey: str) -> Outcome:
    """Return the window's auction as the validators compute it, with our hotkey's result."""
    stakes = {key: stake for key, _, stake in snapshot.neurons}
    validators = _price_commitments(snapshot, stakes)
    prices = {key: _consensus(validators, stakes, key) for key in (*PRICE_KEYS, CAP_KEY)}
    cap = prices[CAP_KEY] or fp18.ONE  # a missing or zero cap means no cap
    banned = _banned_hotkeys(snapshot, validators, stakes)
    bids = _live_bids(snapshot, banned)
    items = [Item(key, bid.hashrate, bid.price) for key, lines in bids.items() for bid in _workers(lines)]
    budget = _budget(prices, cap, snapshot.mechanism_split)
    winners = select_winners(items, budget, solver_seed(snapshot.block_hash)) if budget else []
    return Outcome(
        prices={key: prices[key] for key in PRICE_KEYS},
        cap=cap,
        budget=budget,
        bidders=len(bids),
        items=len(items),
        banned=banned,
        winners=winners,
        ours=reconcile(_our_bid(snapshot, hotkey), winners, hotkey),
    )


def reconcile(ours: Sequence[Bid] | None, winners: Sequence[Item], hotkey: str) -> list[BidResult] | None:
    """Return each line of our bid with how many workers won, matching winners by (hashrate, price)."""
    if ours is None:
        return None
    matched = Counter((item.hashrate, item.price) for item in winners if item.hotkey == hotkey)
    results = []
    for line in ours:
        won = min(line.count, matched[(line.hashrate, line.price)])
        matched[(line.hashrate, line.price)] -= won
        results.append(BidResult(line.hashrate, line.price, line.count, won))
    return results


def _price_commitments(snapshot: Snapshot, stakes: Mapping[str, Decimal]) -> dict[str, Prices]:
    """Return the parsable price commitments of hotkeys with stake."""
    parsed = {hotkey: decode_prices(raw) for hotkey, _, raw in snapshot.commitments}
    return {key: prices for key, prices in parsed.items() if prices is not None and stakes.get(key, 0) > 0}


def _consensus(validators: Mapping[str, Prices], stakes: Mapping[str, Decimal], key: str) -> int | None:
    """Return the stake-weighted gamma-MSI of one price over the validators that publish it."""
    points = [
        (hotkey, fp18.decimal(prices.values[key]), stakes[hotkey])
        for hotkey, prices in validators.items()
        if key in prices.values
    ]
    price = gamma_msi(points)
    return None if price is None else fp18.of(price)


def _banned_hotkeys(
    snapshot: Snapshot, validators: Mapping[str, Prices], stakes: Mapping[str, Decimal]
) -> frozenset[str]:
    """Return the hotkeys whose uid validators holding more than half the price stake ban."""
    total = sum((stakes[hotkey] for hotkey in validators), Decimal(0))
    against: dict[int, Decimal] = {}
    for hotkey, prices in validators.items():
        for uid in prices.banned:
            against[uid] = against.get(uid, Decimal(0)) + stakes[hotkey]
    banned_uids = {uid for uid, stake in against.items() if 2 * stake > total}
    return frozenset(hotkey for hotkey, uid, _ in snapshot.neurons if uid in banned_uids)


def _live_bids(snapshot: Snapshot, banned: frozenset[str]) -> dict[str, list[Bid]]:
    """Return the valid, fresh, unbanned bids by hotkey in storage order."""
    bids = {}
    for hotkey, committed_at, raw in snapshot.commitments:
        lines = _decode(raw, snapshot.block)
        if lines and snapshot.block - committed_at < STALE_BLOCKS and hotkey not in banned:
            bids[hotkey] = lines
    return bids


def _decode(raw: bytes, block: int) -> list[Bid] | None:
    """Decode a bid as validators did at a block (legacy v1 is ignored from V2_ONLY_FROM)."""
    return decode_bid(raw, allow_v1=block < V2_ONLY_FROM)


def _workers(lines: Sequence[Bid]) -> list[Bid]:
    """Expand bid lines into one entry per worker, keeping only what enters the auction."""
    return [line for line in lines if offered(line.hashrate, line.price) for _ in range(line.count)]


def _budget(prices: Mapping[str, int | None], cap: int, split: Sequence[int]) -> int | None:
    """Return the window's budget (FP18 PH), or None when a price or the miners' share is missing."""
    alpha_tao, tao_usdc, hashp_usdc = (prices[key] for key in ("ALPHA_TAO", "TAO_USDC", "HASHP_USDC"))
    share = split[MINER_MECHANISM] * fp18.ONE // SPLIT_DENOMINATOR if len(split) > MINER_MECHANISM else 0
    if alpha_tao is None or tao_usdc is None or not hashp_usdc or share <= 0:
        return None
    return budget_ph(alpha_tao, tao_usdc, hashp_usdc, share, cap)


def _our_bid(snapshot: Snapshot, hotkey: str) -> list[Bid] | None:
    """Return our bid lines as committed at the start block, or None without a valid one."""
    for key, _, raw in snapshot.commitments:
        if key == hotkey:
            return _decode(raw, snapshot.block)
    return None
