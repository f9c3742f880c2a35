"""The cooling container alert blueprint, run by Home Assistant's automation engine on a simulated container and miners."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components import persistent_notification
from homeassistant.const import EVENT_HOMEASSISTANT_START, EVENT_HOMEASSISTANT_STARTED
from homeassistant.core import CoreState, Event, HomeAssistant, callback
from homeassistant.helpers import device_registry as dr
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.mining_fleet.const import DOMAIN
from simulators.antspace import AntspaceSimulator
from simulators.axeos import AxeOSSimulator

from ..conftest import SimulatorFactory, miner_entry, set_up_entry
from .conftest import ContainerSetup

BLUEPRINT = f"{DOMAIN}/cooling_container_alert.yaml"
MESSAGE_EVENT = "container_message"
# Send each message as an event the test records (the default action is tested on its own).
RECORD = [
    {
        "event": MESSAGE_EVENT,
        "event_data": {
            "title": "{{ title }}",
            "message": "{{ message }}",
            "severity": "{{ severity }}",
            "notification_id": "{{ notification_id }}",
        },
    }
]
# A simulated Bitaxe Gamma boots on 525 MHz at 1150 mV; its safest settings are its lowest
# frequency at its default voltage.
BOOT_POINT = (525.0, 1150)
SAFEST_POINT = (400.0, 1150)
PAUSE, RESUME = PAUSE_RESUME = ("/api/system/pause", "/api/system/resume")
PROFILES = {
    "day": {"frequency_mhz": 600, "core_voltage_mv": 1200},
    "night": {"frequency_mhz": 490, "core_voltage_mv": 1060},
}


@pytest.fixture
def expected_lingering_timers() -> bool:
    """The restart trigger's timer stays scheduled until Home Assistant is torn down."""
    return True


@dataclass
class Miner:
    """A simulated Bitaxe set up in Home Assistant."""

    simulator: AxeOSSimulator
    device_id: str

    @property
    def paused(self) -> bool:
        """Return whether the simulated miner has stopped hashing."""
        return self.simulator.state.paused

    @property
    def point(self) -> tuple[float, int]:
        """Return the frequency and core voltage the simulated miner runs."""
        return self.simulator.state.frequency, self.simulator.state.core_voltage

    def commands(self) -> list[str]:
        """Return the pause and resume commands the simulated miner received, in order."""
        return [
            path for method, path, _ in self.simulator.requests if method != "GET" and path in PAUSE_RESUME
        ]


@dataclass
class Container:
    """A simulated container set up in Home Assistant."""

    simulator: AntspaceSimulator
    entry: MockConfigEntry
    device_id: str


async def _miner(hass: HomeAssistant, start_simulator: SimulatorFactory, *, profiles: bool = False) -> Miner:
    """Start a simulated Bitaxe Gamma on AxeOS 2.15 (it can pause), with our profiles when asked."""
    simulator = await start_simulator("2.15", "gamma")
    template = miner_entry(simulator)
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=template.title,
        unique_id=template.unique_id,
        data=dict(template.data),
        options={"profiles": PROFILES} if profiles else {},
    )
    await set_up_entry(hass, entry)
    return Miner(simulator, _device_id(hass, entry))


def _device_id(hass: HomeAssistant, entry: MockConfigEntry) -> str:
    (device,) = dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)
    return device.id


async def _container(setup_container: ContainerSetup, hass: HomeAssistant, *miners: Miner) -> Container:
    """Start a simulated HK3 whose options name the miners inside."""
    simulator, entry = await setup_container("hk3", options={"miners": [m.device_id for m in miners]})
    return Container(simulator, entry, _device_id(hass, entry))


async def _automation(hass: HomeAssistant, container: Container, **inputs: Any) -> list[dict[str, Any]]:
    """Set up one automation from the blueprint; return the messages it will send (recorded)."""
    messages: list[dict[str, Any]] = []

    @callback
    def record(event: Event[Any]) -> None:
        messages.append(dict(event.data))

    hass.bus.async_listen(MESSAGE_EVENT, record)
    assert await async_setup_component(hass, "persistent_notification", {})
    config = {
        "id": "container_rule",
        "alias": "Container rule",
        "use_blueprint": {
            "path": BLUEPRINT,
            "input": {"container": container.device_id, "notify": RECORD, **inputs},
        },
    }
    assert await async_setup_component(hass, "automation", {"automation": config})
    await _run(hass)
    return messages


async def _run(hass: HomeAssistant) -> None:
    """Let triggered automations and the commands they send run to the end."""
    for _ in range(3):
        await asyncio.sleep(0)
        await hass.async_block_till_done(wait_background_tasks=True)


async def _poll(hass: HomeAssistant, container: Container) -> None:
    """Read the container now (it would every 30 s) and let the automation act."""
    await container.entry.runtime_data.async_refresh()
    await _run(hass)


async def _raise(hass: HomeAssistant, container: Container, flag: str, *, persistent: bool = False) -> None:
    """Raise a fault in the simulated container and let Home Assistant read it."""
    container.simulator.raise_fault(flag, persistent=persistent)
    await _poll(hass, container)


async def _clear(hass: HomeAssistant, container: Container, flag: str) -> None:
    """Clear a fault in the simulated container and let Home Assistant read it."""
    container.simulator.clear_fault(flag)
    await _poll(hass, container)


async def _wait(hass: HomeAssistant, freezer: FrozenDateTimeFactory, seconds: float) -> None:
    """Let time pass in 30-second steps; the container's own poll reads it at each."""
    while seconds > 0:
        step = min(30.0, seconds)
        freezer.tick(timedelta(seconds=step))
        async_fire_time_changed(hass)
        await _run(hass)
        seconds -= step


async def _start_home_assistant(hass: HomeAssistant) -> None:
    """Fire the start of Home Assistant after automations were set up while it was not running."""
    hass.bus.async_fire(EVENT_HOMEASSISTANT_START)
    hass.set_state(CoreState.running)
    hass.bus.async_fire(EVENT_HOMEASSISTANT_STARTED)
    await _run(hass)


# --- Protecting the miners ------------------------------------------------------------------------


async def test_leak_stops_the_miners_inside_and_is_announced_once(
    hass: HomeAssistant, start_simulator: SimulatorFactory, setup_container: ContainerSetup
) -> None:
    """A leak stops both miners set in the container's options (not a third one); one default notification."""
    inside = [await _miner(hass, start_simulator), await _miner(hass, start_simulator)]
    outside = await _miner(hass, start_simulator)
    container = await _container(setup_container, hass, *inside)
    # The blueprint's defaults: a persistent notification, every severity, stop mining, no restart.
    assert await async_setup_component(hass, "persistent_notification", {})
    config = {
        "id": "leak",
        "alias": "Leak",
        "use_blueprint": {"path": BLUEPRINT, "input": {"container": container.device_id}},
    }
    assert await async_setup_component(hass, "automation", {"automation": config})
    await _run(hass)

    await _raise(hass, container, "leakage_fault")
    assert [miner.paused for miner in inside] == [True, True]
    assert not outside.paused
    assert outside.commands() == []
    await _poll(hass, container)  # still leaking: nothing new
    notifications = [
        n
        for n in persistent_notification._async_get_or_create_notifications(hass).values()
        if n["notification_id"].startswith("mining_fleet_container_")
    ]
    assert len(notifications) == 1
    (notification,) = notifications
    assert notification["title"] == "Antspace hk3: critical alert"
    names = [inside[0].simulator.state.hostname, inside[1].simulator.state.hostname]
    assert notification["message"].startswith("Leakage (critical). Mining stopped on ")
    assert all(name in notification["message"] for name in names)
    assert [miner.commands() for miner in inside] == [[PAUSE], [PAUSE]]

    # Cleared: the message replaces the alert's; without a restart asked for, they stay stopped.
    await _clear(hass, container, "leakage_fault")
    notifications = persistent_notification._async_get_or_create_notifications(hass)
    assert notifications[notification["notification_id"]]["title"] == "Antspace hk3: alert cleared"
    assert [miner.paused for miner in inside] == [True, True]


async def test_high_alert_only_notifies(
    hass: HomeAssistant, start_simulator: SimulatorFactory, setup_container: ContainerSetup
) -> None:
    """A fan fault (high) is told; the miners keep hashing and receive nothing."""
    miner = await _miner(hass, start_simulator)
    container = await _container(setup_container, hass, miner)
    messages = await _automation(hass, container)
    await _raise(hass, container, "fan1_fault")
    assert not miner.paused
    assert miner.commands() == []
    assert [(m["title"], m["message"], m["severity"]) for m in messages] == [
        ("Antspace hk3: high alert", "Exhaust fan 1 fault (high).", "high")
    ]


async def test_nothing_on_critical_only_tells(
    hass: HomeAssistant, start_simulator: SimulatorFactory, setup_container: ContainerSetup
) -> None:
    """With "nothing" chosen a leak is told, and the miners are left alone."""
    miner = await _miner(hass, start_simulator)
    container = await _container(setup_container, hass, miner)
    messages = await _automation(hass, container, critical_action="nothing")
    await _raise(hass, container, "leakage_fault")
    assert not miner.paused
    assert [m["message"] for m in messages] == ["Leakage (critical)."]


async def test_safest_settings_keep_the_miners_hashing_slowly(
    hass: HomeAssistant, start_simulator: SimulatorFactory, setup_container: ContainerSetup
) -> None:
    """ "Safest settings": a pump failure puts the Bitaxe on 400 MHz at 1150 mV; it is not stopped."""
    miner = await _miner(hass, start_simulator)
    container = await _container(setup_container, hass, miner)
    messages = await _automation(hass, container, critical_action="safest")
    assert miner.point == BOOT_POINT
    await _raise(hass, container, "circulating_pump_fault")
    assert miner.point == SAFEST_POINT
    assert not miner.paused
    (message,) = messages
    assert "Safest settings applied on" in message["message"]


async def test_extra_miners_are_protected_too(
    hass: HomeAssistant, start_simulator: SimulatorFactory, setup_container: ContainerSetup
) -> None:
    """A miner picked in the automation (not in the container's options) is stopped with the one inside."""
    inside, extra, elsewhere = [await _miner(hass, start_simulator) for _ in range(3)]
    container = await _container(setup_container, hass, inside)
    await _automation(hass, container, extra_miners=[extra.device_id, inside.device_id])
    await _raise(hass, container, "supply_liquid_flow_low")
    assert (inside.paused, extra.paused, elsewhere.paused) == (True, True, False)
    assert inside.commands() == [PAUSE]  # named twice, stopped once


async def test_a_miner_that_cannot_stop_holds_up_no_other(
    hass: HomeAssistant, start_simulator: SimulatorFactory, setup_container: ContainerSetup
) -> None:
    """A Bitaxe on AxeOS 2.12 (no remote pause) inside: it is skipped, the other miner still stops."""
    old = await start_simulator("2.12", "supra")
    old_entry = miner_entry(old)
    await set_up_entry(hass, old_entry)
    miner = await _miner(hass, start_simulator)
    simulator, entry = await setup_container(  # the old one named first
        "hk3", options={"miners": [_device_id(hass, old_entry), miner.device_id]}
    )
    container = Container(simulator, entry, _device_id(hass, entry))
    await _automation(hass, container)
    await _raise(hass, container, "leakage_fault")
    assert miner.paused


async def test_no_miners_set_is_told(hass: HomeAssistant, setup_container: ContainerSetup) -> None:
    """A container with no miners set: the leak message says nothing could be stopped."""
    container = await _container(setup_container, hass)
    messages = await _automation(hass, container)
    await _raise(hass, container, "leakage_fault")
    (message,) = messages
    assert "No miners are set for this container" in message["message"]


async def test_severity_filter_and_cleared_messages(
    hass: HomeAssistant, start_simulator: SimulatorFactory, setup_container: ContainerSetup
) -> None:
    """Critical and high only, no clearing messages: a medium alert is silent, a critical one still stops."""
    miner = await _miner(hass, start_simulator)
    container = await _container(setup_container, hass, miner)
    messages = await _automation(
        hass, container, notify_severities=["critical", "high"], notify_cleared=False
    )
    await _raise(hass, container, "freezing_alarm")  # medium
    await _clear(hass, container, "freezing_alarm")
    assert messages == []
    await _raise(hass, container, "spray_pump_fault")  # high
    await _clear(hass, container, "spray_pump_fault")
    await _raise(hass, container, "leakage_fault")
    assert miner.paused
    assert [m["severity"] for m in messages] == ["high", "critical"]


async def test_cleared_alerts_are_told_by_default(
    hass: HomeAssistant, start_simulator: SimulatorFactory, setup_container: ContainerSetup
) -> None:
    """Appearing and clearing are both told, with the same notification id."""
    container = await _container(setup_container, hass)
    messages = await _automation(hass, container)
    await _raise(hass, container, "freezing_alarm")
    await _clear(hass, container, "freezing_alarm")
    assert [(m["title"], m["message"]) for m in messages] == [
        ("Antspace hk3: medium alert", "Freezing alarm (medium)."),
        ("Antspace hk3: alert cleared", "Cleared: Freezing alarm (medium)."),
    ]
    assert messages[0]["notification_id"] == messages[1]["notification_id"]


# --- Bringing them back ---------------------------------------------------------------------------


async def test_restart_after_quiet_time_and_a_new_critical_alert_starts_the_count_again(
    hass: HomeAssistant,
    start_simulator: SimulatorFactory,
    setup_container: ContainerSetup,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Leak cleared; a flow alert 5 min later restarts the count; 10 min after that one clears they mine."""
    miners = [await _miner(hass, start_simulator), await _miner(hass, start_simulator)]
    container = await _container(setup_container, hass, *miners)
    messages = await _automation(hass, container, auto_restart=True, restart_after={"minutes": 10})
    await _raise(hass, container, "leakage_fault")
    assert all(miner.paused for miner in miners)
    assert "They start again once no critical alert has been active for 10 min." in messages[0]["message"]
    await _clear(hass, container, "leakage_fault")
    await _wait(hass, freezer, 300)
    assert all(miner.paused for miner in miners)

    await _raise(hass, container, "supply_liquid_flow_low")
    await _wait(hass, freezer, 60)
    await _clear(hass, container, "supply_liquid_flow_low")
    await _wait(hass, freezer, 540)  # 15 min after the leak cleared, 9 after the flow alert
    assert all(miner.paused for miner in miners)
    await _wait(hass, freezer, 90)
    assert not any(miner.paused for miner in miners)
    assert [miner.commands() for miner in miners] == [[PAUSE, PAUSE, RESUME]] * 2
    assert messages[-1]["title"] == "Antspace hk3: miners back"
    assert messages[-1]["message"].startswith("No critical alert for 10 min: mining started again on ")
    await _wait(hass, freezer, 1800)  # once
    assert [miner.commands() for miner in miners] == [[PAUSE, PAUSE, RESUME]] * 2


async def test_high_alert_does_not_hold_up_the_restart(
    hass: HomeAssistant,
    start_simulator: SimulatorFactory,
    setup_container: ContainerSetup,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Only critical alerts count: a fan fault staying after the leak cleared does not keep them stopped."""
    miner = await _miner(hass, start_simulator)
    container = await _container(setup_container, hass, miner)
    await _automation(hass, container, auto_restart=True, restart_after={"minutes": 2})
    container.simulator.raise_fault("fan1_fault")
    await _raise(hass, container, "leakage_fault")
    assert miner.paused
    await _clear(hass, container, "leakage_fault")
    await _wait(hass, freezer, 150)
    assert not miner.paused


async def test_safest_settings_then_back_on_a_profile(
    hass: HomeAssistant,
    start_simulator: SimulatorFactory,
    setup_container: ContainerSetup,
    freezer: FrozenDateTimeFactory,
) -> None:
    """After safest settings the miner ramps to the chosen profile once the alert has been gone 5 min."""
    miner = await _miner(hass, start_simulator, profiles=True)
    container = await _container(setup_container, hass, miner)
    messages = await _automation(
        hass,
        container,
        critical_action="safest",
        auto_restart=True,
        restart_after={"minutes": 5},
        restart_profile="night",
    )
    await _raise(hass, container, "supply_liquid_temp_too_high")
    assert miner.point == SAFEST_POINT
    await _clear(hass, container, "supply_liquid_temp_too_high")
    await _wait(hass, freezer, 270)
    assert miner.point == SAFEST_POINT
    await _wait(hass, freezer, 60)
    night = PROFILES["night"]
    assert miner.point == (night["frequency_mhz"], night["core_voltage_mv"])
    assert not miner.paused
    assert messages[-1]["message"].endswith('back on the profile "night".')


@pytest.mark.parametrize(("persistent", "restarted"), [(True, False), (False, True)])
async def test_a_leak_that_survives_reset_keeps_them_stopped(
    hass: HomeAssistant,
    start_simulator: SimulatorFactory,
    setup_container: ContainerSetup,
    freezer: FrozenDateTimeFactory,
    persistent: bool,
    restarted: bool,
) -> None:
    """reset_cooling clears a latched leak (they come back 10 min later) but not a real one (they stay stopped)."""
    miner = await _miner(hass, start_simulator)
    container = await _container(setup_container, hass, miner)
    messages = await _automation(hass, container, auto_restart=True)
    await _raise(hass, container, "leakage_fault", persistent=persistent)
    assert miner.paused
    await hass.services.async_call(DOMAIN, "reset_cooling", {"device_id": container.device_id}, blocking=True)
    await _run(hass)
    await _wait(hass, freezer, 1200)
    assert miner.paused is not restarted
    alerts = hass.states.get("sensor.antspace_hk3_active_alerts")
    assert alerts is not None and alerts.state == ("1" if persistent else "0")
    assert [m["title"] for m in messages][1:] == (
        ["Antspace hk3: alert cleared", "Antspace hk3: miners back"] if restarted else []
    )


@pytest.mark.parametrize(("read_again_after", "restarted"), [(180, True), (420, False)])
async def test_an_unreadable_container_restarts_nothing_unless_read_again_in_time(
    hass: HomeAssistant,
    start_simulator: SimulatorFactory,
    setup_container: ContainerSetup,
    freezer: FrozenDateTimeFactory,
    read_again_after: int,
    restarted: bool,
) -> None:
    """The time runs on while the container cannot be read; at its end the container must be read and calm."""
    miner = await _miner(hass, start_simulator)
    # An extra miner: known even while the container (and the miners set in it) cannot be read.
    container = await _container(setup_container, hass)
    await _automation(hass, container, auto_restart=True, extra_miners=[miner.device_id])
    await _raise(hass, container, "leakage_fault")
    await _clear(hass, container, "leakage_fault")
    await _wait(hass, freezer, 300)
    container.simulator.broken = "http500"
    await _poll(hass, container)
    assert hass.states.get("sensor.antspace_hk3_status").state == "unavailable"
    await _wait(hass, freezer, read_again_after)
    container.simulator.broken = "none"
    await _wait(hass, freezer, 1200)
    assert miner.paused is not restarted


async def test_an_unreachable_container_coming_back_starts_nothing(
    hass: HomeAssistant,
    start_simulator: SimulatorFactory,
    setup_container: ContainerSetup,
    freezer: FrozenDateTimeFactory,
) -> None:
    """No critical alert, the container away a while and back: a miner stopped by hand stays stopped."""
    miner = await _miner(hass, start_simulator)
    container = await _container(setup_container, hass, miner)
    await _automation(hass, container, auto_restart=True, restart_after={"minutes": 1})
    miner.simulator.state.paused = True
    container.simulator.broken = "http500"
    await _wait(hass, freezer, 120)
    container.simulator.broken = "none"
    await _wait(hass, freezer, 600)
    assert miner.paused
    assert miner.commands() == []


# --- Home Assistant starting, a container coming back -----------------------------------------------


async def test_start_of_home_assistant_with_a_leak_stops_the_miners(
    hass: HomeAssistant, start_simulator: SimulatorFactory, setup_container: ContainerSetup
) -> None:
    """The container's own announcement comes before automations listen: the start is checked instead."""
    miner = await _miner(hass, start_simulator)
    hass.set_state(CoreState.not_running)
    container = await _container(setup_container, hass, miner)
    container.simulator.raise_fault("leakage_fault")
    container.simulator.raise_fault("fan1_fault")
    await _poll(hass, container)  # announced now, before any automation listens
    messages = await _automation(hass, container, notify_severities=["critical"])
    assert not miner.paused
    await _start_home_assistant(hass)
    assert miner.paused
    (message,) = messages
    assert message["title"] == "Antspace hk3: alerts active at start"
    assert message["message"].startswith(
        "Active when Home Assistant started: Leakage (critical). Mining stopped on "
    )


async def test_start_without_critical_alert_changes_nothing(
    hass: HomeAssistant, start_simulator: SimulatorFactory, setup_container: ContainerSetup
) -> None:
    """A start with only a fan fault active tells it and leaves the miners alone."""
    miner = await _miner(hass, start_simulator)
    hass.set_state(CoreState.not_running)
    container = await _container(setup_container, hass, miner)
    await _raise(hass, container, "fan1_fault")
    messages = await _automation(hass, container)
    await _start_home_assistant(hass)
    assert not miner.paused
    assert [m["message"] for m in messages] == [
        "Active when Home Assistant started: Exhaust fan 1 fault (high)."
    ]


async def test_a_container_set_up_again_with_a_leak_stops_its_miners(
    hass: HomeAssistant, start_simulator: SimulatorFactory, setup_container: ContainerSetup
) -> None:
    """A leak found at the container's first poll (back after being unreachable) still stops the miners.

    That poll announces the leak before the container's device is known (no device id).
    """
    miner = await _miner(hass, start_simulator)
    container = await _container(setup_container, hass, miner)
    messages = await _automation(hass, container)
    assert await hass.config_entries.async_unload(container.entry.entry_id)
    container.simulator.raise_fault("leakage_fault")
    assert await hass.config_entries.async_setup(container.entry.entry_id)
    await _run(hass)
    assert miner.paused
    assert [m["title"] for m in messages] == ["Antspace hk3: critical alert"]


async def test_container_reloaded_during_a_leak_does_not_announce_it_again(
    hass: HomeAssistant, start_simulator: SimulatorFactory, setup_container: ContainerSetup
) -> None:
    """New options reload the container; the leak it already announced is not announced (or acted on) again."""
    first, added = await _miner(hass, start_simulator), await _miner(hass, start_simulator)
    container = await _container(setup_container, hass, first)
    messages = await _automation(hass, container)
    await _raise(hass, container, "leakage_fault", persistent=True)
    assert (first.paused, added.paused) == (True, False)
    hass.config_entries.async_update_entry(
        container.entry, options={"miners": [first.device_id, added.device_id]}
    )
    await _run(hass)
    assert (first.paused, added.paused) == (True, False)
    assert len(messages) == 1
