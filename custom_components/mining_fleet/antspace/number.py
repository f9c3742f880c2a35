"""The container's supply liquid setpoint, within the limits set in its options."""

from __future__ import annotations

from homeassistant.components.number import NumberDeviceClass, NumberMode
from homeassistant.const import UnitOfTemperature
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from ..entity import MiningFleetNumber, MiningFleetNumberDescription, async_add_described
from .coordinator import AntspaceConfigEntry, AntspaceCoordinator

SETPOINT: MiningFleetNumberDescription[AntspaceCoordinator] = MiningFleetNumberDescription(
    key="supply_setpoint",
    translation_key="supply_setpoint",
    device_class=NumberDeviceClass.TEMPERATURE,
    native_unit_of_measurement=UnitOfTemperature.CELSIUS,
    native_step=0.5,
    mode=NumberMode.BOX,
    value_fn=lambda container: container.state.setpoint,
    set_fn=lambda container, value: container.async_set_supply_temperature(value),
    range_fn=lambda container: container.setpoint_limits,
)


async def async_setup_entry(
    hass: HomeAssistant, entry: AntspaceConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Add the setpoint."""
    async_add_described(entry, async_add_entities, MiningFleetNumber, lambda _: (SETPOINT,))
