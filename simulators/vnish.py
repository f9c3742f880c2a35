"""A stateful VNish (Antminer) HTTP API v1 simulator bound to 127.0.0.1, with fault injection."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Awaitable, Callable
import contextlib
from dataclasses import dataclass, field
import enum
import json
import random
import secrets
import time
from typing import Any

from aiohttp import web

from .server import LOOPBACK, DeviceDown, LoopbackServer, RecentLog

HASHING = ("mining", "auto-tuning")


# The writes VNish firmware with API keys enabled guards with x-api-key.
KEYED_PATHS = frozenset({"/api/v1/settings", "/api/v1/system/reboot"})
# An Antminer keeps three pools, each written without the stratum+tcp:// scheme.
MAX_POOLS = 3
STRATUM_SCHEME = "stratum+tcp://"
DEFAULT_POOLS = (
    {"url": "btc.example-pool.com:3333", "user": "bc1qexamplewallet.s19", "pass": "x", "order": 0},
    {
        "url": "backup.example-pool.com:443",
        "user": "bc1qexamplewallet.s19",
        "pass": "backup-pass",
        "order": 1,
    },
)


FIRMWARE_VERSION = "1.2.6"
MINER_TYPE = f"Antminer S19 (Vnish {FIRMWARE_VERSION})"
WEB_PAGE = (
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>AnthillOS</title></head>'
    '<body><div id="app"></div></body></html>'
)


class VNishFault(enum.StrEnum):
    """Faults the simulator can inject into every API reply."""

    NONE = "none"
    SLOW = "slow"
    HTTP_500 = "http_500"
    MALFORMED_JSON = "malformed_json"
    OFFLINE = "offline"


@dataclass
class Preset:
    """An autotune preset: watts and the hashrate it gives."""

    name: str
    watts: float
    terahash: float
    status: str = "tuned"

    def document(self) -> dict[str, Any]:
        """Return the preset as the API lists it."""
        pretty = "Disabled" if self.name == "disabled" else f"{self.name} watt ~ {self.terahash:.0f} TH"
        return {"name": self.name, "pretty": pretty, "status": self.status, "modded_psu_required": False}


@dataclass
class Timings:
    """How long the state machine's transient states last (seconds)."""

    shutting_down: float = 3.0
    starting: float = 8.0
    restarting: float = 2.0
    reboot: float = 10.0


@dataclass
class Transition:
    """A state that will turn into the next one at a given time."""

    state: str
    until: float
    then: str


@dataclass
class VNishState:
    """Everything about one simulated Antminer that changes over time."""

    state: str = "mining"
    since: float = 0.0
    pending: Transition | None = None
    preset: str = "3200"
    find_miner: bool = False
    tokens: dict[str, float] = field(default_factory=dict)
    # The pools in the settings, and those the mining software runs (the settings' at its last start).
    pools: list[dict[str, Any]] = field(default_factory=lambda: [dict(pool) for pool in DEFAULT_POOLS])
    running_pools: list[dict[str, Any]] = field(
        default_factory=lambda: [dict(pool) for pool in DEFAULT_POOLS]
    )


class VNishSimulator(LoopbackServer):
    """One simulated Antminer on VNish; call start() to serve it on a free loopback port."""

    def __init__(
        self,
        *,
        password: str = "admin",  # noqa: S107 - VNish's factory default, which users keep surprisingly often
        serial: str | None = None,
        mac: str | None = None,
        presets_shape: str = "array",
        start_when_running_500: bool = True,
        token_ttl: float = 600.0,
        timings: Timings | None = None,
        missing_endpoints: frozenset[str] = frozenset(),
        clock: Callable[[], float] = time.monotonic,
        seed: int | None = None,
        cgminer_api: bool = False,
    ) -> None:
        """Create a miner in the mining state; cgminer_api also serves the TCP API (port 4028 on a real one)."""
        super().__init__()
        self.cgminer_api = cgminer_api
        self.cgminer_port = 0
        self._cgminer_server: asyncio.Server | None = None
        self._random = random.Random(seed)
        self.password = password
        self.serial = serial or f"JYZZ{self._random.randrange(10**8):08d}"
        self.mac = mac or ":".join(f"{self._random.randrange(256):02x}" for _ in range(6))
        self.hostname = f"antminer-{self.mac[-5:].replace(':', '')}"
        self.presets_shape = presets_shape
        self.start_when_running_500 = start_when_running_500
        self.token_ttl = token_ttl
        self.timings = timings or Timings()
        self.missing_endpoints = missing_endpoints  # e.g. {"perf-summary"} for older firmware
        # One endpoint failing while the others work: its path → the HTTP status it answers at once.
        self.broken_paths: dict[str, int] = {}
        # Paths whose replies never come (until the simulator stops or the client gives up).
        self.stuck_paths: set[str] = set()
        self.clock = clock
        self.fault = VNishFault.NONE
        # Firmware with API keys enabled: settings writes and reboot need this x-api-key (None: off).
        self.api_key: str | None = None
        self.slow_seconds = 2.0
        self.offline_until = 0.0
        self.presets = [
            Preset("disabled", 3250, 95),
            Preset("2800", 2800, 88),
            Preset("3200", 3200, 102),
            Preset("3600", 3600, 110),
            Preset("4000", 4000, 116, status="untuned"),
        ]
        self.state = VNishState(since=clock())
        self.requests: RecentLog[tuple[str, str]] = RecentLog()
        self.commands: RecentLog[str] = RecentLog()
        # Every preset a client asked for, stored or not: tests check nothing outside the limits arrived.
        self.presets_received: RecentLog[str] = RecentLog()
        # Every settings body a client posted, stored or not.
        self.settings_received: RecentLog[dict[str, Any]] = RecentLog()
        # A heat spike (a blocked air intake): added to the chip temperature the preset settles on.
        self.extra_heat_c = 0.0
        # Wall-clock arrival of each command, for benchmarks that compare with Home Assistant's clock.
        self.command_arrivals: RecentLog[tuple[float, str]] = RecentLog()

    # --- lifecycle -----------------------------------------------------------------
    async def start(self, port: int = 0) -> None:
        """Serve the web API, and the CGMiner TCP API on a free loopback port when asked for."""
        await super().start(port)
        if self.cgminer_api:
            self._cgminer_server = await asyncio.start_server(self._cgminer_connection, LOOPBACK, 0)
            self.cgminer_port = self._cgminer_server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        """Stop both APIs."""
        if self._cgminer_server is not None:
            self._cgminer_server.close()
            self._cgminer_server = None
        await super().stop()

    def build_app(self) -> web.Application:
        """Build the aiohttp application."""
        app = web.Application(middlewares=[self._middleware])
        app.router.add_get("/", self._web_page)
        api = "/api/v1/"
        app.router.add_post(api + "unlock", self._unlock)
        for path, handler in (
            ("info", self._info), ("status", self._status), ("summary", self._summary),
            ("perf-summary", self._perf_summary), ("autotune/presets", self._presets),
            ("settings", self._get_settings),
        ):  # fmt: skip
            if path not in self.missing_endpoints:
                app.router.add_get(api + path, handler)
        for command in ("start", "stop", "restart", "pause", "resume"):
            app.router.add_post(f"{api}mining/{command}", self._mining_command)
        app.router.add_post(api + "system/reboot", self._reboot)
        app.router.add_post(api + "find-miner", self._find_miner)
        app.router.add_post(api + "settings", self._post_settings)
        app.router.add_post("/_sim/fault", self._set_fault)
        return app

    # --- state machine ---------------------------------------------------------------
    def miner_state(self) -> str:
        """Advance timed transitions and return the current state."""
        state = self.state
        while state.pending and self.clock() >= state.pending.until:
            finished = state.pending
            state.pending = None
            self._enter(finished.then, at=finished.until)
        return state.state

    def _enter(self, name: str, *, at: float | None = None) -> None:
        """Switch state now (or at a past moment) and schedule what follows a transient one."""
        state = self.state
        now = self.clock() if at is None else at
        state.state, state.since = name, now
        if name == "starting":  # the mining software reads its pools when it starts
            state.running_pools = [dict(pool) for pool in state.pools]
        follow = {
            "shutting-down": (self.timings.shutting_down, "stopped"),
            "starting": (self.timings.starting, "mining"),
            "restarting": (self.timings.restarting, "starting"),
        }.get(name)
        state.pending = Transition(name, now + follow[0], follow[1]) if follow else None

    def fail(self) -> None:
        """Put the miner in the failure state (as after a hashboard fault)."""
        self._enter("failure")

    def _noisy(self, value: float, spread: float = 0.02) -> float:
        """Add measurement noise (none when steady)."""
        return round(value if self.steady else value * (1 + self._random.uniform(-spread, spread)), 2)

    def _preset(self) -> Preset:
        """Return the active preset."""
        return next(p for p in self.presets if p.name == self.state.preset)

    # --- documents -------------------------------------------------------------------
    def status_document(self) -> dict[str, Any]:
        """Build /api/v1/status."""
        state = self.miner_state()
        doc: dict[str, Any] = {
            "miner_state": state,
            "miner_state_time": int(self.clock() - self.state.since),
            "find_miner": self.state.find_miner,
            "restart_required": self.restart_required,
            "reboot_required": False,
            "unlocked": True,
        }
        if state == "failure":
            doc |= {"description": "Chain 2 lost", "failure_code": 3}
        return doc

    def summary_document(self) -> dict[str, Any]:
        """Build /api/v1/summary; the miner object is null while starting."""
        state = self.miner_state()
        if state in ("starting", "restarting"):
            return {"system": {"os": "GNU/Linux"}, "miner": None}
        hashing = state in HASHING
        preset = self._preset()
        terahash = preset.terahash if hashing else 0.0
        power = preset.watts if hashing else 18.0
        noise = self._noisy
        # Chips run hotter with the preset's power (75 °C at 3200 W).
        chip_hot = 45 + 30 * preset.watts / 3200 + self.extra_heat_c
        chip_max = [noise(chip_hot if hashing else 31) for _ in range(3)]
        board_max = [noise(62 if hashing else 30) for _ in range(3)]
        chains = [
            {
                "id": chain, "frequency": 525, "voltage": 1320 if hashing else 0,
                "power_consumption": noise(power / 3), "hashrate_ideal": terahash * 1000 / 3,
                "hashrate_rt": noise(terahash * 1000 / 3) if hashing else 0, "hr_error": 0.2,
                "hw_errors": 3, "pcb_temp": {"min": 50, "max": board_max[chain - 1]},
                "chip_temp": {"min": 60, "max": chip_max[chain - 1]},
                "status": {"state": "mining" if hashing else "stopped"},
            }
            for chain in (1, 2, 3)
        ]  # fmt: skip
        document: dict[str, Any] = {
            "system": {"os": "GNU/Linux", "miner_name": "Antminer S19"},
            "miner": {
                "miner_status": {"miner_state": state, "miner_state_time": int(self.clock() - self.state.since)},
                "miner_type": MINER_TYPE,
                "hr_realtime": noise(terahash * 1000) if hashing else 0,
                "hr_average": terahash * 1000,
                "hr_nominal": preset.terahash * 1000,
                "hr_stock": 95000,
                "power_consumption": noise(power, 0.01),
                "power_efficiency": round(power / (terahash * 1000), 4) if hashing else 0,
                "chip_temp": {"min": 60, "max": max(chip_max)},
                "pcb_temp": {"min": 50, "max": max(board_max)},
                "hw_errors": 9, "hw_errors_percent": 0.01, "devfee_percent": 2.8,
                "best_share": 123456789, "found_blocks": 0,
                "cooling": {
                    "fan_num": 4, "fan_duty": 60 if hashing else 20,
                    "fans": [{"id": i, "rpm": int(noise(5400 if hashing else 1800)), "status": "ok"} for i in range(4)],
                    "settings": {"mode": {"name": "auto"}},
                },
                "chains": chains,
                "pools": self._pools_document(hashing),
            },
        }  # fmt: skip
        # VNish 1.2.x repeats the power as a whole number under its older name (pyasic reads that one).
        document["miner"]["power_usage"] = round(document["miner"]["power_consumption"])
        return document

    @property
    def restart_required(self) -> bool:
        """Return True while the settings hold pools the mining software has not started with."""
        return self.state.pools != self.state.running_pools

    def _pools_document(self, hashing: bool) -> list[dict[str, Any]]:
        """List the running user pools (the first one active while hashing), then the firmware's fee pool."""
        pools: list[dict[str, Any]] = []
        for index, pool in enumerate(self.state.running_pools):
            first = index == 0
            pools.append(
                {"id": index, "url": STRATUM_SCHEME + pool["url"], "pool_type": "UserPool", "user": pool["user"],
                 "status": "active" if first and hashing else "working", "accepted": 1200 if first else 0,
                 "rejected": 3 if first else 0, "stale": 0, "ls_time": "0:00:12" if first else "0",
                 "ping": 40 + 15 * index}
            )  # fmt: skip
        pools.append(
            {"id": len(pools), "url": "stratum+tcp://devfee.vnish.example:3333", "pool_type": "DevFee",
             "user": "vnish.fee", "status": "working", "accepted": 30, "rejected": 0, "stale": 0,
             "ls_time": "0:03:00", "ping": 60}
        )  # fmt: skip
        return pools

    def info_document(self) -> dict[str, Any]:
        """Build /api/v1/info."""
        return {
            "miner": "Antminer S19", "model": "s19", "fw_name": "Vnish", "fw_version": FIRMWARE_VERSION,
            "build_time": "2025-03-01", "platform": "xil", "install_type": "nand", "serial": self.serial,
            "hr_measure": "GH/s",
            "system": {
                "os": "GNU/Linux", "uptime": "2 days, 3:04",
                "network_status": {"mac": self.mac, "dhcp": True, "ip": LOOPBACK, "hostname": self.hostname},
            },
        }  # fmt: skip

    def presets_document(self) -> Any:
        """Build /api/v1/autotune/presets in the configured shape."""
        presets = [preset.document() for preset in self.presets]
        return presets if self.presets_shape == "array" else {"presets": presets}

    # --- HTTP ----------------------------------------------------------------------------
    def _token_valid(self, request: web.Request) -> bool:
        """Accept "Bearer <token>" or the raw token, unexpired."""
        header = request.headers.get("Authorization", "")
        token = header.removeprefix("Bearer ").strip()
        expiry = self.state.tokens.get(token)
        return expiry is not None and self.clock() < expiry

    def expire_tokens(self) -> None:
        """Invalidate every token, as a reboot or timeout would."""
        self.state.tokens.clear()

    @web.middleware
    async def _middleware(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        """Record, inject faults, and check the token."""
        if request.path.startswith("/_sim/"):
            return await handler(request)
        self.requests.append((request.method, request.path))
        if (faulty := await self._injected_fault(request)) is not None:
            return faulty
        needs_token = request.path.startswith("/api/") and not request.path.endswith("/unlock")
        if needs_token and not self._token_valid(request):
            return web.json_response({"err": "Unauthorized"}, status=401)
        guarded = self.api_key is not None and request.method == "POST" and request.path in KEYED_PATHS
        if guarded and request.headers.get("x-api-key") != self.api_key:
            return web.json_response({"err": "Invalid API key"}, status=403)
        return await handler(request)

    async def _injected_fault(self, request: web.Request) -> web.Response | None:
        """Return the faulty reply asked for (or drop, or hang first); None to answer normally."""
        if (status := self.broken_paths.get(request.path)) is not None:
            return web.json_response({"err": f"Simulated HTTP {status}"}, status=status)
        if request.path in self.stuck_paths:
            await self.hang(None)
        if self.fault is VNishFault.OFFLINE or self.clock() < self.offline_until:
            raise self.drop_connection(request)
        if self.fault is VNishFault.SLOW:
            await self.hang(self.slow_seconds)
        if self.fault is VNishFault.HTTP_500:
            return web.json_response({"err": "Internal error"}, status=500)
        if self.fault is VNishFault.MALFORMED_JSON and request.method == "GET":
            return web.Response(text='{"miner": {"hr_realtime": 1', content_type="application/json")
        return None

    async def _unlock(self, request: web.Request) -> web.Response:
        """POST /api/v1/unlock."""
        body = await request.json()
        if body.get("pw") != self.password:
            return web.json_response({"err": "Wrong password"}, status=403)
        token = secrets.token_hex(16)
        self.state.tokens[token] = self.clock() + self.token_ttl
        return web.json_response({"token": token})

    async def _web_page(self, request: web.Request) -> web.Response:
        """GET /: the web UI's shell (no token needed), titled as VNish's UI is (pyasic looks for it)."""
        return web.Response(text=WEB_PAGE, content_type="text/html")

    async def _info(self, request: web.Request) -> web.Response:
        return web.json_response(self.info_document())

    async def _status(self, request: web.Request) -> web.Response:
        return web.json_response(self.status_document())

    async def _summary(self, request: web.Request) -> web.Response:
        return web.json_response(self.summary_document())

    async def _perf_summary(self, request: web.Request) -> web.Response:
        preset = self._preset().document()
        return web.json_response({"current_preset": {**preset, "globals": {"volt": 1320, "freq": 525}}})

    async def _presets(self, request: web.Request) -> web.Response:
        return web.json_response(self.presets_document())

    async def _get_settings(self, request: web.Request) -> web.Response:
        pools = [dict(pool) for pool in self.state.pools]
        return web.json_response({"miner": {"overclock": {"preset": self.state.preset}, "pools": pools}})

    async def _mining_command(self, request: web.Request) -> web.Response:
        """POST /api/v1/mining/<command>: drive the state machine like the firmware."""
        command = request.path.rsplit("/", 1)[1]
        self.commands.append(command)
        self.command_arrivals.append((time.time(), command))
        state = self.miner_state()
        running = state not in ("stopped", "shutting-down", "failure")
        if command in ("start", "resume"):
            if running and self.start_when_running_500:
                return web.json_response({"err": "CGMiner err: already running"}, status=500)
            if state == "shutting-down":
                return web.json_response({"err": "CGMiner err: busy"}, status=409)
            if not running:
                self._enter("starting")
        elif command in ("stop", "pause"):
            if not running and state != "failure":
                return web.json_response({"err": "CGMiner err: not running"}, status=500)
            self._enter("shutting-down")
        else:
            self._enter("restarting")
        return web.Response(status=200)

    async def _reboot(self, request: web.Request) -> web.Response:
        """POST /api/v1/system/reboot: gone for a while, tokens lost, then starting."""
        self.commands.append("reboot")
        self.offline_until = self.clock() + self.timings.reboot
        self.expire_tokens()
        self._enter("starting", at=self.offline_until)
        return web.Response(status=200)

    async def _find_miner(self, request: web.Request) -> web.Response:
        """POST /api/v1/find-miner: toggle the locate LED."""
        self.state.find_miner = not self.state.find_miner
        return web.json_response({"on": self.state.find_miner})

    async def _post_settings(self, request: web.Request) -> web.Response:
        """POST /api/v1/settings: pools as a whole list, only known presets; the reply never says what was stored."""
        body = await request.json()
        self.settings_received.append(body)
        miner = body.get("miner", {})
        if "pools" in miner and (problem := self._store_pools(miner["pools"])) is not None:
            return web.json_response({"err": problem}, status=400)
        if "overclock" in miner:
            preset = miner["overclock"].get("preset")
            self.presets_received.append(str(preset))
            if preset in {p.name for p in self.presets}:
                self.state.preset = preset
        return web.json_response({"restart_required": self.restart_required, "reboot_required": False})

    def _store_pools(self, pools: Any) -> str | None:
        """Store a whole pool list in priority order, or return why the firmware refuses it."""
        if not isinstance(pools, list) or len(pools) > MAX_POOLS:
            return f"pools must be a list of at most {MAX_POOLS}"
        stored = []
        for order, pool in enumerate(pools):
            url = pool.get("url") if isinstance(pool, dict) else None
            if not isinstance(url, str) or not url or "://" in url:
                return f"invalid pool url: {url!r}"
            stored.append(
                {"url": url, "user": str(pool.get("user", "")), "pass": str(pool.get("pass", "")),
                 "order": int(pool.get("order", order))}
            )  # fmt: skip
        self.state.pools = sorted(stored, key=lambda pool: pool["order"])
        return None

    # --- CGMiner TCP API ------------------------------------------------------------------
    async def _cgminer_connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Answer one JSON request, then close: the CGMiner API's one request per connection."""
        try:
            request = await _read_json_request(reader)
            await self.wait_before_reply()
            if (
                request is not None
                and self.fault is not VNishFault.OFFLINE
                and self.clock() >= self.offline_until
            ):
                writer.write(
                    json.dumps(self.cgminer_reply(str(request.get("command", "")))).encode() + b"\x00"
                )
                await writer.drain()
        except (DeviceDown, ConnectionError):
            pass
        finally:
            writer.close()

    def cgminer_reply(self, command: str) -> dict[str, Any]:
        """Answer a command; "a+b" answers each under its name, as CGMiner does."""
        if "+" not in command:
            return self._cgminer_single(command)
        return {name: [self._cgminer_single(name)] for name in command.split("+")} | {"id": 1}

    def _cgminer_single(self, command: str) -> dict[str, Any]:
        """Answer one CGMiner command like VNish's bmminer (unknown ones with an error status)."""
        documents = {
            "version": self._cg_version, "devdetails": self._cg_devdetails, "summary": self._cg_summary,
            "stats": self._cg_stats, "pools": self._cg_pools,
        }  # fmt: skip
        build = documents.get(command)
        if build is None:
            return {"STATUS": [_cg_status("E", 14, "Invalid command")], "id": 1}
        return build()

    def _cg_version(self) -> dict[str, Any]:
        """Reply to version: VNish names itself here, without the model (that is in stats)."""
        return {
            "STATUS": [_cg_status("S", 22, "BMMiner versions")],
            "VERSION": [{"BMMiner": "1.0.0", "API": "3.1", "Miner": f"Vnish {FIRMWARE_VERSION}",
                         "CompileTime": "Sat Mar 1 12:00:00 CST 2025", "Type": f"Vnish {FIRMWARE_VERSION}"}],
            "id": 1,
        }  # fmt: skip

    def _cg_devdetails(self) -> dict[str, Any]:
        """Reply to devdetails: one entry per hashboard."""
        details = [{"DEVDETAILS": i, "Name": "BC50", "ID": i, "Driver": "bitmain", "Kernel": "", "Model": ""}
                   for i in range(3)]  # fmt: skip
        return {"STATUS": [_cg_status("S", 69, "Device Details")], "DEVDETAILS": details, "id": 1}

    def _cg_summary(self) -> dict[str, Any]:
        """Reply to summary: hashrate in GH/s, from the same state as the web API."""
        miner = self.summary_document().get("miner") or {}
        elapsed = int(self.clock() - self.state.since)
        return {
            "STATUS": [_cg_status("S", 11, "Summary")],
            "SUMMARY": [{"Elapsed": elapsed, "GHS 5s": miner.get("hr_realtime", 0), "GHS av": miner.get("hr_average", 0),
                         "Accepted": 1200, "Rejected": 3, "Hardware Errors": 9, "Best Share": 123456789}],
            "id": 1,
        }  # fmt: skip

    def _cg_stats(self) -> dict[str, Any]:
        """Reply to stats: STATS[0] names the model and firmware, STATS[1] holds chains and fans."""
        miner = self.summary_document().get("miner") or {}
        chains = miner.get("chains", [])
        board: dict[str, Any] = {"STATS": 0, "ID": "BC50", "Elapsed": int(self.clock() - self.state.since),
                                 "fan_num": 4, "temp_num": len(chains), "total_rateideal": miner.get("hr_nominal", 0),
                                 "rate_unit": "GH", "miner_count": len(chains)}  # fmt: skip
        for index, fan in enumerate(miner.get("cooling", {}).get("fans", []), start=1):
            board[f"fan{index}"] = fan["rpm"]
        for chain in chains:
            slot = chain["id"]
            board |= {f"chain_acn{slot}": 76, f"chain_acs{slot}": "o" * 76, f"chain_rate{slot}": chain["hashrate_rt"],
                      f"temp{slot}": chain["pcb_temp"]["max"], f"temp2_{slot}": chain["chip_temp"]["max"]}  # fmt: skip
        model = {
            "BMMiner": "1.0.0",
            "Miner": f"Vnish {FIRMWARE_VERSION}",
            "CompileTime": "2025-03-01",
            "Type": MINER_TYPE,
        }
        return {"STATUS": [_cg_status("S", 70, "BMMiner stats")], "STATS": [model, board], "id": 1}

    def _cg_pools(self) -> dict[str, Any]:
        """Reply to pools: the user pools the mining software runs."""
        hashing = self.miner_state() in HASHING
        pools = [
            {"POOL": index, "URL": STRATUM_SCHEME + pool["url"], "Status": "Alive", "Priority": index,
             "Stratum Active": index == 0 and hashing, "User": pool["user"], "Accepted": 1200 if index == 0 else 0,
             "Rejected": 3 if index == 0 else 0, "Get Failures": 0, "Remote Failures": 0}
            for index, pool in enumerate(self.state.running_pools)
        ]  # fmt: skip
        return {"STATUS": [_cg_status("S", 7, f"{len(pools)} Pool(s)")], "POOLS": pools, "id": 1}

    async def _set_fault(self, request: web.Request) -> web.Response:
        """POST /_sim/fault {"fault": "slow"}, {"failure": true} or {"heat": 15} (0 ends a heat spike)."""
        body = await request.json()
        if "heat" in body:
            self.extra_heat_c = float(body["heat"])
        self.fault = VNishFault(body.get("fault", "none"))
        if body.get("failure"):
            self.fail()
        return web.json_response({"fault": str(self.fault)})


def _cg_status(status: str, code: int, message: str) -> dict[str, Any]:
    """Build a CGMiner STATUS entry."""
    return {
        "STATUS": status,
        "When": int(time.time()),
        "Code": code,
        "Msg": message,
        "Description": "bmminer 1.0.0",
    }


async def _read_json_request(reader: asyncio.StreamReader, limit: int = 4096) -> dict[str, Any] | None:
    """Read until the bytes form one JSON object (clients do not close their side); None if they never do."""
    data = b""
    while len(data) < limit and (chunk := await reader.read(limit)):
        data += chunk
        try:
            request = json.loads(data.rstrip(b"\x00\n"))
        except ValueError:
            continue
        return request if isinstance(request, dict) else None
    return None


async def _main(args: argparse.Namespace) -> None:
    """Run simulators until interrupted."""
    for index in range(args.count):
        miner = VNishSimulator(password=args.password, seed=index)
        await miner.start(args.port + index if args.port else 0)
        print(json.dumps({"host": miner.host, "serial": miner.serial, "mac": miner.mac}), flush=True)
    await asyncio.Event().wait()


def main() -> None:
    """Command-line entry: python -m simulators.vnish --count 2."""
    parser = argparse.ArgumentParser(description="Simulated VNish Antminers on 127.0.0.1")
    parser.add_argument("--count", type=int, default=1)
    parser.add_argument("--password", default="admin")
    parser.add_argument("--port", type=int, default=0, help="first port (0 = any free port)")
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_main(parser.parse_args()))


if __name__ == "__main__":
    main()
