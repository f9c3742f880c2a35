"""VNish buttons: restart the mining software, reboot the control board, toggle the locate light."""

from __future__ import annotations

from homeassistant.components.button import ButtonDeviceClass
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from ..entity import MiningFleetButton, MiningFleetButtonDescription, async_add_described
from ..miner.descriptions import restart_button
from .coordinator import VNishConfigEntry, VNishCoordinator

VNISH_BUTTONS: tuple[MiningFleetButtonDescription[VNishCoordinator], ...] = (
    restart_button(lambda coordinator: coordinator.async_restart()),
    MiningFleetButtonDescription(
        key="reboot",
        translation_key="reboot",
        entity_category=EntityCategory.CONFIG,
        press_fn=lambda coordinator: coordinator.async_reboot(),
    ),
    MiningFleetButtonDescription(
        key="locate",
        translation_key="locate",
        device_class=ButtonDeviceClass.IDENTIFY,
        entity_category=EntityCategory.CONFIG,
        press_fn=lambda coordinator: coordinator.async_toggle_locate(),
    ),
)


async def async_setup_entry(
    hass: HomeAssistant, entry: VNishConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Add the entities this miner has, now and as they appear."""
    async_add_described(entry, async_add_entities, MiningFleetButton, lambda _: VNISH_BUTTONS)
