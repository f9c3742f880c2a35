"""Flexpool (API v2, legacy: the seed's pool, which may no longer operate)."""

from __future__ import annotations

from typing import Any

from ..errors import ApiResponseError, ApiUnknownAccountError
from ..parse import flag, items, mapping
from .base import PoolClient
from .models import PoolStatus, PoolWorker, hashrate_si_text, unix_time, worker_name


class FlexpoolClient(PoolClient):
    """GET /v2/miner/workers?coin=<coin>&address=<address>."""

    DEFAULT_BASE_URL = "https://api.flexpool.io"
    MIN_INTERVAL = 60.0  # the seed polled once a minute

    def __init__(self, session: Any, coin: str, address: str, **kwargs: Any) -> None:
        """Remember coin and address."""
        super().__init__(session, **kwargs)
        self._coin = coin
        self._address = address

    def _request(self) -> tuple[str, str, Any]:
        """Return the workers request."""
        return "GET", f"/v2/miner/workers?coin={self._coin}&address={self._address}", None

    @staticmethod
    def parse(data: Any) -> PoolStatus:
        """Parse {"error": null, "result": [{"name", "isOnline", "currentEffectiveHashrate", "lastSeen"}]}."""
        reply = mapping(data)
        if (error := reply.get("error")) is not None:
            message = str(error)[:200]
            kind = ApiUnknownAccountError if "address" in message.lower() else ApiResponseError
            raise kind(f"Flexpool refused the request: {message}")
        if not isinstance(reply.get("result"), list):
            raise ApiResponseError("Flexpool reply has no result list")
        found = []
        for raw in items(reply.get("result")):
            entry = mapping(raw)
            if (name := worker_name(entry.get("name"))) is None:
                continue
            found.append(
                PoolWorker(
                    name=name,
                    hashrate_ths=hashrate_si_text(entry.get("currentEffectiveHashrate")),
                    last_share=unix_time(entry.get("lastSeen")),
                    online=flag(entry, "isOnline"),
                )
            )
        return PoolStatus(tuple(found))
