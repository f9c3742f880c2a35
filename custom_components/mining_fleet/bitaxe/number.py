"""Bitaxe numbers: manual fan speed and the fan controller's temperature target."""

from __future__ import annotations

from homeassistant.components.number import NumberDeviceClass, NumberMode
from homeassistant.const import PERCENTAGE, EntityCategory, UnitOfTemperature
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from ..entity import MiningFleetNumber, MiningFleetNumberDescription, async_add_described
from ..logic.bitaxe_limits import MIN_SAFE_FAN_PERCENT, TEMPERATURE_TARGET_RANGE
from .coordinator import BitaxeConfigEntry, BitaxeCoordinator


def _manual_fan_speed(coordinator: BitaxeCoordinator) -> float | None:
    """Return the manual fan duty: its own key on 2.11+, the fan duty before."""
    info = coordinator.info
    return info.manual_fan_speed if info.manual_fan_speed is not None else info.fan_duty


BITAXE_NUMBERS: tuple[MiningFleetNumberDescription[BitaxeCoordinator], ...] = (
    MiningFleetNumberDescription(
        key="fan_speed_setting",
        translation_key="fan_speed_setting",
        entity_category=EntityCategory.CONFIG,
        native_unit_of_measurement=PERCENTAGE,
        native_min_value=MIN_SAFE_FAN_PERCENT,
        native_max_value=100,
        native_step=1,
        mode=NumberMode.SLIDER,
        value_fn=_manual_fan_speed,
        set_fn=lambda coordinator, value: coordinator.async_set_fan_speed(value),
    ),
    MiningFleetNumberDescription(
        key="temperature_target",
        translation_key="temperature_target",
        entity_category=EntityCategory.CONFIG,
        device_class=NumberDeviceClass.TEMPERATURE,
        native_unit_of_measurement=UnitOfTemperature.CELSIUS,
        native_min_value=TEMPERATURE_TARGET_RANGE[0],
        native_max_value=TEMPERATURE_TARGET_RANGE[1],
        native_step=1,
        mode=NumberMode.BOX,
        value_fn=lambda coordinator: coordinator.info.temperature_target,
        set_fn=lambda coordinator, value: coordinator.async_set_temperature_target(value),
        exists_fn=lambda coordinator: coordinator.info.temperature_target is not None,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant, entry: BitaxeConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Add the entities this miner has, now and as they appear."""
    async_add_described(entry, async_add_entities, MiningFleetNumber, lambda _: BITAXE_NUMBERS)
