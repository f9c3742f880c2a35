"""ViaBTC: workers of an account, authenticated by an API key."""

from __future__ import annotations

from typing import Any

from ..errors import ApiInvalidCredentialsError, ApiResponseError
from ..parse import items, mapping, text, whole
from .base import PoolClient
from .models import PoolStatus, PoolWorker, hashrate_si_text, unix_time, worker_name


class ViaBTCClient(PoolClient):
    """GET /res/openapi/v1/hashrate/worker?coin=BTC with X-API-KEY."""

    DEFAULT_BASE_URL = "https://pool.viabtc.com"
    MIN_INTERVAL = 60.0  # the shortest window ViaBTC reports is 10 minutes

    def __init__(self, session: Any, api_key: str, **kwargs: Any) -> None:
        """Remember the API key."""
        super().__init__(session, **kwargs)
        self._api_key = api_key

    def _headers(self) -> dict[str, str]:
        """Return the key header."""
        return {"X-API-KEY": self._api_key}

    def _request(self) -> tuple[str, str, Any]:
        """Return the worker request."""
        return "GET", "/res/openapi/v1/hashrate/worker?coin=BTC", None

    @staticmethod
    def parse(data: Any) -> PoolStatus:
        """Parse {"code": 0, "data": {"data": [{"worker_name", "worker_status", "hashrate_10min", "last_active"}]}}."""
        reply = mapping(data)
        if (code := whole(reply, "code")) != 0:
            message = text(reply, "message") or "error"
            error = ApiInvalidCredentialsError if "key" in message.lower() else ApiResponseError
            raise error(f"ViaBTC refused the request: {message} (code {code})")
        listed = mapping(reply.get("data")).get("data")
        if not isinstance(listed, list):
            raise ApiResponseError("ViaBTC reply has no data.data list")
        found = []
        for raw in items(listed):
            entry = mapping(raw)
            if (name := worker_name(entry.get("worker_name"))) is None:
                continue
            status = text(entry, "worker_status")  # "active" / "unactive" (sic)
            found.append(
                PoolWorker(
                    name=name,
                    hashrate_ths=hashrate_si_text(entry.get("hashrate_10min")),
                    last_share=unix_time(entry.get("last_active")),
                    online=None if status is None else status == "active",
                )
            )
        return PoolStatus(tuple(found))
