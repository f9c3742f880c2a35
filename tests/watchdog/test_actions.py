"""Power cycles by hand (guarded), a switch entity as the outlet, a miner that is dead when Home Assistant starts."""

from __future__ import annotations

from datetime import timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from custom_components.mining_fleet.const import DOMAIN
from custom_components.mining_fleet.diagnostics import async_get_config_entry_diagnostics
from custom_components.mining_fleet.watchdog import outlet as outlet_module
from simulators.axeos import Fault

from .conftest import Farm, add_watchdog, advance, rig_data


async def test_power_cycle_by_hand_is_guarded(
    hass: HomeAssistant, farm: Farm, freezer: FrozenDateTimeFactory
) -> None:
    """The button cycles the plug; a second press within a minute, or while one runs, is refused with a reason."""
    outlet = await farm.outlet(farm.plug)
    await add_watchdog(hass, {"Bitaxe rig": rig_data(outlet, miner=farm.miner_device_id(hass))})
    await hass.services.async_call(
        "button", "press", {"entity_id": "button.bitaxe_rig_power_cycle"}, blocking=True
    )
    with pytest.raises(ServiceValidationError) as busy:
        await hass.services.async_call(
            DOMAIN, "power_cycle", {"device_id": farm.miner_device_id(hass)}, blocking=True
        )
    assert busy.value.translation_key == "rig_busy"
    await advance(hass, freezer, 0.5)
    assert [command["state"] for command in farm.plug.commands] == [0, 1]
    assert farm.actions() == [("Bitaxe rig", "power_cycle", "ok")]
    assert farm.events[0].data["reason"] == "manual"
    with pytest.raises(ServiceValidationError) as too_soon:
        await hass.services.async_call(
            "button", "press", {"entity_id": "button.bitaxe_rig_power_cycle"}, blocking=True
        )
    assert too_soon.value.translation_key == "power_cycle_too_soon"
    # A cycle by hand does not count towards giving up.
    assert hass.states.get("sensor.bitaxe_rig_consecutive_power_cycles").state == "0"
    await advance(hass, freezer, 1)
    await hass.services.async_call(
        "button", "press", {"entity_id": "button.bitaxe_rig_power_cycle"}, blocking=True
    )


async def test_power_cycle_targets_must_be_rigs(hass: HomeAssistant, farm: Farm) -> None:
    """A miner nobody watches is refused by name; an empty target is refused too."""
    await add_watchdog(
        hass,
        {"Hive 1": await farm.pool_rig("hive1")},
    )
    with pytest.raises(ServiceValidationError) as refused:
        await hass.services.async_call(
            DOMAIN, "power_cycle", {"device_id": farm.miner_device_id(hass)}, blocking=True
        )
    assert refused.value.translation_key == "not_a_rig"
    with pytest.raises(ServiceValidationError) as nothing:
        await hass.services.async_call(DOMAIN, "reset_watchdog", {"area_id": "nowhere"}, blocking=True)
    assert nothing.value.translation_key == "no_rigs_targeted"
    assert farm.strip.commands == []


async def test_any_switch_entity_can_be_the_outlet(
    hass: HomeAssistant, template_switch: None, farm: Farm, freezer: FrozenDateTimeFactory
) -> None:
    """A switch entity is turned off and on through Home Assistant's own services."""
    seen: list[str] = []
    hass.bus.async_listen(
        "state_changed",
        lambda e: seen.append(e.data["new_state"].state)
        if e.data["entity_id"] == "input_boolean.relay"
        else None,
    )
    outlet = {"type": "switch", "entity_id": "switch.rig_socket"}
    await add_watchdog(
        hass, {"Hive 1": rig_data(outlet, pool_entry=farm.pool_entry.entry_id, worker="hive1")}
    )
    assert hass.states.get("binary_sensor.hive_1_outlet").state == "on"
    farm.pool.stale("hive1")
    await advance(hass, freezer, 11)
    assert seen[:2] == ["off", "on"]
    assert farm.actions()[0] == ("Hive 1", "power_cycle", "ok")
    # A switch someone turns off by hand is left off, and the watchdog says so.
    await hass.services.async_call(
        "input_boolean", "turn_off", {"entity_id": "input_boolean.relay"}, blocking=True
    )
    await advance(hass, freezer, 30)
    assert hass.states.get("input_boolean.relay").state == "off"
    assert hass.states.get("sensor.hive_1_watchdog").state == "outlet_off"


async def test_a_miner_dead_when_home_assistant_starts_is_still_power_cycled(
    hass: HomeAssistant, farm: Farm, freezer: FrozenDateTimeFactory
) -> None:
    """The miner's entry waits in set-up retry (API dead): that counts as unreachable, and the plug cycles it."""
    farm.bitaxe.hang(api_dead=True)
    await hass.config_entries.async_reload(farm.miner_entry.entry_id)
    await hass.async_block_till_done()
    assert farm.miner_entry.state is ConfigEntryState.SETUP_RETRY
    await add_watchdog(
        hass, {"Bitaxe rig": rig_data(await farm.outlet(farm.plug), miner=farm.miner_device_id(hass))}
    )
    await advance(hass, freezer, 11)
    assert farm.actions() == [("Bitaxe rig", "power_cycle", "ok")]
    assert farm.miner.fault is Fault.NONE
    # Home Assistant's set-up retries back off (up to minutes apart): the miner loads at the next one.
    await advance(hass, freezer, 11)
    assert farm.miner_entry.state is ConfigEntryState.LOADED
    assert farm.actions() == [("Bitaxe rig", "power_cycle", "ok")]


async def test_a_disabled_miner_says_nothing(
    hass: HomeAssistant, farm: Farm, freezer: FrozenDateTimeFactory
) -> None:
    """A miner entry the user unloaded is no evidence of a hang: nothing is cycled."""
    await add_watchdog(
        hass, {"Bitaxe rig": rig_data(await farm.outlet(farm.plug), miner=farm.miner_device_id(hass))}
    )
    await hass.config_entries.async_unload(farm.miner_entry.entry_id)
    await advance(hass, freezer, 30)
    assert farm.plug.commands == []
    assert hass.states.get("binary_sensor.bitaxe_rig_online").state == "on"


async def test_diagnostics_show_each_rig(hass: HomeAssistant, farm: Farm) -> None:
    """Diagnostics list each rig's settings, verdict and state; no password is stored to leak."""
    entry = await add_watchdog(
        hass,
        {"Hive 1": await farm.pool_rig("hive1")},
    )
    diagnostics = await async_get_config_entry_diagnostics(hass, entry)
    text = str(diagnostics)
    assert "Hive 1" in text and "watching" in text and "password" not in text.lower()


async def test_a_miner_that_refuses_us_is_not_a_hung_miner(
    hass: HomeAssistant, farm: Farm, freezer: FrozenDateTimeFactory
) -> None:
    """A miner answering 401 (Home Assistant not on its network) for half an hour is never power-cycled."""
    await add_watchdog(
        hass, {"Bitaxe rig": rig_data(await farm.outlet(farm.plug), miner=farm.miner_device_id(hass))}
    )
    farm.miner.fault = Fault.NOT_LOCAL
    await advance(hass, freezer, 30)
    assert farm.plug.commands == []
    assert hass.states.get("sensor.bitaxe_rig_offline_reason").state == "online"


async def test_a_switch_that_is_gone_is_an_outlet_error(hass: HomeAssistant, farm: Farm) -> None:
    """Power-cycling through a switch entity that no longer exists is refused with a reason, nothing pretends."""
    outlet = {"type": "switch", "entity_id": "switch.gone"}
    await add_watchdog(
        hass, {"Hive 1": rig_data(outlet, pool_entry=farm.pool_entry.entry_id, worker="hive1")}
    )
    with pytest.raises(HomeAssistantError) as failed:
        await hass.services.async_call(
            "button", "press", {"entity_id": "button.hive_1_power_cycle"}, blocking=True
        )
    assert failed.value.translation_key == "outlet_failed"
    assert hass.states.get("binary_sensor.hive_1_outlet").state == "unknown"


async def test_a_switch_that_stays_off_keeps_the_record_and_is_retried(
    hass: HomeAssistant, template_switch: None, farm: Farm, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A switch that accepts turn_on but stays off is not taken as switched on: the rig stays "power cycling"."""
    monkeypatch.setattr(outlet_module, "SWITCH_SETTLE_SECONDS", 0.1)
    outlet = {"type": "switch", "entity_id": "switch.stuck_socket"}
    await add_watchdog(
        hass, {"Hive 1": rig_data(outlet, pool_entry=farm.pool_entry.entry_id, worker="hive1")}
    )
    await hass.services.async_call(
        "button", "press", {"entity_id": "button.hive_1_power_cycle"}, blocking=True
    )
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=5))
    await hass.async_block_till_done()
    assert hass.states.get("input_boolean.relay").state == "off"
    assert farm.actions() == [("Hive 1", "power_cycle", "power_on_failed")]
    assert hass.states.get("sensor.hive_1_watchdog").state == "power_cycling"
