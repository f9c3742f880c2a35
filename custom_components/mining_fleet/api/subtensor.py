"""The seam to a Bittensor chain: what the subnet auction reads and the one thing it writes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from .errors import ApiError

# Networks a user may name instead of a URL; anything else must be a ws:// or wss:// URL.
NAMED_NETWORKS = ("finney", "test", "local")


@dataclass(frozen=True, slots=True)
class RawCommitment:
    """One hotkey's commitment as stored: the raw bytes of its first field and the block it was made in."""

    hotkey: str
    block: int
    data: bytes


@dataclass(frozen=True, slots=True)
class Neuron:
    """A registered hotkey of the subnet with its uid and total stake in TAO."""

    hotkey: str
    uid: int
    stake: Decimal


class CommitmentRefusedError(ApiError):
    """The chain refused our commitment; `reason` is a translation key saying why."""

    def __init__(self, reason: str, detail: str = "") -> None:
        """Keep the reason key and the chain's own words (for the log)."""
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


# The reasons a commitment is refused; each has a translated message saying what to do.
REFUSED_RATE_LIMITED = "rate_limited"
REFUSED_NOT_REGISTERED = "not_registered"
REFUSED_SPACE_EXHAUSTED = "space_exhausted"
REFUSED_INSUFFICIENT_FUNDS = "insufficient_funds"
REFUSED_OTHER = "rejected"


class SubnetChain(Protocol):
    """What the auction needs from a chain; every read may raise ApiConnectionError or ApiResponseError."""

    @property
    def hotkey(self) -> str:
        """Return the ss58 address of the hotkey that signs our commitments."""

    async def connect(self) -> None:
        """Open the connection (idempotent)."""

    async def close(self) -> None:
        """Close the connection (idempotent)."""

    async def head(self) -> int:
        """Return the number of the newest block."""

    async def wait_for_head(self, after: int, within: float) -> int:
        """Return the head as soon as it is past `after`, or the head as it is when `within` seconds pass."""

    async def block_hash(self, block: int) -> str:
        """Return the 0x-prefixed hex hash of a block."""

    async def timestamp(self, block: int) -> datetime:
        """Return when a block was made (Timestamp.Now, UTC)."""

    async def commitments(self, netuid: int, block: int) -> list[RawCommitment]:
        """Return every hotkey's commitment at a block, in storage iteration order."""

    async def neurons(self, netuid: int, block: int) -> list[Neuron]:
        """Return the subnet's neurons with their stake at a block."""

    async def mechanism_split(self, netuid: int) -> list[int]:
        """Return MechanismEmissionSplit at the head (u16 values; empty when not set)."""

    async def tempo(self, netuid: int) -> int:
        """Return the subnet's tempo in blocks."""

    async def set_commitment(self, netuid: int, data: bytes) -> int:
        """Commit `data` for our hotkey and return the block it landed in; raises CommitmentRefusedError."""
