"""Pool binary sensors: whether each worker is hashing as the pool sees it."""

from __future__ import annotations

from homeassistant.components.binary_sensor import BinarySensorDeviceClass, BinarySensorEntity
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import PoolConfigEntry, PoolCoordinator
from .entity import WorkerEntity, async_add_worker_entities


class WorkerOnline(WorkerEntity, BinarySensorEntity):
    """On while the pool counts the worker online; off when not, or when the pool does not list it."""

    _attr_translation_key = "worker_online"
    _attr_device_class = BinarySensorDeviceClass.CONNECTIVITY
    key = "online"

    @property
    def is_on(self) -> bool:
        """Return the pool's verdict; a worker missing from the list is not seen, so off."""
        worker = self.worker
        return bool(worker and worker.online)

    @property
    def extra_state_attributes(self) -> dict[str, bool]:
        """Say whether the pool lists the worker at all."""
        return {"listed": self.worker is not None}


async def async_setup_entry(
    hass: HomeAssistant, entry: PoolConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Add each worker's online sensor as workers appear."""

    @callback
    def make(coordinator: PoolCoordinator, worker: str) -> list[WorkerEntity]:
        return [WorkerOnline(coordinator, worker)]

    async_add_worker_entities(entry, async_add_entities, make)
