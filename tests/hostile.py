"""A tiny raw HTTP server on 127.0.0.1 that misbehaves on purpose, for every client's hostile-input tests."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
import contextlib
from dataclasses import dataclass, field
import json
import zlib

LOOPBACK = "127.0.0.1"
MIB = 1 << 20

type Writer = asyncio.StreamWriter
type Behaviour = Callable[[Writer], Awaitable[None]]


def _response(status: str, body: bytes, headers: dict[str, str] | None = None) -> bytes:
    """Return a whole HTTP/1.1 response."""
    head = {"Content-Type": "application/json", "Content-Length": str(len(body)), **(headers or {})}
    lines = [f"HTTP/1.1 {status}", *(f"{key}: {value}" for key, value in head.items()), "", ""]
    return "\r\n".join(lines).encode() + body


def gzip_bomb(inflated_bytes: int = 64 * MIB) -> bytes:
    """Return a small gzip body that inflates to inflated_bytes of JSON-looking spaces."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = b" " * MIB
    parts = [compressor.compress(block) for _ in range(inflated_bytes // MIB)]
    return b"".join(parts) + compressor.flush()


@dataclass
class HostileServer:
    """Answer logins normally, then misbehave with `behaviour` on every other request."""

    behaviour: Behaviour
    close_on_connect: bool = False
    answer_logins: bool = True
    login_delay: float = 0.0
    requests: list[tuple[str, str]] = field(default_factory=list)
    bytes_sent: int = 0
    port: int = 0
    _server: asyncio.Server | None = None
    _connections: set[asyncio.Task[None]] = field(default_factory=set)

    @property
    def host(self) -> str:
        """Return host:port for clients."""
        return f"{LOOPBACK}:{self.port}"

    async def start(self) -> None:
        """Listen on a free loopback port."""
        self._server = await asyncio.start_server(self._serve, LOOPBACK, 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        """Stop listening and drop open connections."""
        if self._server:
            self._server.close()
        for task in self._connections:
            task.cancel()
        await asyncio.gather(*self._connections, return_exceptions=True)

    async def _serve(self, reader: asyncio.StreamReader, writer: Writer) -> None:
        """Read requests on one connection and answer each."""
        task = asyncio.current_task()
        assert task is not None
        self._connections.add(task)
        with contextlib.suppress(ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            while True:
                if self.close_on_connect:
                    writer.close()
                    return
                head = await reader.readuntil(b"\r\n\r\n")
                method, path, *_ = head.decode("latin-1").split(" ", 2)
                length = next(
                    (
                        int(line.split(":", 1)[1])
                        for line in head.decode().split("\r\n")
                        if line.lower().startswith("content-length:")
                    ),
                    0,
                )
                await reader.readexactly(length)
                self.requests.append((method, path))
                if self.answer_logins and path.endswith("/unlock"):
                    await asyncio.sleep(self.login_delay)
                    writer.write(_response("200 OK", json.dumps({"token": "t0k3n"}).encode()))
                    await writer.drain()
                    continue
                await self.behaviour(writer)
                if writer.is_closing():
                    return
        writer.close()

    async def send(self, writer: Writer, data: bytes) -> None:
        """Write and count bytes."""
        writer.write(data)
        self.bytes_sent += len(data)
        await writer.drain()


# --- behaviours --------------------------------------------------------------------------------------
async def reset_after_reading(writer: Writer) -> None:
    """Read the request, then close without answering (a device that acted, then went away)."""
    writer.close()


def redirect_to(target: str, status: str = "307 Temporary Redirect") -> Behaviour:
    """Answer a redirect to another host."""

    async def behaviour(writer: Writer) -> None:
        writer.write(_response(status, b"", {"Location": f"http://{target}/steal"}))
        await writer.drain()

    return behaviour


def reply(status: str, body: bytes) -> Behaviour:
    """Answer with a fixed status and body."""

    async def behaviour(writer: Writer) -> None:
        writer.write(_response(status, body))
        await writer.drain()

    return behaviour


async def slow_unauthorized(writer: Writer) -> None:
    """Answer 401 after 0.6 s: each request is within a 1 s timeout, but login + retry together are not."""
    await asyncio.sleep(0.6)
    writer.write(_response("401 Unauthorized", b'{"err": "Unauthorized"}'))
    await writer.drain()


async def deep_json(writer: Writer) -> None:
    """Answer JSON nested 100,000 deep."""
    writer.write(_response("200 OK", b"[" * 100_000 + b"]" * 100_000))
    await writer.drain()


async def bad_utf8(writer: Writer) -> None:
    """Answer application/json that is not UTF-8."""
    writer.write(_response("200 OK", b'{"hostname": "\xff\xfe\xfa", "miner_state": "mining"}'))
    await writer.drain()


def bomb(body: bytes) -> Behaviour:
    """Answer a gzip bomb."""

    async def behaviour(writer: Writer) -> None:
        writer.write(_response("200 OK", body, {"Content-Encoding": "gzip"}))
        await writer.drain()

    return behaviour


def huge_chunked(server_ref: list[HostileServer], total: int = 100 * MIB) -> Behaviour:
    """Stream a 100 MB chunked reply (stops early when the client hangs up)."""

    async def behaviour(writer: Writer) -> None:
        server = server_ref[0]
        await server.send(
            writer, b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
        )
        chunk = b"[" + b" " * (256 * 1024 - 1)
        for _ in range(total // len(chunk)):
            await server.send(writer, f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
        await server.send(writer, b"0\r\n\r\n")

    return behaviour


async def slow_headers(writer: Writer) -> None:
    """Drip the status line and headers one byte every 100 ms, for up to a minute."""
    for byte in b"HTTP/1.1 200 OK\r\nX-Drip: " + b"a" * 600:
        writer.write(bytes([byte]))
        await writer.drain()
        await asyncio.sleep(0.1)


async def slow_body(writer: Writer) -> None:
    """Send headers at once, then drip a 600-byte body one byte every 100 ms."""
    writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 600\r\n\r\n")
    for _ in range(600):
        writer.write(b" ")
        await writer.drain()
        await asyncio.sleep(0.1)
