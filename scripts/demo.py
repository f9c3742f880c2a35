"""Run simulated Bitaxes and Antminers and a real Home Assistant 2025.4.4 on 127.0.0.1 with them added.

Every kind appears: the miners and a pool account are added through the config flow, the fleet
overview is confirmed from Discovered as a user would, the two Gammas get day and night profiles
and follow a night-tariff schedule through the Time-of-use blueprint, and two watched rigs are
added: a HiveOS rig known only as a pool worker on a simulated Kasa strip outlet (found by
discovery sent to 127.0.0.1), and the first Bitaxe behind a simulated Kasa plug. A hang is triggered from the command line
(the demo prints the curl line) so the whole watchdog loop can be watched in the UI. Two Antspace
containers hold miners, and a subnet-89 auction on the project's fake chain (a block every 0.5 s,
so a window every 30 s) bids the Antminers' hashrate and routes what it wins to them, window by
window: the validators' cap alternates, so one window is won and the next lost.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
import json
from pathlib import Path
import re
import secrets
import signal
import sys
import time
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from aiohttp import web

from custom_components.mining_fleet.logic.auction import epoch_start, window_for_block
from scripts.hass_runner import ROOT, USERNAME, HassApi, free_port, running_home_assistant
from simulators import pools
from simulators.antspace import AntspaceSimulator
from simulators.axeos import AxeOSSimulator
from simulators.kasa import KasaSimulator, load_fixture
from simulators.pools import PoolSimulator, SimWorker
from simulators.rig import PoweredRig
from simulators.server import LOOPBACK
from simulators.subtensor import DEMO, FakeChain, SubtensorSimulator, apply_scenario
from simulators.vnish import VNishSimulator

BITAXES = (("2.9", "ultra"), ("2.12", "supra"), ("2.15", "gamma"), ("2.15", "gamma"))
ANTMINERS = 2
MINER_SENSOR = re.compile(r"^sensor\.(bitaxe|antminer)_[0-9a-f]+_(hashrate|power)$")
VNISH_PASSWORD = "admin"  # noqa: S105 - the simulated miners' factory default
HIVE_WORKER = "hiveos-rig"
# The seed scheduler's periods, and profiles in its spirit: gentler by day, harder on cheap night power.
DAY_START, NIGHT_START = 7.5, 20.0
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
DEMO_PROFILES = {
    "day": {"core_voltage_mv": "1100", "frequency_mhz": "490"},
    "night": {"core_voltage_mv": "1200", "frequency_mhz": "600"},
}
# Slow enough to watch the select's "step k of N" in the UI.
DEMO_TRANSITION = {"steps": 4, "step_delay": 10}
# Short times so a newcomer sees the whole loop in minutes (the seed's defaults are 10 / 10 / 3 / 3).
DEMO_WATCH = {"time_until_offline": 2, "cooldown": 3, "max_consecutive_restarts": 3, "power_off_seconds": 3}


async def start_fleet() -> tuple[list[AxeOSSimulator], list[VNishSimulator]]:
    """Start the simulated miners on free loopback ports."""
    bitaxes = [AxeOSSimulator(firmware, board, seed=index) for index, (firmware, board) in enumerate(BITAXES)]
    antminers = [VNishSimulator(password=VNISH_PASSWORD, seed=100 + index) for index in range(ANTMINERS)]
    for miner in [*bitaxes, *antminers]:
        await miner.start()
    return bitaxes, antminers


async def add_fleet(
    api: HassApi, bitaxes: list[AxeOSSimulator], antminers: list[VNishSimulator]
) -> tuple[dict[str, AxeOSSimulator], list[str]]:
    """Add every miner through the integration's real config flow; return the Gammas by entry id and the Antminers' names."""
    gammas, antminer_names = {}, []
    for bitaxe in bitaxes:
        entry = await api.add_entry([{"next_step_id": "bitaxe"}, {"host": bitaxe.host}])
        print(
            f"added {entry['title']} (AxeOS {bitaxe.firmware}, {bitaxe.board.device_model}) at {bitaxe.host}"
        )
        if bitaxe.board.device_model == "Gamma":
            gammas[entry["result"]["entry_id"]] = bitaxe
    for antminer in antminers:
        steps = [{"next_step_id": "vnish"}, {"host": antminer.host, "password": VNISH_PASSWORD}]
        entry = await api.add_entry(steps)
        print(f"added {entry['title']} (VNish, serial {antminer.serial}) at {antminer.host}")
        antminer_names.append(entry["title"])
    return gammas, antminer_names


def current_period(hour: float) -> str:
    """Return the profile the night-tariff schedule asks for at an hour of the day (UTC in the demo)."""
    return "night" if hour >= NIGHT_START or hour < DAY_START else "day"


def schedule_yaml() -> str:
    """Return the night-tariff schedule helper: 20:00 to 07:30 every day."""
    night = '[{from: "00:00:00", to: "07:30:00"}, {from: "20:00:00", to: "23:59:59"}]'
    days = "\n".join(f"    {day}: {night}" for day in WEEKDAYS)
    return f"schedule:\n  night_tariff:\n    name: Night tariff\n{days}\n"


async def wait_loaded(api: HassApi, entry_id: str, limit_seconds: float = 30) -> None:
    """Wait until an entry (reloading after new options) is loaded again."""
    for _ in range(int(limit_seconds * 10)):
        entries = await api.get("/api/config/config_entries/entry")
        if any(e["entry_id"] == entry_id and e["state"] == "loaded" for e in entries):
            return
        await asyncio.sleep(0.1)
    raise RuntimeError(f"entry {entry_id} did not load again")


def _suggested(form: dict[str, Any]) -> dict[str, Any]:
    """Return the values a form suggests, as its fields hold them."""
    return {
        field["name"]: field["description"]["suggested_value"]
        for field in form["data_schema"]
        if field.get("description", {}).get("suggested_value") is not None
    }


async def set_profiles(api: HassApi, gammas: dict[str, AxeOSSimulator]) -> None:
    """Give each Gamma a day and a night profile and a slow transition, then ramp to the current period."""
    for entry_id, bitaxe in gammas.items():
        for name, settings in DEMO_PROFILES.items():
            await wait_loaded(api, entry_id)
            await api.configure_entry(entry_id, [{"next_step_id": "profiles"}, {"profile": name}, settings])
        await wait_loaded(api, entry_id)
        await api.configure_entry(
            entry_id, [{"next_step_id": "limits"}, lambda form: {**_suggested(form), **DEMO_TRANSITION}]
        )
        await wait_loaded(api, entry_id)
        print(
            f"{bitaxe.state.hostname}: profiles {DEMO_PROFILES}, {DEMO_TRANSITION['steps']} steps per change"
        )


async def start_pool(bitaxes: list[AxeOSSimulator]) -> PoolSimulator:
    """Start the simulated pool: the Bitaxes' workers, and a rig known only to the pool (no API)."""
    workers = {bitaxe.state.hostname: SimWorker(1.0) for bitaxe in bitaxes}
    pool = PoolSimulator(workers={**workers, HIVE_WORKER: SimWorker(95.0)})
    await pool.start()
    return pool


async def add_pool(api: HassApi, pool: PoolSimulator) -> None:
    """Add the simulated CKPool account through the config flow."""
    fields = {"address": pools.ADDRESS, "base_url": f"http://{pool.host}"}
    entry = await api.add_entry([{"next_step_id": "pool"}, {"pool": "ckpool"}, fields])
    print(f"added {entry['title']} (simulated CKPool, {len(pool.workers)} workers) at {pool.host}")


async def start_outlets(bitaxe: AxeOSSimulator, pool: PoolSimulator) -> dict[str, PoweredRig]:
    """Start a Kasa strip powering the HiveOS rig (outlet 1) and a plug powering the first Bitaxe."""
    strip, plug = (
        KasaSimulator(load_fixture("HS300(US)_2.0_1.0.12.json")),
        KasaSimulator(load_fixture("HS110(EU)_1.0_1.2.5.json")),
    )
    for outlet in (strip, plug):
        await outlet.start()
    first_outlet = strip.children[0]["id"] if strip.children else None
    return {
        HIVE_WORKER: PoweredRig(strip, child=first_outlet, pool=pool, worker=HIVE_WORKER),
        bitaxe.state.hostname: PoweredRig(plug, miner=bitaxe, pool=pool, worker=bitaxe.state.hostname),
    }


def _option(form: dict[str, Any], field: str, ending: str) -> str:
    """Return the value of the option of a select field whose value or label ends with `ending`."""
    (schema,) = [item for item in form["data_schema"] if item["name"] == field]
    options = schema["selector"]["select"]["options"]
    return str(
        next(o["value"] for o in options if o["value"].endswith(ending) or o["label"].endswith(ending))
    )


async def add_rigs(api: HassApi, rigs: dict[str, PoweredRig], bitaxe: AxeOSSimulator) -> None:
    """Add both watched rigs through the config flow, as a user would."""
    hive = rigs[HIVE_WORKER]
    await api.add_entry(
        [
            {"next_step_id": "watchdog"},
            lambda form: {"worker": _option(form, "worker", f"/{HIVE_WORKER}")},
            {"next_step_id": "outlet_discover"},
            {"target": LOOPBACK, "port": hive.outlet.port},  # never a broadcast in the demo
            {"outlet_choice": "0"},
            {"name": "HiveOS rig", **DEMO_WATCH},
        ]
    )
    print(
        f"added the watched rig HiveOS rig (pool worker {HIVE_WORKER}, Kasa strip outlet 1 at {hive.outlet.port})"
    )
    plug = rigs[bitaxe.state.hostname].outlet
    await api.add_entry(
        [
            {"next_step_id": "watchdog"},
            lambda form: {
                "miner": _option(form, "miner", bitaxe.state.hostname),
                "worker": _option(form, "worker", f"/{bitaxe.state.hostname}"),
            },
            {"next_step_id": "outlet_host"},
            {"host": LOOPBACK, "port": plug.port},
            {"name": "Bitaxe rig", **DEMO_WATCH},
        ],
        outcome="abort",  # the rig joins the watchdog entry made with the first one
    )
    print(f"added the watched rig Bitaxe rig ({bitaxe.state.hostname} on a Kasa plug at {plug.port})")


async def start_hang_control(rigs: dict[str, PoweredRig]) -> web.AppRunner:
    """Serve POST /hang/<rig> on loopback, so a hang can be triggered from the command line."""

    async def hang(request: web.Request) -> web.Response:
        rig = rigs.get(request.match_info["rig"])
        if rig is None:
            raise web.HTTPNotFound(text=f"rigs: {', '.join(rigs)}\n")
        rig.hang(api_dead=request.query.get("api") != "alive")
        return web.Response(text=f"{request.match_info['rig']} hangs; the watchdog acts after 2 minutes\n")

    app = web.Application()
    app.router.add_post("/hang/{rig}", hang)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, LOOPBACK, free_port()).start()
    return runner


def hang_command(runner: web.AppRunner, rig: str) -> str:
    """Return the curl line that hangs a rig."""
    (site,) = runner.sites
    return f"curl -X POST {site.name}/hang/{rig}"


async def accept_fleet_overview(api: HassApi, limit_seconds: float = 15) -> None:
    """Confirm the fleet overview Home Assistant offers under Discovered once there are two miners."""
    flows = "/api/config/config_entries/flow"
    for _ in range(int(limit_seconds * 2)):
        offers = [
            flow
            for flow in await api.websocket({"type": "config_entries/flow/progress"})
            if flow["handler"] == "mining_fleet" and flow["context"].get("source") == "integration_discovery"
        ]
        if offers:
            result = await api.post(f"{flows}/{offers[0]['flow_id']}", {})
            print(f"added {result['title']} (offered under Discovered, confirmed)")
            return
        await asyncio.sleep(0.5)
    raise RuntimeError("Home Assistant did not offer the fleet overview")


def miner_sums(states: dict[str, str]) -> tuple[float, float]:
    """Return the miners' total hashrate (TH/s) and power (W) from their own sensors."""
    hashrate = power = 0.0
    for entity_id, state in states.items():
        if not (match := MINER_SENSOR.match(entity_id)):
            continue
        kind, sensor = match.groups()
        if sensor == "power":
            power += float(state)
        elif kind == "antminer":
            hashrate += float(state)
        else:  # the fleet counts a Bitaxe's 1-minute average (GH/s) where the firmware reports one
            hashrate += float(states.get(f"{entity_id}_1_minute", state)) / 1000
    return hashrate, power


async def check_totals(api: HassApi) -> bool:
    """Compare the fleet device's totals with the sum of the miners' sensors, all from one read."""
    states = {s["entity_id"]: s["state"] for s in await api.get("/api/states")}
    hashrate, power = miner_sums(states)
    fleet_hashrate = float(states["sensor.mining_fleet_total_hashrate"])
    fleet_power = float(states["sensor.mining_fleet_power"])
    print(
        f"fleet: {fleet_hashrate:.3f} TH/s, {fleet_power:.1f} W, "
        f"{states['sensor.mining_fleet_miners_online']}/{states['sensor.mining_fleet_miners']} online; "
        f"sum of the miners' sensors: {hashrate:.3f} TH/s, {power:.1f} W"
    )
    # Miners poll at different moments and the totals are recomputed at most every 5 s.
    return abs(fleet_hashrate - hashrate) <= 0.02 * hashrate and abs(fleet_power - power) <= 0.02 * power


async def read_states(api: HassApi) -> dict[str, str]:
    """Return entity_id → state for the miners' sensors."""
    states = await api.get("/api/states")
    return {
        s["entity_id"]: s["state"]
        for s in states
        if s["entity_id"].startswith(("sensor.bitaxe", "sensor.antminer"))
    }


async def check_live(api: HassApi) -> int:
    """Read the sensors twice, 20 s apart (more than one poll), and report what changed."""
    await asyncio.sleep(5)
    first = await read_states(api)
    await asyncio.sleep(20)
    second = await read_states(api)
    changed = sorted(e for e in second if first.get(e) != second[e])
    print(f"{len(second)} miner sensors; {len(changed)} changed between two reads 20 s apart")
    for entity_id in [e for e in changed if e.endswith(("_hashrate", "_power"))][:10]:
        print(f"  {entity_id}: {first.get(entity_id)} -> {second[entity_id]}")
    unavailable = [e for e, state in second.items() if state == "unavailable"]
    ok = bool(changed) and not unavailable and await check_totals(api)
    print("demo check:", "ok" if ok else f"FAILED (unavailable: {unavailable})")
    return 0 if ok else 1


async def start_containers() -> list[AntspaceSimulator]:
    """Start a simulated HK3 hydro and an Immersion container."""
    containers = [AntspaceSimulator("hk3", seed=1), AntspaceSimulator("immersion", seed=2)]
    for container in containers:
        await container.start()
    return containers


async def add_containers(
    api: HassApi, containers: list[AntspaceSimulator], inside: dict[str, list[str]]
) -> dict[str, str]:
    """Add the containers through the config flow and name the miners inside; return entry ids by model."""
    entries = {}
    for container in containers:
        result = await api.add_entry(
            [{"next_step_id": "antspace"}, {"host": LOOPBACK, "port": container.port}, {}]
        )
        entry_id = result["result"]["entry_id"]
        await wait_loaded(api, entry_id)
        names = inside[container.model]

        def choose(form: dict[str, Any], names: list[str] = names) -> dict[str, Any]:
            (field,) = [item for item in form["data_schema"] if item["name"] == "miners"]
            options = field["selector"]["select"]["options"]
            return {**_suggested(form), "miners": [o["value"] for o in options if o["label"] in names]}

        await api.configure_entry(entry_id, [choose])
        entries[container.model] = entry_id
        print(f"added {result['title']} (simulated, {container.host}); miners inside: {', '.join(names)}")
    return entries


async def add_alert_response(api: HassApi) -> str:
    """Create an automation from the Cooling container alert response blueprint for the HK3; return its status sensor."""
    status = "sensor.antspace_hk3_hydro_127_0_0_1_status"
    container = await api.render(f"{{{{ device_id('{status}') }}}}")
    automation = {
        "alias": "Protect the HK3's miners",
        "description": "Created by the demo from the Cooling container alert response blueprint.",
        "use_blueprint": {
            "path": "mining_fleet/cooling_container_alert.yaml",
            "input": {"container": container, "critical_action": "stop", "auto_restart": True},
        },
    }
    await api.post("/api/config/automation/config/demo_cooling_alert", automation)
    print("added the automation Protect the HK3's miners (blueprint Cooling container alert response)")
    return status


# A well-known public development address (Alice): the fake chain needs no key, the wallet only this.
AUCTION_HOTKEY = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY"
AUCTION_NETUID = 89
CHAIN_BLOCK_MS = 500
SUBNET_POOL_HOST = "stratum.infinitehash.xyz"


def alternate_caps(chain: FakeChain) -> None:
    """Ten blocks before each window, have the validators publish a cap that wins the window or loses it."""

    def before_window(head: int) -> None:
        index, _, end = window_for_block(head, epoch_start(head, AUCTION_NETUID, 360))
        if end - head != 10:
            return
        cap = "0.4" if index % 2 else "0.000001"  # 133 PH for everyone, or less than one worker
        for validator in [
            c.hotkey for c in chain.commitments_at(AUCTION_NETUID, head) if c.data[:4] == b"1;p;"
        ]:
            chain.commit_prices(
                AUCTION_NETUID, validator, alpha_tao="0.25", hashp_usdc="50", tao_usdc="45", cap=cap
            )

    chain.add_listener(before_window)


async def start_chain(block_ms: int = CHAIN_BLOCK_MS) -> SubtensorSimulator:
    """Start the fake chain with the demo's validators and bidders, and our hotkey registered."""
    # Block times as if the head were made now (12 s apart in chain time, whatever the demo's pace).
    head = 7_500_000
    chain = FakeChain(start_block=head, genesis_ms=int(time.time() * 1000) - 12_000 * head)
    apply_scenario(chain, DEMO)
    chain.register_neuron(AUCTION_NETUID, AUCTION_HOTKEY)
    alternate_caps(chain)
    simulator = SubtensorSimulator(chain, block_ms=block_ms)
    await simulator.start()
    return simulator


def write_wallet(config_dir: Path) -> Path:
    """Write a wallet whose hotkey file holds only the public address (the fake chain signs nothing)."""
    hotkeys = config_dir / "bittensor-wallets" / "demo" / "hotkeys"
    hotkeys.mkdir(parents=True, exist_ok=True)
    (hotkeys / "default").write_text(json.dumps({"ss58Address": AUCTION_HOTKEY}))
    return config_dir / "bittensor-wallets"


async def add_auction(
    api: HassApi, chain: SubtensorSimulator, config_dir: Path, chosen: Callable[[dict[str, str]], bool]
) -> None:
    """Add the auction through the config flow: bid the chosen miners' rated hashrate and route wins to them."""
    chain_step = {
        "network": chain.url,
        "netuid": AUCTION_NETUID,
        "wallet_path": str(write_wallet(config_dir)),
        "wallet_name": "demo",
        "hotkey": "default",
    }

    bidders: list[str] = []

    def bid(form: dict[str, Any]) -> dict[str, Any]:
        (field,) = [item for item in form["data_schema"] if item["name"] == "miners"]
        bidders.extend(option["value"] for option in field["selector"]["select"]["options"] if chosen(option))
        return {"price": 1.0, "bid_source": "miners", "miners": bidders, "routing": "miners"}

    result = await api.add_entry([{"next_step_id": "auction"}, chain_step, bid])
    print(
        f"added {result['title']} on the fake chain at {chain.url}: bids {len(bidders)} miners, routes wins to them"
    )


async def check_auction(antminers: list[VNishSimulator], limit_seconds: float = 120) -> bool:
    """See the Antminers move to the subnet's pool in a won window and back home in a lost one."""
    history: list[bool] = []
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit_seconds
    while loop.time() < deadline and history[-2:] != [True, False]:
        routed = all(SUBNET_POOL_HOST in miner.state.pools[0]["url"] for miner in antminers)
        if not history or history[-1] != routed:
            history.append(routed)
        await asyncio.sleep(0.5)
    print(f"the auction's routing, window by window (True: the Antminers mine for the subnet): {history}")
    return history[-2:] == [True, False]


async def check_container(
    api: HassApi, hk3: AntspaceSimulator, status: str, antminers: list[VNishSimulator]
) -> bool:
    """Raise a leak in the HK3 and see the alert and the Antminers inside stopped by the blueprint."""
    hk3.raise_fault("leakage_fault")
    await api.post("/api/services/homeassistant/update_entity", {"entity_id": status})
    for _ in range(60):
        if all(miner.miner_state() == "stopped" for miner in antminers):
            break
        await asyncio.sleep(0.5)
    alerts = (await api.get(f"/api/states/{status.replace('_status', '_active_alerts')}"))["state"]
    stopped = [miner.miner_state() for miner in antminers]
    hk3.clear_fault("leakage_fault")
    print(f"a leak in the HK3: {alerts} active alert, the Antminers inside are {stopped}")
    return alerts == "1" and stopped == ["stopped", "stopped"]


def fault_commands(containers: list[AntspaceSimulator]) -> list[str]:
    """Return the curl lines that raise and clear a leak in each container."""
    return [
        f'curl -X POST http://{container.host}/_sim/fault -d \'{{"{verb}": "leakage_fault"}}\''
        for container in containers
        for verb in ("raise", "clear")
    ]


def _selects(gammas: dict[str, AxeOSSimulator]) -> list[str]:
    """Return the Gammas' tuning profile selects."""
    return [f"select.{bitaxe.state.hostname.replace('-', '_')}_tuning_profile" for bitaxe in gammas.values()]


async def add_time_of_use(api: HassApi, gammas: dict[str, AxeOSSimulator]) -> None:
    """Create a Time-of-use automation from the shipped blueprint: the Gammas follow the night tariff."""
    devices = [await api.render(f"{{{{ device_id('{select}') }}}}") for select in _selects(gammas)]
    automation = {
        "alias": "Gammas follow the night tariff",
        "description": "Created by the demo from the Time-of-use miner tuning blueprint.",
        "use_blueprint": {
            "path": "mining_fleet/time_of_use_tuning.yaml",
            "input": {
                "miners": devices,
                "period_entity": "schedule.night_tariff",
                "day_state": "off",  # the schedule is on during the night tariff
            },
        },
    }
    await api.post("/api/config/automation/config/demo_time_of_use", automation)
    print("added the automation Gammas follow the night tariff (blueprint Time-of-use miner tuning)")


async def ramp_to_current_period(api: HassApi, gammas: dict[str, AxeOSSimulator]) -> str:
    """Apply the profile of the current period to the Gammas, a step every 10 s; return the profile."""
    now = datetime.now(UTC)
    period = current_period(now.hour + now.minute / 60)
    print(
        f"ramping the Gammas to {period} ({DEMO_TRANSITION['steps']} steps, {DEMO_TRANSITION['step_delay']} s apart)"
    )
    await api.post(
        "/api/services/mining_fleet/apply_profile", {"entity_id": _selects(gammas), "profile": period}
    )
    return period


async def check_tuning(ramp: asyncio.Task[str], gammas: dict[str, AxeOSSimulator]) -> bool:
    """Wait for the ramp and check each Gamma runs the profile's settings."""
    period = await ramp
    wanted = DEMO_PROFILES[period]
    points = [(b.state.core_voltage, round(b.state.frequency)) for b in gammas.values()]
    expected = (int(wanted["core_voltage_mv"]), int(wanted["frequency_mhz"]))
    print(f"the Gammas ramped to {period}: {points}")
    return all(point == expected for point in points)


async def check_watchdog(api: HassApi, rigs: dict[str, PoweredRig]) -> bool:
    """Power-cycle the HiveOS rig through the service and see its strip outlet go off and on again."""
    states = {s["entity_id"]: s["state"] for s in await api.get("/api/states")}
    watching = [states.get(f"sensor.{rig}_watchdog") for rig in ("hiveos_rig", "bitaxe_rig")]
    outlet = rigs[HIVE_WORKER].outlet
    await api.post("/api/services/mining_fleet/power_cycle", {"entity_id": "button.hiveos_rig_power_cycle"})
    await asyncio.sleep(DEMO_WATCH["power_off_seconds"] + 2)
    switched = [command["state"] for command in outlet.commands]
    print(f"watched rigs: {watching}; the HiveOS rig's outlet was switched {switched} by a power cycle")
    return watching == ["watching", "watching"] and switched == [0, 1]


async def run(args: argparse.Namespace) -> int:
    """Start everything, print how to log in, and wait for Ctrl-C (or check and exit)."""
    config_dir = Path(args.config_dir).resolve()
    port = args.port or free_port()
    password = args.password or secrets.token_urlsafe(9)
    bitaxes, antminers = await start_fleet()
    pool = await start_pool(bitaxes)
    rigs = await start_outlets(bitaxes[0], pool)
    control = await start_hang_control(rigs)
    containers = await start_containers()
    chain = await start_chain()
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set)
    try:
        async with running_home_assistant(config_dir, port, password, schedule_yaml()) as api:
            gammas, antminer_names = await add_fleet(api, bitaxes, antminers)
            await add_pool(api, pool)
            await accept_fleet_overview(api)
            await add_rigs(api, rigs, bitaxes[0])
            await set_profiles(api, gammas)
            await add_time_of_use(api, gammas)
            # Hydro Antminers in the HK3; the Ultra and the Supra stand in for immersion rigs.
            inside = {"hk3": antminer_names, "immersion": [b.state.hostname for b in bitaxes[:2]]}
            await add_containers(api, containers, inside)
            hk3_status = await add_alert_response(api)
            await add_auction(api, chain, config_dir, lambda option: option["label"] in antminer_names)
            # What the automation does when Home Assistant starts; it was added after the start.
            ramp = asyncio.create_task(ramp_to_current_period(api, gammas))
            print(
                f"\nHome Assistant: {api.base}\nlogin: {USERNAME} / {password}\nlog: {config_dir / 'hass.out'}"
            )
            print("hang a watched rig (the watchdog power-cycles it 2 minutes later):")
            for rig in rigs:
                print(f"  {hang_command(control, rig)}")
            print("raise or clear a leak in a cooling container (the next poll, within 30 s, shows it):")
            for command in fault_commands(containers):
                print(f"  {command}")
            print(f"the auction's fake chain: {chain.url} (a window every {60 * CHAIN_BLOCK_MS // 1000} s)")
            if args.check:
                live = await check_live(api)
                if live:
                    return live
                tuned = await check_tuning(ramp, gammas)
                auctioned = await check_auction(antminers)  # before the leak stops the Antminers
                cooled = await check_container(api, containers[0], hk3_status, antminers)
                return 0 if await check_watchdog(api, rigs) and tuned and auctioned and cooled else 1
            print("Ctrl-C stops the miners and Home Assistant.", flush=True)
            await stop.wait()
    finally:
        await control.cleanup()
        for server in [*bitaxes, *antminers, pool, *containers, chain]:
            await server.stop()
        for powered in rigs.values():
            await powered.outlet.stop()
    return 0


def main() -> None:
    """Parse arguments and run."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--port", type=int, default=8123, help="Home Assistant port on 127.0.0.1 (0 = any free)"
    )
    parser.add_argument("--password", help="owner password (default: random, printed)")
    parser.add_argument("--config-dir", default=str(ROOT / ".demo" / "config"))
    parser.add_argument("--check", action="store_true", help="verify live values over REST, then exit")
    sys.exit(asyncio.run(run(parser.parse_args())))


if __name__ == "__main__":
    main()
