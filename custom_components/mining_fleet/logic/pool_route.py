"""Where a miner is sent to mine: a stratum pool address, a worker name and its password."""

from __future__ import annotations

from dataclasses import dataclass
import enum
import re

STRATUM_SCHEME = "stratum+tcp://"
# host:port after an optional stratum+tcp:// (IPv6 literals are not used by pools or miners' forms).
_ADDRESS = re.compile(r"(?:stratum\+tcp://)?(?P<host>[A-Za-z0-9.\-_]{1,253}):(?P<port>[0-9]{1,5})/?")


def split_stratum_url(url: str) -> tuple[str, int] | None:
    """Return (host, port) of "stratum+tcp://host:port" or "host:port", or None when it is neither."""
    match = _ADDRESS.fullmatch(url.strip())
    if match is None or not 0 < int(match["port"]) < 65536:
        return None
    return match["host"].lower(), int(match["port"])


def pool_address(url: str) -> tuple[str, int | None]:
    """Return a pool URL's host (lowercase, without scheme) and port (None when absent or unusable)."""
    address = url.strip().lower().split("://", 1)[-1].split("/", 1)[0]
    host, _, port = address.rpartition(":") if ":" in address else (address, "", "")
    return host, int(port) if port.isdigit() and len(port) <= 5 else None


class PoolChange(enum.StrEnum):
    """What a pool write did to one miner."""

    UNCHANGED = "unchanged"
    ROUTED = "routed"
    RETURNED = "returned"


@dataclass(frozen=True, slots=True)
class MinerPool:
    """The pool a miner is set to mine on first, as it reports it (no password: miners never show it)."""

    url: str
    port: int | None
    user: str

    def address(self) -> tuple[str, int | None]:
        """Return the pool's host (lowercase, no scheme) and port (the port field first, else the URL's)."""
        host, url_port = pool_address(self.url)
        return host, self.port if self.port else url_port

    def same_as(self, other: MinerPool | None) -> bool:
        """Return True when other is the same pool (however its URL is spelled) and worker."""
        return other is not None and self.address() == other.address() and self.user == other.user


@dataclass(frozen=True, slots=True)
class PoolRoute:
    """A stratum pool and the worker a miner mines on it as."""

    host: str
    port: int
    user: str
    password: str = "x"  # noqa: S105 - stratum's conventional placeholder, not a secret

    @classmethod
    def from_url(cls, url: str, user: str, password: str = "x") -> PoolRoute:  # noqa: S107
        """Return the route to "stratum+tcp://host:port" for a worker; raise ValueError for another URL."""
        if (address := split_stratum_url(url)) is None:
            raise ValueError(f"not a stratum+tcp://host:port address: {url!r}")
        return cls(address[0], address[1], user, password)

    @property
    def url(self) -> str:
        """Return the pool as stratum+tcp://host:port."""
        return f"{STRATUM_SCHEME}{self.host}:{self.port}"

    @property
    def address(self) -> str:
        """Return host:port (VNish's form)."""
        return f"{self.host}:{self.port}"

    def same_pool(self, url: str, port: int | None = None) -> bool:
        """Return True when a miner's pool URL (any scheme or case; the port in it or given) is this route's."""
        return MinerPool(url, port, "").address() == (self.host, self.port)

    def matches(self, pool: MinerPool | None) -> bool:
        """Return True when a miner's pool and worker are this route's (the password cannot be read back)."""
        return MinerPool(self.host, self.port, self.user).same_as(pool)
