"""HTTP helper shared by the clients: one request, its transport failures mapped to our errors."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp

from .errors import ApiConnectionError, ApiResponseError, ApiTimeoutError


class DeviceHttp:
    """Send requests to one device over a caller-owned aiohttp session."""

    def __init__(self, host: str, session: aiohttp.ClientSession, timeout: float) -> None:
        """Remember the device's host (it may carry a port: "10.0.0.5:8080")."""
        self.host = host
        self.timeout = timeout
        self._session = session

    @property
    def base_url(self) -> str:
        """Return the device's base URL (also its web UI)."""
        return f"http://{self.host}"

    async def send(
        self, method: str, path: str, *, body: Any = None, headers: dict[str, str] | None = None
    ) -> tuple[int, str]:
        """Send one request and return status and body text; every transport failure is an ApiError."""
        try:
            async with asyncio.timeout(self.timeout):
                return await self._send_once_more_if_dropped(method, path, body, headers or {})
        except TimeoutError as err:
            raise ApiTimeoutError(f"{self.host} did not answer {path} in {self.timeout} s") from err
        except (aiohttp.ClientError, OSError) as err:
            raise ApiConnectionError(f"cannot reach {self.host}: {err}") from err

    async def _send_once_more_if_dropped(
        self, method: str, path: str, body: Any, headers: dict[str, str]
    ) -> tuple[int, str]:
        """Send, and resend once when the device had closed the idle keep-alive connection.

        aiohttp retries a GET on such a stale connection but not a POST or PATCH; the dropped
        request never reached the firmware, so it is sent once more on a fresh connection.
        """
        url = f"{self.base_url}{path}"
        for attempt in (1, 2):
            try:
                async with self._session.request(method, url, json=body, headers=headers) as response:
                    return response.status, await response.text()
            except aiohttp.ServerDisconnectedError:
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    def decode_json(self, text: str, path: str) -> Any:
        """Parse a JSON body or raise a response error naming the device and path."""
        try:
            return json.loads(text)
        except ValueError as err:
            raise ApiResponseError(f"{self.host} sent malformed JSON on {path}") from err
