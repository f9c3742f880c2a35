"""Every parser of every kind, fed generated replies: a model or our own error, and only finite numbers.

New parsers join PARSERS with the keys they read.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
import dataclasses
import math
from typing import Any

from hypothesis import HealthCheck, given, settings, strategies as st
import pytest

from custom_components.mining_fleet.api.axeos_models import (
    AsicInfo,
    SystemInfo,
    parse_difficulty,
    parse_version,
)
from custom_components.mining_fleet.api.errors import ApiError
from custom_components.mining_fleet.api.parse import as_number, flag, identifier
from custom_components.mining_fleet.api.vnish_models import (
    VNishInfo,
    VNishStatus,
    VNishSummary,
    parse_current_preset,
    parse_presets,
    parse_settings_preset,
)

NASTY_TEXT = st.sampled_from(
    [
        "",
        "nan",
        "NaN",
        "inf",
        "-Infinity",
        "1e999",
        "-1e999",
        "4.29G",
        "12",
        " 7 ",
        "N/A",
        "0",
        "true",
        "x" * 50,
    ]
)
LEAVES = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**400), max_value=10**400)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.sampled_from([5e-324, -0.0, 1e308, -1e308])
    | NASTY_TEXT
    | st.text(max_size=20)
    | st.just("9" * 4301)
)
JSON = st.recursive(
    LEAVES,
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)


def objects(
    keys: list[str], nested: Mapping[str, st.SearchStrategy[Any]] | None = None
) -> st.SearchStrategy[Any]:
    """Return JSON objects holding any subset of keys with hostile values (or anything else at all)."""
    fields = dict.fromkeys(keys, JSON) | dict(nested or {})
    return st.fixed_dictionaries({}, optional=fields) | JSON


def listed(element: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Return a list of elements, or a hostile value where the list should be."""
    return st.lists(element, max_size=4) | LEAVES


AXEOS_INFO_KEYS = [
    "macAddr", "hostname", "version", "axeOSVersion", "ASICModel", "boardVersion", "hashRate", "hashRate_1m",
    "hashRate_10m", "hashRate_1h", "expectedHashrate", "errorPercentage", "power", "voltage", "temp", "temp2",
    "vrTemp", "coreVoltage", "coreVoltageActual", "frequency", "fanspeed", "fanSpeed", "fanrpm", "fan2rpm",
    "autofanspeed", "manualFanSpeed", "temptarget", "sharesAccepted", "sharesRejected", "bestDiff",
    "bestSessionDiff", "uptimeSeconds", "wifiRSSI", "overheat_mode", "miningPaused", "power_fault",
    "hardware_fault", "stratumURL", "stratumPort", "stratumUser", "fallbackStratumURL", "fallbackStratumPort",
    "fallbackStratumUser", "isUsingFallbackStratum", "pools",
]  # fmt: skip
AXEOS_ASIC_KEYS = [
    "ASICModel", "deviceModel", "asicCount", "defaultFrequency", "frequencyOptions", "defaultVoltage",
    "voltageOptions",
]  # fmt: skip
MIN_MAX = objects(["min", "max"])
VNISH_CHAIN = objects(
    ["id", "hashrate_rt", "frequency", "voltage", "power_consumption"],
    {"chip_temp": MIN_MAX, "pcb_temp": MIN_MAX},
)
VNISH_POOL = objects(["id", "url", "user", "status", "accepted", "rejected", "pool_type"])
VNISH_MINER = objects(
    ["hr_realtime", "hr_average", "hr_nominal", "instant_hashrate", "average_hashrate", "power_consumption",
     "power_efficiency", "hw_errors"],
    {
        "chip_temp": MIN_MAX,
        "pcb_temp": MIN_MAX,
        "chains": listed(VNISH_CHAIN),
        "pools": listed(VNISH_POOL),
        "cooling": objects(["fan_duty"], {"fans": listed(objects(["rpm"]))}),
    },
)  # fmt: skip
VNISH_PRESET = objects(["name", "pretty", "status"])

PARSERS: dict[str, tuple[Callable[[Any], object], st.SearchStrategy[Any]]] = {
    "axeos.SystemInfo": (SystemInfo.from_dict, objects(AXEOS_INFO_KEYS)),
    "axeos.AsicInfo": (AsicInfo.from_dict, objects(AXEOS_ASIC_KEYS)),
    "axeos.difficulty": (parse_difficulty, LEAVES),
    "axeos.version": (lambda value: parse_version(value if isinstance(value, str) else None), LEAVES),
    "vnish.VNishInfo": (
        VNishInfo.from_dict,
        objects(
            ["miner", "model", "fw_name", "fw_version", "serial", "platform"],
            {"system": objects([], {"network_status": objects(["mac", "hostname"])})},
        ),
    ),  # fmt: skip
    "vnish.VNishStatus": (
        VNishStatus.from_dict,
        objects(["miner_state", "miner_state_time", "description", "failure_code", "find_miner"]),
    ),
    "vnish.VNishSummary": (VNishSummary.from_dict, objects([], {"miner": VNISH_MINER})),
    "vnish.presets": (parse_presets, listed(VNISH_PRESET) | objects([], {"presets": listed(VNISH_PRESET)})),
    "vnish.current_preset": (parse_current_preset, objects([], {"current_preset": objects(["name"])})),
    "vnish.settings_preset": (
        parse_settings_preset,
        objects([], {"miner": objects([], {"overclock": objects(["preset"])})}),
    ),
    "parse.as_number": (as_number, LEAVES),
    "parse.flag": (lambda value: flag({"k": value}, "k"), LEAVES),
    "parse.identifier": (lambda value: identifier({"k": value}, "k"), LEAVES),
}

# Properties computed from a model are part of what leaves the parser.
COMPUTED = ("efficiency", "version", "active_pool", "supports_pause", "is_hashing", "tuned")


def assert_finite(value: Any, where: str = "model") -> None:
    """Fail when a non-finite number is anywhere in a parsed value (raw replies kept for diagnostics aside)."""
    if isinstance(value, float):
        assert math.isfinite(value), f"{where} is {value}"
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for field in dataclasses.fields(value):
            if field.name != "raw":
                assert_finite(getattr(value, field.name), f"{where}.{field.name}")
        for name in COMPUTED:
            if hasattr(value, name):
                assert_finite(getattr(value, name), f"{where}.{name}")
    elif isinstance(value, tuple | list):
        for index, item in enumerate(value):
            assert_finite(item, f"{where}[{index}]")


@pytest.mark.parametrize("name", list(PARSERS))
def test_parser_returns_a_model_or_our_error(name: str) -> None:
    """Ten thousand generated replies per parser across the suite; never an untyped exception."""
    parse, replies = PARSERS[name]

    @settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(replies)
    def check(reply: Any) -> None:
        try:
            result = parse(reply)
        except ApiError:
            return
        assert_finite(result)

    check()


def test_duplicate_and_missing_chain_ids_stay_unique() -> None:
    """Chains [{"id": 2}, {}, {"id": 2}] get distinct, stable ids."""
    summary = VNishSummary.from_dict({"miner": {"chains": [{"id": 2}, {}, {"id": 2}]}})
    assert [chain.id for chain in summary.chains] == [2, 3, 4]
    again = VNishSummary.from_dict({"miner": {"chains": [{"id": 2}, {}, {"id": 2}]}})
    assert [chain.id for chain in again.chains] == [2, 3, 4]


@pytest.mark.parametrize("placeholder", ["N/A", "n/a", "unknown", "0", "00:00:00:00:00:00", " - "])
def test_placeholder_identities_are_no_identity(placeholder: str) -> None:
    """A serial or MAC the firmware does not know is no identity at all."""
    info = VNishInfo.from_dict({"serial": placeholder, "system": {"network_status": {"mac": placeholder}}})
    assert (info.serial, info.mac_address) == (None, None)


def test_efficiency_of_a_vanishing_hashrate_is_unknown() -> None:
    """A hashrate of 5e-324 GH/s does not divide by zero or overflow."""
    assert SystemInfo.from_dict({"power": 15.0, "hashRate": 5e-324}).efficiency is None
