"""Copy files we ship into a user folder without ever overwriting a file the user changed."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

# Beside the installed files, what we wrote last time: a file still matching it is ours to update.
RECORD_NAME = ".mining_fleet_shipped.json"


def _digest(path: Path) -> str:
    """Return the SHA-256 of a file."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def install_shipped_files(source: Path, target: Path, pattern: str = "*.yaml") -> list[str]:
    """Install or update shipped files; return the names written. Runs blocking file I/O."""
    target.mkdir(parents=True, exist_ok=True)
    record_path = target / RECORD_NAME
    record: dict[str, str] = json.loads(record_path.read_text()) if record_path.exists() else {}
    written = []
    for shipped in sorted(source.glob(pattern)):
        installed = target / shipped.name
        new_digest = _digest(shipped)
        if installed.exists():
            current = _digest(installed)
            if current == new_digest:
                record[shipped.name] = new_digest
                continue
            if record.get(shipped.name) != current:
                continue  # the user edited it (or wrote it): theirs now
        installed.write_bytes(shipped.read_bytes())
        record[shipped.name] = new_digest
        written.append(shipped.name)
    record_path.write_text(json.dumps(record, indent=2, sort_keys=True))
    return written
