"""Bitaxe buttons: restart, identify, clear an overheat lock-out."""

from __future__ import annotations

from homeassistant.components.button import ButtonDeviceClass
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from ..entity import MiningFleetButton, MiningFleetButtonDescription, async_add_described
from ..miner.descriptions import restart_button
from .coordinator import BitaxeConfigEntry, BitaxeCoordinator

BITAXE_BUTTONS: tuple[MiningFleetButtonDescription[BitaxeCoordinator], ...] = (
    restart_button(lambda coordinator: coordinator.async_restart()),
    MiningFleetButtonDescription(
        key="identify",
        device_class=ButtonDeviceClass.IDENTIFY,
        entity_category=EntityCategory.CONFIG,
        press_fn=lambda coordinator: coordinator.async_identify(),
        exists_fn=lambda coordinator: coordinator.info.version >= (2, 12),
    ),
    MiningFleetButtonDescription(
        key="clear_overheat",
        translation_key="clear_overheat",
        entity_category=EntityCategory.CONFIG,
        press_fn=lambda coordinator: coordinator.async_clear_overheat(),
        exists_fn=lambda coordinator: coordinator.info.overheat is not None,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant, entry: BitaxeConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Add the entities this miner has, now and as they appear."""
    async_add_described(entry, async_add_entities, MiningFleetButton, lambda _: BITAXE_BUTTONS)
