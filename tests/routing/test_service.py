"""The route_hashrate action on a mixed fleet of simulated miners: what moves, what answers, what is refused."""

from __future__ import annotations

from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import device_registry as dr
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
import voluptuous as vol

from custom_components.mining_fleet.const import DOMAIN
from custom_components.mining_fleet.routing import async_route_devices
from simulators.axeos import AxeOSSimulator, Fault
from simulators.vnish import VNishSimulator

from ..tuning.conftest import SimClock
from .conftest import (
    HOTKEY,
    SUBNET,
    SUBNET_HOST,
    AntminerSetup,
    BitaxeSetup,
    antminer_pools,
    bitaxe_pool,
    settle,
    writes,
)


def _device(hass: HomeAssistant, entry: MockConfigEntry) -> str:
    """Return the device id of a miner's entry."""
    (device,) = dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)
    return device.id


async def _route(
    hass: HomeAssistant, devices: list[str], hashrate_ph: float, **fields: Any
) -> dict[str, Any]:
    """Call route_hashrate and return its answer."""
    response = await hass.services.async_call(
        DOMAIN,
        "route_hashrate",
        {"device_id": devices, "hashrate_ph": hashrate_ph, "hotkey": HOTKEY, **fields},
        blocking=True,
        return_response=True,
    )
    assert isinstance(response, dict)
    return response


async def _fleet(
    bitaxe: BitaxeSetup, antminer: AntminerSetup
) -> tuple[list[tuple[AxeOSSimulator, MockConfigEntry]], tuple[VNishSimulator, MockConfigEntry]]:
    """Start two Bitaxes (one per firmware form, about 1 TH/s each) and an Antminer (about 102 TH/s)."""
    return [await bitaxe("2.15"), await bitaxe("2.12")], await antminer()


async def test_route_the_fewest_then_return_them(
    hass: HomeAssistant, bitaxe: BitaxeSetup, antminer: AntminerSetup, sim_clock: SimClock
) -> None:
    """1 TH/s goes to one Bitaxe, 100 TH/s to the Antminer alone; 0 PH sends everyone home; repeats write nothing."""
    bitaxes, (s19, s19_entry) = await _fleet(bitaxe, antminer)
    devices = [_device(hass, entry) for _, entry in [*bitaxes, (s19, s19_entry)]]
    answer = await _route(hass, devices, 0.001)
    assert len(answer["routed"]) == 1 and answer["routed"] == answer["on_subnet_pool"]
    assert answer["shortfall_ph"] == 0 and answer["covered_ph"] >= 0.001 and answer["failures"] == {}
    assert sorted(answer["unchanged"]) == sorted(set(devices) - set(answer["routed"]))
    (chosen,) = [sim for sim, entry in bitaxes if _device(hass, entry) in answer["routed"]]
    assert bitaxe_pool(chosen)[:2] == (SUBNET_HOST, 9332)
    assert bitaxe_pool(chosen)[2] == f"sn89auction.{HOTKEY}.{chosen.state.hostname.replace('-', '_')}"
    await settle(hass, sim_clock)

    counts = [len(writes(sim)) for sim in (*(sim for sim, _ in bitaxes), s19)]
    assert (await _route(hass, devices, 0.001))["unchanged"] == sorted(devices)
    assert [len(writes(sim)) for sim in (*(sim for sim, _ in bitaxes), s19)] == counts

    answer = await _route(hass, devices, 0.1)
    assert answer["routed"] == [_device(hass, s19_entry)]
    assert answer["returned"] == [
        _device(hass, chosen_entry) for sim, chosen_entry in bitaxes if sim is chosen
    ]
    assert antminer_pools(s19)[0][0] == f"{SUBNET_HOST}:9332"
    await settle(hass, sim_clock)

    answer = await _route(hass, devices, 0)
    assert answer["returned"] == [_device(hass, s19_entry)] and answer["on_subnet_pool"] == []
    assert antminer_pools(s19)[0][0] == "btc.example-pool.com:3333"
    assert all(bitaxe_pool(sim)[0] == "public-pool.io" for sim, _ in bitaxes)


async def test_more_than_the_fleet_has(hass: HomeAssistant, bitaxe: BitaxeSetup) -> None:
    """A win beyond every miner routes them all and names the shortfall."""
    sim, entry = await bitaxe("2.15")
    answer = await _route(hass, [_device(hass, entry)], 0.5)
    assert answer["routed"] == [_device(hass, entry)]
    assert answer["shortfall_ph"] == pytest.approx(0.5 - answer["covered_ph"])
    assert bitaxe_pool(sim)[0] == SUBNET_HOST


async def test_a_failing_miner_is_reported_while_the_others_route(
    hass: HomeAssistant, bitaxe: BitaxeSetup, antminer: AntminerSetup
) -> None:
    """One Bitaxe refusing every command does not hold up the Antminer; the answer names it."""
    (broken, broken_entry), _ = await bitaxe("2.15"), None
    s19, s19_entry = await antminer()
    broken.fault = Fault.BAD_REQUEST
    devices = [_device(hass, broken_entry), _device(hass, s19_entry)]
    answer = await _route(hass, devices, 0.2)  # more than both: both are chosen
    assert answer["routed"] == [_device(hass, s19_entry)]
    assert list(answer["failures"]) == [_device(hass, broken_entry)]
    assert broken_entry.title in answer["failures"][_device(hass, broken_entry)]
    assert antminer_pools(s19)[0][0] == f"{SUBNET_HOST}:9332"
    assert answer["covered_ph"] < 0.2 and answer["shortfall_ph"] > 0.09

    with pytest.raises(HomeAssistantError) as caught:  # without an answer, the failure is raised
        await hass.services.async_call(
            DOMAIN,
            "route_hashrate",
            {"device_id": devices, "hashrate_ph": 0.2, "hotkey": HOTKEY},
            blocking=True,
        )
    assert caught.value.translation_key == "routing_failed"


@pytest.mark.parametrize(
    ("fields", "key"),
    [
        ({"hotkey": "5notahotkey"}, "invalid_hotkey"),
        ({"pool_url": "http://stratum.infinitehash.xyz:9332"}, "invalid_pool_url"),
        ({"pool_url": "stratum+tcp://stratum.infinitehash.xyz"}, "invalid_pool_url"),
        ({"worker_prefix": "sn89.auction"}, "invalid_worker_prefix"),
    ],
)
async def test_bad_fields_are_refused_before_anything_is_sent(
    hass: HomeAssistant, bitaxe: BitaxeSetup, fields: dict[str, str], key: str
) -> None:
    """A bad hotkey, pool URL or worker prefix is a translated refusal; no miner hears of it."""
    sim, entry = await bitaxe("2.15")
    with pytest.raises(ServiceValidationError) as caught:
        await _route(hass, [_device(hass, entry)], 0.001, **fields)
    assert caught.value.translation_key == key
    assert writes(sim) == []


@pytest.mark.parametrize("hashrate", [-0.1, "nan", "inf", "lots"])
async def test_bad_hashrate_is_refused(hass: HomeAssistant, bitaxe: BitaxeSetup, hashrate: Any) -> None:
    """Negative or non-numbers never reach the choice."""
    _, entry = await bitaxe("2.15")
    with pytest.raises(vol.Invalid):
        await _route(hass, [_device(hass, entry)], hashrate)


async def test_custom_pool_prefix_and_password(hass: HomeAssistant, antminer: AntminerSetup) -> None:
    """Another pool URL, worker prefix and password reach the miner as given."""
    sim, entry = await antminer(title="Rack 3 / S19")
    await _route(
        hass,
        [_device(hass, entry)],
        0.01,
        pool_url="stratum+tcp://Pool.Example:3334",
        worker_prefix="test",
        pool_password="d=8192",
    )
    assert antminer_pools(sim)[0] == ("pool.example:3334", f"test.{HOTKEY}.rack_3_s19", "d=8192")


async def test_devices_that_are_not_loaded_are_failures(hass: HomeAssistant, bitaxe: BitaxeSetup) -> None:
    """The auction entry routes by device id; one that is no loaded miner is reported, the others route."""
    sim, entry = await bitaxe("2.15")
    result = await async_route_devices(hass, [_device(hass, entry), "gone"], 0.001, SUBNET)
    assert result.routed == (_device(hass, entry),)
    assert "gone" in result.failures["gone"]
    assert bitaxe_pool(sim)[0] == SUBNET_HOST


async def test_same_names_get_distinct_workers(hass: HomeAssistant, antminer: AntminerSetup) -> None:
    """Two miners named alike mine as two workers."""
    first, first_entry = await antminer()
    second, second_entry = await antminer()
    await _route(hass, [_device(hass, first_entry), _device(hass, second_entry)], 0.3)
    users = {antminer_pools(first)[0][1], antminer_pools(second)[0][1]}
    assert len(users) == 2 and all(user.startswith(f"sn89auction.{HOTKEY}.antminer_s19_") for user in users)
