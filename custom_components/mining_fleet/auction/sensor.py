"""Auction sensors: the window, its budget and consensus prices, bidders, our bid, and what it won."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from homeassistant.components.sensor import SensorDeviceClass, SensorStateClass
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from ..entity import MiningFleetSensor, MiningFleetSensorDescription, StateValue, async_add_described
from ..logic.auction import fp18
from ..logic.auction.replay import Outcome
from .coordinator import BLOCK_SECONDS, AuctionConfigEntry, AuctionCoordinator, AuctionData

type Description = MiningFleetSensorDescription[AuctionCoordinator]

PETAHASH = "PH/s"
USD_PER_TAO = "USD/TAO"
USD_PER_PH_DAY = "USD/(PH/s·d)"


def _from_data(read: Callable[[AuctionData], StateValue]) -> Callable[[AuctionCoordinator], StateValue]:
    """Read a value from the coordinator's data."""
    return lambda auction: read(auction.data)


def _from_outcome(read: Callable[[Outcome], StateValue]) -> Callable[[AuctionCoordinator], StateValue]:
    """Read a value from the window's auction (unknown before one is replayed)."""
    return _from_data(lambda data: None if data.outcome is None else read(data.outcome))


def _next_window(data: AuctionData) -> datetime | None:
    """Return when the next window starts: the start block's time plus the window's blocks."""
    if data.window_started is None:
        return None
    return data.window_started + timedelta(seconds=BLOCK_SECONDS * (data.window.end - data.window.start + 1))


def _window_attributes(auction: AuctionCoordinator) -> dict[str, Any]:
    """Return the window's first and last block and the head."""
    return {"start_block": auction.data.window.start, "end_block": auction.data.window.end}


def _bid_attributes(auction: AuctionCoordinator) -> dict[str, Any]:
    """Return the bid we want, the block ours was committed in, and why nothing is published."""
    data = auction.data
    return {
        "wanted": data.wanted,
        "committed_block": None if data.commitment is None else data.commitment.block,
        "bid_problem": data.bid_problem,
        "publish_problem": data.publish_problem,
    }


def _committed_at(data: AuctionData) -> datetime | None:
    """Return when our commitment was made, from its block's distance to the start of this window."""
    if data.commitment is None or data.window_started is None:
        return None
    return data.window_started - timedelta(
        seconds=BLOCK_SECONDS * (data.window.start - data.commitment.block)
    )


def _workers(outcome: Outcome, won: bool) -> int | None:
    """Return how many of our workers won (or lost) this window."""
    if outcome.ours is None:
        return None
    return sum(line.won if won else line.lost for line in outcome.ours)


def _price(key: str, unit: str | None, precision: int) -> Description:
    """Return a consensus price sensor."""
    return MiningFleetSensorDescription(
        key=key.lower(),
        translation_key=key.lower(),
        native_unit_of_measurement=unit,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=precision,
        value_fn=_from_outcome(lambda outcome: fp18.as_float(outcome.prices[key])),
    )


_PH: dict[str, Any] = {
    "native_unit_of_measurement": PETAHASH,
    "state_class": SensorStateClass.MEASUREMENT,
    "suggested_display_precision": 2,
}

SENSORS: tuple[Description, ...] = (
    MiningFleetSensorDescription(
        key="window",
        translation_key="window",
        value_fn=_from_data(lambda data: data.window.index),
        attributes_fn=_window_attributes,
    ),
    MiningFleetSensorDescription(
        key="next_window",
        translation_key="next_window",
        device_class=SensorDeviceClass.TIMESTAMP,
        value_fn=_from_data(_next_window),
    ),
    MiningFleetSensorDescription(
        key="budget", translation_key="budget", **_PH, value_fn=_from_outcome(lambda o: o.budget)
    ),
    _price("TAO_USDC", USD_PER_TAO, 2),
    _price("ALPHA_TAO", "TAO", 6),
    _price("HASHP_USDC", USD_PER_PH_DAY, 2),
    MiningFleetSensorDescription(
        key="cap",
        translation_key="cap",
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=2,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=_from_outcome(lambda outcome: fp18.as_float(outcome.cap)),
    ),
    MiningFleetSensorDescription(
        key="bidders",
        translation_key="bidders",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=_from_outcome(lambda outcome: outcome.bidders),
    ),
    MiningFleetSensorDescription(
        key="bid",
        translation_key="bid",
        value_fn=_from_data(lambda data: None if data.commitment is None else data.commitment.text[:255]),
        attributes_fn=_bid_attributes,
    ),
    MiningFleetSensorDescription(
        key="bid_committed",
        translation_key="bid_committed",
        device_class=SensorDeviceClass.TIMESTAMP,
        value_fn=_from_data(_committed_at),
    ),
    MiningFleetSensorDescription(
        key="won_workers",
        translation_key="won_workers",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=_from_outcome(lambda outcome: _workers(outcome, won=True)),
    ),
    MiningFleetSensorDescription(
        key="lost_workers",
        translation_key="lost_workers",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=_from_outcome(lambda outcome: _workers(outcome, won=False)),
    ),
    MiningFleetSensorDescription(
        key="won_hashrate",
        translation_key="won_hashrate",
        **_PH,
        value_fn=_from_outcome(lambda o: fp18.as_float(o.won_ph)),
    ),
)


async def async_setup_entry(
    hass: HomeAssistant, entry: AuctionConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Add the auction's sensors."""
    async_add_described(entry, async_add_entities, MiningFleetSensor, lambda _: SENSORS)
