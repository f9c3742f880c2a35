"""One window's auction replayed from the chain's state at its start block, and what our bids got."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from . import fp18
from .codec import Bid, Prices, decode_bid, decode_prices
from .consensus import budget_ph, gamma_msi_fp18, miner_share, validator_stake
from .solver import Item, offered, select_winners, solver_seed

STALE_BLOCKS = 750  # validators drop a bid this many blocks older than the window's start
V2_ONLY_FROM = 7_414_264  # from this block legacy v1 bids are ignored
PRICE_KEYS = ("TAO_USDC", "ALPHA_TAO", "HASHP_USDC")
CAP_KEY = "cap"


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
    """A window's auction: consensus (FP18), budget (PH), bidders, winners, and our share."""

    prices: Mapping[str, int | None]
    cap: int  # the cap in force: 1 when validators publish none (or zero)
    budget: float | None
    bidders: int
    items: int
    banned: frozenset[str]
    winners: Sequence[Item]
    # None: no bid of ours took part (none on chain at the start block, stale, or banned); see why.
    ours: Sequence[BidResult] | None
    why_not_ours: str | None = None

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
    stakes = {key: weight for key, _, stake in snapshot.neurons if (weight := validator_stake(stake)) > 0}
    validators = _price_commitments(snapshot)
    prices = {key: _consensus(validators, stakes, key) for key in (*PRICE_KEYS, CAP_KEY)}
    banned = _banned_hotkeys(snapshot, validators, stakes)
    bids = _live_bids(snapshot, banned)
    items = [Item(key, bid.hashrate, bid.price) for key, lines in bids.items() for bid in _workers(lines)]
    budget = _budget(prices, snapshot.mechanism_split)
    winners = select_winners(items, budget, solver_seed(snapshot.block_hash)) if budget else []
    return Outcome(
        prices={key: prices[key] for key in PRICE_KEYS},
        cap=cap if (cap := prices[CAP_KEY] or 0) > 0 else fp18.ONE,
        budget=budget,
        bidders=len(bids),
        items=len(items),
        banned=banned,
        winners=winners,
        ours=reconcile(bids.get(hotkey), winners, hotkey),
        why_not_ours=None if hotkey in bids else _why_not(snapshot, hotkey, banned),
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


def _price_commitments(snapshot: Snapshot) -> dict[str, Prices]:
    """Return every parsable price commitment by hotkey (with or without prices)."""
    parsed = {hotkey: decode_prices(raw) for hotkey, _, raw in snapshot.commitments}
    return {key: prices for key, prices in parsed.items() if prices is not None}


def _consensus(validators: Mapping[str, Prices], stakes: Mapping[str, int], key: str) -> int | None:
    """Return the stake-weighted gamma-MSI of one price over the validators that publish it."""
    return gamma_msi_fp18(
        {hotkey: p.values[key] for hotkey, p in validators.items() if key in p.values}, stakes
    )


def _banned_hotkeys(
    snapshot: Snapshot, validators: Mapping[str, Prices], stakes: Mapping[str, int]
) -> frozenset[str]:
    """Return the hotkeys whose uid validators holding more than half the price-committing stake ban."""
    total = sum(stakes.get(hotkey, 0) for hotkey in validators)
    against: Counter[int] = Counter()
    for hotkey, prices in validators.items():
        for uid in prices.banned:
            against[uid] += stakes.get(hotkey, 0)
    banned_uids = {uid for uid, stake in against.items() if total and stake > total // 2}
    return frozenset(hotkey for hotkey, uid, _ in snapshot.neurons if uid in banned_uids)


def _live_bids(snapshot: Snapshot, banned: frozenset[str]) -> dict[str, list[Bid]]:
    """Return the valid, fresh, unbanned bids by hotkey in storage order (a valid bid may be empty)."""
    bids = {}
    for hotkey, committed_at, raw in snapshot.commitments:
        lines = decode_bid(raw, allow_v1=snapshot.block < V2_ONLY_FROM)
        if lines is not None and snapshot.block - committed_at < STALE_BLOCKS and hotkey not in banned:
            bids[hotkey] = lines
    return bids


def _why_not(snapshot: Snapshot, hotkey: str, banned: frozenset[str]) -> str:
    """Return why no bid of ours took part: none valid on chain, stale, or banned."""
    for key, committed_at, raw in snapshot.commitments:
        if key == hotkey and decode_bid(raw, allow_v1=snapshot.block < V2_ONLY_FROM) is not None:
            return (
                "banned"
                if hotkey in banned
                else "stale"
                if snapshot.block - committed_at >= STALE_BLOCKS
                else "none"
            )
    return "none"


def _workers(lines: Sequence[Bid]) -> list[Bid]:
    """Expand bid lines into one entry per worker, keeping only what enters the auction."""
    return [line for line in lines if offered(line.hashrate, line.price) for _ in range(line.count)]


def _budget(prices: Mapping[str, int | None], split: Sequence[int]) -> float | None:
    """Return the window's budget in PH, or None when a price or the miners' share is missing."""
    alpha_tao, tao_usdc, hashp_usdc = (prices[key] for key in ("ALPHA_TAO", "TAO_USDC", "HASHP_USDC"))
    share = miner_share(split)
    if alpha_tao is None or tao_usdc is None or hashp_usdc is None or share <= 0:
        return None
    budget = budget_ph(alpha_tao, tao_usdc, hashp_usdc, share, prices[CAP_KEY] or 0)
    return budget if budget > 0 else None
