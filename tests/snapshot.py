"""A small golden-file snapshot helper that reads the same under every Home Assistant version."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er

SNAPSHOT_DIR = Path(__file__).parent / "snapshots"


def entity_table(hass: HomeAssistant, entry_id: str) -> dict[str, dict[str, Any]]:
    """Describe every entity of an entry by the fields users and the UI rely on."""
    return {
        entity.entity_id: {
            "unique_id_suffix": entity.unique_id.split("_", 1)[1],
            "translation_key": entity.translation_key,
            "device_class": entity.original_device_class,
            "unit": entity.unit_of_measurement,
            "category": entity.entity_category,
            "enabled": entity.disabled_by is None,
            "capabilities": entity.capabilities,
        }
        for entity in er.async_entries_for_config_entry(er.async_get(hass), entry_id)
    }


def assert_snapshot(name: str, data: Any) -> None:
    """Compare data with snapshots/<name>.json; UPDATE_SNAPSHOTS=1 rewrites the file."""
    path = SNAPSHOT_DIR / f"{name}.json"
    text = json.dumps(data, indent=2, sort_keys=True, default=str) + "\n"
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        path.write_text(text)
        return
    assert path.exists(), f"missing snapshot {path}; run with UPDATE_SNAPSHOTS=1 and review it"
    assert json.loads(text) == json.loads(path.read_text())
