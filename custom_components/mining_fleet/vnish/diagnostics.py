"""VNish diagnostics: identity, presets and the last poll."""

from __future__ import annotations

from typing import Any

from homeassistant.core import HomeAssistant

from ..miner.diagnostics import plain
from .coordinator import VNishConfigEntry


async def async_get_diagnostics(hass: HomeAssistant, entry: VNishConfigEntry) -> dict[str, Any]:
    """Return what the miner reported; the caller redacts it."""
    coordinator = entry.runtime_data
    return {
        "info": plain(coordinator.info) if coordinator.info else None,
        "presets": [plain(preset) for preset in coordinator.presets],
        "data": plain(coordinator.data),
        "tuning": coordinator.tuning.diagnostics(),
    }
