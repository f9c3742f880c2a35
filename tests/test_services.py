"""The start_mining / stop_mining services across kinds of miners."""

from __future__ import annotations

from dataclasses import replace

from homeassistant.const import ATTR_DEVICE_ID
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import (
    area_registry as ar,
    device_registry as dr,
    entity_registry as er,
    label_registry as lr,
)
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.mining_fleet.const import DOMAIN
from simulators.axeos import Fault
from simulators.vnish import VNishFault

from .conftest import (
    MinerSetup,
    VNishFactory,
    VNishSetup,
    fleet_entry,
    object_id_prefix,
    set_up_entry,
    vnish_entry,
)


def _device_id(hass: HomeAssistant, entry: MockConfigEntry) -> str:
    """Return the device of a config entry."""
    (device,) = dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)
    return device.id


async def _call(hass: HomeAssistant, service: str, *device_ids: str) -> None:
    await hass.services.async_call(DOMAIN, service, {ATTR_DEVICE_ID: list(device_ids)}, blocking=True)


async def test_stop_and_start_a_mixed_fleet(
    hass: HomeAssistant, setup_miner: MinerSetup, setup_vnish: VNishSetup
) -> None:
    """One call reaches a Bitaxe (pause/resume) and an Antminer (stop/start); repeats are no-ops."""
    clock = [0.0]
    bitaxe, bitaxe_entry = await setup_miner("2.15")
    antminer, antminer_entry = await setup_vnish(clock=lambda: clock[0])
    devices = (_device_id(hass, bitaxe_entry), _device_id(hass, antminer_entry))
    await _call(hass, "stop_mining", *devices)
    assert bitaxe.state.paused is True
    assert antminer.miner_state() in ("shutting-down", "stopped")
    await _call(hass, "stop_mining", *devices)  # already stopped: success, nothing changes
    assert antminer.miner_state() in ("shutting-down", "stopped")
    clock[0] += 1  # the shutdown finishes (the firmware refuses a start while shutting down)
    assert antminer.miner_state() == "stopped"
    await _call(hass, "start_mining", *devices)
    assert bitaxe.state.paused is False
    assert antminer.miner_state() in ("starting", "mining")
    await _call(hass, "start_mining", *devices)
    assert antminer.commands.count("start") == 2


async def test_failure_names_the_miner(hass: HomeAssistant, setup_vnish: VNishSetup) -> None:
    """A miner that does not accept the command fails the call with its name."""
    miner, entry = await setup_vnish()
    miner.fault = VNishFault.HTTP_500
    with pytest.raises(HomeAssistantError) as caught:
        await _call(hass, "stop_mining", _device_id(hass, entry))
    assert caught.value.translation_key == "action_unexpected_response"
    assert caught.value.translation_placeholders["name"] == entry.title


async def test_several_failures_are_reported_together(
    hass: HomeAssistant, setup_miner: MinerSetup, setup_vnish: VNishSetup
) -> None:
    """Every miner is tried; all failures are listed."""
    bitaxe, bitaxe_entry = await setup_miner("2.15")
    antminer, antminer_entry = await setup_vnish()
    bitaxe.fault = Fault.HTTP_500
    antminer.fault = VNishFault.OFFLINE
    with pytest.raises(HomeAssistantError) as caught:
        await _call(hass, "stop_mining", _device_id(hass, bitaxe_entry), _device_id(hass, antminer_entry))
    assert caught.value.translation_key == "several_failed"


async def test_invalid_targets(hass: HomeAssistant, setup_miner: MinerSetup) -> None:
    """Unknown devices, other integrations' devices, unloaded and unsupported miners are refused up front."""
    old, old_entry = await setup_miner("2.12")
    with pytest.raises(ServiceValidationError) as caught:
        await _call(hass, "stop_mining", "nope")
    assert caught.value.translation_key == "unknown_device"
    with pytest.raises(ServiceValidationError) as caught:
        await _call(hass, "stop_mining", _device_id(hass, old_entry))
    assert caught.value.translation_key == "start_stop_unsupported"
    other = MockConfigEntry(domain="other")
    other.add_to_hass(hass)
    foreign = dr.async_get(hass).async_get_or_create(
        config_entry_id=other.entry_id, identifiers={("other", "x")}
    )
    with pytest.raises(ServiceValidationError) as caught:
        await _call(hass, "stop_mining", foreign.id)
    assert caught.value.translation_key == "not_a_miner"
    device_id = _device_id(hass, old_entry)
    await hass.config_entries.async_unload(old_entry.entry_id)
    with pytest.raises(ServiceValidationError) as caught:
        await _call(hass, "start_mining", device_id)
    assert caught.value.translation_key == "miner_not_loaded"
    assert old.requests[-1][0] == "GET"  # nothing was ever sent to the miner


async def test_fleet_overview_is_not_a_miner(hass: HomeAssistant) -> None:
    """The fleet device belongs to the integration but is refused with a translated error."""
    entry = fleet_entry()
    await set_up_entry(hass, entry)
    with pytest.raises(ServiceValidationError) as caught:
        await _call(hass, "stop_mining", _device_id(hass, entry))
    assert caught.value.translation_key == "not_a_miner"


async def test_empty_target_is_refused(hass: HomeAssistant, setup_miner: MinerSetup) -> None:
    """A call that targets nothing is a translated validation error, not a silent success."""
    await setup_miner("2.15")
    for data in ({}, {ATTR_DEVICE_ID: []}):
        with pytest.raises(ServiceValidationError) as caught:
            await hass.services.async_call(DOMAIN, "stop_mining", data, blocking=True)
        assert caught.value.translation_key == "no_miners_targeted"


async def test_repeated_device_is_commanded_once(hass: HomeAssistant, setup_miner: MinerSetup) -> None:
    """The same device listed 100 times gets one command."""
    miner, entry = await setup_miner("2.15")
    await _call(hass, "stop_mining", *[_device_id(hass, entry)] * 100)
    assert [path for method, path, _ in miner.requests if method == "POST"] == ["/api/system/pause"]


async def test_areas_labels_and_entities_as_targets(
    hass: HomeAssistant, setup_miner: MinerSetup, setup_vnish: VNishSetup
) -> None:
    """An area or label reaches the miners in it (other devices there are left alone); an entity its miner."""
    bitaxe, bitaxe_entry = await setup_miner("2.15")
    antminer, antminer_entry = await setup_vnish()
    area = ar.async_get(hass).async_create("Garage")
    label = lr.async_get(hass).async_create("Night shift")
    devices = dr.async_get(hass)
    devices.async_update_device(_device_id(hass, bitaxe_entry), area_id=area.id)
    lamp_entry = MockConfigEntry(domain="other")
    lamp_entry.add_to_hass(hass)
    lamp = devices.async_get_or_create(config_entry_id=lamp_entry.entry_id, identifiers={("other", "lamp")})
    devices.async_update_device(lamp.id, area_id=area.id)
    await hass.services.async_call(DOMAIN, "stop_mining", {"area_id": area.id}, blocking=True)
    assert bitaxe.state.paused is True
    assert antminer.miner_state() == "mining"
    devices.async_update_device(_device_id(hass, antminer_entry), labels={label.label_id})
    await hass.services.async_call(DOMAIN, "stop_mining", {"label_id": label.label_id}, blocking=True)
    assert antminer.miner_state() in ("shutting-down", "stopped")
    await hass.services.async_call(
        DOMAIN, "start_mining", {"entity_id": f"switch.{object_id_prefix(bitaxe)}_mining"}, blocking=True
    )
    assert bitaxe.state.paused is False


async def test_foreign_entity_target_is_refused(hass: HomeAssistant, setup_miner: MinerSetup) -> None:
    """An entity of another integration named as a target is refused with a translated error."""
    await setup_miner("2.15")
    hass.states.async_set("light.lamp", "on")
    with pytest.raises(ServiceValidationError) as caught:
        await hass.services.async_call(DOMAIN, "stop_mining", {"entity_id": "light.lamp"}, blocking=True)
    assert caught.value.translation_key == "not_a_miner"


async def test_groups_skip_miners_that_cannot_start_or_stop(
    hass: HomeAssistant, setup_miner: MinerSetup
) -> None:
    """An area with a 2.15 Bitaxe and a 2.12 one (no pause) pauses the first and leaves the second."""
    new, new_entry = await setup_miner("2.15")
    _, old_entry = await setup_miner("2.12")
    area = ar.async_get(hass).async_create("Shelf")
    for entry in (new_entry, old_entry):
        dr.async_get(hass).async_update_device(_device_id(hass, entry), area_id=area.id)
    await hass.services.async_call(DOMAIN, "stop_mining", {"area_id": area.id}, blocking=True)
    assert new.state.paused is True


async def test_label_on_an_entity_reaches_its_miner(hass: HomeAssistant, setup_miner: MinerSetup) -> None:
    """A label put on a miner's entity (not its device) targets that miner."""
    miner, _ = await setup_miner("2.15")
    label = lr.async_get(hass).async_create("Heater")
    entity_id = f"sensor.{object_id_prefix(miner)}_hashrate"
    er.async_get(hass).async_update_entity(entity_id, labels={label.label_id})
    await hass.services.async_call(DOMAIN, "stop_mining", {"label_id": label.label_id}, blocking=True)
    assert miner.state.paused is True


async def _set_tuning(hass: HomeAssistant, device_ids: list[str], **fields: object) -> None:
    """Call mining_fleet.set_tuning."""
    await hass.services.async_call(
        DOMAIN, "set_tuning", {ATTR_DEVICE_ID: device_ids, **fields}, blocking=True
    )


def _settings_writes(miner: object) -> list[dict[str, object]]:
    """Return the settings bodies a simulated Bitaxe received."""
    return [body for method, path, body in miner.requests if method == "PATCH" and path == "/api/system"]  # type: ignore[attr-defined]


async def test_set_tuning_raises_voltage_first_and_lowers_frequency_first(
    hass: HomeAssistant, setup_miner: MinerSetup
) -> None:
    """Both settings at once reach the Bitaxe one at a time, in the order that never under-volts it."""
    miner, entry = await setup_miner("2.15")
    device = _device_id(hass, entry)
    await _set_tuning(hass, [device], frequency=625, core_voltage=1250)
    assert _settings_writes(miner)[-2:] == [{"coreVoltage": 1250}, {"frequency": 625}]
    await _set_tuning(hass, [device], frequency=400, core_voltage=1100)
    assert _settings_writes(miner)[-2:] == [{"frequency": 400}, {"coreVoltage": 1100}]
    assert (miner.state.frequency, miner.state.core_voltage) == (400, 1100)


async def test_set_tuning_checks_every_miner_before_sending_any(
    hass: HomeAssistant, setup_miner: MinerSetup, setup_vnish: VNishSetup
) -> None:
    """One miner refusing a value (it is not among its safe options) means nothing is sent to any."""
    bitaxe, bitaxe_entry = await setup_miner("2.15")
    antminer, antminer_entry = await setup_vnish(presets_shape="object")
    before = len(_settings_writes(bitaxe))
    with pytest.raises(ServiceValidationError) as refused:
        await _set_tuning(
            hass, [_device_id(hass, bitaxe_entry), _device_id(hass, antminer_entry)], frequency=625
        )
    assert refused.value.translation_key == "value_not_allowed"
    assert len(_settings_writes(bitaxe)) == before
    await _set_tuning(hass, [_device_id(hass, antminer_entry)], preset="3600")
    assert antminer.state.preset == "3600"
    with pytest.raises(ServiceValidationError) as empty:
        await _set_tuning(hass, [_device_id(hass, bitaxe_entry)])
    assert empty.value.translation_key == "no_tuning_given"


async def test_safe_settings_for_every_miner_at_once(
    hass: HomeAssistant, setup_miner: MinerSetup, setup_vnish: VNishSetup
) -> None:
    """With no target every miner goes to its safest settings: the Bitaxe's lowest frequency at its default
    voltage, the Antminer's least-power tuned preset; a named target takes only that miner."""
    bitaxe, bitaxe_entry = await setup_miner("2.15")
    antminer, _ = await setup_vnish(presets_shape="object")
    await _set_tuning(hass, [_device_id(hass, bitaxe_entry)], frequency=625, core_voltage=1250)
    await hass.services.async_call(DOMAIN, "apply_safe_settings", {}, blocking=True)
    limits = bitaxe_entry.runtime_data.limits
    assert (bitaxe.state.frequency, bitaxe.state.core_voltage) == (
        min(limits.frequency_options),
        limits.default_voltage,
    )
    tuned = [p.name for p in antminer.presets if p.status == "tuned" and p.name.isdigit()]  # not "disabled"
    assert antminer.state.preset == min(tuned, key=int)
    await _set_tuning(hass, [_device_id(hass, bitaxe_entry)], frequency=600)
    await hass.services.async_call(
        DOMAIN, "apply_safe_settings", {ATTR_DEVICE_ID: [_device_id(hass, bitaxe_entry)]}, blocking=True
    )
    assert bitaxe.state.frequency == min(limits.frequency_options)


async def test_safe_settings_need_a_tuned_preset(hass: HomeAssistant, start_vnish: VNishFactory) -> None:
    """An Antminer with no tuned preset has no safe setting to go to: the user is told, nothing is sent."""
    antminer = await start_vnish(presets_shape="object")
    antminer.presets = [replace(preset, status="untuned") for preset in antminer.presets]
    entry = vnish_entry(antminer)
    await set_up_entry(hass, entry)
    with pytest.raises(HomeAssistantError) as refused:
        await hass.services.async_call(DOMAIN, "apply_safe_settings", {}, blocking=True)
    assert refused.value.translation_key == "no_safe_settings"
    assert "settings" not in [
        path.rsplit("/", 1)[-1] for method, path in antminer.requests if method == "POST"
    ]
