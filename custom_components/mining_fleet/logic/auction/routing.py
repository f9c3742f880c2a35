"""Which miners mine for the auction: the fewest that cover the won hashrate, changing as few as possible.

Pure and deterministic: the same miners and the same win always give the same choice, whatever
order the miners come in, and a choice fed back (its miners now routed) is chosen again.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
import hashlib
import math
import re

# The subnet's pool and the first part of every worker's name on it (spec section 5).
SUBNET_POOL_URL = "stratum+tcp://stratum.infinitehash.xyz:9332"
WORKER_PREFIX = "sn89auction"
# Hashrate sums are compared with this slack (TH/s): float noise must not flip a choice.
_EPSILON_THS = 1e-9
_BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_SS58_TEXT = re.compile(f"[{_BASE58}]{{46,50}}")
_WORKER_TEXT = re.compile(r"[A-Za-z0-9_\-]{1,64}")


@dataclass(frozen=True, slots=True)
class Candidate:
    """A miner that may mine for the auction."""

    id: str
    # Measured now; None (or nothing) makes the miner ineligible.
    hashrate_ths: float | None
    # Mining on the subnet's pool as our worker now.
    routed: bool

    @property
    def eligible(self) -> bool:
        """Return True when the miner measures a usable hashrate."""
        return self.hashrate_ths is not None and math.isfinite(self.hashrate_ths) and self.hashrate_ths > 0


@dataclass(frozen=True, slots=True)
class Choice:
    """The miners to route, what they cover, and how much of the win they cannot."""

    routed: frozenset[str]
    covered_ths: float
    shortfall_ph: float


def _total(miners: Iterable[Candidate]) -> float:
    """Return the exact-rounded sum of hashrates (the same whatever the order)."""
    return math.fsum(miner.hashrate_ths or 0.0 for miner in miners)


def _ranked(miners: Iterable[Candidate]) -> list[Candidate]:
    """Return miners biggest first, ties by id: the one order every step uses."""
    return sorted(miners, key=lambda miner: (-(miner.hashrate_ths or 0.0), miner.id))


def _covers(miners: Iterable[Candidate], target_ths: float) -> bool:
    """Return True when the miners' hashrate reaches the target."""
    return _total(miners) >= target_ths - _EPSILON_THS


def _smallest_count(ranked: Sequence[Candidate], target_ths: float) -> int:
    """Return how many miners the fewest covering ones are (the biggest first reach it soonest)."""
    return next(count for count in range(1, len(ranked) + 1) if _covers(ranked[:count], target_ths))


def _best_split(
    routed: Sequence[Candidate], others: Sequence[Candidate], count: int, target_ths: float
) -> list[Candidate]:
    """Return count miners that cover the target keeping as many routed ones as possible (the biggest of each)."""
    for kept in range(min(count, len(routed)), -1, -1):
        chosen = [*routed[:kept], *others[: count - kept]]
        if len(chosen) == count and _covers(chosen, target_ths):
            return chosen
    raise AssertionError("the biggest miners cover the target")  # pragma: no cover


def _trim_surplus(chosen: list[Candidate], pool: Sequence[Candidate], target_ths: float) -> list[Candidate]:
    """Swap each chosen miner, biggest first, for the smallest unchosen one of its group that still covers.

    Hashrate above the win earns nothing on the subnet's pool but is lost to the user's own;
    swapping within the group (routed or not) keeps the number of changes.
    """
    smallest_first = _ranked(pool)[::-1]
    for miner in _ranked(chosen):
        taken = {other.id for other in chosen}
        rest = [other for other in chosen if other.id != miner.id]
        for other in smallest_first:
            if (other.hashrate_ths or 0.0) >= (miner.hashrate_ths or 0.0):
                break
            if other.id not in taken and other.routed == miner.routed and _covers([*rest, other], target_ths):
                chosen = [*rest, other]
                break
    return chosen


def choose_miners(candidates: Iterable[Candidate], won_ph: float) -> Choice:
    """Return the smallest set of eligible miners whose measured hashrate covers the won PH.

    Among the smallest sets, one keeping the most miners already routed (the fewest changes);
    then smaller miners are swapped in while they still cover, so less hashrate goes beyond
    the win; ties by id. Without a win none; when all eligible miners together fall short,
    all of them and the shortfall.
    """
    if not math.isfinite(won_ph) or won_ph < 0:
        raise ValueError(f"won hashrate must be a finite number of PH, at least 0: {won_ph}")
    eligible = _ranked({miner.id: miner for miner in candidates if miner.eligible}.values())
    target_ths = won_ph * 1000
    if target_ths <= _EPSILON_THS:
        return Choice(frozenset(), 0.0, 0.0)
    if not _covers(eligible, target_ths):
        total = _total(eligible)
        return Choice(frozenset(miner.id for miner in eligible), total, (target_ths - total) / 1000)
    count = _smallest_count(eligible, target_ths)
    routed = [miner for miner in eligible if miner.routed]
    others = [miner for miner in eligible if not miner.routed]
    chosen = _trim_surplus(_best_split(routed, others, count, target_ths), eligible, target_ths)
    return Choice(frozenset(miner.id for miner in chosen), _total(chosen), 0.0)


def is_ss58_address(text: str) -> bool:
    """Return True for a valid SS58 account address (a Bittensor hotkey such as 5F...), checksum included."""
    if not _SS58_TEXT.fullmatch(text):
        return False
    number = 0
    for character in text:
        number = number * 58 + _BASE58.index(character)
    raw = number.to_bytes((number.bit_length() + 7) // 8, "big")
    raw = b"\0" * (len(text) - len(text.lstrip("1"))) + raw
    # One-byte network prefixes (0-63) or two-byte ones, then a 32-byte account id and 2 checksum bytes.
    prefix_length = 1 if raw and raw[0] < 64 else 2
    if len(raw) != prefix_length + 32 + 2 or raw[0] >= 128:
        return False
    digest = hashlib.blake2b(b"SS58PRE" + raw[:-2], digest_size=64).digest()
    return digest[:2] == raw[-2:]


def worker_name(prefix: str, hotkey: str, worker: str) -> str:
    """Return the worker identity the subnet's pool credits: <prefix>.<hotkey>.<worker>."""
    for part, value in (("prefix", prefix), ("worker", worker)):
        if not _WORKER_TEXT.fullmatch(value):
            raise ValueError(f"{part} must be 1-64 letters, digits, _ or -: {value!r}")
    if not is_ss58_address(hotkey):
        raise ValueError(f"not an SS58 hotkey address: {hotkey!r}")
    return f"{prefix}.{hotkey}.{worker}"
