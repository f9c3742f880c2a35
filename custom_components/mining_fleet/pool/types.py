"""The pools a user can add, with the fields each needs and how to build its client."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
import hashlib
from typing import Any

import aiohttp

from ..api.pools.base import PoolClient
from ..api.pools.braiins import BraiinsClient
from ..api.pools.ckpool import CKPoolClient
from ..api.pools.f2pool import F2PoolClient
from ..api.pools.flexpool import FlexpoolClient
from ..api.pools.models import PoolStatus
from ..api.pools.ocean import OceanClient
from ..api.pools.public_pool import PublicPoolClient
from ..api.pools.viabtc import ViaBTCClient

CONF_POOL = "pool"
CONF_TOKEN = "token"  # noqa: S105 - a config key, not a secret
CONF_ADDRESS = "address"
CONF_USER = "user"
CONF_SECRET = "secret"  # noqa: S105 - a config key, not a secret
CONF_API_KEY = "api_key"
CONF_COIN = "coin"
CONF_BASE_URL = "base_url"


@dataclass(frozen=True, slots=True)
class PoolType:
    """One pool: its name, the fields of its account form, and its client."""

    key: str
    name: str
    fields: tuple[str, ...]
    secrets: tuple[str, ...]
    make: Callable[[aiohttp.ClientSession, Mapping[str, Any]], PoolClient]
    # OCEAN reports no share time per worker: its workers get no "last share" sensor.
    share_times: bool = True

    def build_client(self, session: aiohttp.ClientSession, data: Mapping[str, Any]) -> PoolClient:
        """Build the client for an account's data."""
        return self.make(session, data)

    def account_id(self, data: Mapping[str, Any], status: PoolStatus | None = None) -> str:
        """Return the account's id: its name where the pool says it, else its address or user.

        A pool that names neither (ViaBTC) is known only by its key, which is hashed, never shown,
        and cannot tell whether a new key belongs to the same account.
        """
        if status is not None and status.account:
            return f"{self.key}:{status.account}"
        if account := data.get(CONF_ADDRESS) or data.get(CONF_USER):
            return f"{self.key}:{account}"
        digest = hashlib.sha256(str(data[self.secrets[0]]).encode()).hexdigest()[:16]
        return f"{self.key}:{_KEY_ONLY}{digest}"

    @staticmethod
    def names_account(account_id: str | None) -> bool:
        """Return whether an id names the account (rather than hashing a key)."""
        return account_id is not None and f":{_KEY_ONLY}" not in account_id


_KEY_ONLY = "key-"


def _url(data: Mapping[str, Any]) -> dict[str, Any]:
    """Return the base-URL argument when the user gave one."""
    return {"base_url": data[CONF_BASE_URL]} if data.get(CONF_BASE_URL) else {}


POOL_TYPES: Mapping[str, PoolType] = {
    pool.key: pool
    for pool in (
        PoolType(
            "braiins", "Braiins Pool", (CONF_TOKEN,), (CONF_TOKEN,),
            lambda s, d: BraiinsClient(s, d[CONF_TOKEN], **_url(d)),
        ),
        PoolType(
            "ckpool", "CKPool solo", (CONF_ADDRESS,), (),
            lambda s, d: CKPoolClient(s, d[CONF_ADDRESS], **_url(d)),
        ),
        PoolType(
            "public_pool", "public-pool", (CONF_ADDRESS,), (),
            lambda s, d: PublicPoolClient(s, d[CONF_ADDRESS], **_url(d)),
        ),
        PoolType(
            "ocean", "OCEAN", (CONF_ADDRESS,), (),
            lambda s, d: OceanClient(s, d[CONF_ADDRESS], **_url(d)), share_times=False,
        ),
        PoolType(
            "f2pool", "F2Pool", (CONF_USER, CONF_SECRET), (CONF_SECRET,),
            lambda s, d: F2PoolClient(s, d[CONF_USER], d[CONF_SECRET], **_url(d)),
        ),
        PoolType(
            "viabtc", "ViaBTC", (CONF_API_KEY,), (CONF_API_KEY,),
            lambda s, d: ViaBTCClient(s, d[CONF_API_KEY], **_url(d)),
        ),
        PoolType(
            "flexpool", "Flexpool (legacy)", (CONF_COIN, CONF_ADDRESS), (),
            lambda s, d: FlexpoolClient(s, d[CONF_COIN], d[CONF_ADDRESS], **_url(d)),
        ),
    )
}  # fmt: skip
