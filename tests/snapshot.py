"""A small golden-file snapshot helper that reads the same under every Home Assistant version."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

SNAPSHOT_DIR = Path(__file__).parent / "snapshots"


def assert_snapshot(name: str, data: Any) -> None:
    """Compare data with snapshots/<name>.json; UPDATE_SNAPSHOTS=1 rewrites the file."""
    path = SNAPSHOT_DIR / f"{name}.json"
    text = json.dumps(data, indent=2, sort_keys=True, default=str) + "\n"
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        path.write_text(text)
        return
    assert path.exists(), f"missing snapshot {path}; run with UPDATE_SNAPSHOTS=1 and review it"
    assert json.loads(text) == json.loads(path.read_text())
