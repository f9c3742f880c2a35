"""An auction entry's settings: where the chain is, whose hotkey bids, and what it bids."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlsplit

from ..api.subtensor import NAMED_NETWORKS
from ..api.subtensor_loopback import loopback_url
from ..logic.auction import encode_bid, fp18, split_hashrate
from ..logic.auction.codec import MAX_WORKER, MAX_WORKERS
from ..logic.auction.solver import MAX_PRICE

CONF_NETWORK = "network"
CONF_NETUID = "netuid"
CONF_WALLET_PATH = "wallet_path"
CONF_WALLET_NAME = "wallet_name"
CONF_HOTKEY = "hotkey"
CONF_PRICE = "price"
CONF_BID_SOURCE = "bid_source"
CONF_WORKER_SIZES = "worker_sizes"
CONF_MINERS = "miners"
CONF_ROUTING = "routing"
CONF_POOLS_TOML = "pools_toml"
CONF_RELOAD_SENTINEL = "reload_sentinel"

DEFAULT_NETWORK = "finney"
DEFAULT_NETUID = 89
DEFAULT_WALLET_PATH = "~/.bittensor/wallets"
DEFAULT_PRICE = 1.0
MIN_PRICE = 0.5
SOURCE_MINERS = "miners"
SOURCE_SIZES = "sizes"
ROUTING_OFF = "off"
ROUTING_MINERS = "miners"
ROUTING_PROXY = "proxy"
TH_PER_PH = 1000
MAX_BID_PH = fp18.decimal(MAX_WORKER * MAX_WORKERS)  # 450 PH: 1000 workers of 0.45 PH, the most one bid holds


def is_simulator(network: str) -> bool:
    """Tell whether the network is the project's loopback chain simulator (http://127.0.0.1:PORT)."""
    try:
        loopback_url(network)
    except ValueError:
        return False
    return True


def valid_network(network: str) -> bool:
    """Tell whether a network is one we can reach: a named one, a ws(s):// URL, or the simulator."""
    if network in NAMED_NETWORKS or is_simulator(network):
        return True
    parts = urlsplit(network)
    return parts.scheme in ("ws", "wss") and bool(parts.hostname)


def parse_worker_sizes(text: str) -> dict[Decimal, int]:
    """Return worker sizes (PH) and counts from "0.45:2, 0.25:1"; raise ValueError when they cannot be bid."""
    sizes: dict[Decimal, int] = {}
    for part in text.replace(";", ",").split(","):
        if not part.strip():
            continue
        size_text, _, count_text = part.strip().partition(":")
        try:
            size, count = Decimal(size_text.strip()), int(count_text.strip() or "1")
        except (InvalidOperation, ValueError) as err:
            raise ValueError(f"{part.strip()!r} is not SIZE:COUNT") from err
        sizes[size] = sizes.get(size, 0) + count
    encode_bid(sizes, Decimal(1))  # refuses sizes outside 0.05-0.45 PH, counts under 1, too many workers
    return sizes


def miners_total_ph(nominal_ths: Iterable[float | None]) -> Decimal:
    """Return the chosen miners' nominal hashrate in PH, rounded down to whole TH/s (steady bids)."""
    whole_ths = sum(int(value) for value in nominal_ths if value is not None and value > 0)
    return Decimal(whole_ths) / TH_PER_PH


class BidProblem(ValueError):
    """The options give no bid we may publish; `key` is a translation key saying why."""

    def __init__(self, key: str, detail: str) -> None:
        """Keep the key and what was wrong."""
        super().__init__(detail)
        self.key = key


def bid_text(options: Mapping[str, Any], nominal_ths: Iterable[float | None]) -> str:
    """Return the canonical bid the options ask for; raise BidProblem saying why there is none."""
    price = price_of(options)
    try:
        if options.get(CONF_BID_SOURCE, SOURCE_MINERS) == SOURCE_SIZES:
            return encode_bid(parse_worker_sizes(str(options.get(CONF_WORKER_SIZES, ""))), price)
        total = miners_total_ph(nominal_ths)
        if total > MAX_BID_PH:
            raise BidProblem("bid_too_large", f"{total} PH is more than the {MAX_BID_PH} PH one bid may hold")
        return encode_bid(split_hashrate(total), price) if total else _no_hashrate()
    except BidProblem:
        raise
    except ValueError as err:
        key = "bid_sizes_invalid" if options.get(CONF_BID_SOURCE) == SOURCE_SIZES else "bid_too_small"
        raise BidProblem(key, str(err)) from err


def _no_hashrate() -> str:
    """Refuse a bid from miners that report no nominal hashrate."""
    raise BidProblem("bid_no_hashrate", "the chosen miners report no nominal hashrate")


def price_of(options: Mapping[str, Any]) -> Decimal:
    """Return our bid price: the multiplier, at most the 1.05 validators accept, as a short decimal."""
    price = Decimal(str(options.get(CONF_PRICE, DEFAULT_PRICE))).quantize(Decimal("0.001"))
    return min(price, fp18.decimal(MAX_PRICE))
