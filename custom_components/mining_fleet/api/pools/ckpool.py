"""CKPool solo: workers of a bitcoin address, no authentication."""

from __future__ import annotations

from typing import Any

from ..errors import ApiResponseError
from ..parse import items, mapping
from .base import PoolClient
from .models import PoolStatus, PoolWorker, hashrate_si_text, unix_time, worker_after_account


class CKPoolClient(PoolClient):
    """GET /users/<address> (regions: solo., eusolo., ausolo.)."""

    DEFAULT_BASE_URL = "https://solo.ckpool.org"
    MIN_INTERVAL = 60.0  # the pool rewrites each user's file about once a minute

    def __init__(self, session: Any, address: str, **kwargs: Any) -> None:
        """Remember the address."""
        super().__init__(session, **kwargs)
        self._address = address

    def _request(self) -> tuple[str, str, Any]:
        """Return the user request."""
        return "GET", f"/users/{self._address}", None

    @staticmethod
    def parse(data: Any) -> PoolStatus:
        """Parse {"worker": [{"workername": "addr.rig", "hashrate5m": "1.2T", "lastshare": 1700000000}]}."""
        if not isinstance(mapping(data).get("worker"), list):
            raise ApiResponseError("CKPool reply has no worker list")
        found = []
        for raw in items(mapping(data).get("worker")):
            entry = mapping(raw)
            if (name := worker_after_account(entry.get("workername"))) is None:
                continue
            hashrate = hashrate_si_text(entry.get("hashrate5m"))
            found.append(
                PoolWorker(
                    name=name,
                    hashrate_ths=hashrate,
                    last_share=unix_time(entry.get("lastshare")),
                    online=None if hashrate is None else hashrate > 0,
                )
            )
        return PoolStatus(tuple(found))
