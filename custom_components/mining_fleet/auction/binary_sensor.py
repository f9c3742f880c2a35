"""Whether the chain holds our bid as we want it."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from ..entity import MiningFleetBinarySensor, MiningFleetBinarySensorDescription, async_add_described
from .coordinator import AuctionConfigEntry, AuctionCoordinator

BID_ON_CHAIN: MiningFleetBinarySensorDescription[AuctionCoordinator] = MiningFleetBinarySensorDescription(
    key="bid_on_chain",
    translation_key="bid_on_chain",
    value_fn=lambda auction: auction.data.bid_on_chain,
)


async def async_setup_entry(
    hass: HomeAssistant, entry: AuctionConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Add the bid-on-chain sensor."""
    async_add_described(entry, async_add_entities, MiningFleetBinarySensor, lambda _: (BID_ON_CHAIN,))
