"""The fleet simulator and the endpoints that make simulated devices recognisable, over real sockets."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import AsyncIterator
import json
from pathlib import Path
import random
import subprocess
import sys
import time
from typing import Any

import aiohttp
import pytest

from custom_components.mining_fleet.api.outlets import KasaOutlet
from simulators.axeos import AxeOSSimulator
from simulators.fleet import (
    DEFAULT_LATENCY_MS,
    Fleet,
    FleetConfig,
    ReplyPolicy,
    assign_faults,
    build_parser,
    main,
    parse_latency,
    parse_range,
)
from simulators.kasa import KasaSimulator, load_fixture
from simulators.server import LOG_LENGTH, NEVER, DeviceDown, RecentLog
from simulators.vnish import VNishSimulator

ROOT = Path(__file__).resolve().parents[1]
FAST = dict.fromkeys(DEFAULT_LATENCY_MS, (0.0, 0.0))
PROBE_PATH = {"bitaxe": "/api/system/info", "antminer": "/", "container": "/cooler?operation=coolerState"}


@pytest.fixture
async def session(socket_enabled: None) -> AsyncIterator[aiohttp.ClientSession]:
    """Give a client session with a short timeout."""
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=2)) as client:
        yield client


async def _get(session: aiohttp.ClientSession, host: str, path: str, limit: float = 2) -> tuple[int, float]:
    """GET a path within `limit` seconds; return the status and the seconds it took."""
    start = time.perf_counter()
    async with session.get(f"http://{host}{path}", timeout=aiohttp.ClientTimeout(total=limit)) as reply:
        await reply.read()
        return reply.status, time.perf_counter() - start


async def _cgminer(port: int, command: str) -> bytes:
    """Send one CGMiner request and read the reply until the simulator closes the connection."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(json.dumps({"command": command}).encode())
    await writer.drain()
    data = await asyncio.wait_for(reader.read(), 2)
    writer.close()
    return data


def _cgminer_json(data: bytes) -> dict[str, Any]:
    """Parse a reply that ends in NUL, as CGMiner's do."""
    assert data.endswith(b"\x00")
    reply: dict[str, Any] = json.loads(data[:-1])
    return reply


# --- the fleet ---------------------------------------------------------------------------------------


async def test_fleet_starts_every_device_reachable(session: aiohttp.ClientSession) -> None:
    """N devices of three kinds on distinct loopback ports, each answering its own API."""
    config = FleetConfig(bitaxes=4, antminers=2, containers=2, latency_ms=FAST)
    async with Fleet(config) as fleet:
        hosts = fleet.hosts()
        assert [line["kind"] for line in hosts] == ["bitaxe"] * 4 + ["antminer"] * 2 + ["container"] * 2
        assert len({line["host"] for line in hosts}) == 8
        assert all(line["host"].startswith("127.0.0.1:") for line in hosts)
        assert [line["firmware"] for line in hosts[:4]] == ["v2.9.0", "v2.12.0", "v2.15.0", "v2.9.0"]
        assert all(line["cgminer_port"] > 0 for line in hosts if line["kind"] == "antminer")
        for line in hosts:
            status, _ = await _get(session, line["host"], PROBE_PATH[line["kind"]])
            assert status == 200, line
    assert fleet.devices == []


async def test_outlets_power_the_first_bitaxes(session: aiohttp.ClientSession) -> None:
    """--outlets: each plug, a distinct device on its own port, cuts and restores its own Bitaxe's power."""
    async with Fleet(FleetConfig(bitaxes=3, antminers=1, outlets=2, latency_ms=FAST)) as fleet:
        hosts = fleet.hosts()
        plugs = [line for line in hosts if line["kind"] == "outlet"]
        bitaxes = [line["host"] for line in hosts if line["kind"] == "bitaxe"]
        assert [plug["powers"] for plug in plugs] == bitaxes[:2]
        assert len({plug["mac"] for plug in plugs}) == 2 and plugs[0]["host"].startswith("127.0.0.1:")
        outlet = KasaOutlet("127.0.0.1", port=int(plugs[1]["host"].rsplit(":", 1)[1]))
        try:
            await outlet.set_on(False)
            with pytest.raises(aiohttp.ClientError):
                await _get(session, bitaxes[1], PROBE_PATH["bitaxe"], limit=0.5)
            assert (await _get(session, bitaxes[0], PROBE_PATH["bitaxe"]))[0] == 200
            await outlet.set_on(True)
            assert [rig.powered for rig in fleet.rigs] == [True, True]
            assert fleet.rigs[1].miner is not None and fleet.rigs[1].miner.offline_until > 0  # booting
        finally:
            await outlet.close()
    assert fleet.rigs == []
    with pytest.raises(ValueError, match="no more outlets than Bitaxes"):
        Fleet(FleetConfig(bitaxes=1, outlets=2))


def test_simulator_logs_forget_their_oldest_entries() -> None:
    """A log keeps at most twice its limit, then the newest `limit`: a demo left running stays small."""
    log = RecentLog[int](limit=3)
    for number in range(5):
        log.append(number)
    assert log == [0, 1, 2, 3, 4]
    log.append(5)
    assert log == [3, 4, 5]
    simulators = (AxeOSSimulator("2.15"), VNishSimulator(), KasaSimulator(load_fixture("HS110")))
    logs = [
        simulators[0].requests,
        simulators[0].patch_arrivals,
        simulators[1].commands,
        simulators[2].commands,
    ]
    assert all(isinstance(each, RecentLog) and each.limit == LOG_LENGTH for each in logs)


def test_steady_fleet_readings_do_not_wander() -> None:
    """--steady: consecutive replies carry the same readings (what a "nothing changed" benchmark needs)."""
    now = [0.0]
    bitaxe = AxeOSSimulator("2.15", seed=3, clock=lambda: now[0])
    antminer = VNishSimulator(seed=3)
    bitaxe.steady = antminer.steady = True
    bitaxe.info_document()
    now[0] = 3600.0  # settled
    readings = ("hashRate", "power", "voltage", "wifiRSSI", "errorPercentage", "responseTime", "hashRate_1m")
    first, second = (bitaxe.info_document() for _ in range(2))
    assert {key: first[key] for key in readings} == {key: second[key] for key in readings}
    assert antminer.summary_document() == antminer.summary_document()
    assert FleetConfig(steady=True).steady and build_parser().parse_args(["--steady"]).steady
    bitaxe.steady = False
    assert len({bitaxe.info_document()["hashRate"] for _ in range(5)}) > 1


async def test_latency_is_applied(session: aiohttp.ClientSession) -> None:
    """Every reply waits for the kind's latency; the /_sim/ control path does not."""
    latency = FAST | {"bitaxe": (150.0, 150.0)}
    async with Fleet(FleetConfig(bitaxes=1, antminers=1, latency_ms=latency)) as fleet:
        bitaxe, antminer = fleet.hosts()
        _, slow = await _get(session, bitaxe["host"], "/api/system/info")
        _, fast = await _get(session, antminer["host"], "/")
        async with session.post(f"http://{bitaxe['host']}/_sim/fault", json={"fault": "none"}) as reply:
            assert reply.status == 200
    assert slow >= 0.14
    assert fast < 0.1


async def test_dead_device_never_answers_others_do(session: aiohttp.ClientSession) -> None:
    """A dead device hangs until the client gives up; a live one beside it answers at once."""
    async with Fleet(FleetConfig(bitaxes=2, dead=0.5, latency_ms=FAST, seed=3)) as fleet:
        dead = next(line for line in fleet.hosts() if line["fault"] == "dead")
        alive = next(line for line in fleet.hosts() if line["fault"] == "none")
        with pytest.raises(TimeoutError):
            await _get(session, dead["host"], "/api/system/info", limit=0.3)
        status, _ = await _get(session, alive["host"], "/api/system/info")
        assert status == 200


async def test_slow_and_flapping_devices(session: aiohttp.ClientSession) -> None:
    """A slow device answers late; a flapping one in its down phase drops the connection."""
    config = FleetConfig(
        bitaxes=2, slow=0.5, flapping=0.5, slow_extra_ms=(200, 200), flap_down_share=1.0, latency_ms=FAST
    )
    async with Fleet(config) as fleet:
        slow = next(line for line in fleet.hosts() if line["fault"] == "slow")
        flapping = next(line for line in fleet.hosts() if line["fault"] == "flapping")
        _, seconds = await _get(session, slow["host"], "/api/system/info")
        with pytest.raises(aiohttp.ClientError):
            await _get(session, flapping["host"], "/api/system/info")
    assert seconds >= 0.19


def test_flapping_cycles_down_and_up() -> None:
    """A flapping device is down for its share of each period, then answers again."""
    now = [0.0]
    policy = ReplyPolicy(latency_s=(0.0, 0.0), fault="flapping", flap_period_s=30, clock=lambda: now[0])
    with pytest.raises(DeviceDown):
        policy()
    now[0] = 15.0
    assert policy() == 0.0
    now[0] = 31.0
    assert policy.is_down()


def test_policy_latency_jitter_and_dead() -> None:
    """Delays stay in latency ± jitter (never negative); a dead device's delay is NEVER."""
    policy = ReplyPolicy(latency_s=(0.02, 0.3), jitter_s=0.05)
    delays = [policy() for _ in range(500)]
    assert min(delays) >= 0.0
    assert max(delays) <= 0.35
    assert ReplyPolicy(latency_s=(0, 0), fault="dead")() == NEVER


def test_fault_shares() -> None:
    """Faults are handed out in the shares asked for, rounded, the rest healthy."""
    faults = assign_faults(10, FleetConfig(dead=0.2, slow=0.1, flapping=0.1), random.Random(0))
    assert sorted(faults) == sorted(["dead"] * 2 + ["slow", "flapping"] + ["none"] * 6)


def test_latency_arguments() -> None:
    """ "20-300" sets every kind, "antminer=20-300" one; a backwards range is refused."""
    assert parse_range("50") == (50.0, 50.0)
    assert parse_latency(["5-10"])["container"] == (5.0, 10.0)
    latency = parse_latency(["antminer=20-300"])
    assert latency["antminer"] == (20.0, 300.0)
    assert latency["bitaxe"] == DEFAULT_LATENCY_MS["bitaxe"]
    with pytest.raises(argparse.ArgumentTypeError):
        parse_range("300-20")
    with pytest.raises(argparse.ArgumentTypeError):
        parse_latency(["toaster=1-2"])


def test_command_line_prints_and_writes_hosts(tmp_path: Path) -> None:
    """python -m simulators.fleet prints one JSON line per device and writes the hosts file."""
    hosts_file = tmp_path / "hosts.json"
    command = [sys.executable, "-m", "simulators.fleet", "--bitaxes", "2", "--antminers", "1"]
    command += ["--containers", "1", "--latency-ms", "0", "--hosts-file", str(hosts_file)]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)  # noqa: S603
    try:
        assert process.stdout is not None
        lines = [json.loads(process.stdout.readline()) for _ in range(4)]
        deadline = time.monotonic() + 10
        while not hosts_file.exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert json.loads(hosts_file.read_text()) == lines
        assert {line["kind"] for line in lines} == {"bitaxe", "antminer", "container"}
    finally:
        process.terminate()
        process.wait(10)


def test_command_line_refuses_more_outlets_than_bitaxes(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """An outlet with no Bitaxe to power is a usage error, said before anything starts."""
    monkeypatch.setattr(sys, "argv", ["fleet", "--bitaxes", "1", "--outlets", "2"])
    with pytest.raises(SystemExit):
        main()
    assert "no more --outlets than --bitaxes" in capsys.readouterr().err


# --- what pyasic's detection reads ------------------------------------------------------------


async def test_web_pages_name_the_firmware(session: aiohttp.ClientSession) -> None:
    """GET / answers AxeOS's and VNish's web UI (no token needed), titled as the real ones."""
    bitaxe, antminer = AxeOSSimulator("2.12", seed=1), VNishSimulator(seed=1)
    for simulator in (bitaxe, antminer):
        await simulator.start()
    try:
        async with session.get(f"http://{bitaxe.host}/") as reply:
            assert "<title>AxeOS</title>" in await reply.text()
        async with session.get(f"http://{antminer.host}/") as reply:
            assert reply.status == 200
            assert "AnthillOS" in await reply.text()
        async with session.get(f"http://{antminer.host}/api/v1/summary") as reply:
            assert reply.status == 401
    finally:
        for simulator in (bitaxe, antminer):
            await simulator.stop()


def test_vnish_summary_names_model_and_firmware() -> None:
    """The summary carries miner_type "Antminer S19 (Vnish 1.2.6)" and power_usage, as VNish 1.2.x does."""
    miner = VNishSimulator(seed=0).summary_document()["miner"]
    assert miner["miner_type"] == "Antminer S19 (Vnish 1.2.6)"
    assert miner["power_usage"] == round(miner["power_consumption"])


@pytest.fixture
async def cgminer(socket_enabled: None) -> AsyncIterator[VNishSimulator]:
    """Start a VNish simulator with its CGMiner TCP API."""
    simulator = VNishSimulator(seed=2, cgminer_api=True)
    await simulator.start()
    yield simulator
    await simulator.stop()


async def test_cgminer_version_and_stats(cgminer: VNishSimulator) -> None:
    """version names VNish (not the model); stats names the model and lists chains and fans."""
    version = _cgminer_json(await _cgminer(cgminer.cgminer_port, "version"))
    assert version["STATUS"][0]["STATUS"] == "S"
    assert "VNISH" in json.dumps(version).upper()
    assert "ANTMINER" not in json.dumps(version).upper()
    stats = _cgminer_json(await _cgminer(cgminer.cgminer_port, "stats"))
    assert stats["STATS"][0]["Type"] == "Antminer S19 (Vnish 1.2.6)"
    board = stats["STATS"][1]
    assert [board[f"chain_acn{slot}"] for slot in (1, 2, 3)] == [76, 76, 76]
    assert board["fan1"] > 0 and board["total_rateideal"] > 0


async def test_cgminer_summary_pools_and_multi(cgminer: VNishSimulator) -> None:
    """summary+pools answers each under its name; hashrate matches the web API's."""
    reply = _cgminer_json(await _cgminer(cgminer.cgminer_port, "summary+pools"))
    summary = reply["summary"][0]["SUMMARY"][0]
    assert summary["GHS 5s"] > 90_000
    pools = reply["pools"][0]["POOLS"]
    assert pools[0]["URL"] == "stratum+tcp://btc.example-pool.com:3333"
    assert pools[0]["Stratum Active"] is True


async def test_cgminer_unknown_command_and_faults(cgminer: VNishSimulator) -> None:
    """An unknown command gets an error status; a device that is down closes without a word."""
    reply = _cgminer_json(await _cgminer(cgminer.cgminer_port, "ascset"))
    assert reply["STATUS"][0]["STATUS"] == "E"

    def down() -> float:
        raise DeviceDown

    cgminer.reply_delay = down
    assert await _cgminer(cgminer.cgminer_port, "version") == b""


async def test_cgminer_waits_for_the_latency(cgminer: VNishSimulator) -> None:
    """The TCP API answers after the same reply delay as the web API."""
    cgminer.reply_delay = lambda: 0.15
    start = time.perf_counter()
    await _cgminer(cgminer.cgminer_port, "summary")
    assert time.perf_counter() - start >= 0.14


async def test_cgminer_request_in_pieces(cgminer: VNishSimulator) -> None:
    """A request that arrives in several packets is still read as one."""
    reader, writer = await asyncio.open_connection("127.0.0.1", cgminer.cgminer_port)
    writer.write(b'{"command": ')
    await writer.drain()
    await asyncio.sleep(0.05)
    writer.write(b'"version"}')
    await writer.drain()
    data = await asyncio.wait_for(reader.read(), 2)
    writer.close()
    assert _cgminer_json(data)["VERSION"]
