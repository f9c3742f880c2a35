"""The user's own pool settings of one miner, remembered on disk before it is first sent to another pool."""

from __future__ import annotations

from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers.storage import Store

from ..const import DOMAIN

STORAGE_VERSION = 1


def _store(hass: HomeAssistant, entry_id: str) -> Store[dict[str, Any]]:
    """Return the store of one miner's own pool settings."""
    return Store(hass, STORAGE_VERSION, f"{DOMAIN}.own_pool.{entry_id}")


async def async_remove_own_pool(hass: HomeAssistant, entry_id: str) -> None:
    """Delete a removed miner's remembered pool settings."""
    await _store(hass, entry_id).async_remove()


class OwnPoolMemory:
    """What a miner's pool settings were before Mining Fleet routed it: kept until it is back on them."""

    def __init__(self, hass: HomeAssistant, entry_id: str) -> None:
        """Open the miner's store; it is read on first use."""
        self._store = _store(hass, entry_id)
        self._loaded = False
        self._settings: dict[str, Any] | None = None

    async def async_get(self) -> dict[str, Any] | None:
        """Return the remembered settings (in the miner kind's own form), or None when the miner is on its own."""
        if not self._loaded:
            stored = await self._store.async_load()
            self._settings = stored if isinstance(stored, dict) and stored else None
            self._loaded = True
        return self._settings

    async def async_remember(self, settings: dict[str, Any]) -> None:
        """Write the settings to disk now: before the command that replaces them goes out."""
        await self._store.async_save(settings)
        self._settings, self._loaded = settings, True

    async def async_forget(self) -> None:
        """Drop the settings once the miner is back on them (the next switch remembers them afresh)."""
        await self._store.async_remove()
        self._settings, self._loaded = None, True
