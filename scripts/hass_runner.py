"""Run a real Home Assistant 2025.4.4 process on 127.0.0.1 and drive it over its REST API.

Used by scripts/demo.py and the benchmarks. Only loopback is ever contacted.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
import contextlib
from dataclasses import dataclass
import importlib.util
import json
from pathlib import Path
import shutil
import socket
import sys
import time
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
LOOPBACK = "127.0.0.1"
USERNAME = "demo"

CONFIGURATION = """\
# Only what the web UI needs, nothing that reaches past 127.0.0.1.
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
automation: !include automations.yaml
logger:
  default: warning
  logs:
    custom_components.mining_fleet: info
{extra}"""

# Onboarding sets these up (weather, radio, TTS) or sends analytics: all would call the internet.
# The config folder shadows them with inert stand-ins, so finishing onboarding adds nothing that
# leaves the host.
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


def prepare_config(
    config_dir: Path, port: int, extra_yaml: str = "", components: Mapping[str, Path] | None = None
) -> None:
    """Write a fresh config folder with the integration (and any extra components, e.g. a probe) linked in."""
    shutil.rmtree(config_dir, ignore_errors=True)
    custom = config_dir / "custom_components"
    custom.mkdir(parents=True)
    (config_dir / "configuration.yaml").write_text(
        CONFIGURATION.format(host=LOOPBACK, port=port, extra=extra_yaml)
    )
    (config_dir / "automations.yaml").write_text("[]\n")
    (custom / "mining_fleet").symlink_to(ROOT / "custom_components" / "mining_fleet")
    for domain, source in (components or {}).items():
        (custom / domain).symlink_to(source.resolve())
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


type Step = dict[str, Any] | Callable[[dict[str, Any]], dict[str, Any]]


@dataclass
class HassApi:
    """An authenticated REST connection to the running Home Assistant."""

    session: aiohttp.ClientSession
    base: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        """Return the bearer header."""
        return {"Authorization": f"Bearer {self.token}"}

    async def post(self, path: str, body: Any = None) -> Any:
        """POST JSON and return the decoded reply."""
        async with self.session.post(f"{self.base}{path}", json=body, headers=self.headers) as response:
            response.raise_for_status()
            return await response.json()

    async def get(self, path: str) -> Any:
        """GET and return the decoded reply."""
        async with self.session.get(f"{self.base}{path}", headers=self.headers) as response:
            response.raise_for_status()
            return await response.json()

    async def websocket(self, command: dict[str, Any]) -> Any:
        """Send one command over the websocket API (what the UI uses) and return its result."""
        async with self.session.ws_connect(f"{self.base}/api/websocket") as socket:
            await socket.receive_json()  # auth_required
            await socket.send_json({"type": "auth", "access_token": self.token})
            if (await socket.receive_json()).get("type") != "auth_ok":
                raise RuntimeError("websocket authentication failed")
            await socket.send_json({"id": 1, **command})
            reply = await socket.receive_json()
        if not reply.get("success"):
            raise RuntimeError(f"{command['type']} failed: {reply}")
        return reply["result"]

    async def render(self, template: str) -> str:
        """Render a template in Home Assistant and return the text."""
        body = {"template": template}
        async with self.session.post(
            f"{self.base}/api/template", json=body, headers=self.headers
        ) as response:
            response.raise_for_status()
            return await response.text()

    async def add_entry(self, steps: Sequence[Step], *, outcome: str = "create_entry") -> dict[str, Any]:
        """Run the mining_fleet config flow through the given steps and return its last result.

        A step is the form's input, or a function from the form shown to that input (to pick
        options the form offers, such as a pool worker).
        """
        return await self._run_flow("/api/config/config_entries/flow", "mining_fleet", steps, outcome)

    async def configure_entry(self, entry_id: str, steps: Sequence[Step]) -> dict[str, Any]:
        """Run an entry's options flow ("Configure") through the given steps."""
        return await self._run_flow(
            "/api/config/config_entries/options/flow", entry_id, steps, "create_entry"
        )

    async def _run_flow(
        self, flows: str, handler: str, steps: Sequence[Step], outcome: str
    ) -> dict[str, Any]:
        """Start a flow, answer each step, and check how it ended."""
        flow = await self.post(flows, {"handler": handler})
        for step in steps:
            flow = await self.post(f"{flows}/{flow['flow_id']}", step(flow) if callable(step) else step)
        if flow.get("type") != outcome:
            raise RuntimeError(f"the flow did not end in {outcome}: {flow}")
        return dict(flow)


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
    user = {
        "client_id": client_id,
        "name": "Demo Owner",
        "username": USERNAME,
        "password": password,
        "language": "en",
    }
    async with session.post(f"{base}/api/onboarding/users", json=user) as response:
        response.raise_for_status()
        auth_code = (await response.json())["auth_code"]
    grant = {"grant_type": "authorization_code", "code": auth_code, "client_id": client_id}
    async with session.post(f"{base}/auth/token", data=grant) as response:
        response.raise_for_status()
        token = str((await response.json())["access_token"])
    headers = {"Authorization": f"Bearer {token}"}
    steps = (
        ("core_config", None),
        ("analytics", None),
        ("integration", {"client_id": client_id, "redirect_uri": f"{base}/?auth_callback=1"}),
    )
    for step, body in steps:
        async with session.post(f"{base}/api/onboarding/{step}", json=body, headers=headers) as response:
            response.raise_for_status()
    return token


@contextlib.asynccontextmanager
async def running_home_assistant(
    config_dir: Path,
    port: int,
    password: str,
    extra_yaml: str = "",
    *,
    components: Mapping[str, Path] | None = None,
    token: str | None = None,
) -> AsyncIterator[HassApi]:
    """Start hass (no runtime pip installs), onboard it, yield a REST client, and stop it afterwards.

    With a token (a long-lived one from an earlier run) the config folder is kept as it is and
    Home Assistant starts again on it, as after a restart.
    """
    if importlib.util.find_spec("hass_frontend") is None:
        # Without its web UI Home Assistant never serves the API we wait for: say what to install.
        raise RuntimeError("Home Assistant's web UI is not installed here: run scripts/setup --demo first")
    if token is None:
        prepare_config(config_dir, port, extra_yaml, components)
    base = f"http://{LOOPBACK}:{port}"
    with (config_dir / "hass.out").open("a") as log:
        hass = await asyncio.create_subprocess_exec(
            str(Path(sys.executable).with_name("hass")),
            "--config",
            str(config_dir),
            "--skip-pip",
            stdout=log,
            stderr=asyncio.subprocess.STDOUT,
        )
        try:
            async with aiohttp.ClientSession() as session:
                await wait_for_http(session, f"{base}/api/onboarding")
                yield HassApi(session, base, token or await onboard(session, base, password))
        finally:
            if hass.returncode is None:
                hass.terminate()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(hass.wait(), 30)
                if hass.returncode is None:
                    hass.kill()
