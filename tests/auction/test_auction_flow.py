"""Adding an auction and changing its bid: the chain, the wallet, the hotkey's registration, the bid's checks."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from unittest.mock import patch

from homeassistant.config_entries import SOURCE_USER
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.requirements import RequirementsNotFound

from custom_components.mining_fleet.const import DOMAIN
from simulators.subtensor import FakeChain

from ..conftest import MinerSetup, set_up_entry
from .conftest import FakeChainFactory
from .test_auction_entry import NETUID, OURS, WINDOW_1, auction_entry, demo_chain, write_wallet

BID = {"price": 1.0, "bid_source": "sizes", "worker_sizes": "0.45:2, 0.25:1", "routing": "off"}


def chain_form(url: str, wallets: Path, **changes: Any) -> dict[str, Any]:
    """Return the chain step's answers."""
    return {
        "network": url,
        "netuid": NETUID,
        "wallet_path": str(wallets),
        "wallet_name": "default",
        "hotkey": "default",
        **changes,
    }


async def start_flow(hass: HomeAssistant) -> str:
    """Open the config flow at the auction step and return its id."""
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"next_step_id": "auction"})
    assert result["step_id"] == "auction"
    return str(result["flow_id"])


async def test_an_auction_is_added_with_its_bid(
    hass: HomeAssistant, start_fake_chain: FakeChainFactory, tmp_path: Path
) -> None:
    """Chain and wallet checked, then the bid: the entry holds the chain in data and the bid in options."""
    chain = await demo_chain(start_fake_chain)
    flow_id = await start_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id, chain_form(chain.url, write_wallet(tmp_path))
    )
    assert result["step_id"] == "auction_bid"
    result = await hass.config_entries.flow.async_configure(flow_id, BID)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Subnet 89 auction (5GrwvaEF)"
    assert result["data"]["network"] == chain.url and result["data"]["kind"] == "auction"
    assert result["options"]["worker_sizes"] == "0.45:2, 0.25:1"
    await hass.async_block_till_done()
    chain.produce_blocks(1)
    assert [c.data for c in chain.chain.commitments_at(NETUID, chain.chain.head) if c.hotkey == OURS] == [
        b"2;b;BTC,1=0.25:1,0.45:2"
    ]
    # The same hotkey on the same chain and subnet cannot be added twice.
    flow_id = await start_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id, chain_form(chain.url, tmp_path / "wallets")
    )
    assert result["type"] is FlowResultType.ABORT and result["reason"] == "already_configured"


async def test_chain_step_errors(
    hass: HomeAssistant, start_fake_chain: FakeChainFactory, tmp_path: Path
) -> None:
    """A bad network, a missing wallet, an unregistered hotkey, no chain, packages that will not install."""
    wallets = write_wallet(tmp_path)
    unregistered = FakeChain(start_block=WINDOW_1)
    chain = await start_fake_chain(unregistered)
    flow_id = await start_flow(hass)
    cases: list[tuple[dict[str, Any], dict[str, str]]] = [
        (chain_form("http://example.com", wallets), {"network": "invalid_network"}),
        (chain_form(chain.url, tmp_path / "elsewhere"), {"base": "wallet_not_found"}),
        (chain_form(chain.url, wallets, hotkey="other"), {"base": "hotkey_not_found"}),
        (chain_form(chain.url, wallets), {"base": "hotkey_not_registered"}),
        (chain_form("http://127.0.0.1:9", wallets), {"base": "chain_cannot_connect"}),
    ]
    for answers, errors in cases:
        result = await hass.config_entries.flow.async_configure(flow_id, answers)
        assert result["errors"] == errors, answers
    failed = RequirementsNotFound(f"{DOMAIN}.auction", ["bittensor==11.3.0"])
    with patch("custom_components.mining_fleet.auction.chain.async_process_requirements", side_effect=failed):
        result = await hass.config_entries.flow.async_configure(flow_id, chain_form("finney", wallets))
    assert result["errors"] == {"base": "auction_requirements"}


async def test_bid_step_errors(
    hass: HomeAssistant, start_fake_chain: FakeChainFactory, tmp_path: Path, setup_miner: MinerSetup
) -> None:
    """Each way a bid cannot be published or routed is refused on the field it concerns."""
    _, bitaxe = await setup_miner()
    [miner_device] = [d.id for d in _devices(hass, bitaxe.entry_id)]
    chain = await demo_chain(start_fake_chain)
    flow_id = await start_flow(hass)
    await hass.config_entries.flow.async_configure(flow_id, chain_form(chain.url, write_wallet(tmp_path)))
    hass.config.allowlist_external_dirs = {str(tmp_path / "proxy")}
    cases: list[tuple[dict[str, Any], dict[str, str]]] = [
        ({**BID, "bid_source": "miners"}, {"miners": "bid_needs_miners"}),
        ({**BID, "bid_source": "miners", "miners": [miner_device]}, {"miners": "bid_too_small"}),
        ({**BID, "worker_sizes": "0.5:1"}, {"worker_sizes": "bid_sizes_invalid"}),
        ({**BID, "worker_sizes": "lots"}, {"worker_sizes": "bid_sizes_invalid"}),
        ({**BID, "routing": "miners"}, {"miners": "routing_needs_miners"}),
        ({**BID, "routing": "proxy", "pools_toml": "/etc/pools.toml"}, {"pools_toml": "path_not_allowed"}),
        (
            {**BID, "routing": "proxy", "pools_toml": str(tmp_path / "proxy" / "pools.toml")},
            {"reload_sentinel": "path_not_allowed"},
        ),
    ]
    for answers, errors in cases:
        result = await hass.config_entries.flow.async_configure(flow_id, answers)
        assert result["errors"] == errors, answers


def _devices(hass: HomeAssistant, entry_id: str) -> list[Any]:
    """Return the devices of an entry."""
    from homeassistant.helpers import device_registry as dr

    return dr.async_entries_for_config_entry(dr.async_get(hass), entry_id)


async def test_options_change_the_bid_and_reload(
    hass: HomeAssistant, start_fake_chain: FakeChainFactory, tmp_path: Path
) -> None:
    """Configure shows the current bid; new worker sizes are saved and the entry reloads with them."""
    chain = await demo_chain(start_fake_chain)
    chain.chain.rate_limit_blocks = 1
    entry = auction_entry(chain.url, write_wallet(tmp_path))
    await set_up_entry(hass, entry)
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["step_id"] == "bid"
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**BID, "worker_sizes": "0.3:1"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert entry.options["worker_sizes"] == "0.3:1"
    assert entry.runtime_data.data.wanted == "2;b;BTC,1=0.3:1"
    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**BID, "bid_source": "miners"}
    )
    assert result["errors"] == {"miners": "bid_needs_miners"}


async def test_proxy_routing_with_allowed_files_and_a_miner_not_loaded_are_offered(
    hass: HomeAssistant, start_fake_chain: FakeChainFactory, tmp_path: Path, setup_miner: MinerSetup
) -> None:
    """Proxy files inside the allowlist are accepted; an unloaded chosen miner stays offered, a removed one not."""
    _, bitaxe = await setup_miner()
    [miner_device] = [d.id for d in _devices(hass, bitaxe.entry_id)]
    chain = await demo_chain(start_fake_chain)
    proxy = tmp_path / "proxy"
    proxy.mkdir()
    (proxy / "pools.toml").write_text('[[pools.main]]\nname = "central-proxy"\n')
    hass.config.allowlist_external_dirs = {str(proxy)}
    routing = {
        "routing": "proxy",
        "pools_toml": str(proxy / "pools.toml"),
        "reload_sentinel": str(proxy / "reload"),
    }
    entry = auction_entry(chain.url, write_wallet(tmp_path), miners=[miner_device, "a-removed-device"])
    await set_up_entry(hass, entry)
    await hass.config_entries.async_unload(bitaxe.entry_id)
    result = await hass.config_entries.options.async_init(entry.entry_id)
    [field] = [f for f in result["data_schema"].schema if str(f) == "miners"]
    options = result["data_schema"].schema[field].config["options"]
    assert [option["value"] for option in options] == [miner_device]
    result = await hass.config_entries.options.async_configure(result["flow_id"], {**BID, **routing})
    assert result["type"] is FlowResultType.CREATE_ENTRY and entry.options["routing"] == "proxy"
