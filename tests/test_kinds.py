"""The kind registry and the one write path, for every miner kind."""

from __future__ import annotations

import math
from typing import Any

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import UnknownHandler
from homeassistant.exceptions import ServiceValidationError
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.mining_fleet.bitaxe.coordinator import BitaxeCoordinator
from custom_components.mining_fleet.config_flow import MiningFleetConfigFlow
from custom_components.mining_fleet.const import CONF_KIND, DOMAIN
from custom_components.mining_fleet.kinds import KINDS
from custom_components.mining_fleet.logic.tuning import Tuning
from custom_components.mining_fleet.miner.coordinator import MinerCoordinator
from custom_components.mining_fleet.miner.registry import fleet_registry
from custom_components.mining_fleet.vnish.coordinator import VNishCoordinator

from .conftest import MinerSetup, VNishSetup, fleet_entry, object_id_prefix, set_up_entry


async def test_unknown_kind_fails_clearly(hass: HomeAssistant) -> None:
    """An entry of a kind this version does not know fails set-up with a message, not a guess."""
    entry = MockConfigEntry(domain=DOMAIN, unique_id="x", data={CONF_KIND: "teleporter", "host": "127.0.0.1"})
    await set_up_entry(hass, entry)
    assert entry.state is ConfigEntryState.SETUP_ERROR
    assert "teleporter" in str(entry.reason)


def test_kinds_forward_only_their_platforms() -> None:
    """The fleet overview has sensors only; VNish has no numbers; Bitaxe has all six."""
    assert [str(platform) for platform in KINDS["fleet"].platforms] == ["sensor"]
    assert "number" not in KINDS["vnish"].platforms
    assert len(KINDS["bitaxe"].platforms) == 6


@pytest.mark.parametrize(("firmware", "hashrate_key"), [("2.15", "hashrate_1_minute"), ("2.9", "hashrate")])
async def test_bitaxe_readings_in_one_unit(
    hass: HomeAssistant, setup_miner: MinerSetup, firmware: str, hashrate_key: str
) -> None:
    """A Bitaxe's hashrate reaches behaviours in TH/s (1-minute average where the firmware has one)."""
    miner, entry = await setup_miner(firmware)
    coordinator: BitaxeCoordinator = entry.runtime_data
    name = object_id_prefix(miner)
    gigahashes = float(hass.states.get(f"sensor.{name}_{hashrate_key}").state)
    assert coordinator.hashrate == pytest.approx(gigahashes / 1000, rel=1e-3)
    assert coordinator.hottest_temperature == pytest.approx(
        float(hass.states.get(f"sensor.{name}_asic_temperature").state), abs=0.01
    )
    assert coordinator.is_mining is True
    assert fleet_registry(hass).get(str(coordinator.device_id)) is coordinator


async def test_vnish_readings_in_one_unit(hass: HomeAssistant, setup_vnish: VNishSetup) -> None:
    """An Antminer's hashrate and hottest chip reach behaviours as its sensors show them."""
    _, entry = await setup_vnish()
    coordinator: VNishCoordinator = entry.runtime_data
    assert coordinator.hashrate == pytest.approx(
        float(hass.states.get("sensor.antminer_s19_hashrate").state), rel=1e-3
    )
    assert coordinator.hottest_temperature == pytest.approx(
        float(hass.states.get("sensor.antminer_s19_chip_temperature").state), abs=0.01
    )


@pytest.mark.parametrize(
    ("tuning", "setting"),
    [
        (Tuning(frequency_mhz=999), "frequency"),
        (Tuning(core_voltage_mv=1400), "core_voltage"),
        (Tuning(frequency_mhz=525, core_voltage_mv=1400), "core_voltage"),
        (Tuning(preset="max"), "preset"),
    ],
)
async def test_bitaxe_write_path_refuses_unsafe_tuning(
    hass: HomeAssistant, setup_miner: MinerSetup, tuning: Tuning, setting: str
) -> None:
    """Off-list tuning is refused in the coordinator itself, whoever asks; nothing is sent."""
    miner, entry = await setup_miner("2.15")
    coordinator: MinerCoordinator[Any] = entry.runtime_data
    with pytest.raises(ServiceValidationError) as caught:
        await coordinator.async_apply_tuning(tuning)
    assert caught.value.translation_key == "value_not_allowed"
    assert caught.value.translation_placeholders["setting"] == setting
    assert not [body for method, _, body in miner.requests if method == "PATCH"]


async def test_tuning_through_the_write_path(hass: HomeAssistant, setup_miner: MinerSetup) -> None:
    """Safe tuning is sent one setting at a time, voltage first when raising; empty tuning sends nothing."""
    miner, entry = await setup_miner("2.15")
    coordinator: MinerCoordinator[Any] = entry.runtime_data
    await coordinator.async_apply_tuning(Tuning())
    assert [method for method, _, _ in miner.requests if method != "GET"] == []
    await coordinator.async_apply_tuning(Tuning(frequency_mhz=600, core_voltage_mv=1200))
    assert [body for method, _, body in miner.requests if method == "PATCH"] == [
        {"coreVoltage": 1200},
        {"frequency": 600},
    ]


@pytest.mark.parametrize("value", [math.nan, math.inf, 5, 101])
async def test_bitaxe_write_path_refuses_unsafe_fan_speed(
    hass: HomeAssistant, setup_miner: MinerSetup, value: float
) -> None:
    """A fan duty outside 20-100 % (or not a number) is refused with a translated error."""
    miner, entry = await setup_miner("2.15")
    with pytest.raises(ServiceValidationError):
        await entry.runtime_data.async_set_fan_speed(value)
    assert not [body for method, _, body in miner.requests if method == "PATCH"]


async def test_nan_through_the_number_entity_is_refused(hass: HomeAssistant, setup_miner: MinerSetup) -> None:
    """number.set_value with NaN slips past Home Assistant's range check; the write path stops it."""
    miner, _ = await setup_miner("2.15")
    with pytest.raises(ServiceValidationError):
        await hass.services.async_call(
            "number",
            "set_value",
            {ATTR_ENTITY_ID: f"number.{object_id_prefix(miner)}_temperature_target", "value": "nan"},
            blocking=True,
        )
    assert not [body for method, _, body in miner.requests if method == "PATCH"]


async def test_vnish_write_path_refuses_untuned_preset(hass: HomeAssistant, setup_vnish: VNishSetup) -> None:
    """An untuned preset (hours of autotuning) is refused even when asked for directly."""
    simulator, entry = await setup_vnish()
    coordinator: MinerCoordinator[Any] = entry.runtime_data
    untuned = next(preset for preset in entry.runtime_data.presets if not preset.tuned)
    with pytest.raises(ServiceValidationError) as caught:
        await coordinator.async_apply_tuning(Tuning(preset=untuned.name))
    assert caught.value.translation_key == "preset_not_tuned"
    with pytest.raises(ServiceValidationError) as caught:
        await coordinator.async_apply_tuning(Tuning(frequency_mhz=500))
    assert caught.value.translation_key == "value_not_allowed"
    assert not [
        path for method, path in simulator.requests if path.endswith("/settings") and method == "POST"
    ]


def test_the_config_flow_has_every_kind_s_steps() -> None:
    """Each registered kind's flow mixin is a base of the config flow, so its menu entry works."""
    for kind in KINDS.values():
        assert issubclass(MiningFleetConfigFlow, kind.flow), kind.key
        assert hasattr(MiningFleetConfigFlow, f"async_step_{kind.key}"), kind.key


async def test_options_only_where_a_kind_has_them(hass: HomeAssistant) -> None:
    """Every kind but the watchdog (its rigs are subentries) has "Configure"; unknown kinds do not."""
    with_options = {key for key, kind in KINDS.items() if kind.options_flow is not None}
    assert with_options == {"bitaxe", "vnish", "pool", "antspace", "auction", "fleet"}
    watchdog = MockConfigEntry(domain=DOMAIN, data={CONF_KIND: "watchdog"})
    unknown = MockConfigEntry(domain=DOMAIN, data={CONF_KIND: "teleporter"})
    assert MiningFleetConfigFlow.async_supports_options_flow(fleet_entry())
    assert not MiningFleetConfigFlow.async_supports_options_flow(watchdog)
    assert not MiningFleetConfigFlow.async_supports_options_flow(unknown)
    with pytest.raises(UnknownHandler):
        MiningFleetConfigFlow.async_get_options_flow(watchdog)
