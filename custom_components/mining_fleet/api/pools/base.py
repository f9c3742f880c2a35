"""The pool client base: one GET or POST per poll, status codes mapped, the reply parsed per pool."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, ClassVar

import aiohttp

from ..errors import (
    ApiInvalidCredentialsError,
    ApiRateLimitedError,
    ApiResponseError,
    ApiUnknownAccountError,
)
from ..http import DeviceHttp, bounded
from .models import PoolStatus

DEFAULT_TIMEOUT = 15.0


class PoolClient(ABC):
    """Read one pool account's workers; the aiohttp session is owned by the caller."""

    # The pool's own default; every client takes another (self-hosted pools, loopback simulators).
    DEFAULT_BASE_URL: ClassVar[str]
    # How often the pool may be asked, in seconds (its rate limit, or how often its data changes).
    MIN_INTERVAL: ClassVar[float]

    def __init__(
        self, session: aiohttp.ClientSession, *, base_url: str | None = None, timeout: float = DEFAULT_TIMEOUT
    ) -> None:
        """Remember where the pool is."""
        url = (base_url or self.DEFAULT_BASE_URL).rstrip("/")
        # No per-host limit: a pool's API serves the world, and a user's many accounts at one pool
        # polled at once would otherwise queue into each other's deadlines.
        self._http = DeviceHttp(url.split("://", 1)[-1], session, timeout, base_url=url, per_host=None)

    @bounded
    async def status(self) -> PoolStatus:
        """Read the account's workers."""
        method, path, body = self._request()
        status, text = await self._http.send(
            method, path, body=body, headers=self._headers(), idempotent=True
        )
        self._check_status(status, path)
        return self.parse(self._http.decode_json(text, path))

    def _check_status(self, status: int, path: str) -> None:
        """Translate the pool's HTTP status into the exception tree."""
        host = self._http.host
        if status in (401, 403):
            raise ApiInvalidCredentialsError(f"{host} refused the credentials (HTTP {status})")
        if status == 404:
            raise ApiUnknownAccountError(f"{host} does not know this account ({path})")
        if status == 429:
            raise ApiRateLimitedError(f"{host} asks to poll less often (HTTP 429)")
        if status >= 300:
            raise ApiResponseError(f"{host} answered HTTP {status} on {path}")

    def _headers(self) -> dict[str, str]:
        """Return the authentication headers (none by default)."""
        return {}

    @abstractmethod
    def _request(self) -> tuple[str, str, Any]:
        """Return method, path and JSON body (or None) of the workers request."""

    @staticmethod
    @abstractmethod
    def parse(data: Any) -> PoolStatus:
        """Parse the workers reply; raise ApiResponseError when it is not one."""


class AddressPoolClient(PoolClient):
    """A pool that lists the workers of a payout address without authentication."""

    # The workers request, with {address} in it.
    PATH: ClassVar[str]

    def __init__(self, session: aiohttp.ClientSession, address: str, **kwargs: Any) -> None:
        """Remember the address."""
        super().__init__(session, **kwargs)
        self._address = address

    def _request(self) -> tuple[str, str, Any]:
        """Return the workers request of the address."""
        return "GET", self.PATH.format(address=self._address), None
