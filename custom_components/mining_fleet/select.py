"""Selects: Bitaxe core voltage and frequency (safe options only) and the VNish power preset."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from homeassistant.components.select import SelectEntity, SelectEntityDescription
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .api.axeos import AxeOSClient
from .api.axeos_models import SystemInfo
from .coordinator import BitaxeCoordinator, MiningFleetConfigEntry, VNishCoordinator
from .entity import BitaxeEntity, VNishEntity, device_action
from .logic.bitaxe_limits import ModelLimits

PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class BitaxeSelectDescription(SelectEntityDescription):
    """A setting chosen from the model's list of safe values."""

    unit: str
    options_fn: Callable[[ModelLimits], tuple[int, ...]]
    value_fn: Callable[[SystemInfo], float | None]
    set_fn: Callable[[AxeOSClient, int], Awaitable[None]]


BITAXE_SELECTS: tuple[BitaxeSelectDescription, ...] = (
    BitaxeSelectDescription(
        key="frequency_setting",
        translation_key="frequency_setting",
        entity_category=EntityCategory.CONFIG,
        unit="MHz",
        options_fn=lambda limits: limits.frequency_options,
        value_fn=lambda info: info.frequency,
        set_fn=lambda client, value: client.set_frequency(value),
    ),
    BitaxeSelectDescription(
        key="core_voltage_setting",
        translation_key="core_voltage_setting",
        entity_category=EntityCategory.CONFIG,
        unit="mV",
        options_fn=lambda limits: limits.voltage_options,
        value_fn=lambda info: info.core_voltage,
        set_fn=lambda client, value: client.set_core_voltage(value),
    ),
)


PRESET_DESCRIPTION = SelectEntityDescription(
    key="power_preset", translation_key="power_preset", entity_category=EntityCategory.CONFIG
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: MiningFleetConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the selects when the miner's safe limits are known; never offer unknown ranges."""
    coordinator = entry.runtime_data
    if isinstance(coordinator, VNishCoordinator):
        if coordinator.tuned_presets:
            async_add_entities([VNishPresetSelect(coordinator, PRESET_DESCRIPTION)])
        return
    if not isinstance(coordinator, BitaxeCoordinator) or (limits := coordinator.limits) is None:
        return
    async_add_entities(
        BitaxeSelect(coordinator, description, description.options_fn(limits))
        for description in BITAXE_SELECTS
    )


class BitaxeSelect(BitaxeEntity, SelectEntity):
    """Pick a frequency or core voltage from the safe options."""

    entity_description: BitaxeSelectDescription

    def __init__(
        self,
        coordinator: BitaxeCoordinator,
        description: BitaxeSelectDescription,
        values: tuple[int, ...],
    ) -> None:
        """Offer the values as "525 MHz"-style options."""
        super().__init__(coordinator, description)
        self._values = {f"{value} {description.unit}": value for value in values}
        self._attr_options = list(self._values)

    @property
    def current_option(self) -> str | None:
        """Return the option matching the miner's setting; unknown when it is off the list."""
        value = self.entity_description.value_fn(self.coordinator.data.info)
        if value is None:
            return None
        option = f"{round(value)} {self.entity_description.unit}"
        return option if option in self._values else None

    @device_action
    async def async_select_option(self, option: str) -> None:
        """Send the chosen value; Home Assistant has already refused anything off the list."""
        await self.entity_description.set_fn(self.coordinator.client, self._values[option])


class VNishPresetSelect(VNishEntity, SelectEntity):
    """Choose a tuned power preset; untuned ones would start hours of autotuning, so none is offered."""

    def __init__(self, coordinator: VNishCoordinator, description: SelectEntityDescription) -> None:
        """Offer the tuned presets by their descriptive names."""
        super().__init__(coordinator, description)
        self._names = {preset.pretty: preset.name for preset in coordinator.tuned_presets}
        self._attr_options = list(self._names)

    @property
    def current_option(self) -> str | None:
        """Return the active preset; unknown when it is not one of the tuned ones."""
        return next(
            (pretty for pretty, name in self._names.items() if name == self.coordinator.data.preset), None
        )

    @device_action
    async def async_select_option(self, option: str) -> None:
        """Switch the preset and confirm it was stored."""
        await self.coordinator.client.set_preset(self._names[option])
