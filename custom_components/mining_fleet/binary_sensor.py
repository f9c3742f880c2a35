"""Binary sensors: whether each miner is reachable, and its problem and state flags."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from homeassistant.components.binary_sensor import (
    BinarySensorDeviceClass,
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .api.axeos_models import SystemInfo
from .coordinator import (
    BitaxeCoordinator,
    MinerCoordinator,
    MiningFleetConfigEntry,
    VNishCoordinator,
    VNishData,
)
from .entity import BitaxeEntity, MiningFleetEntity, VNishEntity

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class BitaxeBinarySensorDescription(BinarySensorEntityDescription):
    """A Bitaxe binary sensor read from the latest poll."""

    value_fn: Callable[[SystemInfo], bool | None]
    exists_fn: Callable[[SystemInfo], bool] = lambda _: True


BITAXE_BINARY_SENSORS: tuple[BitaxeBinarySensorDescription, ...] = (
    BitaxeBinarySensorDescription(
        key="overheat",
        translation_key="overheat",
        device_class=BinarySensorDeviceClass.PROBLEM,
        value_fn=lambda info: info.overheat,
    ),
    BitaxeBinarySensorDescription(
        key="hardware_fault",
        translation_key="hardware_fault",
        device_class=BinarySensorDeviceClass.PROBLEM,
        value_fn=lambda info: info.fault is not None,
    ),
    BitaxeBinarySensorDescription(
        key="paused",
        translation_key="paused",
        value_fn=lambda info: info.mining_paused,
        exists_fn=lambda info: info.supports_pause,
    ),
)


@dataclass(frozen=True, kw_only=True)
class VNishBinarySensorDescription(BinarySensorEntityDescription):
    """A VNish binary sensor read from the latest poll."""

    value_fn: Callable[[VNishData], bool | None]


VNISH_BINARY_SENSORS: tuple[VNishBinarySensorDescription, ...] = (
    VNishBinarySensorDescription(
        key="failure",
        translation_key="failure",
        device_class=BinarySensorDeviceClass.PROBLEM,
        value_fn=lambda data: data.status.miner_state == "failure",
    ),
    VNishBinarySensorDescription(
        key="locate_led",
        translation_key="locate_led",
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda data: data.status.find_miner,
    ),
)

ONLINE_DESCRIPTION = BinarySensorEntityDescription(
    key="online",
    translation_key="online",
    device_class=BinarySensorDeviceClass.CONNECTIVITY,
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: MiningFleetConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the binary sensors this miner's firmware supports."""
    coordinator = entry.runtime_data
    entities: list[BinarySensorEntity] = [OnlineSensor(coordinator, ONLINE_DESCRIPTION)]
    if isinstance(coordinator, BitaxeCoordinator):
        entities += [
            BitaxeBinarySensor(coordinator, description)
            for description in BITAXE_BINARY_SENSORS
            if description.exists_fn(coordinator.data.info)
        ]
    elif isinstance(coordinator, VNishCoordinator):
        entities += [VNishBinarySensor(coordinator, description) for description in VNISH_BINARY_SENSORS]
    async_add_entities(entities)


class BitaxeBinarySensor(BitaxeEntity, BinarySensorEntity):
    """A yes/no state of a Bitaxe."""

    entity_description: BitaxeBinarySensorDescription

    @property
    def is_on(self) -> bool | None:
        """Return the state from the latest poll."""
        return self.entity_description.value_fn(self.coordinator.data.info)


class VNishBinarySensor(VNishEntity, BinarySensorEntity):
    """A yes/no state of a VNish Antminer."""

    entity_description: VNishBinarySensorDescription

    @property
    def is_on(self) -> bool | None:
        """Return the state from the latest poll."""
        return self.entity_description.value_fn(self.coordinator.data)


class OnlineSensor(MiningFleetEntity[MinerCoordinator[Any]], BinarySensorEntity):
    """Whether the miner answered its last poll; available even when the miner is not."""

    @property
    def available(self) -> bool:
        """Stay available so automations can trigger on the miner going offline."""
        return True

    @property
    def is_on(self) -> bool:
        """Return True when the last poll succeeded."""
        return self.coordinator.last_update_success
