"""Copy files we ship into a user folder without ever overwriting a file the user changed.

Beside the installed files we keep a record of what we wrote: a file that still matches it is ours
to update; anything else (edited, written by the user, a symlink) is the user's. A record we cannot
read is no record at all, so every installed file counts as the user's until we write a new one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
import hashlib
import json
import os
from pathlib import Path
import tempfile

RECORD_NAME = ".mining_fleet_shipped.json"


@dataclass
class InstallResult:
    """What an install wrote, and what it found wrong (to log once)."""

    written: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def _digest(data: bytes) -> str:
    """Return the SHA-256 of some bytes."""
    return hashlib.sha256(data).hexdigest()


def _read_record(path: Path, result: InstallResult) -> dict[str, str] | None:
    """Return the record of what we wrote ({} when there is none); None, reported, when it is unusable."""
    if path.is_symlink():
        result.problems.append(f"{path} is a symbolic link; it is ignored and left alone")
        return None
    try:
        record = json.loads(path.read_bytes().decode("utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as err:
        result.problems.append(f"{path} is unreadable ({err}); installed blueprints are left as they are")
        return None
    if not isinstance(record, dict) or not all(
        isinstance(key, str) and isinstance(value, str) for key, value in record.items()
    ):
        result.problems.append(f"{path} is not a record we wrote; installed blueprints are left as they are")
        return None
    return record


def _write_atomically(path: Path, data: bytes) -> None:
    """Write a file so that it is either whole or untouched (a full disk leaves no half file)."""
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
        os.replace(temporary, path)  # replaces a name, never writes through a link
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def install_shipped_files(source: Path, target: Path, pattern: str = "*.yaml") -> InstallResult:
    """Install or update shipped files; runs blocking file I/O."""
    result = InstallResult()
    target.mkdir(parents=True, exist_ok=True)
    record_path = target / RECORD_NAME
    found = _read_record(record_path, result)
    record = found or {}
    updated = dict(record)
    for shipped in sorted(source.glob(pattern)):
        data = shipped.read_bytes()
        installed = target / shipped.name
        if installed.is_symlink():
            continue  # the user's link, wherever it points (or dangles): never written through
        if installed.exists():
            current = _digest(installed.read_bytes())
            if current == _digest(data):
                updated[shipped.name] = current
                continue
            if record.get(shipped.name) != current:
                continue  # the user edited it (or wrote it): theirs now
        _write_atomically(installed, data)
        updated[shipped.name] = _digest(data)
        result.written.append(shipped.name)
    # Rewrite only a record that changed or was unusable: an up-to-date read-only folder stays quiet.
    if (found is None or updated != record) and not record_path.is_symlink():
        _write_atomically(record_path, json.dumps(updated, indent=2, sort_keys=True).encode())
    return result
