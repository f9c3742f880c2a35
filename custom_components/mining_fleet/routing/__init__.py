"""Routing won auction hashrate: which miners mine on the subnet's pool, and the proxy's pools file.

A behaviour across kinds: it reaches miners only through the fleet registry and the
MinerCoordinator write path. The auction entry calls async_route_hashrate (or
async_route_devices) each window, or async_write_proxy_target in proxy mode.
"""

from __future__ import annotations

from .hashrate import (
    RoutingResult,
    SubnetPool,
    async_route_devices,
    async_route_hashrate,
    worker_names,
)
from .proxy import async_write_proxy_target

__all__ = [
    "RoutingResult",
    "SubnetPool",
    "async_route_devices",
    "async_route_hashrate",
    "async_write_proxy_target",
    "worker_names",
]
