"""Async client for the AxeOS HTTP API of Bitaxe miners (ESP-Miner firmware 2.0 to 2.15+)."""

from __future__ import annotations

from typing import Any

import aiohttp

from .axeos_models import AsicInfo, PoolSettings, SystemInfo
from .errors import ApiBadRequestError, ApiNotLocalError, ApiResponseError
from .http import DeviceHttp, bounded

DEFAULT_TIMEOUT = 10.0


class AxeOSClient:
    """Talk to one Bitaxe; the aiohttp session is owned by the caller."""

    def __init__(
        self, host: str, session: aiohttp.ClientSession, *, timeout: float = DEFAULT_TIMEOUT
    ) -> None:
        """Remember where the miner is; host may carry a port ("10.0.0.5:8080")."""
        self._http = DeviceHttp(host, session, timeout)
        self.host = host

    @property
    def base_url(self) -> str:
        """Return the miner's base URL (also its web UI)."""
        return self._http.base_url

    async def _request(self, method: str, path: str, body: Any = None, *, idempotent: bool) -> str | None:
        """Send one request and return the body text, or None on 404."""
        # No Origin header: AxeOS answers 401 to a non-local Origin.
        status, text = await self._http.send(method, path, body=body, idempotent=idempotent)
        if status == 401:
            raise ApiNotLocalError(f"{self.host} refuses non-local clients (HTTP 401 on {path})")
        if status == 400:
            raise ApiBadRequestError(f"{self.host} rejected the values for {path}: {text[:200]}")
        if status == 404:
            return None
        if status >= 300:
            raise ApiResponseError(f"{self.host} answered HTTP {status} on {path}")
        return text

    async def _get_json(self, path: str) -> Any:
        """GET a JSON document; None when the firmware lacks the endpoint."""
        text = await self._request("GET", path, idempotent=True)
        if text is None:
            return None
        return self._http.decode_json(text, path)

    async def _post(self, path: str, *, idempotent: bool) -> None:
        """POST an action; a 404 means this firmware does not have it."""
        if await self._request("POST", path, idempotent=idempotent) is None:
            raise ApiResponseError(f"{self.host} firmware does not support {path}")

    @bounded
    async def info(self) -> SystemInfo:
        """Read telemetry and configuration."""
        data = await self._get_json("/api/system/info")
        if data is None:
            raise ApiResponseError(f"{self.host} has no /api/system/info: is it a Bitaxe?")
        return SystemInfo.from_dict(data)

    @bounded
    async def asic(self) -> AsicInfo | None:
        """Read the model's frequency/voltage options; None before firmware 2.7."""
        data = await self._get_json("/api/system/asic")
        return None if data is None else AsicInfo.from_dict(data)

    @bounded
    async def update_settings(self, settings: dict[str, Any]) -> None:
        """PATCH settings; the caller must already have validated every value."""
        # Settings are values, not toggles: sending them twice leaves the same state.
        if await self._request("PATCH", "/api/system", settings, idempotent=True) is None:
            raise ApiResponseError(f"{self.host} does not accept settings over the API")

    @bounded
    async def apply_tuning(self, *, frequency: int | None = None, core_voltage: int | None = None) -> None:
        """Set the ASIC frequency (MHz) and/or core voltage (mV); both apply live."""
        settings = {"frequency": frequency, "coreVoltage": core_voltage}
        await self.update_settings({key: int(value) for key, value in settings.items() if value is not None})

    @bounded
    async def set_fan_speed(self, percent: int) -> None:
        """Switch to manual fan control at a fixed duty."""
        # manualFanSpeed is 2.11+; fanspeed is the same setting on ≤2.10 and ignored later.
        await self.update_settings(
            {"autofanspeed": 0, "manualFanSpeed": int(percent), "fanspeed": int(percent)}
        )

    @bounded
    async def set_auto_fan(self, enabled: bool) -> None:
        """Turn automatic fan control on or off."""
        await self.update_settings({"autofanspeed": 1 if enabled else 0})

    @bounded
    async def set_temperature_target(self, celsius: int) -> None:
        """Set the automatic fan controller's target temperature."""
        await self.update_settings({"temptarget": int(celsius)})

    @bounded
    async def clear_overheat(self) -> None:
        """Clear the firmware's overheat lock-out."""
        await self.update_settings({"overheat_mode": 0})

    # Pool writes are kept for the auction issue (#11): routing won hashrate rewrites a miner's pools.
    @bounded
    async def set_pools(
        self, primary: PoolSettings, fallback: PoolSettings | None, *, pool_slots: bool
    ) -> None:
        """Write pools in the firmware's form; a restart is needed before they take effect."""
        await self.update_settings(pool_settings_body(primary, fallback, pool_slots=pool_slots))

    @bounded
    async def set_pool_slot(self, slot: int, pool: PoolSettings, *, primary: int, secondary: int) -> None:
        """Write one pool slot and choose the primary and fallback slots (2.15+); the other slots stay as they are."""
        await self.update_settings(pool_slot_body(slot, pool, primary=primary, secondary=secondary))

    @bounded
    async def set_pool_indices(self, *, primary: int, secondary: int) -> None:
        """Choose which stored slots are the primary and the fallback pool (2.15+)."""
        await self.update_settings({"primaryPoolIndex": primary, "secondaryPoolIndex": secondary})

    @bounded
    async def set_primary_pool(self, url: str, port: int, user: str, password: str | None) -> None:
        """Write the primary pool in the top-level keys (up to 2.14); None leaves the stored password as it is."""
        body: dict[str, Any] = {"stratumURL": url, "stratumPort": port, "stratumUser": user}
        if password is not None:
            body["stratumPassword"] = password
        await self.update_settings(body)

    @bounded
    async def restart(self) -> None:
        """Reboot the miner; it replies first and goes away about a second later."""
        await self._post("/api/system/restart", idempotent=False)

    @bounded
    async def identify(self) -> None:
        """Make the miner show itself (2.12+)."""
        await self._post("/api/system/identify", idempotent=False)

    @bounded
    async def pause(self) -> None:
        """Pause hashing (2.14+)."""
        await self._post("/api/system/pause", idempotent=True)

    @bounded
    async def resume(self) -> None:
        """Resume hashing (2.14+)."""
        await self._post("/api/system/resume", idempotent=True)


def pool_slot_body(slot: int, pool: PoolSettings, *, primary: int, secondary: int) -> dict[str, Any]:
    """Build the PATCH body writing one pool slot and the primary and fallback indexes (2.15+)."""
    return {
        "pools": [
            {
                "id": slot,
                "stratumURL": pool.url,
                "stratumPort": pool.port,
                "stratumUser": pool.user,
                "stratumPassword": pool.password,
            }
        ],
        "primaryPoolIndex": primary,
        "secondaryPoolIndex": secondary,
    }


def pool_settings_body(
    primary: PoolSettings, fallback: PoolSettings | None, *, pool_slots: bool
) -> dict[str, Any]:
    """Build the PATCH body for pools: top-level keys (≤2.14) or pool slots (2.15+)."""
    if pool_slots:
        slots = [primary] + ([fallback] if fallback else [])
        return {
            "pools": [
                {
                    "id": index,
                    "stratumURL": pool.url,
                    "stratumPort": pool.port,
                    "stratumUser": pool.user,
                    "stratumPassword": pool.password,
                }
                for index, pool in enumerate(slots)
            ],
            "primaryPoolIndex": 0,
            "secondaryPoolIndex": 1 if fallback else 0,
        }
    body: dict[str, Any] = {
        "stratumURL": primary.url,
        "stratumPort": primary.port,
        "stratumUser": primary.user,
        "stratumPassword": primary.password,
    }
    if fallback:
        body |= {
            "fallbackStratumURL": fallback.url,
            "fallbackStratumPort": fallback.port,
            "fallbackStratumUser": fallback.user,
            "fallbackStratumPassword": fallback.password,
        }
    return body
