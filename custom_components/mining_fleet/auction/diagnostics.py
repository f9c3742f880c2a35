"""Auction diagnostics: the window, our bid and the last auction (public chain data)."""

from __future__ import annotations

from typing import Any

from homeassistant.core import HomeAssistant

from .coordinator import AuctionConfigEntry


async def async_get_diagnostics(hass: HomeAssistant, entry: AuctionConfigEntry) -> dict[str, Any]:
    """Return what the entry knows; the caller redacts it."""
    return entry.runtime_data.diagnostics()
