"""Compare CPU and wall time per poll: our clients against pyasic, on the same simulated miners.

Three pollers read every simulated Bitaxe (AxeOS) and VNish Antminer, all devices of a kind at once,
round after round:
- ours: what our coordinators call per poll (AxeOS: info; VNish: info, status, summary, preset),
  one client per device kept across polls, one shared aiohttp session (as in Home Assistant);
- pyasic get_miner + get_data: what hass-miner does every poll (detect the firmware, then read);
- pyasic reused: get_data on a miner object detected once (pyasic's best case).
CPU is this process's (time.process_time); the simulators run in a child process
(python -m simulators.fleet), so their CPU is not counted.

Run it in pyasic's own environment (scripts/pyasic_venv): pyasic's pins clash with Home Assistant's.

Loopback only. pyasic has no port option for detection: it connects to port 80 (http), 443 (https),
4028 (CGMiner) and 4433 (Whatsminer) of the address it is given. Here every device is 127.0.0.1, and
two patches in this process only send each poll to its own device's ports: pyasic.settings.transport
(the factory of every httpx transport pyasic uses) maps http to the device's web port, and
asyncio.open_connection maps 4028 to its CGMiner port; every other port is refused at once, as a closed
port on a real device is. Which device a connection belongs to travels in a context variable set by
the poll's task. An audit hook refuses any connection or name lookup that is not 127.0.0.1.

    .venv/pyasic/bin/python benchmarks/vs_pyasic.py --bitaxes 20 --antminers 20 --rounds 10
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Awaitable, Callable
import contextvars
from dataclasses import dataclass, field
import json
import logging
from pathlib import Path
import statistics
import subprocess
import sys
import tempfile
import time
import types
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
LOOPBACK = "127.0.0.1"
CGMINER_PORT = 4028


def refuse_other_addresses(event: str, args: tuple[Any, ...]) -> None:
    """Audit hook: refuse any connection, datagram or name lookup that is not 127.0.0.1."""
    if event in ("socket.connect", "socket.sendto") and isinstance(args[1], tuple):
        if args[1][0] != LOOPBACK:
            raise PermissionError(f"benchmark is loopback-only: refused {args[1]!r}")
    elif event == "socket.getaddrinfo" and args[0] not in (LOOPBACK, LOOPBACK.encode(), None):
        raise PermissionError(f"benchmark is loopback-only: refused lookup of {args[0]!r}")


sys.addaudithook(refuse_other_addresses)


def import_our_clients() -> tuple[Any, Any]:
    """Import our API clients without the integration's __init__ (it needs Home Assistant; api/ does not)."""
    for name, path in (
        ("custom_components", ROOT / "custom_components"),
        ("custom_components.mining_fleet", ROOT / "custom_components" / "mining_fleet"),
    ):
        package = types.ModuleType(name)
        package.__path__ = [str(path)]
        sys.modules[name] = package
    from custom_components.mining_fleet.api.axeos import AxeOSClient
    from custom_components.mining_fleet.api.vnish import VNishClient

    return AxeOSClient, VNishClient


AxeOSClient, VNishClient = import_our_clients()

import aiohttp  # noqa: E402
import httpx  # noqa: E402
import pyasic  # noqa: E402
from pyasic import settings as pyasic_settings  # noqa: E402

# --- pointing pyasic at loopback ports ---------------------------------------------------------


@dataclass(frozen=True)
class Route:
    """The loopback ports of the device a poll talks to."""

    http_port: int
    cgminer_port: int | None


ROUTE: contextvars.ContextVar[Route | None] = contextvars.ContextVar("route", default=None)
_open_connection = asyncio.open_connection


class LoopbackTransport(httpx.AsyncBaseTransport):
    """Send pyasic's plain-HTTP requests to the routed device's web port; refuse everything else."""

    def __init__(self, inner: httpx.AsyncHTTPTransport) -> None:
        """Wrap the transport pyasic's own factory made (same TLS settings, same cost)."""
        self._inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Rewrite the port, or refuse as a closed port does."""
        route = ROUTE.get()
        if route is None or request.url.host != LOOPBACK or request.url.scheme != "http":
            raise httpx.ConnectError("connection refused", request=request)
        request.url = request.url.copy_with(port=route.http_port)
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        """Close the wrapped transport."""
        await self._inner.aclose()


async def loopback_open_connection(host: Any = None, port: Any = None, **kwargs: Any) -> Any:
    """Open the routed device's CGMiner port for port 4028; refuse every other address and port."""
    route = ROUTE.get()
    if str(host) != LOOPBACK or port != CGMINER_PORT or route is None or route.cgminer_port is None:
        raise ConnectionRefusedError(f"connection refused: {host}:{port}")
    return await _open_connection(LOOPBACK, route.cgminer_port, **kwargs)


def point_pyasic_at_loopback() -> None:
    """Install the two patches (this process only; our clients use aiohttp and are not affected)."""
    make_transport = pyasic_settings.transport

    def loopback_transport(*args: Any, **kwargs: Any) -> httpx.AsyncBaseTransport:
        return LoopbackTransport(make_transport(*args, **kwargs))

    pyasic_settings.transport = loopback_transport  # type: ignore[assignment, unused-ignore]
    asyncio.open_connection = loopback_open_connection


# --- the fleet ------------------------------------------------------------------------------------


def start_fleet(
    bitaxes: int, antminers: int, seed: int, latency: list[str]
) -> tuple[subprocess.Popen[bytes], list[dict[str, Any]]]:
    """Start the simulators in a child process and return it with the hosts it serves."""
    hosts_file = Path(tempfile.mkdtemp(prefix="fleet-")) / "hosts.json"
    command = [
        sys.executable,
        "-m",
        "simulators.fleet",
        "--bitaxes",
        str(bitaxes),
        "--antminers",
        str(antminers),
    ]
    command += ["--seed", str(seed), "--hosts-file", str(hosts_file)]
    command += [f"--latency-ms={value}" for value in latency]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL)  # noqa: S603
    deadline = time.monotonic() + 60
    while not hosts_file.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise SystemExit("the fleet simulator did not start")
        time.sleep(0.05)
    return process, json.loads(hosts_file.read_text())


def route_of(device: dict[str, Any]) -> Route:
    """Return the loopback ports of a device line."""
    return Route(int(device["host"].rpartition(":")[2]), device.get("cgminer_port"))


# --- pollers ----------------------------------------------------------------------------------------


@dataclass
class Ours:
    """Our clients, one per device, kept across polls like the coordinators keep theirs."""

    session: aiohttp.ClientSession
    clients: dict[str, Any] = field(default_factory=dict)

    async def poll(self, device: dict[str, Any]) -> bool:
        """Read what a coordinator reads per poll; return True when the data is complete."""
        client = self.clients.get(device["host"])
        if client is None:
            client = self._client(device)
            self.clients[device["host"]] = client
        if device["kind"] == "bitaxe":
            info = await client.info()
            return info.hashrate is not None
        await client.info()
        await client.status()
        summary = await client.summary()
        await client.current_preset()
        return summary.hashrate_realtime is not None

    def _client(self, device: dict[str, Any]) -> Any:
        """Create the client for a device."""
        if device["kind"] == "bitaxe":
            return AxeOSClient(device["host"], self.session)
        return VNishClient(device["host"], device["password"], self.session)


async def pyasic_fresh(device: dict[str, Any]) -> bool:
    """Detect the miner and read it, as hass-miner does on every poll."""
    ROUTE.set(route_of(device))
    miner = await pyasic.get_miner(LOOPBACK)
    if miner is None:
        return False
    data = await miner.get_data()
    return data.hashrate is not None


@dataclass
class PyasicReused:
    """pyasic's best case: detect each miner once, then only get_data()."""

    miners: dict[str, Any] = field(default_factory=dict)

    async def poll(self, device: dict[str, Any]) -> bool:
        """Read a miner detected on the first poll."""
        ROUTE.set(route_of(device))
        miner = self.miners.get(device["host"])
        if miner is None:
            miner = self.miners[device["host"]] = await pyasic.get_miner(LOOPBACK)
        if miner is None:
            return False
        data = await miner.get_data()
        return data.hashrate is not None


# --- measuring --------------------------------------------------------------------------------------

Poller = Callable[[dict[str, Any]], Awaitable[bool]]


@dataclass
class Samples:
    """What one poller measured on one kind."""

    cpu_per_poll: list[float] = field(default_factory=list)
    walls: list[float] = field(default_factory=list)
    failures: int = 0


async def timed(poller: Poller, device: dict[str, Any]) -> tuple[float, bool]:
    """Return one poll's wall seconds and whether it returned complete data."""
    start = time.perf_counter()
    try:
        complete = await poller(device)
    except Exception:
        complete = False
    return time.perf_counter() - start, complete


async def one_round(poller: Poller, devices: list[dict[str, Any]], samples: Samples | None) -> None:
    """Poll every device at once; record CPU per poll and each wall time (no samples: warm-up)."""
    cpu_start = time.process_time()
    results = await asyncio.gather(*(timed(poller, device) for device in devices))
    cpu = time.process_time() - cpu_start
    if samples is None:
        return
    samples.cpu_per_poll.append(cpu / len(devices))
    samples.walls += [wall for wall, _ in results]
    samples.failures += sum(not complete for _, complete in results)


def percentile(values: list[float], share: float) -> float:
    """Return a nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def print_table(results: dict[tuple[str, str], Samples], rounds: int) -> None:
    """Print one markdown table row per kind and poller, with CPU ratios to pyasic."""
    print(
        "| miners | poller | CPU ms/poll (median of rounds) | ours as % of it | wall ms/poll median | wall p95 | incomplete |"
    )
    print("|---|---|---|---|---|---|---|")
    for kind in ("bitaxe", "antminer"):
        ours_cpu = statistics.median(results[(kind, "ours")].cpu_per_poll)
        for name in ("ours", "pyasic get_miner+get_data", "pyasic reused object"):
            samples = results.get((kind, name))
            if samples is None:
                continue
            cpu = statistics.median(samples.cpu_per_poll)
            share = "—" if name == "ours" else f"{ours_cpu / cpu * 100:.0f} %"
            walls_ms = [wall * 1000 for wall in samples.walls]
            print(
                f"| {kind} | {name} | {cpu * 1000:.2f} | {share} | {statistics.median(walls_ms):.1f} | "
                f"{percentile(walls_ms, 0.95):.1f} | {samples.failures}/{len(walls_ms)} |"
            )


async def show_what_pyasic_read(devices: list[dict[str, Any]]) -> None:
    """Print what pyasic detected and read on one device of each kind (a check that it really worked)."""
    for kind in ("bitaxe", "antminer"):
        device = next((d for d in devices if d["kind"] == kind), None)
        if device is None:
            continue
        ROUTE.set(route_of(device))
        miner = await pyasic.get_miner(LOOPBACK)
        data = await miner.get_data() if miner is not None else None
        print(
            f"pyasic on {kind} {device['host']}: {type(miner).__name__}, "
            f"hashrate={getattr(data, 'hashrate', None)}, wattage={getattr(data, 'wattage', None)}, "
            f"fw={getattr(data, 'fw_ver', None)}, boards={len(getattr(data, 'hashboards', []) or [])}"
        )


async def run(args: argparse.Namespace, devices: list[dict[str, Any]]) -> None:
    """Warm every poller up, then measure them in turn, round after round."""
    await show_what_pyasic_read(devices)
    results: dict[tuple[str, str], Samples] = {}
    async with aiohttp.ClientSession() as session:
        pollers: dict[str, Poller] = {
            "ours": Ours(session).poll,
            "pyasic get_miner+get_data": pyasic_fresh,
            "pyasic reused object": PyasicReused().poll,
        }
        for kind in ("bitaxe", "antminer"):
            fleet = [device for device in devices if device["kind"] == kind]
            if not fleet:
                continue
            for poller in pollers.values():
                await one_round(poller, fleet, None)
            for _ in range(args.rounds):
                for name, poller in pollers.items():  # interleaved, so machine noise hits all alike
                    await one_round(poller, fleet, results.setdefault((kind, name), Samples()))
    print_table(results, args.rounds)


def main() -> None:
    """Start the fleet in a child process, measure, stop it."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--bitaxes", type=int, default=20)
    parser.add_argument("--antminers", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--latency-ms", action="append", default=[], help="passed to the fleet simulator")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    point_pyasic_at_loopback()
    process, devices = start_fleet(args.bitaxes, args.antminers, args.seed, args.latency_ms)
    try:
        print(
            f"{args.bitaxes} Bitaxes (AxeOS 2.9/2.12/2.15) + {args.antminers} VNish Antminers, {args.rounds} rounds"
        )
        asyncio.run(run(args, devices))
    finally:
        process.terminate()
        process.wait(10)


if __name__ == "__main__":
    main()
