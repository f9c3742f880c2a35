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

    def build_client(self, session: aiohttp.ClientSession, data: Mapping[str, Any]) -> PoolClient:
        """Build the client for an account's data."""
        return self.make(session, data)

    def account_id(self, data: Mapping[str, Any]) -> str:
        """Return a stable id for the account; a token or key is hashed, never shown."""
        if self.secrets and not {CONF_ADDRESS, CONF_USER} & set(self.fields):
            digest = hashlib.sha256(str(data[self.secrets[0]]).encode()).hexdigest()[:16]
            return f"{self.key}:{digest}"
        account = data.get(CONF_ADDRESS) or data.get(CONF_USER)
        return f"{self.key}:{account}"


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
        PoolType("ocean", "OCEAN", (CONF_ADDRESS,), (), lambda s, d: OceanClient(s, d[CONF_ADDRESS], **_url(d))),
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
