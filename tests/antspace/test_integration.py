"""Cooling containers through Home Assistant: adding one, its entities, alerts and events, controls, options."""

from __future__ import annotations

import asyncio
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.button import DOMAIN as BUTTON_DOMAIN, SERVICE_PRESS
from homeassistant.components.number import ATTR_VALUE, DOMAIN as NUMBER_DOMAIN, SERVICE_SET_VALUE
from homeassistant.components.switch import DOMAIN as SWITCH_DOMAIN
from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.const import ATTR_ENTITY_ID, SERVICE_TURN_OFF, SERVICE_TURN_ON
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import get_diagnostics_for_config_entry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.mining_fleet.const import DOMAIN, EVENT_CONTAINER_ALERT
from simulators.antspace import FAULT_FLAGS

from ..conftest import MinerSetup
from ..snapshot import assert_snapshot, entity_table
from ..tuning.conftest import tick
from .conftest import ContainerFactory, ContainerSetup
from .test_client import EXTRA, SEVERITY

HK3 = "antspace_hk3"


def _state(hass: HomeAssistant, entity_id: str) -> Any:
    state = hass.states.get(entity_id)
    assert state is not None, entity_id
    return state


async def _poll(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    await entry.runtime_data.async_refresh()
    await hass.async_block_till_done()


async def test_add_a_container_confirming_its_model(
    hass: HomeAssistant, start_container: ContainerFactory
) -> None:
    """The menu offers containers; the model found is shown for confirmation; the same address twice is refused."""
    container = await start_container("immersion")
    host, port = container.host.split(":")
    flows = hass.config_entries.flow
    result = await flows.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await flows.async_configure(result["flow_id"], {"next_step_id": "antspace"})
    result = await flows.async_configure(result["flow_id"], {"host": host, "port": 1})
    assert result["errors"] == {"base": "cannot_connect"}
    result = await flows.async_configure(result["flow_id"], {"host": host, "port": int(port)})
    assert result["step_id"] == "antspace_confirm"
    assert result["description_placeholders"]["model"] == "Immersion"
    result = await flows.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"]["model"] == "immersion"
    await hass.async_block_till_done()
    assert _state(hass, "sensor.antspace_immersion_127_0_0_1_status").state == "running"
    result = await flows.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await flows.async_configure(result["flow_id"], {"next_step_id": "antspace"})
    result = await flows.async_configure(result["flow_id"], {"host": host, "port": int(port)})
    assert result["type"] is FlowResultType.ABORT and result["reason"] == "already_configured"


async def test_reconfigure_refuses_another_model(
    hass: HomeAssistant, setup_container: ContainerSetup, start_container: ContainerFactory
) -> None:
    """A new address is taken; a container of another model there is refused."""
    _, entry = await setup_container("hk3")
    other_hk3, immersion = await start_container("hk3"), await start_container("immersion")
    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"host": "127.0.0.1", "port": 1}
    )
    assert result["errors"] == {"base": "cannot_connect"}
    host, port = immersion.host.split(":")
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"host": host, "port": int(port)}
    )
    assert result["errors"] == {"base": "wrong_model"}
    host, port = other_hk3.host.split(":")
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"host": host, "port": int(port)}
    )
    assert result["type"] is FlowResultType.ABORT and result["reason"] == "reconfigure_successful"
    assert entry.data["port"] == int(port)


async def test_hk3_entities_in_our_units(hass: HomeAssistant, setup_container: ContainerSetup) -> None:
    """Pressures in bar, flow, power from both boxes, pumps running, every fault flag a problem sensor with its severity."""
    await setup_container("hk3")
    assert float(_state(hass, f"sensor.{HK3}_supply_liquid_pressure").state) == pytest.approx(3.2, abs=0.1)
    assert _state(hass, f"sensor.{HK3}_supply_liquid_pressure").attributes["unit_of_measurement"] == "bar"
    assert float(_state(hass, f"sensor.{HK3}_power").state) == pytest.approx(300_000, rel=0.01)
    assert _state(hass, f"binary_sensor.{HK3}_circulating_pump").state == "on"
    assert _state(hass, f"sensor.{HK3}_miners").state == "3"
    assert float(_state(hass, f"sensor.{HK3}_miners_hashrate").state) == 300
    registry = er.async_get(hass)
    faults = [
        entry
        for entry in registry.entities.values()
        if entry.platform == DOMAIN and entry.unique_id.split("_fault_")[-1] != entry.unique_id
    ]
    assert {entry.unique_id.split("_fault_", 1)[1] for entry in faults} == {
        k.lower() for k in FAULT_FLAGS["hk3"]
    }
    leak = _state(hass, f"binary_sensor.{HK3}_leakage")
    assert leak.state == "off" and leak.attributes["severity"] == "critical"


@pytest.mark.parametrize("model", ["hk3", "immersion"])
async def test_every_fault_flag_turns_its_problem_sensor_on_and_is_announced_once(
    hass: HomeAssistant, setup_container: ContainerSetup, model: str
) -> None:
    """Each flag: its sensor on with the spec's severity, status error, one event when it appears and one when it clears."""
    container, entry = await setup_container(model)
    events: list[dict[str, Any]] = []

    @callback
    def record(event: Event[Any]) -> None:
        events.append(dict(event.data))

    hass.bus.async_listen(EVENT_CONTAINER_ALERT, record)
    registry = er.async_get(hass)
    prefix = entry.runtime_data.unique_id_base
    for key, severity in SEVERITY[model].items():
        container.raise_fault(key)
        await _poll(hass, entry)
        await _poll(hass, entry)  # still active: announced once only
        entity_id = registry.async_get_entity_id("binary_sensor", DOMAIN, f"{prefix}_fault_{key.lower()}")
        state = _state(hass, entity_id)
        assert state.state == "on" and state.attributes["severity"] == severity
        alerts = _state(hass, f"sensor.antspace_{model}_active_alerts")
        assert alerts.state == "1" and alerts.attributes["highest_severity"] == severity
        expected = "running" if key in EXTRA[model] else "error"
        assert _state(hass, f"sensor.antspace_{model}_status").state == expected
        container.clear_fault(key)
        await _poll(hass, entry)
    assert [(e["flag"], e["active"]) for e in events] == [
        (key, active) for key in SEVERITY[model] for active in (True, False)
    ]
    assert all(e["device_id"] for e in events)


async def test_controls_are_read_back_from_the_container(
    hass: HomeAssistant, setup_container: ContainerSetup
) -> None:
    """Cooling off and on, a setpoint within the limits, PID on and off, reset; outside the limits is refused."""
    container, _ = await setup_container("hk3", options={"setpoint_min": 22, "setpoint_max": 35})
    cooling = f"switch.{HK3}_cooling"
    await hass.services.async_call(SWITCH_DOMAIN, SERVICE_TURN_OFF, {ATTR_ENTITY_ID: cooling}, blocking=True)
    assert container.state.cooling is False and _state(hass, f"sensor.{HK3}_status").state == "stopped"
    await hass.services.async_call(SWITCH_DOMAIN, SERVICE_TURN_ON, {ATTR_ENTITY_ID: cooling}, blocking=True)
    assert container.state.cooling is True
    setpoint = f"number.{HK3}_supply_temperature_setpoint"
    assert _state(hass, setpoint).attributes["min"] == 22 and _state(hass, setpoint).attributes["max"] == 35
    await hass.services.async_call(
        NUMBER_DOMAIN, SERVICE_SET_VALUE, {ATTR_ENTITY_ID: setpoint, ATTR_VALUE: 28}, blocking=True
    )
    assert container.state.setpoint == 28
    with pytest.raises(ServiceValidationError) as refused:
        await hass.services.async_call(
            DOMAIN, "set_supply_temperature", {ATTR_ENTITY_ID: setpoint, "temperature": 36}, blocking=True
        )
    assert refused.value.translation_key == "setpoint_outside_limits"
    assert refused.value.translation_placeholders["setpoint_max"] == "35"
    pid = f"switch.{HK3}_pid_setpoint_control"
    with pytest.raises(ServiceValidationError) as refused:  # PID aims at 38 °C, above these limits
        await hass.services.async_call(SWITCH_DOMAIN, SERVICE_TURN_ON, {ATTR_ENTITY_ID: pid}, blocking=True)
    assert refused.value.translation_key == "setpoint_outside_limits"
    assert container.state.pid_mode is False
    assert not any(
        request.startswith("setTemp:pid") or request == "setTemp:36" for request in container.requests
    )
    container.raise_fault("freezing_alarm")
    await hass.services.async_call(
        BUTTON_DOMAIN, SERVICE_PRESS, {ATTR_ENTITY_ID: f"button.{HK3}_reset_alarms"}, blocking=True
    )
    assert container.state.faults == set()
    container.raise_fault("freezing_alarm")
    await hass.services.async_call(DOMAIN, "reset_cooling", {ATTR_ENTITY_ID: cooling}, blocking=True)
    assert container.state.faults == set()


async def test_a_refused_command_names_the_container(
    hass: HomeAssistant, setup_container: ContainerSetup
) -> None:
    """The controller failing a write: a translated error naming the container."""
    container, _ = await setup_container("hk3")
    container.broken = "not_ok"
    with pytest.raises(HomeAssistantError) as failed:
        await hass.services.async_call(
            SWITCH_DOMAIN, SERVICE_TURN_OFF, {ATTR_ENTITY_ID: f"switch.{HK3}_cooling"}, blocking=True
        )
    assert failed.value.translation_key == "action_unexpected_response"
    assert failed.value.translation_placeholders["name"] == "Antspace hk3"


async def test_services_refuse_what_is_not_a_container(
    hass: HomeAssistant, setup_container: ContainerSetup, setup_miner: MinerSetup
) -> None:
    """A miner named as a container is refused by name; an area with no container too."""
    await setup_container("hk3")
    _, miner_entry = await setup_miner()
    (device,) = dr.async_entries_for_config_entry(dr.async_get(hass), miner_entry.entry_id)
    with pytest.raises(ServiceValidationError) as refused:
        await hass.services.async_call(DOMAIN, "reset_cooling", {"device_id": device.id}, blocking=True)
    assert refused.value.translation_key == "not_a_container"


async def test_a_failing_miner_list_loses_only_the_miners(
    hass: HomeAssistant, setup_container: ContainerSetup
) -> None:
    """minerInfo failing: the cooling entities stay, the miner sensors are unknown."""
    container, entry = await setup_container("hk3")
    container.miner_info_broken = True
    await _poll(hass, entry)
    assert _state(hass, f"sensor.{HK3}_status").state == "running"
    assert _state(hass, f"sensor.{HK3}_miners").state == "unknown"


async def test_a_slow_container_does_not_delay_a_miner(
    hass: HomeAssistant, setup_container: ContainerSetup, setup_miner: MinerSetup
) -> None:
    """While a container takes seconds to answer, a miner's poll finishes on its own."""
    container, entry = await setup_container("hk3")
    _, miner_entry = await setup_miner()
    container.slow_seconds = 2
    slow = asyncio.ensure_future(entry.runtime_data.async_refresh())
    await miner_entry.runtime_data.async_refresh()
    assert miner_entry.runtime_data.last_update_success and not slow.done()
    container.slow_seconds = 0
    await slow


async def test_options_set_the_limits_and_the_miners(
    hass: HomeAssistant, setup_container: ContainerSetup, setup_miner: MinerSetup
) -> None:
    """Limits must be in order; the miners offered are this integration's loaded miners."""
    _, entry = await setup_container("immersion")
    _, miner_entry = await setup_miner()
    (device,) = dr.async_entries_for_config_entry(dr.async_get(hass), miner_entry.entry_id)
    options = hass.config_entries.options
    result = await options.async_init(entry.entry_id)
    assert result["step_id"] == "container"
    offered = result["data_schema"].schema["miners"].config["options"]
    assert [option["value"] for option in offered] == [device.id]
    result = await options.async_configure(
        result["flow_id"], {"setpoint_min": 40, "setpoint_max": 35, "miners": []}
    )
    assert result["errors"] == {"base": "limits_order"}
    result = await options.async_configure(
        result["flow_id"], {"setpoint_min": 34, "setpoint_max": 46, "miners": [device.id]}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert entry.runtime_data.setpoint_limits == (34, 46)
    assert entry.runtime_data.miner_device_ids == [device.id]
    # A chosen miner that is not loaded now stays on offer (and chosen) by its device name.
    assert await hass.config_entries.async_unload(miner_entry.entry_id)
    result = await options.async_init(entry.entry_id)
    offered = result["data_schema"].schema["miners"].config["options"]
    assert [(option["value"], option["label"]) for option in offered] == [(device.id, device.name)]
    # A deleted one is not.
    hass.config_entries.async_update_entry(entry, options={**entry.options, "miners": ["deleted-device"]})
    await hass.async_block_till_done()
    result = await options.async_init(entry.entry_id)
    assert result["data_schema"].schema["miners"].config["options"] == []


async def test_diagnostics(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, setup_container: ContainerSetup
) -> None:
    """The download holds the model, the raw reading and the alerts."""
    assert await async_setup_component(hass, "diagnostics", {})
    container, entry = await setup_container("hk3")
    container.raise_fault("leakage_fault")
    await _poll(hass, entry)
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    assert diagnostics["model"] == "hk3" and diagnostics["alerts"] == ["leakage_fault"]
    assert diagnostics["cooler_state"]["leakage_fault"] is True


async def test_unreachable_container_retries(hass: HomeAssistant, start_container: ContainerFactory) -> None:
    """A container that does not answer at set-up is retried (not failed)."""
    from .conftest import container_entry

    container = await start_container("hk3")
    entry = container_entry(container)
    await container.stop()
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.SETUP_RETRY


async def test_polls_on_its_own(
    hass: HomeAssistant, setup_container: ContainerSetup, freezer: FrozenDateTimeFactory
) -> None:
    """Every 30 s the container is read again."""
    container, _ = await setup_container("hk3")
    before = container.requests.count("coolerState")
    await tick(hass, freezer, 31)
    assert container.requests.count("coolerState") == before + 1


@pytest.mark.parametrize("model", ["hk3", "immersion"])
async def test_entity_table(hass: HomeAssistant, setup_container: ContainerSetup, model: str) -> None:
    """Every entity a container of each model gets: names, classes, units, what is enabled (reviewed snapshot)."""
    _, entry = await setup_container(model)
    assert_snapshot(f"entities_antspace_{model}", entity_table(hass, entry.entry_id))


async def test_an_alert_found_at_set_up_is_announced_with_the_device(
    hass: HomeAssistant, start_container: ContainerFactory
) -> None:
    """A leak already there when the container is set up is announced once, naming the container's device."""
    from .conftest import container_entry

    events: list[dict[str, Any]] = []
    hass.bus.async_listen(EVENT_CONTAINER_ALERT, lambda event: events.append(dict(event.data)))
    container = await start_container("hk3")
    container.raise_fault("leakage_fault")
    entry = container_entry(container)
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    (device,) = dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)
    assert [(event["flag"], event["device_id"]) for event in events] == [("leakage_fault", device.id)]


async def test_pid_mode_within_the_limits(hass: HomeAssistant, setup_container: ContainerSetup) -> None:
    """With 38 °C allowed, PID on hands the setpoint over; off takes it back inside the limits."""
    container, _ = await setup_container("hk3", options={"setpoint_min": 22, "setpoint_max": 38})
    pid = f"switch.{HK3}_pid_setpoint_control"
    await hass.services.async_call(SWITCH_DOMAIN, SERVICE_TURN_ON, {ATTR_ENTITY_ID: pid}, blocking=True)
    assert container.state.pid_mode is True and container.state.setpoint == 38
    await hass.services.async_call(SWITCH_DOMAIN, SERVICE_TURN_OFF, {ATTR_ENTITY_ID: pid}, blocking=True)
    assert container.state.pid_mode is False and container.state.setpoint == 38


async def test_alerts_are_announced_once_across_reloads(
    hass: HomeAssistant, setup_container: ContainerSetup
) -> None:
    """A leak is announced once; a reload does not announce it again; a clear while unloaded is announced after."""
    container, entry = await setup_container("hk3")
    events: list[tuple[str, bool]] = []
    hass.bus.async_listen(
        EVENT_CONTAINER_ALERT, lambda event: events.append((event.data["flag"], event.data["active"]))
    )
    container.raise_fault("leakage_fault")
    await _poll(hass, entry)
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert events == [("leakage_fault", True)]
    assert await hass.config_entries.async_unload(entry.entry_id)
    container.clear_fault("leakage_fault")
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert events == [("leakage_fault", True), ("leakage_fault", False)]


async def test_one_controller_one_entry(
    hass: HomeAssistant, setup_container: ContainerSetup, start_container: ContainerFactory
) -> None:
    """Another entry cannot be added for, or moved onto, an address an entry already reads."""
    first, first_entry = await setup_container("hk3")
    _, second_entry = await setup_container("hk3")
    host, port = first.host.split(":")
    flows = hass.config_entries.flow
    result = await flows.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await flows.async_configure(result["flow_id"], {"next_step_id": "antspace"})
    result = await flows.async_configure(result["flow_id"], {"host": host, "port": int(port)})
    assert result["type"] is FlowResultType.ABORT and result["reason"] == "already_configured"
    result = await second_entry.start_reconfigure_flow(hass)
    result = await flows.async_configure(result["flow_id"], {"host": host, "port": int(port)})
    assert result["errors"] == {"base": "address_taken"}
    assert first_entry.data["port"] == int(port)


async def test_a_container_not_connected_is_named(
    hass: HomeAssistant, setup_container: ContainerSetup
) -> None:
    """A container device whose entry is not loaded is refused as not connected, not as not a container."""
    container, entry = await setup_container("hk3")
    (device,) = dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)
    assert await hass.config_entries.async_unload(entry.entry_id)
    with pytest.raises(ServiceValidationError) as refused:
        await hass.services.async_call(DOMAIN, "reset_cooling", {"device_id": device.id}, blocking=True)
    assert refused.value.translation_key == "container_not_loaded"


async def test_removing_entries_removes_what_they_stored(
    hass: HomeAssistant,
    setup_container: ContainerSetup,
    setup_miner: MinerSetup,
    hass_storage: dict[str, Any],
) -> None:
    """A removed container's announced alerts and a removed miner's tuning go with them."""
    container, entry = await setup_container("hk3")
    _, miner_entry = await setup_miner()
    container.raise_fault("leakage_fault")
    await _poll(hass, entry)
    await miner_entry.runtime_data.tuning.async_save()
    await hass.async_block_till_done()
    keys = {f"{DOMAIN}.antspace.{entry.entry_id}", f"{DOMAIN}.tuning.{miner_entry.entry_id}"}
    assert keys <= hass_storage.keys()
    assert await hass.config_entries.async_remove(entry.entry_id)
    assert await hass.config_entries.async_remove(miner_entry.entry_id)
    await hass.async_block_till_done()
    assert not keys & hass_storage.keys()
