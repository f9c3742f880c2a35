"""Run a simulated Bitaxe fleet and a real Home Assistant 2025.4.4 on 127.0.0.1 with the miners added."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
from pathlib import Path
import secrets
import shutil
import signal
import socket
import sys
import time
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from simulators.axeos import AxeOSSimulator  # noqa: E402

LOOPBACK = "127.0.0.1"
USERNAME = "demo"
FLEET = (("2.9", "ultra"), ("2.12", "supra"), ("2.15", "gamma"), ("2.15", "gamma"))

CONFIGURATION = """\
# Demo configuration: only what the web UI needs, nothing that reaches past 127.0.0.1.
# No default_config, zeroconf, ssdp, dhcp, cloud, analytics or update checks.
homeassistant:
  name: Mining Fleet demo
  unit_system: metric
  time_zone: UTC
  currency: EUR
  country: DE
  latitude: 0
  longitude: 0
  elevation: 0
http:
  server_host: {host}
  server_port: {port}
frontend:
config:
history:
logbook:
energy:
recorder:
  purge_keep_days: 1
logger:
  default: warning
  logs:
    custom_components.mining_fleet: info
"""

# Onboarding sets these up (weather, radio, TTS) or sends analytics: all would call the internet.
# The demo shadows them with inert stand-ins, so finishing onboarding adds nothing that leaves the host.
SHADOWED = ("analytics", "met", "radio_browser", "google_translate", "shopping_list")
SHADOW_INIT = '''"""Inert stand-in for {domain} in the offline demo."""


async def async_setup(hass, config):
    """Do nothing: the demo never reaches the internet."""
    return True
'''
SHADOW_FLOW = '''"""Decline every flow: the demo does not add {domain}."""

from homeassistant.config_entries import ConfigFlow


class DemoDecline(ConfigFlow, domain="{domain}"):
    """Abort at once."""

    async def async_step_onboarding(self, data=None):
        """Skip the onboarding default."""
        return self.async_abort(reason="not_in_demo")

    async_step_user = async_step_onboarding
'''


def free_port() -> int:
    """Return a free TCP port on 127.0.0.1."""
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        return int(probe.getsockname()[1])


def prepare_config(config_dir: Path, port: int) -> None:
    """Write a fresh config directory with the integration linked in."""
    shutil.rmtree(config_dir, ignore_errors=True)
    custom = config_dir / "custom_components"
    custom.mkdir(parents=True)
    (config_dir / "configuration.yaml").write_text(CONFIGURATION.format(host=LOOPBACK, port=port))
    (custom / "mining_fleet").symlink_to(ROOT / "custom_components" / "mining_fleet")
    for domain in SHADOWED:
        folder = custom / domain
        folder.mkdir()
        manifest = {
            "domain": domain,
            "name": f"{domain} (demo stand-in)",
            "version": "0.0.0",
            "config_flow": domain != "analytics",
            "documentation": "",
            "codeowners": [],
            "requirements": [],
            "dependencies": [],
            "iot_class": "local_push",
        }
        (folder / "manifest.json").write_text(json.dumps(manifest))
        (folder / "__init__.py").write_text(SHADOW_INIT.format(domain=domain))
        if domain != "analytics":
            (folder / "config_flow.py").write_text(SHADOW_FLOW.format(domain=domain))


async def wait_for_http(session: aiohttp.ClientSession, url: str, limit_seconds: float = 180) -> None:
    """Poll until Home Assistant's HTTP server answers."""
    deadline = time.monotonic() + limit_seconds
    while time.monotonic() < deadline:
        with contextlib.suppress(aiohttp.ClientError):
            async with session.get(url) as response:
                if response.status < 500:
                    return
        await asyncio.sleep(1)
    raise RuntimeError(f"Home Assistant did not come up at {url} within {limit_seconds} s")


async def onboard(session: aiohttp.ClientSession, base: str, password: str) -> str:
    """Create the owner and finish every onboarding step over the REST API; return a token."""
    client_id = f"{base}/"
    async with session.post(
        f"{base}/api/onboarding/users",
        json={
            "client_id": client_id,
            "name": "Demo Owner",
            "username": USERNAME,
            "password": password,
            "language": "en",
        },
    ) as response:
        response.raise_for_status()
        auth_code = (await response.json())["auth_code"]
    async with session.post(
        f"{base}/auth/token",
        data={
            "grant_type": "authorization_code",
            "code": auth_code,
            "client_id": client_id,
        },
    ) as response:
        response.raise_for_status()
        token = str((await response.json())["access_token"])
    headers = {"Authorization": f"Bearer {token}"}
    for step, body in (
        ("core_config", None),
        ("analytics", None),
        ("integration", {"client_id": client_id, "redirect_uri": f"{base}/?auth_callback=1"}),
    ):
        async with session.post(f"{base}/api/onboarding/{step}", json=body, headers=headers) as response:
            response.raise_for_status()
    return token


async def add_miner(session: aiohttp.ClientSession, base: str, token: str, host: str) -> dict[str, Any]:
    """Add one Bitaxe through the integration's real config flow (menu, then host)."""
    headers = {"Authorization": f"Bearer {token}"}
    flows = f"{base}/api/config/config_entries/flow"
    async with session.post(flows, json={"handler": "mining_fleet"}, headers=headers) as response:
        flow = await response.json()
    for step in ({"next_step_id": "bitaxe"}, {"host": host}):
        async with session.post(f"{flows}/{flow['flow_id']}", json=step, headers=headers) as response:
            flow = await response.json()
    if flow.get("type") != "create_entry":
        raise RuntimeError(f"adding {host} failed: {flow}")
    return flow


async def read_states(session: aiohttp.ClientSession, base: str, token: str) -> dict[str, str]:
    """Return entity_id → state for the integration's sensors."""
    async with session.get(f"{base}/api/states", headers={"Authorization": f"Bearer {token}"}) as response:
        states = await response.json()
    return {s["entity_id"]: s["state"] for s in states if s["entity_id"].startswith("sensor.bitaxe")}


async def run(args: argparse.Namespace) -> int:
    """Start everything, print how to log in, and wait for Ctrl-C (or check and exit)."""
    config_dir = Path(args.config_dir).resolve()
    port = args.port or free_port()
    base = f"http://{LOOPBACK}:{port}"
    password = args.password or secrets.token_urlsafe(9)
    miners = []
    for index, (firmware, board) in enumerate(FLEET):
        miner = AxeOSSimulator(firmware, board, seed=index)
        await miner.start()
        miners.append(miner)
    prepare_config(config_dir, port)
    log = (config_dir / "hass.out").open("w")
    hass = await asyncio.create_subprocess_exec(
        str(Path(sys.executable).with_name("hass")),
        "--config",
        str(config_dir),
        "--skip-pip",
        stdout=log,
        stderr=asyncio.subprocess.STDOUT,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        async with aiohttp.ClientSession() as session:
            await wait_for_http(session, f"{base}/api/onboarding")
            token = await onboard(session, base, password)
            for miner in miners:
                entry = await add_miner(session, base, token, miner.host)
                print(
                    f"added {entry['title']} (AxeOS {miner.firmware}, {miner.board.device_model}) at {miner.host}"
                )
            print(f"\nHome Assistant: {base}\nlogin: {USERNAME} / {password}\nlog: {config_dir / 'hass.out'}")
            if args.check:
                return await check_live(session, base, token)
            print("Ctrl-C stops the miners and Home Assistant.", flush=True)
            await stop.wait()
    finally:
        if hass.returncode is None:
            hass.terminate()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(hass.wait(), 30)
            if hass.returncode is None:
                hass.kill()
        for miner in miners:
            await miner.stop()
    return 0


async def check_live(session: aiohttp.ClientSession, base: str, token: str) -> int:
    """Read the sensors twice, 20 s apart (more than one poll), and report what changed."""
    await asyncio.sleep(5)
    first = await read_states(session, base, token)
    await asyncio.sleep(20)
    second = await read_states(session, base, token)
    changed = sorted(e for e in second if first.get(e) != second[e])
    print(f"{len(second)} Bitaxe sensors; {len(changed)} changed between two reads 20 s apart")
    for entity_id in [e for e in changed if "hashrate" in e or "power" in e][:8]:
        print(f"  {entity_id}: {first.get(entity_id)} -> {second[entity_id]}")
    unavailable = [e for e, state in second.items() if state == "unavailable"]
    ok = bool(changed) and not unavailable and len(second) > 0
    print("demo check:", "ok" if ok else f"FAILED (unavailable: {unavailable})")
    return 0 if ok else 1


def main() -> None:
    """Parse arguments and run."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--port", type=int, default=8123, help="Home Assistant port on 127.0.0.1 (0 = any free)"
    )
    parser.add_argument("--password", help="owner password (default: random, printed)")
    parser.add_argument("--config-dir", default=str(ROOT / ".demo" / "config"))
    parser.add_argument("--check", action="store_true", help="verify live values over REST, then exit")
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(asyncio.run(run(parser.parse_args())))


if __name__ == "__main__":
    main()
