"""Entities of a pool's workers: one device per worker, added as the pool lists new workers."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from homeassistant.core import callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from ..api.pools.models import PoolWorker
from .coordinator import PoolConfigEntry, PoolCoordinator


class WorkerEntity(CoordinatorEntity[PoolCoordinator]):
    """An entity of one worker's device."""

    _attr_has_entity_name = True
    key: str

    def __init__(self, coordinator: PoolCoordinator, worker: str) -> None:
        """Attach the entity to the worker's device."""
        super().__init__(coordinator)
        self.worker_name = worker
        self._attr_unique_id = f"{coordinator.config_entry.unique_id}/{worker}_{self.key}"
        self._attr_device_info = coordinator.worker_device_info(worker)

    @property
    def worker(self) -> PoolWorker | None:
        """Return the worker as the pool lists it now, or None when it is not listed ("not seen")."""
        return self.coordinator.data.worker(self.worker_name)


@callback
def async_add_worker_entities(
    entry: PoolConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
    make: Callable[[PoolCoordinator, str], Sequence[WorkerEntity]],
) -> None:
    """Add a worker's entities the first time the pool lists it."""
    coordinator = entry.runtime_data
    added: set[str] = set()

    @callback
    def add_new() -> None:
        new = [worker for worker in coordinator.known_workers if worker not in added]
        added.update(new)
        for worker in new:
            async_add_entities(make(coordinator, worker))

    add_new()
    entry.async_on_unload(coordinator.async_add_listener(add_new))
    entry.async_on_unload(coordinator.on_forget_worker(added.discard))
