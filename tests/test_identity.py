"""Identity for every kind that writes: foreign data is refused, and nothing is sent to a newcomer."""

from __future__ import annotations

from datetime import timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.select import ATTR_OPTION, DOMAIN as SELECT_DOMAIN, SERVICE_SELECT_OPTION
from homeassistant.const import ATTR_DEVICE_ID, ATTR_ENTITY_ID, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import device_registry as dr
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.mining_fleet.const import DOMAIN, SCAN_INTERVAL

from .conftest import MinerSetup, VNishSetup, object_id_prefix

NEWCOMER_MAC = "02:00:00:00:be:ef"


async def _poll(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    """Let one poll interval pass."""
    freezer.tick(SCAN_INTERVAL + timedelta(seconds=1))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)


def _device_id(hass: HomeAssistant, entry: MockConfigEntry) -> str:
    """Return the device of a config entry."""
    (device,) = dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)
    return device.id


async def test_bitaxe_replaced_before_the_next_poll_gets_nothing(
    hass: HomeAssistant, setup_miner: MinerSetup
) -> None:
    """A Max swapped for a Gamma at the same address: the chosen voltage is never sent to the Gamma."""
    miner, entry = await setup_miner("2.15")
    miner.mac = NEWCOMER_MAC  # another board now answers at the address; no poll has seen it yet
    with pytest.raises(HomeAssistantError) as caught:
        await hass.services.async_call(
            SELECT_DOMAIN,
            SERVICE_SELECT_OPTION,
            {ATTR_ENTITY_ID: f"select.{object_id_prefix(miner)}_core_voltage", ATTR_OPTION: "1200 mV"},
            blocking=True,
        )
    assert caught.value.translation_key == "action_wrong_device"
    with pytest.raises(HomeAssistantError):
        await hass.services.async_call(
            DOMAIN, "stop_mining", {ATTR_DEVICE_ID: _device_id(hass, entry)}, blocking=True
        )
    assert [method for method, _, _ in miner.requests if method != "GET"] == []
    assert miner.state.paused is False


@pytest.mark.parametrize("reply", [{"macAddr": NEWCOMER_MAC}, {"macAddr": None}], ids=["other", "none"])
async def test_bitaxe_foreign_or_anonymous_data_is_not_shown(
    hass: HomeAssistant, setup_miner: MinerSetup, freezer: FrozenDateTimeFactory, reply: dict[str, str | None]
) -> None:
    """Another MAC, or none at all, makes the entities unavailable instead of showing another board's values."""
    miner, _ = await setup_miner("2.15")
    miner.overrides = reply
    await _poll(hass, freezer)
    name = object_id_prefix(miner)
    assert hass.states.get(f"sensor.{name}_hashrate").state == STATE_UNAVAILABLE
    assert hass.states.get(f"binary_sensor.{name}_online").state == "off"


async def test_vnish_replaced_miner_is_refused(
    hass: HomeAssistant, setup_vnish: VNishSetup, freezer: FrozenDateTimeFactory
) -> None:
    """Another Antminer with the same default password: its data is refused and it gets no command."""
    miner, entry = await setup_vnish()
    miner.mac, miner.serial = NEWCOMER_MAC, "JYZZ00000001"
    with pytest.raises(HomeAssistantError) as caught:
        await hass.services.async_call(
            DOMAIN, "stop_mining", {ATTR_DEVICE_ID: _device_id(hass, entry)}, blocking=True
        )
    assert caught.value.translation_key == "action_wrong_device"
    assert "stop" not in miner.commands
    await _poll(hass, freezer)
    assert hass.states.get("sensor.antminer_s19_hashrate").state == STATE_UNAVAILABLE
    assert "different miner" in str(entry.runtime_data.last_exception)


async def test_vnish_placeholder_serial_is_no_identity(
    hass: HomeAssistant, setup_vnish: VNishSetup, freezer: FrozenDateTimeFactory
) -> None:
    """A serial of "N/A" and no MAC identifies nothing: the data is not trusted."""
    miner, entry = await setup_vnish()
    miner.mac, miner.serial = "", "N/A"
    await _poll(hass, freezer)
    assert hass.states.get("sensor.antminer_s19_hashrate").state == STATE_UNAVAILABLE
    assert "did not say which miner" in str(entry.runtime_data.last_exception)


async def test_vnish_keyed_by_serial_is_recognised(
    hass: HomeAssistant, setup_vnish: VNishSetup, freezer: FrozenDateTimeFactory
) -> None:
    """An entry made from a serial number keeps working when the firmware later reports a MAC."""
    miner, entry = await setup_vnish()
    hass.config_entries.async_update_entry(entry, unique_id=miner.serial)
    await _poll(hass, freezer)
    assert hass.states.get("sensor.antminer_s19_hashrate").state != STATE_UNAVAILABLE
