"""Container binary sensors: pumps and fans running, and a problem sensor per fault flag with its severity."""

from __future__ import annotations

from homeassistant.components.binary_sensor import BinarySensorDeviceClass
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from ..api.antspace_models import FAULTS, HK3_RUNNING, RUNNING, FaultFlag, Model
from ..entity import MiningFleetBinarySensor, MiningFleetBinarySensorDescription, async_add_described
from .coordinator import AntspaceConfigEntry, AntspaceCoordinator

type Description = MiningFleetBinarySensorDescription[AntspaceCoordinator]

# Running flags shown by default; the rest (valves, pump handshakes) are there but disabled.
MAIN_RUNNING = frozenset(
    {*HK3_RUNNING, "one_pump", "second_pump1", "second_pump2", "container_fan", "dry_cooler_freq_run"}
)


def _running(key: str) -> Description:
    """Describe a pump or fan running flag."""
    return MiningFleetBinarySensorDescription(
        key=f"running_{key}",
        translation_key=key,
        device_class=BinarySensorDeviceClass.RUNNING,
        entity_registry_enabled_default=key in MAIN_RUNNING,
        value_fn=lambda container: container.state.running.get(key),
        exists_fn=lambda container: key in container.state.running,
    )


def _fault(fault: FaultFlag) -> Description:
    """Describe a fault flag as a problem sensor carrying its alert, severity and message."""
    return MiningFleetBinarySensorDescription(
        key=f"fault_{fault.key.lower()}",
        translation_key=f"fault_{fault.key.lower()}",
        device_class=BinarySensorDeviceClass.PROBLEM,
        value_fn=lambda container: container.state.faults.get(fault.key),
        exists_fn=lambda container: fault.key in container.state.faults,
        attributes_fn=lambda _: {
            "alert": fault.alert,
            "severity": str(fault.severity),
            "message": fault.message,
        },
    )


# One table drives them all: per model, its running flags and its fault flags.
BY_MODEL: dict[Model, tuple[Description, ...]] = {
    model: (*(_running(key) for key in RUNNING[model]), *(_fault(fault) for fault in FAULTS[model]))
    for model in Model
}


async def async_setup_entry(
    hass: HomeAssistant, entry: AntspaceConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Add the container's flags."""
    async_add_described(entry, async_add_entities, MiningFleetBinarySensor, _of_model)


def _of_model(container: AntspaceCoordinator) -> tuple[Description, ...]:
    """Return the flags of the container's model."""
    return BY_MODEL[container.model]
