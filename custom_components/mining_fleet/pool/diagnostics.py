"""Pool diagnostics: the workers the pool lists (credentials are redacted by the caller)."""

from __future__ import annotations

from typing import Any

from homeassistant.core import HomeAssistant

from ..miner.diagnostics import plain
from .coordinator import PoolConfigEntry


async def async_get_diagnostics(hass: HomeAssistant, entry: PoolConfigEntry) -> dict[str, Any]:
    """Return the latest worker list."""
    coordinator = entry.runtime_data
    return {
        "pool": coordinator.pool.name,
        "status": plain(coordinator.data),
        "known": coordinator.known_workers,
    }
