"""Entities a miner does not report in its first polls are added as soon as it does (after a power cut)."""

from __future__ import annotations

from datetime import timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from custom_components.mining_fleet.const import SCAN_INTERVAL

from .conftest import SimulatorFactory, VNishFactory, miner_entry, set_up_entry, vnish_entry


async def _poll(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    """Let one poll interval pass."""
    freezer.tick(SCAN_INTERVAL + timedelta(seconds=1))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)


def _keys(hass: HomeAssistant, entry_id: str) -> set[str]:
    """Return the entity keys (unique-id suffixes) an entry has."""
    return {
        entity.unique_id.split("_", 1)[1]
        for entity in er.async_entries_for_config_entry(er.async_get(hass), entry_id)
    }


async def test_bitaxe_sensors_appear_with_their_data(
    hass: HomeAssistant, start_simulator: SimulatorFactory, freezer: FrozenDateTimeFactory
) -> None:
    """A first reply with temp -1, vrTemp 0 and no fan or Wi-Fi reading still ends with those sensors."""
    miner = await start_simulator("2.15")
    miner.overrides = {"temp": -1, "vrTemp": 0, "fanrpm": None, "wifiRSSI": None}
    entry = miner_entry(miner)
    await set_up_entry(hass, entry)
    late = {"asic_temperature", "vr_temperature", "fan_speed", "wifi_rssi"}
    assert not late & _keys(hass, entry.entry_id)
    miner.overrides = {}
    await _poll(hass, freezer)
    assert late <= _keys(hass, entry.entry_id)
    await _poll(hass, freezer)  # no duplicates on later polls
    assert len(_keys(hass, entry.entry_id)) == len(
        er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)
    )


async def test_vnish_fans_and_hashboards_appear_after_starting(
    hass: HomeAssistant, start_vnish: VNishFactory, freezer: FrozenDateTimeFactory
) -> None:
    """Set up while the miner starts (summary without miner): fans and boards come once it mines."""
    clock = [0.0]
    miner = await start_vnish(clock=lambda: clock[0])
    miner.timings.starting = 60
    miner._enter("starting")
    entry = vnish_entry(miner)
    await set_up_entry(hass, entry)
    assert not {key for key in _keys(hass, entry.entry_id) if key.startswith(("fan_1", "board_1"))}
    clock[0] += 120
    await _poll(hass, freezer)
    keys = _keys(hass, entry.entry_id)
    assert {"fan_1_speed", "board_1_hashrate", "board_1_temperature"} <= keys
