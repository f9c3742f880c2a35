"""Bitaxe binary sensors: online, overheat, hardware fault, paused."""

from __future__ import annotations

from homeassistant.components.binary_sensor import BinarySensorDeviceClass
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from ..entity import MiningFleetBinarySensor, MiningFleetBinarySensorDescription, async_add_described
from ..miner.descriptions import online_sensor
from .coordinator import BitaxeConfigEntry, BitaxeCoordinator

BITAXE_BINARY_SENSORS: tuple[MiningFleetBinarySensorDescription[BitaxeCoordinator], ...] = (
    online_sensor(),
    MiningFleetBinarySensorDescription(
        key="overheat",
        translation_key="overheat",
        device_class=BinarySensorDeviceClass.PROBLEM,
        value_fn=lambda coordinator: coordinator.info.overheat,
    ),
    MiningFleetBinarySensorDescription(
        key="hardware_fault",
        translation_key="hardware_fault",
        device_class=BinarySensorDeviceClass.PROBLEM,
        value_fn=lambda coordinator: coordinator.info.fault is not None,
    ),
    MiningFleetBinarySensorDescription(
        key="paused",
        translation_key="paused",
        value_fn=lambda coordinator: coordinator.info.mining_paused,
        exists_fn=lambda coordinator: coordinator.info.supports_pause,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant, entry: BitaxeConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Add the entities this miner has, now and as they appear."""
    async_add_described(entry, async_add_entities, MiningFleetBinarySensor, lambda _: BITAXE_BINARY_SENSORS)
