"""The time-of-use and cheap-power blueprints, run by Home Assistant's automation engine on simulated miners."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components import persistent_notification
from homeassistant.const import EVENT_HOMEASSISTANT_START, EVENT_HOMEASSISTANT_STARTED
from homeassistant.core import CoreState, HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.mining_fleet.const import DOMAIN
from simulators.axeos import AxeOSSimulator, Fault

from .conftest import SimulatorFactory, fleet_entry, miner_entry, object_id_prefix, set_up_entry
from .tuning.conftest import until

TIME_OF_USE = f"{DOMAIN}/time_of_use_tuning.yaml"
CHEAP_POWER = f"{DOMAIN}/mine_on_cheap_power.yaml"
# Operating points of a simulated Bitaxe Gamma (it boots on 525 MHz at 1150 mV, which no profile is).
PROFILES: dict[str, dict[str, int]] = {
    "day": {"frequency_mhz": 600, "core_voltage_mv": 1200},
    "night": {"frequency_mhz": 400, "core_voltage_mv": 1000},
    "eco": {"frequency_mhz": 490, "core_voltage_mv": 1060},
}
BOOT_POINT = (525.0, 1150)
# A Bitaxe Supra on AxeOS 2.12 (no remote pause or resume) boots on 490 MHz at 1166 mV.
SUPRA: dict[str, dict[str, int]] = {
    "day": {"frequency_mhz": 525, "core_voltage_mv": 1200},
    "night": {"frequency_mhz": 450, "core_voltage_mv": 1166},
}
# A weekday far from a daylight-saving change.
DATE = "2025-06-10"


@pytest.fixture
def expected_lingering_timers() -> bool:
    """Time patterns and numeric-state timers stay scheduled until Home Assistant is torn down."""
    return True


class Miner:
    """A simulated Bitaxe set up in Home Assistant with its profiles."""

    def __init__(
        self,
        hass: HomeAssistant,
        simulator: AxeOSSimulator,
        entry: MockConfigEntry,
        profiles: dict[str, dict[str, int]],
    ) -> None:
        """Remember the simulator and its profiles; find the device and its tuning profile select."""
        self.hass = hass
        self.simulator = simulator
        self.profiles = profiles
        (device,) = dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)
        self.device_id = device.id
        self.select = f"select.{object_id_prefix(simulator)}_tuning_profile"

    @property
    def point(self) -> tuple[float, int]:
        """Return the frequency and core voltage the simulated miner runs."""
        return self.simulator.state.frequency, self.simulator.state.core_voltage

    @property
    def profile(self) -> str:
        """Return what the miner's tuning profile select shows."""
        state = self.hass.states.get(self.select)
        assert state is not None, self.select
        return state.state

    @property
    def paused(self) -> bool:
        """Return whether the simulated miner has stopped hashing."""
        return self.simulator.state.paused

    def points_sent(self) -> list[tuple[float, int]]:
        """Return the (frequency, core voltage) a Gamma ran after each settings write it received."""
        frequency, voltage = BOOT_POINT
        points = []
        for method, _, body in self.simulator.requests:
            if method == "PATCH" and isinstance(body, dict) and {"frequency", "coreVoltage"} & body.keys():
                frequency, voltage = body.get("frequency", frequency), body.get("coreVoltage", voltage)
                points.append((frequency, voltage))
        return points

    def reported(self, point: tuple[float, int]) -> bool:
        """Return True once Home Assistant has read the point back from the miner (a write is complete)."""
        prefix = f"select.{object_id_prefix(self.simulator)}"
        frequency, voltage = (
            self.hass.states.get(f"{prefix}_{key}") for key in ("frequency", "core_voltage")
        )
        return (frequency.state, voltage.state) == (f"{point[0]:.0f} MHz", f"{point[1]} mV")

    def commands(self) -> list[str]:
        """Return every write the simulated miner received (settings, pause, resume), in order."""
        return [path for method, path, _ in self.simulator.requests if method != "GET"]

    def on(self, name: str) -> bool:
        """Return True when the miner runs the named profile and its select shows it."""
        wanted = self.profiles[name]
        return self.point == (wanted["frequency_mhz"], wanted["core_voltage_mv"]) and self.profile == name


async def _miner(
    hass: HomeAssistant,
    start_simulator: SimulatorFactory,
    profiles: tuple[str, ...] = ("day", "night", "eco"),
    *,
    firmware: str = "2.15",
    board: str = "gamma",
    settings: dict[str, dict[str, int]] = PROFILES,
) -> Miner:
    """Start a simulated Bitaxe whose entry holds the given profiles, as the options flow stores them."""
    simulator = await start_simulator(firmware, board)
    template = miner_entry(simulator)
    chosen = {name: settings[name] for name in profiles}
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=template.title,
        unique_id=template.unique_id,
        data=dict(template.data),
        options={"profiles": chosen},
    )
    await set_up_entry(hass, entry)
    return Miner(hass, simulator, entry, chosen)


def _local(clock: str, days: int = 0) -> datetime:
    """Return a local time of day on the test date (or days after it)."""
    naive = datetime.fromisoformat(f"{DATE}T{clock}") + timedelta(days=days)
    return naive.replace(tzinfo=dt_util.get_default_time_zone())


async def _run(hass: HomeAssistant) -> None:
    """Let triggered automations and the commands they send run to the end."""
    # State changes reach template triggers and automations through callbacks that are only
    # queued when block_till_done first looks, so yield and wait a few rounds.
    for _ in range(3):
        await asyncio.sleep(0)
        await hass.async_block_till_done(wait_background_tasks=True)


async def _at(hass: HomeAssistant, freezer: FrozenDateTimeFactory, clock: str, days: int = 0) -> None:
    """Jump to a local time of day and let everything due run."""
    freezer.move_to(_local(clock, days))
    async_fire_time_changed(hass)
    await _run(hass)


async def _wait(hass: HomeAssistant, freezer: FrozenDateTimeFactory, seconds: float) -> None:
    """Let time pass in 30-second steps (polls, numeric-state timers and ramps run at each)."""
    while seconds > 0:
        step = min(30.0, seconds)
        freezer.tick(timedelta(seconds=step))
        async_fire_time_changed(hass)
        await _run(hass)
        seconds -= step


async def _automation(
    hass: HomeAssistant, blueprint: str, inputs: dict[str, Any], helpers: dict[str, Any] | None = None
) -> None:
    """Set up the helpers and one automation from a blueprint, each component once."""
    assert await async_setup_component(hass, "persistent_notification", {})
    for domain, config in (helpers or {}).items():
        assert await async_setup_component(hass, domain, {domain: config})
    config = {"id": "rule", "alias": "Rule", "use_blueprint": {"path": blueprint, "input": inputs}}
    assert await async_setup_component(hass, "automation", {"automation": config})
    await _run(hass)


async def _start_home_assistant(hass: HomeAssistant, *, wait: bool = True) -> None:
    """Fire the start of Home Assistant after automations were set up while it was not running."""
    hass.bus.async_fire(EVENT_HOMEASSISTANT_START)
    hass.set_state(CoreState.running)
    hass.bus.async_fire(EVENT_HOMEASSISTANT_STARTED)
    await (_run(hass) if wait else _yield())


async def _yield() -> None:
    """Let callbacks and sockets run without waiting for every task.

    While an automation run waits for a trigger or a timeout, block_till_done would wait for it
    forever under a frozen clock.
    """
    for _ in range(200):
        await asyncio.sleep(0)


async def _tick(hass: HomeAssistant, freezer: FrozenDateTimeFactory, seconds: float) -> None:
    """Move time on once, without waiting for every task (see _yield)."""
    freezer.tick(timedelta(seconds=seconds))
    async_fire_time_changed(hass)
    await _yield()


def _notifications(hass: HomeAssistant) -> list[str]:
    """Return the messages of the blueprints' persistent notifications (not Home Assistant's own)."""
    notifications = persistent_notification._async_get_or_create_notifications(hass).values()
    return [n["message"] for n in notifications if n["notification_id"].startswith("mining_fleet_")]


# --- Time-of-use miner tuning ------------------------------------------------------------------


async def test_times_switch_at_each_boundary_and_across_midnight(
    hass: HomeAssistant, start_simulator: SimulatorFactory, freezer: FrozenDateTimeFactory
) -> None:
    """Night at 20:00, still night after midnight (the 15-minute checks agree), day at 07:30."""
    freezer.move_to(_local("19:50:00"))
    miner = await _miner(hass, start_simulator)
    await _automation(
        hass,
        TIME_OF_USE,
        {
            "miners": [miner.device_id],
            "day_start": "07:30:00",
            "night_start": "20:00:00",
            "keep_asserting": False,
        },
    )
    await _at(hass, freezer, "19:59:59")
    assert miner.point == BOOT_POINT  # no boundary yet, and no periodic check asked for
    assert miner.profile == "custom"

    await _at(hass, freezer, "20:00:00")
    assert miner.on("night")
    sent = len(miner.commands())
    for clock, days in (("23:59:59", 0), ("00:00:01", 1), ("03:00:00", 1), ("07:29:59", 1)):
        await _at(hass, freezer, clock, days)
        assert miner.on("night"), clock
    assert len(miner.commands()) == sent

    await _at(hass, freezer, "07:30:00", 1)
    assert miner.on("day")


async def test_a_farm_of_essential_entities_is_tuned_too(
    hass: HomeAssistant, start_simulator: SimulatorFactory, freezer: FrozenDateTimeFactory
) -> None:
    """With the fleet's "Essential only" the miner keeps its tuning profile select, so it is tuned."""
    freezer.move_to(_local("19:50:00"))
    await set_up_entry(hass, fleet_entry({"entity_set": "essential"}))
    miner = await _miner(hass, start_simulator)
    assert hass.states.get(f"select.{object_id_prefix(miner.simulator)}_frequency") is None
    await _automation(
        hass,
        TIME_OF_USE,
        {"miners": [miner.device_id], "day_start": "07:30:00", "night_start": "20:00:00"},
    )
    await _at(hass, freezer, "20:00:00")
    assert miner.on("night")
    await _at(hass, freezer, "07:30:00", 1)
    assert miner.on("day")


async def test_periodic_checks_keep_night_across_midnight(
    hass: HomeAssistant, start_simulator: SimulatorFactory, freezer: FrozenDateTimeFactory
) -> None:
    """Every 15 minutes the period is worked out again: after midnight it is still night, nothing is sent."""
    freezer.move_to(_local("19:50:00"))
    miner = await _miner(hass, start_simulator)
    await _automation(
        hass, TIME_OF_USE, {"miners": [miner.device_id], "day_start": "07:30:00", "night_start": "20:00:00"}
    )
    await _at(hass, freezer, "20:00:00")
    assert miner.on("night")
    sent = len(miner.commands())
    for clock in ("00:00:00", "00:15:00", "00:30:00", "03:00:00", "07:15:00"):
        await _at(hass, freezer, clock, 1)
        assert miner.on("night"), clock
    assert len(miner.commands()) == sent
    await _at(hass, freezer, "07:30:00", 1)
    assert miner.on("day")


@pytest.mark.parametrize(
    ("day_start", "night_start", "clock", "expected"),
    [
        ("07:30:00", "20:00:00", "03:00:00", "night"),  # the night wraps past midnight
        ("07:30:00", "20:00:00", "12:00:00", "day"),
        ("07:30:00", "20:00:00", "07:30:00", "day"),
        ("07:30:00", "20:00:00", "20:00:00", "night"),
        ("06:00:00", "01:00:00", "03:00:00", "night"),  # a night tariff from 01:00 to 06:00
        ("06:00:00", "01:00:00", "23:00:00", "day"),  # the day wraps past midnight
        ("06:00:00", "01:00:00", "00:30:00", "day"),
    ],
)
async def test_start_of_home_assistant_lands_on_the_period(
    hass: HomeAssistant,
    start_simulator: SimulatorFactory,
    freezer: FrozenDateTimeFactory,
    day_start: str,
    night_start: str,
    clock: str,
    expected: str,
) -> None:
    """A restart at any time of day puts the miners on that period's profile at once."""
    freezer.move_to(_local(clock))
    miner = await _miner(hass, start_simulator)
    hass.set_state(CoreState.not_running)
    await _automation(
        hass,
        TIME_OF_USE,
        {"miners": [miner.device_id], "day_start": day_start, "night_start": night_start},
    )
    assert miner.point == BOOT_POINT
    await _start_home_assistant(hass)
    assert miner.on(expected)


@pytest.mark.parametrize("keep_asserting", [True, False])
async def test_profile_changed_by_hand_is_put_back_every_15_minutes(
    hass: HomeAssistant,
    start_simulator: SimulatorFactory,
    freezer: FrozenDateTimeFactory,
    keep_asserting: bool,
) -> None:
    """The check puts a miner showing another profile back on the period's one, unless turned off."""
    freezer.move_to(_local("12:01:00"))
    miner = await _miner(hass, start_simulator)
    await _automation(
        hass,
        TIME_OF_USE,
        {
            "miners": [miner.device_id],
            "day_start": "07:30:00",
            "night_start": "20:00:00",
            "keep_asserting": keep_asserting,
        },
    )
    await _at(hass, freezer, "12:15:00")
    if not keep_asserting:
        assert miner.point == BOOT_POINT
        assert miner.commands() == []
        return
    assert miner.on("day")
    await hass.services.async_call(
        DOMAIN, "apply_profile", {"device_id": miner.device_id, "profile": "eco"}, blocking=True
    )
    await _run(hass)
    assert miner.on("eco")
    await _at(hass, freezer, "12:29:59")
    assert miner.on("eco")
    await _at(hass, freezer, "12:30:00")
    assert miner.on("day")


async def test_input_boolean_sets_the_period_and_the_times_are_ignored(
    hass: HomeAssistant, start_simulator: SimulatorFactory, freezer: FrozenDateTimeFactory
) -> None:
    """With a period entity, its flips change the profile; the day and night times do nothing."""
    freezer.move_to(_local("19:50:00"))
    miner = await _miner(hass, start_simulator)
    await _automation(
        hass,
        TIME_OF_USE,
        {
            "miners": [miner.device_id],
            "period_entity": "input_boolean.solar_hours",
            "day_start": "07:30:00",
            "night_start": "20:00:00",
            "keep_asserting": False,
        },
        {"input_boolean": {"solar_hours": {"initial": True}}},
    )
    await _at(hass, freezer, "20:00:00")
    assert miner.point == BOOT_POINT  # the night start is not used with an entity
    assert miner.commands() == []

    for service, expected in (("turn_off", "night"), ("turn_on", "day"), ("turn_off", "night")):
        await hass.services.async_call(
            "input_boolean", service, {"entity_id": "input_boolean.solar_hours"}, blocking=True
        )
        await _run(hass)
        assert miner.on(expected), service


async def test_transition_paces_the_ramp_and_the_newest_period_wins(
    hass: HomeAssistant, start_simulator: SimulatorFactory, freezer: FrozenDateTimeFactory
) -> None:
    """Two steps a minute apart; a flip back in the middle of a ramp turns it towards the new period."""
    freezer.move_to(_local("12:01:00"))
    miner = await _miner(hass, start_simulator)
    await _automation(
        hass,
        TIME_OF_USE,
        {
            "miners": [miner.device_id],
            "period_entity": "input_boolean.solar_hours",
            "steps": 2,
            "step_delay": 60,
            "keep_asserting": False,
        },
        {"input_boolean": {"solar_hours": {"initial": True}}},
    )
    boolean = {"entity_id": "input_boolean.solar_hours"}
    await hass.services.async_call("input_boolean", "turn_off", boolean, blocking=True)
    await until(lambda: miner.reported((400, 1150)))
    await _yield()
    assert miner.profile == "night"
    await _tick(hass, freezer, 30)
    assert miner.points_sent() == [(400, 1150)]  # frequency first: never under-volted on the way

    await hass.services.async_call("input_boolean", "turn_on", boolean, blocking=True)
    await until(lambda: miner.reported((400, 1200)))
    await _yield()
    assert miner.profile == "day"
    await _tick(hass, freezer, 59)
    assert len(miner.points_sent()) == 2
    await _tick(hass, freezer, 1)
    await until(lambda: miner.reported((600, 1200)))
    await _run(hass)
    assert miner.on("day")
    # The night ramp's second step (down to 1000 mV) was never sent.
    assert miner.points_sent() == [(400, 1150), (400, 1200), (600, 1200)]


async def test_schedule_helper_sets_the_period(
    hass: HomeAssistant, start_simulator: SimulatorFactory, freezer: FrozenDateTimeFactory
) -> None:
    """A schedule helper's on and off are day and night (an unquoted on in YAML arrives as True)."""
    freezer.move_to(_local("06:50:00"))  # a Tuesday
    miner = await _miner(hass, start_simulator)
    await _automation(
        hass,
        TIME_OF_USE,
        {
            "miners": [miner.device_id],
            "period_entity": "schedule.day_tariff",
            "day_state": True,
            "keep_asserting": False,
        },
        {
            "schedule": {
                "day_tariff": {"name": "Day tariff", "tuesday": [{"from": "07:00:00", "to": "21:00:00"}]}
            }
        },
    )
    assert hass.states.get("schedule.day_tariff").state == "off"
    await _at(hass, freezer, "07:00:00")
    assert miner.on("day")
    await _at(hass, freezer, "21:00:00")
    assert miner.on("night")


async def test_tariff_select_peak_and_offpeak(
    hass: HomeAssistant, start_simulator: SimulatorFactory, freezer: FrozenDateTimeFactory
) -> None:
    """A utility meter's tariffs: peak and shoulder run eco, off-peak the day profile; unavailable does nothing."""
    freezer.move_to(_local("12:01:00"))
    miner = await _miner(hass, start_simulator)
    await _automation(
        hass,
        TIME_OF_USE,
        {
            "miners": [miner.device_id],
            "period_entity": "select.grid_energy",
            "day_state": "peak, Shoulder",
            "day_profile": "eco",
            "night_profile": "day",
        },
        {
            "utility_meter": {
                "grid_energy": {"source": "sensor.grid_import", "tariffs": ["peak", "shoulder", "offpeak"]}
            },
        },
    )
    tariff = "select.grid_energy"
    assert hass.states.get(tariff).state == "peak"

    async def choose(option: str) -> None:
        await hass.services.async_call(
            "select", "select_option", {"entity_id": tariff, "option": option}, blocking=True
        )
        await _run(hass)

    await choose("offpeak")
    assert miner.on("day")
    await choose("shoulder")
    assert miner.on("eco")
    sent = len(miner.commands())
    await choose("peak")
    hass.states.async_set(tariff, "unavailable")
    await _run(hass)
    await _at(hass, freezer, "12:15:00")  # the periodic check
    hass.states.async_set(tariff, "unknown")
    await _run(hass)
    await _at(hass, freezer, "12:30:00")
    assert miner.on("eco")
    assert len(miner.commands()) == sent
    await choose("offpeak")
    assert miner.on("day")


async def test_miner_without_the_profile_is_named_and_the_others_tuned(
    hass: HomeAssistant, start_simulator: SimulatorFactory, freezer: FrozenDateTimeFactory
) -> None:
    """One miner lacks "eco": it is left alone and named; the other is tuned all the same."""
    freezer.move_to(_local("12:01:00"))
    with_eco = await _miner(hass, start_simulator)
    without = await _miner(hass, start_simulator, ("day", "night"))
    hass.set_state(CoreState.not_running)
    await _automation(
        hass,
        TIME_OF_USE,
        {"miners": [with_eco.device_id, without.device_id], "day_profile": "eco"},
    )
    await _start_home_assistant(hass)
    assert with_eco.on("eco")
    assert without.point == BOOT_POINT
    assert without.commands() == []
    (message,) = _notifications(hass)
    assert f'{without.simulator.state.hostname} has no tuning profile "eco"' in message


async def test_offline_miner_is_skipped_and_tuned_by_the_check_once_back(
    hass: HomeAssistant, start_simulator: SimulatorFactory, freezer: FrozenDateTimeFactory
) -> None:
    """A miner offline at the night start does not hold up the others; the next check tunes it when it is back."""
    freezer.move_to(_local("19:50:00"))
    online = await _miner(hass, start_simulator)
    offline = await _miner(hass, start_simulator)
    await _automation(
        hass,
        TIME_OF_USE,
        {"miners": [online.device_id, offline.device_id], "day_start": "07:30:00", "night_start": "20:00:00"},
    )
    offline.simulator.fault = Fault.OFFLINE
    await _at(hass, freezer, "19:59:00")
    assert hass.states.get(offline.select).state == "unavailable"
    await _at(hass, freezer, "20:00:00")
    assert online.on("night")
    assert offline.point == BOOT_POINT
    offline.simulator.fault = Fault.NONE
    await _at(hass, freezer, "20:14:00")
    assert offline.profile == "custom"
    await _at(hass, freezer, "20:15:00")
    assert offline.on("night")
    assert _notifications(hass) == []


async def test_same_day_and_night_start_is_refused(
    hass: HomeAssistant, start_simulator: SimulatorFactory, freezer: FrozenDateTimeFactory
) -> None:
    """A day and night that start at the same time are told, and nothing is changed."""
    freezer.move_to(_local("12:01:00"))
    miner = await _miner(hass, start_simulator)
    hass.set_state(CoreState.not_running)
    await _automation(
        hass, TIME_OF_USE, {"miners": [miner.device_id], "day_start": "08:00:00", "night_start": "08:00:00"}
    )
    await _start_home_assistant(hass)
    assert miner.commands() == []
    (message,) = _notifications(hass)
    assert "the day and the night start at the same time" in message


# --- Mine on cheap or surplus power --------------------------------------------------------------

PRICE = "sensor.electricity_price"
SURPLUS = "sensor.grid_export"


def _value(hass: HomeAssistant, entity_id: str, value: float | str) -> None:
    """Set the sensor the rule follows."""
    hass.states.async_set(entity_id, str(value))


async def _set(hass: HomeAssistant, entity_id: str, value: float | str) -> None:
    """Set the sensor and let the rule react."""
    _value(hass, entity_id, value)
    await _run(hass)


def _price_rule(miner: Miner, **inputs: Any) -> dict[str, Any]:
    """Return the inputs of a price rule: good below 0.10, bad above 0.25, five minutes."""
    return {
        "miners": [miner.device_id],
        "value_sensor": PRICE,
        "direction": "lower",
        "good_threshold": 0.10,
        "bad_threshold": 0.25,
        "min_duration": {"minutes": 5},
        "good_action": "profile",
        "good_profile": "day",
        "bad_action": "stop",
        **inputs,
    }


async def test_price_band_and_minimum_time(
    hass: HomeAssistant, start_simulator: SimulatorFactory, freezer: FrozenDateTimeFactory
) -> None:
    """Inside the band nothing; a short spike nothing; five minutes above bad stops; five below good mines on "day"."""
    freezer.move_to(_local("12:00:10"))
    miner = await _miner(hass, start_simulator)
    _value(hass, PRICE, 0.20)
    await _automation(hass, CHEAP_POWER, _price_rule(miner))

    await _wait(hass, freezer, 600)
    await _set(hass, PRICE, 0.30)  # a spike of four and a half minutes
    await _wait(hass, freezer, 270)
    await _set(hass, PRICE, 0.25)  # at the threshold is not beyond it
    await _wait(hass, freezer, 600)
    assert miner.commands() == []

    await _set(hass, PRICE, 0.31)
    await _wait(hass, freezer, 270)
    assert not miner.paused
    await _set(hass, PRICE, 0.40)  # still beyond: the time keeps running
    await _wait(hass, freezer, 60)
    assert miner.paused
    assert miner.commands() == ["/api/system/pause"]

    await _set(hass, PRICE, 0.15)  # back inside the band: still stopped
    await _wait(hass, freezer, 600)
    await _set(hass, PRICE, 0.05)
    await _wait(hass, freezer, 240)
    assert miner.paused
    await _wait(hass, freezer, 90)
    assert not miner.paused
    assert miner.on("day")
    sent = len(miner.commands())
    await _set(hass, PRICE, 0.02)  # cheaper still: no new crossing
    await _wait(hass, freezer, 600)
    await _set(hass, PRICE, 0.25)  # dearer, but not beyond the bad threshold
    await _wait(hass, freezer, 600)
    assert len(miner.commands()) == sent
    assert not miner.paused


async def test_surplus_starts_and_runs_a_profile_without_surplus(
    hass: HomeAssistant, start_simulator: SimulatorFactory, freezer: FrozenDateTimeFactory
) -> None:
    """Higher is better: a surplus starts the miner; without one it keeps mining on "night"."""
    freezer.move_to(_local("12:00:10"))
    miner = await _miner(hass, start_simulator)
    miner.simulator.state.paused = True  # stopped by hand
    _value(hass, SURPLUS, 800)
    await _automation(
        hass,
        CHEAP_POWER,
        {
            "miners": [miner.device_id],
            "value_sensor": SURPLUS,
            "direction": "higher",
            "good_threshold": 1500,
            "bad_threshold": 200,
            "min_duration": {"minutes": 2},
            "good_action": "start",
            "bad_action": "profile",
            "bad_profile": "night",
        },
    )
    await _set(hass, SURPLUS, 1400)
    await _wait(hass, freezer, 600)
    assert miner.commands() == []

    await _set(hass, SURPLUS, 150)
    await _wait(hass, freezer, 150)
    assert not miner.paused  # a profile starts the miner too
    assert miner.on("night")
    assert miner.commands()[0] == "/api/system/resume"

    miner.simulator.state.paused = True
    await _set(hass, SURPLUS, 2500)
    await _wait(hass, freezer, 150)
    assert not miner.paused
    assert miner.on("night")  # start does not change the tuning


async def test_a_miner_that_cannot_stop_holds_up_no_other(
    hass: HomeAssistant, start_simulator: SimulatorFactory, freezer: FrozenDateTimeFactory
) -> None:
    """An AxeOS 2.12 (no remote pause) is reported, not obeyed; the other miner stops and starts, both are tuned."""
    freezer.move_to(_local("12:00:10"))
    gamma = await _miner(hass, start_simulator)
    supra = await _miner(
        hass, start_simulator, ("day", "night"), firmware="2.12", board="supra", settings=SUPRA
    )
    _value(hass, PRICE, 0.20)
    await _automation(hass, CHEAP_POWER, {**_price_rule(gamma), "miners": [supra.device_id, gamma.device_id]})
    await _set(hass, PRICE, 0.30)
    await _wait(hass, freezer, 330)
    assert gamma.paused
    assert supra.commands() == []  # it has no pause to send

    await _set(hass, PRICE, 0.05)
    await _wait(hass, freezer, 330)
    assert not gamma.paused
    assert gamma.on("day")
    assert supra.on("day")


async def test_unavailable_value_never_acts(
    hass: HomeAssistant, start_simulator: SimulatorFactory, freezer: FrozenDateTimeFactory
) -> None:
    """An unknown or unavailable price neither starts nor stops, and interrupts the minimum time."""
    freezer.move_to(_local("12:00:10"))
    miner = await _miner(hass, start_simulator)
    _value(hass, PRICE, 0.20)
    # The blueprint's defaults: lower is better, good below 0.10, bad above 0.25, five minutes, start and stop.
    await _automation(hass, CHEAP_POWER, {"miners": [miner.device_id], "value_sensor": PRICE})
    await _set(hass, PRICE, 0.40)
    await _wait(hass, freezer, 180)
    for value in ("unavailable", 0.40, "unknown", 0.40, "unavailable"):
        await _set(hass, PRICE, value)
        await _wait(hass, freezer, 180)
    await _wait(hass, freezer, 600)
    assert miner.commands() == []
    await _set(hass, PRICE, 0.40)
    await _wait(hass, freezer, 330)
    assert miner.paused


@pytest.mark.parametrize(("later", "stopped"), [(0.40, True), (0.20, False)])
async def test_start_of_home_assistant_waits_the_minimum_time(
    hass: HomeAssistant,
    start_simulator: SimulatorFactory,
    freezer: FrozenDateTimeFactory,
    later: float,
    stopped: bool,
) -> None:
    """A price above bad at start stops the miners once it has stayed there five minutes; not if it falls back."""
    freezer.move_to(_local("12:00:10"))
    miner = await _miner(hass, start_simulator)
    _value(hass, PRICE, 0.30)
    hass.set_state(CoreState.not_running)
    await _automation(hass, CHEAP_POWER, _price_rule(miner))
    await _start_home_assistant(hass, wait=False)
    await _tick(hass, freezer, 120)
    _value(hass, PRICE, later)
    await _tick(hass, freezer, 150)
    assert not miner.paused
    await _tick(hass, freezer, 60)  # five minutes after the start
    await _run(hass)
    assert miner.paused is stopped
    await _wait(hass, freezer, 600)
    assert miner.commands() == (["/api/system/pause"] if stopped else [])


async def test_start_with_no_minimum_time_acts_at_once(
    hass: HomeAssistant, start_simulator: SimulatorFactory, freezer: FrozenDateTimeFactory
) -> None:
    """With no minimum time, a cheap price at start mines on the good profile at once."""
    freezer.move_to(_local("12:00:10"))
    miner = await _miner(hass, start_simulator)
    _value(hass, PRICE, 0.05)
    hass.set_state(CoreState.not_running)
    await _automation(hass, CHEAP_POWER, _price_rule(miner, min_duration={"seconds": 0}, good_profile="eco"))
    await _start_home_assistant(hass)
    assert miner.on("eco")


async def test_inverted_thresholds_notify_and_do_nothing(
    hass: HomeAssistant, start_simulator: SimulatorFactory, freezer: FrozenDateTimeFactory
) -> None:
    """A good threshold on the wrong side of the bad one is told; the miner is left alone."""
    freezer.move_to(_local("12:00:10"))
    miner = await _miner(hass, start_simulator)
    _value(hass, PRICE, 0.20)
    await _automation(hass, CHEAP_POWER, _price_rule(miner, good_threshold=0.30, bad_threshold=0.10))
    await _set(hass, PRICE, 0.50)
    await _wait(hass, freezer, 600)
    assert miner.commands() == []
    (message,) = _notifications(hass)
    assert "the good threshold (0.3) must be below the bad threshold (0.1)" in message
