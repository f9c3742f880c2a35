"""Constants for the mining_fleet integration."""

from __future__ import annotations

from datetime import timedelta
import logging
from typing import Final

DOMAIN: Final = "mining_fleet"
LOGGER = logging.getLogger(__package__)

CONF_KIND: Final = "kind"
KIND_BITAXE: Final = "bitaxe"
KIND_VNISH: Final = "vnish"
KIND_FLEET: Final = "fleet"
KIND_POOL: Final = "pool"
KIND_WATCHDOG: Final = "watchdog"
KIND_ANTSPACE: Final = "antspace"
KIND_AUCTION: Final = "auction"
# Kinds whose entries are miners: listed in the fleet registry, targets of the mining services.
MINER_KINDS: Final = frozenset({KIND_BITAXE, KIND_VNISH})

# The fleet overview is a single entry; its unique id keeps a second one (or a re-offer) out.
FLEET_UNIQUE_ID: Final = "fleet"
# The fleet overview's option: every miner gets all its entities, or (a large farm) only the essential ones.
CONF_ENTITY_SET: Final = "entity_set"
ENTITY_SET_ALL: Final = "all"
ENTITY_SET_ESSENTIAL: Final = "essential"
# The rig watchdog is a single entry too; each watched rig is one of its subentries.
WATCHDOG_UNIQUE_ID: Final = "watchdog"
SUBENTRY_RIG: Final = "rig"
EVENT_POWER_CYCLE: Final = "mining_fleet_power_cycle"
EVENT_SAFETY_THROTTLE: Final = "mining_fleet_safety_throttle"
EVENT_CONTAINER_ALERT: Final = "mining_fleet_container_alert"
EVENT_AUCTION_RESULT: Final = "mining_fleet_auction_result"

# AxeOS answers /api/system/info in a few ms, but the ESP32's web server has only a handful of
# sockets shared with its own UI; VNish assembles its summary from CGMiner on every call. 15 s
# keeps both miners and the recorder (25+ entities per miner, hundreds of miners on a farm)
# comfortable while the firmware's hashrate averages stay fresh.
SCAN_INTERVAL: Final = timedelta(seconds=15)
