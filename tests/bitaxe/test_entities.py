"""Entities and the device, for old and new firmware, read through Home Assistant's registries."""

from __future__ import annotations

from homeassistant.const import STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.device_registry import format_mac
import pytest

from custom_components.mining_fleet.const import DOMAIN
from simulators.axeos import Board

from ..conftest import MinerSetup, SimulatorFactory, miner_entry, object_id_prefix, set_up_entry
from ..snapshot import assert_snapshot, entity_table


@pytest.mark.parametrize(
    ("firmware", "board"), [("2.5", "ultra"), ("2.9", None), ("2.12", None), ("2.15", None)]
)
async def test_entity_table(
    hass: HomeAssistant, setup_miner: MinerSetup, firmware: str, board: str | None
) -> None:
    """Each firmware gets the entities it supports, with units, classes and categories."""
    _, entry = await setup_miner(firmware, board)
    assert_snapshot(f"entities_{firmware}", entity_table(hass, entry.entry_id))


async def test_device_registry(hass: HomeAssistant, setup_miner: MinerSetup) -> None:
    """The device carries model, firmware, MAC and a link to the miner's web UI."""
    miner, entry = await setup_miner("2.15")
    device = dr.async_get(hass).async_get_device(identifiers={(DOMAIN, format_mac(miner.mac))})
    assert device is not None
    assert device.manufacturer == "Bitaxe"
    assert device.model == "Gamma BM1370"
    assert device.model_id == "601"
    assert device.sw_version == "v2.15.0"
    assert device.name == miner.state.hostname
    assert (dr.CONNECTION_NETWORK_MAC, format_mac(miner.mac)) in device.connections
    assert device.configuration_url == f"http://{miner.host}"


async def test_live_values(hass: HomeAssistant, setup_miner: MinerSetup) -> None:
    """The enabled sensors read plausible values from the simulator."""
    miner, _ = await setup_miner("2.15")
    name = object_id_prefix(miner)
    hashrate = float(hass.states.get(f"sensor.{name}_expected_hashrate").state)
    assert hashrate == pytest.approx(525 * 2040 / 1000, rel=0.01)
    assert float(hass.states.get(f"sensor.{name}_power").state) > 0
    assert hass.states.get(f"sensor.{name}_active_pool").state == "public-pool.io:21496"
    assert hass.states.get(f"binary_sensor.{name}_online").state == "on"
    assert hass.states.get(f"binary_sensor.{name}_overheat").state == "off"
    assert hass.states.get(f"switch.{name}_mining").state == "on"
    assert hass.states.get(f"select.{name}_frequency").state == "525 MHz"
    assert hass.states.get(f"select.{name}_core_voltage").attributes["options"] == [
        f"{mv} mV" for mv in (1000, 1060, 1100, 1150, 1200, 1250)
    ]
    assert hass.states.get(f"sensor.{name}_last_boot").state not in (STATE_UNKNOWN, STATE_UNAVAILABLE)
    assert hass.states.get(f"sensor.{name}_energy").attributes["state_class"] == "total_increasing"


async def test_unknown_model_gets_no_voltage_or_frequency_control(
    hass: HomeAssistant, start_simulator: SimulatorFactory
) -> None:
    """Without the firmware's options or a known model we offer no choices rather than guesses."""
    miner = await start_simulator("2.5")
    miner.board = Board("BM9999", "999", "Mystery", 100, 1, (), 0, (), 0)
    entry = miner_entry(miner)
    await set_up_entry(hass, entry)
    assert hass.states.async_entity_ids("select") == []
    assert hass.states.async_entity_ids("sensor")
