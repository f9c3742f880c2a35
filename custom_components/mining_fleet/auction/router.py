"""The auction entry's routing of won hashrate: one routing at a time, tried again while miners were missed.

At start-up every entry loads at once, so a chosen miner may load after the auction routed its
window; routing the missed miners again when one joins the fleet (or every few blocks while some
miner was missed) keeps a won window from mining elsewhere until the next window starts. A retry
routes only the missed miners, for what the window's routing left uncovered: a miner routed
moments ago measures nothing while it restarts, and routing it again would send it home.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError

from ..const import DOMAIN, LOGGER
from ..miner.registry import fleet_registry
from ..routing import SubnetPool, async_route_devices, async_write_proxy_target
from .settings import (
    CONF_MINERS,
    CONF_POOLS_TOML,
    CONF_RELOAD_SENTINEL,
    CONF_ROUTING,
    ROUTING_MINERS,
    ROUTING_PROXY,
)

# A routing that missed miners is tried again at most every 3 blocks (36 s): quick enough for a
# 60-block window, and no load on miners that stay unreachable.
RETRY_BLOCKS = 3
_LISTS = ("routed", "returned", "unchanged", "on_subnet_pool")


class AuctionRouter:
    """Sends a window's won hashrate where the entry's options say; never two routings at a time."""

    def __init__(
        self, hass: HomeAssistant, entry: ConfigEntry[Any], hotkey: str, on_routed: Callable[[], None]
    ) -> None:
        """Remember where to route; nothing is routed until a window is won or lost."""
        self._hass = hass
        self._entry = entry
        self._hotkey = hotkey
        self._on_routed = on_routed
        self._won_ph: float | None = None
        self._again = False
        self._new_window = False
        self._task: asyncio.Task[None] | None = None
        self._retry_block = 0
        self._failures: Mapping[str, str] = {}
        # What the last routing did, for the entry's state and diagnostics.
        self.result: dict[str, Any] | None = None

    @property
    def mode(self) -> str | None:
        """Return the routing option, or None when the entry does not route."""
        mode = self._entry.options.get(CONF_ROUTING)
        return mode if mode in (ROUTING_MINERS, ROUTING_PROXY) else None

    def route(self, won_ph: float, head: int) -> None:
        """Route a new window's won hashrate (after the routing under way, if one is)."""
        self._won_ph = won_ph
        self._new_window = True
        self._start(head)

    def retry(self, head: int) -> None:
        """Route the same hashrate again when the last routing missed miners and a few blocks passed."""
        if self._failures and head >= self._retry_block:
            self._start(head)

    @callback
    def async_fleet_changed(self) -> None:
        """Route again at once when a miner the last routing missed has joined the fleet."""
        registry = fleet_registry(self._hass)
        if any(registry.get(device_id) is not None for device_id in self._failures):
            self._start(None)

    def _start(self, head: int | None) -> None:
        """Ask for a routing; it runs now, or right after the one under way."""
        if self.mode is None or self._won_ph is None:
            return
        self._again = True
        if head is not None:
            self._retry_block = head + RETRY_BLOCKS
        if self._task is None or self._task.done():
            self._task = self._entry.async_create_background_task(
                self._hass, self._async_run(), f"{DOMAIN} auction routing"
            )

    async def _async_run(self) -> None:
        """Route until no further routing was asked for meanwhile (a retry only while miners are missed)."""
        while self._again and (mode := self.mode) is not None and self._won_ph is not None:
            self._again = False
            if self._new_window:
                self._new_window = False
                await self._async_route(mode, self._won_ph)
            elif self._failures:
                await self._async_route_missed()
            self._on_routed()

    async def _async_route(self, mode: str, won_ph: float) -> None:
        """Route to the chosen miners or write the proxy's target; a failure is logged and shown, never raised."""
        options = self._entry.options
        try:
            if mode == ROUTING_PROXY:
                await async_write_proxy_target(
                    self._hass, options[CONF_POOLS_TOML], options[CONF_RELOAD_SENTINEL], won_ph
                )
                self.result = {"mode": mode, "target_ph": won_ph}
                return
            result = await async_route_devices(
                self._hass, options.get(CONF_MINERS, []), won_ph, SubnetPool(self._hotkey)
            )
        except (HomeAssistantError, ValueError) as err:
            LOGGER.warning("%s: routing %s PH failed: %s", self._entry.title, won_ph, err)
            self.result = {"mode": mode, "error": str(err)}
            return
        self.result = {"mode": mode, **result.as_dict()}
        self._note_failures(dict(result.failures))

    async def _async_route_missed(self) -> None:
        """Route the miners the window's routing missed, for the hashrate it left uncovered."""
        first = self.result or {}
        uncovered = float(first.get("shortfall_ph", self._won_ph or 0.0))
        try:
            retry = await async_route_devices(
                self._hass, list(self._failures), uncovered, SubnetPool(self._hotkey)
            )
        except (HomeAssistantError, ValueError) as err:
            LOGGER.warning("%s: routing the missed miners failed: %s", self._entry.title, err)
            return
        self.result = _merged(first, retry.as_dict())
        self._note_failures(dict(retry.failures))

    def _note_failures(self, failures: dict[str, str]) -> None:
        """Keep the miners a routing missed; warn only when they change (retries repeat them)."""
        if failures and failures != self._failures:
            LOGGER.warning("%s: routing failed for %s", self._entry.title, failures)
        elif self._failures and not failures:
            LOGGER.info("%s: routing reached every chosen miner again", self._entry.title)
        self._failures = failures


def _merged(first: dict[str, Any], retry: dict[str, Any]) -> dict[str, Any]:
    """Return a window's routing with a retry of its missed miners folded in."""
    merged = {
        **first,
        "covered_ph": round(first["covered_ph"] + retry["covered_ph"], 9),
        "shortfall_ph": retry["shortfall_ph"],
        "failures": retry["failures"],
    }
    for key in _LISTS:
        merged[key] = sorted({*first[key], *retry[key]})
    return merged
