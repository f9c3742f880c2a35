"""TP-Link Kasa plugs and power strips speaking the legacy protocol on 127.0.0.1 (for python-kasa).

The legacy protocol is TCP: each message is a 4-byte big-endian length and a JSON payload
XOR-"autokey" encrypted (key starts at 171; each plaintext byte b becomes c = key ^ b; key = c).
Replies are shaped like real devices' (the fixtures in ../shared/reference/kasa/); switching a
relay changes the state the next get_sysinfo reports and calls `on_relay`, so a simulated miner
behind the outlet can lose and regain power. The same port number answers legacy UDP discovery
(one datagram, no length prefix), so `Discover.discover(target="127.0.0.1", port=...)` finds it.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Callable
import contextlib
import copy
import json
from pathlib import Path
import struct
import time
from typing import Any

from .server import LOOPBACK, RecentLog

FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "reference" / "kasa"
_KEY = 171

# A small built-in plug with an energy meter (as an HS110 answers), for when the fixtures are absent.
BUILTIN_PLUG: dict[str, Any] = {
    "system": {
        "get_sysinfo": {
            "sw_ver": "1.2.5 Build 171213 Rel.101523", "hw_ver": "1.0", "type": "IOT.SMARTPLUGSWITCH",
            "model": "HS110(EU)", "mac": "50:C7:BF:00:00:01", "deviceId": "0" * 40, "hwId": "0" * 32,
            "fwId": "0" * 32, "oemId": "0" * 32, "alias": "Rig plug", "dev_name": "Wi-Fi Smart Plug With Energy Monitoring",
            "icon_hash": "", "relay_state": 1, "on_time": 1000, "active_mode": "none", "feature": "TIM:ENE",
            "updating": 0, "rssi": -50, "led_off": 0, "latitude": 0, "longitude": 0, "err_code": 0,
        }
    },
    "emeter": {"get_realtime": {"current": 0.5, "voltage": 230.0, "power": 115.0, "total": 10.0, "err_code": 0}},
}  # fmt: skip


# A three-outlet strip (as a KP303 answers), for when the fixtures are absent.
BUILTIN_STRIP: dict[str, Any] = {
    "system": {
        "get_sysinfo": {
            "sw_ver": "1.0.3 Build 191105 Rel.113122", "hw_ver": "1.0", "model": "KP303(UK)",
            "mic_type": "IOT.SMARTPLUGSWITCH", "mac": "1C:3B:F3:00:00:01", "deviceId": "1" * 40, "hwId": "1" * 32,
            "oemId": "1" * 32, "alias": "Rig strip", "feature": "TIM", "led_off": 0, "rssi": -60, "status": "new",
            "updating": 0, "latitude_i": 0, "longitude_i": 0, "ntc_state": 0, "err_code": 0, "child_num": 3,
            "children": [
                {"id": f"{'1' * 40}0{index}", "alias": f"Outlet {index + 1}", "state": 1, "on_time": 100,
                 "next_action": {"type": -1}}
                for index in range(3)
            ],
        }
    }
}  # fmt: skip
STRIP_MODELS = ("HS300", "KP303", "KP400", "HS107", "EP40")


def encrypt(plaintext: bytes) -> bytes:
    """Return the autokey-XOR ciphertext of a payload."""
    key, out = _KEY, bytearray()
    for byte in plaintext:
        key ^= byte
        out.append(key)
    return bytes(out)


def decrypt(ciphertext: bytes) -> bytes:
    """Return the plaintext of an autokey-XOR payload."""
    key, out = _KEY, bytearray()
    for byte in ciphertext:
        out.append(key ^ byte)
        key = byte
    return bytes(out)


def load_fixture(name: str) -> dict[str, Any]:
    """Return a real device's replies by file name (e.g. "HS300(US)_2.0_1.0.12.json"), or a built-in strip or plug."""
    path = FIXTURES / name
    if path.is_file():
        return dict(json.loads(path.read_text()))
    return copy.deepcopy(BUILTIN_STRIP if name.startswith(STRIP_MODELS) else BUILTIN_PLUG)


class KasaSimulator:
    """One plug or strip on a free loopback port."""

    def __init__(
        self, fixture: dict[str, Any], on_relay: Callable[[str | None, bool], None] | None = None
    ) -> None:
        """Answer from a device's recorded replies; on_relay(child_id or None, on) follows switching."""
        self.replies = copy.deepcopy(fixture)
        self.on_relay = on_relay
        self.port = 0
        self.offline = False
        self.commands: RecentLog[dict[str, Any]] = RecentLog()
        # Wall-clock arrival of each switching command ("on" / "off"), for benchmarks that compare
        # with Home Assistant's clock.
        self.command_arrivals: RecentLog[tuple[float, str]] = RecentLog()
        self._server: asyncio.Server | None = None
        self._discovery: asyncio.DatagramTransport | None = None
        self._connections: set[asyncio.StreamWriter] = set()

    @property
    def sysinfo(self) -> dict[str, Any]:
        """Return the sysinfo the device reports."""
        return dict(self.replies["system"]["get_sysinfo"])

    @property
    def children(self) -> list[dict[str, Any]]:
        """Return a strip's outlets (empty for a plug)."""
        return list(self.replies["system"]["get_sysinfo"].get("children", []))

    def is_on(self, child_id: str | None = None) -> bool:
        """Return a relay's state."""
        info = self.replies["system"]["get_sysinfo"]
        if child_id is None:
            return bool(info.get("relay_state"))
        return bool(next(child["state"] for child in info["children"] if child["id"] == child_id))

    async def start(self) -> None:
        """Listen on 127.0.0.1: TCP for commands, UDP on the same port number for discovery."""
        loop = asyncio.get_running_loop()
        for _ in range(20):  # the free TCP port may be taken for UDP; try another
            self._server = await asyncio.start_server(self._serve, LOOPBACK, 0)
            self.port = self._server.sockets[0].getsockname()[1]
            try:
                self._discovery, _ = await loop.create_datagram_endpoint(
                    lambda: _Discovery(self), local_addr=(LOOPBACK, self.port)
                )
                return
            except OSError:
                self._server.close()
        raise OSError("no loopback port free for both TCP and UDP")

    async def stop(self) -> None:
        """Stop listening and hang up on clients that are still connected."""
        if self._discovery:
            self._discovery.close()
        if self._server:
            self._server.close()
            for writer in list(self._connections):
                writer.close()
            await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Answer framed requests until the client hangs up."""
        self._connections.add(writer)
        with contextlib.suppress(asyncio.IncompleteReadError, ConnectionError):
            while True:
                (length,) = struct.unpack(">I", await reader.readexactly(4))
                request = json.loads(decrypt(await reader.readexactly(length)))
                if self.offline:
                    break
                payload = encrypt(json.dumps(self.answer(request)).encode())
                writer.write(struct.pack(">I", len(payload)) + payload)
                await writer.drain()
        self._connections.discard(writer)
        writer.close()

    def answer(self, request: dict[str, Any]) -> dict[str, Any]:
        """Answer every module and method of a request, as the firmware would."""
        children = request.get("context", {}).get("child_ids")
        reply: dict[str, Any] = {}
        for module, methods in request.items():
            if module == "context":
                continue
            known = self.replies.get(module)
            if not isinstance(known, dict) or ("err_code" in known and known["err_code"] != 0):
                reply[module] = {"err_code": -1, "err_msg": "module not support"}
                continue
            reply[module] = {
                method: self._method(module, method, arguments, children)
                for method, arguments in methods.items()
            }
        return reply

    def _method(self, module: str, method: str, arguments: Any, children: list[str] | None) -> dict[str, Any]:
        """Answer one method; set_relay_state switches the relay (or the strip's outlets named in context)."""
        if module == "system" and method == "set_relay_state":
            self.commands.append({"children": children, **arguments})
            self.command_arrivals.append((time.time(), "on" if arguments.get("state") else "off"))
            self._switch(children, bool(arguments.get("state")))
            return {"err_code": 0}
        known = self.replies[module].get(method)
        return (
            copy.deepcopy(known)
            if isinstance(known, dict)
            else {"err_code": -2, "err_msg": "member not support"}
        )

    def _switch(self, children: list[str] | None, on: bool) -> None:
        """Set relays and tell whoever is powered by them."""
        info = self.replies["system"]["get_sysinfo"]
        targets: list[str | None] = []
        if children is None:
            if bool(info.get("relay_state")) != on:  # a relay that does not move powers nothing up
                targets.append(None)
            info["relay_state"] = int(on)
        else:
            for child in info.get("children", []):
                if child["id"] in children or any(child["id"].endswith(wanted) for wanted in children):
                    if bool(child["state"]) != on:
                        targets.append(child["id"])
                    child["state"] = int(on)
        for target in targets:
            if self.on_relay:
                self.on_relay(target, on)


class _Discovery(asyncio.DatagramProtocol):
    """Answer a legacy discovery datagram with the device's sysinfo."""

    def __init__(self, device: KasaSimulator) -> None:
        """Answer for one device."""
        self._device = device
        self._transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Keep the socket to answer on."""
        assert isinstance(transport, asyncio.DatagramTransport)
        self._transport = transport

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        """Reply to a get_sysinfo query; ignore anything else, as a device would."""
        with contextlib.suppress(ValueError):
            request = json.loads(decrypt(data))
            if (
                self._transport
                and not self._device.offline
                and isinstance(request, dict)
                and "system" in request
            ):
                self._transport.sendto(encrypt(json.dumps(self._device.answer(request)).encode()), addr)


async def _main(args: argparse.Namespace) -> None:
    """Serve one device until interrupted."""
    device = KasaSimulator(load_fixture(args.fixture))
    await device.start()
    print(
        json.dumps({"host": LOOPBACK, "port": device.port, "children": [c["id"] for c in device.children]}),
        flush=True,
    )
    await asyncio.Event().wait()


def main() -> None:
    """Command-line entry: python -m simulators.kasa "HS300(US)_2.0_1.0.12.json"."""
    parser = argparse.ArgumentParser(
        description="A simulated Kasa plug or strip (legacy protocol) on 127.0.0.1"
    )
    parser.add_argument("fixture", nargs="?", default="HS110(EU)_1.0_1.2.5.json")
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_main(parser.parse_args()))


if __name__ == "__main__":
    main()
