"""Typed, defensively parsed models of AxeOS (Bitaxe ESP-Miner) replies."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
import re
from typing import Any

from .errors import ApiResponseError
from .parse import as_number, finite, flag, identifier, items, mapping, number, text, whole

_SI_SUFFIX = {"": 1.0, "k": 1e3, "K": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "P": 1e15, "E": 1e18}
# Applied to a stripped, length-capped string with fullmatch: no nested repetition to backtrack over.
_DIFF_PATTERN = re.compile(r"([0-9]{1,20}(?:\.[0-9]{1,20})?) ?([kKMGTPE]?)")
_MAX_DIFF_TEXT = 48
# AxeOS 2.15+ keeps up to 8 pool slots; a reply listing more is junk.
MAX_POOL_SLOTS = 8


def parse_difficulty(value: Any) -> float | None:
    """Parse a best-difficulty value: a number (2.11+) or a string like "4.29G" (≤2.10)."""
    if isinstance(value, str):
        match = _DIFF_PATTERN.fullmatch(value.strip()) if len(value) <= _MAX_DIFF_TEXT else None
        return as_number(float(match.group(1)) * _SI_SUFFIX[match.group(2)]) if match else None
    return as_number(value)


def parse_version(version: str | None) -> tuple[int, ...]:
    """Turn a firmware version like "v2.12.1-rc" into (2, 12, 1); unknown becomes ()."""
    if not version:
        return ()
    # Parts are capped in length: a hostile 5,000-digit "version" must not reach int().
    return tuple(int(part) for part in re.findall(r"\d{1,6}", version.split("-")[0])[:3])


def _temperature(data: Mapping[str, Any], key: str) -> float | None:
    """Return a temperature; AxeOS reports -1 (and 0 for vrTemp without TPS546) when absent."""
    value = number(data, key)
    return value if value is not None and value > 0 else None


@dataclass(frozen=True, slots=True)
class StratumPool:
    """One configured stratum pool (password never kept)."""

    url: str
    port: int
    user: str

    @property
    def address(self) -> str:
        """Return host:port as shown to users."""
        return f"{self.url}:{self.port}"


@dataclass(frozen=True, slots=True)
class PoolSettings:
    """A pool to write to the miner; the password is sent, never read back."""

    url: str
    port: int
    user: str
    password: str = "x"  # noqa: S105 - stratum's conventional placeholder, not a secret


@dataclass(frozen=True, slots=True)
class PoolSlot:
    """One of the pool slots of AxeOS 2.15+ (an empty slot has no pool)."""

    id: int
    pool: StratumPool | None


def _pool_slots(value: Any) -> tuple[PoolSlot, ...]:
    """Return the pool slots with a usable id in 0-7, each id once."""
    slots: dict[int, PoolSlot] = {}
    for raw in items(value)[: MAX_POOL_SLOTS * 2]:
        slot = mapping(raw)
        slot_id = whole(slot, "id")
        if slot_id is None or not 0 <= slot_id < MAX_POOL_SLOTS or slot_id in slots:
            continue
        pool = _pool(slot.get("stratumURL"), slot.get("stratumPort"), slot.get("stratumUser"))
        slots[slot_id] = PoolSlot(slot_id, pool)
    return tuple(sorted(slots.values(), key=lambda slot: slot.id))


def _slot_index(data: Mapping[str, Any], key: str) -> int | None:
    """Return a pool slot index in 0-7, or None."""
    index = whole(data, key)
    return index if index is not None and 0 <= index < MAX_POOL_SLOTS else None


def _pool(url: Any, port: Any, user: Any) -> StratumPool | None:
    """Build a pool from loose fields, or None when the URL is missing."""
    if not isinstance(url, str) or not url:
        return None
    port_number = as_number(port)
    return StratumPool(
        url=url, port=int(port_number) if port_number else 0, user=user if isinstance(user, str) else ""
    )


@dataclass(frozen=True, slots=True)
class SystemInfo:
    """The parts of GET /api/system/info the integration uses."""

    mac_address: str | None
    hostname: str | None
    firmware: str | None
    web_version: str | None
    asic_model: str | None
    board_version: str | None
    hashrate: float | None
    hashrate_1m: float | None
    hashrate_10m: float | None
    hashrate_1h: float | None
    expected_hashrate: float | None
    error_percentage: float | None
    power: float | None
    input_voltage: float | None
    asic_temperature: float | None
    asic_temperature_2: float | None
    vr_temperature: float | None
    core_voltage: float | None
    core_voltage_actual: float | None
    frequency: float | None
    fan_duty: float | None
    fan_rpm: float | None
    fan2_rpm: float | None
    auto_fan: bool | None
    manual_fan_speed: float | None
    temperature_target: float | None
    shares_accepted: int | None
    shares_rejected: int | None
    best_difficulty: float | None
    best_session_difficulty: float | None
    uptime_seconds: int | None
    wifi_rssi: float | None
    overheat: bool | None
    mining_paused: bool | None
    fault: str | None
    # The board's power design limit (W), where the firmware says.
    max_power: float | None
    primary_pool: StratumPool | None
    fallback_pool: StratumPool | None
    using_fallback: bool
    has_pool_slots: bool
    pool_slots: tuple[PoolSlot, ...]
    primary_pool_index: int | None
    secondary_pool_index: int | None
    raw: Mapping[str, Any] = field(repr=False, compare=False)

    @property
    def version(self) -> tuple[int, ...]:
        """Return the parsed firmware version."""
        return parse_version(self.firmware)

    @property
    def supports_pause(self) -> bool:
        """Return True when the firmware has pause/resume (2.14+)."""
        return self.mining_paused is not None

    @property
    def active_pool(self) -> StratumPool | None:
        """Return the pool the miner is hashing on now."""
        return self.fallback_pool if self.using_fallback else self.primary_pool

    @property
    def configured_pool(self) -> StratumPool | None:
        """Return the pool the miner is set to mine on first: the primary slot on 2.15+, else the top-level one."""
        slot = next((slot for slot in self.pool_slots if slot.id == self.primary_pool_index), None)
        return slot.pool if slot is not None else self.primary_pool

    @property
    def efficiency(self) -> float | None:
        """Return J/TH computed from power (W) and hashrate (GH/s)."""
        terahashes = (self.hashrate or 0.0) / 1000
        if self.power is None or terahashes <= 0:
            return None
        return finite(self.power / terahashes)

    @classmethod
    def from_dict(cls, data: Any) -> SystemInfo:
        """Parse an info reply, tolerating every firmware's missing or renamed keys."""
        if not isinstance(data, Mapping):
            raise ApiResponseError(f"system info is not a JSON object: {type(data).__name__}")
        return cls(
            mac_address=identifier(data, "macAddr"),
            hostname=text(data, "hostname"),
            firmware=text(data, "version"),
            web_version=text(data, "axeOSVersion"),
            asic_model=text(data, "ASICModel"),
            board_version=text(data, "boardVersion"),
            hashrate=number(data, "hashRate"),
            hashrate_1m=number(data, "hashRate_1m"),
            hashrate_10m=number(data, "hashRate_10m"),
            hashrate_1h=number(data, "hashRate_1h"),
            expected_hashrate=number(data, "expectedHashrate"),
            error_percentage=number(data, "errorPercentage"),
            power=number(data, "power"),
            input_voltage=number(data, "voltage"),
            asic_temperature=_temperature(data, "temp"),
            asic_temperature_2=_temperature(data, "temp2"),
            vr_temperature=_temperature(data, "vrTemp"),
            core_voltage=number(data, "coreVoltage"),
            core_voltage_actual=number(data, "coreVoltageActual"),
            frequency=number(data, "frequency"),
            fan_duty=number(data, "fanspeed") if "fanspeed" in data else number(data, "fanSpeed"),
            fan_rpm=number(data, "fanrpm"),
            fan2_rpm=number(data, "fan2rpm"),
            auto_fan=flag(data, "autofanspeed"),
            manual_fan_speed=number(data, "manualFanSpeed"),
            temperature_target=number(data, "temptarget"),
            shares_accepted=whole(data, "sharesAccepted"),
            shares_rejected=whole(data, "sharesRejected"),
            best_difficulty=parse_difficulty(data.get("bestDiff")),
            best_session_difficulty=parse_difficulty(data.get("bestSessionDiff")),
            uptime_seconds=whole(data, "uptimeSeconds"),
            wifi_rssi=number(data, "wifiRSSI"),
            overheat=flag(data, "overheat_mode"),
            mining_paused=flag(data, "miningPaused"),
            fault=text(data, "power_fault") or text(data, "hardware_fault"),
            max_power=number(data, "maxPower"),
            primary_pool=_pool(data.get("stratumURL"), data.get("stratumPort"), data.get("stratumUser")),
            fallback_pool=_pool(
                data.get("fallbackStratumURL"),
                data.get("fallbackStratumPort"),
                data.get("fallbackStratumUser"),
            ),
            using_fallback=bool(flag(data, "isUsingFallbackStratum")),
            has_pool_slots=isinstance(data.get("pools"), list),
            pool_slots=_pool_slots(data.get("pools")),
            primary_pool_index=_slot_index(data, "primaryPoolIndex"),
            secondary_pool_index=_slot_index(data, "secondaryPoolIndex"),
            raw=dict(data),
        )


def _options(data: Mapping[str, Any], key: str) -> tuple[int, ...]:
    """Return a sorted tuple of whole-number options from a list field."""
    numbers = (as_number(value) for value in items(data.get(key)))
    return tuple(sorted({int(value) for value in numbers if value is not None and value > 0}))


@dataclass(frozen=True, slots=True)
class AsicInfo:
    """GET /api/system/asic: the model's safe frequency and core-voltage options."""

    asic_model: str | None
    device_model: str | None
    asic_count: int | None
    default_frequency: int | None
    frequency_options: tuple[int, ...]
    default_voltage: int | None
    voltage_options: tuple[int, ...]

    @classmethod
    def from_dict(cls, data: Any) -> AsicInfo:
        """Parse an asic reply; empty option lists mean the reply was unusable."""
        if not isinstance(data, Mapping):
            raise ApiResponseError(f"asic info is not a JSON object: {type(data).__name__}")
        return cls(
            asic_model=text(data, "ASICModel"),
            device_model=text(data, "deviceModel"),
            asic_count=whole(data, "asicCount"),
            default_frequency=whole(data, "defaultFrequency"),
            frequency_options=_options(data, "frequencyOptions"),
            default_voltage=whole(data, "defaultVoltage"),
            voltage_options=_options(data, "voltageOptions"),
        )
