"""The miner coordinator base: readings every behaviour relies on, and the one write path."""

from __future__ import annotations

from abc import abstractmethod
import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, ClassVar

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import CONF_HOST
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers.device_registry import format_mac
from homeassistant.helpers.update_coordinator import UpdateFailed

from ..api.errors import (
    ApiBadRequestError,
    ApiConnectionError,
    ApiError,
    ApiInvalidCredentialsError,
    ApiKeyRequiredError,
    ApiNotLocalError,
)
from ..const import DOMAIN, LOGGER, SCAN_INTERVAL
from ..coordinator import MiningFleetCoordinator
from ..logic.guard import Limits
from ..logic.pool_route import MinerPool, PoolChange, PoolRoute
from ..logic.tuning import Tuning, changes
from ..tuning.controller import MinerTuning
from .own_pool import OwnPoolMemory


def api_error_key(err: ApiError) -> str:
    """Return the translation key that explains an API error to the user."""
    if isinstance(err, ApiKeyRequiredError):
        return "api_key_required"
    if isinstance(err, ApiNotLocalError):
        return "not_local"
    if isinstance(err, ApiInvalidCredentialsError):
        return "invalid_auth"
    if isinstance(err, ApiConnectionError):
        return "cannot_connect"
    return "unexpected_response"


def action_error(err: ApiError, name: str) -> HomeAssistantError:
    """Return the translated error for a failed command to the named miner."""
    key = "rejected" if isinstance(err, ApiBadRequestError) else api_error_key(err)
    return HomeAssistantError(
        translation_domain=DOMAIN,
        translation_key=f"action_{key}",
        translation_placeholders={"name": name, "error": str(err)},
    )


def identities(mac_address: str | None, serial: str | None) -> set[str]:
    """Return every id an entry for a device may have: its MAC address and its serial number."""
    return {identity for identity in (format_mac(mac_address) if mac_address else None, serial) if identity}


class MinerCoordinator[DataT](MiningFleetCoordinator[DataT]):
    """Poll one miner; subclasses know its protocol, every command goes through async_write."""

    # What a large farm keeps of each miner (the fleet overview's "essential entities only"): at
    # hundreds of miners every entity costs Home Assistant about 24 KB, whatever it shows. Every kind
    # adds its own problem and temperature entities. The tuning profile stays: the time-of-use
    # blueprint finds each miner's active profile on it; energy feeds the Energy dashboard.
    essential_keys: ClassVar[frozenset[str]] = frozenset(
        {"online", "hashrate", "power", "efficiency", "energy", "mining", "tuning_profile"}
    )

    def __init__(self, hass: HomeAssistant, entry: ConfigEntry[Any]) -> None:
        """Poll at the shared interval."""
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=f"{entry.title} ({entry.data[CONF_HOST]})",
            update_interval=SCAN_INTERVAL,
        )
        self.device_id: str | None = None
        self.essential_only = False
        # One command at a time per miner: an entity, a service and a behaviour never interleave.
        self._write_lock = asyncio.Lock()
        self.tuning = MinerTuning(self)
        self.own_pool = OwnPoolMemory(hass, entry.entry_id)

    def adds(self, key: str) -> bool:
        """Return whether the miner gets the entity with this key: every one, or only the essential ones."""
        return not self.essential_only or key in self.essential_keys

    @property
    def host(self) -> str:
        """Return the miner's address."""
        return str(self.config_entry.data[CONF_HOST])

    @property
    def name_for_user(self) -> str:
        """Return the name messages about this miner use."""
        return self.config_entry.title

    def update_failed(self, err: ApiError) -> UpdateFailed:
        """Return a translated UpdateFailed explaining a client error."""
        return UpdateFailed(
            translation_domain=DOMAIN,
            translation_key=api_error_key(err),
            translation_placeholders={"host": self.host, "error": str(err)},
        )

    def identity_problem(self, mac_address: str | None, serial: str | None) -> str | None:
        """Return why a reply cannot be trusted as this entry's miner, or None when it can.

        The entry's unique id is the miner's MAC address (or, without one, its serial number);
        a reply naming another device, or no device at all, is not this miner's.
        """
        seen = identities(mac_address, serial)
        if not seen:
            return "no_identity"
        return None if self.config_entry.unique_id in seen else "wrong_device"

    def refuse_foreign_data(self, mac_address: str | None, serial: str | None) -> None:
        """Fail the poll when another device (or one that does not say) answers at the address."""
        if (problem := self.identity_problem(mac_address, serial)) is not None:
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key=problem,
                translation_placeholders={"host": self.host},
            )

    async def async_write(self, command: Callable[[], Awaitable[Any]]) -> None:
        """Send a command to the miner: the one path every entity, service and behaviour writes through.

        The miner's identity is confirmed first, from a fresh read: a command meant for this
        miner (and checked against its model's limits) never reaches a device that replaced it
        at the same address. A refusal becomes a translated error naming the miner; success is
        followed by a fresh poll so the entities show the miner's new state at once.
        """
        async with self._write_lock:
            try:
                if (problem := self.identity_problem(*await self._async_read_identity())) is not None:
                    raise HomeAssistantError(
                        translation_domain=DOMAIN,
                        translation_key=f"action_{problem}",
                        translation_placeholders={"name": self.name_for_user, "host": self.host},
                    )
                await command()
            except ApiError as err:
                raise action_error(err, self.name_for_user) from err
        await self.async_refresh()

    @abstractmethod
    async def _async_read_identity(self) -> tuple[str | None, str | None]:
        """Read the MAC address and serial number the device at the address reports now."""

    @abstractmethod
    async def _async_read_tuning(self) -> Tuning | None:
        """Read the settings the miner runs now (after _async_read_identity, inside the write lock)."""

    async def async_set_mining(self, on: bool) -> None:
        """Start or stop hashing."""
        await self.async_write(lambda: self._send_mining(on))

    def check_tuning(self, tuning: Tuning) -> None:
        """Raise a translated ServiceValidationError unless the tuning is within the safe options and limits."""
        self._check_tuning(tuning)
        limits = self.tuning.limits
        if (
            tuning.preset is not None
            and limits.max_power_w is not None
            and self.expected_power(tuning) is None
        ):
            # A preset that does not name its watts (VNish "disabled", stock) could draw anything.
            raise self._refused("power_unknown", preset=tuning.preset, limit=str(limits.max_power_w))
        for setting, value, limit in (
            ("core_voltage", tuning.core_voltage_mv, limits.max_voltage_mv),
            ("frequency", tuning.frequency_mhz, limits.max_frequency_mhz),
            ("power", self.expected_power(tuning), limits.max_power_w),
        ):
            if value is not None and limit is not None and value > limit:
                raise self._refused("value_above_limit", setting=setting, value=str(value), limit=str(limit))

    def _refused(self, key: str, **placeholders: str) -> ServiceValidationError:
        """Return a translated refusal naming this miner; nothing is sent."""
        return ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key=key,
            translation_placeholders={"name": self.name_for_user, **placeholders},
        )

    async def async_apply_tuning(self, tuning: Tuning) -> None:
        """Apply settings chosen by hand (an entity, set_tuning); an empty change sends nothing."""
        if not tuning.is_empty:
            await self.tuning.async_set_by_hand(tuning)

    async def async_send_tuning(self, tuning: Tuning, *, by_guard: bool = False) -> None:
        """Send tuning: the one write path for settings, where the limits and the safety guard are checked.

        Inside the write lock, after the identity check, the miner's settings are read afresh and
        only what differs is checked and sent: a step that lowers the frequency of a miner whose
        voltage was set above the limits elsewhere is still taken. While the guard holds the
        miner down, only its own steps and settings no harder than the miner runs now are sent;
        anything else waits for the guard to climb to it.
        """

        async def send() -> None:
            current = await self._async_read_tuning()
            change = changes(tuning, current)
            if change.is_empty:
                return
            self.check_tuning(change)
            held = self.tuning.guard.throttled and not by_guard
            if held and current is not None and not self.tuning_at_most(tuning, current):
                LOGGER.info("%s: held by the safety guard, not sent: %s", self.name_for_user, tuning)
                return
            await self._send_tuning(change, current)

        await self.async_write(send)

    def refusal(self, setting: str, value: object, allowed: str) -> ServiceValidationError:
        """Return the translated refusal of a value outside the miner's safe options; nothing is sent."""
        return self._refused("value_not_allowed", setting=setting, value=str(value), allowed=allowed)

    async def async_set_pool_route(self, route: PoolRoute | None) -> PoolChange:
        """Send the miner to mine on a route, or back on the user's own pool (None); one already there gets no write.

        The user's own pool settings are written to disk before the first switch, so the way back
        survives a restart of Home Assistant; they are dropped once the miner is back on them.
        The miner's settings are read afresh inside the write lock, so only a real change is sent.
        """
        if route is None and await self.own_pool.async_get() is None:
            return PoolChange.UNCHANGED
        change = PoolChange.UNCHANGED

        async def send() -> None:
            nonlocal change
            change = await (self._send_pool_route(route) if route is not None else self._send_own_pool())

        await self.async_write(send)
        return change

    def mines_on(self, route: PoolRoute) -> bool:
        """Return True when the last poll shows the miner set to mine on the route's pool as its worker."""
        return self.data is not None and route.matches(self.configured_pool)

    def mines_on_pool_of(self, route: PoolRoute) -> bool:
        """Return True when the last poll shows the miner set to mine on the route's pool, as any worker."""
        pool = self.configured_pool if self.data is not None else None
        return pool is not None and route.same_pool(pool.url, pool.port)

    @property
    @abstractmethod
    def configured_pool(self) -> MinerPool | None:
        """Return the pool the miner is set to mine on first, from the last poll."""

    @abstractmethod
    async def _send_pool_route(self, route: PoolRoute) -> PoolChange:
        """Remember the user's own pool, then send the route (inside the write lock, after the identity check)."""

    @abstractmethod
    async def _send_own_pool(self) -> PoolChange:
        """Put the remembered own pool back and forget it (inside the write lock, after the identity check)."""

    @property
    @abstractmethod
    def power(self) -> float | None:
        """Return the latest power draw in W."""

    @property
    @abstractmethod
    def hashrate(self) -> float | None:
        """Return the latest hashrate in TH/s, the one unit behaviours use for every miner."""

    @property
    def nominal_hashrate(self) -> float | None:
        """Return the hashrate the miner is rated for at its settings, in TH/s (None when it does not say)."""
        return None

    @property
    @abstractmethod
    def hottest_temperature(self) -> float | None:
        """Return the hottest chip temperature in °C."""

    @property
    @abstractmethod
    def is_mining(self) -> bool | None:
        """Return whether the miner is hashing (None when it cannot say)."""

    @property
    @abstractmethod
    def can_start_stop(self) -> bool:
        """Return whether this miner can be started and stopped remotely."""

    @property
    def firmware_fault(self) -> bool:
        """Return True while the firmware reports an overheat lock-out or a power fault."""
        return False

    def expected_power(self, tuning: Tuning) -> float | None:
        """Return the power a setting asks for where the firmware names it (a VNish preset's watts)."""
        return None

    # A profile may set the automatic fan's target temperature (Bitaxe).
    has_temperature_target = False

    @abstractmethod
    def profile_choices(self, limits: Limits) -> dict[str, list[tuple[int | str, str]]]:
        """Return per setting of a profile the allowed values within the limits, with their labels."""

    # The tuning ladder: what the miner runs, its default profiles and limits, and safe steps.
    max_temperature_cap: float = 90.0

    @abstractmethod
    def current_tuning(self) -> Tuning | None:
        """Return the operating point the miner runs now (None while unknown)."""

    @abstractmethod
    def default_profiles(self) -> dict[str, Tuning]:
        """Return the day and night profiles a miner starts with, from its model's options."""

    @abstractmethod
    def default_limits(self) -> Limits:
        """Return the model's limits: the defaults, and the ceiling for the user's."""

    @abstractmethod
    def tuning_ramp(self, start: Tuning, target: Tuning, limits: Limits, max_steps: int) -> list[Tuning]:
        """Return the safe steps from start to target within the limits, ending on target."""

    @abstractmethod
    def tuning_step_down(self, current: Tuning, limits: Limits) -> Tuning | None:
        """Return the next safer operating point, or None at the bottom."""

    @abstractmethod
    def tuning_at_most(self, tuning: Tuning, other: Tuning) -> bool:
        """Return True when tuning works the miner no harder than other."""

    @abstractmethod
    def safe_tuning(self) -> Tuning | None:
        """Return the miner's safest settings within its limits (None while its options are unknown)."""

    @abstractmethod
    def tuning_within(self, tuning: Tuning, limits: Limits) -> Tuning:
        """Return the hardest settings within the model's options and the limits that are no harder than tuning."""

    @abstractmethod
    async def async_restart(self) -> None:
        """Restart the mining software (the whole board where that is all the firmware offers)."""

    @abstractmethod
    async def _send_mining(self, on: bool) -> None:
        """Send start or stop; raise ApiError when the miner does not accept it."""

    @abstractmethod
    def _check_tuning(self, tuning: Tuning) -> None:
        """Raise ServiceValidationError unless every setting is one of the miner's safe options."""

    @abstractmethod
    async def _send_tuning(self, change: Tuning, current: Tuning | None) -> None:
        """Send checked settings (only those that change) to a miner running current."""
