"""Every control writes to the simulated miner, and the state reads back through Home Assistant."""

from __future__ import annotations

from homeassistant.components.button import DOMAIN as BUTTON_DOMAIN, SERVICE_PRESS
from homeassistant.components.number import ATTR_VALUE, DOMAIN as NUMBER_DOMAIN, SERVICE_SET_VALUE
from homeassistant.components.select import ATTR_OPTION, DOMAIN as SELECT_DOMAIN, SERVICE_SELECT_OPTION
from homeassistant.components.switch import DOMAIN as SWITCH_DOMAIN
from homeassistant.const import ATTR_ENTITY_ID, SERVICE_TURN_OFF, SERVICE_TURN_ON
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
import pytest

from simulators.axeos import AxeOSSimulator, Fault

from ..conftest import MinerSetup, object_id_prefix


def _patches(miner: AxeOSSimulator) -> list[object]:
    """Return the bodies of every PATCH the miner received."""
    return [body for method, _, body in miner.requests if method == "PATCH"]


async def _call(hass: HomeAssistant, domain: str, service: str, entity_id: str, **data: object) -> None:
    """Call an entity service and wait for it."""
    await hass.services.async_call(domain, service, {ATTR_ENTITY_ID: entity_id, **data}, blocking=True)


async def test_frequency_and_voltage_selects(hass: HomeAssistant, setup_miner: MinerSetup) -> None:
    """Picking an option sets it on the miner; the select and sensor read it back."""
    miner, _ = await setup_miner("2.15")
    name = object_id_prefix(miner)
    await _call(
        hass, SELECT_DOMAIN, SERVICE_SELECT_OPTION, f"select.{name}_frequency", **{ATTR_OPTION: "600 MHz"}
    )
    assert miner.state.frequency == 600
    assert hass.states.get(f"select.{name}_frequency").state == "600 MHz"
    assert hass.states.get(f"sensor.{name}_frequency").state == "600.0"
    await _call(
        hass, SELECT_DOMAIN, SERVICE_SELECT_OPTION, f"select.{name}_core_voltage", **{ATTR_OPTION: "1200 mV"}
    )
    assert miner.state.core_voltage == 1200
    assert hass.states.get(f"select.{name}_core_voltage").state == "1200 mV"


async def test_unsafe_option_is_never_sent(hass: HomeAssistant, setup_miner: MinerSetup) -> None:
    """A value off the model's list is refused by Home Assistant before anything reaches the miner."""
    miner, _ = await setup_miner("2.15")
    with pytest.raises(ServiceValidationError):
        await _call(
            hass,
            SELECT_DOMAIN,
            SERVICE_SELECT_OPTION,
            f"select.{object_id_prefix(miner)}_core_voltage",
            **{ATTR_OPTION: "1400 mV"},
        )
    assert _patches(miner) == []
    assert miner.state.core_voltage == 1150


async def test_value_off_the_list_reads_unknown(hass: HomeAssistant, setup_miner: MinerSetup) -> None:
    """A setting made elsewhere that is not a safe option shows as unknown, not as a wrong option."""
    miner, entry = await setup_miner("2.15")
    miner.state.frequency = 540
    await entry.runtime_data.async_refresh()
    assert hass.states.get(f"select.{object_id_prefix(miner)}_frequency").state == "unknown"


async def test_fan_speed_and_temperature_target(hass: HomeAssistant, setup_miner: MinerSetup) -> None:
    """Manual fan speed switches auto fan off; the temperature target is stored."""
    miner, _ = await setup_miner("2.12")
    name = object_id_prefix(miner)
    await _call(hass, NUMBER_DOMAIN, SERVICE_SET_VALUE, f"number.{name}_manual_fan_speed", **{ATTR_VALUE: 65})
    assert miner.state.manual_fan == 65
    assert miner.state.autofan is False
    assert hass.states.get(f"number.{name}_manual_fan_speed").state == "65.0"
    assert hass.states.get(f"switch.{name}_automatic_fan_control").state == "off"
    await _call(
        hass, NUMBER_DOMAIN, SERVICE_SET_VALUE, f"number.{name}_temperature_target", **{ATTR_VALUE: 58}
    )
    assert miner.state.temp_target == 58
    assert hass.states.get(f"number.{name}_temperature_target").state == "58.0"
    await _call(hass, SWITCH_DOMAIN, SERVICE_TURN_ON, f"switch.{name}_automatic_fan_control")
    assert miner.state.autofan is True


@pytest.mark.parametrize(("entity", "value"), [("manual_fan_speed", 5), ("temperature_target", 80)])
async def test_out_of_range_numbers_are_refused(
    hass: HomeAssistant, setup_miner: MinerSetup, entity: str, value: int
) -> None:
    """Fan below the safe minimum or a temperature target above 66 °C never reaches the miner."""
    miner, _ = await setup_miner("2.15")
    with pytest.raises(ServiceValidationError):
        await _call(
            hass,
            NUMBER_DOMAIN,
            SERVICE_SET_VALUE,
            f"number.{object_id_prefix(miner)}_{entity}",
            **{ATTR_VALUE: value},
        )
    assert _patches(miner) == []


async def test_mining_switch_pauses_and_resumes(hass: HomeAssistant, setup_miner: MinerSetup) -> None:
    """The mining switch pauses and resumes hashing on 2.14+."""
    miner, _ = await setup_miner("2.15")
    name = object_id_prefix(miner)
    await _call(hass, SWITCH_DOMAIN, SERVICE_TURN_OFF, f"switch.{name}_mining")
    assert miner.state.paused is True
    assert hass.states.get(f"switch.{name}_mining").state == "off"
    assert hass.states.get(f"binary_sensor.{name}_paused").state == "on"
    await _call(hass, SWITCH_DOMAIN, SERVICE_TURN_ON, f"switch.{name}_mining")
    assert miner.state.paused is False
    assert hass.states.get(f"switch.{name}_mining").state == "on"


async def test_no_mining_switch_before_2_14(hass: HomeAssistant, setup_miner: MinerSetup) -> None:
    """Firmware without pause/resume gets no mining switch."""
    miner, _ = await setup_miner("2.12")
    assert hass.states.get(f"switch.{object_id_prefix(miner)}_mining") is None


async def test_identify_and_clear_overheat(hass: HomeAssistant, setup_miner: MinerSetup) -> None:
    """Identify reaches the miner; clearing an overheat lock-out turns the problem sensor off."""
    miner, entry = await setup_miner("2.15")
    name = object_id_prefix(miner)
    await _call(hass, BUTTON_DOMAIN, SERVICE_PRESS, f"button.{name}_identify")
    assert ("POST", "/api/system/identify", None) in miner.requests
    miner.overheat()
    await entry.runtime_data.async_refresh()
    await hass.async_block_till_done()
    assert hass.states.get(f"binary_sensor.{name}_overheat").state == "on"
    await _call(hass, BUTTON_DOMAIN, SERVICE_PRESS, f"button.{name}_clear_overheat")
    assert miner.state.overheat_mode == 0
    assert hass.states.get(f"binary_sensor.{name}_overheat").state == "off"


async def test_restart_takes_the_miner_away_and_back(hass: HomeAssistant, setup_miner: MinerSetup) -> None:
    """Restart reboots the miner; the online sensor follows it down and back up."""
    clock = [1000.0]
    miner, entry = await setup_miner("2.15", clock=lambda: clock[0])
    name = object_id_prefix(miner)
    miner.state.shares_accepted = 12
    await _call(hass, BUTTON_DOMAIN, SERVICE_PRESS, f"button.{name}_restart")
    await entry.runtime_data.async_refresh()
    await hass.async_block_till_done()
    assert hass.states.get(f"binary_sensor.{name}_online").state == "off"
    assert hass.states.get(f"sensor.{name}_hashrate").state == "unavailable"
    clock[0] += 30
    await entry.runtime_data.async_refresh()
    await hass.async_block_till_done()
    assert hass.states.get(f"binary_sensor.{name}_online").state == "on"
    assert int(hass.states.get(f"sensor.{name}_accepted_shares").state) < 12  # counters restart


@pytest.mark.parametrize(
    ("fault", "key"),
    [
        (Fault.HTTP_500, "action_unexpected_response"),
        (Fault.OFFLINE, "action_cannot_connect"),
        (Fault.NOT_LOCAL, "action_not_local"),
        (Fault.BAD_REQUEST, "action_rejected"),
    ],
)
async def test_failed_action_raises_translated_error(
    hass: HomeAssistant, setup_miner: MinerSetup, fault: Fault, key: str
) -> None:
    """A failed command tells the user which miner and why, in their language."""
    miner, entry = await setup_miner("2.15")
    miner.fault = fault
    with pytest.raises(HomeAssistantError) as caught:
        await _call(hass, SWITCH_DOMAIN, SERVICE_TURN_OFF, f"switch.{object_id_prefix(miner)}_mining")
    assert caught.value.translation_key == key
    assert caught.value.translation_placeholders["name"] == entry.title
    assert miner.state.paused is False


async def test_no_identify_before_2_12(hass: HomeAssistant, setup_miner: MinerSetup) -> None:
    """Firmware without the identify endpoint gets no identify button."""
    miner, _ = await setup_miner("2.9")
    assert hass.states.get(f"button.{object_id_prefix(miner)}_identify") is None


@pytest.mark.parametrize(("stored", "sent"), [(5, 20), (60, 60)])
async def test_auto_fan_off_never_leaves_the_fan_below_the_floor(
    hass: HomeAssistant, setup_miner: MinerSetup, stored: int, sent: int
) -> None:
    """Turning automatic fan control off sends a manual duty of at least 20 % with it."""
    miner, entry = await setup_miner("2.15")
    miner.state.manual_fan = stored
    await entry.runtime_data.async_refresh()
    await _call(
        hass, SWITCH_DOMAIN, SERVICE_TURN_OFF, f"switch.{object_id_prefix(miner)}_automatic_fan_control"
    )
    assert _patches(miner)[-1] == {"autofanspeed": 0, "manualFanSpeed": sent, "fanspeed": sent}
    assert miner.state.autofan is False
    assert miner.state.manual_fan == sent
