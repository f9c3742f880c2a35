"""Generated histories against the simulators: whatever is called, nothing outside the limits ever arrives.

Each seed drives one miner through a long random history of set_tuning calls (valid, off the model's
list, above the user's limits), profile changes with random transitions, heat spikes, firmware
overheats and time passing. What the simulator received is then checked value by value.
"""

from __future__ import annotations

import contextlib
import random

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
import pytest

from custom_components.mining_fleet.const import DOMAIN

from ..conftest import MinerSetup, VNishSetup
from .conftest import SimClock, tick, tuning_writes
from .test_profiles import _device_id, add_profile, set_limits

MAX_VOLTAGE, MAX_FREQUENCY = 1200, 600
GAMMA_VOLTAGES = {1000, 1060, 1100, 1150, 1200, 1250}
GAMMA_FREQUENCIES = {400, 490, 525, 550, 600, 625}
ACTIONS_PER_SEED = 80


async def _call(hass: HomeAssistant, service: str, data: dict[str, object]) -> None:
    """Call a service; a refusal is an expected outcome here, and must send nothing."""
    with contextlib.suppress(ServiceValidationError):
        await hass.services.async_call(DOMAIN, service, data, blocking=True)


@pytest.mark.parametrize("seed", range(16))
async def test_no_bitaxe_write_is_ever_outside_the_limits(
    hass: HomeAssistant, setup_miner: MinerSetup, freezer: FrozenDateTimeFactory, seed: int
) -> None:
    """Random calls, ramps and heat: every voltage and frequency received is a model option within the limits."""
    rng, clock = random.Random(seed), SimClock()
    miner, entry = await setup_miner(clock=clock)
    await add_profile(hass, entry, "eco", core_voltage_mv=1100, frequency_mhz=490)
    await add_profile(hass, entry, "max", core_voltage_mv=1200, frequency_mhz=600)
    await set_limits(hass, entry, max_voltage_mv=str(MAX_VOLTAGE), max_frequency_mhz=str(MAX_FREQUENCY))
    device = _device_id(hass, entry)
    for _ in range(ACTIONS_PER_SEED):
        action = rng.choice(["tuning", "profile", "heat", "overheat", "time"])
        if action == "tuning":
            tuning = {
                key: rng.choice(sorted(options | {options_max + 50}))
                for key, options, options_max in (
                    ("core_voltage", GAMMA_VOLTAGES, 1250),
                    ("frequency", GAMMA_FREQUENCIES, 625),
                )
                if rng.random() < 0.7
            }
            await _call(hass, "set_tuning", {"device_id": device, **(tuning or {"frequency": 490})})
        elif action == "profile":
            pace = rng.choice(
                [{}, {"steps": rng.randint(1, 6)}, {"steps": rng.randint(1, 4), "step_delay": 0}]
            )
            profile = rng.choice(["day", "night", "eco", "max", "turbo"])
            await _call(hass, "apply_profile", {"device_id": device, "profile": profile, **pace})
        elif action == "heat":
            miner.extra_heat_c = rng.choice([0, 0, 10, 25, 40])
        elif action == "overheat":
            miner.state.overheat_mode = rng.choice([0, 1])
        else:
            seconds = rng.choice([15, 30, 60, 150])
            clock.advance(seconds)
            await tick(hass, freezer, seconds)
    writes = tuning_writes(miner)
    assert writes, "the history sent nothing at all"
    for body in writes:
        assert (
            body.get("coreVoltage", MAX_VOLTAGE) in GAMMA_VOLTAGES
            and body.get("coreVoltage", 0) <= MAX_VOLTAGE
        )
        assert (
            body.get("frequency", MAX_FREQUENCY) in GAMMA_FREQUENCIES
            and body.get("frequency", 0) <= MAX_FREQUENCY
        )


@pytest.mark.parametrize("seed", range(4))
async def test_no_vnish_preset_is_ever_untuned_or_above_the_power_limit(
    hass: HomeAssistant, setup_vnish: VNishSetup, freezer: FrozenDateTimeFactory, seed: int
) -> None:
    """Random preset calls, profile changes and heat: only tuned presets within the power limit arrive."""
    rng = random.Random(seed)
    miner, entry = await setup_vnish()
    await add_profile(hass, entry, "night", preset="3200")
    await set_limits(hass, entry, max_power_w=3300)
    device = _device_id(hass, entry)
    for _ in range(ACTIONS_PER_SEED):
        action = rng.choice(["preset", "profile", "heat", "time"])
        if action == "preset":
            preset = rng.choice(["2800", "3200", "3600", "4000", "disabled", "nonsense"])
            await _call(hass, "set_tuning", {"device_id": device, "preset": preset})
        elif action == "profile":
            profile = rng.choice(["day", "night", "turbo"])
            await _call(hass, "apply_profile", {"device_id": device, "profile": profile})
        elif action == "heat":
            miner.extra_heat_c = rng.choice([0, 0, 12, 30])
        else:
            await tick(hass, freezer, rng.choice([15, 30, 150]))
    assert miner.presets_received
    assert set(miner.presets_received) <= {"2800", "3200"}
