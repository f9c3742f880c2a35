"""Publish our bid now."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from ..entity import MiningFleetButton, MiningFleetButtonDescription, async_add_described
from .coordinator import AuctionConfigEntry, AuctionCoordinator

PUBLISH: MiningFleetButtonDescription[AuctionCoordinator] = MiningFleetButtonDescription(
    key="publish_bid",
    translation_key="publish_bid",
    press_fn=lambda auction: auction.async_publish(),
)


async def async_setup_entry(
    hass: HomeAssistant, entry: AuctionConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Add the publish button."""
    async_add_described(entry, async_add_entities, MiningFleetButton, lambda _: (PUBLISH,))
