"""The tuning options: naming, editing and deleting profiles, and what happens while the miner is away."""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType

from ..conftest import MinerSetup, SimulatorFactory, miner_entry, object_id_prefix, set_up_entry
from .test_profiles import add_profile


async def _profiles_form(hass: HomeAssistant, entry_id: str) -> dict:
    options = hass.config_entries.options
    result = await options.async_init(entry_id)
    return await options.async_configure(result["flow_id"], {"next_step_id": "profiles"})


async def test_profile_names_are_checked(hass: HomeAssistant, setup_miner: MinerSetup) -> None:
    """A new profile needs a fresh, usable name: not custom, not an existing one in other letters."""
    _, entry = await setup_miner()
    options = hass.config_entries.options
    for name, error in (
        ("custom", "profile_exists"),
        ("Night", "profile_exists"),
        ("!!", "invalid_profile_name"),
        ("x" * 33, "invalid_profile_name"),
    ):
        result = await _profiles_form(hass, entry.entry_id)
        result = await options.async_configure(result["flow_id"], {"profile": "day", "new_profile": name})
        assert result["errors"] == {"new_profile": error}, name


async def test_an_added_profile_can_be_deleted_but_day_and_night_cannot(
    hass: HomeAssistant, setup_miner: MinerSetup
) -> None:
    """Eco gets a delete box and goes; day has none, and editing it keeps it."""
    miner, entry = await setup_miner()
    await add_profile(hass, entry, "eco", core_voltage_mv=1100, frequency_mhz=490)
    select = f"select.{object_id_prefix(miner)}_tuning_profile"
    assert hass.states.get(select).attributes["options"] == ["day", "night", "eco", "custom"]
    options = hass.config_entries.options
    result = await _profiles_form(hass, entry.entry_id)
    result = await options.async_configure(result["flow_id"], {"profile": "day"})
    assert "delete" not in {str(key) for key in result["data_schema"].schema}
    result = await _profiles_form(hass, entry.entry_id)
    result = await options.async_configure(result["flow_id"], {"profile": "eco"})
    shown = {
        str(key): key.description["suggested_value"]
        for key in result["data_schema"].schema
        if key.description
    }
    assert (
        shown["core_voltage_mv"] == "1100" and shown["frequency_mhz"] == "490"
    )  # as the drop-downs hold them
    result = await options.async_configure(
        result["flow_id"], {"core_voltage_mv": "1100", "frequency_mhz": "490", "delete": True}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert hass.states.get(select).attributes["options"] == ["day", "night", "custom"]


async def test_tuning_options_need_the_miner_online(
    hass: HomeAssistant, start_simulator: SimulatorFactory, setup_miner: MinerSetup
) -> None:
    """Without the running miner its model's options are unknown: the steps say so instead of guessing."""
    miner = await start_simulator()
    await miner.stop()
    entry = miner_entry(miner)
    await set_up_entry(hass, entry)
    assert entry.state is ConfigEntryState.SETUP_RETRY
    options = hass.config_entries.options
    for step in ("profiles", "limits"):
        result = await options.async_init(entry.entry_id)
        result = await options.async_configure(result["flow_id"], {"next_step_id": step})
        assert result["type"] is FlowResultType.ABORT and result["reason"] == "miner_not_loaded"
    # A miner that goes away between the steps.
    _, online = await setup_miner()
    result = await _profiles_form(hass, online.entry_id)
    result = await options.async_configure(result["flow_id"], {"profile": "day"})
    assert await hass.config_entries.async_unload(online.entry_id)
    result = await options.async_configure(
        result["flow_id"], {"core_voltage_mv": "1150", "frequency_mhz": "490"}
    )
    assert result["type"] is FlowResultType.ABORT and result["reason"] == "miner_not_loaded"
