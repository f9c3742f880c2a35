"""One watched rig: reads its witnesses, decides, and restarts or power-cycles it, durably and guarded."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Mapping
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any, cast

from homeassistant.config_entries import ConfigEntry, ConfigSubentry
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import device_registry as dr, issue_registry as ir
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.event import async_call_later
from homeassistant.util import dt as dt_util
from homeassistant.util.hass_dict import HassKey

from ..api.errors import ApiConnectionError, ApiError
from ..api.outlets import OutletState
from ..const import DOMAIN, EVENT_POWER_CYCLE, LOGGER
from ..coordinator import MiningFleetCoordinator
from ..logic.watchdog import (
    Action,
    Phase,
    Verdict,
    WatchSettings,
    WatchState,
    decide,
    offline_verdict,
    phase_of,
)
from .outlet import CONF_OUTLET, RigOutlet, describe_outlet
from .store import RigRecord, WatchdogStore
from .witness import WitnessReader

# The witnesses change once a minute at most (pools) and the shortest offline time is minutes.
CHECK_INTERVAL = timedelta(seconds=30)
# A power cycle by hand is refused this soon after the previous one: relays and power supplies
# suffer from rapid cycling, and a double click should not cycle a rig twice.
MIN_SECONDS_BETWEEN_CYCLES = 60
# After this many failed attempts to switch an outlet back on, a repair issue says so (the
# attempts go on at every check).
POWER_ON_ATTEMPTS = 3

CONF_TIME_UNTIL_OFFLINE = "time_until_offline"
CONF_COOLDOWN = "cooldown"
CONF_MAX_RESTARTS = "max_consecutive_restarts"
CONF_POWER_OFF_SECONDS = "power_off_seconds"

# Every loaded rig by subentry id, for the services.
RIGS: HassKey[dict[str, RigWatchdog]] = HassKey(f"{DOMAIN}_rigs")


def settings_of(data: Mapping[str, Any]) -> WatchSettings:
    """Return a rig's settings from its subentry data (seconds)."""
    defaults = WatchSettings()
    return WatchSettings(
        time_until_offline=float(data.get(CONF_TIME_UNTIL_OFFLINE, defaults.time_until_offline)),
        cooldown=float(data.get(CONF_COOLDOWN, defaults.cooldown)),
        max_consecutive_restarts=int(data.get(CONF_MAX_RESTARTS, defaults.max_consecutive_restarts)),
        power_off_seconds=float(data.get(CONF_POWER_OFF_SECONDS, defaults.power_off_seconds)),
    )


@dataclass(frozen=True, slots=True)
class RigSnapshot:
    """What the rig's entities show."""

    verdict: Verdict
    outlet: OutletState | None


def raise_issue(hass: HomeAssistant, issue_id: str, key: str, placeholders: dict[str, str]) -> None:
    """Raise one of the watchdog's repair issues (errors the user has to look at)."""
    ir.async_create_issue(
        hass,
        DOMAIN,
        issue_id,
        is_fixable=False,
        severity=ir.IssueSeverity.ERROR,
        translation_key=key,
        translation_placeholders=placeholders,
    )


def _now() -> float:
    """Return the time in unix seconds (Home Assistant's clock, which tests can move)."""
    return dt_util.utcnow().timestamp()


class RigWatchdog(MiningFleetCoordinator[RigSnapshot]):
    """Watch one rig every 30 s and act on the pure rules in logic/watchdog.py."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ConfigEntry[Any],
        subentry: ConfigSubentry,
        store: WatchdogStore,
        outlet: RigOutlet,
    ) -> None:
        """Restore the rig's durable state."""
        super().__init__(
            hass, LOGGER, config_entry=entry, name=subentry.title, update_interval=CHECK_INTERVAL
        )
        self.subentry = subentry
        self.settings = settings_of(subentry.data)
        self.witness = WitnessReader(hass, subentry.data)
        self._outlet = outlet
        self._store = store
        self._record = store.get(subentry.subentry_id)
        self._outlet_state: OutletState | None = None
        self._task: asyncio.Task[None] | None = None
        # The pending "switch the outlet back on" of a power cycle: a timer, not a sleeping task,
        # so nothing waits on it and stopping Home Assistant can run it at once.
        self._power_on_later: CALLBACK_TYPE | None = None
        self._power_on_failures = 0
        # Held while the outlet is commanded: a check, a cycle by hand and a stop never interleave.
        self._outlet_lock = asyncio.Lock()
        self._cycle_reason = ""
        self._doing: Action | None = None
        self._stopping = False

    @property
    def rig_id(self) -> str:
        """Return the subentry id that names this rig everywhere."""
        return self.subentry.subentry_id

    @property
    def unique_id_base(self) -> str:
        """Return the stable prefix of the rig's entity unique ids."""
        return f"rig_{self.rig_id}"

    @property
    def device_info(self) -> DeviceInfo:
        """Return the rig's own device, connected via its miner's or its worker's device."""
        info = DeviceInfo(
            identifiers={(DOMAIN, self.unique_id_base)},
            name=self.subentry.title,
            manufacturer="Mining Fleet",
            model="Watched rig",
        )
        if (via := self.witness.device_identifier()) is not None:
            info["via_device"] = (DOMAIN, via)
        return info

    @property
    def snapshot(self) -> RigSnapshot | None:
        """Return the latest snapshot (None until the first check has run)."""
        return cast(RigSnapshot | None, self.data)

    @property
    def state(self) -> WatchState:
        """Return the rig's counters and last action."""
        return self._record.state

    @property
    def paused(self) -> bool:
        """Return True while watching is paused for maintenance."""
        return self._record.paused

    @property
    def busy(self) -> bool:
        """Return True while a restart or power cycle runs."""
        running = self._task is not None and not self._task.done()
        return running or self._power_on_later is not None or self._outlet_lock.locked()

    @property
    def outlet_name(self) -> str:
        """Return the outlet as the user knows it."""
        return describe_outlet(self.subentry.data[CONF_OUTLET])

    def device_id(self) -> str | None:
        """Return the rig device's registry id."""
        device = dr.async_get(self.hass).async_get_device(identifiers={(DOMAIN, self.unique_id_base)})
        return device.id if device else None

    async def async_start(self) -> None:
        """Switch an outlet back on that we left off when Home Assistant stopped, then watch."""
        if self._record.outlet_off_since is not None:
            LOGGER.warning(
                "%s: its outlet was left off when Home Assistant stopped; switching it on", self.name
            )
            self._start(Action.POWER_CYCLE, self._finish_cycle("home_assistant_restarted"))
        await self.async_refresh()

    async def async_power_on_before_stop(self) -> None:
        """Finish a power cycle now (outlet on) rather than leave the rig off while Home Assistant stops."""
        self._stopping = True  # from now on nothing new starts
        while self.busy:
            async with self._outlet_lock:  # a switch-off in progress has scheduled its power-on by then
                if self._power_on_later is not None:
                    self._power_on_later()
                    self._power_on_later = None
                    self._start(
                        Action.POWER_CYCLE, self._finish_cycle(self._cycle_reason), even_when_stopping=True
                    )
            if self._task is not None and not self._task.done():
                await asyncio.shield(self._task)

    async def async_shutdown(self) -> None:
        """Let a running power cycle end with the outlet on, then stop."""
        await self.async_power_on_before_stop()
        await super().async_shutdown()
        await self._outlet.close()

    async def _async_update_data(self) -> RigSnapshot:
        """Read the outlet and the witnesses, decide, and start what the rules say."""
        now = _now()
        self._outlet_state = await self._read_outlet()
        verdict = offline_verdict(self.witness.read(now), self.settings)
        if self.busy or self._stopping:  # an action runs (it refreshes when done), or Home Assistant stops
            return RigSnapshot(verdict, self._outlet_state)
        if self._record.outlet_off_since is not None:
            async with self._outlet_lock:  # a previous attempt failed: keep trying, on every check
                await self._power_on()
        elif not self.paused and self._outlet_state is not None and self._outlet_state.on:
            await self._decide(verdict, now)
        return RigSnapshot(verdict, self._outlet_state)

    @property
    def phase(self) -> Phase:
        """Return what the watchdog is doing now."""
        outlet = None if self.snapshot is None else self.snapshot.outlet
        return phase_of(
            self.state,
            self.settings,
            _now(),
            paused=self.paused,
            cycling=self.busy or self._record.outlet_off_since is not None,
            restarting=self._doing is Action.SOFT_RESTART and self.busy,
            outlet_on=None if outlet is None else outlet.on,
        )

    async def _read_outlet(self) -> OutletState | None:
        """Return the outlet's state, or None when it cannot be read now."""
        try:
            return await self._outlet.state()
        except ApiError as err:
            LOGGER.debug("%s: cannot read the outlet %s: %s", self.name, self.outlet_name, err)
            return None

    async def _decide(self, verdict: Verdict, now: float) -> None:
        """Apply the rules; an outlet switched off by someone else is left alone (by the caller)."""
        gave_up_before = self.state.gave_up
        action, state = decide(verdict, self.state, self.settings, now, api_answers=self.witness.api_answers)
        if state != self.state:
            await self._save(replace(self._record, state=state))
        if gave_up_before and not state.gave_up:
            ir.async_delete_issue(self.hass, DOMAIN, self._issue_id("gave_up"))
        reason = str(verdict.reason or "")
        if action is Action.SOFT_RESTART:
            self._start(action, self._soft_restart(reason))
        elif action is Action.POWER_CYCLE:
            self._start(action, self._power_cycle(reason, self.settings.power_off_seconds))
        elif action is Action.GIVE_UP:
            self._give_up(reason)

    def _start(
        self, action: Action, job: Coroutine[Any, Any, None], *, even_when_stopping: bool = False
    ) -> None:
        """Run a restart or power cycle as a task Home Assistant waits for when it stops (none once it stops)."""
        if self._stopping and not even_when_stopping:
            job.close()
            return
        self._doing = action
        self._task = self.config_entry.async_create_task(self.hass, job, f"{DOMAIN} watchdog {self.name}")

    async def _soft_restart(self, reason: str) -> None:
        """Restart the mining software through the miner's own API."""
        miner = self.witness.miner()
        outcome = "ok"
        try:
            if miner is None:
                raise HomeAssistantError(f"{self.name}: the miner is not loaded")
            await miner.async_restart()
        except HomeAssistantError as err:
            LOGGER.warning("%s: the software restart failed: %s", self.name, err)
            outcome = "failed"
        self._fire(Action.SOFT_RESTART, reason, outcome)

    async def _power_cycle(self, reason: str, off_seconds: float) -> None:
        """Switch the outlet off and schedule switching it on; the off state is on disk before the command."""
        async with self._outlet_lock:
            if (
                self._stopping
                or self._power_on_later is not None
                or self._record.outlet_off_since is not None
            ):
                return  # Home Assistant is stopping, or a power cycle by hand got there first
            try:
                await self._switch_off()
            except ApiError as err:
                LOGGER.warning("%s: cannot switch off %s: %s", self.name, self.outlet_name, err)
                self._fire(Action.POWER_CYCLE, reason, "outlet_unreachable")
                return
            self._schedule_power_on(reason, off_seconds)

    async def _switch_off(self) -> None:
        """Record the outlet as off (durably, with how to reach it), then switch it off.

        When the command fails the outlet is switched on again (it may have gone off before the
        reply was lost) and the error is raised.
        """
        await self._save(
            replace(self._record, outlet_off_since=_now(), outlet=dict(self.subentry.data[CONF_OUTLET]))
        )
        self.async_update_listeners()
        try:
            await self._outlet.set_on(False)
        except ApiError:
            await self._power_on()
            raise

    def _schedule_power_on(self, reason: str, off_seconds: float) -> None:
        """Switch the outlet on again after off_seconds (at once when Home Assistant is stopping)."""
        self._cycle_reason = reason

        @callback
        def power_on_now(_: Any) -> None:
            self._power_on_later = None
            self._start(Action.POWER_CYCLE, self._finish_cycle(reason), even_when_stopping=True)

        self._power_on_later = async_call_later(self.hass, 0 if self._stopping else off_seconds, power_on_now)

    async def _finish_cycle(self, reason: str) -> None:
        """Switch the outlet on and tell the user how the power cycle ended."""
        async with self._outlet_lock:
            powered = await self._power_on()
        self._fire(Action.POWER_CYCLE, reason, "ok" if powered else "power_on_failed")
        await self.async_request_refresh()

    async def _power_on(self) -> bool:
        """Switch the outlet on; on failure keep the record, so every check tries again."""
        try:
            await self._outlet.set_on(True)
            if not (await self._outlet.state()).on:  # a switch may accept the call and stay off
                raise ApiConnectionError(f"{self.outlet_name} still reads off after switching it on")
        except ApiError as err:
            self._power_on_failures += 1
            LOGGER.error("%s: cannot switch %s back on: %s", self.name, self.outlet_name, err)
            if self._power_on_failures >= POWER_ON_ATTEMPTS:
                self._raise_issue("outlet_off", "rig_outlet_off", {"outlet": self.outlet_name})
            return False
        self._power_on_failures = 0
        await self._save(replace(self._record, outlet_off_since=None, outlet=None))
        ir.async_delete_issue(self.hass, DOMAIN, self._issue_id("outlet_off"))
        return True

    def _give_up(self, reason: str) -> None:
        """Stop acting on this rig and tell the user through a repair issue and the event."""
        LOGGER.error(
            "%s was power-cycled %s times and is still offline; the watchdog gives up on it",
            self.name,
            self.state.consecutive_power_cycles,
        )
        self._raise_issue("gave_up", "rig_gave_up", {"count": str(self.state.consecutive_power_cycles)})
        self._fire(Action.GIVE_UP, reason, "gave_up")

    def _issue_id(self, problem: str) -> str:
        """Return the repair issue id of one of this rig's problems."""
        return f"{problem}_{self.rig_id}"

    def _raise_issue(self, problem: str, key: str, placeholders: dict[str, str]) -> None:
        """Raise a repair issue naming this rig."""
        raise_issue(self.hass, self._issue_id(problem), key, {"rig": self.name, **placeholders})

    def _fire(self, action: Action, reason: str, outcome: str) -> None:
        """Tell automations (and the notification blueprint) what the watchdog did."""
        self.hass.bus.async_fire(
            EVENT_POWER_CYCLE,
            {
                "device_id": self.device_id(),
                "rig": self.name,
                "reason": reason,
                "attempt": self.state.consecutive_power_cycles,
                "action": action.value,
                "outcome": outcome,
            },
        )

    async def _save(self, record: RigRecord) -> None:
        """Keep a new record, on disk at once."""
        self._record = record
        await self._store.async_put(self.rig_id, record)

    async def async_power_cycle(self, off_seconds: float | None = None) -> None:
        """Power-cycle by hand: refused while busy or right after another cycle; returns once the outlet is off."""
        if self.busy or self._stopping:
            raise self._refusal("rig_busy")
        async with self._outlet_lock:
            if self._power_on_later is not None or self._record.outlet_off_since is not None:
                raise self._refusal("rig_busy")
            now = _now()
            last = self.state.last_action_at if self.state.last_action is Action.POWER_CYCLE else None
            if last is not None and now - last < MIN_SECONDS_BETWEEN_CYCLES:
                left = int(MIN_SECONDS_BETWEEN_CYCLES - (now - last))
                raise self._refusal("power_cycle_too_soon", seconds=str(left))
            try:
                await self._switch_off()
            except ApiError as err:
                raise HomeAssistantError(
                    translation_domain=DOMAIN,
                    translation_key="outlet_failed",
                    translation_placeholders={
                        "rig": self.name,
                        "outlet": self.outlet_name,
                        "error": str(err),
                    },
                ) from err
            # A cycle by hand starts a cooldown but does not count towards giving up.
            state = replace(self.state, last_action=Action.POWER_CYCLE, last_action_at=now)
            await self._save(replace(self._record, state=state))
            self._doing = Action.POWER_CYCLE
            self._schedule_power_on("manual", off_seconds or self.settings.power_off_seconds)

    def _refusal(self, key: str, **placeholders: str) -> ServiceValidationError:
        """Return a translated refusal naming this rig."""
        return ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key=key,
            translation_placeholders={"rig": self.name, **placeholders},
        )

    async def async_reset(self) -> None:
        """Count from zero and watch again after giving up (the last action's cooldown still applies)."""
        state = replace(self.state, consecutive_power_cycles=0, soft_restart_tried=False, gave_up=False)
        await self._save(replace(self._record, state=state))
        ir.async_delete_issue(self.hass, DOMAIN, self._issue_id("gave_up"))
        self.async_update_listeners()

    async def async_set_paused(self, paused: bool) -> None:
        """Pause watching for maintenance, or watch again."""
        await self._save(replace(self._record, paused=paused))
        self.async_update_listeners()
