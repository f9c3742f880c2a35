"""CKPool solo: workers of a bitcoin address, no authentication."""

from __future__ import annotations

from typing import Any

from ..errors import ApiResponseError
from ..parse import items, mapping
from .base import AddressPoolClient
from .models import PoolStatus, PoolWorker, hashrate_si_text, unix_time, worker_after_account


class CKPoolClient(AddressPoolClient):
    """GET /users/<address> (regions: solo., eusolo., ausolo.)."""

    DEFAULT_BASE_URL = "https://solo.ckpool.org"
    PATH = "/users/{address}"
    MIN_INTERVAL = 60.0  # the pool rewrites each user's file about once a minute

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
            found.append(PoolWorker.hashing(name, hashrate, unix_time(entry.get("lastshare"))))
        return PoolStatus(tuple(found))
