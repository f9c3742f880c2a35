"""Diagnostics download: useful, with wallets, pool credentials and Wi-Fi names removed."""

from __future__ import annotations

import json

from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from ..conftest import MinerSetup


async def test_diagnostics_are_redacted(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, setup_miner: MinerSetup
) -> None:
    """The download holds the model limits and the reply, minus secrets."""
    assert await async_setup_component(hass, "diagnostics", {})
    miner, entry = await setup_miner("2.15")
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    text = json.dumps(diagnostics)
    assert "bc1qexamplewallet" not in text
    assert "HomeNetwork" not in text
    assert diagnostics["info"]["stratumUser"] == "**REDACTED**"
    assert diagnostics["info"]["pools"][0]["stratumUser"] == "**REDACTED**"
    assert diagnostics["info"]["ssid"] == "**REDACTED**"
    assert diagnostics["info"]["ASICModel"] == "BM1370"
    assert diagnostics["limits"]["voltage_options"] == [1000, 1060, 1100, 1150, 1200, 1250]
    tuning = diagnostics["tuning"]
    assert tuning["profile"] == "night" and tuning["guard"] is None and tuning["ramp"] is None
    assert tuning["profiles"]["day"] == {"frequency_mhz": 490, "core_voltage_mv": 1150}
    assert tuning["limits"] == {
        "max_voltage_mv": 1250,
        "max_frequency_mhz": 625,
        "max_temperature_c": 70.0,
        "max_power_w": 40,
    }
    assert diagnostics["entry"]["unique_id"] == "**REDACTED**"  # pool ids carry payout addresses
    assert miner.mac in text
