"""Fleet overview diagnostics: the entity set, the totals and which miners they cover."""

from __future__ import annotations

from typing import Any

from homeassistant.core import HomeAssistant

from ..miner.diagnostics import plain
from ..miner.registry import chosen_entity_set, fleet_registry
from .coordinator import FleetConfigEntry


async def async_get_diagnostics(hass: HomeAssistant, entry: FleetConfigEntry) -> dict[str, Any]:
    """Return the entity set chosen for every miner, the totals and the miners they were computed from."""
    return {
        "entity_set": chosen_entity_set(entry),
        "totals": plain(entry.runtime_data.data),
        "miners": [
            {"title": miner.config_entry.title, "online": miner.last_update_success}
            for miner in fleet_registry(hass).miners
        ],
    }
