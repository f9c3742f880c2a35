"""Buttons: restart, reboot, identify or locate, and clear an overheat lock-out."""

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
from .coordinator import BitaxeCoordinator, MiningFleetConfigEntry, VNishCoordinator
from .entity import BitaxeEntity, VNishEntity, device_action

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


@dataclass(frozen=True, kw_only=True)
class VNishButtonDescription(ButtonEntityDescription):
    """A one-shot VNish action."""

    press_fn: Callable[[VNishCoordinator], Awaitable[None]]


async def _toggle_locate(coordinator: VNishCoordinator) -> None:
    """Flip the locate LED relative to the state just read (the endpoint itself toggles)."""
    await coordinator.client.set_locate(not coordinator.data.status.find_miner)


VNISH_BUTTONS: tuple[VNishButtonDescription, ...] = (
    VNishButtonDescription(
        key="restart",
        device_class=ButtonDeviceClass.RESTART,
        entity_category=EntityCategory.CONFIG,
        press_fn=lambda coordinator: coordinator.client.restart(),
    ),
    VNishButtonDescription(
        key="reboot",
        translation_key="reboot",
        entity_category=EntityCategory.CONFIG,
        press_fn=lambda coordinator: coordinator.client.reboot(),
    ),
    VNishButtonDescription(
        key="locate",
        translation_key="locate",
        device_class=ButtonDeviceClass.IDENTIFY,
        entity_category=EntityCategory.CONFIG,
        press_fn=_toggle_locate,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: MiningFleetConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the buttons this miner's firmware supports."""
    coordinator = entry.runtime_data
    if isinstance(coordinator, BitaxeCoordinator):
        async_add_entities(
            BitaxeButton(coordinator, description)
            for description in BITAXE_BUTTONS
            if description.exists_fn(coordinator.data.info)
        )
    elif isinstance(coordinator, VNishCoordinator):
        async_add_entities(VNishButton(coordinator, description) for description in VNISH_BUTTONS)


class BitaxeButton(BitaxeEntity, ButtonEntity):
    """A one-shot action on a Bitaxe."""

    entity_description: BitaxeButtonDescription

    @device_action
    async def async_press(self) -> None:
        """Run the action."""
        await self.entity_description.press_fn(self.coordinator.client)


class VNishButton(VNishEntity, ButtonEntity):
    """A one-shot action on a VNish Antminer."""

    entity_description: VNishButtonDescription

    @device_action
    async def async_press(self) -> None:
        """Run the action."""
        await self.entity_description.press_fn(self.coordinator)
