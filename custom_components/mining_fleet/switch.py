"""Switches: mining on/off (pause/resume, AxeOS 2.14+) and automatic fan control."""

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
from .coordinator import MiningFleetConfigEntry
from .entity import BitaxeEntity, device_action

PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class BitaxeSwitchDescription(SwitchEntityDescription):
    """A Bitaxe on/off setting."""

    value_fn: Callable[[SystemInfo], bool | None]
    set_fn: Callable[[AxeOSClient, bool], Awaitable[None]]
    exists_fn: Callable[[SystemInfo], bool] = lambda _: True


async def _set_mining(client: AxeOSClient, on: bool) -> None:
    """Resume or pause hashing."""
    await (client.resume() if on else client.pause())


BITAXE_SWITCHES: tuple[BitaxeSwitchDescription, ...] = (
    BitaxeSwitchDescription(
        key="mining",
        translation_key="mining",
        value_fn=lambda info: None if info.mining_paused is None else not info.mining_paused,
        set_fn=_set_mining,
        exists_fn=lambda info: info.supports_pause,
    ),
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
    async_add_entities(
        BitaxeSwitch(coordinator, description)
        for description in BITAXE_SWITCHES
        if description.exists_fn(coordinator.data.info)
    )


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
