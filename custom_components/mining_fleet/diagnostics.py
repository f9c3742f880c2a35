"""Diagnostics: what the entry's kind reports, with credentials, wallets and network names removed."""

from __future__ import annotations

from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.const import CONF_PASSWORD
from homeassistant.core import HomeAssistant

from .coordinator import MiningFleetConfigEntry, MiningFleetCoordinator
from .kinds import kind_of

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
    # Pool accounts: credentials, and the payout address that identifies the owner.
    "token",
    "secret",
    "api_key",
    "address",
    "unique_id",  # a MAC address, or a pool account's address or user
    # Outlets: the TP-Link credentials hash (python-kasa's stored form of the password).
    "credentials_hash",
    # Cooling containers report where they stand.
    "latitude",
    "longitude",
    "latitude_direction",
    "longitude_direction",
}


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: MiningFleetConfigEntry
) -> dict[str, Any]:
    """Return the entry and what its kind reports, redacted."""
    diagnostics: dict[str, Any] = {
        "entry": {
            "data": dict(entry.data),
            "unique_id": entry.unique_id,
            "subentries": [
                dict(subentry.data) | {"title": subentry.title} for subentry in entry.subentries.values()
            ],
        },
    }
    if isinstance(entry.runtime_data, MiningFleetCoordinator):  # the watchdog keeps one per rig
        diagnostics["last_update_success"] = entry.runtime_data.last_update_success
    diagnostics |= await kind_of(entry).async_get_diagnostics(hass, entry)
    return async_redact_data(diagnostics, TO_REDACT)
