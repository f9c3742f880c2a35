"""The fleet's entity set: a large farm keeps every miner to its essential entities, and can go back."""

from __future__ import annotations

from datetime import timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.mining_fleet.bitaxe.coordinator import BitaxeCoordinator
from custom_components.mining_fleet.diagnostics import async_get_config_entry_diagnostics
from custom_components.mining_fleet.fleet.coordinator import TOTALS_COOLDOWN_SECONDS
from custom_components.mining_fleet.vnish.coordinator import VNishCoordinator

from ..conftest import MinerSetup, VNishSetup, fleet_entry, set_up_entry


def _keys(hass: HomeAssistant, entry: MockConfigEntry) -> set[str]:
    """Return the keys of a miner's registered entities (its unique ids without the miner's prefix)."""
    registry = er.async_get(hass)
    return {
        entity.unique_id.removeprefix(f"{entry.unique_id}_")
        for entity in er.async_entries_for_config_entry(registry, entry.entry_id)
    }


def _states(hass: HomeAssistant, entry: MockConfigEntry) -> dict[str, str]:
    """Return the state of each of a miner's entities, by key."""
    registry = er.async_get(hass)
    return {
        entity.unique_id.removeprefix(f"{entry.unique_id}_"): state.state
        for entity in er.async_entries_for_config_entry(registry, entry.entry_id)
        if (state := hass.states.get(entity.entity_id)) is not None
    }


async def _choose(hass: HomeAssistant, fleet: MockConfigEntry, entity_set: str) -> None:
    """Choose the entity set in the overview's Configure, as a user does, and let the miners reload."""
    result = await hass.config_entries.options.async_init(fleet.entry_id)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "entities"
    result = await hass.config_entries.options.async_configure(result["flow_id"], {"entity_set": entity_set})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()


async def _farm(
    hass: HomeAssistant, setup_miner: MinerSetup, setup_vnish: VNishSetup
) -> tuple[MockConfigEntry, MockConfigEntry, MockConfigEntry]:
    """Set up a Bitaxe, an Antminer and the fleet overview; return their entries."""
    _, bitaxe = await setup_miner("2.15")
    _, antminer = await setup_vnish()
    fleet = fleet_entry()
    await set_up_entry(hass, fleet)
    return bitaxe, antminer, fleet


async def test_essential_only_keeps_each_miner_to_its_essential_entities(
    hass: HomeAssistant, setup_miner: MinerSetup, setup_vnish: VNishSetup
) -> None:
    """Choosing Essential only deletes the other entities; the essential ones read right; All brings all back."""
    bitaxe, antminer, fleet = await _farm(hass, setup_miner, setup_vnish)
    everything = {bitaxe.entry_id: _keys(hass, bitaxe), antminer.entry_id: _keys(hass, antminer)}
    before = {bitaxe.entry_id: _states(hass, bitaxe), antminer.entry_id: _states(hass, antminer)}

    await _choose(hass, fleet, "essential")

    assert _keys(hass, bitaxe) == BitaxeCoordinator.essential_keys
    assert _keys(hass, antminer) == VNishCoordinator.essential_keys
    for entry in (bitaxe, antminer):
        states = _states(hass, entry)
        assert states.keys() == _keys(hass, entry)
        assert states["online"] == "on"
        assert states["mining"] == "on"
        assert float(states["hashrate"]) > 0
        assert float(states["power"]) > 0
    assert float(hass.states.get("sensor.mining_fleet_total_hashrate").state) > 0
    assert hass.states.get("sensor.mining_fleet_miners_online").state == "2"

    await _choose(hass, fleet, "all")

    assert _keys(hass, bitaxe) == everything[bitaxe.entry_id]
    assert _keys(hass, antminer) == everything[antminer.entry_id]
    assert _states(hass, bitaxe).keys() == before[bitaxe.entry_id].keys()


async def test_a_miner_set_up_again_stays_essential(
    hass: HomeAssistant, setup_miner: MinerSetup, setup_vnish: VNishSetup
) -> None:
    """The choice is kept in the overview's options: a reload (as after a restart) adds nothing back."""
    bitaxe, antminer, fleet = await _farm(hass, setup_miner, setup_vnish)
    await _choose(hass, fleet, "essential")
    assert await hass.config_entries.async_reload(bitaxe.entry_id)
    await hass.async_block_till_done()
    assert bitaxe.state is ConfigEntryState.LOADED
    assert _keys(hass, bitaxe) == BitaxeCoordinator.essential_keys
    assert fleet.options == {"entity_set": "essential"}
    assert (await async_get_config_entry_diagnostics(hass, fleet))["entity_set"] == "essential"


async def test_the_options_form_shows_the_current_choice(
    hass: HomeAssistant, setup_miner: MinerSetup, setup_vnish: VNishSetup
) -> None:
    """Configure opens on what was chosen; saving the same choice again reloads nothing."""
    bitaxe, _, fleet = await _farm(hass, setup_miner, setup_vnish)
    await _choose(hass, fleet, "essential")
    result = await hass.config_entries.options.async_init(fleet.entry_id)
    schema = result["data_schema"].schema
    assert next(iter(schema)).default() == "essential"
    coordinator = bitaxe.runtime_data
    await hass.config_entries.options.async_configure(result["flow_id"], {"entity_set": "essential"})
    await hass.async_block_till_done()
    assert bitaxe.runtime_data is coordinator


async def test_removing_the_overview_gives_every_miner_all_its_entities_back(
    hass: HomeAssistant, setup_miner: MinerSetup, setup_vnish: VNishSetup
) -> None:
    """Without the overview nobody can choose, so the miners go back to every entity at once."""
    bitaxe, antminer, fleet = await _farm(hass, setup_miner, setup_vnish)
    everything = _keys(hass, antminer)
    await _choose(hass, fleet, "essential")
    assert _keys(hass, antminer) == VNishCoordinator.essential_keys
    await hass.config_entries.async_remove(fleet.entry_id)
    await hass.async_block_till_done()
    assert _keys(hass, antminer) == everything
    assert _keys(hass, bitaxe) > BitaxeCoordinator.essential_keys


async def test_saving_the_default_on_a_new_overview_reloads_nothing(
    hass: HomeAssistant, setup_miner: MinerSetup, setup_vnish: VNishSetup
) -> None:
    """A new overview has chosen All without saving it: confirming All must not reload the whole farm."""
    bitaxe, antminer, fleet = await _farm(hass, setup_miner, setup_vnish)
    assert fleet.options == {}
    coordinators = (bitaxe.runtime_data, antminer.runtime_data)
    await _choose(hass, fleet, "all")
    assert (bitaxe.runtime_data, antminer.runtime_data) == coordinators
    assert fleet.options == {"entity_set": "all"}


async def test_choosing_essential_before_adding_miners_creates_nothing_else(
    hass: HomeAssistant, setup_miner: MinerSetup, setup_vnish: VNishSetup, freezer: FrozenDateTimeFactory
) -> None:
    """The large-farm path: the overview first, then each miner only ever registers its essential entities."""
    fleet = fleet_entry()
    await set_up_entry(hass, fleet)
    await _choose(hass, fleet, "essential")
    _, bitaxe = await setup_miner("2.15")
    _, antminer = await setup_vnish()
    assert _keys(hass, bitaxe) == BitaxeCoordinator.essential_keys
    assert _keys(hass, antminer) == VNishCoordinator.essential_keys
    # Nothing was created and deleted: Home Assistant keeps no record of a deleted entity for them.
    deleted = er.async_get(hass).deleted_entities.values()
    assert not [
        entity for entity in deleted if entity.config_entry_id in {bitaxe.entry_id, antminer.entry_id}
    ]
    freezer.tick(timedelta(seconds=TOTALS_COOLDOWN_SECONDS + 1))  # the overview recomputes at most this often
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert hass.states.get("sensor.mining_fleet_miners_online").state == "2"
