"""Measure two reactions through a real Home Assistant: an offline verdict -> outlet off, a heat spike -> throttle step.

`offline`: simulated Bitaxes, each powered by its own simulated Kasa plug, are added through the
config flow and watched by the rig watchdog with the shortest settings its form allows. All rigs
hang at once (API dead); for each, the time from its *Online* binary sensor turning off (its
last_changed: the watchdog's offline verdict) to the wall-clock arrival of the "off" command at its
plug. The power cycle switches the plug on again, the rig boots, and the next round waits until
every rig shows online again.

`heat`: simulated Bitaxes are added through the config flow and each is made hot once, at a random
moment of its poll cycle (a fresh miner per sample: the guard climbs back only after minutes of
calm, and slower after a re-trip). For each, the time from the simulator serving the first
/api/system/info reply above the temperature limit to the arrival of the safety guard's frequency
PATCH; and, separately, the wait from the spike to that reply (the next poll, up to 15 s).

Everything stays on 127.0.0.1 (python-kasa is given the plug's loopback address, never a broadcast).
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
import random
import statistics
import sys
import tempfile
import time
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from custom_components.mining_fleet.bitaxe.coordinator import DEFAULT_MAX_TEMPERATURE_C
from custom_components.mining_fleet.const import SCAN_INTERVAL
from scripts.hass_runner import HassApi, Step, free_port, running_home_assistant
from simulators.axeos import AxeOSSimulator
from simulators.kasa import KasaSimulator, load_fixture
from simulators.rig import PoweredRig
from simulators.server import LOOPBACK

PLUG = "HS110(EU)_1.0_1.2.5.json"
# The shortest the watchdog's settings form allows: offline after 2 min, 1 min cooldown, 1 s off.
# Three power cycles in a row before it gives up (its default) is more than the rounds need.
WATCH = {"time_until_offline": 2, "cooldown": 1, "max_consecutive_restarts": 3, "power_off_seconds": 1}
# Added to the temperature the simulated physics settle on: a blocked fan, well past the 70 °C limit.
SPIKE_C = 40.0
# One watchdog round: the miner poll (15 s) notices, a check (30 s) starts the clock, 2 min pass,
# and the next check may fall a whole interval later.
ROUND_LIMIT_SECONDS = 300.0
STEP_LIMIT_SECONDS = 60.0


@dataclass
class WatchedRig:
    """A simulated Bitaxe on its own simulated plug, and the watchdog's Online sensor for it."""

    name: str
    rig: PoweredRig

    @property
    def entity_id(self) -> str:
        """Return the rig's Online binary sensor."""
        return f"binary_sensor.{self.name.lower().replace(' ', '_')}_online"

    @property
    def plug(self) -> KasaSimulator:
        """Return the plug that powers the rig."""
        return self.rig.outlet


def timestamp(iso: str) -> float:
    """Return unix seconds of one of Home Assistant's ISO times."""
    return datetime.fromisoformat(iso).timestamp()


def option(form: dict[str, Any], field: str, ending: str) -> str:
    """Return the value of a select field's option whose value or label ends with `ending`."""
    (schema,) = [item for item in form["data_schema"] if item["name"] == field]
    options = schema["selector"]["select"]["options"]
    return str(
        next(o["value"] for o in options if o["value"].endswith(ending) or o["label"].endswith(ending))
    )


async def wait_until[T](probe: Callable[[], Awaitable[T | None]], limit_seconds: float, what: str) -> T:
    """Return the first result of probe that is not None; give up after limit_seconds."""
    deadline = time.monotonic() + limit_seconds
    while time.monotonic() < deadline:
        if (result := await probe()) is not None:
            return result
        await asyncio.sleep(0.02)
    raise RuntimeError(f"{what} did not happen within {limit_seconds} s")


async def start_bitaxe(index: int) -> AxeOSSimulator:
    """Start a simulated Bitaxe Gamma (AxeOS 2.15) with its own MAC."""
    miner = AxeOSSimulator("2.15", "gamma", seed=index)
    await miner.start()
    return miner


async def add_bitaxe(api: HassApi, miner: AxeOSSimulator) -> None:
    """Add a Bitaxe through the config flow."""
    await api.add_entry([{"next_step_id": "bitaxe"}, {"host": miner.host}])


async def add_watched_rig(api: HassApi, index: int) -> WatchedRig:
    """Start a Bitaxe behind a plug, add the miner, then watch it (its plug typed by address, no discovery)."""
    plug = KasaSimulator(load_fixture(PLUG))
    await plug.start()
    miner = await start_bitaxe(index)
    watched = WatchedRig(f"Bench rig {index + 1}", PoweredRig(plug, miner=miner))
    await add_bitaxe(api, miner)
    steps: list[Step] = [
        {"next_step_id": "watchdog"},
        lambda form: {"miner": option(form, "miner", miner.state.hostname)},
        {"next_step_id": "outlet_host"},
        {"host": LOOPBACK, "port": plug.port},
        {"name": watched.name, **WATCH},
    ]
    # The first rig creates the watchdog entry; the others join it (the flow ends in "rig_added").
    await api.add_entry(steps, outcome="create_entry" if index == 0 else "abort")
    return watched


async def all_online(api: HassApi, rigs: list[WatchedRig]) -> None:
    """Wait until every rig's Online sensor is on (the watchdog saw its miner answer again)."""

    async def probe() -> bool | None:
        for watched in rigs:
            if (await api.get(f"/api/states/{watched.entity_id}"))["state"] != "on":
                return None
        return True

    await wait_until(probe, ROUND_LIMIT_SECONDS, "every rig back online")


async def verdict_and_off(api: HassApi, watched: WatchedRig, logged: int) -> tuple[float, float]:
    """Wait for the plug's "off" logged after index `logged`; return when the Online sensor turned off, and that arrival."""

    async def probe() -> float | None:
        return next(
            (arrived for arrived, command in watched.plug.command_arrivals[logged:] if command == "off"), None
        )

    arrived = await wait_until(probe, ROUND_LIMIT_SECONDS, f"{watched.name}'s outlet off")
    state = await api.get(f"/api/states/{watched.entity_id}")
    if state["state"] != "off":
        raise RuntimeError(f"{watched.entity_id} is {state['state']} after the outlet went off")
    return timestamp(state["last_changed"]), arrived


async def offline_round(api: HassApi, rigs: list[WatchedRig]) -> list[float]:
    """Hang every rig at once and return each rig's verdict-to-outlet-off time."""
    await all_online(api, rigs)
    marks = [len(watched.plug.command_arrivals) for watched in rigs]
    hung = time.time()
    for watched in rigs:
        watched.rig.hang(api_dead=True)
    timings = await asyncio.gather(
        *(verdict_and_off(api, watched, mark) for watched, mark in zip(rigs, marks, strict=True))
    )
    verdicts = [verdict for verdict, _ in timings]
    if min(verdicts) < hung:
        raise RuntimeError("an Online sensor turned off before the hang: not this round's verdict")
    print(
        f"  round: {len(rigs)} verdicts {min(verdicts) - hung:.0f}-{max(verdicts) - hung:.0f} s after the hang, "
        f"spread over {max(verdicts) - min(verdicts):.2f} s",
        flush=True,
    )
    return [arrived - verdict for verdict, arrived in timings]


async def measure_offline(api: HassApi, rig_count: int, rounds: int) -> list[float]:
    """Set up the watched rigs and run the rounds."""
    rigs = [await add_watched_rig(api, index) for index in range(rig_count)]
    try:
        await asyncio.sleep(3)  # each added rig reloads the watchdog entry; let the last reload finish
        samples: list[float] = []
        for _ in range(rounds):
            samples += await offline_round(api, rigs)
        return samples
    finally:
        for watched in rigs:
            await watched.plug.stop()
            if watched.rig.miner is not None:
                await watched.rig.miner.stop()


def first_hot(miner: AxeOSSimulator, after: int) -> float | None:
    """Return when the miner first served a reply above the limit, after index `after`."""
    return next(
        (
            served
            for served, temperature in miner.info_served[after:]
            if isinstance(temperature, int | float) and temperature > DEFAULT_MAX_TEMPERATURE_C
        ),
        None,
    )


async def heat_sample(miner: AxeOSSimulator) -> tuple[float, float]:
    """Make one miner hot; return (spike -> first hot reply served, that reply -> throttle PATCH)."""
    served, patched = len(miner.info_served), len(miner.patch_arrivals)
    spiked = time.time()
    miner.extra_heat_c = SPIKE_C

    async def probe() -> float | None:
        return next(
            (
                arrived
                for arrived, body in miner.patch_arrivals[patched:]
                if isinstance(body, dict) and "frequency" in body
            ),
            None,
        )

    try:
        arrived = await wait_until(probe, STEP_LIMIT_SECONDS, "the throttle step")
    finally:
        miner.extra_heat_c = 0.0  # cooled: the guard holds it down until it has been calm for minutes
    hot = first_hot(miner, served)
    if hot is None or hot > arrived:
        raise RuntimeError("a throttle step arrived before any hot reply was served")
    return hot - spiked, arrived - hot


async def measure_heat(api: HassApi, miner_count: int) -> tuple[list[float], list[float]]:
    """Add the Bitaxes, then make each hot once, one after the other."""
    miners = [await start_bitaxe(index) for index in range(miner_count)]
    try:
        for miner in miners:
            await add_bitaxe(api, miner)
        await asyncio.sleep(2)  # let every entry finish setting up
        waits, reactions = [], []
        pause = random.Random(1)
        for miner in miners:
            # A spike at a random moment of the poll cycle, so the poll wait is a fair sample too
            # (right after the previous sample it would always fall at the same point of it).
            await asyncio.sleep(pause.uniform(0, SCAN_INTERVAL.total_seconds()))
            wait, reaction = await heat_sample(miner)
            waits.append(wait)
            reactions.append(reaction)
        return waits, reactions
    finally:
        for miner in miners:
            await miner.stop()


def row(label: str, samples: list[float]) -> str:
    """Return one line of the table: samples, median, p95, max in ms."""
    ms = sorted(sample * 1000 for sample in samples)
    p95 = ms[min(len(ms) - 1, int(len(ms) * 0.95))]
    return f"| {label} | {len(ms)} | {statistics.median(ms):.1f} | {p95:.1f} | {ms[-1]:.1f} |"


def print_table(rows: list[str]) -> None:
    """Print the rows under a markdown header."""
    print("| reaction | samples | median ms | p95 ms | max ms |")
    print("|---|---|---|---|---|")
    for line in rows:
        print(line)


async def run(args: argparse.Namespace) -> None:
    """Start Home Assistant, measure the chosen reaction and print the table."""
    with tempfile.TemporaryDirectory() as config_dir:
        async with running_home_assistant(Path(config_dir), free_port(), "benchmark") as api:
            if args.reaction == "offline":
                samples = await measure_offline(api, args.rigs, args.rounds)
                rows = [row("offline verdict -> outlet off", samples)]
            else:
                waits, reactions = await measure_heat(api, args.miners)
                rows = [
                    row("heat spike -> first hot reply served (poll wait)", waits),
                    row("first hot reply served -> throttle PATCH", reactions),
                ]
    print_table(rows)


def main() -> None:
    """Parse arguments and run."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    reactions = parser.add_subparsers(dest="reaction", required=True)
    offline = reactions.add_parser("offline", help="watchdog: offline verdict -> outlet off")
    offline.add_argument("--rigs", type=int, default=8, help="watched rigs, hung at once each round")
    offline.add_argument("--rounds", type=int, default=1, help="hang-and-recover rounds (about 3 min each)")
    heat = reactions.add_parser("heat", help="safety guard: hot reply -> throttle PATCH")
    heat.add_argument("--miners", type=int, default=10, help="Bitaxes, each made hot once")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
