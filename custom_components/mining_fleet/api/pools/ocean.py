"""OCEAN: workers of a bitcoin address, no authentication, no per-worker share time."""

from __future__ import annotations

from typing import Any

from ..errors import ApiResponseError
from ..parse import items, mapping
from .base import AddressPoolClient
from .models import PoolStatus, PoolWorker, hashrate_si_text


class OceanClient(AddressPoolClient):
    """GET /v1/user_hashrate_full/<address>."""

    DEFAULT_BASE_URL = "https://api.ocean.xyz"
    PATH = "/v1/user_hashrate_full/{address}"
    MIN_INTERVAL = 60.0  # the 60 s hashrate is the finest OCEAN reports

    @staticmethod
    def parse(data: Any) -> PoolStatus:
        """Parse {"result": {"workers": {"rig": [{"hashrate_300s": "1.2e12"}]}}} (one-item lists)."""
        workers = mapping(mapping(data).get("result")).get("workers")
        if not isinstance(workers, dict):
            raise ApiResponseError("OCEAN reply has no result.workers")
        found = []
        for name, raw in workers.items():
            if not isinstance(name, str) or not name:
                continue
            entry = mapping(next(iter(items(raw)), None))
            hashrate = hashrate_si_text(entry.get("hashrate_300s"))
            # OCEAN has no share time per worker: online means hashing over the last 5 minutes.
            found.append(PoolWorker.hashing(name, hashrate, None))
        return PoolStatus(tuple(found))
