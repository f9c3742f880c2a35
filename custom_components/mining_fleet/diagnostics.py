"""Diagnostics: what the miner reports, with credentials, wallets and network names removed."""

from __future__ import annotations

from dataclasses import asdict
import json
from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.const import CONF_PASSWORD
from homeassistant.core import HomeAssistant

from .coordinator import BitaxeCoordinator, MiningFleetConfigEntry, VNishCoordinator

# Stratum users carry the wallet address; Wi-Fi names and passwords identify the home.
TO_REDACT = {
    CONF_PASSWORD,
    "stratumUser",
    "fallbackStratumUser",
    "stratumPassword",
    "fallbackStratumPassword",
    "user",
    "ssid",
    "wifiPass",
    "ipv4",
    "ipv6",
    "serial",
    "serial_number",
}


def _plain(model: Any) -> Any:
    """Return a dataclass as JSON-ready dicts and lists (tuples would escape redaction)."""
    return json.loads(json.dumps(asdict(model), default=str))


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: MiningFleetConfigEntry
) -> dict[str, Any]:
    """Return the entry and what the miner last reported, redacted."""
    coordinator = entry.runtime_data
    diagnostics: dict[str, Any] = {
        "entry": {"data": async_redact_data(dict(entry.data), TO_REDACT), "unique_id": entry.unique_id},
        "last_update_success": coordinator.last_update_success,
    }
    if isinstance(coordinator, BitaxeCoordinator):
        diagnostics |= {
            "asic": _plain(coordinator.asic) if coordinator.asic else None,
            "limits": _plain(coordinator.limits) if coordinator.limits else None,
            "info": dict(coordinator.data.info.raw),
        }
    elif isinstance(coordinator, VNishCoordinator):
        diagnostics |= {
            "info": _plain(coordinator.info) if coordinator.info else None,
            "presets": [_plain(preset) for preset in coordinator.presets],
            "data": _plain(coordinator.data),
        }
    return async_redact_data(diagnostics, TO_REDACT)
