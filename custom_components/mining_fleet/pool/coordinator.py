"""A pool account's coordinator: the workers the pool lists, polled no faster than the pool allows."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.update_coordinator import UpdateFailed

from ..api.errors import ApiError, ApiInvalidCredentialsError, ApiUnknownAccountError
from ..api.pools.models import PoolStatus
from ..const import DOMAIN, LOGGER
from ..coordinator import MiningFleetCoordinator
from ..miner.coordinator import api_error_key
from .types import CONF_POOL, POOL_TYPES

type PoolConfigEntry = ConfigEntry[PoolCoordinator]

# Share times move once a minute at most of these pools, and the watchdog's shortest offline time
# is minutes: polling faster would only spend the pools' rate limits.
POLL_INTERVAL = timedelta(seconds=60)


class PoolCoordinator(MiningFleetCoordinator[PoolStatus]):
    """Poll one pool account."""

    def __init__(self, hass: HomeAssistant, entry: PoolConfigEntry) -> None:
        """Create the client for the entry's pool on Home Assistant's shared session."""
        self.pool = POOL_TYPES[entry.data[CONF_POOL]]
        self._client = self.pool.build_client(async_get_clientsession(hass), entry.data)
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=entry.title,
            update_interval=max(POLL_INTERVAL, timedelta(seconds=self._client.MIN_INTERVAL)),
        )
        # Every worker seen since set-up: one that vanishes reads "not seen", it does not disappear.
        self.known_workers: list[str] = []
        self._forget_listeners: list[Callable[[str], None]] = []

    async def _async_update_data(self) -> PoolStatus:
        """Read the workers; refused credentials ask the user for new ones."""
        try:
            status = await self._client.status()
        except ApiUnknownAccountError as err:
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="pool_unknown_account",
                translation_placeholders={"name": self.config_entry.title},
            ) from err
        except ApiInvalidCredentialsError as err:
            if not self.pool.secrets:  # nothing to re-enter: a proxy in the way, or the pool's own trouble
                raise UpdateFailed(
                    translation_domain=DOMAIN,
                    translation_key="pool_refused",
                    translation_placeholders={"name": self.config_entry.title, "error": str(err)},
                ) from err
            raise ConfigEntryAuthFailed(
                translation_domain=DOMAIN,
                translation_key="pool_invalid_auth",
                translation_placeholders={"name": self.config_entry.title},
            ) from err
        except ApiError as err:
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key=f"pool_{api_error_key(err)}",
                translation_placeholders={"name": self.config_entry.title, "error": str(err)},
            ) from err
        self.known_workers += [w.name for w in status.workers if w.name not in self.known_workers]
        return status

    def forget_worker(self, worker: str) -> None:
        """Drop a worker whose device the user deleted; if the pool lists it again, it comes back."""
        if worker in self.known_workers:
            self.known_workers.remove(worker)
        for listener in self._forget_listeners:
            listener(worker)

    def on_forget_worker(self, listener: Callable[[str], None]) -> Callable[[], None]:
        """Call listener with each forgotten worker; return the function that stops it."""
        self._forget_listeners.append(listener)
        return lambda: self._forget_listeners.remove(listener)

    @property
    def device_info(self) -> DeviceInfo:
        """Return the account's device."""
        return DeviceInfo(
            identifiers={(DOMAIN, str(self.config_entry.unique_id))},
            entry_type=DeviceEntryType.SERVICE,
            manufacturer=self.pool.name,
            model="Pool account",
            name=self.config_entry.title,
        )

    def worker_device_info(self, worker: str) -> DeviceInfo:
        """Return a worker's device, under the account's."""
        return DeviceInfo(
            identifiers={(DOMAIN, f"{self.config_entry.unique_id}/{worker}")},
            via_device=(DOMAIN, str(self.config_entry.unique_id)),
            manufacturer=self.pool.name,
            model="Pool worker",
            name=worker,
        )
