"""The loopback HTTP server lifecycle every simulator shares."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
import contextlib
import math

from aiohttp import web

LOOPBACK = "127.0.0.1"
# A reply delay meaning "never answer" (a device that vanished mid-connection).
NEVER = math.inf
# How many entries each of a simulator's logs (requests, commands, arrivals, the timeline) keeps at least.
LOG_LENGTH = 10_000


class RecentLog[T](list[T]):
    """A list that forgets its oldest entries past `limit` (a demo left running for weeks must not grow).

    It trims in one go when it reaches twice the limit, so appending stays cheap; indexes taken
    before a trim then point elsewhere, which only a run with more than `limit` entries can see.
    """

    def __init__(self, limit: int = LOG_LENGTH) -> None:
        """Start empty."""
        super().__init__()
        self.limit = limit

    def append(self, item: T) -> None:
        """Add an entry; past twice the limit, keep only the newest `limit`."""
        super().append(item)
        if len(self) >= 2 * self.limit:
            del self[: -self.limit]


class DeviceDown(Exception):
    """Raised by a reply_delay hook: the device is unreachable, so drop the connection."""


# Seconds to wait before answering (NEVER: hang until stop); raises DeviceDown to drop the connection.
ReplyDelay = Callable[[], float]


class LoopbackServer:
    """Serve build_app() on 127.0.0.1; stop() also releases requests a fault left hanging."""

    def __init__(self) -> None:
        """Start unbound."""
        self.port = 0
        self._runner: web.AppRunner | None = None
        self._release_hangs = asyncio.Event()
        # Set by a fleet to give every reply a latency or a fault; the /_sim/ control paths stay prompt.
        self.reply_delay: ReplyDelay | None = None
        # Readings without measurement noise: what a benchmark of "nothing changed" needs.
        self.steady = False
        # Device requests being answered now, the most at once, and ("start" | "finish", path) in order.
        self.in_flight = 0
        self.peak_in_flight = 0
        self.timeline: RecentLog[tuple[str, str]] = RecentLog()

    def build_app(self) -> web.Application:
        """Return the simulator's aiohttp application."""
        raise NotImplementedError

    @property
    def host(self) -> str:
        """Return host:port for clients."""
        return f"{LOOPBACK}:{self.port}"

    async def start(self, port: int = 0) -> None:
        """Serve on 127.0.0.1 (a free port unless one is given)."""
        app = self.build_app()
        app.middlewares.insert(0, self._reply_delay_middleware)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, LOOPBACK, port)
        await site.start()
        server = site._server  # noqa: SLF001 - aiohttp has no public accessor for the bound port
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]

    async def stop(self) -> None:
        """Stop serving."""
        self._release_hangs.set()
        if self._runner:
            await self._runner.cleanup()
            self._runner = None

    async def wait_before_reply(self) -> None:
        """Wait as long as reply_delay says; raise DeviceDown when the device is unreachable."""
        if self.reply_delay is None:
            return
        delay = self.reply_delay()
        if delay > 0:
            await self.hang(None if math.isinf(delay) else delay)

    @web.middleware
    async def _reply_delay_middleware(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        """Count device requests in flight, and delay or drop their replies as the reply_delay hook says."""
        if request.path.startswith("/_sim/"):
            return await handler(request)
        self._started(request.path)
        try:
            try:
                await self.wait_before_reply()
            except DeviceDown:
                raise self.drop_connection(request) from None
            return await handler(request)
        finally:
            self.in_flight -= 1
            self.timeline.append(("finish", request.path))

    def _started(self, path: str) -> None:
        """Record a device request's arrival."""
        self.in_flight += 1
        self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
        self.timeline.append(("start", path))

    @staticmethod
    def drop_connection(request: web.Request) -> web.HTTPException:
        """Close the client's connection, as a rebooting or vanished device does; return what to raise."""
        assert request.transport is not None
        request.transport.close()
        return web.HTTPServiceUnavailable()

    async def hang(self, seconds: float | None) -> None:
        """Wait like a stuck device, for at most `seconds` (None: no limit) or until stop()."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._release_hangs.wait(), seconds)
