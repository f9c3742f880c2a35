"""The container's reset button: acknowledge and clear its alarms."""

from __future__ import annotations

from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from ..entity import MiningFleetButton, MiningFleetButtonDescription, async_add_described
from .coordinator import AntspaceConfigEntry, AntspaceCoordinator

RESET: MiningFleetButtonDescription[AntspaceCoordinator] = MiningFleetButtonDescription(
    key="reset_alarms",
    translation_key="reset_alarms",
    entity_category=EntityCategory.CONFIG,
    press_fn=lambda container: container.async_reset(),
)


async def async_setup_entry(
    hass: HomeAssistant, entry: AntspaceConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Add the reset button."""
    async_add_described(entry, async_add_entities, MiningFleetButton, lambda _: (RESET,))
