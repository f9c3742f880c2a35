"""The Antspace client against the simulated controllers over real HTTP on 127.0.0.1."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

import aiohttp
import pytest

from custom_components.mining_fleet.api.antspace import AntspaceClient
from custom_components.mining_fleet.api.antspace_models import Model, Severity, Status
from custom_components.mining_fleet.api.errors import ApiBadRequestError, ApiResponseError, ApiTimeoutError
from simulators.antspace import FAULT_FLAGS, AntspaceSimulator

from ..tuning.conftest import SimClock

# The spec's severities, written out here so a mistake in the integration's table shows.
SEVERITY = {
    "hk3": {
        "power_fault": "medium",
        "liquid_level_low": "medium",
        "circulating_pump_fault": "critical",
        "fan1_fault": "high",
        "fan2_fault": "high",
        "fluid_infusion_pump_fault": "high",
        "spray_pump_fault": "high",
        "cooling_tower_fan1_fault": "high",
        "cooling_tower_fan2_fault": "high",
        "cooling_tower_fan3_fault": "high",
        "leakage_fault": "critical",
        "supply_liquid_temp_high": "high",
        "supply_liquid_temp_too_high": "critical",
        "supply_liquid_pressure_high": "critical",
        "return_liquid_pressure_low": "critical",
        "supply_liquid_flow_low": "critical",
        "freezing_alarm": "medium",
        "cooling_tower_liquid_level_low": "high",
        "disconnect": "high",
    },
    "immersion": {
        "primary_circulating_pump": "critical",
        "dry_cooler_power_fre_fault": "high",
        "dry_cooler_fre_conv": "high",
        "second_pump1_fault": "critical",
        "second_pump2_fault": "critical",
        "fan_fault": "high",
        "phasefailure": "high",
        "supply_liquid_temp_fault": "critical",
        "return_liquid_temp_fault": "critical",
        "power_distribution_Fault": "high",
        "lever_sensor_fault": "critical",
        "smoke_sensor_fault": "high",
        "return_liquid_temp_high": "high",
        "return_liquid_temp_too_high": "critical",
        "power_distribution_temp_high": "high",
        "lever_high": "high",
        "lever_low": "critical",
        "leakage_fault": "critical",
        "supply_liquid_temp_high": "high",
        "supply_liquid_temp_too_high": "critical",
        "pump_alarm": "high",
        "disconnect": "high",
    },
}
LIMITS = (21.0, 40.0)
# Flags the vendor does not map: problems and alerts, but the status follows the vendor's own flags.
EXTRA = {
    "hk3": {"disconnect"},
    "immersion": {
        "leakage_fault",
        "supply_liquid_temp_high",
        "supply_liquid_temp_too_high",
        "pump_alarm",
        "disconnect",
    },
}

type ContainerFactory = Callable[..., Awaitable[AntspaceSimulator]]


@pytest.fixture
async def start_container(socket_enabled: None) -> AsyncIterator[ContainerFactory]:
    """Start simulated containers on free loopback ports; stop them after the test."""
    started: list[AntspaceSimulator] = []

    async def _start(model: str = "hk3", **kwargs: object) -> AntspaceSimulator:
        kwargs.setdefault("seed", len(started))
        container = AntspaceSimulator(model, **kwargs)  # type: ignore[arg-type]
        await container.start()
        started.append(container)
        return container

    yield _start
    for container in started:
        await container.stop()


def _client(
    container: AntspaceSimulator, session: aiohttp.ClientSession, timeout: float = 5
) -> AntspaceClient:
    host, port = container.host.split(":")
    return AntspaceClient(host, session, port=int(port), timeout=timeout)


async def test_both_models_are_read_in_our_units(start_container: ContainerFactory) -> None:
    """HK3 pressures in bar, power from both boxes; Immersion voltages in V, power in W; both running."""
    hk3, immersion = await start_container("hk3"), await start_container("immersion")
    async with aiohttp.ClientSession() as session:
        hk3_state = await _client(hk3, session).cooler_state()
        immersion_state = await _client(immersion, session).cooler_state()
    assert hk3_state.model is Model.HK3 and immersion_state.model is Model.IMMERSION
    assert hk3_state.values["supply_liquid_pressure"] == pytest.approx(3.2, abs=0.1)
    assert hk3_state.power_w == pytest.approx(300_000, rel=0.01)
    assert immersion_state.values["vol_a_distribution"] == pytest.approx(223.3, abs=1)
    assert immersion_state.power_w == pytest.approx(300_000, rel=0.02)
    for state in (hk3_state, immersion_state):
        assert state.status is Status.RUNNING and state.alerts == [] and state.setpoint is not None


@pytest.mark.parametrize("model", ["hk3", "immersion"])
async def test_every_fault_flag_raises_its_alert_with_the_spec_severity(
    start_container: ContainerFactory, model: str
) -> None:
    """Each flag on its own: one alert of the spec's severity, status error; cleared: none."""
    container = await start_container(model)
    assert set(FAULT_FLAGS[model]) == set(SEVERITY[model])
    async with aiohttp.ClientSession() as session:
        client = _client(container, session)
        for key, severity in SEVERITY[model].items():
            container.raise_fault(key)
            state = await client.cooler_state()
            assert [(alert.key, str(alert.severity)) for alert in state.alerts] == [(key, severity)]
            assert state.status is (Status.RUNNING if key in EXTRA[model] else Status.ERROR)
            container.clear_fault(key)
        assert (await client.cooler_state()).alerts == []


async def test_writes_are_read_back(start_container: ContainerFactory) -> None:
    """Close stops the pumps, open starts them, the setpoint and PID mode stick, reset clears latched alarms."""
    container = await start_container("hk3")
    async with aiohttp.ClientSession() as session:
        client = _client(container, session)
        await client.set_cooling(False)
        state = await client.cooler_state()
        assert state.status is Status.STOPPED and state.running["circulating_pump"] is False
        await client.set_cooling(True)
        assert (await client.cooler_state()).status is Status.RUNNING
        await client.set_supply_temperature(28.5, LIMITS)
        assert (await client.cooler_state()).setpoint == 28.5
        await client.set_pid_mode()
        state = await client.cooler_state()
        assert state.pid_mode is True and state.setpoint == 38
        container.raise_fault("freezing_alarm")
        container.raise_fault("leakage_fault", persistent=True)
        await client.reset()
        assert [alert.key for alert in (await client.cooler_state()).alerts] == ["leakage_fault"]


async def test_a_setpoint_outside_the_limits_is_never_sent(start_container: ContainerFactory) -> None:
    """Below, above, or not a number: refused before any request."""
    container = await start_container("hk3")
    async with aiohttp.ClientSession() as session:
        client = _client(container, session)
        for value in (20.9, 40.1, float("nan"), float("inf")):
            with pytest.raises(ApiBadRequestError):
                await client.set_supply_temperature(value, LIMITS)
    assert container.requests == []


async def test_a_cold_supply_is_an_alert(start_container: ContainerFactory) -> None:
    """Supply below 20 °C (and not a zero reading) raises the computed high alert."""
    clock = SimClock()
    container = await start_container("hk3", clock=clock)
    container.state.setpoint = 15
    clock.advance(600)
    async with aiohttp.ClientSession() as session:
        state = await _client(container, session).cooler_state()
    assert [(a.key, a.severity) for a in state.alerts] == [("supply_liquid_temp_low", Severity.HIGH)]
    assert state.status is Status.RUNNING  # a computed alert is not a fault flag


async def test_stopped_cooling_warms_with_the_load(start_container: ContainerFactory) -> None:
    """Without cooling the supply rises about 1 °C a minute at 300 kW; with it, it returns to the setpoint."""
    clock = SimClock()
    container = await start_container("hk3", clock=clock)
    async with aiohttp.ClientSession() as session:
        client = _client(container, session)
        await client.set_cooling(False)
        clock.advance(600)
        warm = (await client.cooler_state()).values["supply_liquid_temp"]
        await client.set_cooling(True)
        clock.advance(900)
        cooled = (await client.cooler_state()).values["supply_liquid_temp"]
    assert warm == pytest.approx(40, abs=0.5)
    assert cooled == pytest.approx(30, abs=0.5)


async def test_miner_info(start_container: ContainerFactory) -> None:
    """Count, total hashrate and the hottest chip; a failing minerInfo is an error of its own."""
    container = await start_container("immersion")
    async with aiohttp.ClientSession() as session:
        client = _client(container, session)
        info = await client.miner_info()
        assert info.count == 3 and info.chip_max_temp == 70 and len(info.miners) == 3
        assert info.total_hashrate == 300_000
        container.miner_info_broken = True
        with pytest.raises(ApiResponseError):
            await client.miner_info()
        assert (await client.cooler_state()).status is Status.RUNNING


@pytest.mark.parametrize("broken", ["http500", "not_ok", "not_json", "no_params"])
async def test_broken_replies_are_errors(start_container: ContainerFactory, broken: str) -> None:
    """A 500, ok false, HTML, or an envelope without params: an ApiResponseError, never a half-read state.

    Also for a client that knows its model already: an empty reply must never read as "all clear".
    """
    container = await start_container("hk3")
    async with aiohttp.ClientSession() as session:
        client = _client(container, session)
        await client.cooler_state()
        assert client.model is Model.HK3
        container.broken = broken
        with pytest.raises(ApiResponseError):
            await client.cooler_state()


async def test_a_slow_controller_times_out(start_container: ContainerFactory) -> None:
    """A controller slower than the client's deadline is a timeout."""
    container = await start_container("hk3")
    container.slow_seconds = 2
    async with aiohttp.ClientSession() as session:
        with pytest.raises(ApiTimeoutError):
            await _client(container, session, timeout=0.3).cooler_state()


@pytest.mark.parametrize("model", ["hk3", "immersion"])
async def test_the_looser_wire_forms_read_the_same(start_container: ContainerFactory, model: str) -> None:
    """Flags as 0/1 and "true"/"false", numbers as strings, a chip-temperature sentinel: the same reading."""
    strict = await start_container(model, seed=7)
    loose = await start_container(model, seed=7, loose=True)
    for container in (strict, loose):
        container.raise_fault(FAULT_FLAGS[model][0])
    async with aiohttp.ClientSession() as session:
        strict_state, loose_state = [await _client(c, session).cooler_state() for c in (strict, loose)]
        info = await _client(loose, session).miner_info()
    assert loose_state.faults == strict_state.faults and loose_state.running == strict_state.running
    assert loose_state.status is strict_state.status is Status.ERROR
    assert loose_state.values.keys() == strict_state.values.keys()
    assert all(value is not None for value in loose_state.values.values())
    assert info.chip_max_temp is None  # the sentinel is no reading
