"""VNish Antminers through Home Assistant: config flow, reauth, entities, controls and faults."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from homeassistant.components.button import DOMAIN as BUTTON_DOMAIN, SERVICE_PRESS
from homeassistant.components.select import ATTR_OPTION, DOMAIN as SELECT_DOMAIN, SERVICE_SELECT_OPTION
from homeassistant.components.switch import DOMAIN as SWITCH_DOMAIN
from homeassistant.config_entries import SOURCE_USER, ConfigEntryState, ConfigFlowResult
from homeassistant.const import ATTR_ENTITY_ID, CONF_HOST, CONF_PASSWORD, SERVICE_TURN_OFF, SERVICE_TURN_ON
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.device_registry import format_mac
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import get_diagnostics_for_config_entry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.mining_fleet.const import CONF_KIND, DOMAIN, KIND_VNISH
from simulators.vnish import VNishFault

from ..conftest import VNishFactory, VNishSetup, set_up_entry, vnish_entry
from ..snapshot import assert_snapshot, entity_table

PREFIX = "antminer_s19"


async def _vnish_form(hass: HomeAssistant) -> str:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert result["menu_options"] == ["bitaxe", "vnish", "pool", "antspace", "auction", "fleet", "watchdog"]
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"next_step_id": "vnish"})
    assert result["step_id"] == "vnish"
    return result["flow_id"]


async def test_user_adds_vnish(hass: HomeAssistant, start_vnish: VNishFactory) -> None:
    """Host and password are checked against the miner; the MAC is the unique id."""
    miner = await start_vnish()
    flow_id = await _vnish_form(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_HOST: miner.host, CONF_PASSWORD: "admin"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == miner.hostname
    assert result["data"] == {CONF_KIND: KIND_VNISH, CONF_HOST: miner.host, CONF_PASSWORD: "admin"}
    assert result["result"].unique_id == format_mac(miner.mac)
    await hass.async_block_till_done()


async def test_serial_is_the_id_without_a_mac(hass: HomeAssistant, start_vnish: VNishFactory) -> None:
    """Firmware that hides the MAC is keyed by serial number."""
    miner = await start_vnish()
    miner.mac = ""
    flow_id = await _vnish_form(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_HOST: miner.host, CONF_PASSWORD: "admin"}
    )
    assert result["result"].unique_id == miner.serial
    await hass.async_block_till_done()


@pytest.mark.parametrize(
    ("password", "fault", "error"),
    [
        ("wrong", VNishFault.NONE, "invalid_auth"),
        ("admin", VNishFault.OFFLINE, "cannot_connect"),
        ("admin", VNishFault.MALFORMED_JSON, "unknown"),
    ],
)
async def test_user_errors_recover(
    hass: HomeAssistant, start_vnish: VNishFactory, password: str, fault: VNishFault, error: str
) -> None:
    """Each error shows on the form; correcting it finishes the flow."""
    miner = await start_vnish()
    miner.fault = fault
    flow_id = await _vnish_form(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_HOST: miner.host, CONF_PASSWORD: password}
    )
    assert result["errors"] == {"base": error}
    assert _suggested(result) == {CONF_HOST: miner.host}  # a mistyped password is not offered back
    miner.fault = VNishFault.NONE
    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_HOST: miner.host, CONF_PASSWORD: "admin"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()


async def test_no_identity(hass: HomeAssistant, start_vnish: VNishFactory) -> None:
    """A miner with neither MAC nor serial cannot be added."""
    miner = await start_vnish()
    miner.mac = miner.serial = ""
    flow_id = await _vnish_form(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_HOST: miner.host, CONF_PASSWORD: "admin"}
    )
    assert result["errors"] == {"base": "no_mac"}


def _suggested(result: ConfigFlowResult) -> dict[str, Any]:
    """Return the values a form offers back to the user."""
    return {
        str(key): key.description["suggested_value"]
        for key in result["data_schema"].schema
        if key.description and "suggested_value" in key.description
    }


async def test_password_change_starts_reauth(hass: HomeAssistant, setup_vnish: VNishSetup) -> None:
    """A changed password stops the entry and asks for the new one; the right one reloads it."""
    miner, entry = await setup_vnish()
    miner.password = "n3w"
    miner.expire_tokens()
    await entry.runtime_data.async_refresh()
    await hass.async_block_till_done()
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == ["reauth"]
    flow_id = flows[0]["flow_id"]
    result = await hass.config_entries.flow.async_configure(flow_id, {CONF_PASSWORD: "still-wrong"})
    assert result["errors"] == {"base": "invalid_auth"}
    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_PASSWORD: "n3w", "api_key": "short"}
    )
    assert result["errors"] == {"api_key": "api_key_length"}
    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_PASSWORD: "n3w", "api_key": "a" * 32}
    )
    assert result["reason"] == "reauth_successful"
    assert entry.data[CONF_PASSWORD] == "n3w"
    assert entry.options["api_key"] == "a" * 32  # firmware that wants a key gets it with the new password
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED


async def test_wrong_password_at_startup_asks_for_reauth(
    hass: HomeAssistant, start_vnish: VNishFactory
) -> None:
    """Set-up with a stale password fails into re-authentication, not endless retries."""
    miner = await start_vnish()
    entry = vnish_entry(miner, password="stale")
    await set_up_entry(hass, entry)
    assert entry.state is ConfigEntryState.SETUP_ERROR
    assert any(flow["context"]["source"] == "reauth" for flow in hass.config_entries.flow.async_progress())


async def test_reconfigure_vnish(hass: HomeAssistant, start_vnish: VNishFactory) -> None:
    """Reconfigure takes host and password; another miner is refused."""
    miner = await start_vnish()
    other = await start_vnish()
    entry: MockConfigEntry = vnish_entry(miner)
    entry.add_to_hass(hass)
    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: other.host, CONF_PASSWORD: "admin"}
    )
    assert result["reason"] == "wrong_device"
    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: miner.host, CONF_PASSWORD: "typo"}
    )
    assert result["errors"] == {"base": "invalid_auth"}
    assert _suggested(result) == {CONF_HOST: miner.host}  # the typo is never shown again
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: miner.host, CONF_PASSWORD: "admin"}
    )
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()


async def test_entities_and_device(hass: HomeAssistant, setup_vnish: VNishSetup) -> None:
    """The entity table, the device, and the states read from the simulator."""
    miner, entry = await setup_vnish()
    assert_snapshot("entities_vnish", entity_table(hass, entry.entry_id))
    device = dr.async_get(hass).async_get_device(identifiers={(DOMAIN, format_mac(miner.mac))})
    assert device is not None
    assert device.model == "Antminer S19"
    assert device.sw_version == "Vnish 1.2.6"
    assert device.serial_number == miner.serial
    assert hass.states.get(f"sensor.{PREFIX}_miner_state").state == "mining"
    assert float(hass.states.get(f"sensor.{PREFIX}_nominal_hashrate").state) == pytest.approx(102)
    assert float(hass.states.get(f"sensor.{PREFIX}_power").state) > 3000
    assert hass.states.get(f"sensor.{PREFIX}_active_pool").state == "stratum+tcp://btc.example-pool.com:3333"
    assert hass.states.get(f"select.{PREFIX}_power_preset").state == "3200 watt ~ 102 TH"
    assert hass.states.get(f"select.{PREFIX}_power_preset").attributes["options"] == [
        "Disabled",
        "2800 watt ~ 88 TH",
        "3200 watt ~ 102 TH",
        "3600 watt ~ 110 TH",
    ]
    assert hass.states.get(f"switch.{PREFIX}_mining").state == "on"
    assert hass.states.get(f"binary_sensor.{PREFIX}_online").state == "on"


async def test_mining_switch_stops_and_starts(hass: HomeAssistant, setup_vnish: VNishSetup) -> None:
    """The switch stops and starts the miner; repeating a command is harmless."""
    miner, entry = await setup_vnish()
    switch = f"switch.{PREFIX}_mining"
    for _ in range(2):
        await hass.services.async_call(
            SWITCH_DOMAIN, SERVICE_TURN_OFF, {ATTR_ENTITY_ID: switch}, blocking=True
        )
        assert hass.states.get(switch).state == "off"
    assert miner.miner_state() in ("shutting-down", "stopped")
    await asyncio.sleep(0.1)  # the firmware refuses a start while it is still shutting down
    await entry.runtime_data.async_refresh()
    await hass.async_block_till_done()
    assert hass.states.get(f"sensor.{PREFIX}_miner_state").state in ("shutting-down", "stopped")
    await hass.services.async_call(SWITCH_DOMAIN, SERVICE_TURN_ON, {ATTR_ENTITY_ID: switch}, blocking=True)
    assert miner.miner_state() in ("starting", "mining")
    assert hass.states.get(switch).state == "on"


@pytest.mark.usefixtures("enable_all_entities")  # the fan speeds are disabled by default
async def test_summary_without_miner_while_starting(hass: HomeAssistant, setup_vnish: VNishSetup) -> None:
    """While starting the telemetry is unknown, the state says starting, nothing breaks."""
    miner, entry = await setup_vnish()
    miner.timings.starting = 60
    miner._enter("starting")
    await entry.runtime_data.async_refresh()
    await hass.async_block_till_done()
    assert hass.states.get(f"sensor.{PREFIX}_miner_state").state == "starting"
    assert hass.states.get(f"sensor.{PREFIX}_hashrate").state == "unknown"
    assert hass.states.get(f"sensor.{PREFIX}_fan_1_speed").state == "unknown"
    assert hass.states.get(f"sensor.{PREFIX}_active_pool").state == "unknown"


async def test_preset_select(hass: HomeAssistant, setup_vnish: VNishSetup) -> None:
    """Choosing a preset stores it on the miner and reads back."""
    miner, _ = await setup_vnish(presets_shape="object")
    select = f"select.{PREFIX}_power_preset"
    await hass.services.async_call(
        SELECT_DOMAIN,
        SERVICE_SELECT_OPTION,
        {ATTR_ENTITY_ID: select, ATTR_OPTION: "3600 watt ~ 110 TH"},
        blocking=True,
    )
    assert miner.state.preset == "3600"
    assert hass.states.get(select).state == "3600 watt ~ 110 TH"


async def test_buttons(hass: HomeAssistant, setup_vnish: VNishSetup) -> None:
    """Locate toggles the light from its known state; restart and reboot reach the miner."""
    miner, _ = await setup_vnish()
    for _ in range(2):
        await hass.services.async_call(
            BUTTON_DOMAIN, SERVICE_PRESS, {ATTR_ENTITY_ID: f"button.{PREFIX}_locate"}, blocking=True
        )
    assert miner.state.find_miner is False
    assert hass.states.get(f"binary_sensor.{PREFIX}_locate_light").state == "off"
    await hass.services.async_call(
        BUTTON_DOMAIN, SERVICE_PRESS, {ATTR_ENTITY_ID: f"button.{PREFIX}_restart"}, blocking=True
    )
    assert miner.commands[-1] == "restart"
    await hass.services.async_call(
        BUTTON_DOMAIN, SERVICE_PRESS, {ATTR_ENTITY_ID: f"button.{PREFIX}_reboot"}, blocking=True
    )
    assert miner.commands[-1] == "reboot"
    assert hass.states.get(f"binary_sensor.{PREFIX}_online").state == "off"


async def test_failure_and_faults(hass: HomeAssistant, setup_vnish: VNishSetup) -> None:
    """A failed miner shows a problem; an unreachable one goes offline; commands then fail clearly."""
    miner, entry = await setup_vnish()
    miner.fail()
    await entry.runtime_data.async_refresh()
    await hass.async_block_till_done()
    assert hass.states.get(f"binary_sensor.{PREFIX}_failure").state == "on"
    assert hass.states.get(f"switch.{PREFIX}_mining").state == "off"
    miner.fault = VNishFault.HTTP_500
    with pytest.raises(HomeAssistantError) as caught:
        await hass.services.async_call(
            BUTTON_DOMAIN, SERVICE_PRESS, {ATTR_ENTITY_ID: f"button.{PREFIX}_restart"}, blocking=True
        )
    assert caught.value.translation_key == "action_unexpected_response"
    await entry.runtime_data.async_refresh()
    await hass.async_block_till_done()
    assert hass.states.get(f"binary_sensor.{PREFIX}_online").state == "off"
    assert hass.states.get(f"sensor.{PREFIX}_power").state == "unavailable"


async def test_vnish_diagnostics(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, setup_vnish: VNishSetup
) -> None:
    """The password, wallet users and the serial number are redacted."""
    assert await async_setup_component(hass, "diagnostics", {})
    miner, entry = await setup_vnish()
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    text = json.dumps(diagnostics)
    assert "admin" not in text
    assert "bc1qexamplewallet" not in text
    assert miner.serial not in text
    assert diagnostics["data"]["status"]["miner_state"] == "mining"


async def test_firmware_without_presets_or_perf_summary(hass: HomeAssistant, setup_vnish: VNishSetup) -> None:
    """Older firmware without the preset endpoints still works; it just has no preset select."""
    _, entry = await setup_vnish(missing_endpoints=frozenset({"perf-summary", "autotune/presets"}))
    assert entry.state is ConfigEntryState.LOADED
    assert hass.states.get(f"select.{PREFIX}_power_preset") is None
    assert hass.states.get(f"sensor.{PREFIX}_miner_state").state == "mining"
    assert hass.states.get(f"binary_sensor.{PREFIX}_online").state == "on"


async def test_entry_keyed_by_serial_reauths_reconfigures_and_is_not_added_twice(
    hass: HomeAssistant, start_vnish: VNishFactory
) -> None:
    """An entry made when only the serial was known stays this miner's in every flow."""
    miner = await start_vnish()
    MockConfigEntry(domain=DOMAIN, unique_id="02:00:00:00:00:01", data={CONF_KIND: KIND_VNISH}).add_to_hass(
        hass
    )
    entry = MockConfigEntry(
        domain=DOMAIN, title="antminer-s19", unique_id=miner.serial, data={**vnish_entry(miner).data}
    )
    entry.add_to_hass(hass)
    result = await entry.start_reauth_flow(hass)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {CONF_PASSWORD: "admin"})
    assert result["reason"] == "reauth_successful"
    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: miner.host, CONF_PASSWORD: "admin"}
    )
    assert result["reason"] == "reconfigure_successful"
    flow_id = await _vnish_form(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_HOST: miner.host, CONF_PASSWORD: "admin"}
    )
    assert result["reason"] == "already_configured"
    assert len(hass.config_entries.async_entries(DOMAIN)) == 2  # the other miner and this one, not a third
    await hass.async_block_till_done()


async def test_reauth_by_another_miner_is_refused(hass: HomeAssistant, start_vnish: VNishFactory) -> None:
    """A password that logs in to a different miner at the address does not re-authenticate the entry."""
    miner = await start_vnish()
    entry = vnish_entry(miner)
    entry.add_to_hass(hass)
    miner.mac, miner.serial = "02:00:00:00:00:09", "JYZZ99999999"
    result = await entry.start_reauth_flow(hass)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {CONF_PASSWORD: "admin"})
    assert result["reason"] == "wrong_device"
