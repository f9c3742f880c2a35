"""Fifty simulated miners in one Home Assistant: every entity, every state and the fleet totals right.

Also: a slow or dead miner never holds up the others' polls. Timings are printed (run with -s), never
asserted: the machine may be busy.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
import json
import os
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import Event, EventStateChangedData, HomeAssistant, callback
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.mining_fleet.const import DOMAIN, SCAN_INTERVAL
from custom_components.mining_fleet.entity import COUNTER_WRITE_INTERVAL
from custom_components.mining_fleet.fleet.coordinator import TOTALS_COOLDOWN_SECONDS
from custom_components.mining_fleet.miner.coordinator import MinerCoordinator
from simulators.axeos import AxeOSSimulator, Fault
from simulators.vnish import VNishFault, VNishSimulator

from .conftest import SimulatorFactory, VNishFactory, fleet_entry, miner_entry, vnish_entry
from .snapshot import SNAPSHOT_DIR, entity_table

BITAXE_FIRMWARES = ("2.9", "2.12", "2.15")
BITAXES_PER_FIRMWARE = 10
ANTMINERS = 20
# The AxeOS and VNish clients' deadline per call (api/axeos.py, api/vnish.py DEFAULT_TIMEOUT).
CLIENT_DEADLINE = timedelta(seconds=10)


# Counters that creep with time alone (energy, statistics on a profile): written at most once a minute.
def is_counter(unique_id: str) -> bool:
    """Return True for the energy total and the statistics on a profile."""
    return unique_id.endswith("_energy") or "_profile_" in unique_id


POLLS_PER_COUNTER_WRITE = int(COUNTER_WRITE_INTERVAL / SCAN_INTERVAL)
# The simulators' uptime runs on the real clock while the test's clock jumps 15 s a poll, so a
# Bitaxe's boot time (now - uptime) seems to move here; on real clocks it stays put.
CLOCK_ARTEFACT = "_last_boot"


@dataclass
class Miner:
    """One simulated miner, its entry, and the last reply it served (what its sensors must show)."""

    simulator: AxeOSSimulator | VNishSimulator
    entry: MockConfigEntry
    snapshot: str
    served: list[dict[str, Any]] = field(default_factory=list)

    @property
    def coordinator(self) -> MinerCoordinator[Any]:
        """Return the miner's coordinator."""
        coordinator: MinerCoordinator[Any] = self.entry.runtime_data
        return coordinator

    @property
    def is_bitaxe(self) -> bool:
        """Return True for a Bitaxe."""
        return isinstance(self.simulator, AxeOSSimulator)

    def expected(self) -> dict[str, float]:
        """Return hashrate and power sensor values as the last served reply states them."""
        reply = self.served[-1]
        if self.is_bitaxe:
            values = {"hashrate": reply["hashRate"], "power": reply["power"]}
            if "hashRate_1m" in reply:
                values["hashrate_1m"] = reply["hashRate_1m"]
            return values
        miner = reply["miner"]
        return {"hashrate": miner["hr_realtime"] / 1000, "power": miner["power_consumption"]}

    def fleet_hashrate_key(self) -> str:
        """Return the sensor the fleet sums for this miner: a Bitaxe's 1-minute average where it has one."""
        return "hashrate_1m" if self.is_bitaxe and "hashRate_1m" in self.served[-1] else "hashrate"


def record_replies(simulator: AxeOSSimulator | VNishSimulator, served: list[dict[str, Any]]) -> None:
    """Keep every telemetry document the simulator serves (noise included) in served."""
    name = "info_document" if isinstance(simulator, AxeOSSimulator) else "summary_document"
    build: Callable[[], dict[str, Any]] = getattr(simulator, name)

    def serve() -> dict[str, Any]:
        document = build()
        served.append(document)
        return document

    setattr(simulator, name, serve)


def silence_noise(simulator: AxeOSSimulator | VNishSimulator) -> None:
    """Make the simulator's readings steady (no measurement noise)."""
    simulator.steady = True
    if isinstance(simulator, AxeOSSimulator) and simulator.at_least(2, 10):
        simulator.overrides["errorPercentage"] = 0.5  # drawn at random on every reply otherwise


async def start_farm(
    start_simulator: SimulatorFactory, start_vnish: VNishFactory, bitaxes_per_firmware: int, antminers: int
) -> list[Miner]:
    """Start warmed-up Bitaxes of every firmware and VNish Antminers on loopback; return them with entries."""
    clock = [0.0]
    miners = []
    for firmware in BITAXE_FIRMWARES:
        for _ in range(bitaxes_per_firmware):
            bitaxe = await start_simulator(firmware, clock=lambda: clock[0])
            miners.append(Miner(bitaxe, miner_entry(bitaxe), f"entities_{firmware}"))
    clock[0] = 600.0  # ten minutes of physics: every Bitaxe hashes at its full rate
    for _ in range(antminers):
        antminer = await start_vnish()
        miners.append(Miner(antminer, vnish_entry(antminer), "entities_vnish"))
    for miner in miners:
        record_replies(miner.simulator, miner.served)
    return miners


async def set_up_together(hass: HomeAssistant, entries: list[MockConfigEntry]) -> float:
    """Set up entries concurrently, as Home Assistant does at start; return the (wall-clock) seconds it took."""
    started = os.times().elapsed
    for entry in entries:
        entry.add_to_hass(hass)
    results = await asyncio.gather(*(hass.config_entries.async_setup(entry.entry_id) for entry in entries))
    await hass.async_block_till_done()
    assert all(results)
    return os.times().elapsed - started


async def pass_time(hass: HomeAssistant, freezer: FrozenDateTimeFactory, delta: timedelta) -> None:
    """Let time pass and run everything it makes due."""
    freezer.tick(delta)
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)


def entity_id(hass: HomeAssistant, miner: Miner, key: str) -> str:
    """Return the entity id of one of a miner's sensors."""
    found = er.async_get(hass).async_get_entity_id("sensor", DOMAIN, f"{miner.entry.unique_id}_{key}")
    assert found is not None, (miner.entry.title, key)
    return found


def number(hass: HomeAssistant, entity: str) -> float:
    """Return an entity's state as a number."""
    state = hass.states.get(entity)
    assert state is not None, entity
    return float(state.state)


def by_suffix(table: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Key an entity table by unique-id suffix, which, unlike the entity id, every miner of a kind shares."""
    return {row["unique_id_suffix"]: row for row in table.values()}


def snapshot_table(name: str) -> dict[str, dict[str, Any]]:
    """Return a kind's reviewed entity table (tests/snapshots), keyed by unique-id suffix."""
    table: dict[str, dict[str, Any]] = json.loads((SNAPSHOT_DIR / f"{name}.json").read_text())
    return by_suffix(table)


@contextmanager
def state_writes(hass: HomeAssistant, event_type: str = "state_changed") -> Iterator[list[Event[Any]]]:
    """Collect the state changes Home Assistant records (or the unchanged states written) while the block runs."""
    events: list[Event[Any]] = []

    @callback
    def record(event: Event[Any]) -> None:
        events.append(event)

    @callback
    def everything(_: Any) -> bool:
        return True

    # Home Assistant asks listeners to state_reported for a filter (it fires at every unchanged write).
    stop = hass.bus.async_listen(event_type, record, event_filter=everything)
    try:
        yield events
    finally:
        stop()


def changed_keys(hass: HomeAssistant, events: list[Event[EventStateChangedData]]) -> Counter[str]:
    """Count state writes per entity key (the unique id without the device's part)."""
    registry = er.async_get(hass)
    keys: Counter[str] = Counter()
    for event in events:
        entity = registry.async_get(event.data["entity_id"])
        keys[entity.unique_id.split("_", 1)[1] if entity else event.data["entity_id"]] += 1
    return keys


async def test_fifty_miners(
    hass: HomeAssistant,
    start_simulator: SimulatorFactory,
    start_vnish: VNishFactory,
    freezer: FrozenDateTimeFactory,
) -> None:
    """30 Bitaxes (2.9/2.12/2.15) and 20 Antminers: every entity, states after a poll, the fleet's totals."""
    miners = await start_farm(start_simulator, start_vnish, BITAXES_PER_FIRMWARE, ANTMINERS)
    set_up_seconds = await set_up_together(hass, [miner.entry for miner in miners])
    await set_up_together(hass, [fleet_entry()])
    assert_entity_tables(hass, miners)
    polls_before = [len(miner.served) for miner in miners]
    with state_writes(hass) as writes:
        started = os.times().elapsed
        await pass_time(hass, freezer, SCAN_INTERVAL)
        poll_seconds = os.times().elapsed - started
    assert [len(miner.served) for miner in miners] == [count + 1 for count in polls_before]  # one poll each
    assert_states_follow_replies(hass, miners)
    await pass_time(hass, freezer, timedelta(seconds=TOTALS_COOLDOWN_SECONDS + 1))
    assert_fleet_totals(hass, miners)
    for miner in miners:
        miner.simulator.steady = True
    await pass_time(hass, freezer, SCAN_INTERVAL)  # the first steady reply still differs from the noisy one
    await pass_time(hass, freezer, timedelta(seconds=TOTALS_COOLDOWN_SECONDS + 1))
    with state_writes(hass) as steady_writes, state_writes(hass, "state_reported") as unchanged_writes:
        for _ in range(POLLS_PER_COUNTER_WRITE):
            await pass_time(hass, freezer, SCAN_INTERVAL)
    print(
        f"\n50 miners: set-up {set_up_seconds:.2f} s, one poll of all {poll_seconds:.2f} s, "
        f"{len(writes)} state writes in a noisy poll, {len(steady_writes)} in a steady minute: "
        f"{dict(changed_keys(hass, steady_writes))}"
    )
    assert_only_counters_change(hass, steady_writes)
    # Sensors and binary sensors do not even hand Home Assistant a state it would find unchanged.
    assert [
        e.data["entity_id"]
        for e in unchanged_writes
        if e.data["entity_id"].startswith(("sensor.", "binary_sensor."))
    ] == []


def assert_entity_tables(hass: HomeAssistant, miners: list[Miner]) -> None:
    """Every miner has exactly its kind's reviewed entities (same keys, classes, units, categories)."""
    tables = {name: snapshot_table(name) for name in {miner.snapshot for miner in miners}}
    for miner in miners:
        assert by_suffix(entity_table(hass, miner.entry.entry_id)) == tables[miner.snapshot], (
            miner.entry.title
        )
    expected = sum(len(tables[miner.snapshot]) for miner in miners)
    ours = er.async_entries_for_config_entry
    registry = er.async_get(hass)
    assert sum(len(ours(registry, miner.entry.entry_id)) for miner in miners) == expected
    enabled = sum(row["enabled"] for miner in miners for row in tables[miner.snapshot].values())
    assert len([s for s in hass.states.async_all() if s.entity_id in _ids(registry, miners)]) == enabled


def _ids(registry: er.EntityRegistry, miners: list[Miner]) -> set[str]:
    """Return the entity ids of all the miners' entities."""
    return {
        entity.entity_id
        for miner in miners
        for entity in er.async_entries_for_config_entry(registry, miner.entry.entry_id)
    }


def assert_states_follow_replies(hass: HomeAssistant, miners: list[Miner]) -> None:
    """Each miner's hashrate and power sensors show the reply its simulator served last."""
    for miner in miners:
        for key, value in miner.expected().items():
            assert number(hass, entity_id(hass, miner, key)) == pytest.approx(value, rel=1e-3, abs=1e-3), (
                miner.entry.title,
                key,
            )


def assert_fleet_totals(hass: HomeAssistant, miners: list[Miner]) -> None:
    """The fleet's totals are the sums of the miners' own sensors, and every miner counts."""
    hashrate = sum(
        number(hass, entity_id(hass, miner, miner.fleet_hashrate_key())) / (1000 if miner.is_bitaxe else 1)
        for miner in miners
    )
    power = sum(number(hass, entity_id(hass, miner, "power")) for miner in miners)
    assert number(hass, "sensor.mining_fleet_total_hashrate") == pytest.approx(hashrate, rel=1e-3)
    assert number(hass, "sensor.mining_fleet_power") == pytest.approx(power, rel=1e-3)
    counts = ("miners", "miners_online", "miners_mining")
    assert [number(hass, f"sensor.mining_fleet_{key}") for key in counts] == [len(miners)] * 3


def assert_only_counters_change(hass: HomeAssistant, events: list[Event[EventStateChangedData]]) -> None:
    """With steady readings a minute of polls writes each counter once at most, and nothing else."""
    registry = er.async_get(hass)
    writes = Counter(registry.async_get(event.data["entity_id"]).unique_id for event in events)  # type: ignore[union-attr]
    assert {
        unique_id for unique_id in writes if not (is_counter(unique_id) or unique_id.endswith(CLOCK_ARTEFACT))
    } == set()
    assert max(writes.values()) == 1


def listen_for_refreshes(
    coordinators: list[MinerCoordinator[Any]],
) -> tuple[asyncio.Event, Callable[[], None]]:
    """Return an event set once every coordinator has told its listeners of a refresh, and the unsubscriber."""
    waiting = set(coordinators)
    all_done = asyncio.Event()

    def finished(coordinator: MinerCoordinator[Any]) -> Callable[[], None]:
        @callback
        def done() -> None:
            waiting.discard(coordinator)
            if not waiting:
                all_done.set()

        return done

    stops = [coordinator.async_add_listener(finished(coordinator)) for coordinator in coordinators]

    def stop_all() -> None:
        for stop in stops:
            stop()

    return all_done, stop_all


def availability(hass: HomeAssistant, miners: list[Miner]) -> list[bool]:
    """Return per miner whether its power sensor is available."""
    states = [hass.states.get(entity_id(hass, miner, "power")) for miner in miners]
    return [state is not None and state.state != STATE_UNAVAILABLE for state in states]


async def test_slow_and_dead_miners_never_delay_the_others(
    hass: HomeAssistant,
    start_simulator: SimulatorFactory,
    start_vnish: VNishFactory,
    freezer: FrozenDateTimeFactory,
) -> None:
    """While two miners hang and two are gone, the healthy ones' poll completes and their states update.

    The hanging ones stay available with their last data until their client's deadline passes, then
    become unavailable; the dead ones are unavailable at once; the healthy ones stay available.
    """
    miners = await start_farm(start_simulator, start_vnish, bitaxes_per_firmware=2, antminers=4)
    await set_up_together(hass, [miner.entry for miner in miners])
    bitaxes = [miner for miner in miners if miner.is_bitaxe]
    antminers = [miner for miner in miners if not miner.is_bitaxe]
    slow, dead = [bitaxes[0], antminers[0]], [bitaxes[1], antminers[1]]
    healthy = [miner for miner in miners if miner not in slow + dead]
    await hang_and_kill(slow, dead)
    old_data = {id(miner): miner.coordinator.data for miner in miners}
    requests_before = [len(miner.simulator.requests) for miner in slow]
    all_done, stop_listening = listen_for_refreshes([miner.coordinator for miner in healthy + dead])
    freezer.tick(SCAN_INTERVAL)
    async_fire_time_changed(hass)
    await all_done.wait()  # no time passes here: only the replies of the healthy and refusals of the dead
    stop_listening()
    assert [len(miner.simulator.requests) for miner in slow] == [
        n + 1 for n in requests_before
    ]  # still hanging
    assert all(miner.coordinator.data is old_data[id(miner)] for miner in slow)
    assert all(miner.coordinator.data is not old_data[id(miner)] for miner in healthy)
    assert_states_follow_replies(hass, healthy)
    assert availability(hass, healthy + slow + dead) == [True] * len(healthy + slow) + [False] * len(dead)
    await pass_time(hass, freezer, CLIENT_DEADLINE + timedelta(seconds=1))
    assert not any(miner.coordinator.last_update_success for miner in slow)
    assert availability(hass, healthy + slow + dead) == [True] * len(healthy) + [False] * len(slow + dead)


async def hang_and_kill(slow: list[Miner], dead: list[Miner]) -> None:
    """Make the slow miners hang on every request and take the dead ones off the network."""
    for miner in slow:
        if isinstance(miner.simulator, AxeOSSimulator):
            miner.simulator.fault = Fault.TIMEOUT  # hangs until the simulator stops
        else:
            miner.simulator.slow_seconds = 3600.0
            miner.simulator.fault = VNishFault.SLOW
    for miner in dead:
        await miner.simulator.stop()  # the port is closed: connections are refused
