"""Data update coordinators, one per miner, and the config entry type that carries them."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Awaitable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import CONF_HOST, CONF_PASSWORD
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.device_registry import CONNECTION_NETWORK_MAC, DeviceInfo, format_mac
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
from homeassistant.util import dt as dt_util

from .api.axeos import AxeOSClient
from .api.axeos_models import AsicInfo, SystemInfo
from .api.errors import (
    ApiConnectionError,
    ApiError,
    ApiInvalidCredentialsError,
    ApiNotLocalError,
    ApiResponseError,
)
from .api.vnish import VNishClient
from .api.vnish_models import VNishInfo, VNishPreset, VNishStatus, VNishSummary
from .const import CONF_KIND, DOMAIN, KIND_VNISH, LOGGER, SCAN_INTERVAL
from .logic.bitaxe_limits import ModelLimits, model_limits

type MiningFleetConfigEntry = ConfigEntry[MinerCoordinator[Any]]

# A reboot moves the computed boot time by the whole uptime; polling jitter moves it by a second.
_BOOT_TIME_TOLERANCE = timedelta(seconds=60)


def api_error_key(err: ApiError) -> str:
    """Return the translation key that explains an API error to the user."""
    if isinstance(err, ApiNotLocalError):
        return "not_local"
    if isinstance(err, ApiInvalidCredentialsError):
        return "invalid_auth"
    if isinstance(err, ApiConnectionError):
        return "cannot_connect"
    return "unexpected_response"


class MinerCoordinator[DataT](DataUpdateCoordinator[DataT], ABC):
    """Poll one miner; subclasses know its protocol."""

    config_entry: MiningFleetConfigEntry

    def __init__(self, hass: HomeAssistant, entry: MiningFleetConfigEntry) -> None:
        """Poll at the shared interval."""
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=f"{entry.title} ({entry.data[CONF_HOST]})",
            update_interval=SCAN_INTERVAL,
        )

    @property
    def host(self) -> str:
        """Return the miner's address."""
        return str(self.config_entry.data[CONF_HOST])

    def update_failed(self, err: ApiError) -> UpdateFailed:
        """Return a translated UpdateFailed explaining a client error."""
        return UpdateFailed(
            translation_domain=DOMAIN,
            translation_key=api_error_key(err),
            translation_placeholders={"host": self.host, "error": str(err)},
        )

    @property
    @abstractmethod
    def device_info(self) -> DeviceInfo:
        """Return the device registry entry for this miner."""

    @property
    @abstractmethod
    def power(self) -> float | None:
        """Return the latest power draw in W."""

    @property
    @abstractmethod
    def is_mining(self) -> bool | None:
        """Return whether the miner is hashing (None when it cannot say)."""

    @property
    @abstractmethod
    def can_start_stop(self) -> bool:
        """Return whether this miner can be started and stopped remotely."""

    @abstractmethod
    async def async_set_mining(self, on: bool) -> None:
        """Start or stop hashing; raise ApiError when the miner does not accept it."""


@dataclass(frozen=True, slots=True)
class BitaxeData:
    """One poll of a Bitaxe, with the boot time kept stable between polls."""

    info: SystemInfo
    boot_time: datetime | None


class BitaxeCoordinator(MinerCoordinator[BitaxeData]):
    """Poll one Bitaxe's /api/system/info."""

    def __init__(self, hass: HomeAssistant, entry: MiningFleetConfigEntry) -> None:
        """Create the coordinator and its client on Home Assistant's shared session."""
        super().__init__(hass, entry)
        self.client = AxeOSClient(self.host, async_get_clientsession(hass))
        self.asic: AsicInfo | None = None
        self.limits: ModelLimits | None = None

    async def _async_setup(self) -> None:
        """Read the model's option lists once; they never change while the miner runs."""
        try:
            self.asic = await self.client.asic()
        except ApiError as err:
            raise self.update_failed(err) from err

    async def _async_update_data(self) -> BitaxeData:
        """Fetch telemetry; every failure becomes a translated UpdateFailed."""
        try:
            info = await self.client.info()
        except ApiError as err:
            raise self.update_failed(err) from err
        self._check_identity(info)
        if self.limits is None:
            self.limits = model_limits(self.asic, info.asic_model, info.board_version)
        return BitaxeData(info=info, boot_time=self._boot_time(info))

    def _check_identity(self, info: SystemInfo) -> None:
        """Refuse data from another miner now answering at this address (DHCP moved it)."""
        unique_id = self.config_entry.unique_id
        if info.mac_address and unique_id and format_mac(info.mac_address) != unique_id:
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="wrong_device",
                translation_placeholders={"host": self.host},
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

    @property
    def device_info(self) -> DeviceInfo:
        """Return model, board, firmware and MAC."""
        info, unique_id = self.data.info, str(self.config_entry.unique_id)
        model = self.asic.device_model if self.asic else None
        return DeviceInfo(
            identifiers={(DOMAIN, unique_id)},
            connections={(CONNECTION_NETWORK_MAC, unique_id)},
            manufacturer="Bitaxe",
            model=" ".join(filter(None, [model, info.asic_model])) or "Bitaxe",
            model_id=info.board_version,
            name=info.hostname or self.config_entry.title,
            sw_version=info.firmware,
            configuration_url=self.client.base_url,
        )

    @property
    def power(self) -> float | None:
        """Return the latest power draw."""
        return self.data.info.power

    @property
    def is_mining(self) -> bool | None:
        """Return False while paused."""
        paused = self.data.info.mining_paused
        return None if paused is None else not paused

    @property
    def can_start_stop(self) -> bool:
        """Return True on AxeOS 2.14+ (pause/resume)."""
        return self.data.info.supports_pause

    async def async_set_mining(self, on: bool) -> None:
        """Resume or pause hashing."""
        await (self.client.resume() if on else self.client.pause())


@dataclass(frozen=True, slots=True)
class VNishData:
    """One poll of a VNish Antminer."""

    status: VNishStatus
    summary: VNishSummary
    preset: str | None


class VNishCoordinator(MinerCoordinator[VNishData]):
    """Poll one Antminer on VNish: status, summary and the active preset."""

    def __init__(self, hass: HomeAssistant, entry: MiningFleetConfigEntry) -> None:
        """Create the coordinator and its client on Home Assistant's shared session."""
        super().__init__(hass, entry)
        self.client = VNishClient(self.host, entry.data[CONF_PASSWORD], async_get_clientsession(hass))
        self.info: VNishInfo | None = None
        self.presets: tuple[VNishPreset, ...] = ()

    async def _call[T](self, pending: Awaitable[T]) -> T:
        """Await a client call, turning a wrong password into a re-authentication request."""
        try:
            return await pending
        except ApiInvalidCredentialsError as err:
            raise ConfigEntryAuthFailed(
                translation_domain=DOMAIN,
                translation_key="invalid_auth",
                translation_placeholders={"host": self.host},
            ) from err
        except ApiError as err:
            raise self.update_failed(err) from err

    async def _optional[T](self, pending: Awaitable[T], default: T) -> T:
        """Await a read some firmware versions lack; without it the miner still works."""
        try:
            return await pending
        except ApiResponseError as err:
            LOGGER.debug("%s: optional read failed: %s", self.host, err)
            return default

    async def _async_setup(self) -> None:
        """Read identity and the preset list once."""
        self.info = await self._call(self.client.info())
        self.presets = await self._call(self._optional(self.client.presets(), ()))

    async def _async_update_data(self) -> VNishData:
        """Fetch state, telemetry and the active preset."""
        return VNishData(
            status=await self._call(self.client.status()),
            summary=await self._call(self.client.summary()),
            preset=await self._call(self._optional(self.client.current_preset(), None)),
        )

    @property
    def tuned_presets(self) -> tuple[VNishPreset, ...]:
        """Return the presets that can be chosen without starting an autotune."""
        return tuple(preset for preset in self.presets if preset.tuned)

    @property
    def device_info(self) -> DeviceInfo:
        """Return model, firmware, serial and MAC."""
        info = self.info
        assert info is not None
        return DeviceInfo(
            identifiers={(DOMAIN, str(self.config_entry.unique_id))},
            connections={(CONNECTION_NETWORK_MAC, format_mac(info.mac_address))}
            if info.mac_address
            else set(),
            manufacturer="Bitmain",
            model=info.model or "Antminer",
            name=self.config_entry.title,
            sw_version=info.firmware,
            serial_number=info.serial,
            configuration_url=self.client.base_url,
        )

    @property
    def power(self) -> float | None:
        """Return the latest power draw."""
        return self.data.summary.power

    @property
    def is_mining(self) -> bool:
        """Return True unless stopped, stopping or failed."""
        return self.data.status.is_hashing

    @property
    def can_start_stop(self) -> bool:
        """Return True: VNish always has start/stop."""
        return True

    async def async_set_mining(self, on: bool) -> None:
        """Start or stop; success is judged from the miner's real state."""
        await self.client.set_mining(on)


def create_coordinator(hass: HomeAssistant, entry: MiningFleetConfigEntry) -> MinerCoordinator[Any]:
    """Return the coordinator for the entry's kind of miner."""
    if entry.data.get(CONF_KIND) == KIND_VNISH:
        return VNishCoordinator(hass, entry)
    return BitaxeCoordinator(hass, entry)
