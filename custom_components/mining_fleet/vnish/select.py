"""VNish select: the power preset, tuned presets only (an untuned one starts hours of autotuning)."""

from __future__ import annotations

from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from ..entity import MiningFleetSelect, MiningFleetSelectDescription, async_add_described
from ..logic.tuning import Tuning
from ..tuning.descriptions import PROFILE_SELECT
from .coordinator import VNishConfigEntry, VNishCoordinator


def _current_preset(coordinator: VNishCoordinator) -> str | None:
    """Return the active preset's descriptive name; unknown when it is not a tuned one."""
    active = coordinator.data.preset
    return next((pretty for pretty, name in coordinator.tuned_presets.items() if name == active), None)


PRESET: MiningFleetSelectDescription[VNishCoordinator] = MiningFleetSelectDescription(
    key="power_preset",
    translation_key="power_preset",
    entity_category=EntityCategory.CONFIG,
    options_fn=lambda coordinator: list(coordinator.tuned_presets),
    value_fn=_current_preset,
    set_fn=lambda coordinator, option: coordinator.async_apply_tuning(
        Tuning(preset=coordinator.preset_name(option))
    ),
    exists_fn=lambda coordinator: bool(coordinator.tuned_presets),
)


async def async_setup_entry(
    hass: HomeAssistant, entry: VNishConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Add the entities this miner has, now and as they appear."""
    async_add_described(entry, async_add_entities, MiningFleetSelect, lambda _: (PRESET,))
    async_add_described(entry, async_add_entities, MiningFleetSelect, lambda _: (PROFILE_SELECT,))
