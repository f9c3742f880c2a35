"""What a pool says about an account's workers, in one shape for every pool."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
import re
from typing import Any

from ..parse import as_number, finite

# Hashrate unit prefixes → factor to TH/s.
_TO_THS = {"": 1e-12, "k": 1e-9, "m": 1e-6, "g": 1e-3, "t": 1.0, "p": 1e3, "e": 1e6}
_UNIT = re.compile(r"([kmgtpe]?)h/s", re.IGNORECASE)
_SI_TEXT = re.compile(r"([0-9]{1,20}(?:\.[0-9]{1,20})?(?:e[+-]?[0-9]{1,3})?) ?([kKMGTPE]?)")
_MAX_TEXT = 48
# Unix seconds before 2009 or after 2100 are not share times.
_EARLIEST, _LATEST = 1_230_768_000, 4_102_444_800


@dataclass(frozen=True, slots=True)
class PoolWorker:
    """One worker as the pool sees it."""

    name: str
    hashrate_ths: float | None
    last_share: datetime | None
    online: bool | None

    @classmethod
    def hashing(cls, name: str, hashrate_ths: float | None, last_share: datetime | None) -> PoolWorker:
        """Return a worker that counts as online while it hashes (pools without an online flag)."""
        return cls(name, hashrate_ths, last_share, None if hashrate_ths is None else hashrate_ths > 0)


@dataclass(frozen=True, slots=True)
class PoolStatus:
    """An account's workers at one poll; a worker not listed is "not seen"."""

    workers: tuple[PoolWorker, ...]
    # The account's name where the pool reports it (Braiins), to tell accounts apart.
    account: str | None = None

    @property
    def hashrate_ths(self) -> float:
        """Return the account's total hashrate over the workers that report one."""
        return sum(worker.hashrate_ths or 0.0 for worker in self.workers)

    @property
    def online(self) -> int:
        """Return how many workers the pool counts as online."""
        return sum(1 for worker in self.workers if worker.online)

    def worker(self, name: str) -> PoolWorker | None:
        """Return a worker by name, or None when the pool does not list it."""
        return next((worker for worker in self.workers if worker.name == name), None)


def hashrate_in_unit(value: Any, unit: Any) -> float | None:
    """Return a hashrate given in a unit like "Gh/s" as TH/s."""
    number = as_number(value)
    match = _UNIT.fullmatch(unit.strip()) if isinstance(unit, str) and len(unit) <= _MAX_TEXT else None
    if number is None or match is None:
        return None
    return finite(number * _TO_THS[match.group(1).lower()])


def hashrate_si_text(value: Any) -> float | None:
    """Return a hashrate written as "1.2T", "850G" or a bare number of H/s, as TH/s."""
    if isinstance(value, str):
        match = _SI_TEXT.fullmatch(value.strip()) if len(value) <= _MAX_TEXT else None
        if match is None:
            return None
        return hashrate_in_unit(match.group(1), f"{match.group(2)}H/s")
    return hashrate_in_unit(value, "H/s")


def unix_time(value: Any) -> datetime | None:
    """Return a share time given as unix seconds (or an ISO-8601 string), in UTC."""
    if (seconds := as_number(value)) is None:
        return iso_time(value)
    return datetime.fromtimestamp(seconds, UTC) if _EARLIEST <= seconds <= _LATEST else None


def iso_time(value: Any) -> datetime | None:
    """Return an ISO-8601 time in UTC (a time without zone is taken as UTC)."""
    if not isinstance(value, str) or len(value) > _MAX_TEXT:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def merge_sessions(workers: Iterable[PoolWorker]) -> tuple[PoolWorker, ...]:
    """Merge entries that share a name (pools that list one entry per connection)."""
    merged: dict[str, PoolWorker] = {}
    for worker in workers:
        if (seen := merged.get(worker.name)) is None:
            merged[worker.name] = worker
            continue
        shares = [time for time in (seen.last_share, worker.last_share) if time is not None]
        rates = [rate for rate in (seen.hashrate_ths, worker.hashrate_ths) if rate is not None]
        merged[worker.name] = PoolWorker(
            name=worker.name,
            hashrate_ths=finite(sum(rates)) if rates else None,
            last_share=max(shares, default=None),
            online=bool(seen.online or worker.online) if None not in (seen.online, worker.online) else None,
        )
    return tuple(merged.values())


def worker_name(name: Any) -> str | None:
    """Return a worker's name as the pool lists it, or None when it has none."""
    return name.strip() if isinstance(name, str) and name.strip() else None


def worker_after_account(full: Any) -> str | None:
    """Return the worker part of "<account>.<worker>" (pools that prefix the account); dots after it stay."""
    name = worker_name(full)
    if name is None or "." not in name:
        return name
    return name.split(".", 1)[1] or None
