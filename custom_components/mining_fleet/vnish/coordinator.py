"""The VNish coordinator: polls an Antminer's state, telemetry and preset; sends only tuned presets."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import CONF_API_KEY, CONF_PASSWORD
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryAuthFailed, ServiceValidationError
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.device_registry import CONNECTION_NETWORK_MAC, DeviceInfo, format_mac

from ..api.errors import ApiError, ApiInvalidCredentialsError, ApiResponseError
from ..api.parse import as_number
from ..api.vnish import VNishClient
from ..api.vnish_models import (
    MAX_POOLS,
    VNishInfo,
    VNishPoolSetting,
    VNishPreset,
    VNishStatus,
    VNishSummary,
)
from ..const import DOMAIN, LOGGER
from ..logic.guard import Limits
from ..logic.pool_route import MinerPool, PoolChange, PoolRoute
from ..logic.ramp import plan_preset_ramp
from ..logic.tuning import Tuning
from ..miner.coordinator import MinerCoordinator
from ..tuning.profiles import PROFILE_DAY, PROFILE_NIGHT

type VNishConfigEntry = ConfigEntry[VNishCoordinator]

# Antminer chips run hotter than a Bitaxe's; VNish's own protection cuts in above 90 °C.
DEFAULT_MAX_TEMPERATURE_C = 85.0
MAX_TEMPERATURE_CAP_C = 90.0


def _pools_of(record: dict[str, Any]) -> list[VNishPoolSetting]:
    """Return the pools a remembered record holds (records are written by this module only)."""
    return [VNishPoolSetting(**pool) for pool in record.get("pools", [])]


def _same_pools(first: Sequence[VNishPoolSetting], second: Sequence[VNishPoolSetting]) -> bool:
    """Return True when two pool lists name the same pools and workers in the same order."""
    return [(pool.address, pool.user) for pool in first] == [(pool.address, pool.user) for pool in second]


def _poll_error(failed: ExceptionGroup[Exception]) -> Exception:
    """Return the one error to raise for failed reads: a refused password first; a bug keeps the group."""
    if not all(isinstance(err, ApiError) for err in failed.exceptions):
        return failed
    refused = [err for err in failed.exceptions if isinstance(err, ApiInvalidCredentialsError)]
    return refused[0] if refused else failed.exceptions[0]


@dataclass(frozen=True, slots=True)
class VNishData:
    """One poll of a VNish Antminer."""

    status: VNishStatus
    summary: VNishSummary
    preset: str | None


class VNishCoordinator(MinerCoordinator[VNishData]):
    """Poll one Antminer on VNish: status, summary and the active preset."""

    max_temperature_cap = MAX_TEMPERATURE_CAP_C
    essential_keys = MinerCoordinator.essential_keys | {"failure", "chip_temperature", "miner_state"}

    def __init__(self, hass: HomeAssistant, entry: VNishConfigEntry) -> None:
        """Create the coordinator and its client on Home Assistant's shared session."""
        super().__init__(hass, entry)
        self._client = VNishClient(
            self.host,
            entry.data[CONF_PASSWORD],
            async_get_clientsession(hass),
            api_key=entry.options.get(CONF_API_KEY),
        )
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
        self.info = await self._call(self._client.info())
        self.refuse_foreign_data(self.info.mac_address, self.info.serial)
        self.presets = await self._call(self._optional(self._client.presets(), ()))

    async def _async_update_data(self) -> VNishData:
        """Confirm the miner's identity, then fetch state, telemetry and the active preset."""
        info = await self._call(self._client.info())
        self.refuse_foreign_data(info.mac_address, info.serial)
        return await self._call(self._read_together())

    async def _read_together(self) -> VNishData:
        """Read state, telemetry and the preset at once; the first failure cancels the others."""
        # The web server is slow, so the three independent reads overlap (the per-host limit admits three).
        try:
            async with asyncio.TaskGroup() as group:
                status = group.create_task(self._client.status())
                summary = group.create_task(self._client.summary())
                preset = group.create_task(self._optional(self._client.current_preset(), None))
        except ExceptionGroup as failed:
            error = _poll_error(failed)
            # Raised alone with its own cause, as a sequential read would have; the group adds nothing.
            raise error from error.__cause__
        return VNishData(status=status.result(), summary=summary.result(), preset=preset.result())

    @property
    def summary(self) -> VNishSummary:
        """Return the latest telemetry."""
        return self.data.summary

    def _ladder(self, limits: Limits | None = None) -> list[str]:
        """Return the tuned presets' firmware names in order of power, within a power limit."""
        ceiling = limits.max_power_w if limits else None
        powers = {
            name: watts
            for name in self.tuned_presets.values()
            if (watts := as_number(name)) is not None and (ceiling is None or watts <= ceiling)
        }
        return sorted(powers, key=powers.__getitem__)

    def safe_tuning(self) -> Tuning | None:
        """Return the tuned preset with the least power (presets are named by their watts)."""
        ladder = self._ladder(self.tuning.limits)
        return Tuning(preset=ladder[0]) if ladder else None

    def current_tuning(self) -> Tuning | None:
        """Return the preset the miner runs."""
        return Tuning(preset=self.data.preset) if self.data is not None and self.data.preset else None

    def default_profiles(self) -> dict[str, Tuning]:
        """Return day on the least and night on the most powerful tuned preset."""
        ladder = self._ladder()
        if not ladder:
            return {}
        return {PROFILE_DAY: Tuning(preset=ladder[0]), PROFILE_NIGHT: Tuning(preset=ladder[-1])}

    def default_limits(self) -> Limits:
        """Return 85 °C and no power limit: the tuned presets are the firmware's own safe points."""
        return Limits(max_temperature_c=DEFAULT_MAX_TEMPERATURE_C)

    def profile_choices(self, limits: Limits) -> dict[str, list[tuple[int | str, str]]]:
        """Return the tuned presets within the power limit, labelled as the firmware describes them."""
        pretty = {name: label for label, name in self.tuned_presets.items()}
        return {"preset": [(name, pretty.get(name, name)) for name in self._ladder(limits)]}

    def tuning_ramp(self, start: Tuning, target: Tuning, limits: Limits, max_steps: int) -> list[Tuning]:
        """Return the tuned presets within the limits between start and target, one at a time."""
        if target.preset is None:
            return []
        path = plan_preset_ramp(start.preset or "", target.preset, self._ladder(limits), max_steps)
        return [Tuning(preset=preset) for preset in path]

    def tuning_step_down(self, current: Tuning, limits: Limits) -> Tuning | None:
        """Return the next lower tuned preset within the limits (the lowest when the current one's watts are unknown)."""
        ladder = self._ladder(limits)
        watts = as_number(current.preset or "")
        if watts is None:
            return Tuning(preset=ladder[0]) if ladder and ladder[0] != current.preset else None
        lower = [name for name in ladder if (as_number(name) or 0) < watts]
        return Tuning(preset=lower[-1]) if lower else None

    def tuning_within(self, tuning: Tuning, limits: Limits) -> Tuning:
        """Return the most powerful tuned preset within the limits that draws no more than tuning's."""
        ladder = self._ladder(limits)
        watts = as_number(tuning.preset or "")
        fitting = [name for name in ladder if watts is not None and (as_number(name) or 0) <= watts]
        return Tuning(preset=(fitting[-1] if fitting else ladder[0] if ladder else tuning.preset))

    def tuning_at_most(self, tuning: Tuning, other: Tuning) -> bool:
        """Return True when tuning's preset draws no more than other's."""
        mine, theirs = as_number(tuning.preset or ""), as_number(other.preset or "")
        return mine is not None and theirs is not None and mine <= theirs

    def expected_power(self, tuning: Tuning) -> float | None:
        """Return a preset's watts: the power it asks of the miner."""
        return as_number(tuning.preset) if tuning.preset else None

    @property
    def tuned_presets(self) -> dict[str, str]:
        """Return the presets that start no autotune, by descriptive name → firmware name."""
        return {preset.pretty: preset.name for preset in self.presets if preset.tuned}

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
            configuration_url=self._client.base_url,
        )

    @property
    def power(self) -> float | None:
        """Return the latest power draw."""
        return self.summary.power

    @property
    def hashrate(self) -> float | None:
        """Return the real-time hashrate in TH/s."""
        return self.summary.hashrate_realtime

    @property
    def nominal_hashrate(self) -> float | None:
        """Return the firmware's nominal hashrate for the preset, in TH/s."""
        return self.summary.hashrate_nominal

    @property
    def hottest_temperature(self) -> float | None:
        """Return the hottest chip temperature."""
        return self.summary.chip_temperature_max

    @property
    def is_mining(self) -> bool:
        """Return True unless stopped, stopping or failed."""
        return self.data.status.is_hashing

    @property
    def can_start_stop(self) -> bool:
        """Return True: VNish always has start/stop."""
        return True

    async def _async_read_identity(self) -> tuple[str | None, str | None]:
        """Read the MAC address and serial number the miner reports now."""
        info = await self._client.info()
        return info.mac_address, info.serial

    async def _async_read_tuning(self) -> Tuning | None:
        """Read the preset the miner runs now (None on firmware that does not say)."""
        preset = await self._optional(self._client.current_preset(), None)
        return Tuning(preset=preset) if preset else None

    async def _send_mining(self, on: bool) -> None:
        """Start or stop; success is judged from the miner's real state."""
        await self._client.set_mining(on)

    def preset_name(self, pretty: str) -> str:
        """Return the firmware name of a preset shown by its descriptive name (unknown ones as given)."""
        return self.tuned_presets.get(pretty, pretty)

    def _check_tuning(self, tuning: Tuning) -> None:
        """Allow only a tuned preset: an untuned one would start hours of autotuning."""
        if tuning.frequency_mhz is not None or tuning.core_voltage_mv is not None:
            raise self.refusal("frequency/core_voltage", "", "a power preset (VNish tunes chips per preset)")
        if tuning.temperature_target_c is not None:
            raise self.refusal(
                "temperature_target", tuning.temperature_target_c, "none (VNish cools by itself)"
            )
        if tuning.preset is not None and tuning.preset not in self.tuned_presets.values():
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="preset_not_tuned",
                translation_placeholders={"name": self.name_for_user, "preset": tuning.preset},
            )

    async def _send_tuning(self, change: Tuning, current: Tuning | None) -> None:
        """Switch the preset and confirm it was stored."""
        assert change.preset is not None
        await self._client.set_preset(change.preset)

    @property
    def configured_pool(self) -> MinerPool | None:
        """Return the user pool with the first priority (the lowest id the firmware lists)."""
        pools = self.summary.pools
        first = min(pools, key=lambda pool: pool.id, default=None)
        return None if first is None else MinerPool(first.url, None, first.user)

    async def _send_pool_route(self, route: PoolRoute) -> PoolChange:
        """Put the route first and keep the user's pools after it, then restart mining when the firmware asks."""
        current = await self._client.pool_settings()
        if current and route.matches(MinerPool(current[0].url, None, current[0].user)):
            return PoolChange.UNCHANGED
        own = await self.own_pool.async_get()
        if own is None and current and not route.same_pool(current[0].url):
            own = {"pools": [asdict(pool) for pool in current]}
            await self.own_pool.async_remember(own)
        users = [pool for pool in (_pools_of(own) if own else current) if not route.same_pool(pool.url)]
        first = VNishPoolSetting(route.address, route.user, route.password, 0)
        kept = [replace(pool, order=order) for order, pool in enumerate(users[: MAX_POOLS - 1], start=1)]
        await self._send_pools([first, *kept])
        return PoolChange.ROUTED

    async def _send_own_pool(self) -> PoolChange:
        """Write the remembered pools back as they were, then restart mining when the firmware asks."""
        own = await self.own_pool.async_get()
        assert own is not None
        pools = _pools_of(own)
        back = _same_pools(await self._client.pool_settings(), pools)
        if not back:
            await self._send_pools(pools)
        await self.own_pool.async_forget()
        return PoolChange.UNCHANGED if back else PoolChange.RETURNED

    async def _send_pools(self, pools: list[VNishPoolSetting]) -> None:
        """Write the pools (confirmed by reading them back) and restart mining if they need it."""
        if await self._client.set_pools(pools):
            await self._client.restart()

    async def async_restart(self) -> None:
        """Restart the mining software."""
        await self.async_write(self._client.restart)

    async def async_reboot(self) -> None:
        """Reboot the control board."""
        await self.async_write(self._client.reboot)

    async def async_toggle_locate(self) -> None:
        """Flip the locate light relative to the state just read."""
        await self.async_write(lambda: self._client.set_locate(not self.data.status.find_miner))
