"""Data update coordinators and the runtime data they hand to the platforms."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import CONF_HOST
from homeassistant.core import HomeAssistant
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.device_registry import format_mac
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
from homeassistant.util import dt as dt_util

from .api.axeos import AxeOSClient
from .api.axeos_models import AsicInfo, SystemInfo
from .api.errors import ApiConnectionError, ApiError, ApiNotLocalError
from .const import BITAXE_SCAN_INTERVAL, DOMAIN, LOGGER
from .logic.bitaxe_limits import ModelLimits, model_limits

type MiningFleetConfigEntry = ConfigEntry[BitaxeCoordinator]

# A reboot moves the computed boot time by the whole uptime; polling jitter moves it by a second.
_BOOT_TIME_TOLERANCE = timedelta(seconds=60)


@dataclass(frozen=True, slots=True)
class BitaxeData:
    """One poll of a Bitaxe, with the boot time kept stable between polls."""

    info: SystemInfo
    boot_time: datetime | None


def api_error_key(err: ApiError) -> str:
    """Return the translation key that explains an API error to the user."""
    if isinstance(err, ApiNotLocalError):
        return "not_local"
    if isinstance(err, ApiConnectionError):
        return "cannot_connect"
    return "unexpected_response"


class BitaxeCoordinator(DataUpdateCoordinator[BitaxeData]):
    """Poll one Bitaxe's /api/system/info."""

    config_entry: MiningFleetConfigEntry

    def __init__(self, hass: HomeAssistant, entry: MiningFleetConfigEntry) -> None:
        """Create the coordinator and its client on Home Assistant's shared session."""
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=f"Bitaxe {entry.data[CONF_HOST]}",
            update_interval=BITAXE_SCAN_INTERVAL,
        )
        self.client = AxeOSClient(entry.data[CONF_HOST], async_get_clientsession(hass))
        self.asic: AsicInfo | None = None
        self.limits: ModelLimits | None = None

    async def _async_setup(self) -> None:
        """Read the model's option lists once; they never change while the miner runs."""
        try:
            self.asic = await self.client.asic()
        except ApiError as err:
            raise self._update_failed(err) from err

    async def _async_update_data(self) -> BitaxeData:
        """Fetch telemetry; every failure becomes a translated UpdateFailed."""
        try:
            info = await self.client.info()
        except ApiError as err:
            raise self._update_failed(err) from err
        self._check_identity(info)
        if self.limits is None:
            self.limits = model_limits(self.asic, info.asic_model, info.board_version)
        return BitaxeData(info=info, boot_time=self._boot_time(info))

    def _update_failed(self, err: ApiError) -> UpdateFailed:
        """Return a translated UpdateFailed explaining a client error."""
        return UpdateFailed(
            translation_domain=DOMAIN,
            translation_key=api_error_key(err),
            translation_placeholders={"host": self.client.host, "error": str(err)},
        )

    def _check_identity(self, info: SystemInfo) -> None:
        """Refuse data from another miner now answering at this address (DHCP moved it)."""
        unique_id = self.config_entry.unique_id
        if info.mac_address and unique_id and format_mac(info.mac_address) != unique_id:
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="wrong_device",
                translation_placeholders={"host": self.client.host},
            )

    def _boot_time(self, info: SystemInfo) -> datetime | None:
        """Return now minus uptime, keeping the previous value unless it moved (a reboot)."""
        if info.uptime_seconds is None:
            return None
        boot_time = dt_util.utcnow() - timedelta(seconds=info.uptime_seconds)
        previous = self.data.boot_time if self.data else None
        if previous and abs(boot_time - previous) < _BOOT_TIME_TOLERANCE:
            return previous
        return boot_time.replace(microsecond=0)
