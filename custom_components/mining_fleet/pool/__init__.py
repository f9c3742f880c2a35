"""Mining-pool accounts: the account and one device per worker, from the pool's own view."""

from __future__ import annotations

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr

from ..const import DOMAIN
from . import binary_sensor, sensor
from .coordinator import PoolConfigEntry, PoolCoordinator
from .diagnostics import async_get_diagnostics

PLATFORMS = {
    Platform.BINARY_SENSOR: binary_sensor.async_setup_entry,
    Platform.SENSOR: sensor.async_setup_entry,
}


async def async_setup_entry(hass: HomeAssistant, entry: PoolConfigEntry) -> None:
    """Check the account once (or retry / ask for credentials), then poll it."""
    coordinator = PoolCoordinator(hass, entry)
    # Workers seen before a restart keep their entities, reading "not seen" until the pool lists them.
    prefix = f"{entry.unique_id}/"
    coordinator.known_workers = [
        identifier.removeprefix(prefix)
        for device in dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)
        for domain, identifier in device.identifiers
        if domain == DOMAIN and identifier.startswith(prefix)
    ]
    await coordinator.async_config_entry_first_refresh()
    entry.runtime_data = coordinator
    # The account's device first: the workers' devices name it as theirs.
    dr.async_get(hass).async_get_or_create(config_entry_id=entry.entry_id, **coordinator.device_info)


def can_remove_device(entry: PoolConfigEntry, device: dr.DeviceEntry) -> bool:
    """Allow removing a worker the pool no longer lists (the account itself stays)."""
    coordinator = entry.runtime_data
    for domain, identifier in device.identifiers:
        if domain == DOMAIN and identifier.startswith(f"{entry.unique_id}/"):
            worker = identifier.removeprefix(f"{entry.unique_id}/")
            if coordinator.data.worker(worker) is None:
                coordinator.forget_worker(worker)
                return True
    return False


__all__ = ["PLATFORMS", "async_get_diagnostics", "async_setup_entry", "can_remove_device"]
