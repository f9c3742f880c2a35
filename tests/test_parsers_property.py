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

from custom_components.mining_fleet.api.antspace_models import (
    HK3_QUANTITIES,
    HK3_RUNNING,
    IMMERSION_QUANTITIES,
    IMMERSION_RUNNING,
    CoolerState,
    MinerInfo,
    envelope,
)
from custom_components.mining_fleet.api.axeos_models import (
    AsicInfo,
    SystemInfo,
    parse_difficulty,
    parse_version,
)
from custom_components.mining_fleet.api.errors import ApiError
from custom_components.mining_fleet.api.parse import as_number, flag, identifier
from custom_components.mining_fleet.api.pools.braiins import BraiinsClient
from custom_components.mining_fleet.api.pools.ckpool import CKPoolClient
from custom_components.mining_fleet.api.pools.f2pool import F2PoolClient
from custom_components.mining_fleet.api.pools.flexpool import FlexpoolClient
from custom_components.mining_fleet.api.pools.models import hashrate_si_text, unix_time
from custom_components.mining_fleet.api.pools.ocean import OceanClient
from custom_components.mining_fleet.api.pools.public_pool import PublicPoolClient
from custom_components.mining_fleet.api.pools.viabtc import ViaBTCClient
from custom_components.mining_fleet.api.vnish_models import (
    VNishInfo,
    VNishStatus,
    VNishSummary,
    parse_current_preset,
    parse_presets,
    parse_settings_pools,
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
    | st.text(alphabet=" \t0123456789.kGe+-", max_size=300)
    | st.just("9" * 4301)
    | st.just("1" + " " * 5000 + "x")
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
    "fallbackStratumUser", "isUsingFallbackStratum", "pools", "primaryPoolIndex", "secondaryPoolIndex",
]  # fmt: skip
AXEOS_POOL_SLOT = objects(["id", "stratumURL", "stratumPort", "stratumUser", "stratumPassword"])
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
POOL_WORKER = objects(
    ["name", "workername", "worker_name", "hash_rate", "hash_rate_5m", "hash_rate_unit", "hashrate5m", "hashRate",
     "hashrate_300s", "hashrate_10min", "currentEffectiveHashrate", "last_share", "lastshare", "lastSeen",
     "last_active", "state", "worker_status", "isOnline"]
)  # fmt: skip

ANTSPACE_KEYS = [
    *(q.key for q in (*HK3_QUANTITIES, *IMMERSION_QUANTITIES)), *HK3_RUNNING, *IMMERSION_RUNNING,
    "protocol_version", "pid_mode", "disconnect", "leakage_fault", "fan1_fault", "primary_circulating_pump",
    "lever_low",
]  # fmt: skip
ANTSPACE_MINER = objects(["miner_type", "GHS_avg", "chip_max_temp"])


def _cooler_state(reply: Any) -> object:
    """Parse a whole coolerState reply, envelope first, and everything computed from it."""
    state = CoolerState.from_params(envelope(reply, "coolerState"))
    return (state, state.alerts, state.status, state.power_w, state.cooling, state.setpoint)


PARSERS: dict[str, tuple[Callable[[Any], object], st.SearchStrategy[Any]]] = {
    "antspace.coolerState": (
        _cooler_state,
        objects(["method"], {"ok": st.just(True) | LEAVES, "params": objects(ANTSPACE_KEYS)}),
    ),
    "antspace.minerInfo": (
        lambda reply: MinerInfo.from_params(envelope(reply, "minerInfo")),
        objects(
            [],
            {
                "ok": st.just(True),
                "params": objects(
                    ["miner_num", "total_hashrate", "pcb_max_temp", "chip_max_temp", "chip_temp_mean"],
                    {
                        "miner_info": st.dictionaries(st.text(max_size=15), ANTSPACE_MINER, max_size=4)
                        | LEAVES
                    },
                ),
            },
        ),
    ),
    "axeos.SystemInfo": (SystemInfo.from_dict, objects(AXEOS_INFO_KEYS, {"pools": listed(AXEOS_POOL_SLOT)})),
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
    "vnish.settings_pools": (
        parse_settings_pools,
        objects([], {"miner": objects([], {"pools": listed(objects(["url", "user", "pass", "order"]))})}),
    ),
    "pool.braiins": (
        BraiinsClient.parse,
        objects(
            [],
            {"btc": objects([], {"workers": st.dictionaries(st.text(max_size=12), POOL_WORKER, max_size=4)})},
        ),
    ),
    "pool.ckpool": (CKPoolClient.parse, objects([], {"worker": listed(POOL_WORKER)})),
    "pool.public_pool": (PublicPoolClient.parse, objects([], {"workers": listed(POOL_WORKER)})),
    "pool.ocean": (
        OceanClient.parse,
        objects(
            [],
            {"result": objects([], {"workers": st.dictionaries(st.text(max_size=8), listed(POOL_WORKER))})},
        ),
    ),
    "pool.f2pool": (
        F2PoolClient.parse,
        objects(
            ["code", "msg"],
            {"workers": listed(objects(["last_share_at", "status"], {"hash_rate_info": POOL_WORKER}))},
        ),
    ),
    "pool.viabtc": (
        ViaBTCClient.parse,
        objects(["code", "message"], {"data": objects([], {"data": listed(POOL_WORKER)})}),
    ),
    "pool.flexpool": (FlexpoolClient.parse, objects(["error"], {"result": listed(POOL_WORKER)})),
    "pool.unix_time": (unix_time, LEAVES),
    "pool.hashrate_si_text": (hashrate_si_text, LEAVES),
    "parse.as_number": (as_number, LEAVES),
    "parse.flag": (lambda value: flag({"k": value}, "k"), LEAVES),
    "parse.identifier": (lambda value: identifier({"k": value}, "k"), LEAVES),
}

# Properties computed from a model are part of what leaves the parser.
COMPUTED = (
    "efficiency", "version", "active_pool", "configured_pool", "supports_pause", "is_hashing", "tuned", "hashrate_ths",
)  # fmt: skip


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
    elif isinstance(value, Mapping):
        for key, item in value.items():
            assert_finite(item, f"{where}[{key!r}]")


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


@pytest.mark.parametrize(
    ("chains", "ids"),
    [
        ([{"id": 2}, {}, {"id": 2}], [2, 3, 4]),
        ([{"id": 1}, {}, {"id": 2}], [1, 3, 2]),  # the board that says 2 keeps 2
        ([{}, {}, {}], [1, 2, 3]),
        ([{"id": "nan"}, {"id": "1e999"}, {"id": 3}], [1, 2, 3]),
    ],
)
def test_chain_ids_are_unique_and_keep_reported_ones(chains: list[dict[str, Any]], ids: list[int]) -> None:
    """Every board gets a distinct id; a board keeps the id it reports, so entities never swap boards."""
    assert [chain.id for chain in VNishSummary.from_dict({"miner": {"chains": chains}}).chains] == ids


@pytest.mark.timeout(20)
def test_huge_lists_and_strings_stay_cheap() -> None:
    """Replies built to be slow (50,000 boards, a 1 MB padded difficulty) parse at once, and are capped."""
    summary = VNishSummary.from_dict(
        {"miner": {"chains": [0] * 50_000, "cooling": {"fans": [{"rpm": 1}] * 50_000}}}
    )
    assert len(summary.chains) == 16 and len(summary.fan_rpms) == 16
    padded = "1" + " " * (1 << 20) + "x"
    info = SystemInfo.from_dict({"bestDiff": padded, "bestSessionDiff": " 4.29 G ", "hostname": padded})
    assert info.best_difficulty is None
    assert parse_difficulty("4.29G") == pytest.approx(4.29e9)
    assert parse_difficulty("4.29 G") == pytest.approx(4.29e9)


@pytest.mark.parametrize("value", [1e308, 1.7e308, -1e300, 10**30, "1e200"])
def test_implausible_magnitudes_are_no_reading(value: object) -> None:
    """Numbers far beyond any reading (which would overflow sums and timestamps) are unknown."""
    info = SystemInfo.from_dict({"power": value, "sharesAccepted": value, "uptimeSeconds": value})
    assert (info.power, info.shares_accepted, info.uptime_seconds) == (None, None, None)


def test_efficiency_of_a_tiny_hashrate_is_finite_or_unknown() -> None:
    """A quotient that would overflow is unknown rather than infinite."""
    assert SystemInfo.from_dict({"power": 1e18, "hashRate": 1e-300}).efficiency is None


@pytest.mark.parametrize("placeholder", ["N/A", "n/a", "unknown", "0", "00:00:00:00:00:00", " - "])
def test_placeholder_identities_are_no_identity(placeholder: str) -> None:
    """A serial or MAC the firmware does not know is no identity at all."""
    info = VNishInfo.from_dict({"serial": placeholder, "system": {"network_status": {"mac": placeholder}}})
    assert (info.serial, info.mac_address) == (None, None)


def test_efficiency_of_a_vanishing_hashrate_is_unknown() -> None:
    """A hashrate of 5e-324 GH/s does not divide by zero or overflow."""
    assert SystemInfo.from_dict({"power": 15.0, "hashRate": 5e-324}).efficiency is None
