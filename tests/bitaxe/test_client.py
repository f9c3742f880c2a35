"""The AxeOS client against the simulator over real HTTP on 127.0.0.1."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest

from custom_components.mining_fleet.api.axeos import AxeOSClient, pool_settings_body
from custom_components.mining_fleet.api.axeos_models import PoolSettings, SystemInfo
from custom_components.mining_fleet.api.errors import (
    ApiBadRequestError,
    ApiConnectionError,
    ApiNotLocalError,
    ApiResponseError,
    ApiTimeoutError,
)
from simulators.axeos import AxeOSSimulator, Fault

from ..conftest import SimulatorFactory


@pytest.fixture
async def session(socket_enabled: None) -> aiohttp.ClientSession:
    """Return an aiohttp session closed after the test."""
    async with aiohttp.ClientSession() as client_session:
        yield client_session


async def _client(
    start_simulator: SimulatorFactory, session: aiohttp.ClientSession, firmware: str, **kwargs: object
) -> tuple[AxeOSSimulator, AxeOSClient]:
    miner = await start_simulator(firmware, **kwargs)
    return miner, AxeOSClient(miner.host, session, timeout=1.0)


@pytest.mark.parametrize(
    ("firmware", "string_diff", "has_1m", "has_pause", "pool_slots"),
    [
        ("2.5", True, False, False, False),
        ("2.9", True, False, False, False),
        ("2.12", False, True, False, False),
        ("2.14", False, True, True, False),
        ("2.15", False, True, True, True),
    ],
)
async def test_info_across_firmware(
    start_simulator: SimulatorFactory,
    session: aiohttp.ClientSession,
    firmware: str,
    string_diff: bool,
    has_1m: bool,
    has_pause: bool,
    pool_slots: bool,
) -> None:
    """Every firmware generation parses, with its quirks smoothed over."""
    miner, client = await _client(start_simulator, session, firmware)
    miner.state.best_diff = 4_290_000_000
    info = await client.info()
    assert isinstance(miner.info_document()["bestDiff"], str) is string_diff
    assert info.best_difficulty == pytest.approx(4.29e9, rel=1e-3)
    assert info.mac_address == miner.mac
    assert info.version[:2] == miner.version
    assert (info.hashrate_1m is not None) is has_1m
    assert info.supports_pause is has_pause
    assert info.has_pool_slots is pool_slots
    assert info.fan_duty is not None
    assert info.asic_temperature_2 is None  # -1 on the wire means "no second sensor"
    assert info.active_pool is not None
    assert info.active_pool.address == "public-pool.io:21496"


async def test_asic_options_and_old_firmware(
    start_simulator: SimulatorFactory, session: aiohttp.ClientSession
) -> None:
    """/api/system/asic gives the option lists; before 2.7 it is absent and reads as None."""
    _, new = await _client(start_simulator, session, "2.15")
    asic = await new.asic()
    assert asic is not None
    assert asic.frequency_options == (400, 490, 525, 550, 600, 625)
    assert asic.default_voltage == 1150
    _, old = await _client(start_simulator, session, "2.5")
    assert await old.asic() is None


async def test_settings_apply_live_and_move_the_physics(
    start_simulator: SimulatorFactory, session: aiohttp.ClientSession
) -> None:
    """Voltage and frequency apply live; power and hashrate follow."""
    clock = [0.0]
    miner, client = await _client(start_simulator, session, "2.15", clock=lambda: clock[0])
    clock[0] = 60
    before = await client.info()
    await client.apply_tuning(frequency=625, core_voltage=1250)
    clock[0] = 120
    after = await client.info()
    assert after.frequency == 625
    assert after.core_voltage == 1250
    assert after.power is not None and before.power is not None and after.power > before.power
    assert after.expected_hashrate is not None and before.expected_hashrate is not None
    assert after.expected_hashrate > before.expected_hashrate


async def test_a_heat_spike_is_cooled_by_stepping_down(
    start_simulator: SimulatorFactory, session: aiohttp.ClientSession
) -> None:
    """A heat spike raises the ASIC temperature; a lower frequency (less power) brings it down again."""
    clock = [0.0]
    miner, client = await _client(start_simulator, session, "2.15", clock=lambda: clock[0])
    await client.apply_tuning(frequency=625, core_voltage=1250)
    miner.state.autofan, miner.state.manual_fan = False, 50  # a fixed fan, so power alone decides
    clock[0] = 60
    normal = (await client.info()).asic_temperature
    async with session.post(
        f"http://{miner.host}/_sim/fault", json={"fault": "none", "heat": 15}
    ) as response:
        assert response.status == 200
    clock[0] = 120
    spiked = (await client.info()).asic_temperature
    await client.apply_tuning(frequency=400)
    clock[0] = 180
    stepped_down = (await client.info()).asic_temperature
    assert normal is not None and spiked is not None and stepped_down is not None
    assert spiked > normal + 10
    assert stepped_down < spiked - 3


async def test_fan_and_temperature_target(
    start_simulator: SimulatorFactory, session: aiohttp.ClientSession
) -> None:
    """Manual fan speed turns auto fan off; both fan keys reach old and new firmware."""
    for firmware in ("2.9", "2.15"):
        miner, client = await _client(start_simulator, session, firmware)
        await client.set_fan_speed(70)
        await client.set_temperature_target(55)
        info = await client.info()
        assert info.auto_fan is False
        assert info.fan_duty == 70
        assert miner.state.temp_target == 55
        await client.set_auto_fan(True)
        assert (await client.info()).auto_fan is True


async def test_bad_value_is_rejected_on_new_firmware_and_stored_on_old(
    start_simulator: SimulatorFactory, session: aiohttp.ClientSession
) -> None:
    """2.11+ answers 400 and saves nothing; ≤2.10 stores anything (why we clamp ourselves)."""
    new_miner, new = await _client(start_simulator, session, "2.12")
    with pytest.raises(ApiBadRequestError):
        await new.update_settings({"temptarget": 90, "frequency": 500})
    assert new_miner.state.temp_target == 60
    assert new_miner.state.frequency == 490
    old_miner, old = await _client(start_simulator, session, "2.9")
    await old.update_settings({"temptarget": 90})
    assert old_miner.state.temp_target == 90


async def test_pools_in_both_forms(start_simulator: SimulatorFactory, session: aiohttp.ClientSession) -> None:
    """≤2.14 takes top-level stratum keys; 2.15+ ignores them and takes pool slots."""
    primary = PoolSettings("pool.example", 3333, "wallet.rig", "secret")
    fallback = PoolSettings("backup.example", 4444, "wallet.backup")
    for firmware, slots in (("2.12", False), ("2.15", True)):
        miner, client = await _client(start_simulator, session, firmware)
        await client.set_pools(primary, fallback, pool_slots=slots)
        info = await client.info()
        assert info.primary_pool is not None and info.primary_pool.address == "pool.example:3333"
        assert info.fallback_pool is not None and info.fallback_pool.user == "wallet.backup"
    newest, client = await _client(start_simulator, session, "2.15")
    await client.update_settings(pool_settings_body(primary, None, pool_slots=False))
    assert (await client.info()).primary_pool.url == "public-pool.io"  # type: ignore[union-attr]
    assert newest.state.pools[0]["stratumURL"] == "public-pool.io"


async def test_restart_goes_away_and_resets_counters(
    start_simulator: SimulatorFactory, session: aiohttp.ClientSession
) -> None:
    """Restart replies, then the miner is unreachable, then comes back with fresh counters."""
    clock = [100.0]
    miner, client = await _client(start_simulator, session, "2.12", clock=lambda: clock[0])
    miner.state.shares_accepted = 42
    await client.restart()
    await asyncio.sleep(0)  # the simulator reboots just after replying, like the ESP32
    with pytest.raises(ApiConnectionError):
        await client.info()
    clock[0] += miner.restart_seconds + 5
    info = await client.info()
    assert info.shares_accepted == 0
    assert info.uptime_seconds == 5


async def test_identify_pause_resume(
    start_simulator: SimulatorFactory, session: aiohttp.ClientSession
) -> None:
    """Pause stops hashing; resume starts it; identify is acknowledged."""
    clock = [0.0]
    miner, client = await _client(start_simulator, session, "2.15", clock=lambda: clock[0])
    await client.identify()
    await client.pause()
    clock[0] = 120
    paused = await client.info()
    assert paused.mining_paused is True
    assert paused.hashrate == 0
    await client.resume()
    clock[0] = 240
    assert (await client.info()).hashrate > 0  # type: ignore[operator]


async def test_missing_endpoint_on_old_firmware(
    start_simulator: SimulatorFactory, session: aiohttp.ClientSession
) -> None:
    """Actions the firmware lacks raise a clear error instead of pretending to work."""
    _, client = await _client(start_simulator, session, "2.9")
    with pytest.raises(ApiResponseError, match="does not support"):
        await client.pause()


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        (Fault.TIMEOUT, ApiTimeoutError),
        (Fault.HTTP_500, ApiResponseError),
        (Fault.MALFORMED_JSON, ApiResponseError),
        (Fault.NOT_LOCAL, ApiNotLocalError),
        (Fault.OFFLINE, ApiConnectionError),
    ],
)
async def test_faults_map_to_the_exception_tree(
    start_simulator: SimulatorFactory, session: aiohttp.ClientSession, fault: Fault, error: type[Exception]
) -> None:
    """Each injected fault becomes the matching client exception."""
    miner, client = await _client(start_simulator, session, "2.15")
    miner.fault = fault
    with pytest.raises(error):
        await client.info()


async def test_missing_fields_parse_as_unknown(
    start_simulator: SimulatorFactory, session: aiohttp.ClientSession
) -> None:
    """A reply missing telemetry still parses; the missing values are None."""
    miner, client = await _client(start_simulator, session, "2.15")
    miner.fault = Fault.MISSING_FIELDS
    info = await client.info()
    assert info.hashrate is None
    assert info.power is None
    assert info.efficiency is None
    assert info.mac_address == miner.mac


async def test_unreachable_host(session: aiohttp.ClientSession) -> None:
    """A closed port is a connection error."""
    client = AxeOSClient("127.0.0.1:1", session, timeout=1.0)
    with pytest.raises(ApiConnectionError):
        await client.info()


async def test_not_a_json_object() -> None:
    """A JSON array is not system info."""
    with pytest.raises(ApiResponseError):
        SystemInfo.from_dict([1, 2])
