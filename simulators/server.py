"""The loopback HTTP server lifecycle every simulator shares."""

from __future__ import annotations

import asyncio
import contextlib

from aiohttp import web

LOOPBACK = "127.0.0.1"


class LoopbackServer:
    """Serve build_app() on 127.0.0.1; stop() also releases requests a fault left hanging."""

    def __init__(self) -> None:
        """Start unbound."""
        self.port = 0
        self._runner: web.AppRunner | None = None
        self._release_hangs = asyncio.Event()

    def build_app(self) -> web.Application:
        """Return the simulator's aiohttp application."""
        raise NotImplementedError

    @property
    def host(self) -> str:
        """Return host:port for clients."""
        return f"{LOOPBACK}:{self.port}"

    async def start(self, port: int = 0) -> None:
        """Serve on 127.0.0.1 (a free port unless one is given)."""
        self._runner = web.AppRunner(self.build_app(), access_log=None)
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

    @staticmethod
    def drop_connection(request: web.Request) -> web.HTTPException:
        """Close the client's connection, as a rebooting or vanished device does; return what to raise."""
        assert request.transport is not None
        request.transport.close()
        return web.HTTPServiceUnavailable()

    async def hang(self, seconds: float) -> None:
        """Wait like a stuck device, for at most `seconds` or until stop()."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._release_hangs.wait(), seconds)
