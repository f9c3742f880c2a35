"""Buttons: restart, identify and clear an overheat lock-out."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from homeassistant.components.button import (
    ButtonDeviceClass,
    ButtonEntity,
    ButtonEntityDescription,
)
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .api.axeos import AxeOSClient
from .api.axeos_models import SystemInfo
from .coordinator import MiningFleetConfigEntry
from .entity import BitaxeEntity, device_action

PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class BitaxeButtonDescription(ButtonEntityDescription):
    """A one-shot Bitaxe action."""

    press_fn: Callable[[AxeOSClient], Awaitable[None]]
    exists_fn: Callable[[SystemInfo], bool] = lambda _: True


BITAXE_BUTTONS: tuple[BitaxeButtonDescription, ...] = (
    BitaxeButtonDescription(
        key="restart",
        device_class=ButtonDeviceClass.RESTART,
        entity_category=EntityCategory.CONFIG,
        press_fn=lambda client: client.restart(),
    ),
    BitaxeButtonDescription(
        key="identify",
        device_class=ButtonDeviceClass.IDENTIFY,
        entity_category=EntityCategory.CONFIG,
        press_fn=lambda client: client.identify(),
        exists_fn=lambda info: info.version >= (2, 12),
    ),
    BitaxeButtonDescription(
        key="clear_overheat",
        translation_key="clear_overheat",
        entity_category=EntityCategory.CONFIG,
        press_fn=lambda client: client.clear_overheat(),
        exists_fn=lambda info: info.overheat is not None,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: MiningFleetConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the buttons this miner's firmware supports."""
    coordinator = entry.runtime_data
    async_add_entities(
        BitaxeButton(coordinator, description)
        for description in BITAXE_BUTTONS
        if description.exists_fn(coordinator.data.info)
    )


class BitaxeButton(BitaxeEntity, ButtonEntity):
    """A one-shot action on a Bitaxe."""

    entity_description: BitaxeButtonDescription

    @device_action
    async def async_press(self) -> None:
        """Run the action."""
        await self.entity_description.press_fn(self.coordinator.client)
