"""Proxy mode: write the won hashrate into a mining proxy's pools.toml and tell the proxy to reload it."""

from __future__ import annotations

from decimal import Decimal
import os
from pathlib import Path
import tempfile

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError

from ..const import DOMAIN
from ..logic.auction.proxy import ProxyConfigError, set_target_hashrate


def _refused(key: str, **placeholders: str) -> HomeAssistantError:
    """Return a translated error about the proxy's files."""
    return HomeAssistantError(
        translation_domain=DOMAIN, translation_key=key, translation_placeholders=placeholders
    )


def _replace_atomically(path: Path, text: str) -> None:
    """Write text to a new file beside path and move it over path: a reader never sees half a file."""
    mode = path.stat().st_mode & 0o7777
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _write_target(pools_file: Path, sentinel: Path, won_ph: Decimal | str | float) -> bool:
    """Rewrite the pools file if its target changes, then touch the sentinel; return whether it changed."""
    text = pools_file.read_text(encoding="utf-8")
    edited = set_target_hashrate(text, won_ph)
    if edited == text:
        return False
    _replace_atomically(pools_file, edited)
    sentinel.touch()
    return True


async def async_write_proxy_target(
    hass: HomeAssistant, pools_file: str, reload_sentinel: str, won_ph: Decimal | str | float
) -> bool:
    """Set the proxy's subnet pool to the won hashrate and touch its reload sentinel; return whether it changed.

    Both paths must be in Home Assistant's allowlist_external_dirs. The file is replaced
    atomically, and only when the target changes (the proxy reloads only then).
    """
    for path in (pools_file, reload_sentinel):
        if not hass.config.is_allowed_path(path):
            raise _refused("proxy_path_not_allowed", path=path)
    try:
        return await hass.async_add_executor_job(
            _write_target, Path(pools_file), Path(reload_sentinel), won_ph
        )
    except ProxyConfigError as err:
        raise _refused("proxy_file_invalid", path=pools_file, error=str(err)) from err
    except OSError as err:
        raise _refused("proxy_file_unwritable", path=pools_file, error=str(err)) from err
