"""A stateful Antspace cooling-container controller (HK3 hydro or Immersion) on 127.0.0.1.

Faithful to the wire format (typos included) and unlike the vendor's mock where that mock is
wrong: close really stops the pumps, reset clears latched alarms (a fault that persists stays),
open does not clear alarms. Cooling pulls the supply temperature toward the setpoint; without it
the liquid warms with the miners' load. Every fault flag can be raised and cleared on its own,
over HTTP (POST /_sim/fault) or from the command line; replies can be slow or broken.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Awaitable, Callable
import contextlib
from dataclasses import dataclass, field
import json
import math
import random
import time
from typing import Any

import aiohttp
from aiohttp import web

from .server import LoopbackServer, RecentLog

HK3, IMMERSION = "hk3", "immersion"
# The wire's flags, written out from the spec (not imported from the integration: the simulator
# must be able to catch a mistake in the integration's own tables).
FAULT_FLAGS = {
    HK3: [
        "power_fault",
        "liquid_level_low",
        "circulating_pump_fault",
        "fan1_fault",
        "fan2_fault",
        "fluid_infusion_pump_fault",
        "spray_pump_fault",
        "cooling_tower_fan1_fault",
        "cooling_tower_fan2_fault",
        "cooling_tower_fan3_fault",
        "leakage_fault",
        "supply_liquid_temp_high",
        "supply_liquid_temp_too_high",
        "supply_liquid_pressure_high",
        "return_liquid_pressure_low",
        "supply_liquid_flow_low",
        "freezing_alarm",
        "cooling_tower_liquid_level_low",
        "disconnect",
    ],
    IMMERSION: [
        "primary_circulating_pump",
        "dry_cooler_power_fre_fault",
        "dry_cooler_fre_conv",
        "second_pump1_fault",
        "second_pump2_fault",
        "fan_fault",
        "phasefailure",
        "supply_liquid_temp_fault",
        "return_liquid_temp_fault",
        "power_distribution_Fault",
        "lever_sensor_fault",
        "smoke_sensor_fault",
        "return_liquid_temp_high",
        "return_liquid_temp_too_high",
        "power_distribution_temp_high",
        "lever_high",
        "lever_low",
        "leakage_fault",
        "supply_liquid_temp_high",
        "supply_liquid_temp_too_high",
        "pump_alarm",
        "disconnect",
    ],
}
RUNNING_FLAGS = {
    HK3: [
        "circulating_pump",
        "fan1",
        "fan2",
        "spray_pump",
        "fluid_infusion_pump",
        "cooling_tower_fan1",
        "cooling_tower_fan2",
        "cooling_tower_fan3",
    ],
    IMMERSION: [
        "one_pump",
        "second_pump1",
        "second_pump2",
        "pump_ready",
        "pump_operation",
        "pump_start",
        "pump_run",
        "server_on",
        "container_fan",
        "dry_cooler_freq_run",
        "dry_cooler_power_freq_run",
        "valve1_open",
        "valve1_close",
        "valve2_open",
        "valve2_close",
        "open1",
        "open2",
    ],
}

AMBIENT_C = 30.0
PID_SETPOINT_C = 38.0
# The main pumps and fans each model switches with open/close.
COOLING_FLAGS = {
    HK3: (
        "circulating_pump",
        "fan1",
        "fan2",
        "spray_pump",
        "cooling_tower_fan1",
        "cooling_tower_fan2",
        "cooling_tower_fan3",
    ),
    IMMERSION: (
        "one_pump",
        "second_pump1",
        "second_pump2",
        "pump_run",
        "pump_operation",
        "container_fan",
        "dry_cooler_freq_run",
    ),
}
DEFAULT_SETPOINT = {HK3: 30.0, IMMERSION: 42.0}
BROKEN_REPLIES = ("none", "http500", "not_ok", "not_json", "no_params")


@dataclass
class SimMiner:
    """A miner in the container, as minerInfo lists it."""

    ip: str
    terahash: float = 100.0
    chip_temp: float = 70.0


@dataclass
class ContainerState:
    """What the controller knows."""

    cooling: bool = True
    pid_mode: bool = False
    setpoint: float = 30.0
    supply: float = 30.0
    faults: set[str] = field(default_factory=set)
    persistent: set[str] = field(default_factory=set)
    last_physics: float = 0.0


class AntspaceSimulator(LoopbackServer):
    """One container controller: /cooler?operation=…, plus /_sim/fault to inject faults."""

    def __init__(
        self,
        model: str = "hk3",
        *,
        load_kw: float = 300.0,
        miners: list[SimMiner] | None = None,
        clock: Callable[[], float] = time.monotonic,
        seed: int | None = None,
        loose: bool = False,
    ) -> None:
        """Create a running container of the given model with miners inside.

        loose: send the wire's other forms, as real controllers do: flags as 0/1 and "true"/"false",
        numbers as numeric strings, a sentinel for a chip temperature it does not have, and where
        the container stands (latitude, longitude).
        """
        super().__init__()
        if model not in FAULT_FLAGS:
            raise ValueError(f"unknown container model {model}")
        self.model = model
        self.load_kw = load_kw
        self.miners = miners if miners is not None else [SimMiner(f"10.10.0.{i}") for i in range(1, 4)]
        self.clock = clock
        self._random = random.Random(seed)
        setpoint = DEFAULT_SETPOINT[self.model]
        self.state = ContainerState(setpoint=setpoint, supply=setpoint, last_physics=clock())
        self.slow_seconds = 0.0
        self.broken = "none"
        self.miner_info_broken = False
        self.requests: RecentLog[str] = RecentLog()  # every operation received, with its temp argument
        self.loose = loose

    def build_app(self) -> web.Application:
        """Return the controller's routes."""
        app = web.Application(middlewares=[self._faults_middleware])
        app.router.add_get("/cooler", self._cooler)
        app.router.add_post("/_sim/fault", self._set_fault)
        return app

    # --- physics -------------------------------------------------------------------
    def _advance(self) -> None:
        """Cooling pulls the supply toward the setpoint (time constant 60 s); without it the load warms it."""
        state, now = self.state, self.clock()
        elapsed = max(0.0, now - state.last_physics)
        state.last_physics = now
        if state.cooling and not state.faults & {"circulating_pump_fault", "primary_circulating_pump"}:
            state.supply += (state.setpoint - state.supply) * (1 - math.exp(-elapsed / 60))
        else:
            # About 1 °C a minute at 300 kW, toward a ceiling the liquid never passes.
            state.supply = min(95.0, state.supply + elapsed / 60 * self.load_kw / 300)

    def _noisy(self, value: float, spread: float = 0.1) -> float:
        """Return a reading with a little sensor noise (none when steady)."""
        return round(value if self.steady else value + self._random.uniform(-spread, spread), 2)

    # --- documents -----------------------------------------------------------------
    def cooler_state(self) -> dict[str, Any]:
        """Build the coolerState params of the model."""
        self._advance()
        state = self.state
        flags: dict[str, Any] = dict.fromkeys(RUNNING_FLAGS[self.model], False)
        flags |= dict.fromkeys(COOLING_FLAGS[self.model], state.cooling)
        flags |= {key: key in state.faults for key in FAULT_FLAGS[self.model]}
        flags |= {"pid_mode": state.pid_mode, "running_mode": 1}
        params = flags | (self._hk3_values() if self.model == HK3 else self._immersion_values())
        return self._loosen(params) if self.loose else params

    def _loosen(self, params: dict[str, Any]) -> dict[str, Any]:
        """Return params in the looser forms real controllers send."""
        loose: dict[str, Any] = {"latitude": 59.33, "longitude": 18.06, "latitude_direction": "N"}
        for index, (key, value) in enumerate(params.items()):
            if isinstance(value, bool):
                loose[key] = (int(value), "true" if value else "false")[index % 2]
            elif isinstance(value, float):
                loose[key] = str(value)
            else:
                loose[key] = value
        return loose

    def _hk3_values(self) -> dict[str, Any]:
        """Return the HK3's readings (pressures in MPa, powers in W)."""
        state, noisy = self.state, self._noisy
        delta = self.load_kw / 60 if state.cooling else 0.5
        flowing = state.cooling and "supply_liquid_flow_low" not in state.faults
        return {
            "supply_liquid_temp": noisy(state.supply),
            "return_liquid_temp": noisy(state.supply + delta),
            "colding_tower_inlet_temp": noisy(state.supply + delta - 0.5),
            "antbox_internal_temp": noisy(AMBIENT_C - 4),
            "antbox_internal_humidity": noisy(45, 1),
            "supply_liquid_pressure": noisy(0.32 if flowing else 0.05, 0.005),
            "return_liquid_pressure": noisy(0.18 if flowing else 0.05, 0.005),
            "supply_liquid_flow": noisy(52 if flowing else 0, 0.5),
            "distribution_box1_power": noisy(self.load_kw * 500, 50),
            "distribution_box2_power": noisy(self.load_kw * 500, 50),
            "supply_liquid_set_temp": state.setpoint,
        }

    def _immersion_values(self) -> dict[str, Any]:
        """Return the Immersion's readings (voltages in 0.1 V, power in kW)."""
        state, noisy = self.state, self._noisy
        delta = self.load_kw / 50 if state.cooling else 0.5
        return {
            "protocol_version": "1.2",
            "primary_supply_temp": noisy(state.supply - 6),
            "primary_return_temp": noisy(state.supply - 1),
            "second_supply_temp1": noisy(state.supply),
            "second_supply_temp2": noisy(state.supply),
            "second_return_temp1": noisy(state.supply + delta),
            "second_return_temp2": noisy(state.supply + delta),
            "out_temp": noisy(AMBIENT_C - 8),
            "container_temp": noisy(AMBIENT_C),
            "power_distribution_temp": noisy(35),
            "container_humidity": noisy(40, 1),
            "power_distribution_humidity": noisy(35, 1),
            **{f"tank_{tank}_level": noisy(80, 0.5) for tank in "abcd"},
            "drycooler_freq": noisy(42 if state.cooling else 0, 0.5),
            "feedback_fre": noisy(42 if state.cooling else 0, 0.5),
            **{f"vol_{phase}_distribution": round(noisy(2233, 5)) for phase in "abc"},
            **{f"cur_{phase}_distribution": noisy(self.load_kw * 1000 / 3 / 230, 2) for phase in "abc"},
            "power_distribution": noisy(self.load_kw, 2),
            "distribution_box_power": noisy(self.load_kw / 100, 0.01),
            "supply_liquid_set_temp": state.setpoint,
        }

    def miner_info(self) -> dict[str, Any]:
        """Build the minerInfo params."""
        hashing = self.state.cooling
        miners = {
            miner.ip: {
                "miner_type": "Antminer S21 Hyd",
                "miner_version": "1.0",
                "elapsed": 3600,
                "GHS_5s": self._noisy(miner.terahash * 1000 if hashing else 0, 10),
                "GHS_avg": miner.terahash * 1000 if hashing else 0,
                "pcb_max_temp": miner.chip_temp - 10,
                "chip_max_temp": miner.chip_temp,
            }
            for miner in self.miners
        }
        temps = [miner.chip_temp for miner in self.miners]
        return {
            "miner_num": len(self.miners),
            "total_hashrate": sum(m.terahash for m in self.miners) * 1000 if hashing else 0,
            "pcb_max_temp": max(temps, default=0) - 10,
            "chip_max_temp": -100001.0 if self.loose else max(temps, default=-100000.0),
            "chip_temp_mean": sum(temps) / len(temps) if temps else -100000,
            "miner_info": miners,
        }

    # --- operations ----------------------------------------------------------------
    def operate(self, operation: str, temp: str | None) -> dict[str, Any] | None:
        """Carry out one operation; return its params (None: unsupported)."""
        state = self.state
        if operation == "coolerState":
            return self.cooler_state()
        if operation == "minerInfo":
            return self.miner_info()
        if operation in ("open", "close"):
            self._advance()
            state.cooling = operation == "open"
        elif operation == "reset":
            state.faults &= state.persistent
        elif operation == "setTemp" and temp == "pid":
            state.pid_mode, state.setpoint = True, PID_SETPOINT_C
        elif operation == "setTemp" and temp is not None:
            try:
                state.setpoint, state.pid_mode = float(temp), False
            except ValueError:
                return None
        else:
            return None
        return {}

    def raise_fault(self, key: str, *, persistent: bool = False) -> None:
        """Set a fault flag (a persistent one survives reset: a leak is still a leak)."""
        if key not in FAULT_FLAGS[self.model]:
            raise ValueError(f"{self.model} has no fault flag {key}")
        self.state.faults.add(key)
        if persistent:
            self.state.persistent.add(key)

    def clear_fault(self, key: str) -> None:
        """Clear a fault flag."""
        self.state.faults.discard(key)
        self.state.persistent.discard(key)

    # --- HTTP ----------------------------------------------------------------------
    @web.middleware
    async def _faults_middleware(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        """Be as slow as configured (a PLC behind the controller)."""
        if not request.path.startswith("/_sim/") and self.slow_seconds:
            await self.hang(self.slow_seconds)
        return await handler(request)

    async def _cooler(self, request: web.Request) -> web.Response:
        """GET /cooler?operation=…[&temp=…]."""
        operation = request.query.get("operation", "")
        temp = request.query.get("temp")
        self.requests.append(operation if temp is None else f"{operation}:{temp}")
        if self.broken == "http500":
            return web.Response(status=500, text="PLC timeout")
        if operation == "minerInfo" and self.miner_info_broken:
            return web.Response(status=502, text="miner scan failed")
        params = self.operate(operation, temp)
        if params is None:
            return web.json_response({"status": "error", "error": "ERR_UNSUPPORTED"}, status=400)
        return self._reply(operation, params)

    def _reply(self, operation: str, params: dict[str, Any]) -> web.Response:
        """Wrap params in the envelope, or break the reply as configured."""
        broken: dict[str, Callable[[], web.Response]] = {
            "not_json": lambda: web.Response(text="<html>busy</html>"),
            "not_ok": lambda: web.json_response({"ok": False, "method": operation, "params": None}),
            "no_params": lambda: web.json_response({"ok": True, "method": operation}),
        }
        if (reply := broken.get(self.broken)) is not None:
            return reply()
        return web.json_response({"ok": True, "method": operation, "params": params})

    async def _set_fault(self, request: web.Request) -> web.Response:
        """POST /_sim/fault {"raise": key, "persistent": true} / {"clear": key} / {"slow": s} / {"broken": kind}."""
        body = await request.json()
        try:
            if "raise" in body:
                self.raise_fault(str(body["raise"]), persistent=bool(body.get("persistent")))
            if "clear" in body:
                self.clear_fault(str(body["clear"]))
        except ValueError as err:
            return web.json_response({"error": str(err)}, status=400)
        if "slow" in body:
            self.slow_seconds = float(body["slow"])
        if body.get("broken") in BROKEN_REPLIES:
            self.broken = body["broken"]
        if "miner_info_broken" in body:
            self.miner_info_broken = bool(body["miner_info_broken"])
        return web.json_response({"faults": sorted(self.state.faults), "slow": self.slow_seconds})


async def _main(args: argparse.Namespace) -> None:
    """Run one container until interrupted, with the faults asked for already raised."""
    container = AntspaceSimulator(args.model)
    for key in args.fault:
        container.raise_fault(key, persistent=True)
    await container.start(args.port)
    print(json.dumps({"host": container.host, "model": container.model}), flush=True)
    await asyncio.Event().wait()


async def _control(address: str, body: dict[str, Any]) -> None:
    """Send a fault change to a running container's control path (127.0.0.1 only) and print the answer."""
    host, _, port = address.rpartition(":")
    if host != "127.0.0.1":
        raise SystemExit("the simulated containers listen on 127.0.0.1 only")
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"http://{address}/_sim/fault", json=body) as reply,
    ):
        print(await reply.text())


def main() -> None:
    """Command-line entry.

    Run one: python -m simulators.antspace --model immersion [--fault leakage_fault].
    Change a running one: python -m simulators.antspace --control 127.0.0.1:PORT --raise leakage_fault
    (or --clear leakage_fault).
    """
    parser = argparse.ArgumentParser(description="A simulated Antspace cooling container on 127.0.0.1")
    parser.add_argument("--model", choices=list(FAULT_FLAGS), default=HK3)
    parser.add_argument("--port", type=int, default=0, help="port (0 = any free port)")
    parser.add_argument(
        "--fault", action="append", default=[], help="a fault flag to raise at start (repeatable)"
    )
    parser.add_argument("--control", help="host:port of a running simulated container to change")
    parser.add_argument("--raise", dest="raise_flag", help="with --control: the fault flag to raise")
    parser.add_argument("--clear", help="with --control: the fault flag to clear")
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        if args.control:
            body = {"raise": args.raise_flag} if args.raise_flag else {"clear": args.clear}
            asyncio.run(_control(args.control, body))
        else:
            asyncio.run(_main(args))


if __name__ == "__main__":
    main()
