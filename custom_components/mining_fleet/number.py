"""Numbers: manual fan speed and the fan controller's temperature target."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from homeassistant.components.number import (
    NumberDeviceClass,
    NumberEntity,
    NumberEntityDescription,
    NumberMode,
)
from homeassistant.const import PERCENTAGE, EntityCategory, UnitOfTemperature
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .api.axeos import AxeOSClient
from .api.axeos_models import SystemInfo
from .coordinator import BitaxeCoordinator, MiningFleetConfigEntry
from .entity import BitaxeEntity, device_action
from .logic.bitaxe_limits import MIN_SAFE_FAN_PERCENT, TEMPERATURE_TARGET_RANGE

PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class BitaxeNumberDescription(NumberEntityDescription):
    """A numeric Bitaxe setting; min/max are the safe range, enforced by Home Assistant."""

    value_fn: Callable[[SystemInfo], float | None]
    set_fn: Callable[[AxeOSClient, int], Awaitable[None]]
    exists_fn: Callable[[SystemInfo], bool] = lambda _: True


def _manual_fan_speed(info: SystemInfo) -> float | None:
    """Return the manual fan duty: its own key on 2.11+, the fan duty before."""
    return info.manual_fan_speed if info.manual_fan_speed is not None else info.fan_duty


BITAXE_NUMBERS: tuple[BitaxeNumberDescription, ...] = (
    BitaxeNumberDescription(
        key="fan_speed_setting",
        translation_key="fan_speed_setting",
        entity_category=EntityCategory.CONFIG,
        native_unit_of_measurement=PERCENTAGE,
        native_min_value=MIN_SAFE_FAN_PERCENT,
        native_max_value=100,
        native_step=1,
        mode=NumberMode.SLIDER,
        value_fn=_manual_fan_speed,
        set_fn=lambda client, value: client.set_fan_speed(value),
    ),
    BitaxeNumberDescription(
        key="temperature_target",
        translation_key="temperature_target",
        entity_category=EntityCategory.CONFIG,
        device_class=NumberDeviceClass.TEMPERATURE,
        native_unit_of_measurement=UnitOfTemperature.CELSIUS,
        native_min_value=TEMPERATURE_TARGET_RANGE[0],
        native_max_value=TEMPERATURE_TARGET_RANGE[1],
        native_step=1,
        mode=NumberMode.BOX,
        value_fn=lambda info: info.temperature_target,
        set_fn=lambda client, value: client.set_temperature_target(value),
        exists_fn=lambda info: info.temperature_target is not None,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: MiningFleetConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the numbers this miner's firmware supports."""
    coordinator = entry.runtime_data
    if not isinstance(coordinator, BitaxeCoordinator):
        return
    async_add_entities(
        BitaxeNumber(coordinator, description)
        for description in BITAXE_NUMBERS
        if description.exists_fn(coordinator.data.info)
    )


class BitaxeNumber(BitaxeEntity, NumberEntity):
    """A numeric setting of a Bitaxe."""

    entity_description: BitaxeNumberDescription

    @property
    def native_value(self) -> float | None:
        """Return the setting from the latest poll."""
        return self.entity_description.value_fn(self.coordinator.data.info)

    @device_action
    async def async_set_native_value(self, value: float) -> None:
        """Send the value; Home Assistant has already refused anything outside min/max."""
        await self.entity_description.set_fn(self.coordinator.client, round(value))
