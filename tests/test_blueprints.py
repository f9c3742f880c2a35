"""Bundled blueprints: installed safely, and the battery SoC rule run by Home Assistant's automation engine."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components import persistent_notification
from homeassistant.const import EVENT_HOMEASSISTANT_START, EVENT_HOMEASSISTANT_STARTED
from homeassistant.core import CoreState, HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.mining_fleet.blueprint_installer import SHIPPED
from custom_components.mining_fleet.const import DOMAIN
from custom_components.mining_fleet.logic.shipped_files import RECORD_NAME, install_shipped_files
from simulators.axeos import AxeOSSimulator
from simulators.vnish import VNishSimulator

from .conftest import MinerSetup, VNishSetup

BLUEPRINT = "battery_soc_mining.yaml"


@pytest.fixture
def expected_lingering_timers() -> bool:
    """The blueprint's 5-minute time pattern stays scheduled until Home Assistant is torn down."""
    return True


def test_installer_respects_user_edits(tmp_path: Path) -> None:
    """New files are installed, untouched old ones updated, edited ones left alone."""
    source, target = tmp_path / "shipped", tmp_path / "user"
    source.mkdir()
    (source / "a.yaml").write_text("version: 1\n")
    (source / "b.yaml").write_text("version: 1\n")
    assert install_shipped_files(source, target).written == ["a.yaml", "b.yaml"]
    assert install_shipped_files(source, target).written == []
    (target / "b.yaml").write_text("version: 1  # my tweak\n")
    (source / "a.yaml").write_text("version: 2\n")
    (source / "b.yaml").write_text("version: 2\n")
    assert install_shipped_files(source, target).written == ["a.yaml"]
    assert (target / "a.yaml").read_text() == "version: 2\n"
    assert (target / "b.yaml").read_text() == "version: 1  # my tweak\n"
    (target / "c.yaml").write_text("mine\n")
    (source / "c.yaml").write_text("ours\n")
    assert install_shipped_files(source, target).written == []  # a same-named file the user wrote is theirs
    assert (target / RECORD_NAME).exists()


async def test_integration_installs_blueprints(hass: HomeAssistant) -> None:
    """Loading the integration puts the blueprints into the user's blueprint folder."""
    assert await async_setup_component(hass, DOMAIN, {})
    installed = Path(hass.config.path("blueprints", "automation", DOMAIN, BLUEPRINT))
    assert installed.read_bytes() == (SHIPPED / BLUEPRINT).read_bytes()


async def test_install_failure_is_logged_not_fatal(
    hass: HomeAssistant, caplog: pytest.LogCaptureFixture
) -> None:
    """A read-only config folder costs the blueprints, not the integration."""
    Path(hass.config.path("blueprints")).write_text("not a folder")
    assert await async_setup_component(hass, DOMAIN, {})
    assert "Could not install the Mining Fleet blueprints" in caplog.text


def _device_id(hass: HomeAssistant, entry: MockConfigEntry) -> str:
    (device,) = dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)
    return device.id


async def _soc_rule(
    hass: HomeAssistant, device_ids: list[str], stop: int, resume: int, initial_soc: int = 50
) -> None:
    """Set up a SoC source (an input_number behind a template sensor) and the blueprint automation."""
    assert await async_setup_component(hass, "persistent_notification", {})
    assert await async_setup_component(
        hass, "input_number", {"input_number": {"soc": {"min": 0, "max": 100, "initial": initial_soc}}}
    )
    assert await async_setup_component(hass, "input_boolean", {"input_boolean": {"bms": {"initial": True}}})
    assert await async_setup_component(
        hass,
        "template",
        {
            "template": [
                {
                    "sensor": [
                        {
                            "name": "Battery SoC",
                            "unit_of_measurement": "%",
                            "device_class": "battery",
                            "state": "{{ states('input_number.soc') }}",
                            "availability": "{{ is_state('input_boolean.bms', 'on') }}",
                        }
                    ]
                }
            ]
        },
    )
    assert await async_setup_component(
        hass,
        "automation",
        {
            "automation": {
                "id": "battery_rule",
                "alias": "Battery rule",
                "use_blueprint": {
                    "path": f"{DOMAIN}/{BLUEPRINT}",
                    "input": {
                        "soc_sensor": "sensor.battery_soc",
                        "miners": device_ids,
                        "stop_threshold": stop,
                        "resume_threshold": resume,
                    },
                },
            }
        },
    )
    await hass.async_block_till_done()


def _align_clock(freezer: FrozenDateTimeFactory) -> None:
    """Move to 30 s past a 5-minute boundary, so the periodic check only runs when a test asks."""
    now = dt_util.utcnow()
    freezer.move_to(now.replace(second=30, microsecond=0) + timedelta(minutes=5 - now.minute % 5))


async def _settle(hass: HomeAssistant, freezer: FrozenDateTimeFactory, seconds: float = 1) -> None:
    """Let time pass so triggered automations and the commands they send run to the end."""
    freezer.tick(seconds)
    async_fire_time_changed(hass)
    # A state change reaches the template sensor and the automation through callbacks that are
    # only queued when block_till_done first looks, so yield and wait a few rounds.
    for _ in range(3):
        await asyncio.sleep(0)
        await hass.async_block_till_done(wait_background_tasks=True)


async def _set_soc(hass: HomeAssistant, freezer: FrozenDateTimeFactory, value: float) -> None:
    """Set the state of charge and let the rule react."""
    await hass.services.async_call(
        "input_number", "set_value", {"entity_id": "input_number.soc", "value": value}, blocking=True
    )
    await _settle(hass, freezer)


def _mining(bitaxe: AxeOSSimulator, antminer: VNishSimulator) -> tuple[bool, bool]:
    """Return whether each simulated miner is hashing (or on its way to)."""
    return (not bitaxe.state.paused, antminer.miner_state() in ("mining", "starting"))


async def test_battery_rule_walks_both_thresholds(
    hass: HomeAssistant, setup_miner: MinerSetup, setup_vnish: VNishSetup, freezer: FrozenDateTimeFactory
) -> None:
    """Down through the band and below stop, up through the band and above resume, as the seed did."""
    _align_clock(freezer)
    clock = [0.0]
    bitaxe, bitaxe_entry = await setup_miner("2.15")
    antminer, antminer_entry = await setup_vnish(clock=lambda: clock[0])
    await _soc_rule(
        hass, [_device_id(hass, bitaxe_entry), _device_id(hass, antminer_entry)], stop=20, resume=40
    )

    await _set_soc(hass, freezer, 30)  # inside the band: nothing happens
    assert _mining(bitaxe, antminer) == (True, True)
    assert antminer.commands == []
    await _set_soc(hass, freezer, 19)  # below stop
    assert _mining(bitaxe, antminer) == (False, False)
    clock[0] += 1  # the Antminer finishes shutting down
    await _set_soc(hass, freezer, 25)  # a dip back into the band: still stopped
    await _set_soc(hass, freezer, 40)  # at the resume threshold is not above it
    assert _mining(bitaxe, antminer) == (False, False)
    assert antminer.commands == ["stop"]
    await _set_soc(hass, freezer, 41)  # above resume
    assert _mining(bitaxe, antminer) == (True, True)
    await _set_soc(hass, freezer, 21)  # falling, but still inside the band
    assert _mining(bitaxe, antminer) == (True, True)
    assert antminer.commands == ["stop", "start"]

    await _set_soc(hass, freezer, 10)
    assert _mining(bitaxe, antminer) == (False, False)
    bitaxe.state.paused = False  # someone resumes the Bitaxe by hand
    await _settle(hass, freezer, 300)
    await _settle(hass, freezer)
    assert bitaxe.state.paused is True  # the periodic check puts it back


async def test_unavailable_soc_changes_nothing(
    hass: HomeAssistant, setup_miner: MinerSetup, freezer: FrozenDateTimeFactory
) -> None:
    """An unavailable state of charge neither stops nor starts anything."""
    _align_clock(freezer)
    bitaxe, entry = await setup_miner("2.15")
    await _soc_rule(hass, [_device_id(hass, entry)], stop=20, resume=40)
    await hass.services.async_call(
        "input_boolean", "turn_off", {"entity_id": "input_boolean.bms"}, blocking=True
    )
    await _set_soc(hass, freezer, 5)
    assert hass.states.get("sensor.battery_soc").state == "unavailable"
    assert bitaxe.state.paused is False
    assert not [path for _, path, _ in bitaxe.requests if path.endswith(("pause", "resume"))]


async def test_inverted_thresholds_notify_and_do_nothing(
    hass: HomeAssistant, setup_miner: MinerSetup, freezer: FrozenDateTimeFactory
) -> None:
    """Resume at or below stop is refused with a notification; the miner is left alone."""
    _align_clock(freezer)
    bitaxe, entry = await setup_miner("2.15")
    await _soc_rule(hass, [_device_id(hass, entry)], stop=40, resume=30)
    await _set_soc(hass, freezer, 10)
    assert bitaxe.state.paused is False
    assert not [path for _, path, _ in bitaxe.requests if path.endswith("pause")]
    notifications = persistent_notification._async_get_or_create_notifications(hass)
    assert any("resume threshold (30 %) must" in n["message"] for n in notifications.values())


async def test_rule_checks_when_home_assistant_starts(
    hass: HomeAssistant, setup_miner: MinerSetup, freezer: FrozenDateTimeFactory
) -> None:
    """A battery that ran low while Home Assistant was down stops the miners as soon as it starts."""
    _align_clock(freezer)
    bitaxe, entry = await setup_miner("2.15")
    hass.set_state(CoreState.not_running)
    await _soc_rule(hass, [_device_id(hass, entry)], stop=20, resume=40, initial_soc=10)
    assert bitaxe.state.paused is False
    hass.bus.async_fire(EVENT_HOMEASSISTANT_START)
    hass.set_state(CoreState.running)
    hass.bus.async_fire(EVENT_HOMEASSISTANT_STARTED)
    await _settle(hass, freezer)
    assert bitaxe.state.paused is True
