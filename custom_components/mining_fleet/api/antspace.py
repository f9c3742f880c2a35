"""Async client for Antspace cooling containers: one GET endpoint, reads and writes alike.

`GET /cooler?operation=<op>[&temp=<value>]` answers `{"ok": true, "method": op, "params": …}`.
The controller queries a PLC and is slow, so a call may take several seconds. The supply
setpoint has no range on the wire: the caller passes the limits and nothing outside them is sent.
"""

from __future__ import annotations

from collections.abc import Mapping
import math
from typing import Any
from urllib.parse import urlencode

import aiohttp

from .antspace_models import CoolerState, MinerInfo, Model, envelope
from .errors import ApiBadRequestError, ApiResponseError
from .http import DeviceHttp, bounded

DEFAULT_PORT = 80
DEFAULT_TIMEOUT = 15.0
PID = "pid"


class AntspaceClient:
    """Talk to one container's controller; the aiohttp session is owned by the caller."""

    def __init__(
        self,
        host: str,
        session: aiohttp.ClientSession,
        *,
        port: int = DEFAULT_PORT,
        timeout: float = DEFAULT_TIMEOUT,
        model: Model | None = None,
    ) -> None:
        """Remember where the controller is; the model is detected on the first read unless given."""
        address = host if port == DEFAULT_PORT else f"{host}:{port}"
        self._http = DeviceHttp(address, session, timeout)
        self.host = address
        self.model = model

    async def _call(self, operation: str, *, idempotent: bool, **query: str) -> Mapping[str, Any]:
        """Send one operation and return its params; a refusal or a broken envelope is an ApiError."""
        path = "/cooler?" + urlencode({"operation": operation, **query})
        status, body = await self._http.send("GET", path, idempotent=idempotent)
        if status == 400:
            raise ApiBadRequestError(f"{self.host} refused {operation}: {body[:200]}")
        if status >= 300:
            raise ApiResponseError(f"{self.host} answered HTTP {status} on {operation}")
        return envelope(self._http.decode_json(body, operation), operation)

    @bounded
    async def cooler_state(self) -> CoolerState:
        """Read the cooling state; the model found the first time is kept."""
        state = CoolerState.from_params(await self._call("coolerState", idempotent=True), self.model)
        self.model = state.model
        return state

    @bounded
    async def miner_info(self) -> MinerInfo:
        """Read the miners the container lists."""
        return MinerInfo.from_params(await self._call("minerInfo", idempotent=True))

    @bounded
    async def set_cooling(self, on: bool) -> None:
        """Start (open) or stop (close) the cooling."""
        await self._call("open" if on else "close", idempotent=True)

    @bounded
    async def reset(self) -> None:
        """Acknowledge and clear the alarms."""
        await self._call("reset", idempotent=False)

    @bounded
    async def set_supply_temperature(self, celsius: float, limits: tuple[float, float]) -> None:
        """Set the supply liquid setpoint; a value outside the limits (or not a number) is never sent."""
        low, high = limits
        if not math.isfinite(celsius) or not low <= celsius <= high:
            raise ApiBadRequestError(f"{celsius} °C is outside the setpoint limits {low} to {high} °C")
        await self._call("setTemp", idempotent=True, temp=f"{celsius:g}")

    @bounded
    async def set_pid_mode(self) -> None:
        """Let the controller's PID loop choose the setpoint."""
        await self._call("setTemp", idempotent=True, temp=PID)
