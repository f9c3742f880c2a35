"""Switches: mining on/off (VNish start/stop, AxeOS 2.14+ pause/resume) and automatic fan control."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from homeassistant.components.switch import SwitchEntity, SwitchEntityDescription
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .api.axeos import AxeOSClient
from .api.axeos_models import SystemInfo
from .coordinator import BitaxeCoordinator, MinerCoordinator, MiningFleetConfigEntry
from .entity import BitaxeEntity, MiningFleetEntity, device_action

PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class BitaxeSwitchDescription(SwitchEntityDescription):
    """A Bitaxe on/off setting."""

    value_fn: Callable[[SystemInfo], bool | None]
    set_fn: Callable[[AxeOSClient, bool], Awaitable[None]]
    exists_fn: Callable[[SystemInfo], bool] = lambda _: True


MINING_DESCRIPTION = SwitchEntityDescription(key="mining", translation_key="mining")

BITAXE_SWITCHES: tuple[BitaxeSwitchDescription, ...] = (
    BitaxeSwitchDescription(
        key="auto_fan",
        translation_key="auto_fan",
        entity_category=EntityCategory.CONFIG,
        value_fn=lambda info: info.auto_fan,
        set_fn=lambda client, on: client.set_auto_fan(on),
        exists_fn=lambda info: info.auto_fan is not None,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: MiningFleetConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the switches this miner's firmware supports."""
    coordinator = entry.runtime_data
    entities: list[SwitchEntity] = []
    if coordinator.can_start_stop:
        entities.append(MiningSwitch(coordinator, MINING_DESCRIPTION))
    if isinstance(coordinator, BitaxeCoordinator):
        entities += [
            BitaxeSwitch(coordinator, description)
            for description in BITAXE_SWITCHES
            if description.exists_fn(coordinator.data.info)
        ]
    async_add_entities(entities)


class MiningSwitch(MiningFleetEntity[MinerCoordinator[Any]], SwitchEntity):
    """Hashing on or off."""

    @property
    def is_on(self) -> bool | None:
        """Return whether the miner is hashing."""
        return self.coordinator.is_mining

    @device_action
    async def async_turn_on(self, **kwargs: Any) -> None:
        """Start (or resume) hashing."""
        await self.coordinator.async_set_mining(True)

    @device_action
    async def async_turn_off(self, **kwargs: Any) -> None:
        """Stop (or pause) hashing."""
        await self.coordinator.async_set_mining(False)


class BitaxeSwitch(BitaxeEntity, SwitchEntity):
    """An on/off setting of a Bitaxe."""

    entity_description: BitaxeSwitchDescription

    @property
    def is_on(self) -> bool | None:
        """Return the state from the latest poll."""
        return self.entity_description.value_fn(self.coordinator.data.info)

    @device_action
    async def async_turn_on(self, **kwargs: Any) -> None:
        """Turn the setting on."""
        await self.entity_description.set_fn(self.coordinator.client, True)

    @device_action
    async def async_turn_off(self, **kwargs: Any) -> None:
        """Turn the setting off."""
        await self.entity_description.set_fn(self.coordinator.client, False)
