"""The fleet overview's coordinator: totals over the registry, recomputed when a miner updates."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.debounce import Debouncer
from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo

from ..const import CONF_KIND, DOMAIN, FLEET_UNIQUE_ID, LOGGER, MINER_KINDS
from ..coordinator import MiningFleetCoordinator
from ..logic.fleet import FleetTotals, MinerReading, fleet_totals
from ..logic.profile_stats import FleetProfileStats, fleet_stats
from ..miner.coordinator import MinerCoordinator
from ..miner.registry import FleetRegistry, fleet_registry

type FleetConfigEntry = ConfigEntry[FleetCoordinator]

# Miners update every 15 s each, so a farm's updates arrive many times a second; totals are
# recomputed at most this often (the first change at once), which keeps the recorder small.
TOTALS_COOLDOWN_SECONDS = 5.0

# A configured miner whose entry is not loaded (unreachable at start-up, waiting for a password).
_NOT_LOADED = MinerReading(online=False, mining=False, hashrate_ths=None, power_w=None)


def _reading(miner: MinerCoordinator[Any]) -> MinerReading:
    """Return what the fleet needs to know of one loaded miner."""
    online = miner.last_update_success and miner.data is not None
    return MinerReading(
        online=online,
        mining=bool(online and miner.is_mining),
        hashrate_ths=miner.hashrate if online else None,
        power_w=miner.power if online else None,
    )


class FleetCoordinator(MiningFleetCoordinator[FleetTotals]):
    """Listen to every miner and keep the fleet totals; no polling and no network I/O of its own."""

    def __init__(self, hass: HomeAssistant, entry: FleetConfigEntry) -> None:
        """Publish totals on demand only, coalescing bursts of miner updates."""
        super().__init__(hass, LOGGER, config_entry=entry, name="Mining fleet", update_interval=None)
        self._registry: FleetRegistry = fleet_registry(hass)
        self._miner_listeners: dict[MinerCoordinator[Any], CALLBACK_TYPE] = {}
        # Per profile: the miners' statistics added up, refreshed with the totals.
        self.profiles: dict[str, FleetProfileStats] = {}
        self._publisher = Debouncer(
            hass,
            LOGGER,
            cooldown=TOTALS_COOLDOWN_SECONDS,
            immediate=True,
            function=self._async_publish_totals,
        )

    async def _async_update_data(self) -> FleetTotals:
        """Return the totals (the first refresh at set-up)."""
        return self.totals()

    def profile_figures(self, totals: FleetTotals) -> dict[str, FleetProfileStats]:
        """Return per profile name the miners' statistics, added up; nothing while a miner is not loaded.

        A sum without a miner would dip, and the recorder reads a dip in an energy total as a
        meter reset (and would count that miner's energy twice once it is back): unknown instead.
        """
        if totals.miners > len(self._registry):
            return {}
        return fleet_stats(miner.tuning.stats for miner in self._registry.miners)

    def totals(self) -> FleetTotals:
        """Sum the loaded miners; a configured miner that is not loaded counts as offline."""
        loaded = self._registry.miners
        loaded_entries = {miner.config_entry.entry_id for miner in loaded}
        not_loaded = [
            entry
            for entry in self.hass.config_entries.async_entries(
                DOMAIN, include_ignore=False, include_disabled=False
            )
            if entry.data.get(CONF_KIND) in MINER_KINDS and entry.entry_id not in loaded_entries
        ]
        return fleet_totals([*(_reading(miner) for miner in loaded), *(_NOT_LOADED for _ in not_loaded)])

    @callback
    def _async_publish_totals(self) -> None:
        """Hand the current totals to the entities (every time: the energy total needs each sample)."""
        totals = self.totals()
        self.profiles = self.profile_figures(totals)
        self.async_set_updated_data(totals)

    @callback
    def async_start(self) -> CALLBACK_TYPE:
        """Follow miners joining and leaving; return the function that stops following."""
        stop_registry = self._registry.async_add_listener(self._async_membership_changed)
        self._async_membership_changed()

        @callback
        def stop() -> None:
            stop_registry()
            for unsubscribe in self._miner_listeners.values():
                unsubscribe()
            self._miner_listeners.clear()
            self._publisher.async_shutdown()

        return stop

    @callback
    def _async_membership_changed(self) -> None:
        """Listen to new miners, forget unloaded ones, and recompute."""
        current = set(self._registry.miners)
        for miner in set(self._miner_listeners) - current:
            self._miner_listeners.pop(miner)()
        for miner in current - set(self._miner_listeners):
            self._miner_listeners[miner] = miner.async_add_listener(self._async_miner_updated)
        self._async_miner_updated()

    @callback
    def _async_miner_updated(self) -> None:
        """Schedule a recompute of the totals."""
        self._publisher.async_schedule_call()

    @property
    def device_info(self) -> DeviceInfo:
        """Return the fleet's own device."""
        return DeviceInfo(
            identifiers={(DOMAIN, FLEET_UNIQUE_ID)},
            entry_type=DeviceEntryType.SERVICE,
            manufacturer="Mining Fleet",
            model="Fleet overview",
            name="Mining fleet",
        )
