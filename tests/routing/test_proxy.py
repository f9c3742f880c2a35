"""Proxy mode: the pools.toml rewrite (pure), and writing it for real in a temporary folder."""

from __future__ import annotations

from decimal import Decimal
import os
from pathlib import Path
import tomllib

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from hypothesis import given, strategies as st
import pytest

from custom_components.mining_fleet.logic.auction.proxy import (
    ProxyConfigError,
    set_target_hashrate,
    target_hashrate_text,
)
from custom_components.mining_fleet.routing import async_write_proxy_target

POOLS = """\
# Proxy upstreams (managed by hand; Mining Fleet sets the subnet's target)
[server]
listen = "0.0.0.0:3333"

[[pools.main]]
name = "my-own-pool"
url = "stratum+tcp://pool.example:3333"
weight = 3   # most of the rest

[[pools.main]]
  name = "central-proxy"   # the subnet's pool
  url = "stratum+tcp://stratum.infinitehash.xyz:9332"
  weight = 1
  user = "sn89auction.hotkey"

[pools.backup]
weight = 7
"""


@pytest.mark.parametrize(
    ("won", "text"),
    [
        (0, "0TH/s"),
        (Decimal("0.1"), "100TH/s"),
        ("1.5", "1500TH/s"),
        (0.1, "100TH/s"),
        (0.0001234, "0.1234TH/s"),
    ],
)
def test_target_in_minimal_decimal_text(won: Decimal | str | float, text: str) -> None:
    """Won PH times 1000, no trailing zeros or dot, and no float noise (0.1 PH is not 100.00000000000001)."""
    assert target_hashrate_text(won) == text


@pytest.mark.parametrize("won", [-1, "nan", "inf", "lots"])
def test_bad_target_is_refused(won: object) -> None:
    """A negative or non-number win is a ValueError."""
    with pytest.raises(ValueError, match="PH"):
        target_hashrate_text(won)  # type: ignore[arg-type]


def test_only_the_subnet_entry_changes() -> None:
    """target_hashrate is set below the name, the weight goes; every other line stays byte for byte."""
    edited = set_target_hashrate(POOLS, "0.25")
    expected = POOLS.replace(
        '  name = "central-proxy"   # the subnet\'s pool\n',
        '  name = "central-proxy"   # the subnet\'s pool\n  target_hashrate = "250TH/s"\n',
    ).replace("  weight = 1\n", "")
    assert edited == expected
    assert set_target_hashrate(edited, "0.25") == edited
    again = set_target_hashrate(edited, 0)
    assert tomllib.loads(again)["pools"]["main"][1]["target_hashrate"] == "0TH/s"
    assert again.count("target_hashrate") == 1


def test_windows_line_endings_and_no_final_newline() -> None:
    """CRLF files keep CRLF; a name on the last line without a newline still gets the target after it."""
    text = '[[pools.main]]\r\nweight = 2\r\nname = "Central-Proxy "'
    assert (
        set_target_hashrate(text, 1)
        == '[[pools.main]]\r\nname = "Central-Proxy "\r\ntarget_hashrate = "1000TH/s"\r\n'
    )


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("[[pools.main]]\nname = 'private'\n", r"no \[\[pools.main\]\] entry"),
        ("[pools]\nmain = 3\n", r"no \[\[pools.main\]\] entry"),
        ("", r"no \[\[pools.main\]\] entry"),
        ("[[pools.main]\nname = 'central-proxy'", "not valid TOML"),
        ("pools = { main = [{ name = 'central-proxy', weight = 1 }] }\n", "cannot be edited safely"),
    ],
)
def test_refusals(text: str, reason: str) -> None:
    """No subnet entry, broken TOML, or a form a line-wise edit cannot handle: a clear error, nothing guessed."""
    with pytest.raises(ProxyConfigError, match=reason):
        set_target_hashrate(text, 1)


@given(st.decimals(min_value=0, max_value=10_000, places=6))
def test_any_win_round_trips(won: Decimal) -> None:
    """Whatever the win, the file stays TOML and the target reads back as won PH times 1000."""
    target = tomllib.loads(set_target_hashrate(POOLS, won))["pools"]["main"][1]["target_hashrate"]
    assert Decimal(target.removesuffix("TH/s")) == won * 1000


@pytest.fixture
def proxy_dir(hass: HomeAssistant, tmp_path: Path) -> Path:
    """Return a folder Home Assistant may write to, with the proxy's pools file in it."""
    folder = tmp_path / "proxy"
    folder.mkdir()
    (folder / "pools.toml").write_text(POOLS)
    os.chmod(folder / "pools.toml", 0o640)
    hass.config.allowlist_external_dirs = {str(folder)}
    return folder


async def test_write_replaces_the_file_and_touches_the_sentinel(hass: HomeAssistant, proxy_dir: Path) -> None:
    """The file is replaced whole (same permissions), the sentinel appears; an unchanged target does neither."""
    pools, sentinel = proxy_dir / "pools.toml", proxy_dir / ".reload-ihp"
    assert await async_write_proxy_target(hass, str(pools), str(sentinel), 0.3)
    assert tomllib.loads(pools.read_text())["pools"]["main"][1]["target_hashrate"] == "300TH/s"
    assert oct(pools.stat().st_mode & 0o777) == "0o640"
    assert sentinel.exists() and sorted(path.name for path in proxy_dir.iterdir()) == [
        ".reload-ihp",
        "pools.toml",
    ]
    stamp = sentinel.stat().st_mtime_ns
    assert not await async_write_proxy_target(hass, str(pools), str(sentinel), 0.3)
    assert sentinel.stat().st_mtime_ns == stamp


async def test_paths_outside_the_allowlist_are_refused(
    hass: HomeAssistant, proxy_dir: Path, tmp_path: Path
) -> None:
    """Home Assistant writes only where the user allowed it."""
    with pytest.raises(HomeAssistantError) as caught:
        await async_write_proxy_target(hass, str(proxy_dir / "pools.toml"), str(tmp_path / "sentinel"), 0.1)
    assert caught.value.translation_key == "proxy_path_not_allowed"
    assert "target_hashrate" not in (proxy_dir / "pools.toml").read_text()


async def test_unusable_or_missing_files_are_errors(hass: HomeAssistant, proxy_dir: Path) -> None:
    """A file without the subnet's entry is left as it was; a missing file says so."""
    pools, sentinel = proxy_dir / "pools.toml", proxy_dir / ".reload-ihp"
    pools.write_text('[[pools.main]]\nname = "private"\n')
    with pytest.raises(HomeAssistantError) as caught:
        await async_write_proxy_target(hass, str(pools), str(sentinel), 0.1)
    assert caught.value.translation_key == "proxy_file_invalid"
    assert not sentinel.exists()
    with pytest.raises(HomeAssistantError) as caught:
        await async_write_proxy_target(hass, str(proxy_dir / "missing.toml"), str(sentinel), 0.1)
    assert caught.value.translation_key == "proxy_file_unwritable"


async def test_a_failed_replace_leaves_no_temporary_file(
    hass: HomeAssistant, proxy_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A write that fails half-way removes its temporary file and keeps the original."""
    pools = proxy_dir / "pools.toml"

    def fail(*_: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(HomeAssistantError):
        await async_write_proxy_target(hass, str(pools), str(proxy_dir / ".reload-ihp"), 0.1)
    assert pools.read_text() == POOLS
    assert sorted(path.name for path in proxy_dir.iterdir()) == ["pools.toml"]
