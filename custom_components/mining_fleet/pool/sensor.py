"""Pool sensors: the account's totals, and each worker's hashrate and last share."""

from __future__ import annotations

from datetime import datetime

from homeassistant.components.sensor import SensorDeviceClass, SensorEntity, SensorStateClass
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from ..api.pools.models import PoolWorker
from ..entity import MiningFleetSensor, MiningFleetSensorDescription, async_add_described
from ..miner.descriptions import HASHRATE_TH, count_sensor, hashrate_sensor
from .coordinator import PoolConfigEntry, PoolCoordinator
from .entity import WorkerEntity, async_add_worker_entities

type Description = MiningFleetSensorDescription[PoolCoordinator]


ACCOUNT_SENSORS: tuple[Description, ...] = (
    hashrate_sensor(
        "total_hashrate", lambda coordinator: coordinator.data.hashrate_ths, unit=HASHRATE_TH, precision=2
    ),
    count_sensor("workers_online", lambda coordinator: coordinator.data.online),
    count_sensor("workers_total", lambda coordinator: len(coordinator.data.workers)),
)


class WorkerHashrate(WorkerEntity, SensorEntity):
    """A worker's hashrate as the pool sees it (unknown while the pool does not list it)."""

    _attr_translation_key = "worker_hashrate"
    _attr_native_unit_of_measurement = HASHRATE_TH
    _attr_state_class = SensorStateClass.MEASUREMENT
    _attr_suggested_display_precision = 2
    key = "hashrate"

    @property
    def native_value(self) -> float | None:
        """Return the hashrate."""
        worker = self.worker
        return None if worker is None or worker.hashrate_ths is None else round(worker.hashrate_ths, 4)


class WorkerLastShare(WorkerEntity, SensorEntity):
    """When the pool last received a share from the worker."""

    _attr_translation_key = "last_share"
    _attr_device_class = SensorDeviceClass.TIMESTAMP
    key = "last_share"

    @property
    def native_value(self) -> datetime | None:
        """Return the last share's time."""
        worker: PoolWorker | None = self.worker
        return None if worker is None else worker.last_share


async def async_setup_entry(
    hass: HomeAssistant, entry: PoolConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Add the account's totals and, as workers appear, their sensors."""
    async_add_described(entry, async_add_entities, MiningFleetSensor, lambda _: ACCOUNT_SENSORS)

    @callback
    def make(coordinator: PoolCoordinator, worker: str) -> list[WorkerEntity]:
        entities: list[WorkerEntity] = [WorkerHashrate(coordinator, worker)]
        if coordinator.pool.share_times:
            entities.append(WorkerLastShare(coordinator, worker))
        return entities

    async_add_worker_entities(entry, async_add_entities, make)
