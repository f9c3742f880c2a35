"""Measure how long polling a fleet of simulated Bitaxes takes with the AxeOS client.

The simulators run in the same process and on the same two cores as the client, so the numbers are
an upper bound on the client's own cost. Everything talks to 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path
import statistics
import sys
import time

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from custom_components.mining_fleet.api.axeos import AxeOSClient
from custom_components.mining_fleet.api.axeos_models import SystemInfo
from simulators.axeos import AxeOSSimulator


async def timed_poll(client: AxeOSClient) -> float:
    """Return the seconds one info poll took."""
    start = time.perf_counter()
    await client.info()
    return time.perf_counter() - start


def parse_cost(samples: int) -> float:
    """Return microseconds per SystemInfo parse of a newest-firmware reply."""
    document = AxeOSSimulator("2.15", seed=0).info_document()
    start = time.perf_counter()
    for _ in range(samples):
        SystemInfo.from_dict(document)
    return (time.perf_counter() - start) / samples * 1e6


async def run(miners: int, rounds: int) -> None:
    """Poll every miner concurrently, round after round, and print latency and round times."""
    simulators = [AxeOSSimulator(("2.9", "2.12", "2.15")[i % 3], seed=i) for i in range(miners)]
    for simulator in simulators:
        await simulator.start()
    latencies: list[float] = []
    round_times: list[float] = []
    try:
        async with aiohttp.ClientSession() as session:
            clients = [AxeOSClient(s.host, session) for s in simulators]
            for _ in range(rounds):
                start = time.perf_counter()
                latencies += await asyncio.gather(*(timed_poll(c) for c in clients))
                round_times.append(time.perf_counter() - start)
    finally:
        for simulator in simulators:
            await simulator.stop()
    ms = sorted(latency * 1000 for latency in latencies)
    print(f"miners={miners} rounds={rounds} polls={len(ms)}")
    print(
        f"poll latency ms: median={statistics.median(ms):.2f} p95={ms[int(len(ms) * 0.95)]:.2f} max={ms[-1]:.2f}"
    )
    print(
        f"round (all miners at once) ms: median={statistics.median(round_times) * 1000:.1f} max={max(round_times) * 1000:.1f}"
    )
    print(f"parse SystemInfo: {parse_cost(2000):.1f} us per reply")


def main() -> None:
    """Parse arguments and run."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--miners", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    asyncio.run(run(args.miners, args.rounds))


if __name__ == "__main__":
    main()
