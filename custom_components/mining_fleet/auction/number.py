"""The bid's price multiplier: 1 is the fair price; validators drop bids above 1.05."""

from __future__ import annotations

from homeassistant.components.number import NumberMode
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from ..entity import MiningFleetNumber, MiningFleetNumberDescription, async_add_described
from .coordinator import AuctionConfigEntry, AuctionCoordinator
from .settings import MIN_PRICE, price_of

PRICE: MiningFleetNumberDescription[AuctionCoordinator] = MiningFleetNumberDescription(
    key="price_multiplier",
    translation_key="price_multiplier",
    entity_category=EntityCategory.CONFIG,
    native_min_value=MIN_PRICE,
    native_max_value=1.05,
    native_step=0.01,
    mode=NumberMode.BOX,
    value_fn=lambda auction: float(price_of(auction.config_entry.options)),
    set_fn=lambda auction, value: auction.async_set_price(value),
)


async def async_setup_entry(
    hass: HomeAssistant, entry: AuctionConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Add the price multiplier."""
    async_add_described(entry, async_add_entities, MiningFleetNumber, lambda _: (PRICE,))
