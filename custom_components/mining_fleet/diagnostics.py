"""Diagnostics: what the miner reports, with credentials, wallets and network names removed."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.core import HomeAssistant

from .coordinator import MiningFleetConfigEntry

# Stratum users carry the wallet address; Wi-Fi names and passwords identify the home.
TO_REDACT = {
    "stratumUser",
    "fallbackStratumUser",
    "stratumPassword",
    "fallbackStratumPassword",
    "ssid",
    "wifiPass",
    "ipv4",
    "ipv6",
}


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: MiningFleetConfigEntry
) -> dict[str, Any]:
    """Return the entry, the model limits and the latest info reply, redacted."""
    coordinator = entry.runtime_data
    return {
        "entry": {"data": dict(entry.data), "unique_id": entry.unique_id},
        "last_update_success": coordinator.last_update_success,
        "asic": asdict(coordinator.asic) if coordinator.asic else None,
        "limits": asdict(coordinator.limits) if coordinator.limits else None,
        "info": async_redact_data(dict(coordinator.data.info.raw), TO_REDACT),
    }
