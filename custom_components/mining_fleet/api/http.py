"""HTTP helper shared by the clients."""

from __future__ import annotations

from typing import Any

import aiohttp


async def send_once_more_if_dropped(
    session: aiohttp.ClientSession, method: str, url: str, **kwargs: Any
) -> tuple[int, str]:
    """Send a request and return status and body text.

    Miners close idle keep-alive connections without notice; aiohttp retries a GET on such a
    stale connection but not a POST or PATCH. The dropped request never reached the firmware,
    so it is sent once more on a fresh connection.
    """
    for attempt in (1, 2):
        try:
            async with session.request(method, url, **kwargs) as response:
                return response.status, await response.text()
        except aiohttp.ServerDisconnectedError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")  # pragma: no cover
