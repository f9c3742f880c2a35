"""Parsing quirks and the safety limits, as pure functions."""

from __future__ import annotations

import pytest

from custom_components.mining_fleet.api.axeos_models import AsicInfo, parse_difficulty, parse_version
from custom_components.mining_fleet.logic.bitaxe_limits import model_limits


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("4.29G", 4.29e9),
        ("523k", 523e3),
        ("1.2M", 1.2e6),
        ("17", 17.0),
        (12345, 12345.0),
        (1.5e12, 1.5e12),
        ("garbage", None),
        (None, None),
        (True, None),
    ],
)
def test_parse_difficulty(raw: object, value: float | None) -> None:
    """Both the ≤2.10 string form and the 2.11+ number form parse."""
    assert parse_difficulty(raw) == (pytest.approx(value) if value is not None else None)


def test_parse_version() -> None:
    """Firmware strings of every shape become comparable tuples."""
    assert parse_version("v2.12.1-rc2") == (2, 12, 1)
    assert parse_version("2.4.0") == (2, 4, 0)
    assert parse_version(None) == ()


def test_firmware_options_win_but_never_above_the_ceiling() -> None:
    """A firmware list with an unsafe voltage is trimmed to the model's ceiling."""
    asic = AsicInfo("BM1370", "Gamma", 1, 525, (400, 525, 625), 1150, (1100, 1150, 1300, 1400))
    limits = model_limits(asic, "BM1370", "601")
    assert limits is not None
    assert limits.voltage_options == (1100, 1150, 1300)
    assert limits.frequency_options == (400, 525, 625)


def test_fallback_table_by_model_and_board() -> None:
    """Without /api/system/asic the built-in table is used; the GammaDuo has its own row."""
    duo = model_limits(None, "BM1370", "650")
    assert duo is not None and duo.frequency_options == (350, 375, 380, 400, 410)
    maximum = model_limits(None, "BM1397", "0.11")
    assert maximum is not None and max(maximum.voltage_options) == 1500
    assert model_limits(None, "BM9999", "1") is None
    assert model_limits(AsicInfo(None, None, None, None, (), None, ()), None, None) is None


def test_only_unsafe_voltages_means_no_limits() -> None:
    """A firmware list with nothing under the ceiling offers no voltage control at all."""
    asic = AsicInfo("BM1366", "Ultra", 1, 485, (400, 485), 1400, (1400, 1450))
    assert model_limits(asic, "BM1366", "204") is None
