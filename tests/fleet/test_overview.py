"""The fleet overview through Home Assistant: offered, added once, totals that follow the miners."""

from __future__ import annotations

from datetime import timedelta
import math

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import SOURCE_IGNORE, SOURCE_INTEGRATION_DISCOVERY, SOURCE_USER
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import device_registry as dr
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.mining_fleet.const import DOMAIN, FLEET_UNIQUE_ID, SCAN_INTERVAL
from custom_components.mining_fleet.diagnostics import async_get_config_entry_diagnostics
from custom_components.mining_fleet.entity import (
    COUNTER_WRITE_INTERVAL,
    MiningFleetSensor,
    MiningFleetSensorDescription,
)
from custom_components.mining_fleet.fleet.coordinator import TOTALS_COOLDOWN_SECONDS, FleetCoordinator
from simulators.axeos import AxeOSSimulator, Fault

from ..conftest import (
    MinerSetup,
    SimulatorFactory,
    VNishSetup,
    fleet_entry,
    miner_entry,
    object_id_prefix,
    set_up_entry,
)


def _state(hass: HomeAssistant, key: str) -> float:
    """Return a fleet sensor's state as a number."""
    return float(hass.states.get(f"sensor.mining_fleet_{key}").state)


async def _pass(hass: HomeAssistant, freezer: FrozenDateTimeFactory, seconds: float) -> None:
    """Let time pass so polls and the totals' cooldown run."""
    freezer.tick(timedelta(seconds=seconds))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)


def _discovery_flows(hass: HomeAssistant) -> list[str]:
    """Return the ids of the fleet overview offers in progress."""
    return [
        flow["flow_id"]
        for flow in hass.config_entries.flow.async_progress_by_handler(DOMAIN)
        if flow["context"]["source"] == SOURCE_INTEGRATION_DISCOVERY
    ]


async def test_added_from_the_menu_once(hass: HomeAssistant) -> None:
    """The overview can be added by hand, and only once."""
    for expected in (FlowResultType.CREATE_ENTRY, FlowResultType.ABORT):
        result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
        result = await hass.config_entries.flow.async_configure(result["flow_id"], {"next_step_id": "fleet"})
        assert result["type"] is expected
    assert result["reason"] == "already_configured"
    await hass.async_block_till_done()
    assert hass.states.get("sensor.mining_fleet_miners").state == "0"


async def test_offered_once_there_are_two_miners(
    hass: HomeAssistant, setup_miner: MinerSetup, setup_vnish: VNishSetup
) -> None:
    """One miner: nothing offered. Two: the overview waits under Discovered for a confirmation."""
    await setup_miner("2.15")
    await hass.async_block_till_done()
    assert _discovery_flows(hass) == []
    await setup_vnish()
    await hass.async_block_till_done()
    flows = _discovery_flows(hass)
    assert len(flows) == 1
    result = await hass.config_entries.flow.async_configure(flows[0], {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert hass.states.get("sensor.mining_fleet_miners").state == "2"


async def test_ignored_offer_is_not_repeated(
    hass: HomeAssistant, setup_miner: MinerSetup, setup_vnish: VNishSetup
) -> None:
    """Once the user ignores the offer, loading more miners does not bring it back."""
    await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": SOURCE_IGNORE},
        data={"unique_id": FLEET_UNIQUE_ID, "title": "Mining fleet"},
    )
    await setup_miner("2.15")
    await setup_vnish()
    await hass.async_block_till_done()
    assert _discovery_flows(hass) == []


async def _fleet(
    hass: HomeAssistant, start_simulator: SimulatorFactory, setup_vnish: VNishSetup
) -> tuple[MockConfigEntry, list[AxeOSSimulator]]:
    """Set up two warmed-up Bitaxes (hashing at full rate), one Antminer and the overview."""
    clock = [0.0]
    bitaxes = [await start_simulator(firmware, clock=lambda: clock[0]) for firmware in ("2.15", "2.12")]
    clock[0] = 600.0
    for bitaxe in bitaxes:
        await set_up_entry(hass, miner_entry(bitaxe))
    await setup_vnish()
    entry = fleet_entry()
    await set_up_entry(hass, entry)
    return entry, bitaxes


def _sum_of_miners(hass: HomeAssistant) -> tuple[float, float]:
    """Return total hashrate (TH/s) and power (W) read from the miners' own sensors."""
    miners = [
        state
        for state in hass.states.async_all("sensor")
        if not state.entity_id.startswith("sensor.mining_fleet") and state.state != "unavailable"
    ]
    bitaxes = [float(s.state) / 1000 for s in miners if s.entity_id.endswith("_hashrate_1_minute")]  # GH/s
    antminers = [float(s.state) for s in miners if s.entity_id == "sensor.antminer_s19_hashrate"]
    assert all(hashrate > 0 for hashrate in bitaxes + antminers)
    hashrate = sum(bitaxes) + sum(antminers)
    power = sum(float(s.state) for s in miners if s.entity_id.endswith("_power"))
    return hashrate, power


async def test_totals_are_the_sum_of_the_miners(
    hass: HomeAssistant, start_simulator: SimulatorFactory, setup_vnish: VNishSetup
) -> None:
    """Hashrate and power equal the sums of the miners' sensors; counts and efficiency follow."""
    await _fleet(hass, start_simulator, setup_vnish)
    hashrate, power = _sum_of_miners(hass)
    assert _state(hass, "total_hashrate") == pytest.approx(hashrate, rel=1e-3)
    assert _state(hass, "power") == pytest.approx(power, rel=1e-3)
    assert _state(hass, "efficiency") == pytest.approx(power / hashrate, rel=1e-2)
    assert (_state(hass, "miners"), _state(hass, "miners_online"), _state(hass, "miners_mining")) == (3, 3, 3)
    assert hass.states.get("sensor.mining_fleet_energy").attributes["state_class"] == "total_increasing"
    device = dr.async_get(hass).async_get_device(identifiers={(DOMAIN, FLEET_UNIQUE_ID)})
    assert device is not None and device.name == "Mining fleet"


async def test_follows_miners_without_polling(
    hass: HomeAssistant,
    start_simulator: SimulatorFactory,
    setup_vnish: VNishSetup,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A paused miner stops counting as mining; an offline one is counted offline and leaves the totals."""
    _, (paused, unplugged) = await _fleet(hass, start_simulator, setup_vnish)
    await hass.services.async_call(
        "switch", "turn_off", {"entity_id": f"switch.{object_id_prefix(paused)}_mining"}, blocking=True
    )
    await _pass(hass, freezer, TOTALS_COOLDOWN_SECONDS + 1)
    assert _state(hass, "miners_mining") == 2
    hashrate_before = _state(hass, "total_hashrate")
    unplugged.fault = Fault.OFFLINE
    await _pass(hass, freezer, SCAN_INTERVAL.total_seconds())
    await _pass(hass, freezer, TOTALS_COOLDOWN_SECONDS + 1)
    assert (_state(hass, "miners_online"), _state(hass, "miners")) == (2, 3)
    hashrate, _ = _sum_of_miners(hass)  # the offline miner's sensors are unavailable, so not summed
    assert _state(hass, "total_hashrate") == pytest.approx(hashrate, rel=1e-3)
    assert _state(hass, "total_hashrate") < hashrate_before


async def test_energy_counts_steadily_and_never_drops(
    hass: HomeAssistant, setup_miner: MinerSetup, setup_vnish: VNishSetup, freezer: FrozenDateTimeFactory
) -> None:
    """Energy grows with every write (a minute apart), also after a miner is removed (which lowers power, not energy)."""
    await setup_miner("2.15")
    _, vnish_entry = await setup_vnish()
    await set_up_entry(hass, fleet_entry())
    energies = []
    for _ in range(4):
        await _pass(hass, freezer, COUNTER_WRITE_INTERVAL.total_seconds())
        energies.append(_state(hass, "energy"))
    assert energies == sorted(energies) and energies[-1] > energies[0] > 0
    power_before = _state(hass, "power")
    assert await hass.config_entries.async_remove(vnish_entry.entry_id)
    await _pass(hass, freezer, TOTALS_COOLDOWN_SECONDS + 1)
    assert _state(hass, "miners") == 1
    assert _state(hass, "power") < power_before
    before = _state(hass, "energy")
    await _pass(hass, freezer, COUNTER_WRITE_INTERVAL.total_seconds())
    assert _state(hass, "energy") > before


async def test_steady_totals_still_integrate_energy(
    hass: HomeAssistant, setup_vnish: VNishSetup, freezer: FrozenDateTimeFactory
) -> None:
    """Ten minutes at an unchanging power still add energy (every update is a sample)."""
    simulator, _ = await setup_vnish()
    await set_up_entry(hass, fleet_entry())
    simulator.steady = True
    start = _state(hass, "energy")
    for _ in range(40):
        await _pass(hass, freezer, SCAN_INTERVAL.total_seconds())
    assert _state(hass, "energy") - start == pytest.approx(_state(hass, "power") * 600 / 3600 / 1000, rel=0.1)


async def test_miner_waiting_to_load_counts_as_offline(
    hass: HomeAssistant, setup_miner: MinerSetup, start_simulator: SimulatorFactory
) -> None:
    """A configured miner that could not be reached at start-up is a miner offline, not a missing one."""
    await setup_miner("2.15")
    unreachable = await start_simulator("2.12")
    unreachable.fault = Fault.OFFLINE
    await set_up_entry(hass, miner_entry(unreachable))
    await set_up_entry(hass, fleet_entry())
    assert (_state(hass, "miners"), _state(hass, "miners_online")) == (2, 1)


async def test_menu_while_offered_and_no_repeated_offers(
    hass: HomeAssistant, setup_miner: MinerSetup, setup_vnish: VNishSetup
) -> None:
    """Reloading miners does not pile up offers; adding from the menu while offered works and ends the offer."""
    _, bitaxe_entry = await setup_miner("2.15")
    await setup_vnish()
    for _ in range(3):
        assert await hass.config_entries.async_reload(bitaxe_entry.entry_id)
    await hass.async_block_till_done()
    assert len(_discovery_flows(hass)) == 1
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"next_step_id": "fleet"})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert _discovery_flows(hass) == []


async def test_unloading_the_overview_stops_listening(
    hass: HomeAssistant, setup_miner: MinerSetup, setup_vnish: VNishSetup, freezer: FrozenDateTimeFactory
) -> None:
    """The overview polls nothing itself, and after it unloads the miners carry on without it."""
    _, bitaxe_entry = await setup_miner("2.15")
    await setup_vnish()
    entry = fleet_entry()
    await set_up_entry(hass, entry)
    coordinator = entry.runtime_data
    assert coordinator.update_interval is None
    miner = bitaxe_entry.runtime_data
    listeners_with_fleet = len(miner._listeners)
    assert await hass.config_entries.async_unload(entry.entry_id)
    assert len(miner._listeners) == listeners_with_fleet - 1
    await _pass(hass, freezer, SCAN_INTERVAL.total_seconds())
    assert miner.last_update_success


async def test_diagnostics_and_no_reconfigure(
    hass: HomeAssistant, start_simulator: SimulatorFactory, setup_vnish: VNishSetup
) -> None:
    """Diagnostics list the totals and members; reconfiguring has nothing to change."""
    entry, _ = await _fleet(hass, start_simulator, setup_vnish)
    diagnostics = await async_get_config_entry_diagnostics(hass, entry)
    assert diagnostics["entity_set"] == "all"
    assert diagnostics["totals"]["miners"] == 3
    assert len(diagnostics["miners"]) == 3
    result = await entry.start_reconfigure_flow(hass)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_not_supported"


async def test_a_non_finite_value_is_stored_as_unknown(hass: HomeAssistant) -> None:
    """Whatever a description computes, a non-finite float never becomes a state (HA would refuse it)."""
    entry = fleet_entry()
    await set_up_entry(hass, entry)
    for value in (math.nan, math.inf, 2.5):
        description = MiningFleetSensorDescription[FleetCoordinator](
            key="probe", value_fn=lambda _, v=value: v
        )
        sensor = MiningFleetSensor(entry.runtime_data, description)
        assert sensor.native_value == (None if not math.isfinite(value) else 2.5)
