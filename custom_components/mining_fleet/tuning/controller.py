"""One miner's tuning: the chosen profile, the ramp towards it, the safety guard and per-profile statistics.

The miner's coordinator owns one of these; entities read it, services and behaviours call it,
and every value it sends goes through the coordinator's one write path (which checks the
model's options, the user's limits, and holds anything above a throttled point).
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from datetime import datetime
from typing import TYPE_CHECKING, Any

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers.event import async_call_later
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util

from ..const import DOMAIN, EVENT_SAFETY_THROTTLE, LOGGER
from ..logic.guard import GuardState, Limits, Reading, ThrottleReason, guard_step, too_hot
from ..logic.profile_stats import ProfileStats
from ..logic.tuning import DEFAULT_STEPS, Transition, Tuning, matches, overlay
from .profiles import CUSTOM, LIMIT_KEYS, limits_from, profiles_from, transition_from

if TYPE_CHECKING:
    from ..miner.coordinator import MinerCoordinator

STORAGE_VERSION = 1
# Statistics change every poll; the disk hears about them at most once a minute (and at shutdown).
SAVE_DELAY_SECONDS = 60
# A step the miner did not take is tried this many times, this far apart, before the ramp gives up.
ATTEMPTS = 3
RETRY_SECONDS = 5.0


async def sleep_on_hass_clock(hass: HomeAssistant, seconds: float) -> None:
    """Wait on Home Assistant's clock (tests time-travel through it instead of sleeping)."""
    if seconds <= 0:
        return
    done = hass.loop.create_future()

    @callback
    def wake(_: datetime) -> None:
        if not done.done():
            done.set_result(None)

    cancel = async_call_later(hass, seconds, wake)
    try:
        await done
    finally:
        cancel()


def _store(hass: HomeAssistant, entry_id: str) -> Store[dict[str, Any]]:
    """Return the store of one miner's tuning."""
    return Store(hass, STORAGE_VERSION, f"{DOMAIN}.tuning.{entry_id}")


async def async_remove_tuning(hass: HomeAssistant, entry_id: str) -> None:
    """Delete a removed miner's tuning store (profiles live in the entry; this holds state and statistics)."""
    await _store(hass, entry_id).async_remove()


class MinerTuning:
    """A miner's profile, ramp, guard and statistics, kept across restarts."""

    def __init__(self, coordinator: MinerCoordinator[Any]) -> None:
        """Start with nothing chosen; async_load reads what the last run left."""
        self._miner = coordinator
        self.hass = coordinator.hass
        entry = coordinator.config_entry
        self._store = _store(self.hass, entry.entry_id)
        self.profile: str | None = None
        # The chosen profile's settings: the ceiling the guard climbs back to.
        self.target: Tuning | None = None
        self.progress: tuple[int, int] | None = None
        self.guard = GuardState()
        self.stats: dict[str, ProfileStats] = {}
        self._resume: tuple[str, Tuning, Transition] | None = None
        # The ramp under way, as saved: a restart in the middle resumes it.
        self._ramp_record: dict[str, Any] | None = None
        self._ramp: asyncio.Task[None] | None = None
        self._last_sample: float | None = None
        self._last_reading: object = None
        # Writes by hand in flight: the polls before they land still show the old settings.
        self._writing = 0

    @property
    def profiles(self) -> dict[str, Tuning]:
        """Return the miner's profiles by name."""
        return profiles_from(self._miner.config_entry.options, self._miner.default_profiles())

    @property
    def limits(self) -> Limits:
        """Return the miner's limits: the user's, never above the model's."""
        miner = self._miner
        return limits_from(miner.config_entry.options, miner.default_limits(), miner.max_temperature_cap)

    @property
    def default_transition(self) -> Transition:
        """Return the transition used when a caller names none."""
        return transition_from(self._miner.config_entry.options)

    @property
    def ramping(self) -> bool:
        """Return True while a ramp runs (from before its task starts: tasks start eagerly)."""
        return self._ramp_record is not None

    @property
    def _changing(self) -> bool:
        """Return True while this integration is changing the miner's settings (a ramp or a write)."""
        return self.ramping or self._writing > 0

    async def async_load(self) -> None:
        """Read the chosen profile, an interrupted ramp, the guard's hold and the statistics."""
        stored = await self._store.async_load() or {}
        self.profile = stored.get("profile") if isinstance(stored.get("profile"), str) else None
        self.target = Tuning.from_dict(stored.get("target"))
        reason = stored.get("guard")
        self.guard = GuardState(reason=ThrottleReason(reason) if reason in set(ThrottleReason) else None)
        raw_stats = stored.get("stats")
        self.stats = {
            str(name): ProfileStats.from_dict(raw)
            for name, raw in (raw_stats.items() if isinstance(raw_stats, dict) else ())
        }
        ramp = stored.get("ramp")
        if isinstance(ramp, dict) and (target := Tuning.from_dict(ramp.get("target"))) is not None:
            transition = transition_from({"transition": ramp})
            self._resume = (str(ramp.get("profile", CUSTOM)), target, transition)

    @callback
    def async_start(self) -> CALLBACK_TYPE:
        """Watch every poll; resume a ramp a restart interrupted. Return the function that stops watching."""
        if (resume := self._resolve_stored()) is not None:
            profile, target, transition = resume
            LOGGER.info(
                "%s: ramping to %s (interrupted, or the profile changed)", self._miner.name_for_user, profile
            )
            self._in_background(self._async_resume(profile, target, transition), "resume ramp")
        return self._miner.async_add_listener(self._on_poll)

    def _resolve_stored(self) -> tuple[str, Tuning, Transition] | None:
        """Match what the last run chose with today's profiles; return the ramp to run now, if any.

        A profile edited since (the entry reloads when its options change) is ramped to in its
        new form; a deleted one leaves custom settings; an interrupted ramp to a profile goes to
        that profile as it is now.
        """
        current, profiles, resume = self._miner.current_tuning(), self.profiles, self._resume
        self._resume = None
        if self.profile is None:
            if current is not None:
                self._choose(self._profile_running(current), current)
        elif self.profile != CUSTOM and (defined := profiles.get(self.profile)) != self.target:
            if defined is None:
                self._choose(CUSTOM, current)
            else:
                resume = (self.profile, defined, resume[2] if resume else self.default_transition)
        if resume is None or resume[0] == CUSTOM:
            return resume
        defined = profiles.get(resume[0])
        return None if defined is None else (resume[0], defined, resume[2])

    async def _async_resume(self, profile: str, target: Tuning, transition: Transition) -> None:
        """Finish a ramp a restart interrupted, from wherever the miner is now."""
        try:
            await self._async_ramp(profile, target, transition)
        except HomeAssistantError as err:
            LOGGER.warning("%s: could not resume the ramp to %s: %s", self._miner.name_for_user, profile, err)

    def _profile_running(self, current: Tuning) -> str:
        """Return the profile whose settings the miner runs, or custom."""
        return next((name for name, tuning in self.profiles.items() if matches(current, tuning)), CUSTOM)

    def check_profile(self, name: str) -> Tuning:
        """Return the named profile's settings, refusing an unknown profile or one outside the limits."""
        if (target := self.profiles.get(name)) is None:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="unknown_profile",
                translation_placeholders={
                    "name": self._miner.name_for_user,
                    "profile": name,
                    "profiles": ", ".join(self.profiles),
                },
            )
        self._miner.check_tuning(target)
        return target

    async def async_apply_profile(
        self,
        name: str,
        steps: int | None = None,
        step_delay_s: float | None = None,
        duration_s: float | None = None,
    ) -> None:
        """Ramp to a named profile; return when the miner is on it (or a newer change replaced this one).

        What the caller leaves out of the pace is the miner's own transition.
        """
        target = self.check_profile(name)
        await self._async_ramp(name, target, self.default_transition.asked(steps, step_delay_s, duration_s))

    async def async_set_by_hand(self, tuning: Tuning) -> None:
        """Send settings chosen by hand at once (an entity, set_tuning): the profile becomes custom."""
        self._miner.check_tuning(tuning)
        await self._async_jump(CUSTOM, overlay(self._miner.current_tuning(), tuning), tuning)

    async def async_apply_safest(self, tuning: Tuning) -> None:
        """Jump to the safest settings at once, no ramp (an emergency)."""
        self._miner.check_tuning(tuning)
        await self._async_jump(self._profile_running(tuning), tuning, tuning)

    async def _async_jump(self, profile: str, target: Tuning, send: Tuning) -> None:
        """Replace any ramp with one write; until it lands, polls do not read the old settings as a change."""
        self._cancel_ramp()
        self._choose(profile, target)
        self._save_now()
        self._writing += 1
        try:
            await self._miner.async_send_tuning(send)
        finally:
            self._writing -= 1

    async def _async_ramp(self, name: str, target: Tuning, transition: Transition) -> None:
        """Replace any running ramp with one to target and wait for it, unless a newer one replaces it."""
        self._cancel_ramp()
        self._choose(name, target)
        self._ramp_record = {"profile": name, "target": target.as_dict(), **_pace(transition)}
        self._save_now()
        task = self._in_background(self._run_ramp(target, transition), f"ramp to {name}")
        self._ramp = task
        try:
            await asyncio.shield(task)
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if not task.cancelled() or (current is not None and current.cancelling()):
                raise
            # A newer change (or the guard) took over this miner: not a failure of this call.

    async def _run_ramp(self, target: Tuning, transition: Transition) -> None:
        """Send each step of the ramp, the delay apart, with retries; settle on custom when it fails."""
        miner = self._miner
        # Plan from what the miner runs now, not the last poll: a replaced ramp may have moved it since.
        # (A failed read leaves the last poll's settings; each step is checked against a fresh read.)
        await miner.async_refresh()
        current = miner.current_tuning()
        if current is None:
            plan = [target]
        elif self.guard.throttled and not miner.tuning_at_most(target, current):
            plan = []  # the guard climbs to the new profile once the miner is calm
        else:
            plan = miner.tuning_ramp(current, target, self.limits, transition.steps)
        try:
            for index, step in enumerate(plan):
                self._show_progress((index + 1, len(plan)))
                await self._send_with_retries(step)
                if index < len(plan) - 1:
                    await sleep_on_hass_clock(self.hass, transition.delay_between(len(plan)))
        except HomeAssistantError:
            self._choose(CUSTOM, miner.current_tuning())
            raise
        finally:
            if not _cancelled_here():
                self._ramp_record = None
                self._show_progress(None)
                self._save_now()

    async def _send_with_retries(self, step: Tuning) -> None:
        """Send one step; a transient failure is tried again, a refusal is not."""
        for attempt in range(1, ATTEMPTS + 1):
            try:
                await self._miner.async_send_tuning(step)
            except ServiceValidationError:
                raise
            except HomeAssistantError as err:
                if attempt == ATTEMPTS:
                    raise
                LOGGER.warning("%s: step not taken (%s), trying again", self._miner.name_for_user, err)
                await sleep_on_hass_clock(self.hass, RETRY_SECONDS)
            else:
                return

    def _cancel_ramp(self) -> None:
        """Stop a running ramp where it is."""
        if self._ramp is not None and not self._ramp.done():
            self._ramp.cancel()
        self._ramp = None
        self._ramp_record = None
        self.progress = None

    def _choose(self, profile: str, target: Tuning | None) -> None:
        """Record the chosen profile and the settings the guard may climb back to."""
        self.profile, self.target = profile, target

    def _show_progress(self, progress: tuple[int, int] | None) -> None:
        """Show "step k of N" (None: no ramp)."""
        self.progress = progress
        self._miner.async_update_listeners()

    @callback
    def _on_poll(self) -> None:
        """After each poll: credit the statistics, notice settings changed elsewhere, run the guard.

        Listeners also hear progress and guard updates; only a new reading counts as a poll.
        """
        if not self._miner.last_update_success:
            self._last_sample = None
            return
        if self._miner.data is self._last_reading:
            return
        self._last_reading = self._miner.data
        now = dt_util.utcnow().timestamp()
        self._add_sample(now)
        current = self._miner.current_tuning()
        if current is None:
            return
        self._notice_outside_change(current)
        self._run_guard(current, now)

    def _add_sample(self, now: float) -> None:
        """Credit the time since the last poll to the chosen profile."""
        if self.profile is not None and self._last_sample is not None and now > self._last_sample:
            stats = self.stats.get(self.profile, ProfileStats())
            self.stats[self.profile] = stats.add(
                now - self._last_sample, self._miner.power, self._miner.hashrate
            )
            self._store.async_delay_save(self._as_stored, SAVE_DELAY_SECONDS)
        self._last_sample = now

    def _notice_outside_change(self, current: Tuning) -> None:
        """Mark the profile custom when the settings changed elsewhere (the miner's own web page)."""
        if self._changing or self.guard.throttled or self.target is None or matches(current, self.target):
            return
        self._choose(CUSTOM, current)
        self._save_now()

    def _run_guard(self, current: Tuning, now: float) -> None:
        """Step the miner down while it is outside its limits, and back up to the profile after it calmed."""
        miner, limits = self._miner, self.limits
        reading = Reading(miner.hottest_temperature, miner.power, miner.firmware_fault)

        def down(tuning: Tuning) -> Tuning | None:
            return miner.tuning_step_down(tuning, limits)

        def up(tuning: Tuning, profile: Tuning) -> list[Tuning]:
            return miner.tuning_ramp(tuning, profile, limits, DEFAULT_STEPS)

        # Never climb to settings the limits now forbid (a profile made before the limits were lowered,
        # a value set on the miner's own web page).
        ceiling: Tuning = miner.tuning_within(self.target or current, limits)
        decision = guard_step(current, ceiling, reading, limits, self.guard, now, down=down, up=up)
        point, state = decision
        before, self.guard = self.guard, state
        if state.reason is not None and self.target is None:
            self._choose(CUSTOM, current)
        if point is None and state.reason == before.reason:
            return
        if point is not None and too_hot(reading, limits):
            action = "step_down"
            self._cancel_ramp()  # the guard takes over; the profile stays chosen as its ceiling
        else:
            action = "step_up" if point is not None else "released" if state.reason is None else "held"
        self._save_now()
        self.hass.bus.async_fire(
            EVENT_SAFETY_THROTTLE,
            {
                "device_id": miner.device_id,
                "name": miner.name_for_user,
                "action": action,
                "reason": str(state.reason or before.reason),
                "tuning": point.as_dict() if point is not None else None,
            },
        )
        miner.async_update_listeners()
        if point is not None:
            self._in_background(self._async_guard_write(point), "safety guard step")

    async def _async_guard_write(self, point: Tuning) -> None:
        """Send the guard's step; a failure is logged and tried again at the next poll."""
        try:
            await self._miner.async_send_tuning(point, by_guard=True)
        except HomeAssistantError as err:
            LOGGER.warning("%s: safety guard step not taken: %s", self._miner.name_for_user, err)

    def _in_background[T](self, coro: Coroutine[Any, Any, T], what: str) -> asyncio.Task[T]:
        """Run a coroutine that ends with the entry (unload, shutdown)."""
        entry = self._miner.config_entry
        return entry.async_create_background_task(self.hass, coro, f"{DOMAIN} {entry.title}: {what}")

    def _as_stored(self) -> dict[str, Any]:
        """Return what survives a restart (an interrupted ramp is saved with it, see _save_now)."""
        return {
            "profile": self.profile,
            "target": self.target.as_dict() if self.target else None,
            "guard": str(self.guard.reason) if self.guard.reason else None,
            "stats": {name: stats.as_dict() for name, stats in self.stats.items()},
            "ramp": self._ramp_record,
        }

    def diagnostics(self) -> dict[str, Any]:
        """Return the profiles, limits and tuning state, for diagnostics."""
        return {
            **self._as_stored(),
            "profiles": {name: tuning.as_dict() for name, tuning in self.profiles.items()},
            "limits": {key: getattr(self.limits, key) for key in LIMIT_KEYS},
            "progress": self.progress,
        }

    async def async_save(self) -> None:
        """Write everything now (the entry unloads: a reload must read what this run knew)."""
        await self._store.async_save(self._as_stored())

    def _save_now(self) -> None:
        """Save at once (a profile change, the guard's hold, a ramp's start and end)."""
        self._store.async_delay_save(self._as_stored, 0)


def _pace(transition: Transition) -> dict[str, float | None]:
    """Return a transition as stored."""
    return {
        "steps": transition.steps,
        "step_delay": transition.step_delay_s,
        "duration": transition.duration_s,
    }


def _cancelled_here() -> bool:
    """Return True when the running task is being cancelled (a newer change, unload or shutdown)."""
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0
