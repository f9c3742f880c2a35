"""public-pool (public-pool.io or self-hosted): workers of a bitcoin address, no authentication."""

from __future__ import annotations

from typing import Any

from ..errors import ApiResponseError
from ..parse import items, mapping
from .base import PoolClient
from .models import PoolStatus, PoolWorker, hashrate_si_text, iso_time, merge_sessions, worker_name


class PublicPoolClient(PoolClient):
    """GET /api/client/<address>; one entry per session, so names repeat and are merged."""

    DEFAULT_BASE_URL = "https://public-pool.io:40557"
    MIN_INTERVAL = 60.0  # lastSeen moves at most once a minute

    def __init__(self, session: Any, address: str, **kwargs: Any) -> None:
        """Remember the address."""
        super().__init__(session, **kwargs)
        self._address = address

    def _request(self) -> tuple[str, str, Any]:
        """Return the client request."""
        return "GET", f"/api/client/{self._address}", None

    @staticmethod
    def parse(data: Any) -> PoolStatus:
        """Parse {"workers": [{"name": "rig", "hashRate": 1.2e12, "lastSeen": "2026-…Z"}]}."""
        if not isinstance(mapping(data).get("workers"), list):
            raise ApiResponseError("public-pool reply has no workers list")
        sessions = []
        for raw in items(mapping(data).get("workers")):
            entry = mapping(raw)
            if (name := worker_name(entry.get("name"))) is None:
                continue
            hashrate = hashrate_si_text(entry.get("hashRate"))
            sessions.append(
                PoolWorker(
                    name=name,
                    hashrate_ths=hashrate,
                    last_share=iso_time(entry.get("lastSeen")),
                    online=None if hashrate is None else hashrate > 0,
                )
            )
        return PoolStatus(merge_sessions(sessions))
