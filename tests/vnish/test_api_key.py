"""VNish firmware that demands an API key for settings writes and reboot: refused with a message, fixed in the options."""

from __future__ import annotations

from homeassistant.components.button import DOMAIN as BUTTON_DOMAIN, SERVICE_PRESS
from homeassistant.components.select import ATTR_OPTION, DOMAIN as SELECT_DOMAIN, SERVICE_SELECT_OPTION
from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import HomeAssistantError
import pytest

from ..conftest import VNishSetup

SELECT = "select.antminer_s19_power_preset"
KEY = "k" * 32


async def _choose(hass: HomeAssistant, option: str) -> None:
    """Choose a power preset through the select entity."""
    await hass.services.async_call(
        SELECT_DOMAIN, SERVICE_SELECT_OPTION, {ATTR_ENTITY_ID: SELECT, ATTR_OPTION: option}, blocking=True
    )


async def test_a_key_demanding_firmware_is_explained_then_works_with_the_key(
    hass: HomeAssistant, setup_vnish: VNishSetup
) -> None:
    """Without the key the preset change is refused with what to do; set in the options, it is sent and works."""
    miner, entry = await setup_vnish(presets_shape="object")
    miner.api_key = KEY
    with pytest.raises(HomeAssistantError) as refused:
        await _choose(hass, "3600 watt ~ 110 TH")
    assert refused.value.translation_key == "action_api_key_required"
    assert miner.state.preset != "3600"
    flows = hass.config_entries.options
    result = await flows.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.MENU and result["menu_options"] == [
        "profiles",
        "limits",
        "api_key",
        "rig",
    ]
    result = await flows.async_configure(result["flow_id"], {"next_step_id": "api_key"})
    result = await flows.async_configure(result["flow_id"], {"api_key": "too-short"})
    assert result["errors"] == {"api_key": "api_key_length"}
    result = await flows.async_configure(result["flow_id"], {"api_key": KEY})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()  # the miner reloads with the key
    await _choose(hass, "3600 watt ~ 110 TH")
    assert miner.state.preset == "3600"
    # Reads never carry it; an empty form keeps it; "remove" drops it.
    result = await flows.async_init(entry.entry_id)
    result = await flows.async_configure(result["flow_id"], {"next_step_id": "api_key"})
    result = await flows.async_configure(result["flow_id"], {})
    assert entry.options["api_key"] == KEY
    await hass.async_block_till_done()
    result = await flows.async_init(entry.entry_id)
    result = await flows.async_configure(result["flow_id"], {"next_step_id": "api_key"})
    result = await flows.async_configure(result["flow_id"], {"remove_api_key": True})
    assert entry.options["api_key"] is None
    await hass.async_block_till_done()
    with pytest.raises(HomeAssistantError):
        await hass.services.async_call(
            BUTTON_DOMAIN, SERVICE_PRESS, {ATTR_ENTITY_ID: "button.antminer_s19_reboot"}, blocking=True
        )
    assert "reboot" not in miner.commands


async def test_the_key_goes_only_with_commands(hass: HomeAssistant, setup_vnish: VNishSetup) -> None:
    """A key set in the options is sent with the settings write the firmware guards, and polls keep working."""
    miner, entry = await setup_vnish(presets_shape="object")
    hass.config_entries.async_update_entry(entry, options={"api_key": KEY})
    await hass.async_block_till_done()
    miner.api_key = KEY
    await _choose(hass, "3600 watt ~ 110 TH")
    assert miner.state.preset == "3600"
