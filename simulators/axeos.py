"""A stateful AxeOS (Bitaxe ESP-Miner) HTTP simulator bound to 127.0.0.1, with fault injection."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Awaitable, Callable
import contextlib
from dataclasses import dataclass, field
import enum
import json
import math
import random
import time
from typing import Any

from aiohttp import web

from .server import LOOPBACK, LoopbackServer, RecentLog


class Fault(enum.StrEnum):
    """Faults the simulator can inject into every /api reply."""

    NONE = "none"
    TIMEOUT = "timeout"
    HTTP_500 = "http_500"
    MALFORMED_JSON = "malformed_json"
    MISSING_FIELDS = "missing_fields"
    NOT_LOCAL = "not_local"
    OFFLINE = "offline"
    BAD_REQUEST = "bad_request"


@dataclass(frozen=True)
class Board:
    """Static facts of one simulated board."""

    asic_model: str
    board_version: str
    device_model: str
    small_cores: int
    asic_count: int
    frequency_options: tuple[int, ...]
    default_frequency: int
    voltage_options: tuple[int, ...]
    default_voltage: int


BOARDS = {
    "gamma": Board(
        "BM1370",
        "601",
        "Gamma",
        2040,
        1,
        (400, 490, 525, 550, 600, 625),
        525,
        (1000, 1060, 1100, 1150, 1200, 1250),
        1150,
    ),
    "supra": Board(
        "BM1368",
        "401",
        "Supra",
        1276,
        1,
        (400, 425, 450, 475, 490, 500, 525, 550, 575),
        490,
        (1100, 1150, 1166, 1200, 1250, 1300),
        1166,
    ),
    "ultra": Board(
        "BM1366",
        "204",
        "Ultra",
        894,
        1,
        (400, 425, 450, 475, 485, 500, 525, 550, 575),
        485,
        (1100, 1150, 1200, 1250, 1300),
        1200,
    ),
}
# The Angular web UI's index page, as ESP-Miner serves it at "/" (the scripts left out).
WEB_PAGE = (
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>AxeOS</title>'
    '<base href="/"></head><body><app-root></app-root></body></html>'
)
# A typical board per firmware generation, so "--firmware X" alone gives a plausible miner.
DEFAULT_BOARD = {(2, 9): "ultra", (2, 12): "supra", (2, 15): "gamma"}


def parse_firmware(text: str) -> tuple[int, int]:
    """Turn "2.12" or "v2.12.0" into (2, 12)."""
    major, minor = text.lstrip("v").split(".")[:2]
    return int(major), int(minor)


@dataclass
class MinerState:
    """Everything about one simulated miner that changes over time."""

    frequency: float
    core_voltage: int
    autofan: bool = True
    manual_fan: int = 100
    temp_target: int = 60
    paused: bool = False
    overheat_mode: int = 0
    boot_time: float = 0.0
    shares_accepted: int = 0
    shares_rejected: int = 0
    best_diff: float = 0.0
    best_session_diff: float = 0.0
    pools: list[dict[str, Any]] = field(default_factory=list)
    primary_pool: int = 0
    fallback_pool: int = 1
    hostname: str = "bitaxe"
    # Stored per pool slot; the firmware never shows them (2.15+ lists "*****").
    stratum_password: dict[int, str] = field(default_factory=lambda: {0: "own-pass", 1: "backup-pass"})
    # Smoothed physical values (power W, ASIC temperature °C, hashrate GH/s).
    power: float = 0.0
    temperature: float = 25.0
    hashrate: float = 0.0
    last_physics: float = 0.0


class AxeOSSimulator(LoopbackServer):
    """One simulated Bitaxe; call start() to serve it on a free loopback port."""

    def __init__(
        self,
        firmware: str = "2.15",
        board: str | None = None,
        *,
        mac: str | None = None,
        restart_seconds: float = 3.0,
        clock: Callable[[], float] = time.monotonic,
        seed: int | None = None,
    ) -> None:
        """Create a miner running the given firmware generation on the given board."""
        super().__init__()
        self.version = parse_firmware(firmware)
        self.firmware = f"v{self.version[0]}.{self.version[1]}.0"
        self.board = BOARDS[board or DEFAULT_BOARD.get(self.version, "gamma")]
        self._random = random.Random(seed)
        self.mac = mac or ":".join(f"{self._random.randrange(256):02X}" for _ in range(6))
        self.restart_seconds = restart_seconds
        self.clock = clock
        self.fault = Fault.NONE
        self.hang_seconds = 3600.0
        self.offline_until = 0.0
        self.requests: RecentLog[tuple[str, str, Any]] = RecentLog()
        # Replace fields of /api/system/info (None removes one): hostile or odd firmware in tests.
        self.overrides: dict[str, Any] = {}
        # A heat spike (a hot room, a blocked fan): added to the ASIC temperature the physics settle on.
        self.extra_heat_c = 0.0
        # Called on every reboot (an API restart or power coming back), e.g. to let a pool worker recover.
        self.on_boot: list[Callable[[], None]] = []
        # Wall-clock times, for benchmarks that compare with Home Assistant's clock: each
        # /api/system/info reply served (with the temperature it reported) and each PATCH that arrived.
        self.info_served: RecentLog[tuple[float, Any]] = RecentLog()
        self.patch_arrivals: RecentLog[tuple[float, Any]] = RecentLog()
        now = clock()
        self.state = MinerState(
            frequency=self.board.default_frequency,
            core_voltage=self.board.default_voltage,
            boot_time=now,
            last_physics=now,
            hostname=f"bitaxe-{self.mac[-5:].replace(':', '').lower()}",
            pools=[
                {
                    "stratumURL": "public-pool.io",
                    "stratumPort": 21496,
                    "stratumUser": "bc1qexamplewalletaddress0000000000000000.bitaxe",
                },
                {
                    "stratumURL": "solo.ckpool.org",
                    "stratumPort": 3333,
                    "stratumUser": "bc1qexamplewalletaddress0000000000000000.backup",
                },
            ],
        )

    # --- lifecycle -----------------------------------------------------------------
    def at_least(self, major: int, minor: int) -> bool:
        """Return True when the simulated firmware is this version or newer."""
        return self.version >= (major, minor)

    def build_app(self) -> web.Application:
        """Build the aiohttp application with the firmware's routes."""
        app = web.Application(middlewares=[self._fault_middleware])
        app.router.add_get("/", self._web_page)
        app.router.add_get("/api/system/info", self._info)
        app.router.add_patch("/api/system", self._patch)
        app.router.add_post("/api/system/restart", self._restart)
        if self.at_least(2, 7):
            app.router.add_get("/api/system/asic", self._asic)
        if self.at_least(2, 12):
            app.router.add_post("/api/system/identify", self._identify)
        if self.at_least(2, 14):
            app.router.add_post("/api/system/pause", self._pause)
            app.router.add_post("/api/system/resume", self._resume)
        app.router.add_post("/_sim/fault", self._set_fault)
        return app

    # --- physics -------------------------------------------------------------------
    def _targets(self) -> tuple[float, float, float]:
        """Return the steady-state power (W), ASIC temperature (°C) and hashrate (GH/s)."""
        state = self.state
        volts = state.core_voltage / 1000
        hashing = not state.paused
        hashrate = state.frequency * self.board.small_cores * self.board.asic_count / 1000 if hashing else 0.0
        # Dynamic power grows with V²·f; 3.5 W is the ESP32, display and regulator losses.
        power = 3.5 + (0.0155 * volts**2 * state.frequency if hashing else 0.8)
        # A steady miner's fan follows the temperature smoothly: whole percents would dither forever.
        fan = (self._fan_level() if self.steady else self._fan_duty()) / 100
        temperature = 28 + self.extra_heat_c + power * (2.4 - 1.4 * fan)
        return power, temperature, hashrate

    def _fan_duty(self) -> int:
        """Return the current fan duty (%): automatic tracks the temperature target."""
        return int(self._fan_level())

    def _fan_level(self) -> float:
        """Return the fan duty before the firmware rounds it to whole percents."""
        if not self.state.autofan:
            return self.state.manual_fan
        error = self.state.temperature - self.state.temp_target
        return min(100.0, max(25.0, 60 + 8 * error))

    def _advance(self) -> None:
        """Move the smoothed values toward their targets (time constant 5 s) and count shares."""
        state, now = self.state, self.clock()
        elapsed = max(0.0, now - state.last_physics)
        state.last_physics = now
        # Stepped once per read, the fan loop rings at the poll's pace; a steady miner settles the way a
        # real one does, in one-second steps (up to ten minutes' worth).
        steps = min(600, math.ceil(elapsed)) if self.steady and elapsed > 1 else 1
        blend = 1 - math.exp(-elapsed / steps / 5)
        for _ in range(steps):
            power, temperature, hashrate = self._targets()
            state.power += (power - state.power) * blend
            state.temperature += (temperature - state.temperature) * blend
            state.hashrate += (hashrate - state.hashrate) * blend
        if state.hashrate > 1 and elapsed > 0:
            self._find_shares(elapsed)

    def _find_shares(self, elapsed: float) -> None:
        """Accept about one share per 10 s at full speed, reject one in fifty."""
        shares = self._random.random() < min(1.0, elapsed / 10)
        if not shares:
            return
        if self._random.random() < 0.02:
            self.state.shares_rejected += 1
            return
        self.state.shares_accepted += 1
        difficulty = self._random.paretovariate(1.0) * 1000
        self.state.best_session_diff = max(self.state.best_session_diff, difficulty)
        self.state.best_diff = max(self.state.best_diff, difficulty)

    # --- replies -------------------------------------------------------------------
    def _noisy(self, value: float, spread: float) -> float:
        """Add measurement noise (none when steady)."""
        return value if self.steady else value * (1 + self._random.uniform(-spread, spread))

    def _varying(self, low: float, high: float) -> float:
        """Return a reading that wanders within a range (its middle when steady)."""
        return (low + high) / 2 if self.steady else self._random.uniform(low, high)

    def info_document(self) -> dict[str, Any]:
        """Build /api/system/info exactly as this firmware generation spells it."""
        self._advance()
        state, board = self.state, self.board
        hashrate = round(self._noisy(state.hashrate, 0.04), 2) if state.hashrate > 0.01 else 0.0
        power = round(self._noisy(state.power, 0.01), 2)
        doc: dict[str, Any] = {
            "power": power,
            "voltage": round(self._noisy(5100, 0.002), 1),
            "current": round(power / 5.1 * 1000, 1),
            "temp": round(state.temperature, 1),
            "vrTemp": round(state.temperature + 6, 1) if board.asic_model == "BM1370" else 0,
            "hashRate": hashrate,
            "bestDiff": self._difficulty(state.best_diff),
            "bestSessionDiff": self._difficulty(state.best_session_diff),
            "coreVoltage": state.core_voltage,
            "coreVoltageActual": round(self._noisy(state.core_voltage, 0.005)),
            "frequency": state.frequency if self.at_least(2, 10) else int(state.frequency),
            "ssid": "HomeNetwork",
            "macAddr": self.mac,
            "hostname": state.hostname,
            "wifiStatus": "Connected!",
            "sharesAccepted": state.shares_accepted,
            "sharesRejected": state.shares_rejected,
            "uptimeSeconds": int(self.clock() - state.boot_time),
            "ASICModel": board.asic_model,
            "smallCoreCount": board.small_cores,
            "asicCount": board.asic_count,
            "stratumURL": state.pools[0]["stratumURL"],
            "stratumPort": state.pools[0]["stratumPort"],
            "stratumUser": state.pools[0]["stratumUser"],
            "fallbackStratumURL": state.pools[1]["stratumURL"],
            "fallbackStratumPort": state.pools[1]["stratumPort"],
            "fallbackStratumUser": state.pools[1]["stratumUser"],
            "isUsingFallbackStratum": 0,
            "version": self.firmware,
            "boardVersion": board.board_version,
            "autofanspeed": int(state.autofan),
            "fanrpm": int(self._fan_duty() * 62),
            "ipv4": LOOPBACK,
            "overheat_mode": state.overheat_mode,
            "maxPower": 40,
            "flipscreen": 1,
            "invertscreen": 0,
        }
        doc["fanspeed" if self.at_least(2, 1) else "fanSpeed"] = self._fan_duty()
        self._add_versioned_fields(doc)
        if self.fault is Fault.MISSING_FIELDS:
            for key in ("hashRate", "power", "temp", "fanrpm", "bestDiff", "coreVoltageActual"):
                doc.pop(key, None)
        for key, value in self.overrides.items():
            if value is None:
                doc.pop(key, None)
            else:
                doc[key] = value
        return doc

    def _difficulty(self, value: float) -> float | str:
        """Format a difficulty: a "4.29G" string up to 2.10, a number after."""
        if self.at_least(2, 11):
            return round(value)
        for suffix, scale in (("T", 1e12), ("G", 1e9), ("M", 1e6), ("k", 1e3)):
            if value >= scale:
                return f"{value / scale:.2f}{suffix}"
        return f"{value:.0f}"

    def _add_versioned_fields(self, doc: dict[str, Any]) -> None:
        """Add the keys later firmware introduced."""
        state = self.state
        if self.at_least(2, 6):
            doc["wifiRSSI"] = round(self._varying(-70, -45))
        if self.at_least(2, 7):
            doc["temptarget"] = state.temp_target
        if self.at_least(2, 8):
            doc["expectedHashrate"] = round(
                state.frequency * self.board.small_cores * self.board.asic_count / 1000, 1
            )
        if self.at_least(2, 10):
            doc["temp2"] = -1
            doc["minFanSpeed"] = 25
        if self.at_least(2, 11):
            doc["manualFanSpeed"] = state.manual_fan
            doc["fan2rpm"] = 0
            doc["errorPercentage"] = round(self._varying(0.1, 1.5), 2) if state.hashrate else 0
            doc["sharesRejectedReasons"] = (
                [{"message": "Above target", "count": state.shares_rejected}] if state.shares_rejected else []
            )
        if self.at_least(2, 12):
            for key, spread in (("hashRate_1m", 0.02), ("hashRate_10m", 0.01), ("hashRate_1h", 0.005)):
                doc[key] = round(self._noisy(state.hashrate, spread), 2) if state.hashrate > 0.01 else 0.0
            doc["axeOSVersion"] = self.firmware
            doc["responseTime"] = round(self._varying(20, 60), 1)
        if self.at_least(2, 14):
            doc["miningPaused"] = state.paused
            doc["actualFrequency"] = state.frequency if not state.paused else 0
        if self.at_least(2, 15):
            self._add_openapi_fields(doc)

    def _add_openapi_fields(self, doc: dict[str, Any]) -> None:
        """Add the newest firmware's remaining required keys (see ESP-Miner openapi.yaml)."""
        state = self.state
        doc.pop("flipscreen", None)
        doc.pop("asicCount", None)
        doc |= {
            "apEnabled": 0,
            "display": "SSD1306 (128x32)",
            "rotation": 0,
            "cpuUsage": 12,
            "freeHeap": 180000,
            "freeHeapInternal": 90000,
            "freeHeapSpiram": 90000,
            "minFreeHeap": 150000,
            "maxAllocHeap": 65000,
            "idfVersion": "v5.5.1",
            "isPSRAMAvailable": 1,
            "nominalVoltage": 5,
            "overclockEnabled": 0,
            "useCustomWWW": 0,
            "poolConnectionInfo": "IPv4 (TCP)",
            "poolDifficulty": 1000,
            "resetReason": "Power on",
            "runningPartition": "ota_0",
            "ipv6": "",
            "displayTimeout": -1,
            "statsFrequency": 0,
            "blockHeight": 925000,
            "scriptsig": "",
            "networkDifficulty": 1.5e14,
            "blockSignals": [],
            "blockFound": 0,
            "coinbaseValueTotalSatoshis": 312500000,
            "coinbaseValueUserSatoshis": 0,
            "statsLimit": 360,
            "partitions": [],
            "stratumProtocol": "SV1",
            "stratumV2AuthorityPubkey": "",
            "stratumExtranonceSubscribe": False,
            "stratumSuggestedDifficulty": 1000,
            "stratumTLS": False,
            "stratumCert": "",
            "stratumDecodeCoinbase": False,
            "fallbackStratumExtranonceSubscribe": False,
            "fallbackStratumSuggestedDifficulty": 1000,
            "fallbackStratumTLS": False,
            "fallbackStratumCert": "",
            "fallbackStratumDecodeCoinbase": False,
            "primaryPoolIndex": state.primary_pool,
            "secondaryPoolIndex": state.fallback_pool,
            "pools": [
                {"id": index, **pool, "stratumPassword": "*****"} for index, pool in enumerate(state.pools)
            ],
        }
        primary, fallback = state.pools[state.primary_pool], state.pools[state.fallback_pool]
        for prefix, pool in (("stratum", primary), ("fallbackStratum", fallback)):
            doc[f"{prefix}URL"], doc[f"{prefix}Port"] = pool["stratumURL"], pool["stratumPort"]
            doc[f"{prefix}User"] = pool["stratumUser"]

    def asic_document(self) -> dict[str, Any]:
        """Build /api/system/asic."""
        board = self.board
        return {
            "ASICModel": board.asic_model,
            "deviceModel": board.device_model,
            "swarmColor": "purple",
            "asicCount": board.asic_count,
            "defaultFrequency": board.default_frequency,
            "frequencyOptions": list(board.frequency_options),
            "defaultVoltage": board.default_voltage,
            "voltageOptions": list(board.voltage_options),
        }

    # --- settings ------------------------------------------------------------------
    _RANGES: dict[str, tuple[float, float]] = {
        "coreVoltage": (1, 2000),
        "frequency": (1, 1000),
        "autofanspeed": (0, 1),
        "manualfanspeed": (0, 100),
        "fanspeed": (0, 100),
        "minfanspeed": (0, 100),
        "temptarget": (35, 66),
        "overheat_mode": (0, 0),
        "stratumport": (1, 65535),
        "fallbackstratumport": (1, 65535),
    }

    def validate(self, body: dict[str, Any]) -> bool:
        """Range-check like firmware 2.11+: one bad value rejects the whole request."""
        for key, value in body.items():
            bounds = self._RANGES.get(key.lower()) or self._RANGES.get(key)
            if bounds is None:
                continue
            if not isinstance(value, int | float) or isinstance(value, bool):
                return False
            if not bounds[0] <= value <= bounds[1]:
                return False
        return True

    def apply(self, body: dict[str, Any]) -> None:
        """Apply a PATCH body; keys are matched case-insensitively and unknown ones ignored."""
        state = self.state
        values = {key.lower(): value for key, value in body.items()}
        if "corevoltage" in values:
            state.core_voltage = int(values["corevoltage"])
        if "frequency" in values:
            state.frequency = float(values["frequency"])
        if "autofanspeed" in values:
            state.autofan = bool(values["autofanspeed"])
        fan_key = "manualfanspeed" if self.at_least(2, 11) else "fanspeed"
        if fan_key in values:
            state.manual_fan = int(values[fan_key])
        if "temptarget" in values:
            state.temp_target = int(values["temptarget"])
        if values.get("overheat_mode") == 0:
            state.overheat_mode = 0
        if "hostname" in values:
            state.hostname = str(values["hostname"])
        self._apply_pools(values)

    def _apply_pools(self, values: dict[str, Any]) -> None:
        """Store pools: pool slots on 2.15+ (top-level keys ignored), top-level keys before."""
        state = self.state
        if self.at_least(2, 15):
            for pool in values.get("pools", []):
                slot = int(pool.get("id", 0))
                while len(state.pools) <= slot:
                    state.pools.append(dict(state.pools[-1]))
                state.pools[slot] = {key: pool[key] for key in ("stratumURL", "stratumPort", "stratumUser")}
                if "stratumPassword" in pool:
                    state.stratum_password[slot] = str(pool["stratumPassword"])
            state.primary_pool = int(values.get("primarypoolindex", state.primary_pool))
            state.fallback_pool = int(values.get("secondarypoolindex", state.fallback_pool))
            return
        for slot, prefix in ((0, "stratum"), (1, "fallbackstratum")):
            for field_name in ("URL", "Port", "User"):
                if (key := f"{prefix}{field_name}".lower()) in values:
                    state.pools[slot][f"stratum{field_name}"] = values[key]
            if (key := f"{prefix}password") in values:
                state.stratum_password[slot] = str(values[key])

    # --- control -------------------------------------------------------------------
    def restart_now(self) -> None:
        """Reboot: unreachable for restart_seconds, then uptime and share counters start over."""
        state = self.state
        now = self.clock()
        self.offline_until = now + self.restart_seconds
        state.boot_time = self.offline_until
        state.shares_accepted = state.shares_rejected = 0
        state.best_session_diff = 0.0
        state.paused = False
        state.power = state.hashrate = 0.0
        state.last_physics = self.offline_until
        for listener in self.on_boot:
            listener()

    def overheat(self) -> None:
        """Simulate the firmware's overheat lock-out (mining throttled until cleared)."""
        self.state.overheat_mode = 1

    # --- HTTP handlers -------------------------------------------------------------
    @web.middleware
    async def _fault_middleware(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        """Record the request and inject the configured fault."""
        if request.path.startswith("/_sim/"):
            return await handler(request)
        body = await request.json() if request.can_read_body else None
        self.requests.append((request.method, request.path, body))
        if self.fault is Fault.OFFLINE or self.clock() < self.offline_until:
            raise self.drop_connection(request)
        if self.fault is Fault.TIMEOUT:
            await self.hang(self.hang_seconds)  # like a stuck ESP32
        if self.fault is Fault.HTTP_500:
            raise web.HTTPInternalServerError(text="Internal Server Error")
        if self.fault is Fault.NOT_LOCAL:
            raise web.HTTPUnauthorized(text="Unauthorized")
        if self.fault is Fault.BAD_REQUEST and request.method != "GET":
            raise web.HTTPBadRequest(text="Wrong API input")
        if self.fault is Fault.MALFORMED_JSON and request.method == "GET":
            return web.Response(text='{"power": 12.5, "hashRate": ', content_type="application/json")
        return await handler(request)

    async def _web_page(self, request: web.Request) -> web.Response:
        """GET /: the web UI's shell, titled AxeOS (what pyasic's detection looks for)."""
        return web.Response(text=WEB_PAGE, content_type="text/html")

    async def _info(self, request: web.Request) -> web.Response:
        """GET /api/system/info."""
        document = self.info_document()
        self.info_served.append((time.time(), document.get("temp")))
        return web.json_response(document)

    async def _asic(self, request: web.Request) -> web.Response:
        """GET /api/system/asic."""
        return web.json_response(self.asic_document())

    async def _patch(self, request: web.Request) -> web.Response:
        """PATCH /api/system."""
        try:
            body = await request.json()
        except ValueError:
            body = None
        self.patch_arrivals.append((time.time(), body))
        if not isinstance(body, dict):
            return web.Response(status=400, text="Invalid JSON")
        if self.at_least(2, 11) and not self.validate(body):
            return web.Response(status=400, text="Wrong API input")
        self.apply(body)
        return web.Response(status=200)

    async def _restart(self, request: web.Request) -> web.Response:
        """POST /api/system/restart: reply first, then go away."""
        asyncio.get_running_loop().call_soon(self.restart_now)
        message = "System will restart shortly."
        if self.at_least(2, 13):
            return web.json_response({"message": message})
        return web.Response(text=message)

    async def _identify(self, request: web.Request) -> web.Response:
        """POST /api/system/identify."""
        return web.json_response({"message": "Device identified"})

    async def _pause(self, request: web.Request) -> web.Response:
        """POST /api/system/pause."""
        self.state.paused = True
        return web.json_response({"message": "Mining paused"})

    async def _resume(self, request: web.Request) -> web.Response:
        """POST /api/system/resume."""
        self.state.paused = False
        return web.json_response({"message": "Mining resumed"})

    async def _set_fault(self, request: web.Request) -> web.Response:
        """POST /_sim/fault {"fault": "timeout"}: control the simulator from outside."""
        body = await request.json()
        self.fault = Fault(body.get("fault", "none"))
        if body.get("overheat"):
            self.overheat()
        if "heat" in body:  # {"heat": 15}: 15 °C more than the physics would settle on; 0 ends it
            self.extra_heat_c = float(body["heat"])
        return web.json_response({"fault": str(self.fault)})


async def serve(specs: list[tuple[str, str | None]], base_port: int) -> list[AxeOSSimulator]:
    """Start one simulator per (firmware, board) on consecutive ports (0 = free ports)."""
    miners = []
    for index, (firmware, board) in enumerate(specs):
        miner = AxeOSSimulator(firmware, board, seed=index)
        await miner.start(base_port + index if base_port else 0)
        miners.append(miner)
    return miners


def _parse_spec(text: str) -> tuple[str, str | None]:
    """Parse "2.15" or "2.15:gamma"."""
    firmware, _, board = text.partition(":")
    return firmware, board or None


async def _main(args: argparse.Namespace) -> None:
    """Run simulators until interrupted."""
    miners = await serve([_parse_spec(spec) for spec in args.miners], args.port)
    for miner in miners:
        print(
            json.dumps(
                {
                    "host": miner.host,
                    "firmware": miner.firmware,
                    "model": miner.board.device_model,
                    "mac": miner.mac,
                }
            ),
            flush=True,
        )
    await asyncio.Event().wait()


def main() -> None:
    """Command-line entry: python -m simulators.axeos 2.9 2.12 2.15:gamma --port 0."""
    parser = argparse.ArgumentParser(description="Simulated Bitaxe miners on 127.0.0.1")
    parser.add_argument("miners", nargs="*", default=["2.15"], help="firmware[:board] per miner")
    parser.add_argument("--port", type=int, default=0, help="first port (0 = any free port)")
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_main(parser.parse_args()))


if __name__ == "__main__":
    main()
