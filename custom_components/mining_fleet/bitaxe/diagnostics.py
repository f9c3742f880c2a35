"""Bitaxe diagnostics: the model's options, the limits we derived, and the last reply."""

from __future__ import annotations

from typing import Any

from homeassistant.core import HomeAssistant

from ..miner.diagnostics import plain
from .coordinator import BitaxeConfigEntry


async def async_get_diagnostics(hass: HomeAssistant, entry: BitaxeConfigEntry) -> dict[str, Any]:
    """Return what the miner reported; the caller redacts it."""
    coordinator = entry.runtime_data
    return {
        "asic": plain(coordinator.asic) if coordinator.asic else None,
        "limits": plain(coordinator.limits) if coordinator.limits else None,
        "info": dict(coordinator.info.raw),
        "tuning": coordinator.tuning.diagnostics(),
    }
