"""A fleet of simulated devices of mixed kinds on 127.0.0.1, served from one process.

Bitaxes (AxeOS 2.9 / 2.12 / 2.15 in turn), Antminers on VNish (with the CGMiner TCP API) and Antspace
containers, each answering after a configurable latency, and a share of them dead, slow or flapping;
optionally Kasa plugs that power the first Bitaxes (rigs a watchdog can power-cycle).

    python -m simulators.fleet --bitaxes 20 --antminers 20 --containers 2 --outlets 5 --hosts-file hosts.json

prints one JSON line per device ({"kind", "host", "firmware", "model", "fault", ...}) and writes the same
list to --hosts-file once every device is up. Benchmarks and tests use the Fleet context manager.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Callable
import contextlib
from dataclasses import dataclass, field
import json
import os
from pathlib import Path
import random
import time
from types import TracebackType
from typing import Any, Self

from .antspace import AntspaceSimulator
from .axeos import AxeOSSimulator
from .kasa import KasaSimulator, load_fixture
from .rig import PoweredRig
from .server import LOOPBACK, NEVER, DeviceDown, LoopbackServer
from .vnish import FIRMWARE_VERSION, VNishSimulator

BITAXE, ANTMINER, CONTAINER = "bitaxe", "antminer", "container"
KINDS = (BITAXE, ANTMINER, CONTAINER)
OUTLET = "outlet"
OUTLET_FIXTURE = "HS110(EU)_1.0_1.2.5.json"
AXEOS_FIRMWARES = ("2.9", "2.12", "2.15")
CONTAINER_MODELS = ("hk3", "immersion")
# Reply times seen on real hardware (ms): an ESP32 answers fast, VNish's web API on an Antminer's
# control board is slow and uneven, a container controller asks its PLC first.
DEFAULT_LATENCY_MS = {BITAXE: (10.0, 60.0), ANTMINER: (20.0, 300.0), CONTAINER: (50.0, 200.0)}
FAULTS = ("none", "dead", "slow", "flapping")


@dataclass(frozen=True)
class FleetConfig:
    """What to start: how many of each kind, how fast they answer, and which share misbehaves."""

    bitaxes: int = 0
    antminers: int = 0
    containers: int = 0
    outlets: int = 0  # Kasa plugs, the i-th powering the i-th Bitaxe
    latency_ms: dict[str, tuple[float, float]] = field(default_factory=lambda: dict(DEFAULT_LATENCY_MS))
    jitter_ms: float = 0.0
    dead: float = 0.0
    slow: float = 0.0
    flapping: float = 0.0
    slow_extra_ms: tuple[float, float] = (2000.0, 5000.0)
    flap_period_s: float = 30.0
    flap_down_share: float = 1 / 3
    steady: bool = False
    seed: int = 0


@dataclass
class ReplyPolicy:
    """Decide each reply's delay: latency plus jitter, and the device's fault (dead, slow, flapping)."""

    latency_s: tuple[float, float]
    jitter_s: float = 0.0
    fault: str = "none"
    slow_extra_s: tuple[float, float] = (2.0, 5.0)
    flap_period_s: float = 30.0
    flap_down_share: float = 1 / 3
    flap_phase_s: float = 0.0
    rng: random.Random = field(default_factory=random.Random)
    clock: Callable[[], float] = time.monotonic

    def __call__(self) -> float:
        """Return seconds to wait (NEVER for a dead device); raise DeviceDown while a flapping one is down."""
        if self.fault == "dead":
            return NEVER
        if self.fault == "flapping" and self.is_down():
            raise DeviceDown
        delay = self.rng.uniform(*self.latency_s) + self.rng.uniform(-self.jitter_s, self.jitter_s)
        if self.fault == "slow":
            delay += self.rng.uniform(*self.slow_extra_s)
        return max(0.0, delay)

    def is_down(self) -> bool:
        """Return True during the down part of a flapping device's cycle."""
        position = (self.clock() + self.flap_phase_s) % self.flap_period_s
        return position < self.flap_period_s * self.flap_down_share


@dataclass
class FleetDevice:
    """One started device: its kind, simulator and fault."""

    kind: str
    firmware: str
    model: str
    simulator: LoopbackServer
    fault: str

    @property
    def host(self) -> str:
        """Return host:port of its web API."""
        return self.simulator.host

    def describe(self) -> dict[str, Any]:
        """Return the JSON line that tells clients where the device is."""
        line: dict[str, Any] = {
            "kind": self.kind,
            "host": self.host,
            "firmware": self.firmware,
            "model": self.model,
            "fault": self.fault,
        }
        if isinstance(self.simulator, VNishSimulator):
            line |= {"cgminer_port": self.simulator.cgminer_port, "password": self.simulator.password}
        if isinstance(self.simulator, AxeOSSimulator | VNishSimulator):
            line["mac"] = self.simulator.mac
        return line


def _rig_outlet_line(rig: PoweredRig) -> dict[str, Any]:
    """Return the JSON line of a plug: where it listens and which miner it powers."""
    assert rig.miner is not None
    info = rig.outlet.sysinfo
    host = f"{LOOPBACK}:{rig.outlet.port}"
    return {
        "kind": OUTLET,
        "host": host,
        "model": info["model"],
        "mac": info["mac"],
        "powers": rig.miner.host,
    }


def _plug_fixture(number: int) -> dict[str, Any]:
    """Return a plug's replies with its own MAC, device id and name (real plugs never share them)."""
    fixture = load_fixture(OUTLET_FIXTURE)
    info = fixture["system"]["get_sysinfo"]
    low_bytes = ":".join(f"{number >> shift & 255:02X}" for shift in (16, 8, 0))
    info |= {"mac": f"50:C7:BF:{low_bytes}", "deviceId": f"{number:040X}", "alias": f"Rig plug {number + 1}"}
    return fixture


def assign_faults(total: int, config: FleetConfig, rng: random.Random) -> list[str]:
    """Give each device a fault so the shares asked for are met (rounded), spread at random."""
    counts = {name: round(total * share) for name, share in (("dead", config.dead), ("slow", config.slow))}
    counts["flapping"] = round(total * config.flapping)
    faults = [name for name, count in counts.items() for _ in range(count)][:total]
    faults += ["none"] * (total - len(faults))
    rng.shuffle(faults)
    return faults


def _make_simulator(kind: str, index: int, seed: int) -> tuple[LoopbackServer, str, str]:
    """Build the index-th simulator of a kind; return it with its firmware and model."""
    if kind == BITAXE:
        bitaxe = AxeOSSimulator(AXEOS_FIRMWARES[index % len(AXEOS_FIRMWARES)], seed=seed)
        return bitaxe, bitaxe.firmware, bitaxe.board.device_model
    if kind == ANTMINER:
        return VNishSimulator(seed=seed, cgminer_api=True), FIRMWARE_VERSION, "Antminer S19"
    model = CONTAINER_MODELS[index % len(CONTAINER_MODELS)]
    return AntspaceSimulator(model, seed=seed), "", model


class Fleet:
    """Start every device of a FleetConfig on 127.0.0.1 (async with), and stop them all on exit."""

    def __init__(self, config: FleetConfig) -> None:
        """Plan the fleet; nothing listens until start()."""
        if not 0 <= config.outlets <= config.bitaxes:
            raise ValueError("every outlet powers a Bitaxe: ask for no more outlets than Bitaxes")
        self.config = config
        self.devices: list[FleetDevice] = []
        self.rigs: list[PoweredRig] = []

    def _plan(self) -> list[tuple[str, int]]:
        """Return (kind, index within its kind) for every device, kinds in order."""
        counts = {
            BITAXE: self.config.bitaxes,
            ANTMINER: self.config.antminers,
            CONTAINER: self.config.containers,
        }
        return [(kind, index) for kind in KINDS for index in range(counts[kind])]

    def _policy(self, kind: str, fault: str, rng: random.Random) -> ReplyPolicy:
        """Build a device's reply policy from the config."""
        config = self.config
        low, high = config.latency_ms.get(kind, DEFAULT_LATENCY_MS[kind])
        return ReplyPolicy(
            latency_s=(low / 1000, high / 1000),
            jitter_s=config.jitter_ms / 1000,
            fault=fault,
            slow_extra_s=(config.slow_extra_ms[0] / 1000, config.slow_extra_ms[1] / 1000),
            flap_period_s=config.flap_period_s,
            flap_down_share=config.flap_down_share,
            flap_phase_s=rng.uniform(0, config.flap_period_s),
            rng=random.Random(rng.random()),
        )

    async def start(self) -> None:
        """Start every device on a free loopback port."""
        rng = random.Random(self.config.seed)
        plan = self._plan()
        faults = assign_faults(len(plan), self.config, rng)
        for number, ((kind, index), fault) in enumerate(zip(plan, faults, strict=True)):
            simulator, firmware, model = _make_simulator(kind, index, self.config.seed * 100_003 + number)
            simulator.reply_delay = self._policy(kind, fault, rng)
            simulator.steady = self.config.steady
            await simulator.start()
            self.devices.append(FleetDevice(kind, firmware, model, simulator, fault))
        bitaxes = [
            device.simulator for device in self.devices if isinstance(device.simulator, AxeOSSimulator)
        ]
        for number, miner in enumerate(bitaxes[: self.config.outlets]):
            plug = KasaSimulator(_plug_fixture(number))
            await plug.start()
            self.rigs.append(PoweredRig(plug, miner=miner))

    async def stop(self) -> None:
        """Stop every device (hanging replies are released) and every plug."""
        await asyncio.gather(
            *(device.simulator.stop() for device in self.devices), *(rig.outlet.stop() for rig in self.rigs)
        )
        self.devices.clear()
        self.rigs.clear()

    async def __aenter__(self) -> Self:
        """Start the fleet."""
        try:
            await self.start()
        except BaseException:
            await self.stop()
            raise
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        """Stop the fleet."""
        await self.stop()

    def hosts(self) -> list[dict[str, Any]]:
        """Return every device's JSON description, the plugs last."""
        return [device.describe() for device in self.devices] + [_rig_outlet_line(rig) for rig in self.rigs]


def write_hosts_file(path: Path, hosts: list[dict[str, Any]]) -> None:
    """Write the host list at once (a reader polling for the file never sees half of it)."""
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps(hosts, indent=1))
    os.replace(partial, path)


def parse_range(text: str) -> tuple[float, float]:
    """Parse "20-300" (or "50") milliseconds into (low, high)."""
    low, _, high = text.partition("-")
    bounds = (float(low), float(high or low))
    if bounds[0] < 0 or bounds[1] < bounds[0]:
        raise argparse.ArgumentTypeError(f"not a range of milliseconds: {text}")
    return bounds


def parse_latency(values: list[str]) -> dict[str, tuple[float, float]]:
    """Turn ["20-300"] (every kind) or ["antminer=20-300", ...] into latency ranges per kind."""
    latency = dict(DEFAULT_LATENCY_MS)
    for value in values:
        kind, _, text = value.rpartition("=")
        if kind and kind not in KINDS:
            raise argparse.ArgumentTypeError(f"unknown kind {kind!r} (one of {', '.join(KINDS)})")
        for name in [kind] if kind else KINDS:
            latency[name] = parse_range(text)
    return latency


def config_from_args(args: argparse.Namespace) -> FleetConfig:
    """Build the FleetConfig the command line asks for."""
    return FleetConfig(
        bitaxes=args.bitaxes,
        antminers=args.antminers,
        containers=args.containers,
        outlets=args.outlets,
        latency_ms=parse_latency(args.latency_ms),
        jitter_ms=args.jitter_ms,
        dead=args.dead,
        slow=args.slow,
        flapping=args.flapping,
        slow_extra_ms=parse_range(args.slow_ms),
        flap_period_s=args.flap_period,
        steady=args.steady,
        seed=args.seed,
    )


def build_parser() -> argparse.ArgumentParser:
    """Describe the command line."""
    parser = argparse.ArgumentParser(description="A fleet of simulated mining devices on 127.0.0.1")
    parser.add_argument("--bitaxes", type=int, default=0, help="Bitaxes (AxeOS 2.9 / 2.12 / 2.15 in turn)")
    parser.add_argument("--antminers", type=int, default=0, help="Antminers on VNish (web and CGMiner APIs)")
    parser.add_argument(
        "--containers", type=int, default=0, help="Antspace containers (HK3 / Immersion in turn)"
    )
    parser.add_argument(
        "--outlets", type=int, default=0, help="Kasa plugs powering the first Bitaxes (rigs to watch)"
    )
    parser.add_argument(
        "--latency-ms",
        action="append",
        default=[],
        metavar="[KIND=]LOW-HIGH",
        help="reply latency range in ms, for every kind or one (repeatable); defaults: "
        + ", ".join(f"{kind}={low:g}-{high:g}" for kind, (low, high) in DEFAULT_LATENCY_MS.items()),
    )
    parser.add_argument("--jitter-ms", type=float, default=0.0, help="± uniform noise added to every latency")
    parser.add_argument("--dead", type=float, default=0.0, help="share of devices that never answer")
    parser.add_argument("--slow", type=float, default=0.0, help="share of devices that answer seconds late")
    parser.add_argument("--slow-ms", default="2000-5000", help="extra delay of a slow device (ms range)")
    parser.add_argument("--flapping", type=float, default=0.0, help="share of devices that drop out and back")
    parser.add_argument(
        "--flap-period", type=float, default=30.0, help="seconds per flapping cycle (a third down)"
    )
    parser.add_argument(
        "--steady",
        action="store_true",
        help="readings without measurement noise (nothing changes poll to poll)",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--hosts-file", type=Path, help="also write the hosts as one JSON list here")
    return parser


async def _serve(config: FleetConfig, hosts_file: Path | None) -> None:
    """Run the fleet until interrupted."""
    async with Fleet(config) as fleet:
        for line in fleet.hosts():
            print(json.dumps(line), flush=True)
        if hosts_file is not None:
            write_hosts_file(hosts_file, fleet.hosts())
        await asyncio.Event().wait()


def main() -> None:
    """Command-line entry."""
    parser = build_parser()
    args = parser.parse_args()
    if not 0 <= args.outlets <= args.bitaxes:
        parser.error("every outlet powers a Bitaxe: ask for no more --outlets than --bitaxes")
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(config_from_args(args), args.hosts_file))


if __name__ == "__main__":
    main()
