"""The "Route auction winnings" blueprint in Home Assistant's automation engine, on simulated miners."""

from __future__ import annotations

from typing import Any

from homeassistant.core import Event, HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.mining_fleet.const import DOMAIN

from ..tuning.conftest import SimClock
from .conftest import HOTKEY, SUBNET_HOST, AntminerSetup, BitaxeSetup, antminer_pools, bitaxe_pool, settle

BLUEPRINT = f"{DOMAIN}/route_auction_winnings.yaml"
NOTIFY = [{"event": "routing_message", "event_data": {"title": "{{ title }}", "message": "{{ message }}"}}]


def _device(hass: HomeAssistant, entry: MockConfigEntry) -> str:
    """Return the device id of a miner's entry."""
    (device,) = dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)
    return device.id


async def _automation(hass: HomeAssistant, **inputs: Any) -> list[Event]:
    """Set up one automation from the blueprint; return the messages it will send."""
    config = {"id": "route", "alias": "Route", "use_blueprint": {"path": BLUEPRINT, "input": inputs}}
    assert await async_setup_component(hass, "automation", {"automation": config})
    await hass.async_block_till_done()
    messages: list[Event] = []
    hass.bus.async_listen("routing_message", messages.append)
    return messages


async def _result(hass: HomeAssistant, won_ph: float, miners: list[str], auction: str = "auction-1") -> None:
    """Fire an auction result as the auction entry does, and let the automation finish."""
    hass.bus.async_fire(
        "mining_fleet_auction_result",
        {
            "device_id": auction,
            "entry_id": "entry-1",
            "name": "Subnet 89 auction",
            "hotkey": HOTKEY,
            "window": 3,
            "start_block": 7_500_045,
            "end_block": 7_500_104,
            "budget_ph": 664.2,
            "won_ph": won_ph,
            "lost_ph": 0.05,
            "won": [{"hashrate_ph": won_ph, "price": 1.0, "count": 1}] if won_ph else [],
            "lost": [{"hashrate_ph": 0.05, "price": 1.0, "count": 1}],
            "miners": miners,
        },
    )
    await hass.async_block_till_done()


async def test_winnings_reach_the_miners_and_go_home_after(
    hass: HomeAssistant, bitaxe: BitaxeSetup, antminer: AntminerSetup, sim_clock: SimClock
) -> None:
    """1 TH/s won: one Bitaxe on the subnet's pool; 0.1 PH: the Antminer instead; nothing won: all home."""
    (gamma, gamma_entry), (supra, supra_entry) = await bitaxe("2.15"), await bitaxe("2.12")
    s19, s19_entry = await antminer()
    miners = [_device(hass, entry) for entry in (gamma_entry, supra_entry, s19_entry)]
    messages = await _automation(hass, notify=NOTIFY)

    await _result(hass, 0.001, miners)
    on_subnet = [sim for sim in (gamma, supra) if bitaxe_pool(sim)[0] == SUBNET_HOST]
    assert len(on_subnet) == 1 and antminer_pools(s19)[0][0] == "btc.example-pool.com:3333"
    (message,) = messages
    assert message.data["title"] == "Subnet 89 auction: window 3 won 0.001 PH"
    assert message.data["message"].startswith(
        f"Window 3 (blocks 7500045 to 7500104): won 0.001 PH of 0.051 PH bid. Mining for the auction: "
        f"{on_subnet[0].state.hostname} (0.001"
    )
    await settle(hass, sim_clock)

    await _result(hass, 0.1, miners)
    assert antminer_pools(s19)[0][0] == f"{SUBNET_HOST}:9332"
    assert all(bitaxe_pool(sim)[0] == "public-pool.io" for sim in (gamma, supra))
    assert "Back on their own pool: 1 miner(s)." in messages[-1].data["message"]
    await settle(hass, sim_clock)

    await _result(hass, 0, miners)
    assert antminer_pools(s19)[0][0] == "btc.example-pool.com:3333"
    assert "Mining for the auction: none" in messages[-1].data["message"]


async def test_only_the_chosen_auction_and_miners(hass: HomeAssistant, bitaxe: BitaxeSetup) -> None:
    """Another auction's result is ignored; the chosen miners replace the event's; the pool URL override is used."""
    (gamma, gamma_entry), (other, other_entry) = await bitaxe("2.15"), await bitaxe("2.15")
    assert await async_setup_component(hass, "persistent_notification", {})
    await _automation(
        hass,
        auction="auction-1",
        miners=[_device(hass, gamma_entry)],
        pool_url="stratum+tcp://test-pool.example:4444",
    )
    both = [_device(hass, gamma_entry), _device(hass, other_entry)]
    await _result(hass, 0.5, both, auction="auction-2")
    assert bitaxe_pool(gamma)[0] == bitaxe_pool(other)[0] == "public-pool.io"
    await _result(hass, 0.5, both)
    assert bitaxe_pool(gamma)[:2] == ("test-pool.example", 4444)
    assert bitaxe_pool(other)[0] == "public-pool.io"


async def test_no_miners_no_action(hass: HomeAssistant, bitaxe: BitaxeSetup) -> None:
    """A result naming no miners (and none chosen) does nothing at all."""
    gamma, _ = await bitaxe("2.15")
    await _automation(hass)
    await _result(hass, 0.5, [])
    assert bitaxe_pool(gamma)[0] == "public-pool.io"
