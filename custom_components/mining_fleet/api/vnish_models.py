"""Typed, defensively parsed models of VNish (Antminer) HTTP API v1 replies."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
import itertools
from typing import Any

from .errors import ApiResponseError
from .parse import finite, flag, identifier, items, mapping, number, text, whole

# States in which the miner is not hashing and will not start by itself.
NOT_HASHING_STATES = frozenset({"stopped", "shutting-down", "failure"})
MINER_STATES = (
    "mining",
    "running",
    "initializing",
    "starting",
    "auto-tuning",
    "restarting",
    "shutting-down",
    "stopped",
    "failure",
)


# Antminers have 3-4 hashboards and up to 4 fans; a reply listing thousands is junk, and each
# listed board or fan becomes entities.
MAX_CHAINS = 16
MAX_FANS = 16
# An Antminer keeps three pools; a settings reply listing dozens is junk.
MAX_POOLS = 3
_MAX_LISTED_POOLS = 16


def _max_of(data: Mapping[str, Any], key: str) -> float | None:
    """Return the "max" of a {min, max} field."""
    return number(mapping(data.get(key)), "max")


def _ths(gigahashes: float | None) -> float | None:
    """Convert GH/s to TH/s."""
    return None if gigahashes is None else gigahashes / 1000


@dataclass(frozen=True, slots=True)
class VNishInfo:
    """GET /api/v1/info: what the miner is."""

    model: str | None
    firmware: str | None
    serial: str | None
    mac_address: str | None
    hostname: str | None
    platform: str | None

    @classmethod
    def from_dict(cls, data: Any) -> VNishInfo:
        """Parse an info reply."""
        if not isinstance(data, Mapping):
            raise ApiResponseError("VNish info is not a JSON object")
        network = mapping(mapping(data.get("system")).get("network_status"))
        return cls(
            model=text(data, "miner") or text(data, "model"),
            firmware=" ".join(filter(None, [text(data, "fw_name"), text(data, "fw_version")])) or None,
            serial=identifier(data, "serial"),
            mac_address=identifier(network, "mac"),
            hostname=text(network, "hostname"),
            platform=text(data, "platform"),
        )


@dataclass(frozen=True, slots=True)
class VNishStatus:
    """GET /api/v1/status: the miner's state and the locate LED."""

    miner_state: str | None
    miner_state_time: float | None
    description: str | None
    failure_code: float | None
    find_miner: bool

    @property
    def is_hashing(self) -> bool:
        """Return True unless the miner is stopped, stopping or failed."""
        return self.miner_state not in NOT_HASHING_STATES

    @classmethod
    def from_dict(cls, data: Any) -> VNishStatus:
        """Parse a status reply."""
        if not isinstance(data, Mapping) or not isinstance(data.get("miner_state"), str):
            raise ApiResponseError("VNish status has no miner_state")
        return cls(
            miner_state=data["miner_state"],
            miner_state_time=number(data, "miner_state_time"),
            description=text(data, "description"),
            failure_code=number(data, "failure_code"),
            find_miner=bool(flag(data, "find_miner")),
        )


@dataclass(frozen=True, slots=True)
class VNishPool:
    """One user pool (DevFee pools are filtered out)."""

    id: int
    url: str
    user: str
    status: str
    accepted: float | None
    rejected: float | None


@dataclass(frozen=True, slots=True)
class VNishChain:
    """One hashboard."""

    id: int
    hashrate: float | None
    chip_temperature: float | None
    board_temperature: float | None
    frequency: float | None
    voltage: float | None
    power: float | None


def _pools(miner: Mapping[str, Any]) -> tuple[VNishPool, ...]:
    """Return the user pools; DevFee pools are the firmware's, not the user's."""
    pools = []
    for index, raw in enumerate(items(miner.get("pools"))):
        pool = mapping(raw)
        if pool.get("pool_type") == "DevFee" or not text(pool, "url"):
            continue
        pool_id = whole(pool, "id")
        pools.append(
            VNishPool(
                id=pool_id if pool_id is not None else index,
                url=str(pool["url"]),
                user=str(pool.get("user") or ""),
                status=str(pool.get("status") or "unknown"),
                accepted=number(pool, "accepted"),
                rejected=number(pool, "rejected"),
            )
        )
    return tuple(pools)


def _chain_ids(raw_chains: list[Any]) -> list[int]:
    """Return one id per hashboard: the firmware's when it is unique, else a free number.

    Ids the firmware reports are kept first, so a board never takes another board's id (and
    entities); boards without a usable id get their position, or the next number still free.
    """
    wanted = [whole(mapping(raw), "id") for raw in raw_chains]
    first_with: dict[int, int] = {}
    for index, chain_id in enumerate(wanted):
        if chain_id is not None:
            first_with.setdefault(chain_id, index)
    taken = set(first_with)
    ids = []
    for index, chain_id in enumerate(wanted):
        if chain_id is not None and first_with[chain_id] == index:
            ids.append(chain_id)
            continue
        free = next(candidate for candidate in itertools.count(index + 1) if candidate not in taken)
        taken.add(free)
        ids.append(free)
    return ids


def _chains(miner: Mapping[str, Any]) -> tuple[VNishChain, ...]:
    """Return the hashboards."""
    raw_chains = items(miner.get("chains"))[:MAX_CHAINS]
    return tuple(
        VNishChain(
            id=chain_id,
            hashrate=_ths(number(chain, "hashrate_rt")),
            chip_temperature=_max_of(chain, "chip_temp"),
            board_temperature=_max_of(chain, "pcb_temp"),
            frequency=number(chain, "frequency"),
            voltage=number(chain, "voltage"),
            power=number(chain, "power_consumption"),
        )
        for chain_id, chain in zip(_chain_ids(raw_chains), map(mapping, raw_chains), strict=True)
    )


def _hashrate(miner: Mapping[str, Any], key: str, legacy_ths_key: str | None = None) -> float | None:
    """Return a hashrate in TH/s from the GH/s field, or the older TH/s one."""
    if (value := number(miner, key)) is not None:
        return value / 1000
    return number(miner, legacy_ths_key) if legacy_ths_key else None


@dataclass(frozen=True, slots=True)
class VNishSummary:
    """GET /api/v1/summary; every miner field is None while the miner is starting."""

    hashrate_realtime: float | None
    hashrate_average: float | None
    hashrate_nominal: float | None
    power: float | None
    efficiency: float | None
    chip_temperature_max: float | None
    board_temperature_max: float | None
    fan_duty: float | None
    fan_rpms: tuple[float, ...]
    chains: tuple[VNishChain, ...]
    pools: tuple[VNishPool, ...]
    hw_errors: float | None

    @property
    def active_pool(self) -> VNishPool | None:
        """Return the user pool in use."""
        return next((pool for pool in self.pools if pool.status == "active"), None)

    @classmethod
    def from_dict(cls, data: Any) -> VNishSummary:
        """Parse a summary reply; a missing or null miner gives an empty summary."""
        if not isinstance(data, Mapping):
            raise ApiResponseError("VNish summary is not a JSON object")
        miner = mapping(data.get("miner"))
        cooling = mapping(miner.get("cooling"))
        efficiency = number(miner, "power_efficiency")  # W per GH/s
        fans = [number(mapping(fan), "rpm") for fan in items(cooling.get("fans"))[:MAX_FANS]]
        return cls(
            hashrate_realtime=_hashrate(miner, "hr_realtime", "instant_hashrate"),
            hashrate_average=_hashrate(miner, "hr_average", "average_hashrate"),
            hashrate_nominal=_hashrate(miner, "hr_nominal"),
            power=number(miner, "power_consumption"),
            efficiency=finite(efficiency * 1000) if efficiency else None,
            chip_temperature_max=_max_of(miner, "chip_temp"),
            board_temperature_max=_max_of(miner, "pcb_temp"),
            fan_duty=number(cooling, "fan_duty"),
            fan_rpms=tuple(rpm for rpm in fans if rpm is not None),
            chains=_chains(miner),
            pools=_pools(miner),
            hw_errors=number(miner, "hw_errors"),
        )


@dataclass(frozen=True, slots=True)
class VNishPreset:
    """One autotune power preset."""

    name: str
    pretty: str
    status: str

    @property
    def tuned(self) -> bool:
        """Return True when choosing it will not start hours of autotuning."""
        return self.status == "tuned"


def parse_presets(data: Any) -> tuple[VNishPreset, ...]:
    """Parse autotune presets: a bare array or an object with a "presets" key."""
    if isinstance(data, Mapping):
        data = data.get("presets")
    if not isinstance(data, list):
        raise ApiResponseError("VNish presets are neither a list nor {presets: [...]}")
    presets = []
    for raw in data:
        preset = mapping(raw)
        if name := text(preset, "name"):
            presets.append(
                VNishPreset(name, text(preset, "pretty") or name, text(preset, "status") or "unknown")
            )
    return tuple(presets)


def parse_current_preset(data: Any) -> str | None:
    """Return the active preset's name from perf-summary."""
    return text(mapping(mapping(data).get("current_preset")), "name")


def parse_settings_preset(data: Any) -> str | None:
    """Return the configured preset's name from settings."""
    overclock = mapping(mapping(mapping(data).get("miner")).get("overclock"))
    return text(overclock, "preset")


@dataclass(frozen=True, slots=True)
class VNishPoolSetting:
    """One configured pool in the settings, in the form POST /api/v1/settings takes it back."""

    url: str
    user: str
    # None when the firmware does not show it: the pool is then written back without one.
    password: str | None
    order: int

    @property
    def address(self) -> str:
        """Return the URL without the stratum+tcp:// scheme, lowercase: how two spellings of a pool compare."""
        return self.url.strip().lower().removeprefix("stratum+tcp://")

    def document(self) -> dict[str, Any]:
        """Return the pool as the settings write takes it (the URL without stratum+tcp://)."""
        pool: dict[str, Any] = {"url": self.url.strip().removeprefix("stratum+tcp://"), "user": self.user}
        if self.password is not None:
            pool["pass"] = self.password
        return pool | {"order": self.order}


def parse_settings_pools(data: Any) -> tuple[VNishPoolSetting, ...]:
    """Return the configured pools from settings, first priority first; raise when the reply has no pool list."""
    raw_pools = mapping(mapping(data).get("miner")).get("pools")
    if not isinstance(raw_pools, list):
        raise ApiResponseError("VNish settings have no pool list")
    pools = []
    for index, raw in enumerate(raw_pools[:_MAX_LISTED_POOLS]):
        pool = mapping(raw)
        if not (url := text(pool, "url")) or not url.strip():
            continue
        order = whole(pool, "order")
        password = pool.get("pass")
        pools.append(
            VNishPoolSetting(
                url=url,
                user=str(pool.get("user") or ""),
                password=password if isinstance(password, str) else None,
                order=order if order is not None else index,
            )
        )
    return tuple(sorted(pools, key=lambda pool: pool.order))
