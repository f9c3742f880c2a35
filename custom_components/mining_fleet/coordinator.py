"""The coordinator base every kind's runtime data derives from, and the typed config entry."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator

# Every kind keeps one coordinator as the entry's runtime data; a kind that needs more hangs them on it.
type MiningFleetConfigEntry = ConfigEntry[MiningFleetCoordinator[Any]]


class MiningFleetCoordinator[DataT](DataUpdateCoordinator[DataT], ABC):
    """A coordinator owned by one config entry, of any kind, with one device for its entities."""

    config_entry: MiningFleetConfigEntry

    @property
    def unique_id_base(self) -> str:
        """Return the stable prefix of the unique ids of the coordinator's entities."""
        return str(self.config_entry.unique_id)

    def adds(self, key: str) -> bool:
        """Return whether the device gets the entity with this key (every one, unless the kind keeps fewer)."""
        return True

    @property
    @abstractmethod
    def device_info(self) -> DeviceInfo:
        """Return the device registry entry the entry's entities belong to."""
