"""A small farm on loopback: a pool account, a Bitaxe, a Kasa strip and plug, wired like hardware."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigSubentryDataWithId
from homeassistant.core import Event, HomeAssistant
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.mining_fleet.api.outlets import discover_outlets
from custom_components.mining_fleet.const import (
    CONF_KIND,
    DOMAIN,
    EVENT_POWER_CYCLE,
    KIND_POOL,
    KIND_WATCHDOG,
    SUBENTRY_RIG,
    WATCHDOG_UNIQUE_ID,
)
from custom_components.mining_fleet.pool.types import POOL_TYPES
from simulators import pools
from simulators.axeos import AxeOSSimulator
from simulators.kasa import KasaSimulator, load_fixture
from simulators.pools import PoolSimulator, SimWorker
from simulators.rig import PoweredRig

from ..conftest import SimulatorFactory, miner_entry, set_up_entry

STRIP = "HS300(US)_2.0_1.0.12.json"
PLUG = "HS110(EU)_1.0_1.2.5.json"
# Short enough for real-time waits in tests; the settings form allows 1 s and up.
SETTINGS = {
    "time_until_offline": 600,
    "cooldown": 600,
    "max_consecutive_restarts": 3,
    "power_off_seconds": 0.05,
}


def ha_clock() -> float:
    """Return Home Assistant's (frozen, movable) time, so the pool's share times move with the test."""
    return dt_util.utcnow().timestamp()


@dataclass
class Farm:
    """The simulators and entries of one test."""

    pool: PoolSimulator
    pool_entry: MockConfigEntry
    strip: KasaSimulator
    plug: KasaSimulator
    miner: AxeOSSimulator
    miner_entry: MockConfigEntry
    hive: PoweredRig
    bitaxe: PoweredRig
    events: list[Event] = field(default_factory=list)

    async def outlet(self, device: KasaSimulator, index: int = 0) -> dict[str, Any]:
        """Return an outlet as the config flow stores it (found through loopback discovery)."""
        choice = (await discover_outlets("127.0.0.1", port=device.port, wait=1))[index]
        return {
            "type": "kasa",
            "host": choice.host,
            "child": choice.child,
            "label": choice.label,
            "config": choice.config,
        }

    async def pool_rig(self, worker: str, outlet_index: int = 0) -> dict[str, Any]:
        """Return the data of a rig known only as a pool worker, on one outlet of the strip."""
        return rig_data(
            await self.outlet(self.strip, outlet_index), pool_entry=self.pool_entry.entry_id, worker=worker
        )

    def miner_device_id(self, hass: HomeAssistant) -> str:
        """Return the Bitaxe's device id."""
        from homeassistant.helpers import device_registry as dr

        (device,) = dr.async_entries_for_config_entry(dr.async_get(hass), self.miner_entry.entry_id)
        return device.id

    def actions(self) -> list[tuple[str, str, str]]:
        """Return (rig, action, outcome) of every watchdog event so far."""
        return [(e.data["rig"], e.data["action"], e.data["outcome"]) for e in self.events]


def rig_data(outlet: dict[str, Any], **witnesses: Any) -> dict[str, Any]:
    """Return a rig subentry's data."""
    return {**witnesses, "outlet": outlet, **SETTINGS}


def watchdog_entry(rigs: dict[str, dict[str, Any]]) -> MockConfigEntry:
    """Return the watchdog entry with the given rigs (title → data); each rig's id is its title, slugged."""
    return MockConfigEntry(
        domain=DOMAIN,
        title="Rig watchdog",
        unique_id=WATCHDOG_UNIQUE_ID,
        data={CONF_KIND: KIND_WATCHDOG},
        subentries_data=[
            ConfigSubentryDataWithId(
                data=data, subentry_id=rig_id(title), subentry_type=SUBENTRY_RIG, title=title, unique_id=None
            )
            for title, data in rigs.items()
        ],
    )


def rig_id(title: str) -> str:
    """Return the subentry id the tests give a rig."""
    return title.lower().replace(" ", "_")


async def add_watchdog(hass: HomeAssistant, rigs: dict[str, dict[str, Any]]) -> MockConfigEntry:
    """Set up the watchdog entry with the given rigs (title → data)."""
    entry = watchdog_entry(rigs)
    await set_up_entry(hass, entry)
    return entry


async def advance(hass: HomeAssistant, freezer: FrozenDateTimeFactory, minutes: float) -> None:
    """Move time forward in 30 s checks, letting polls, power cycles and boots run at each."""
    for _ in range(int(minutes * 2)):
        freezer.tick(timedelta(seconds=30))
        async_fire_time_changed(hass)
        await hass.async_block_till_done(wait_background_tasks=True)


@pytest.fixture
async def template_switch(hass: HomeAssistant) -> None:
    """Set up a template switch over an input boolean, as a Shelly would be (before the farm sets up "switch")."""
    assert await async_setup_component(hass, "input_boolean", {"input_boolean": {"relay": {"initial": True}}})
    relay = {"entity_id": "input_boolean.relay"}
    socket = {
        "value_template": "{{ is_state('input_boolean.relay', 'on') }}",
        "turn_on": {"action": "input_boolean.turn_on", "target": relay},
        "turn_off": {"action": "input_boolean.turn_off", "target": relay},
    }
    # A switch that accepts turn_on and stays off (a script-based switch whose device does not answer).
    stuck = {**socket, "turn_on": [{"delay": 0}]}
    config = {"switch": {"platform": "template", "switches": {"rig_socket": socket, "stuck_socket": stuck}}}
    assert await async_setup_component(hass, "switch", config)
    await hass.async_block_till_done()


@pytest.fixture
async def farm(
    hass: HomeAssistant, start_simulator: SimulatorFactory, socket_enabled: None
) -> AsyncIterator[Farm]:
    """Start the farm: a HiveOS rig known only to the pool on strip outlet 1, a Bitaxe on a plug, a steady rig."""
    pool = PoolSimulator(
        workers={"hive1": SimWorker(100.0), "bitaxe": SimWorker(1.2), "steady": SimWorker(90.0)},
        clock=ha_clock,
    )
    await pool.start()
    strip, plug = KasaSimulator(load_fixture(STRIP)), KasaSimulator(load_fixture(PLUG))
    await strip.start()
    await plug.start()
    # The boot follows the test clock: 50 ms of real time could pass before or after the whole test.
    miner = await start_simulator(restart_seconds=0.05, clock=ha_clock)
    hive = PoweredRig(strip, child=strip.children[0]["id"], pool=pool, worker="hive1")
    bitaxe = PoweredRig(plug, miner=miner, pool=pool, worker="bitaxe")
    data = {
        CONF_KIND: KIND_POOL,
        "pool": "ckpool",
        "base_url": f"http://{pool.host}",
        "address": pools.ADDRESS,
    }
    pool_entry = MockConfigEntry(
        domain=DOMAIN, title="CKPool", unique_id=POOL_TYPES["ckpool"].account_id(data), data=data
    )
    await set_up_entry(hass, pool_entry)
    entry = miner_entry(miner)
    await set_up_entry(hass, entry)
    farm = Farm(pool, pool_entry, strip, plug, miner, entry, hive, bitaxe)
    hass.bus.async_listen(EVENT_POWER_CYCLE, farm.events.append)
    yield farm
    for entry in hass.config_entries.async_entries(DOMAIN):  # before the outlets go away
        await hass.config_entries.async_unload(entry.entry_id)
    for device in (strip, plug):
        await device.stop()
    await pool.stop()
