"""VNish switch: mining (start/stop)."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from ..entity import MiningFleetSwitch, async_add_described
from ..miner.descriptions import mining_switch
from .coordinator import VNishConfigEntry


async def async_setup_entry(
    hass: HomeAssistant, entry: VNishConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Add the mining switch."""
    async_add_described(entry, async_add_entities, MiningFleetSwitch, lambda _: (mining_switch(),))
