"""F2Pool (API v2): workers of a mining user, authenticated by an API secret."""

from __future__ import annotations

from typing import Any

from ..errors import ApiInvalidCredentialsError, ApiResponseError
from ..parse import items, mapping, number, text, whole
from .base import PoolClient
from .models import PoolStatus, PoolWorker, hashrate_si_text, unix_time, worker_name


class F2PoolClient(PoolClient):
    """POST /v2/hash_rate/worker/list with the secret in F2P-API-SECRET."""

    DEFAULT_BASE_URL = "https://api.f2pool.com"
    MIN_INTERVAL = 60.0  # F2Pool recomputes worker hashrates every few minutes

    def __init__(self, session: Any, user: str, secret: str, **kwargs: Any) -> None:
        """Remember the mining user and the secret."""
        super().__init__(session, **kwargs)
        self._user = user
        self._secret = secret

    def _headers(self) -> dict[str, str]:
        """Return the secret header."""
        return {"F2P-API-SECRET": self._secret}

    def _request(self) -> tuple[str, str, Any]:
        """Return the worker-list request."""
        return "POST", "/v2/hash_rate/worker/list", {"mining_user_name": self._user, "currency": "bitcoin"}

    @staticmethod
    def parse(data: Any) -> PoolStatus:
        """Parse {"workers": [{"hash_rate_info": {"name", "hash_rate"}, "last_share_at", "status"}]}."""
        reply = mapping(data)
        if (code := whole(reply, "code")) not in (None, 0):
            message = text(reply, "msg") or "error"
            lowered = message.lower()
            error = (
                ApiInvalidCredentialsError if "secret" in lowered or "user" in lowered else ApiResponseError
            )
            raise error(f"F2Pool refused the request: {message} (code {code})")
        if not isinstance(reply.get("workers"), list):
            raise ApiResponseError("F2Pool reply has no workers list")
        found = []
        for raw in items(reply.get("workers")):
            entry = mapping(raw)
            info = mapping(entry.get("hash_rate_info"))
            if (name := worker_name(info.get("name"))) is None:
                continue
            status = number(entry, "status")
            found.append(
                PoolWorker(
                    name=name,
                    hashrate_ths=hashrate_si_text(info.get("hash_rate")),
                    last_share=unix_time(entry.get("last_share_at")),
                    online=None if status is None else status == 0,
                )
            )
        return PoolStatus(tuple(found))
