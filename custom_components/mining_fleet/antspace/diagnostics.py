"""Container diagnostics: the last coolerState reply, the model, and the alerts."""

from __future__ import annotations

from typing import Any

from homeassistant.core import HomeAssistant

from .coordinator import AntspaceConfigEntry


async def async_get_diagnostics(hass: HomeAssistant, entry: AntspaceConfigEntry) -> dict[str, Any]:
    """Return what the container reported; the caller redacts it."""
    return entry.runtime_data.diagnostics()
