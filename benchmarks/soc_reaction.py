"""Measure how fast the battery SoC blueprint reacts: SoC change in Home Assistant -> command at the miner.

Starts a simulated VNish Antminer and a real Home Assistant 2025.4.4 (as scripts/demo does), adds the
miner through the config flow, creates an automation from the bundled blueprint over the REST API,
then moves an input_number SoC across the thresholds again and again. For every change it takes the
state's last_changed time from Home Assistant and the wall-clock time the stop (or start) command
reached the simulator. Everything stays on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import asyncio
from datetime import datetime
from pathlib import Path
import statistics
import sys
import tempfile
import time

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scripts.hass_runner import HassApi, free_port, running_home_assistant
from simulators.vnish import Timings, VNishSimulator

SOC_ENTITY = "input_number.battery_soc"
EXTRA_YAML = """input_number:
  battery_soc:
    name: Battery SoC
    min: 0
    max: 100
    initial: 50
    unit_of_measurement: "%"
"""


async def wait_for_command(
    miner: VNishSimulator, command: str, after: int, limit_seconds: float = 10
) -> float:
    """Return the arrival time of the first matching command logged after index `after`."""
    deadline = time.monotonic() + limit_seconds
    while time.monotonic() < deadline:
        for arrived, name in miner.command_arrivals[after:]:
            if name == command:
                return arrived
        await asyncio.sleep(0.002)
    raise RuntimeError(f"no {command} reached the miner within {limit_seconds} s")


async def change_soc(api: HassApi, miner: VNishSimulator, value: int, command: str) -> float:
    """Set the SoC and return seconds from Home Assistant's state change to the command's arrival."""
    logged = len(miner.command_arrivals)
    await api.post("/api/services/input_number/set_value", {"entity_id": SOC_ENTITY, "value": value})
    arrived = await wait_for_command(miner, command, logged)
    state = await api.get(f"/api/states/{SOC_ENTITY}")
    changed = datetime.fromisoformat(state["last_changed"]).timestamp()
    return arrived - changed


async def set_up_rule(api: HassApi, miner: VNishSimulator) -> None:
    """Add the miner and an automation from the bundled blueprint."""
    await api.add_entry([{"next_step_id": "vnish"}, {"host": miner.host, "password": "admin"}])
    rendered = await api.render(
        "{{ integration_entities('mining_fleet') | map('device_id') | unique | join(',') }}"
    )
    devices = rendered.split(",")
    rule = {
        "alias": "Battery SoC benchmark",
        "use_blueprint": {
            "path": "mining_fleet/battery_soc_mining.yaml",
            "input": {
                "soc_sensor": SOC_ENTITY,
                "miners": devices,
                "stop_threshold": 20,
                "resume_threshold": 40,
            },
        },
    }
    await api.post("/api/config/automation/config/soc_benchmark", rule)
    await asyncio.sleep(2)  # let the automation reload finish


async def run(changes: int) -> None:
    """Run the benchmark and print the numbers."""
    miner = VNishSimulator(timings=Timings(shutting_down=0.05, starting=0.05), seed=1)
    await miner.start()
    stops: list[float] = []
    starts: list[float] = []
    try:
        with tempfile.TemporaryDirectory() as config_dir:
            async with running_home_assistant(Path(config_dir), free_port(), "benchmark", EXTRA_YAML) as api:
                await set_up_rule(api, miner)
                for _ in range(changes):
                    stops.append(await change_soc(api, miner, 10, "stop"))
                    await asyncio.sleep(0.1)  # the simulated miner finishes shutting down
                    starts.append(await change_soc(api, miner, 60, "start"))
                    await asyncio.sleep(0.1)
    finally:
        await miner.stop()
    for label, samples in (("stop", stops), ("start", starts)):
        ms = sorted(sample * 1000 for sample in samples)
        print(
            f"SoC change -> {label} command at the miner, {len(ms)} changes: "
            f"median {statistics.median(ms):.1f} ms, p95 {ms[int(len(ms) * 0.95)]:.1f} ms, max {ms[-1]:.1f} ms"
        )


def main() -> None:
    """Parse arguments and run."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--changes", type=int, default=60, help="SoC round trips (each gives one stop and one start)"
    )
    asyncio.run(run(parser.parse_args().changes))


if __name__ == "__main__":
    main()
