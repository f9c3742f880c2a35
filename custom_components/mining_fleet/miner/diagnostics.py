"""Diagnostics helpers every kind shares."""

from __future__ import annotations

from dataclasses import asdict
import json
from typing import Any


def plain(model: Any) -> Any:
    """Return a dataclass as JSON-ready dicts and lists (tuples would escape redaction)."""
    return json.loads(json.dumps(asdict(model), default=str))
