"""Statistics per profile across a simulated day and night, kept across a restart, for a miner and the fleet."""

from __future__ import annotations

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
import pytest

from custom_components.mining_fleet.entity import COUNTER_WRITE_INTERVAL

from ..conftest import MinerSetup, fleet_entry, object_id_prefix, set_up_entry
from .conftest import SimClock, tick
from .test_profiles import apply_profile

# A miner's statistics per profile are disabled by default.
pytestmark = pytest.mark.usefixtures("enable_all_entities")

POLL = 15
HALF_HOUR = 1800
# A counter's state may lag its value by up to a write interval (a minute).
LAG_HOURS = COUNTER_WRITE_INTERVAL.total_seconds() / 3600


async def _run(hass: HomeAssistant, freezer: FrozenDateTimeFactory, clock: SimClock, seconds: float) -> None:
    """Let polls run every 15 s, the simulator's physics moving with them."""
    for _ in range(int(seconds // POLL)):
        clock.advance(POLL)
        await tick(hass, freezer, POLL)


def _value(hass: HomeAssistant, entity_id: str) -> float:
    return float(hass.states.get(entity_id).state)


async def test_day_and_night_are_compared_and_kept_across_a_restart(
    hass: HomeAssistant, setup_miner: MinerSetup, freezer: FrozenDateTimeFactory
) -> None:
    """Half an hour on each profile: time, energy, averages and efficiency per profile, also for the fleet."""
    clock = SimClock()
    miner, entry = await setup_miner(clock=clock)
    await set_up_entry(hass, fleet_entry())
    prefix = f"sensor.{object_id_prefix(miner)}"
    assert hass.states.get(f"{prefix}_energy_on_day").state == "unknown"
    await apply_profile(hass, entry, "day")
    await _run(hass, freezer, clock, HALF_HOUR)
    await apply_profile(hass, entry, "night")
    await _run(hass, freezer, clock, HALF_HOUR)
    for profile in ("day", "night"):
        assert _value(hass, f"{prefix}_time_on_{profile}") == pytest.approx(
            0.5, abs=2 * POLL / 3600 + LAG_HOURS
        )
    day_power, night_power = (_value(hass, f"{prefix}_average_power_on_{p}") for p in ("day", "night"))
    assert 10 < day_power < night_power < 16  # the simulator's Gamma: about 13.6 W at 490 MHz, 14.3 W at 525
    assert _value(hass, f"{prefix}_energy_on_day") == pytest.approx(day_power * 0.5 / 1000, rel=0.02)
    day_hashrate, night_hashrate = (
        _value(hass, f"{prefix}_average_hashrate_on_{p}") for p in ("day", "night")
    )
    assert day_hashrate < night_hashrate
    assert _value(hass, f"{prefix}_efficiency_on_night") == pytest.approx(
        night_power / night_hashrate, rel=0.01
    )
    assert _value(hass, "sensor.mining_fleet_energy_on_night") == pytest.approx(
        _value(hass, f"{prefix}_energy_on_night"), rel=0.01
    )
    before = {p: hass.states.get(f"{prefix}_energy_on_{p}").state for p in ("day", "night")}
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    after = {p: hass.states.get(f"{prefix}_energy_on_{p}").state for p in ("day", "night")}
    assert after["day"] == before["day"]
    # The night's state lagged its total by up to a write interval; the reload shows the total itself.
    night_lag_kwh = night_power * LAG_HOURS / 1000
    assert float(before["night"]) <= float(after["night"]) <= float(before["night"]) + night_lag_kwh + 1e-4
    # After a restart the clock goes on from where it was: night keeps counting, day does not.
    await _run(hass, freezer, clock, HALF_HOUR)
    assert _value(hass, f"{prefix}_time_on_night") == pytest.approx(1.0, abs=3 * POLL / 3600 + LAG_HOURS)
    assert hass.states.get(f"{prefix}_energy_on_day").state == before["day"]
