"""VNish binary sensors: online, failure, locate light."""

from __future__ import annotations

from homeassistant.components.binary_sensor import BinarySensorDeviceClass
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from ..entity import MiningFleetBinarySensor, MiningFleetBinarySensorDescription, async_add_described
from ..miner.descriptions import online_sensor
from .coordinator import VNishConfigEntry, VNishCoordinator

VNISH_BINARY_SENSORS: tuple[MiningFleetBinarySensorDescription[VNishCoordinator], ...] = (
    online_sensor(),
    MiningFleetBinarySensorDescription(
        key="failure",
        translation_key="failure",
        device_class=BinarySensorDeviceClass.PROBLEM,
        value_fn=lambda coordinator: coordinator.data.status.miner_state == "failure",
    ),
    MiningFleetBinarySensorDescription(
        key="locate_led",
        translation_key="locate_led",
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda coordinator: coordinator.data.status.find_miner,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant, entry: VNishConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Add the entities this miner has, now and as they appear."""
    async_add_described(entry, async_add_entities, MiningFleetBinarySensor, lambda _: VNISH_BINARY_SENSORS)
