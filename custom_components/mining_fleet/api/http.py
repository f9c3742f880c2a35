"""HTTP helper shared by the clients: bounded, never redirected, safe to resend only when idempotent.

A miner's reply is a few KB, it never redirects its API, and its firmware is not ours: every
reply is read with a size cap (also after decompression), decoded strictly, and every failure
becomes one of our errors. Known gap: aiohttp's client limits each header line (8 KB) but not
how many there are, so a hostile device can still flood headers until the call's deadline.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import AbstractAsyncContextManager, asynccontextmanager, nullcontext
import functools
import json
from typing import Any, Concatenate, Protocol
import weakref
import zlib

import aiohttp
from yarl import URL

from .errors import ApiConnectionError, ApiResponseError, ApiTimeoutError

MAX_BODY_BYTES = 1 << 20  # 1 MiB: hundreds of times a real reply, far from a memory problem
_READ_CHUNK = 64 * 1024
_DECOMPRESSORS = {"gzip": 16 + zlib.MAX_WBITS, "x-gzip": 16 + zlib.MAX_WBITS, "deflate": zlib.MAX_WBITS}
_ACCEPT = {"Accept-Encoding": "gzip, deflate"}
# A Bitaxe's ESP32 web server has 7 sockets (ESP-IDF's default) and AxeOS's own UI and websocket
# use some; VNish's web server on an Antminer's control board is slow. Three requests at once let
# a VNish poll's three reads run together and leave the rest of a Bitaxe's sockets to its UI.
PER_HOST_LIMIT = 3
# The request slots of each host:port, per session: every client of one host shares them (the
# coordinator's, a flow's probe, a service call's), and a session, like a semaphore, lives on one
# event loop. Weak keys: a closed session's slots go with it.
_SLOTS: weakref.WeakKeyDictionary[aiohttp.ClientSession, dict[str, asyncio.Semaphore]] = (
    weakref.WeakKeyDictionary()
)


def host_slots(session: aiohttp.ClientSession, base_url: str, limit: int) -> asyncio.Semaphore:
    """Return the semaphore shared by every request to base_url's host:port over this session."""
    by_host = _SLOTS.setdefault(session, {})
    return by_host.setdefault(_host_key(base_url), asyncio.Semaphore(limit))


def _host_key(base_url: str) -> str:
    """Return a base URL's host:port, or the URL as typed when it does not parse."""
    try:
        url = URL(base_url)
    except ValueError:
        # A host a user mistyped ("10.0.0.5:80a"): its requests fail as unreachable, not its client.
        return base_url
    return f"{url.host}:{url.port}"


class DeviceHttp:
    """Send requests to one device over a caller-owned aiohttp session."""

    def __init__(
        self,
        host: str,
        session: aiohttp.ClientSession,
        timeout: float,
        *,
        base_url: str | None = None,
        per_host: int | None = PER_HOST_LIMIT,
    ) -> None:
        """Remember the device's host (it may carry a port: "10.0.0.5:8080") or a service's base URL.

        per_host bounds the requests in flight to that host:port from every client on this
        session; None leaves them unbounded (a service built for many clients).
        """
        self.host = host
        self.timeout = timeout
        self.base_url = (base_url or f"http://{host}").rstrip("/")
        self._session = session
        self._slots = host_slots(session, self.base_url, per_host) if per_host else None

    @asynccontextmanager
    async def deadline(self, what: str) -> AsyncIterator[None]:
        """Bound a whole client call (logins, retries, read-backs) by one timeout."""
        try:
            async with asyncio.timeout(self.timeout):
                yield
        except TimeoutError as err:
            raise ApiTimeoutError(f"{self.host} did not answer {what} within {self.timeout} s") from err

    async def send(
        self,
        method: str,
        path: str,
        *,
        idempotent: bool,
        body: Any = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, str]:
        """Send one request and return status and body text; every failure is an ApiError.

        Devices close idle keep-alive connections without notice, and a request sent on such a
        connection fails before the firmware saw it. An idempotent request (a read, a set to a
        value) is then sent once more; a toggle or a restart never is: the device may have read
        it just before the connection dropped. aiohttp already resends a GET on a reused
        connection by itself, so only the other idempotent methods are resent here. The wait for
        one of the host's request slots counts against the deadline like the request itself.
        """
        attempts = 2 if idempotent and method != "GET" else 1
        async with self.deadline(path):
            for attempt in range(1, attempts + 1):
                try:
                    async with self._slot():
                        return await self._send_once(method, path, body, {**_ACCEPT, **(headers or {})})
                except aiohttp.ServerDisconnectedError as err:
                    if attempt == attempts:
                        raise ApiConnectionError(f"{self.host} dropped the connection on {path}") from err
                except (aiohttp.ClientError, OSError) as err:
                    raise ApiConnectionError(f"cannot reach {self.host}: {err}") from err
        raise AssertionError("unreachable")  # pragma: no cover

    def _slot(self) -> AbstractAsyncContextManager[Any]:
        """Return the wait for a request slot at the host (none when unbounded)."""
        return self._slots if self._slots is not None else nullcontext()

    async def _send_once(self, method: str, path: str, body: Any, headers: dict[str, str]) -> tuple[int, str]:
        """Send once, refuse redirects, and read the reply within the size cap."""
        async with self._session.request(
            method,
            f"{self.base_url}{path}",
            json=body,
            headers=headers,
            allow_redirects=False,
            auto_decompress=False,
        ) as response:
            if 300 <= response.status < 400:
                raise ApiResponseError(
                    f"{self.host} redirected {path} (HTTP {response.status}); a device API never "
                    "does, so the redirect was not followed"
                )
            raw = await self._read_capped(response, path)
            return response.status, self._text(_decompress(raw, response, self.host, path), path)

    async def _read_capped(self, response: aiohttp.ClientResponse, path: str) -> bytes:
        """Read the raw body, giving up as soon as it passes the cap."""
        if (response.content_length or 0) > MAX_BODY_BYTES:
            raise self._too_large(path)
        body = bytearray()
        async for chunk in response.content.iter_chunked(_READ_CHUNK):
            body += chunk
            if len(body) > MAX_BODY_BYTES:
                raise self._too_large(path)
        return bytes(body)

    def _too_large(self, path: str) -> ApiResponseError:
        """Return the error for a reply over the cap."""
        return ApiResponseError(f"{self.host} sent more than {MAX_BODY_BYTES} bytes on {path}")

    def _text(self, raw: bytes, path: str) -> str:
        """Decode a body as UTF-8 (JSON's encoding); anything else is not a usable reply."""
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError as err:
            raise ApiResponseError(f"{self.host} sent a reply on {path} that is not UTF-8") from err

    def decode_json(self, text: str, path: str) -> Any:
        """Parse a JSON body or raise a response error naming the device and path."""
        try:
            return json.loads(text)
        except (ValueError, RecursionError) as err:
            raise ApiResponseError(f"{self.host} sent malformed JSON on {path}") from err


def _decompress(raw: bytes, response: aiohttp.ClientResponse, host: str, path: str) -> bytes:
    """Undo gzip/deflate with the same cap on the inflated size (a 100 KB bomb inflates to 200 MB)."""
    encoding = response.headers.get("Content-Encoding", "identity").strip().lower()
    if encoding in ("", "identity"):
        return raw
    if (wbits := _DECOMPRESSORS.get(encoding)) is None:
        raise ApiResponseError(f"{host} sent {path} in an encoding we did not ask for: {encoding}")
    decompressor = zlib.decompressobj(wbits)
    try:
        inflated = decompressor.decompress(raw, MAX_BODY_BYTES + 1)
    except zlib.error as err:
        raise ApiResponseError(f"{host} sent a corrupt {encoding} body on {path}") from err
    if len(inflated) > MAX_BODY_BYTES or decompressor.unconsumed_tail:
        raise ApiResponseError(f"{host} sent more than {MAX_BODY_BYTES} bytes (inflated) on {path}")
    return inflated


class _HasHttp(Protocol):
    """A client built on DeviceHttp."""

    _http: DeviceHttp


def bounded[ClientT: _HasHttp, **P, R](
    method: Callable[Concatenate[ClientT, P], Coroutine[Any, Any, R]],
) -> Callable[Concatenate[ClientT, P], Coroutine[Any, Any, R]]:
    """Give a public client call one deadline, however many requests it makes."""

    @functools.wraps(method)
    async def call(self: ClientT, *args: P.args, **kwargs: P.kwargs) -> R:
        async with self._http.deadline(method.__name__):
            return await method(self, *args, **kwargs)

    return call
