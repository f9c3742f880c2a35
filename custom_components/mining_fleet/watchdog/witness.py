"""What a watched rig's witnesses say: its miner's own API, its pool worker, or both."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from homeassistant.config_entries import ConfigEntry, ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import device_registry as dr

from ..api.pools.models import PoolStatus
from ..const import CONF_KIND, DOMAIN, KIND_POOL, MINER_KINDS
from ..logic.watchdog import Witnesses
from ..miner.coordinator import MinerCoordinator
from ..miner.registry import fleet_registry

# The keys of a miner's failed poll that say it hangs: nothing answered at its address (timeouts
# included), or the API answered nonsense (a wedged ESP32 or cgminer). Refusals (a password, "not
# local", another device at the address) prove the miner is up and are not among them.
UNREACHABLE = frozenset({"cannot_connect", "unexpected_response"})

CONF_MINER = "miner"
CONF_POOL_ENTRY = "pool_entry"
CONF_WORKER = "worker"


def _is_unreachable(err: Exception | None) -> bool:
    """Return True for a poll that failed because nothing answered (not a refusal or a stranger)."""
    return isinstance(err, HomeAssistantError) and err.translation_key in UNREACHABLE


class PoolAccount(Protocol):
    """What the watchdog reads of a loaded pool account (the pool kind's coordinator)."""

    @property
    def last_update_success(self) -> bool:
        """Return whether the pool answered its latest poll."""

    @property
    def data(self) -> PoolStatus | None:
        """Return the workers the pool listed at its latest poll."""


class WitnessReader:
    """Read one rig's witnesses and remember since when each has been silent.

    The since-times are observed here, not persisted: after a Home Assistant restart a rig gets
    a whole time_until_offline before the watchdog may act on what it sees, never less.
    """

    def __init__(self, hass: HomeAssistant, data: Mapping[str, Any]) -> None:
        """Watch the miner device and/or the pool worker named in a rig's data."""
        self._hass = hass
        self.miner_device_id: str | None = data.get(CONF_MINER)
        self.pool_entry_id: str | None = data.get(CONF_POOL_ENTRY)
        self.worker: str | None = data.get(CONF_WORKER)
        self._api_silent_since: float | None = None
        self._worker_missing_since: float | None = None
        # The worker's last share as the pool last reported it: a worker that vanishes from the
        # list has been silent since then, not since we noticed.
        self._last_share: float | None = None
        self._not_hashing_since: float | None = None

    def miner(self) -> MinerCoordinator[Any] | None:
        """Return the rig's loaded miner, if it has one."""
        return None if self.miner_device_id is None else fleet_registry(self._hass).get(self.miner_device_id)

    @property
    def api_answers(self) -> bool:
        """Return True when the miner's own API answered its latest poll."""
        miner = self.miner()
        return miner is not None and miner.last_update_success

    def read(self, now: float) -> Witnesses:
        """Return what the witnesses say now."""
        api_known, api_answers = self._api(now)
        worker_known, last_share = self._pool(now)
        return Witnesses(
            now=now,
            has_api=api_known,
            api_unreachable_since=None if api_answers else self._api_silent_since,
            has_worker=worker_known,
            worker_missing_since=self._worker_missing_since,
            last_share=last_share,
            not_hashing_since=self._not_hashing_since,
        )

    def _api(self, now: float) -> tuple[bool, bool]:
        """Return whether the API witness is known, and whether it answers."""
        if self.miner_device_id is None:
            return False, False
        if self.api_answers:
            self._api_silent_since = None
            return True, True
        if not self._miner_unreachable():
            # Unloaded, disabled, still starting, refusing our password or not ours: none of that
            # says the rig hangs.
            self._api_silent_since = None
            return False, False
        if self._api_silent_since is None:
            self._api_silent_since = now
        return True, False

    def _miner_unreachable(self) -> bool:
        """Return True when the miner's latest poll (or set-up attempt) got no answer, or nonsense."""
        miner = self.miner()
        if miner is not None:
            return _is_unreachable(miner.last_exception)
        entry = self._miner_entry()
        if entry is None:
            return False
        if entry.state is ConfigEntryState.SETUP_IN_PROGRESS:
            return self._api_silent_since is not None  # a retry in progress does not end the silence
        return (
            entry.state is ConfigEntryState.SETUP_RETRY and entry.error_reason_translation_key in UNREACHABLE
        )

    def device_identifier(self) -> str | None:
        """Return our identifier of the miner's device, or else of the pool worker's device."""
        devices = dr.async_get(self._hass)
        if self.miner_device_id is not None and (device := devices.async_get(self.miner_device_id)):
            return next((identifier for domain, identifier in device.identifiers if domain == DOMAIN), None)
        entry = (
            None
            if self.pool_entry_id is None
            else self._hass.config_entries.async_get_entry(self.pool_entry_id)
        )
        if entry is None:
            return None
        identifier = f"{entry.unique_id}/{self.worker}"
        return identifier if devices.async_get_device(identifiers={(DOMAIN, identifier)}) else None

    def _miner_entry(self) -> ConfigEntry[Any] | None:
        """Return the config entry the miner device belongs to."""
        device = dr.async_get(self._hass).async_get(str(self.miner_device_id))
        for entry_id in device.config_entries if device else ():
            entry = self._hass.config_entries.async_get_entry(entry_id)
            if entry is not None and entry.domain == DOMAIN and entry.data.get(CONF_KIND) in MINER_KINDS:
                return entry
        return None

    def pool(self) -> PoolAccount | None:
        """Return the loaded pool account the rig's worker belongs to."""
        if self.pool_entry_id is None:
            return None
        entry = self._hass.config_entries.async_get_entry(self.pool_entry_id)
        if (
            entry is None
            or entry.data.get(CONF_KIND) != KIND_POOL
            or entry.state is not ConfigEntryState.LOADED
        ):
            return None
        account: PoolAccount = entry.runtime_data
        return account

    def _pool(self, now: float) -> tuple[bool, float | None]:
        """Return whether the pool witness is known, and the worker's last share (unix seconds)."""
        pool = self.pool()
        if self.worker is None or pool is None or not pool.last_update_success or pool.data is None:
            # The pool itself is failing: its silence says nothing about the rig. The clocks stand
            # still (a failed poll now and then must not restart them); the last share is forgotten,
            # so after an outage a worker that is not listed yet counts from when it is missed.
            self._last_share = None
            return False, None
        worker = pool.data.worker(self.worker)
        if worker is None:
            if self._worker_missing_since is None:
                self._worker_missing_since = now
            return True, self._last_share
        self._worker_missing_since = None
        if worker.last_share is not None:
            self._last_share = worker.last_share.timestamp()
        hashing = worker.online is not False and (worker.hashrate_ths is None or worker.hashrate_ths > 0)
        if hashing:
            self._not_hashing_since = None
        elif self._not_hashing_since is None:
            self._not_hashing_since = now
        return True, self._last_share if worker.last_share is not None else None
