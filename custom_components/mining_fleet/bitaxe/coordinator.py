"""The Bitaxe coordinator: polls AxeOS, keeps the model's safe limits, and sends only safe values."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
import math
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.device_registry import CONNECTION_NETWORK_MAC, DeviceInfo
from homeassistant.util import dt as dt_util

from ..api.axeos import AxeOSClient
from ..api.axeos_models import MAX_POOL_SLOTS, AsicInfo, PoolSettings, StratumPool, SystemInfo
from ..api.errors import ApiError, ApiResponseError
from ..const import DOMAIN
from ..logic.bitaxe_limits import MIN_SAFE_FAN_PERCENT, TEMPERATURE_TARGET_RANGE, ModelLimits, model_limits
from ..logic.guard import Limits, step_down
from ..logic.pool_route import MinerPool, PoolChange, PoolRoute
from ..logic.ramp import Point, plan_ramp
from ..logic.tuning import Tuning
from ..miner.coordinator import MinerCoordinator
from ..tuning.profiles import PROFILE_DAY, PROFILE_NIGHT

type BitaxeConfigEntry = ConfigEntry[BitaxeCoordinator]

# A reboot moves the computed boot time by the whole uptime; polling jitter moves it by a second.
_BOOT_TIME_TOLERANCE = timedelta(seconds=60)
# An uptime longer than this is junk (and would take the boot time before year 1).
_MAX_UPTIME_SECONDS = 100 * 365 * 24 * 3600
# The seed's rule: throttle a Bitaxe above 70 °C; a user may allow up to 80 °C, never more.
DEFAULT_MAX_TEMPERATURE_C = 70.0
MAX_TEMPERATURE_CAP_C = 80.0


@dataclass(frozen=True, slots=True)
class BitaxeData:
    """One poll of a Bitaxe, with the boot time kept stable between polls."""

    info: SystemInfo
    boot_time: datetime | None


def _point(tuning: Tuning, fallback: Tuning) -> Point:
    """Return a tuning's operating point, its unset settings taken from fallback."""
    return Point(
        tuning.core_voltage_mv if tuning.core_voltage_mv is not None else fallback.core_voltage_mv or 0,
        tuning.frequency_mhz if tuning.frequency_mhz is not None else fallback.frequency_mhz or 0,
    )


def _running(info: SystemInfo) -> Tuning | None:
    """Return the frequency and core voltage a reply says are set."""
    if info.frequency is None or info.core_voltage is None:
        return None
    return Tuning(frequency_mhz=round(info.frequency), core_voltage_mv=round(info.core_voltage))


def _miner_pool(pool: StratumPool | None) -> MinerPool | None:
    """Return an AxeOS pool in the form every miner reports."""
    return None if pool is None else MinerPool(pool.url, pool.port, pool.user)


def _own_pool_record(info: SystemInfo) -> dict[str, Any]:
    """Return what must be remembered to put the user's own pool back: its slots (2.15+) and the pool itself.

    On 2.15+ the user's slots are never written, so their indexes are enough; the pool is kept
    too, to tell when the miner is back on it and for firmware that no longer has slots.
    """
    pool = info.configured_pool
    assert pool is not None
    record: dict[str, Any] = {"url": pool.url, "port": pool.port, "user": pool.user}
    if info.has_pool_slots and info.primary_pool_index is not None:
        secondary = info.secondary_pool_index
        record |= {
            "primary": info.primary_pool_index,
            "secondary": secondary if secondary is not None else info.primary_pool_index,
        }
    return record


def _free_slot(info: SystemInfo, route: PoolRoute, taken: set[int]) -> int | None:
    """Return the slot for the route: one already holding its pool, else an empty or unlisted one, never the user's."""
    free = [slot for slot in info.pool_slots if slot.id not in taken]
    same = [slot.id for slot in free if slot.pool and route.same_pool(slot.pool.url, slot.pool.port)]
    empty = [slot.id for slot in free if slot.pool is None]
    listed = {slot.id for slot in info.pool_slots} | taken
    unlisted = [index for index in range(MAX_POOL_SLOTS) if index not in listed]
    return next(iter(same + empty + unlisted), None)


def _tuning(point: Point) -> Tuning:
    """Return an operating point as tuning."""
    return Tuning(frequency_mhz=point.frequency_mhz, core_voltage_mv=point.voltage_mv)


class BitaxeCoordinator(MinerCoordinator[BitaxeData]):
    """Poll one Bitaxe's /api/system/info."""

    max_temperature_cap = MAX_TEMPERATURE_CAP_C
    has_temperature_target = True
    essential_keys = MinerCoordinator.essential_keys | {"hardware_fault", "overheat", "asic_temperature"}

    def __init__(self, hass: HomeAssistant, entry: BitaxeConfigEntry) -> None:
        """Create the coordinator and its client on Home Assistant's shared session."""
        super().__init__(hass, entry)
        self._client = AxeOSClient(self.host, async_get_clientsession(hass))
        self.asic: AsicInfo | None = None
        self.limits: ModelLimits | None = None
        # The reply read by the last write's identity check: what the miner runs right now.
        self._fresh: SystemInfo | None = None

    async def _async_setup(self) -> None:
        """Read the model's option lists once; they never change while the miner runs."""
        try:
            self.asic = await self._client.asic()
        except ApiError as err:
            raise self.update_failed(err) from err

    async def _async_update_data(self) -> BitaxeData:
        """Fetch telemetry; every failure becomes a translated UpdateFailed."""
        try:
            info = await self._client.info()
        except ApiError as err:
            raise self.update_failed(err) from err
        self.refuse_foreign_data(info.mac_address, None)
        if self.limits is None:
            self.limits = model_limits(self.asic, info.asic_model, info.board_version)
        return BitaxeData(info=info, boot_time=self._boot_time(info))

    async def _async_read_identity(self) -> tuple[str | None, str | None]:
        """Read the MAC address the Bitaxe reports now (it has no serial number)."""
        self._fresh = await self._client.info()
        return self._fresh.mac_address, None

    async def _async_read_tuning(self) -> Tuning | None:
        """Return the settings in the reply the identity check just read."""
        return _running(self._fresh) if self._fresh else None

    def _boot_time(self, info: SystemInfo) -> datetime | None:
        """Return now minus uptime, keeping the previous value unless it moved (a reboot)."""
        if info.uptime_seconds is None or not 0 <= info.uptime_seconds <= _MAX_UPTIME_SECONDS:
            return None
        boot_time = dt_util.utcnow() - timedelta(seconds=info.uptime_seconds)
        previous = self.data.boot_time if self.data else None
        if previous and abs(boot_time - previous) < _BOOT_TIME_TOLERANCE:
            return previous
        return boot_time.replace(microsecond=0)

    @property
    def info(self) -> SystemInfo:
        """Return the latest telemetry."""
        return self.data.info

    @property
    def device_info(self) -> DeviceInfo:
        """Return model, board, firmware and MAC."""
        info, unique_id = self.info, str(self.config_entry.unique_id)
        model = self.asic.device_model if self.asic else None
        return DeviceInfo(
            identifiers={(DOMAIN, unique_id)},
            connections={(CONNECTION_NETWORK_MAC, unique_id)},
            manufacturer="Bitaxe",
            model=" ".join(filter(None, [model, info.asic_model])) or "Bitaxe",
            model_id=info.board_version,
            name=info.hostname or self.config_entry.title,
            sw_version=info.firmware,
            configuration_url=self._client.base_url,
        )

    @property
    def power(self) -> float | None:
        """Return the latest power draw."""
        return self.info.power

    @property
    def hashrate(self) -> float | None:
        """Return the 1-minute average (the instantaneous value where older firmware lacks it) in TH/s."""
        gigahashes = self.info.hashrate_1m if self.info.hashrate_1m is not None else self.info.hashrate
        return None if gigahashes is None else gigahashes / 1000

    @property
    def nominal_hashrate(self) -> float | None:
        """Return the hashrate AxeOS expects at the current frequency, in TH/s."""
        gigahashes = self.info.expected_hashrate
        return None if gigahashes is None else gigahashes / 1000

    @property
    def hottest_temperature(self) -> float | None:
        """Return the hotter of the ASIC temperature sensors."""
        readings = [t for t in (self.info.asic_temperature, self.info.asic_temperature_2) if t is not None]
        return max(readings, default=None)

    @property
    def is_mining(self) -> bool | None:
        """Return False while paused; firmware without pause mines whenever it reports hashrate."""
        if (paused := self.info.mining_paused) is not None:
            return not paused
        return None if self.info.hashrate is None else self.info.hashrate > 0

    @property
    def can_start_stop(self) -> bool:
        """Return True on AxeOS 2.14+ (pause/resume)."""
        return self.info.supports_pause

    async def _send_mining(self, on: bool) -> None:
        """Resume or pause hashing."""
        await (self._client.resume() if on else self._client.pause())

    @property
    def firmware_fault(self) -> bool:
        """Return True while the firmware's overheat lock-out or a power or hardware fault is on."""
        return bool(self.info.overheat or self.info.fault)

    def current_tuning(self) -> Tuning | None:
        """Return the frequency and core voltage set at the last poll."""
        return _running(self.info) if self.data is not None else None

    def default_profiles(self) -> dict[str, Tuning]:
        """Return night on the model's default point and day one frequency option below it."""
        if (limits := self.limits) is None:
            return {}
        lower = [f for f in limits.frequency_options if f < limits.default_frequency]
        night = Tuning(frequency_mhz=limits.default_frequency, core_voltage_mv=limits.default_voltage)
        day = Tuning(
            frequency_mhz=max(lower, default=limits.default_frequency), core_voltage_mv=limits.default_voltage
        )
        return {PROFILE_DAY: day, PROFILE_NIGHT: night}

    def default_limits(self) -> Limits:
        """Return the model's highest options, the seed's 70 °C and the board's own power limit."""
        limits = self.limits
        return Limits(
            max_temperature_c=DEFAULT_MAX_TEMPERATURE_C,
            max_power_w=self.info.max_power if self.data else None,
            max_voltage_mv=max(limits.voltage_options) if limits else None,
            max_frequency_mhz=max(limits.frequency_options) if limits else None,
        )

    def _options(self, limits: Limits) -> tuple[list[int], list[int]]:
        """Return the voltage and frequency options within the limits."""
        model = self.limits
        voltages = [v for v in (model.voltage_options if model else ()) if v <= (limits.max_voltage_mv or v)]
        frequencies = [
            f for f in (model.frequency_options if model else ()) if f <= (limits.max_frequency_mhz or f)
        ]
        return voltages, frequencies

    def profile_choices(self, limits: Limits) -> dict[str, list[tuple[int | str, str]]]:
        """Return the core voltages and frequencies within the limits."""
        voltages, frequencies = self._options(limits)
        return {
            "core_voltage_mv": [(v, f"{v} mV") for v in voltages],
            "frequency_mhz": [(f, f"{f} MHz") for f in frequencies],
        }

    def tuning_ramp(self, start: Tuning, target: Tuning, limits: Limits, max_steps: int) -> list[Tuning]:
        """Return the steps along the allowed options; the last one carries the fan's target temperature."""
        voltages, frequencies = self._options(limits)
        points = plan_ramp(_point(start, start), _point(target, start), voltages, frequencies, max_steps)
        steps = [_tuning(point) for point in points]
        if steps and target.temperature_target_c is not None:
            steps[-1] = Tuning(
                steps[-1].frequency_mhz,
                steps[-1].core_voltage_mv,
                temperature_target_c=target.temperature_target_c,
            )
        return steps

    def tuning_step_down(self, current: Tuning, limits: Limits) -> Tuning | None:
        """Return the next lower frequency option, or at the lowest, the next lower voltage."""
        lower = step_down(_point(current, current), *self._options(limits))
        return None if lower is None else _tuning(lower)

    def tuning_at_most(self, tuning: Tuning, other: Tuning) -> bool:
        """Return True when neither frequency nor voltage is above other's."""
        point, ceiling = _point(tuning, other), _point(other, other)
        return point.voltage_mv <= ceiling.voltage_mv and point.frequency_mhz <= ceiling.frequency_mhz

    def _check_tuning(self, tuning: Tuning) -> None:
        """Allow only frequencies and voltages from the model's safe options (none when unknown)."""
        if tuning.preset is not None:
            raise self.refusal("preset", tuning.preset, "none (a Bitaxe has no presets)")
        limits = self.limits
        for setting, value, allowed in (
            ("frequency", tuning.frequency_mhz, limits.frequency_options if limits else ()),
            ("core_voltage", tuning.core_voltage_mv, limits.voltage_options if limits else ()),
        ):
            if value is not None and value not in allowed:
                raise self.refusal(setting, value, ", ".join(map(str, allowed)) or "none")
        if (target := tuning.temperature_target_c) is not None:
            self._require_range("temperature_target", target, TEMPERATURE_TARGET_RANGE)

    def safe_tuning(self) -> Tuning | None:
        """Return the lowest frequency at the default voltage (or the highest the limits allow below it)."""
        voltages, frequencies = self._options(self.tuning.limits)
        if self.limits is None or not voltages or not frequencies:
            return None
        voltage = max((v for v in voltages if v <= self.limits.default_voltage), default=min(voltages))
        return Tuning(frequency_mhz=min(frequencies), core_voltage_mv=voltage)

    def tuning_within(self, tuning: Tuning, limits: Limits) -> Tuning:
        """Return the highest options within the limits at or below the tuning's voltage and frequency."""
        voltages, frequencies = self._options(limits)
        point = _point(tuning, tuning)
        return Tuning(
            frequency_mhz=max(
                (f for f in frequencies if f <= point.frequency_mhz), default=min(frequencies, default=0)
            ),
            core_voltage_mv=max(
                (v for v in voltages if v <= point.voltage_mv), default=min(voltages, default=0)
            ),
            temperature_target_c=tuning.temperature_target_c,
        )

    async def _send_tuning(self, change: Tuning, current: Tuning | None) -> None:
        """Send frequency and core voltage one at a time, in the order that never under-volts the chip.

        Raising goes voltage first, lowering frequency first; one write with both would leave the
        order to the firmware. The fan's target temperature follows once the chip is on its point.
        """
        frequency, voltage = change.frequency_mhz, change.core_voltage_mv
        if frequency is not None and voltage is not None and current is not None:
            start = _point(current, current)
            previous = start
            for point in plan_ramp(start, Point(voltage, frequency), [voltage], [frequency]):
                if point.voltage_mv != previous.voltage_mv:
                    await self._client.apply_tuning(core_voltage=point.voltage_mv)
                else:
                    await self._client.apply_tuning(frequency=point.frequency_mhz)
                previous = point
        elif frequency is not None or voltage is not None:
            await self._client.apply_tuning(frequency=frequency, core_voltage=voltage)
        if change.temperature_target_c is not None:
            await self._client.set_temperature_target(change.temperature_target_c)

    @property
    def configured_pool(self) -> MinerPool | None:
        """Return the pool the Bitaxe is set to mine on first."""
        return _miner_pool(self.info.configured_pool)

    async def _send_pool_route(self, route: PoolRoute) -> PoolChange:
        """Write the route into a free slot and make it primary (2.15+), or into the pool keys (up to 2.14), then restart."""
        info = self._fresh
        assert info is not None
        if route.matches(_miner_pool(info.configured_pool)):
            return PoolChange.UNCHANGED
        own = await self.own_pool.async_get()
        current = info.configured_pool
        first_switch = own is None and current is not None and not route.same_pool(current.url, current.port)
        if first_switch:
            own = _own_pool_record(info)
        slot = self._route_slot(info, route, own or {}) if info.has_pool_slots else None
        if first_switch and own is not None:
            await self.own_pool.async_remember(own)
        pool = PoolSettings(route.host, route.port, route.user, route.password)
        if slot is not None:
            # The user's own pool is the fallback: if the subnet's pool is down, the miner still earns.
            own_primary = (own or {}).get("primary", info.primary_pool_index or 0)
            await self._client.set_pool_slot(slot, pool, primary=slot, secondary=own_primary)
        else:
            # The stored password is left alone: AxeOS never shows it, so it could not be put back.
            await self._client.set_primary_pool(route.host, route.port, route.user, None)
        await self._confirm_pool(MinerPool(route.host, route.port, route.user))
        await self._client.restart()
        return PoolChange.ROUTED

    def _route_slot(self, info: SystemInfo, route: PoolRoute, own: dict[str, Any]) -> int:
        """Return the slot the route goes into (never one of the user's two), refusing when none is free."""
        own_primary = own.get("primary", info.primary_pool_index or 0)
        if (slot := _free_slot(info, route, {own_primary, own.get("secondary", own_primary)})) is None:
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="no_free_pool_slot",
                translation_placeholders={"name": self.name_for_user},
            )
        return slot

    async def _send_own_pool(self) -> PoolChange:
        """Make the user's slots primary and fallback again (2.15+), or write the remembered pool back, then restart."""
        info, own = self._fresh, await self.own_pool.async_get()
        assert info is not None and own is not None
        pool = MinerPool(str(own.get("url", "")), own.get("port"), str(own.get("user", "")))
        primary, secondary = own.get("primary"), own.get("secondary")
        if info.has_pool_slots and isinstance(primary, int) and isinstance(secondary, int):
            back = (info.primary_pool_index, info.secondary_pool_index) == (primary, secondary)
            if not back:
                await self._client.set_pool_indices(primary=primary, secondary=secondary)
        else:
            back = pool.same_as(_miner_pool(info.configured_pool))
            if not back:
                await self._client.set_primary_pool(pool.url, pool.port or 0, pool.user, None)
        if not back:
            await self._confirm_pool(pool)
            await self._client.restart()
        await self.own_pool.async_forget()
        return PoolChange.UNCHANGED if back else PoolChange.RETURNED

    async def _confirm_pool(self, expected: MinerPool) -> None:
        """Read the pool settings back: firmware that ignores a form (2.15+ drops the top-level keys) must not pass."""
        stored = _miner_pool((await self._client.info()).configured_pool)
        if not expected.same_as(stored):
            raise ApiResponseError(f"{self.host} kept pool {stored} instead of {expected}")

    async def async_set_fan_speed(self, percent: float) -> None:
        """Switch to manual fan control at a duty between the safe floor and 100 %."""
        duty = self._require_range("fan_speed", percent, (MIN_SAFE_FAN_PERCENT, 100))
        await self.async_write(lambda: self._client.set_fan_speed(duty))

    async def async_set_auto_fan(self, enabled: bool) -> None:
        """Turn automatic fan control on, or off at a manual duty no lower than the safe floor.

        Switching automatic control off alone would leave the fan at whatever manual duty the
        miner has stored, which can be far below what keeps the chip cool.
        """
        if enabled:
            await self.async_write(lambda: self._client.set_auto_fan(True))
            return
        stored = self.info.manual_fan_speed if self.info.manual_fan_speed is not None else self.info.fan_duty
        duty = min(100, max(MIN_SAFE_FAN_PERCENT, round(stored or MIN_SAFE_FAN_PERCENT)))
        await self.async_write(lambda: self._client.set_fan_speed(duty))

    async def async_set_temperature_target(self, celsius: float) -> None:
        """Set the automatic fan controller's target temperature."""
        target = self._require_range("temperature_target", celsius, TEMPERATURE_TARGET_RANGE)
        await self.async_write(lambda: self._client.set_temperature_target(target))

    async def async_restart(self) -> None:
        """Reboot the miner."""
        await self.async_write(self._client.restart)

    async def async_identify(self) -> None:
        """Make the miner show itself."""
        await self.async_write(self._client.identify)

    async def async_clear_overheat(self) -> None:
        """Clear the firmware's overheat lock-out."""
        await self.async_write(self._client.clear_overheat)

    def _require_range(self, setting: str, value: float, bounds: tuple[int, int]) -> int:
        """Return value as a whole number, refusing anything outside bounds (or not a number)."""
        if not math.isfinite(value) or not bounds[0] <= round(value) <= bounds[1]:
            raise self.refusal(setting, value, f"{bounds[0]} to {bounds[1]}")
        return round(value)
