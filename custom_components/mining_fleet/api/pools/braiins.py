"""Braiins Pool: workers of an account, authenticated by an API token."""

from __future__ import annotations

from typing import Any

from ..errors import ApiResponseError
from ..parse import mapping, text
from .base import PoolClient
from .models import PoolStatus, PoolWorker, hashrate_in_unit, unix_time, worker_after_account

# Braiins' states: ok / low (hashing below normal) / off / dis (disabled).
_ONLINE_STATES = frozenset({"ok", "low"})


class BraiinsClient(PoolClient):
    """GET /accounts/workers/json/btc/ with the account's token."""

    DEFAULT_BASE_URL = "https://pool.braiins.com"
    MIN_INTERVAL = 5.0  # the documented limit: one request per 5 s per token

    def __init__(self, session: Any, token: str, **kwargs: Any) -> None:
        """Remember the token."""
        super().__init__(session, **kwargs)
        self._token = token

    def _headers(self) -> dict[str, str]:
        """Send the token under both names: older tokens work with one, newer docs name the other."""
        return {"SlushPool-Auth-Token": self._token, "Pool-Auth-Token": self._token}

    def _request(self) -> tuple[str, str, Any]:
        """Return the workers request."""
        return "GET", "/accounts/workers/json/btc/", None

    @staticmethod
    def parse(data: Any) -> PoolStatus:
        """Parse {"btc": {"workers": {"user.worker": {...}}}}."""
        workers = mapping(data).get("btc")
        if not isinstance(workers, dict) or not isinstance(workers.get("workers"), dict):
            raise ApiResponseError("Braiins reply has no btc.workers")
        found = []
        for full_name, raw in workers["workers"].items():
            entry = mapping(raw)
            if (name := worker_after_account(full_name)) is None:
                continue
            state = text(entry, "state")
            found.append(
                PoolWorker(
                    name=name,
                    hashrate_ths=hashrate_in_unit(entry.get("hash_rate_5m"), entry.get("hash_rate_unit")),
                    last_share=unix_time(entry.get("last_share")),
                    online=None if state is None else state in _ONLINE_STATES,
                )
            )
        return PoolStatus(tuple(found), account=text(mapping(data), "username"))
