"""Bitaxe selects: frequency and core voltage, offered only from the model's safe options."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from ..api.axeos_models import SystemInfo
from ..entity import MiningFleetSelect, MiningFleetSelectDescription, async_add_described
from ..logic.bitaxe_limits import ModelLimits
from ..logic.tuning import Tuning
from ..tuning.descriptions import PROFILE_SELECT
from .coordinator import BitaxeConfigEntry, BitaxeCoordinator


def _setting(
    key: str,
    unit: str,
    allowed: Callable[[ModelLimits], tuple[int, ...]],
    read: Callable[[SystemInfo], float | None],
    send: Callable[[BitaxeCoordinator, int], Awaitable[None]],
) -> MiningFleetSelectDescription[BitaxeCoordinator]:
    """Describe a setting shown as "525 MHz"-style options; an off-list value reads as unknown."""

    def options(coordinator: BitaxeCoordinator) -> list[str]:
        return [f"{value} {unit}" for value in allowed(coordinator.limits)] if coordinator.limits else []

    def current(coordinator: BitaxeCoordinator) -> str | None:
        value = read(coordinator.info)
        return None if value is None else f"{round(value)} {unit}"

    async def select(coordinator: BitaxeCoordinator, option: str) -> None:
        await send(coordinator, int(option.removesuffix(f" {unit}")))

    return MiningFleetSelectDescription(
        key=key,
        translation_key=key,
        entity_category=EntityCategory.CONFIG,
        options_fn=options,
        value_fn=current,
        set_fn=select,
        # Never offer a range we do not know to be safe: no limits, no select.
        exists_fn=lambda coordinator: coordinator.limits is not None,
    )


BITAXE_SELECTS: tuple[MiningFleetSelectDescription[BitaxeCoordinator], ...] = (
    _setting(
        "frequency_setting",
        "MHz",
        lambda limits: limits.frequency_options,
        lambda info: info.frequency,
        lambda coordinator, value: coordinator.async_apply_tuning(Tuning(frequency_mhz=value)),
    ),
    _setting(
        "core_voltage_setting",
        "mV",
        lambda limits: limits.voltage_options,
        lambda info: info.core_voltage,
        lambda coordinator, value: coordinator.async_apply_tuning(Tuning(core_voltage_mv=value)),
    ),
)


async def async_setup_entry(
    hass: HomeAssistant, entry: BitaxeConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Add the entities this miner has, now and as they appear."""
    async_add_described(entry, async_add_entities, MiningFleetSelect, lambda _: BITAXE_SELECTS)
    async_add_described(entry, async_add_entities, MiningFleetSelect, lambda _: (PROFILE_SELECT,))
