"""public-pool (public-pool.io or self-hosted): workers of a bitcoin address, no authentication."""

from __future__ import annotations

from typing import Any

from ..errors import ApiResponseError
from ..parse import items, mapping
from .base import AddressPoolClient
from .models import PoolStatus, PoolWorker, hashrate_si_text, iso_time, merge_sessions, worker_name


class PublicPoolClient(AddressPoolClient):
    """GET /api/client/<address>; one entry per session, so names repeat and are merged."""

    DEFAULT_BASE_URL = "https://public-pool.io:40557"
    PATH = "/api/client/{address}"
    MIN_INTERVAL = 60.0  # lastSeen moves at most once a minute

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
            sessions.append(PoolWorker.hashing(name, hashrate, iso_time(entry.get("lastSeen"))))
        return PoolStatus(merge_sessions(sessions))
