"""The auction entry's own routing: won hashrate sent to the chosen Antminers, or a proxy's pools.toml, each window."""

from __future__ import annotations

from pathlib import Path

from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr

from simulators.subtensor import DEMO, FakeChain, apply_scenario

from ..conftest import set_up_entry
from ..routing.conftest import SUBNET_HOST, AntminerSetup, antminer_pools
from .conftest import FakeChainFactory, proxy_routing
from .test_auction_entry import NETUID, OURS, WINDOW_1, WINDOW_2, auction_entry, until, write_wallet

WINDOW_3 = 7_500_165


def device_of(hass: HomeAssistant, entry_id: str) -> str:
    """Return the one device of an entry."""
    [device] = dr.async_entries_for_config_entry(dr.async_get(hass), entry_id)
    return device.id


def starve(chain: FakeChain) -> None:
    """Have every demo validator publish a cap so small that nothing of ours fits the budget."""
    for commitment in [c for c in chain.commitments_at(NETUID, chain.head) if c.data.startswith(b"1;p;")]:
        chain.commit_prices(
            NETUID, commitment.hotkey, alpha_tao="0.25", hashp_usdc="50", tao_usdc="45", cap="0.000001"
        )


async def test_won_hashrate_moves_antminers_to_the_subnet_pool_and_back(
    hass: HomeAssistant,
    start_fake_chain: FakeChainFactory,
    antminer: AntminerSetup,
    tmp_path: Path,
) -> None:
    """Window 2 is won: the chosen Antminers mine for the auction; window 3 is lost: they go home."""
    first, first_entry = await antminer("antminer-a")
    second, second_entry = await antminer("antminer-b")
    own = antminer_pools(first)
    chain = FakeChain(start_block=WINDOW_1 - 45)
    apply_scenario(chain, DEMO)
    chain.register_neuron(NETUID, OURS)
    chain.commit_bid(NETUID, OURS, {"0.45": 2}, "1")
    chain.produce_blocks(WINDOW_1 + 50 - chain.head)
    simulator = await start_fake_chain(chain)
    miners = [device_of(hass, first_entry.entry_id), device_of(hass, second_entry.entry_id)]
    entry = auction_entry(simulator.url, write_wallet(tmp_path), routing="miners", miners=miners)
    await set_up_entry(hass, entry)
    # Window 1 already counts our bid (committed before it started): 0.9 PH, more than both measure.
    await until(lambda: entry.runtime_data.routing is not None)
    assert entry.runtime_data.routing["shortfall_ph"] > 0
    for miner in (first, second):
        url, user, _ = antminer_pools(miner)[0]
        assert SUBNET_HOST in url and user.startswith(f"sn89auction.{OURS}.antminer_")
    starve(chain)
    simulator.produce_blocks(WINDOW_2 - chain.head)
    await until(lambda: entry.runtime_data.routing["won_ph"] == 0, seconds=10)
    assert sorted(entry.runtime_data.routing["returned"]) == sorted(miners)
    assert antminer_pools(first) == own and antminer_pools(second)[0] == own[0]


async def test_proxy_mode_writes_the_target_each_window(
    hass: HomeAssistant, start_fake_chain: FakeChainFactory, tmp_path: Path
) -> None:
    """In proxy mode the central-proxy pool's target follows the won PH and the sentinel is touched."""
    options = proxy_routing(hass, tmp_path)
    pools, sentinel = Path(options["pools_toml"]), Path(options["reload_sentinel"])
    chain = FakeChain(start_block=WINDOW_1 - 45)
    apply_scenario(chain, DEMO)
    chain.register_neuron(NETUID, OURS)
    chain.commit_bid(NETUID, OURS, {"0.45": 2}, "1")
    chain.produce_blocks(WINDOW_1 + 50 - chain.head)
    simulator = await start_fake_chain(chain)
    entry = auction_entry(simulator.url, write_wallet(tmp_path), **options)
    await set_up_entry(hass, entry)
    await until(lambda: sentinel.exists())
    assert 'target_hashrate = "900TH/s"' in pools.read_text() and "weight" not in pools.read_text()
    starve(chain)
    simulator.produce_blocks(WINDOW_2 - chain.head)
    await until(lambda: entry.runtime_data.routing == {"mode": "proxy", "target_ph": 0.0})
    assert 'target_hashrate = "0TH/s"' in pools.read_text()


async def test_a_proxy_file_that_cannot_be_written_is_reported_not_raised(
    hass: HomeAssistant, start_fake_chain: FakeChainFactory, tmp_path: Path
) -> None:
    """A pools.toml outside the allowed folders: the routing error is shown; the auction goes on."""
    chain = FakeChain(start_block=WINDOW_1 - 45)
    apply_scenario(chain, DEMO)
    chain.register_neuron(NETUID, OURS)
    chain.produce_blocks(WINDOW_1 + 50 - chain.head)
    simulator = await start_fake_chain(chain)
    options = {"routing": "proxy", "pools_toml": "/etc/pools.toml", "reload_sentinel": "/etc/reload"}
    entry = auction_entry(simulator.url, write_wallet(tmp_path), **options)
    await set_up_entry(hass, entry)
    await until(lambda: entry.runtime_data.routing is not None)
    assert "error" in entry.runtime_data.routing
    simulator.produce_blocks(WINDOW_3 - chain.head)
    await until(lambda: entry.runtime_data.data.window.start == WINDOW_3)
