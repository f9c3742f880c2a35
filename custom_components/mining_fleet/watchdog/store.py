"""What every watchdog remembers across restarts: its counters, maintenance pause, and an outlet it left off."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers.storage import Store
from homeassistant.util.hass_dict import HassKey

from ..const import DOMAIN
from ..logic.watchdog import WatchState, state_from_dict, state_to_dict

STORAGE_VERSION = 1
STORAGE_KEY = f"{DOMAIN}.watchdog"
_STORE: HassKey[WatchdogStore] = HassKey(f"{DOMAIN}_watchdog_store")
_LOAD_LOCK: HassKey[asyncio.Lock] = HassKey(f"{DOMAIN}_watchdog_store_lock")


@dataclass(slots=True)
class RigRecord:
    """One rig's durable state."""

    state: WatchState = field(default_factory=WatchState)
    paused: bool = False
    # Set before the outlet is switched off and cleared once it is on again: if Home Assistant
    # stops in between, the next start switches the outlet back on.
    outlet_off_since: float | None = None
    # The outlet's config while it is off by us, so it is switched on even if the rig was deleted.
    outlet: dict[str, Any] | None = None


class WatchdogStore:
    """The records of all rigs, in one file under .storage."""

    def __init__(self, hass: HomeAssistant) -> None:
        """Open the store."""
        self._store: Store[dict[str, Any]] = Store(hass, STORAGE_VERSION, STORAGE_KEY)
        self._records: dict[str, dict[str, Any]] = {}

    async def async_load(self) -> None:
        """Read the file once; an unreadable one starts empty."""
        data = await self._store.async_load()
        self._records = dict(data) if isinstance(data, dict) else {}

    def get(self, rig_id: str) -> RigRecord:
        """Return a rig's record (a fresh one for a new rig)."""
        raw = self._records.get(rig_id)
        if not isinstance(raw, dict):
            return RigRecord()
        off_since = raw.get("outlet_off_since")
        outlet = raw.get("outlet")
        return RigRecord(
            state=state_from_dict(raw.get("state")),
            paused=raw.get("paused") is True,
            outlet_off_since=float(off_since) if isinstance(off_since, int | float) else None,
            outlet=outlet if isinstance(outlet, dict) else None,
        )

    def rig_ids(self) -> set[str]:
        """Return the ids of every rig with a record."""
        return set(self._records)

    async def async_put(self, rig_id: str, record: RigRecord) -> None:
        """Write a rig's record now: an outlet switched off must be on disk before the command goes out."""
        self._records[rig_id] = {
            "state": state_to_dict(record.state),
            "paused": record.paused,
            "outlet_off_since": record.outlet_off_since,
            "outlet": record.outlet,
        }
        await self._store.async_save(self._records)

    async def async_remove(self, rig_id: str) -> None:
        """Forget a rig the user deleted."""
        if self._records.pop(rig_id, None) is not None:
            await self._store.async_save(self._records)


async def async_get_store(hass: HomeAssistant) -> WatchdogStore:
    """Return the store, loaded once."""
    async with hass.data.setdefault(_LOAD_LOCK, asyncio.Lock()):
        if _STORE not in hass.data:
            store = WatchdogStore(hass)
            await store.async_load()
            hass.data[_STORE] = store
    return hass.data[_STORE]
