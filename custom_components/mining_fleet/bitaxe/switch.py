"""Bitaxe switches: mining (pause/resume, AxeOS 2.14+) and automatic fan control."""

from __future__ import annotations

from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from ..entity import MiningFleetSwitch, MiningFleetSwitchDescription, async_add_described
from ..miner.descriptions import mining_switch
from .coordinator import BitaxeConfigEntry, BitaxeCoordinator

BITAXE_SWITCHES: tuple[MiningFleetSwitchDescription[BitaxeCoordinator], ...] = (
    mining_switch(),
    MiningFleetSwitchDescription(
        key="auto_fan",
        translation_key="auto_fan",
        entity_category=EntityCategory.CONFIG,
        value_fn=lambda coordinator: coordinator.info.auto_fan,
        set_fn=lambda coordinator, on: coordinator.async_set_auto_fan(on),
        exists_fn=lambda coordinator: coordinator.info.auto_fan is not None,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant, entry: BitaxeConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Add the entities this miner has, now and as they appear."""
    async_add_described(entry, async_add_entities, MiningFleetSwitch, lambda _: BITAXE_SWITCHES)
