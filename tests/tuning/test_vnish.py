"""Profiles and the guard on a VNish Antminer: tuned presets one at a time, down when hot, back up when calm."""

from __future__ import annotations

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
import pytest

from custom_components.mining_fleet.const import DOMAIN

from ..conftest import VNishSetup
from .conftest import tick
from .test_profiles import _device_id, add_profile, apply_profile, set_limits

SELECT = "select.antminer_s19_tuning_profile"
GUARD = "sensor.antminer_s19_safety_guard"


async def test_presets_ramp_one_tuned_preset_at_a_time(hass: HomeAssistant, setup_vnish: VNishSetup) -> None:
    """Day is the least and night the most powerful tuned preset; a change walks through those between."""
    miner, entry = await setup_vnish()
    assert hass.states.get(SELECT).state == "custom"  # 3200 is neither day (2800) nor night (3600)
    await apply_profile(hass, entry, "night")
    await apply_profile(hass, entry, "day", step_delay=0)
    assert miner.presets_received == ["3600", "3200", "2800"]
    assert hass.states.get(SELECT).state == "day"


async def test_a_preset_above_the_power_limit_is_refused(
    hass: HomeAssistant, setup_vnish: VNishSetup
) -> None:
    """With a power limit, presets above it (or that do not say their watts) are refused; nothing is sent."""
    miner, entry = await setup_vnish()
    await add_profile(hass, entry, "night", preset="3200")
    await set_limits(hass, entry, max_power_w=3400)
    for preset, key in (("3600", "value_above_limit"), ("disabled", "power_unknown")):
        with pytest.raises(ServiceValidationError) as refused:
            await hass.services.async_call(
                DOMAIN, "set_tuning", {"device_id": _device_id(hass, entry), "preset": preset}, blocking=True
            )
        assert refused.value.translation_key == key
    assert miner.presets_received == []


async def test_heat_steps_down_a_preset_at_a_time_then_back(
    hass: HomeAssistant, setup_vnish: VNishSetup, freezer: FrozenDateTimeFactory
) -> None:
    """Chips above 85 °C: the next lower tuned preset, again after 30 s if still hot; calm: back up to night."""
    miner, entry = await setup_vnish()
    await apply_profile(hass, entry, "night")
    miner.presets_received.clear()
    miner.extra_heat_c = 12  # about 91 °C at 3600 W, 87 at 3200, 83 at 2800
    for _ in range(6):
        await tick(hass, freezer, 15)
    assert miner.presets_received == ["3200", "2800"]
    assert hass.states.get(GUARD).state == "temperature"
    miner.extra_heat_c = 0
    for _ in range(40):
        await tick(hass, freezer, 15)
    assert miner.presets_received == ["3200", "2800", "3200", "3600"]
    assert hass.states.get(GUARD).state == "ok"
    assert hass.states.get(SELECT).state == "night"
