"""Fleet load in a real Home Assistant 2025.4.4: set-up, CPU, loop lag, refresh, memory and state writes at N miners.

For every N: starts `python -m simulators.fleet` in a child process (half Bitaxes on AxeOS 2.9 / 2.12 /
2.15, half VNish Antminers, one Antspace container per 50 miners, a Kasa plug powering one Bitaxe in
ten, steady readings: no measurement noise), a simulated CKPool account, the fake subtensor chain (a
block every 12 s, as on the real chain), and a real Home Assistant (as scripts/demo does) with a probe
component (benchmarks/fleet_probe) inside it. Every device is added through the config flow, the fleet
overview is confirmed (with --entities essential it is added first and set to Essential only, as a
large farm would), every plugged Bitaxe is watched by the rig watchdog, and a subnet-89 auction bids
up to ten Antminers and routes won windows to them; then Home Assistant is restarted on that config
folder and measured:

- set-up: from starting the process until every entry is loaded (Home Assistant's own start included;
  the N = 0 row is that alone);
- over a window in steady state: CPU seconds of the Home Assistant process per minute, event-loop lag
  (a callback that asks to run every 50 ms and records how late it runs), state writes per minute
  (what the recorder stores) by kind of entity, and how often each coordinator updated;
- a full refresh: every coordinator refreshed at once, until the last one finished;
- resident memory, and per device against the N = 0 row.

Everything talks to 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import AsyncIterator
import contextlib
import json
from pathlib import Path
import sys
import tempfile
import time
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scripts.demo import accept_fleet_overview, add_auction, start_chain
from scripts.hass_runner import ROOT, HassApi, free_port, running_home_assistant
from simulators import pools
from simulators.pools import PoolSimulator, SimWorker
from simulators.subtensor import SubtensorSimulator

PROBE = {"fleet_probe": Path(__file__).resolve().parent / "fleet_probe"}
PROBE_YAML = "fleet_probe:\n"
PASSWORD = "benchmark"  # noqa: S105 - the throwaway owner of a throwaway Home Assistant
MINERS_PER_CONTAINER = 50
MINERS_PER_WATCHED_RIG = 10  # a farm plugs the rigs that hang (Bitaxes here) into smart outlets
AUCTION_BIDDERS = 10  # Antminers the auction bids and routes
CHAIN_BLOCK_MS = 12_000  # the real chain's block time: the auction follows every block
FLOWS_AT_ONCE = 8  # config flows in flight at once while adding (a person adds one at a time)


@contextlib.asynccontextmanager
async def simulated_fleet(miners: int, folder: Path) -> AsyncIterator[list[dict[str, Any]]]:
    """Run the fleet simulator in a child process (its CPU is not Home Assistant's) and yield its hosts."""
    hosts_file = folder / "hosts.json"
    bitaxes, containers = miners // 2, miners // MINERS_PER_CONTAINER
    outlets = min(bitaxes, -(-miners // MINERS_PER_WATCHED_RIG))
    command = ["-m", "simulators.fleet", "--bitaxes", str(bitaxes), "--antminers", str(miners - bitaxes)]
    command += ["--containers", str(containers), "--outlets", str(outlets)]
    command += ["--steady", "--seed", "1", "--hosts-file", str(hosts_file)]
    child = await asyncio.create_subprocess_exec(
        sys.executable, *command, cwd=ROOT, stdout=asyncio.subprocess.DEVNULL
    )
    try:
        while not hosts_file.exists():
            if child.returncode is not None:
                raise RuntimeError("the fleet simulator stopped")
            await asyncio.sleep(0.2)
        yield list(json.loads(hosts_file.read_text()))
    finally:
        child.terminate()
        await child.wait()


def flow_steps(device: dict[str, Any]) -> list[dict[str, Any]]:
    """Return the config flow answers that add one simulated device."""
    if device["kind"] == "bitaxe":
        return [{"next_step_id": "bitaxe"}, {"host": device["host"]}]
    if device["kind"] == "antminer":
        return [{"next_step_id": "vnish"}, {"host": device["host"], "password": device["password"]}]
    host, port = device["host"].rsplit(":", 1)
    return [{"next_step_id": "antspace"}, {"host": host, "port": int(port)}, {}]


async def device_ids_by_mac(api: HassApi) -> dict[str, str]:
    """Return Home Assistant's device id of every device that names its MAC address."""
    devices = await api.websocket({"type": "config/device_registry/list"})
    return {
        value: device["id"] for device in devices for kind, value in device["connections"] if kind == "mac"
    }


async def watch_plugged_rigs(api: HassApi, devices: list[dict[str, Any]], miner_ids: dict[str, str]) -> None:
    """Watch every plugged Bitaxe with the rig watchdog (its outlet typed as 127.0.0.1 and the port)."""
    macs = {device["host"]: device["mac"].lower() for device in devices if device["kind"] == "bitaxe"}
    outlets = [device for device in devices if device["kind"] == "outlet"]
    for number, outlet in enumerate(outlets):
        host, port = outlet["host"].rsplit(":", 1)
        steps = [
            {"next_step_id": "watchdog"},
            {"miner": miner_ids[macs[outlet["powers"]]]},
            {"next_step_id": "outlet_host"},
            {"host": host, "port": int(port)},
            {"name": f"Rig {number + 1}"},
        ]
        # One at a time: each rig reloads the watchdog entry; the first creates it, the others join it.
        await api.add_entry(steps, outcome="create_entry" if number == 0 else "abort")


async def add_devices(
    api: HassApi, devices: list[dict[str, Any]], pool: PoolSimulator, entity_set: str
) -> None:
    """Add every device and the pool account through the config flow.

    A farm that wants fewer entities adds the fleet overview and chooses its entity set first, so
    no miner ever registers the entities it will not keep (deleted ones leave a record behind).
    """
    if entity_set != "all":
        fleet = await api.add_entry([{"next_step_id": "fleet"}])
        await api.configure_entry(fleet["result"]["entry_id"], [{"entity_set": entity_set}])
    gate = asyncio.Semaphore(FLOWS_AT_ONCE)

    async def add(steps: list[dict[str, Any]]) -> None:
        async with gate:
            await api.add_entry(steps)

    pool_steps = [
        {"next_step_id": "pool"},
        {"pool": "ckpool"},
        {"address": pools.ADDRESS, "base_url": f"http://{pool.host}"},
    ]
    devices_to_add = [device for device in devices if device["kind"] != "outlet"]
    await asyncio.gather(*(add(flow_steps(device)) for device in devices_to_add), add(pool_steps))
    if entity_set == "all" and sum(device["kind"] in ("bitaxe", "antminer") for device in devices) >= 2:
        await accept_fleet_overview(api, limit_seconds=60)


async def add_watchers(
    api: HassApi, devices: list[dict[str, Any]], chain: SubtensorSimulator, config_dir: Path
) -> None:
    """Watch the plugged rigs, and add the auction that bids the first Antminers and routes wins to them."""
    miner_ids = await device_ids_by_mac(api)
    await watch_plugged_rigs(api, devices, miner_ids)
    antminers = [miner_ids[device["mac"].lower()] for device in devices if device["kind"] == "antminer"]
    bidders = set(antminers[:AUCTION_BIDDERS])
    await add_auction(api, chain, config_dir, lambda option: option["value"] in bidders)


async def wait_all_loaded(api: HassApi, limit_seconds: float = 600) -> int:
    """Wait until every mining_fleet entry is loaded; return how many there are."""
    deadline = time.monotonic() + limit_seconds
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):  # the config API comes up during the start
            entries = await api.get("/api/config/config_entries/entry?domain=mining_fleet")
            if entries and all(entry["state"] == "loaded" for entry in entries):
                return len(entries)
        await asyncio.sleep(0.25)
    raise RuntimeError("not every entry loaded")


async def measure(miners: int, window_s: float, settle_s: float, entity_set: str) -> dict[str, Any]:
    """Build a Home Assistant with N miners, restart it, and measure it."""
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        config_dir, port = folder / "config", free_port()
        pool = PoolSimulator(workers={f"worker{index}": SimWorker(1.0) for index in range(10)})
        chain: SubtensorSimulator | None = None
        try:
            await pool.start()
            chain = await start_chain(CHAIN_BLOCK_MS)
            async with simulated_fleet(miners, folder) as devices:
                async with running_home_assistant(
                    config_dir, port, PASSWORD, PROBE_YAML, components=PROBE
                ) as api:
                    adding = time.monotonic()
                    if miners:
                        await add_devices(api, devices, pool, entity_set)
                        await add_watchers(api, devices, chain, config_dir)
                    add_seconds = time.monotonic() - adding
                    token = await api.websocket(
                        {"type": "auth/long_lived_access_token", "client_name": "benchmark", "lifespan": 1}
                    )
                started = time.monotonic()
                async with running_home_assistant(
                    config_dir, port, PASSWORD, components=PROBE, token=token
                ) as api:
                    entries = await wait_all_loaded(api) if miners else 0
                    set_up_seconds = time.monotonic() - started
                    await asyncio.sleep(settle_s)
                    await api.post("/api/fleet_probe/reset")
                    await asyncio.sleep(window_s)
                    report = await api.get("/api/fleet_probe")
                    refresh = await api.post("/api/fleet_probe/refresh")
                    objects = await api.post("/api/fleet_probe/objects")
        finally:
            try:
                await pool.stop()
            finally:
                if chain is not None:
                    await chain.stop()
    # Every simulated device is one in Home Assistant (a plug is its watched rig), plus the pool
    # account and the auction.
    return {
        "miners": miners,
        "devices": len(devices) + (2 if miners else 0),
        "entries": entries,
        "add_seconds": add_seconds,
        "set_up_seconds": set_up_seconds,
        "refresh_seconds": refresh["seconds"],
        **report,
        "objects": objects,
    }


def print_table(rows: list[dict[str, Any]]) -> None:
    """Print the measurements as a Markdown table, and the writes by kind."""
    base_kb = next((row["rss_kb"] for row in rows if row["miners"] == 0), None)
    print(
        "\n| miners | devices | states | set-up | CPU of one core | loop lag p50 / p99 / max | full refresh "
        "| longest gap between polls (in poll intervals) | RSS | per device | state writes per minute |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for row in rows:
        minutes = row["seconds"] / 60
        lag, polls = row["lag_ms"], row["polls_on_time"]
        per_device = (
            f"{(row['rss_kb'] - base_kb) / row['devices']:.0f} KB"
            if base_kb is not None and row["devices"]
            else "—"
        )
        print(
            f"| {row['miners']} | {row['devices']} | {row['states']} | {row['set_up_seconds']:.1f} s "
            f"| {row['cpu_seconds'] / row['seconds'] * 100:.1f} % "
            f"| {lag['p50']:.1f} / {lag['p99']:.1f} / {lag['max']:.1f} ms | {row['refresh_seconds']:.2f} s "
            f"| {polls['longest_gap_in_intervals']:.2f} "
            f"| {row['rss_kb'] / 1024:.0f} MB | {per_device} | {row['writes'] / minutes:.0f} |"
        )
    for row in rows:
        minutes = row["seconds"] / 60
        kinds = ", ".join(f"{kind} {count / minutes:.0f}" for kind, count in row["writes_by_kind"].items())
        collections = row["full_collections"]
        print(
            f"\nN = {row['miners']}: added through the config flow in {row['add_seconds']:.0f} s; "
            f"{collections['count']} full garbage collections, the longest {collections['longest_ms']:.0f} ms; "
            f"resident memory grew {row['rss_growth_kb'] / 1024:.1f} MB over the window; "
            f"state writes per minute by kind: {kinds or 'none'}"
        )


async def run(sizes: list[int], window_s: float, settle_s: float, entity_set: str) -> None:
    """Measure every size in turn and print the table."""
    rows = []
    for miners in sizes:
        rows.append(await measure(miners, window_s, settle_s, entity_set))
        print(json.dumps(rows[-1]), flush=True)
    print(f"\nEntity set of every miner (the fleet overview's option): {entity_set}")
    print_table(rows)


def main() -> None:
    """Parse arguments and run."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--miners", type=int, nargs="+", default=[0, 10, 100, 500])
    parser.add_argument("--window", type=float, default=120, help="seconds measured in steady state")
    parser.add_argument("--settle", type=float, default=75, help="seconds after set-up before measuring")
    parser.add_argument(
        "--entities",
        choices=["all", "essential"],
        default="all",
        help="the fleet overview's entity set for every miner (essential: a large farm's choice)",
    )
    args = parser.parse_args()
    asyncio.run(run(args.miners, args.window, args.settle, args.entities))


if __name__ == "__main__":
    main()
