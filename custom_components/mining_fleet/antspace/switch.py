"""Container switches: cooling on and off, and the controller's PID control of the setpoint."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from ..entity import MiningFleetSwitch, MiningFleetSwitchDescription, async_add_described
from .coordinator import AntspaceConfigEntry, AntspaceCoordinator

SWITCHES: tuple[MiningFleetSwitchDescription[AntspaceCoordinator], ...] = (
    MiningFleetSwitchDescription(
        key="cooling",
        translation_key="cooling",
        value_fn=lambda container: container.state.cooling,
        set_fn=lambda container, on: container.async_set_cooling(on),
    ),
    MiningFleetSwitchDescription(
        key="pid_mode",
        translation_key="pid_mode",
        value_fn=lambda container: container.state.pid_mode,
        set_fn=lambda container, on: container.async_set_pid_mode(on),
    ),
)


async def async_setup_entry(
    hass: HomeAssistant, entry: AntspaceConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Add the container's switches."""
    async_add_described(entry, async_add_entities, MiningFleetSwitch, lambda _: SWITCHES)
