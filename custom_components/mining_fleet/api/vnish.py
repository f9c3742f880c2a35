"""Async client for the VNish (Antminer) HTTP API v1 with token handling."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import aiohttp

from .errors import (
    ApiAuthError,
    ApiBadRequestError,
    ApiInvalidCredentialsError,
    ApiKeyRequiredError,
    ApiResponseError,
)
from .http import DeviceHttp, bounded
from .parse import flag, mapping, text
from .vnish_models import (
    VNishInfo,
    VNishPoolSetting,
    VNishPreset,
    VNishStatus,
    VNishSummary,
    parse_current_preset,
    parse_presets,
    parse_settings_pools,
    parse_settings_preset,
)

DEFAULT_TIMEOUT = 10.0


API_KEY_HEADER = "x-api-key"
API_KEY_LENGTH = 32


class VNishClient:
    """Talk to one Antminer on VNish firmware; the aiohttp session is owned by the caller."""

    def __init__(
        self,
        host: str,
        password: str,
        session: aiohttp.ClientSession,
        *,
        api_key: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        """Remember where the miner is, its web password, and an API key for firmware that demands one."""
        self._http = DeviceHttp(host, session, timeout)
        self.host = host
        self._password = password
        self._api_key = api_key
        self._token: str | None = None
        # Requests running at once that all find the token missing or expired log in only once.
        self._unlocking = asyncio.Lock()

    @property
    def base_url(self) -> str:
        """Return the miner's base URL (also its web UI)."""
        return self._http.base_url

    async def _send(
        self, method: str, path: str, body: Any, token: str | None, *, idempotent: bool
    ) -> tuple[int, str]:
        """Send one request to /api/v1/<path> with the bearer token, and the API key on commands."""
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        if self._api_key and method != "GET":
            headers[API_KEY_HEADER] = self._api_key
        return await self._http.send(
            method, f"/api/v1/{path}", body=body, headers=headers, idempotent=idempotent
        )

    @bounded
    async def unlock(self) -> None:
        """Exchange the web password for a bearer token."""
        status, reply = await self._send("POST", "unlock", {"pw": self._password}, None, idempotent=True)
        if status == 403:
            raise ApiInvalidCredentialsError(f"{self.host} rejected the password")
        token = mapping(self._http.decode_json(reply, "unlock")).get("token") if status == 200 else None
        if not isinstance(token, str) or not token:
            raise ApiResponseError(f"{self.host} gave no token (HTTP {status})")
        self._token = token

    async def _renew(self, stale: str | None) -> str:
        """Return a token other than the stale one, logging in unless a concurrent request just did."""
        async with self._unlocking:
            if self._token == stale:
                await self.unlock()
        assert self._token is not None  # unlock sets one or raises
        return self._token

    async def _request(
        self, method: str, path: str, body: Any = None, *, idempotent: bool | None = None
    ) -> Any:
        """Send an authorised request; on 401 unlock once and retry once, never more.

        Reads are safe to resend; a command is only when the caller says so (a set, not a toggle).
        """
        safe = method == "GET" if idempotent is None else idempotent
        token = self._token or await self._renew(None)
        status, reply = await self._send(method, path, body, token, idempotent=safe)
        if status == 401:
            # A 401 means the firmware refused the token before acting, so the retry is safe.
            token = await self._renew(token)
            status, reply = await self._send(method, path, body, token, idempotent=safe)
        if status == 401:
            raise ApiAuthError(f"{self.host} refused a fresh token on {path}")
        if status == 403 and method != "GET":
            # Firmware with API keys enabled refuses settings and reboot without a valid x-api-key.
            which = "the API key set" if self._api_key else "the command without an API key"
            raise ApiKeyRequiredError(
                f"{self.host} refused {which} on {path}: {self._error_text(reply, path)}"
            )
        if status == 403:
            raise ApiInvalidCredentialsError(f"{self.host} refused {path} (HTTP 403)")
        if status == 400:
            raise ApiBadRequestError(f"{self.host} rejected {path}: {self._error_text(reply, path)}")
        if status >= 300:
            raise ApiResponseError(
                f"{self.host} answered HTTP {status} on {path}: {self._error_text(reply, path)}"
            )
        return self._http.decode_json(reply, path) if reply.strip() else None

    def _error_text(self, body: str, path: str) -> str:
        """Return the firmware's {"err": ...} message, or the start of the body."""
        try:
            message = text(mapping(self._http.decode_json(body, path)), "err")
        except ApiResponseError:
            message = None
        return message or body[:200]

    @bounded
    async def info(self) -> VNishInfo:
        """Read model, firmware and identity."""
        return VNishInfo.from_dict(await self._request("GET", "info"))

    @bounded
    async def status(self) -> VNishStatus:
        """Read the miner state."""
        return VNishStatus.from_dict(await self._request("GET", "status"))

    @bounded
    async def summary(self) -> VNishSummary:
        """Read telemetry."""
        return VNishSummary.from_dict(await self._request("GET", "summary"))

    @bounded
    async def current_preset(self) -> str | None:
        """Read the active power preset's name."""
        return parse_current_preset(await self._request("GET", "perf-summary"))

    @bounded
    async def presets(self) -> tuple[VNishPreset, ...]:
        """Read the autotune presets."""
        return parse_presets(await self._request("GET", "autotune/presets"))

    @bounded
    async def set_mining(self, on: bool) -> None:
        """Start or stop hashing; a refused command is judged by the state re-read from /status."""
        try:
            await self._request("POST", "mining/start" if on else "mining/stop", idempotent=True)
        except (ApiResponseError, ApiBadRequestError) as err:
            # Some firmware answers 500 when the miner is already in the requested state.
            if (await self.status()).is_hashing != on:
                raise ApiResponseError(f"{self.host} did not {'start' if on else 'stop'}: {err}") from err

    @bounded
    async def restart(self) -> None:
        """Restart the mining software."""
        await self._request("POST", "mining/restart")

    @bounded
    async def reboot(self) -> None:
        """Reboot the control board."""
        await self._request("POST", "system/reboot")

    @bounded
    async def set_locate(self, on: bool) -> None:
        """Turn the locate LED on or off; the endpoint toggles, so read the state first."""
        if (await self.status()).find_miner != on:
            await self._request("POST", "find-miner")

    @bounded
    async def set_preset(self, name: str) -> None:
        """Switch the power preset and confirm it by reading the settings back."""
        await self._request("POST", "settings", {"miner": {"overclock": {"preset": name}}}, idempotent=True)
        stored = parse_settings_preset(await self._request("GET", "settings"))
        if stored != name:
            raise ApiResponseError(f"{self.host} kept preset {stored!r} instead of {name!r}")

    @bounded
    async def pool_settings(self) -> tuple[VNishPoolSetting, ...]:
        """Read the configured pools, first priority first."""
        return parse_settings_pools(await self._request("GET", "settings"))

    @bounded
    async def set_pools(self, pools: Sequence[VNishPoolSetting]) -> bool:
        """Write the whole pool list, confirm it from the settings, and return whether mining must restart."""
        body = {"miner": {"pools": [pool.document() for pool in pools]}}
        reply = await self._request("POST", "settings", body, idempotent=True)
        # The reply looks the same whether anything was stored or not: only the settings tell.
        stored = parse_settings_pools(await self._request("GET", "settings"))
        wanted = [(pool.address, pool.user) for pool in sorted(pools, key=lambda pool: pool.order)]
        if [(pool.address, pool.user) for pool in stored] != wanted:
            raise ApiResponseError(
                f"{self.host} did not store the pools sent (it keeps {len(stored)} other ones)"
            )
        return bool(flag(mapping(reply), "restart_required"))
