"""The blueprint installer under hostile conditions: corrupt records, symlinks, full disks, read-only folders."""

from __future__ import annotations

import json
import os
from pathlib import Path
from unittest.mock import patch

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
import pytest

from custom_components.mining_fleet.logic import shipped_files
from custom_components.mining_fleet.logic.shipped_files import RECORD_NAME, install_shipped_files

from .conftest import MinerSetup


@pytest.fixture
def folders(tmp_path: Path) -> tuple[Path, Path]:
    """Return a shipped folder with one blueprint and an empty user folder."""
    source, target = tmp_path / "shipped", tmp_path / "user"
    source.mkdir()
    (source / "a.yaml").write_text("version: 2\n")
    return source, target


@pytest.mark.parametrize("record", [b"", b"\xff\xfe", b"{not json", b"[]", b"null", b'"x"', b'{"a.yaml": 1}'])
def test_corrupt_record_is_ignored(folders: tuple[Path, Path], record: bytes) -> None:
    """A bad record is reported, installed files are treated as the user's, and a new record is written."""
    source, target = folders
    target.mkdir()
    (target / "a.yaml").write_text("version: 1\n")  # ours or theirs? without a record: theirs
    (target / RECORD_NAME).write_bytes(record)
    result = install_shipped_files(source, target)
    assert result.written == []
    assert len(result.problems) == 1
    assert (target / "a.yaml").read_text() == "version: 1\n"
    assert isinstance(json.loads((target / RECORD_NAME).read_text()), dict)


def test_symlinks_are_never_written_through(folders: tuple[Path, Path], tmp_path: Path) -> None:
    """A dangling symlinked blueprint and a symlinked record leave the files outside untouched."""
    source, target = folders
    target.mkdir()
    outside = tmp_path / "outside"
    outside.mkdir()
    (target / "a.yaml").symlink_to(outside / "dangling.yaml")
    (outside / "precious.json").write_text("keep me")
    (target / RECORD_NAME).symlink_to(outside / "precious.json")
    result = install_shipped_files(source, target)
    assert result.written == []
    assert not (outside / "dangling.yaml").exists()
    assert (outside / "precious.json").read_text() == "keep me"
    assert (target / RECORD_NAME).is_symlink()


def test_full_disk_leaves_no_half_file(folders: tuple[Path, Path]) -> None:
    """A write that fails half-way leaves the old file whole and no temporary file behind."""
    source, target = folders
    install_shipped_files(source, target)
    (source / "a.yaml").write_text("version: 3\n" * 100)
    real_fdopen = os.fdopen

    def full_disk(descriptor: int, mode: str) -> object:
        handle = real_fdopen(descriptor, mode)
        handle.write = lambda data: (_ for _ in ()).throw(OSError(28, "No space left on device"))  # type: ignore[method-assign]
        return handle

    with patch.object(shipped_files.os, "fdopen", full_disk), pytest.raises(OSError, match="No space left"):
        install_shipped_files(source, target)
    assert (target / "a.yaml").read_text() == "version: 2\n"
    assert sorted(path.name for path in target.iterdir()) == [RECORD_NAME, "a.yaml"]
    assert install_shipped_files(source, target).written == ["a.yaml"]  # still ours: updated next time


def test_up_to_date_folder_is_not_written(folders: tuple[Path, Path]) -> None:
    """With everything current, nothing is written at all (a read-only folder then raises nothing)."""
    source, target = folders
    install_shipped_files(source, target)
    stamps = {path.name: path.stat().st_mtime_ns for path in target.iterdir()}
    os.utime(target / RECORD_NAME, ns=(1, 1))  # any rewrite would move this
    result = install_shipped_files(source, target)
    assert result.written == [] and result.problems == []
    assert (target / RECORD_NAME).stat().st_mtime_ns == 1
    assert {path.name for path in target.iterdir()} == set(stamps)


async def test_corrupt_record_does_not_stop_the_integration(
    hass: HomeAssistant, setup_miner: MinerSetup, caplog: pytest.LogCaptureFixture
) -> None:
    """A corrupt record is logged once and every entry still loads."""
    folder = Path(hass.config.path("blueprints", "automation", "mining_fleet"))
    folder.mkdir(parents=True)
    (folder / RECORD_NAME).write_bytes(b"\x00\xff garbage")
    _, entry = await setup_miner("2.15")
    assert entry.state is ConfigEntryState.LOADED
    assert caplog.text.count("is unreadable") == 1
