"""Tuning profiles through Home Assistant: options, the select, apply_profile, ramps, cancellation, restarts."""

from __future__ import annotations

import asyncio
from typing import Any

from homeassistant.components.select import ATTR_OPTION, DOMAIN as SELECT_DOMAIN, SERVICE_SELECT_OPTION
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.event import async_track_state_change_event
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.mining_fleet.const import DOMAIN
from simulators.axeos import AxeOSSimulator

from ..conftest import MinerSetup, object_id_prefix
from .conftest import points_after, tuning_writes, until

GAMMA_START = (1150, 525)


def _device_id(hass: HomeAssistant, entry: MockConfigEntry) -> str:
    (device,) = dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)
    return device.id


async def add_profile(hass: HomeAssistant, entry: MockConfigEntry, name: str, **settings: Any) -> None:
    """Add (or change) a profile through the miner's Configure, as a user would."""
    options = hass.config_entries.options
    result = await options.async_init(entry.entry_id)
    result = await options.async_configure(result["flow_id"], {"next_step_id": "profiles"})
    existing = [option["value"] for option in result["data_schema"].schema["profile"].config["options"]]
    choice = {"profile": name} if name in existing else {"profile": "day", "new_profile": name}
    result = await options.async_configure(result["flow_id"], choice)
    assert result["step_id"] == "profile"
    result = await options.async_configure(result["flow_id"], {k: str(v) for k, v in settings.items()})
    assert result["type"] is FlowResultType.CREATE_ENTRY, result
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED


async def set_limits(hass: HomeAssistant, entry: MockConfigEntry, **limits: Any) -> dict[str, Any]:
    """Set limits through the miner's Configure; return the form's result."""
    options = hass.config_entries.options
    result = await options.async_init(entry.entry_id)
    result = await options.async_configure(result["flow_id"], {"next_step_id": "limits"})
    shown = {str(key): key.description["suggested_value"] for key in result["data_schema"].schema}
    result = await options.async_configure(result["flow_id"], {**shown, **limits})
    await hass.async_block_till_done()
    return result


async def apply_profile(hass: HomeAssistant, entry: MockConfigEntry, profile: str, **pace: Any) -> None:
    """Call apply_profile for one miner and wait for it."""
    await hass.services.async_call(
        DOMAIN,
        "apply_profile",
        {"device_id": _device_id(hass, entry), "profile": profile, **pace},
        blocking=True,
    )


def _select(miner: AxeOSSimulator) -> str:
    return f"select.{object_id_prefix(miner)}_tuning_profile"


async def test_a_miner_starts_on_the_profile_it_runs(hass: HomeAssistant, setup_miner: MinerSetup) -> None:
    """A Gamma on its model's default point shows "night"; set elsewhere, it shows "custom"."""
    miner, _ = await setup_miner()
    state = hass.states.get(_select(miner))
    assert state.state == "night"
    assert state.attributes["options"] == ["day", "night", "custom"]
    miner.state.frequency = 600  # someone used the miner's own web page
    await hass.config_entries.async_reload(_entry_of(hass).entry_id)
    await hass.async_block_till_done()
    assert hass.states.get(_select(miner)).state == "night"  # remembered, until a poll shows otherwise
    await _entry_of(hass).runtime_data.async_refresh()
    await hass.async_block_till_done()
    assert hass.states.get(_select(miner)).state == "custom"


def _entry_of(hass: HomeAssistant) -> Any:
    (entry,) = hass.config_entries.async_entries(DOMAIN)
    return entry


async def test_a_profile_ramps_one_safe_step_at_a_time(hass: HomeAssistant, setup_miner: MinerSetup) -> None:
    """Raising goes voltage first, one option per write, with "step k of N" shown on the select."""
    miner, entry = await setup_miner()
    await add_profile(hass, entry, "max", core_voltage_mv=1250, frequency_mhz=625, temperature_target_c=60)
    seen: list[tuple[Any, Any, str]] = []

    @callback
    def record(event: Event[Any]) -> None:
        new = event.data["new_state"]
        seen.append((new.attributes.get("ramp_step"), new.attributes.get("ramp_steps"), new.state))

    async_track_state_change_event(hass, _select(miner), record)
    miner.requests.clear()
    await apply_profile(hass, entry, "max", step_delay=0.01)
    points = points_after(GAMMA_START, tuning_writes(miner))
    assert points == [(1200, 525), (1250, 525), (1250, 550), (1250, 600), (1250, 625)]
    assert {"temptarget": 60} in [body for _, _, body in miner.requests]
    assert [(step, steps) for step, steps, _ in seen if step] == [(k, 5) for k in range(1, 6)]
    assert all(state == "max" for _, _, state in seen), seen
    state = hass.states.get(_select(miner))
    assert state.state == "max" and "ramp_step" not in state.attributes
    # Lowering: frequency first, thinned to two steps, never under-volted on the way.
    miner.requests.clear()
    await apply_profile(hass, entry, "day", steps=2)
    assert points_after((1250, 625), tuning_writes(miner)) == [(1250, 490), (1150, 490)]
    assert hass.states.get(_select(miner)).state == "day"


async def test_the_select_applies_a_profile(hass: HomeAssistant, setup_miner: MinerSetup) -> None:
    """Choosing day on the select ramps there; choosing custom is refused with a translated message."""
    miner, _ = await setup_miner()
    await hass.services.async_call(
        SELECT_DOMAIN,
        SERVICE_SELECT_OPTION,
        {ATTR_ENTITY_ID: _select(miner), ATTR_OPTION: "day"},
        blocking=True,
    )
    assert (miner.state.core_voltage, miner.state.frequency) == (1150, 490)
    with pytest.raises(ServiceValidationError) as refused:
        await hass.services.async_call(
            SELECT_DOMAIN,
            SERVICE_SELECT_OPTION,
            {ATTR_ENTITY_ID: _select(miner), ATTR_OPTION: "custom"},
            blocking=True,
        )
    assert refused.value.translation_key == "custom_not_selectable"
    # A value set by hand on the frequency select makes the profile custom.
    await hass.services.async_call(
        SELECT_DOMAIN,
        SERVICE_SELECT_OPTION,
        {ATTR_ENTITY_ID: f"select.{object_id_prefix(miner)}_frequency", ATTR_OPTION: "400 MHz"},
        blocking=True,
    )
    assert miner.state.frequency == 400
    assert hass.states.get(_select(miner)).state == "custom"


async def test_unknown_profiles_and_values_above_the_limits_are_refused(
    hass: HomeAssistant, setup_miner: MinerSetup
) -> None:
    """An unknown profile, or a value above the user's limit, is refused naming it; nothing is sent."""
    miner, entry = await setup_miner()
    assert (await set_limits(hass, entry, max_voltage_mv="1200", max_frequency_mhz="550"))["type"] is (
        FlowResultType.CREATE_ENTRY
    )
    miner.requests.clear()
    with pytest.raises(ServiceValidationError) as refused:
        await apply_profile(hass, entry, "turbo")
    assert refused.value.translation_key == "unknown_profile"
    assert refused.value.translation_placeholders["profiles"] == "day, night"
    with pytest.raises(ServiceValidationError) as refused:
        await hass.services.async_call(
            DOMAIN,
            "set_tuning",
            {"device_id": _device_id(hass, entry), "core_voltage": 1250},
            blocking=True,
        )
    assert refused.value.translation_key == "value_above_limit"
    assert refused.value.translation_placeholders["limit"] == "1200"
    assert tuning_writes(miner) == []
    # A profile above the limits cannot be saved either, and limits that would forbid a profile are refused.
    options = hass.config_entries.options
    result = await options.async_init(entry.entry_id)
    result = await options.async_configure(result["flow_id"], {"next_step_id": "profiles"})
    result = await options.async_configure(result["flow_id"], {"profile": "day", "new_profile": "max"})
    offered = result["data_schema"].schema["core_voltage_mv"].config["options"]
    assert [option["value"] for option in offered] == ["1000", "1060", "1100", "1150", "1200"]
    result = await options.async_configure(
        result["flow_id"], {"core_voltage_mv": "1200", "frequency_mhz": "550"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    result = await set_limits(hass, entry, max_frequency_mhz="525")
    assert result["errors"] == {"base": "limits_below_profile"}
    assert result["description_placeholders"]["profiles"] == "max"


async def test_a_new_change_replaces_a_running_ramp(hass: HomeAssistant, setup_miner: MinerSetup) -> None:
    """The first call returns quietly when a second one for the same miner takes over; the second wins."""
    miner, entry = await setup_miner()
    await add_profile(hass, entry, "max", core_voltage_mv=1250, frequency_mhz=625)
    miner.requests.clear()
    first = asyncio.ensure_future(apply_profile(hass, entry, "max", step_delay=0.3))
    await until(lambda: len(tuning_writes(miner)) == 1)
    await apply_profile(hass, entry, "day")
    await first  # no error: it was replaced, not failed
    assert (miner.state.core_voltage, miner.state.frequency) == (1150, 490)
    assert hass.states.get(_select(miner)).state == "day"
    await asyncio.sleep(0.5)  # the replaced ramp sends nothing more
    assert (miner.state.core_voltage, miner.state.frequency) == (1150, 490)


async def test_a_ramp_interrupted_by_a_restart_resumes(hass: HomeAssistant, setup_miner: MinerSetup) -> None:
    """Home Assistant stopping mid-ramp (the entry unloads) leaves the ramp saved; the next start finishes it."""
    miner, entry = await setup_miner()
    await add_profile(hass, entry, "max", core_voltage_mv=1250, frequency_mhz=625)
    running = asyncio.ensure_future(apply_profile(hass, entry, "max", step_delay=0.2))
    await until(lambda: len(tuning_writes(miner)) >= 1)
    assert await hass.config_entries.async_unload(entry.entry_id)
    await running
    stopped_at = (miner.state.core_voltage, miner.state.frequency)
    assert stopped_at != (1250, 625)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    await until(lambda: (miner.state.core_voltage, miner.state.frequency) == (1250, 625), rounds=2_000_000)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert hass.states.get(_select(miner)).state == "max"
