"""The energy sensor: integrated from power, restored after a restart, gaps not guessed."""

from __future__ import annotations

from datetime import timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant, State
import pytest
from pytest_homeassistant_custom_component.common import (
    async_fire_time_changed,
    mock_restore_cache_with_extra_data,
)

from custom_components.mining_fleet.const import SCAN_INTERVAL
from custom_components.mining_fleet.logic.energy import MAX_SAMPLE_GAP_SECONDS, EnergyIntegrator
from simulators.axeos import Fault

from .conftest import SimulatorFactory, miner_entry, object_id_prefix, set_up_entry


def test_integrator_trapezoid_and_gaps() -> None:
    """Watts over seconds become kWh; long gaps, missing and negative readings add nothing."""
    energy = EnergyIntegrator()
    for minute in range(61):  # one hour at 1 kW, ramping from 0 W in the first minute
        energy.add(minute * 60, 0 if minute == 0 else 1000)
    assert energy.total_kwh == pytest.approx(1.0 - 0.5 / 60)
    total = energy.total_kwh
    late = 3600 + MAX_SAMPLE_GAP_SECONDS + 1
    energy.add(late, 1000)
    energy.add(late + 60, None)
    energy.add(late + 120, 500)
    energy.add(late + 180, -5)
    energy.add(late + 240, 500)
    assert energy.total_kwh == pytest.approx(total)


async def test_energy_restored_and_counting(
    hass: HomeAssistant, start_simulator: SimulatorFactory, freezer: FrozenDateTimeFactory
) -> None:
    """After a restart the total continues from the stored value and grows with each poll."""
    miner = await start_simulator("2.15")
    entry = miner_entry(miner)
    entity_id = f"sensor.{object_id_prefix(miner)}_energy"
    mock_restore_cache_with_extra_data(
        hass,
        [
            (
                State(entity_id, "12.5"),
                {"native_value": 12.5, "native_unit_of_measurement": "kWh"},
            )
        ],
    )
    await set_up_entry(hass, entry)
    assert float(hass.states.get(entity_id).state) == pytest.approx(12.5)
    for _ in range(4):
        freezer.tick(SCAN_INTERVAL)
        async_fire_time_changed(hass)
        await hass.async_block_till_done(wait_background_tasks=True)
    power = float(hass.states.get(entity_id.replace("_energy", "_power")).state)
    expected = 12.5 + power * 60 / 3600 / 1000
    assert float(hass.states.get(entity_id).state) == pytest.approx(expected, rel=0.2)
    assert float(hass.states.get(entity_id).state) > 12.5

    miner.fault = Fault.OFFLINE
    before_outage = float(hass.states.get(entity_id).state)
    for _ in range(3):
        freezer.tick(SCAN_INTERVAL)
        async_fire_time_changed(hass)
        await hass.async_block_till_done(wait_background_tasks=True)
    assert hass.states.get(entity_id).state == "unavailable"
    miner.fault = Fault.NONE
    freezer.tick(SCAN_INTERVAL)
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    # The outage itself adds nothing: the first reading after it only starts a new stretch.
    assert float(hass.states.get(entity_id).state) == pytest.approx(before_outage)


async def test_energy_ignores_unusable_restore(
    hass: HomeAssistant, start_simulator: SimulatorFactory
) -> None:
    """A stored value that is not a number starts the total from zero."""
    miner = await start_simulator("2.15")
    entry = miner_entry(miner)
    entity_id = f"sensor.{object_id_prefix(miner)}_energy"
    mock_restore_cache_with_extra_data(
        hass, [(State(entity_id, "unknown"), {"native_value": None, "native_unit_of_measurement": "kWh"})]
    )
    await set_up_entry(hass, entry)
    assert float(hass.states.get(entity_id).state) == 0


def test_scan_interval_is_in_the_agreed_band() -> None:
    """The constant poll interval stays between 10 and 15 s."""
    assert timedelta(seconds=10) <= SCAN_INTERVAL <= timedelta(seconds=15)


@pytest.mark.parametrize("junk", [float("nan"), 1.7e308, -5.0], ids=["nan", "huge", "negative"])
async def test_junk_power_is_unknown_and_keeps_the_total(
    hass: HomeAssistant, start_simulator: SimulatorFactory, freezer: FrozenDateTimeFactory, junk: float
) -> None:
    """One junk power reading: power reads unknown (or as sent), energy keeps its total, others update."""
    miner = await start_simulator("2.15")
    await set_up_entry(hass, miner_entry(miner))
    name = object_id_prefix(miner)
    for _ in range(2):
        freezer.tick(SCAN_INTERVAL)
        async_fire_time_changed(hass)
        await hass.async_block_till_done(wait_background_tasks=True)
    energy = float(hass.states.get(f"sensor.{name}_energy").state)
    miner.overrides = {"power": junk, "uptimeSeconds": 1e11}
    miner.state.paused = True
    freezer.tick(SCAN_INTERVAL)
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert hass.states.get(f"sensor.{name}_power").state in ("unknown", str(junk))
    assert hass.states.get(f"sensor.{name}_last_boot").state == "unknown"  # an absurd uptime is no time
    assert float(hass.states.get(f"sensor.{name}_energy").state) == pytest.approx(energy)
    assert hass.states.get(f"switch.{name}_mining").state == "off"  # later entities still update
    miner.overrides = {}
    for _ in range(2):
        freezer.tick(SCAN_INTERVAL)
        async_fire_time_changed(hass)
        await hass.async_block_till_done(wait_background_tasks=True)
    assert float(hass.states.get(f"sensor.{name}_power").state) > 0
    assert float(hass.states.get(f"sensor.{name}_energy").state) >= energy


def test_integrator_ignores_non_finite_readings() -> None:
    """NaN and infinity end a stretch like a missing reading; the total stays finite."""
    integrator = EnergyIntegrator()
    for second, watts in enumerate([100.0, float("nan"), 100.0, float("inf"), 100.0, 100.0]):
        integrator.add(second * 10.0, watts)
    assert integrator.total_kwh == pytest.approx(100 * 10 / 3600 / 1000)


def test_integrator_never_stores_an_infinite_total() -> None:
    """Readings whose integral overflows leave the total as it was."""
    integrator = EnergyIntegrator(total_kwh=1.7976e308)
    integrator.add(0.0, 1e308)
    integrator.add(120.0, 1e308)  # adds 3.3e304 kWh: past the largest float
    assert integrator.total_kwh == 1.7976e308
