"""Constants for the mining_fleet integration."""

from __future__ import annotations

from datetime import timedelta
import logging
from typing import Final

DOMAIN: Final = "mining_fleet"
LOGGER = logging.getLogger(__package__)

CONF_KIND: Final = "kind"
KIND_BITAXE: Final = "bitaxe"

# AxeOS answers /api/system/info in a few ms, but the ESP32's web server has only a handful of
# sockets shared with its own UI; 15 s keeps the miner and the recorder (25+ entities per miner,
# hundreds of miners on a farm) comfortable while the hashrate firmware averages stay fresh.
BITAXE_SCAN_INTERVAL: Final = timedelta(seconds=15)
