"""python-kasa, for real, against the legacy-protocol outlet simulator on 127.0.0.1."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
import json
from typing import Any

import pytest

from custom_components.mining_fleet.api.errors import ApiConnectionError, ApiResponseError
from custom_components.mining_fleet.api.outlets import KasaOutlet, discover_outlets, probe_outlets
from simulators.axeos import AxeOSSimulator, Fault
from simulators.kasa import FIXTURES, KasaSimulator, decrypt, encrypt, load_fixture

STRIP = "HS300(US)_2.0_1.0.12.json"
METERED_PLUG = "HS110(EU)_1.0_1.2.5.json"
PLUG = "HS100(US)_2.0_1.5.6.json"

type StartOutlet = Callable[..., Awaitable[KasaSimulator]]

needs_fixtures = pytest.mark.skipif(
    not FIXTURES.is_dir(), reason=f"{FIXTURES} is not present (it ships beside the repository, not in it)"
)


@pytest.fixture
async def start_outlet(socket_enabled: None) -> AsyncIterator[StartOutlet]:
    """Start simulated outlets on free loopback ports; stop them after the test."""
    started: list[KasaSimulator] = []

    async def _start(fixture: str, **kwargs: Any) -> KasaSimulator:
        device = KasaSimulator(load_fixture(fixture), **kwargs)
        await device.start()
        started.append(device)
        return device

    yield _start
    for device in started:
        await device.stop()


def test_autokey_xor_round_trip() -> None:
    """The framing's cipher: key starts at 171 and follows the ciphertext."""
    payload = json.dumps({"system": {"get_sysinfo": {}}}).encode()
    assert decrypt(encrypt(payload)) == payload
    assert encrypt(b"{")[0] == 171 ^ ord("{")


@needs_fixtures
async def test_plug_switches_off_and_on(start_outlet: StartOutlet) -> None:
    """A plug's relay follows the commands, and the state reads back through python-kasa."""
    device = await start_outlet(PLUG)
    outlet = KasaOutlet("127.0.0.1", port=device.port)
    await outlet.set_on(True)
    assert device.is_on() and (await outlet.state()).on
    await outlet.set_on(False)
    assert not device.is_on() and not (await outlet.state()).on
    await outlet.close()


@needs_fixtures
async def test_strip_switches_only_the_chosen_outlet(start_outlet: StartOutlet) -> None:
    """On an HS300 only the named child (by id or alias) is switched; the others keep power."""
    device = await start_outlet(STRIP)
    child = device.children[2]
    outlet = KasaOutlet("127.0.0.1", port=device.port, child=child["alias"])
    await outlet.set_on(False)
    assert [device.is_on(c["id"]) for c in device.children] == [True, True, False, True, True, True]
    assert (await outlet.state()).power_w is not None  # the HS300 meters each outlet
    await outlet.set_on(True)
    assert all(device.is_on(c["id"]) for c in device.children)
    await outlet.close()


@needs_fixtures
async def test_metered_plug_reports_power(start_outlet: StartOutlet) -> None:
    """An HS110 reports its draw in W."""
    device = await start_outlet(METERED_PLUG)
    outlet = KasaOutlet("127.0.0.1", port=device.port)
    state = await outlet.state()
    await outlet.close()
    assert state.on is True and state.power_w == pytest.approx(0.928511)


async def test_builtin_plug_without_fixtures(start_outlet: StartOutlet) -> None:
    """The simulator's own plug (used when the fixtures are absent) also works with python-kasa."""
    device = await start_outlet("no-such-fixture.json")
    outlet = KasaOutlet("127.0.0.1", port=device.port)
    state = await outlet.state()
    await outlet.close()
    assert state.on is True and state.power_w == pytest.approx(115.0)


@needs_fixtures
async def test_unknown_outlet_and_unreachable_device(start_outlet: StartOutlet) -> None:
    """A child that does not exist is a response error; a dead device a connection error."""
    device = await start_outlet(STRIP)
    outlet = KasaOutlet("127.0.0.1", port=device.port, child="nope")
    with pytest.raises(ApiResponseError):
        await outlet.set_on(False)
    await outlet.close()
    device.offline = True
    with pytest.raises(ApiConnectionError):
        await KasaOutlet("127.0.0.1", port=device.port, timeout=1).state()


async def test_outlet_powers_the_miner_behind_it(
    start_outlet: StartOutlet, start_simulator: Callable[..., Awaitable[AxeOSSimulator]]
) -> None:
    """Switching the outlet off makes the simulated Bitaxe unreachable; on, it is back."""
    miner = await start_simulator("2.15")

    def power(child: str | None, on: bool) -> None:
        miner.fault = Fault.NONE if on else Fault.OFFLINE

    device = await start_outlet("no-such-fixture.json", on_relay=power)
    outlet = KasaOutlet("127.0.0.1", port=device.port)
    await outlet.set_on(False)
    assert miner.fault is Fault.OFFLINE
    await outlet.set_on(True)
    assert miner.fault is Fault.NONE
    await outlet.close()


@needs_fixtures
async def test_discovery_on_loopback_lists_every_strip_outlet(start_outlet: StartOutlet) -> None:
    """Discovery (loopback target, never a broadcast) lists a strip's outlets with a storable config."""
    device = await start_outlet(STRIP)
    found = await discover_outlets("127.0.0.1", port=device.port, wait=1)
    assert len(found) == len(device.children)
    assert all(
        choice.child and choice.child.endswith(child["id"])
        for choice, child in zip(found, device.children, strict=True)
    )
    assert all("password" not in json.dumps(choice.config) for choice in found)
    outlet = KasaOutlet.from_choice(found[2].host, found[2].child, found[2].config)
    await outlet.set_on(False)
    assert not device.is_on(device.children[2]["id"]) and device.is_on(device.children[0]["id"])
    await outlet.close()


@needs_fixtures
async def test_typed_host_lists_a_plug(start_outlet: StartOutlet) -> None:
    """A host typed by hand is found through discovery sent to that host."""
    device = await start_outlet(METERED_PLUG)
    (choice,) = await probe_outlets("127.0.0.1", port=device.port, wait=1)
    assert choice.child is None and "HS110" in choice.label


async def test_typed_host_that_does_not_answer(start_outlet: StartOutlet) -> None:
    """A host where nothing answers is a connection error, after discovery and a direct try."""
    device = await start_outlet(PLUG)
    await device.stop()
    with pytest.raises(ApiConnectionError):
        await probe_outlets("127.0.0.1", port=device.port, wait=1)


async def test_discovery_that_finds_nothing(start_outlet: StartOutlet) -> None:
    """Discovery with nothing answering returns an empty list."""
    device = await start_outlet(PLUG)
    await device.stop()
    assert await discover_outlets("127.0.0.1", port=device.port, wait=1) == []
