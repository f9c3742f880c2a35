"""Screenshot a page of the running demo as its owner sees it (headless Chromium, 127.0.0.1 only).

Logs in through Home Assistant's own login flow and hands the frontend an authorization code, as
the login page would. `DEVICE` in the path is replaced by the device of --entity.

    .venv/ha-2025.4/bin/python scripts/screenshot.py --port 8123 --password PW
        --path /config/devices/device/DEVICE --entity sensor.mining_fleet_power --out fleet.png
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import shutil
import subprocess
import sys

import aiohttp


async def _authorization_code(session: aiohttp.ClientSession, base: str, password: str) -> str:
    """Log in as the demo owner and return a one-time authorization code."""
    client = f"{base}/"
    start = {
        "client_id": client,
        "handler": ["homeassistant", None],
        "redirect_uri": f"{base}/?auth_callback=1",
    }
    async with session.post(f"{base}/auth/login_flow", json=start) as response:
        flow = await response.json()
    credentials = {"username": "demo", "password": password, "client_id": client}
    async with session.post(f"{base}/auth/login_flow/{flow['flow_id']}", json=credentials) as response:
        return str((await response.json())["result"])


async def _device_of(session: aiohttp.ClientSession, base: str, password: str, entity_id: str) -> str:
    """Return the device id of an entity, asked through the REST template API."""
    code = await _authorization_code(session, base, password)
    token_request = {"grant_type": "authorization_code", "code": code, "client_id": f"{base}/"}
    async with session.post(f"{base}/auth/token", data=token_request) as response:
        token = (await response.json())["access_token"]
    template = {"template": f"{{{{ device_id('{entity_id}') }}}}"}
    headers = {"Authorization": f"Bearer {token}"}
    async with session.post(f"{base}/api/template", json=template, headers=headers) as response:
        return await response.text()


async def logged_in_url(args: argparse.Namespace) -> str:
    """Return the page's URL carrying a fresh authorization code."""
    base = f"http://127.0.0.1:{args.port}"
    async with aiohttp.ClientSession() as session:
        path = args.path
        if "DEVICE" in path:
            path = path.replace("DEVICE", await _device_of(session, base, args.password, args.entity))
        code = await _authorization_code(session, base, args.password)
    state = base64.b64encode(json.dumps({"hassUrl": base, "clientId": f"{base}/"}).encode()).decode()
    return f"{base}{path}?auth_callback=1&code={code}&state={state}"


def run(args: argparse.Namespace) -> int:
    """Let Chromium render the page."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        print("chromium is not installed: apt-get install chromium", file=sys.stderr)
        return 1
    url = asyncio.run(logged_in_url(args))
    command = [chromium, "--headless", "--no-sandbox", "--disable-gpu", f"--screenshot={args.out}"]
    command += [f"--window-size={args.size}", "--virtual-time-budget=20000", url]
    subprocess.run(command, check=True, capture_output=True)  # noqa: S603 - our own arguments
    print(f"wrote {args.out}")
    return 0


def main() -> None:
    """Parse arguments and run."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--port", type=int, default=8123)
    parser.add_argument("--password", required=True, help="the demo owner's password")
    parser.add_argument("--path", default="/config/integrations/integration/mining_fleet")
    parser.add_argument("--entity", default="sensor.mining_fleet_power", help="whose device DEVICE means")
    parser.add_argument("--out", default="screenshot.png")
    parser.add_argument("--size", default="1400,1100")
    sys.exit(run(parser.parse_args()))


if __name__ == "__main__":
    main()
