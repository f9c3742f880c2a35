"""Fleet overview diagnostics: the entity set, the totals and which miners they cover."""

from __future__ import annotations

from typing import Any

from homeassistant.core import HomeAssistant

from ..const import CONF_ENTITY_SET, ENTITY_SET_ALL
from ..miner.diagnostics import plain
from ..miner.registry import fleet_registry
from .coordinator import FleetConfigEntry


async def async_get_diagnostics(hass: HomeAssistant, entry: FleetConfigEntry) -> dict[str, Any]:
    """Return the entity set chosen for every miner, the totals and the miners they were computed from."""
    return {
        "entity_set": entry.options.get(CONF_ENTITY_SET, ENTITY_SET_ALL),
        "totals": plain(entry.runtime_data.data),
        "miners": [
            {"title": miner.config_entry.title, "online": miner.last_update_success}
            for miner in fleet_registry(hass).miners
        ],
    }
