"""No rig is left unpowered by us: not across a Home Assistant restart, an unload, or a stop."""

from __future__ import annotations

import asyncio
import contextlib
import random
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import EVENT_HOMEASSISTANT_STOP
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import issue_registry as ir
import pytest

from custom_components.mining_fleet.const import DOMAIN
from custom_components.mining_fleet.watchdog.rig import RIGS
from custom_components.mining_fleet.watchdog.store import STORAGE_KEY, STORAGE_VERSION

from ..conftest import set_up_entry
from .conftest import Farm, add_watchdog, advance, rig_data, rig_id, watchdog_entry


def _outlet_on(farm: Farm) -> bool:
    """Return whether hive1's strip outlet is on."""
    return farm.strip.is_on(farm.strip.children[0]["id"])


async def _hive(hass: HomeAssistant, farm: Farm) -> dict[str, dict[str, Any]]:
    """Return the rigs of the watchdog entry: hive1 on strip outlet 1."""
    return {"Hive 1": await farm.pool_rig("hive1")}


async def test_an_outlet_left_off_by_a_crash_is_switched_on_at_start(
    hass: HomeAssistant, farm: Farm, hass_storage: dict[str, Any]
) -> None:
    """The store says we switched the outlet off and never on: the next start switches it on and says so."""
    rigs = await _hive(hass, farm)
    farm.strip.answer(
        {
            "context": {"child_ids": [farm.strip.children[0]["id"]]},
            "system": {"set_relay_state": {"state": 0}},
        }
    )
    assert not _outlet_on(farm)
    hass_storage[STORAGE_KEY] = {
        "version": STORAGE_VERSION,
        "key": STORAGE_KEY,
        "data": {
            rig_id("Hive 1"): {
                "state": {"consecutive_power_cycles": 1, "last_action": "power_cycle"},
                "outlet_off_since": 1.0,
            }
        },
    }
    await set_up_entry(hass, watchdog_entry(rigs))
    await hass.async_block_till_done(wait_background_tasks=True)
    assert _outlet_on(farm)
    assert farm.actions() == [("Hive 1", "power_cycle", "ok")]
    assert farm.events[0].data["reason"] == "home_assistant_restarted"
    assert hass_storage[STORAGE_KEY]["data"][rig_id("Hive 1")]["outlet_off_since"] is None
    assert hass.states.get("sensor.hive_1_consecutive_power_cycles").state == "1"


@pytest.mark.parametrize("how", ["unload", "stop"])
async def test_a_power_cycle_in_progress_ends_with_the_outlet_on(
    hass: HomeAssistant, farm: Farm, hass_storage: dict[str, Any], how: str
) -> None:
    """A long off time interrupted by an unload or Home Assistant stopping: the outlet is switched on first."""
    entry = await add_watchdog(hass, await _hive(hass, farm))
    await hass.services.async_call(
        DOMAIN, "power_cycle", {"entity_id": "button.hive_1_power_cycle", "off_seconds": 300}, blocking=True
    )
    assert not _outlet_on(farm)
    assert hass_storage[STORAGE_KEY]["data"][rig_id("Hive 1")]["outlet_off_since"] is not None
    assert hass.states.get("sensor.hive_1_watchdog").state == "power_cycling"
    if how == "unload":
        await hass.config_entries.async_unload(entry.entry_id)
    else:
        hass.bus.async_fire(EVENT_HOMEASSISTANT_STOP)
    await hass.async_block_till_done()
    assert _outlet_on(farm)
    assert farm.actions() == [("Hive 1", "power_cycle", "ok")]
    assert farm.events[0].data["reason"] == "manual"  # the cycle keeps its reason, it only ends early
    assert hass_storage[STORAGE_KEY]["data"][rig_id("Hive 1")]["outlet_off_since"] is None


async def test_an_outlet_that_will_not_switch_on_is_retried_and_reported(
    hass: HomeAssistant, farm: Farm, freezer: FrozenDateTimeFactory
) -> None:
    """The strip stops answering while the rig is off: every check retries, a repair issue says so, and clears."""
    await add_watchdog(hass, await _hive(hass, farm))
    await hass.services.async_call(DOMAIN, "power_cycle", {"device_id": _rig_device(hass)}, blocking=True)
    farm.strip.offline = True
    await advance(hass, freezer, 2)
    assert not _outlet_on(farm)
    assert farm.actions() == [("Hive 1", "power_cycle", "power_on_failed")]
    assert ir.async_get(hass).async_get_issue(DOMAIN, f"outlet_off_{rig_id('Hive 1')}") is not None
    farm.strip.offline = False
    await advance(hass, freezer, 1)
    assert _outlet_on(farm)
    assert ir.async_get(hass).async_get_issue(DOMAIN, f"outlet_off_{rig_id('Hive 1')}") is None
    assert hass.states.get("sensor.hive_1_watchdog").state == "cooling_down"


def _rig_device(hass: HomeAssistant) -> str:
    """Return the rig device's id."""
    from homeassistant.helpers import device_registry as dr

    device = dr.async_get(hass).async_get_device(identifiers={(DOMAIN, f"rig_{rig_id('Hive 1')}")})
    assert device is not None
    return device.id


async def test_a_check_during_a_power_cycle_by_hand_leaves_the_record_alone(
    hass: HomeAssistant, farm: Farm, hass_storage: dict[str, Any]
) -> None:
    """A check that runs while the outlet is being switched off waits: the record says "off by us" throughout."""
    await add_watchdog(hass, await _hive(hass, farm))
    rig = hass.data[RIGS][rig_id("Hive 1")]
    await asyncio.gather(rig.async_power_cycle(300), rig.async_refresh(), rig.async_refresh())
    assert not _outlet_on(farm)
    assert hass_storage[STORAGE_KEY]["data"][rig_id("Hive 1")]["outlet_off_since"] is not None
    await hass.config_entries.async_unload(hass.config_entries.async_entries(DOMAIN)[-1].entry_id)
    assert _outlet_on(farm)


async def test_stopping_while_the_outlet_is_being_switched_off(hass: HomeAssistant, farm: Farm) -> None:
    """Home Assistant stops in the middle of the off command: the outlet still ends up on."""
    await add_watchdog(hass, await _hive(hass, farm))
    rig = hass.data[RIGS][rig_id("Hive 1")]
    cycle = hass.async_create_task(rig.async_power_cycle(300))
    await asyncio.sleep(0)  # the cycle has taken the outlet
    hass.bus.async_fire(EVENT_HOMEASSISTANT_STOP)
    await cycle
    await hass.async_block_till_done()
    assert _outlet_on(farm)
    assert farm.actions() == [("Hive 1", "power_cycle", "ok")]


async def test_deleting_a_rig_while_its_outlet_is_off(
    hass: HomeAssistant, farm: Farm, hass_storage: dict[str, Any]
) -> None:
    """The outlet is switched on, the rig's record and repair issues go with it."""
    entry = await add_watchdog(hass, await _hive(hass, farm))
    await hass.services.async_call(
        DOMAIN, "power_cycle", {"entity_id": "button.hive_1_power_cycle", "off_seconds": 300}, blocking=True
    )
    ir.async_create_issue(
        hass,
        DOMAIN,
        f"gave_up_{rig_id('Hive 1')}",
        is_fixable=False,
        severity=ir.IssueSeverity.ERROR,
        translation_key="rig_gave_up",
    )
    assert hass.config_entries.async_remove_subentry(entry, rig_id("Hive 1"))
    await hass.async_block_till_done()
    assert _outlet_on(farm)
    assert rig_id("Hive 1") not in hass_storage[STORAGE_KEY]["data"]
    assert ir.async_get(hass).async_get_issue(DOMAIN, f"gave_up_{rig_id('Hive 1')}") is None


async def test_a_deleted_rig_whose_outlet_would_not_switch_on_is_switched_on_at_the_next_start(
    hass: HomeAssistant, farm: Farm, hass_storage: dict[str, Any]
) -> None:
    """The store keeps how to reach an outlet we left off, even after its rig is gone."""
    outlet = await farm.outlet(farm.strip)
    farm.strip.answer(
        {
            "context": {"child_ids": [farm.strip.children[0]["id"]]},
            "system": {"set_relay_state": {"state": 0}},
        }
    )
    hass_storage[STORAGE_KEY] = {
        "version": STORAGE_VERSION,
        "key": STORAGE_KEY,
        "data": {"gone": {"outlet_off_since": 1.0, "outlet": outlet}},
    }
    await add_watchdog(hass, {})
    assert _outlet_on(farm)
    assert "gone" not in hass_storage[STORAGE_KEY]["data"]


async def test_one_rig_with_unusable_settings_does_not_stop_the_others(
    hass: HomeAssistant, farm: Farm
) -> None:
    """A rig whose stored outlet cannot be built is reported; its neighbour is watched."""
    rigs = await _hive(hass, farm)
    rigs["Broken"] = rig_data(
        {"type": "kasa", "host": "127.0.0.1"}, pool_entry=farm.pool_entry.entry_id, worker="steady"
    )
    # Settings python-kasa cannot read (a newer version's format): mashumaro raises a LookupError.
    rigs["Unreadable"] = rig_data(
        {"type": "kasa", "host": "127.0.0.1", "config": {}},
        pool_entry=farm.pool_entry.entry_id,
        worker="bitaxe",
    )
    await add_watchdog(hass, rigs)
    assert hass.states.get("sensor.hive_1_watchdog").state == "watching"
    for broken in ("Broken", "Unreadable"):
        assert ir.async_get(hass).async_get_issue(DOMAIN, f"invalid_{rig_id(broken)}") is not None


@pytest.mark.parametrize("seed", range(4))
async def test_generated_histories_always_end_with_the_outlet_on(
    hass: HomeAssistant, farm: Farm, freezer: FrozenDateTimeFactory, hass_storage: dict[str, Any], seed: int
) -> None:
    """Random mixes of hangs, cycles by hand, an unreachable strip, reloads and stops: once the strip answers
    again, one check later the outlet is on and nothing says it is off by us."""
    rng = random.Random(seed)
    entry = await add_watchdog(hass, await _hive(hass, farm))
    for _ in range(30):
        step = rng.choice(["hang", "cycle", "strip_down", "strip_up", "reload", "stop", "wait", "wait"])
        if step == "hang":
            farm.hive.hang()
        elif step == "cycle":
            with contextlib.suppress(HomeAssistantError):
                await hass.services.async_call(
                    DOMAIN,
                    "power_cycle",
                    {"entity_id": "button.hive_1_power_cycle", "off_seconds": rng.choice([1, 300])},
                    blocking=True,
                )
        elif step in ("strip_down", "strip_up"):
            farm.strip.offline = step == "strip_down"
        elif step == "reload":
            await hass.config_entries.async_reload(entry.entry_id)
        elif step == "stop":  # Home Assistant stops and starts again
            hass.bus.async_fire(EVENT_HOMEASSISTANT_STOP)
            await hass.async_block_till_done()
            await hass.config_entries.async_reload(entry.entry_id)
        await advance(hass, freezer, rng.choice([0.5, 3, 11]))
    farm.strip.offline = False
    await advance(hass, freezer, 6)  # a pending 300 s power-on, then a check
    assert _outlet_on(farm)
    assert hass_storage[STORAGE_KEY]["data"][rig_id("Hive 1")]["outlet_off_since"] is None
