"""Send the fewest miners that cover the won hashrate to the subnet's pool; the others to their own pool."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
import math
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import device_registry as dr
from homeassistant.util import slugify
from homeassistant.util.hass_dict import HassKey

from ..const import DOMAIN, LOGGER
from ..logic.auction.routing import SUBNET_POOL_URL, WORKER_PREFIX, Candidate, choose_miners, worker_name
from ..logic.pool_route import PoolChange, PoolRoute
from ..miner.coordinator import MinerCoordinator
from ..miner.registry import fleet_registry

# One routing at a time: a window's routing and a service call must not decide from each other's half-done writes.
_ROUTING_LOCK: HassKey[asyncio.Lock] = HassKey(f"{DOMAIN}_routing_lock")
_MAX_WORKER_LENGTH = 32
_DIGITS = 9

type Miner = MinerCoordinator[Any]


@dataclass(frozen=True, slots=True)
class SubnetPool:
    """The subnet's pool and how our workers are named on it: <worker_prefix>.<hotkey>.<worker>."""

    hotkey: str
    url: str = SUBNET_POOL_URL
    worker_prefix: str = WORKER_PREFIX
    password: str = "x"  # noqa: S105 - stratum's conventional placeholder, not a secret

    def route(self, worker: str) -> PoolRoute:
        """Return the route of one miner, named worker; raise ValueError for a bad URL, hotkey or name."""
        return PoolRoute.from_url(
            self.url, worker_name(self.worker_prefix, self.hotkey, worker), self.password
        )


@dataclass(frozen=True, slots=True)
class RoutingResult:
    """What one routing did, by device id: the answer to a service call and to the auction entry."""

    won_ph: float
    # Measured hashrate set to mine on the subnet's pool after this routing, and what it leaves uncovered.
    covered_ph: float
    shortfall_ph: float
    routed: tuple[str, ...] = ()
    returned: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    on_subnet_pool: tuple[str, ...] = ()
    failures: Mapping[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """Return the result as a service response (JSON types only)."""
        return {
            "won_ph": round(self.won_ph, _DIGITS),
            "covered_ph": round(self.covered_ph, _DIGITS),
            "shortfall_ph": round(self.shortfall_ph, _DIGITS),
            "routed": list(self.routed),
            "returned": list(self.returned),
            "unchanged": list(self.unchanged),
            "on_subnet_pool": list(self.on_subnet_pool),
            "failures": dict(self.failures),
        }


def _miner_id(miner: Miner) -> str:
    """Return the id a miner is reported by: its device id."""
    return miner.device_id or miner.config_entry.entry_id


def _worker(hass: HomeAssistant, miner: Miner) -> str:
    """Return a miner's worker name: the slug of its device name (as the user renamed it, if so)."""
    device = dr.async_get(hass).async_get(miner.device_id) if miner.device_id else None
    name = (device.name_by_user or device.name) if device else None
    return slugify(name or miner.name_for_user)[:_MAX_WORKER_LENGTH].strip("_") or "miner"


def worker_names(hass: HomeAssistant, miners: Sequence[Miner]) -> dict[str, str]:
    """Return each miner's worker name by id; two miners of the same name get their MAC's end appended."""
    names = {_miner_id(miner): _worker(hass, miner) for miner in miners}
    taken = list(names.values())
    for miner in miners:
        miner_id = _miner_id(miner)
        if taken.count(names[miner_id]) > 1:
            suffix = slugify(str(miner.config_entry.unique_id))[-6:]
            names[miner_id] = f"{names[miner_id][: _MAX_WORKER_LENGTH - 7]}_{suffix}"
    return names


def _measured(miner: Miner) -> float | None:
    """Return the hashrate the last poll measured (TH/s); nothing while the miner does not answer."""
    return miner.hashrate if miner.last_update_success and miner.data is not None else None


async def _apply(miner: Miner, route: PoolRoute | None, subnet: PoolRoute) -> PoolChange:
    """Send one miner to its route or back to its own pool; a miner left on the subnet's pool is an error."""
    change = await miner.async_set_pool_route(route)
    if route is None and change is PoolChange.UNCHANGED and miner.mines_on_pool_of(subnet):
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="own_pool_unknown",
            translation_placeholders={"name": miner.name_for_user},
        )
    return change


def _failure(miner: Miner, outcome: BaseException) -> str:
    """Return why a miner could not be routed, logging errors that are not the miner's refusals."""
    if not isinstance(outcome, HomeAssistantError):
        LOGGER.error("Routing %s failed unexpectedly", miner.name_for_user, exc_info=outcome)
    return str(outcome) or type(outcome).__name__


async def async_route_hashrate(
    hass: HomeAssistant, miners: Iterable[Miner], won_ph: float, pool: SubnetPool
) -> RoutingResult:
    """Route won_ph PH of the miners to the subnet's pool and the rest to their own pool, all at once.

    Raise ValueError for a bad pool URL, hotkey or worker prefix, or a won hashrate that is
    negative or not a number; nothing is sent then. One miner's failure does not stop the
    others: it is listed in the result.
    """
    unique = list(dict.fromkeys(miners))
    routes = {miner_id: pool.route(worker) for miner_id, worker in worker_names(hass, unique).items()}
    subnet = pool.route("miner")
    async with hass.data.setdefault(_ROUTING_LOCK, asyncio.Lock()):
        candidates = [
            Candidate(_miner_id(miner), _measured(miner), miner.mines_on(routes[_miner_id(miner)]))
            for miner in unique
        ]
        choice = choose_miners(candidates, won_ph)
        outcomes = await asyncio.gather(
            *(
                _apply(miner, routes[_miner_id(miner)] if _miner_id(miner) in choice.routed else None, subnet)
                for miner in unique
            ),
            return_exceptions=True,
        )
    return _result(won_ph, candidates, choice.routed, dict(zip(unique, outcomes, strict=True)))


def _result(
    won_ph: float,
    candidates: list[Candidate],
    chosen: frozenset[str],
    outcomes: dict[Miner, PoolChange | BaseException],
) -> RoutingResult:
    """Sort the outcomes by what happened; the covered hashrate counts only miners that got there."""
    by_change: dict[PoolChange, list[str]] = {change: [] for change in PoolChange}
    failures: dict[str, str] = {}
    for miner, outcome in outcomes.items():
        if isinstance(outcome, PoolChange):
            by_change[outcome].append(_miner_id(miner))
        else:
            failures[_miner_id(miner)] = _failure(miner, outcome)
    on_subnet = sorted(chosen - failures.keys())
    hashrates = {candidate.id: candidate.hashrate_ths or 0.0 for candidate in candidates}
    covered_ph = math.fsum(hashrates[miner_id] for miner_id in on_subnet) / 1000
    return RoutingResult(
        won_ph=won_ph,
        covered_ph=covered_ph,
        shortfall_ph=max(0.0, won_ph - covered_ph),
        routed=tuple(sorted(by_change[PoolChange.ROUTED])),
        returned=tuple(sorted(by_change[PoolChange.RETURNED])),
        unchanged=tuple(sorted(by_change[PoolChange.UNCHANGED])),
        on_subnet_pool=tuple(on_subnet),
        failures=failures,
    )


def _not_loaded(hass: HomeAssistant, device_id: str) -> str:
    """Return the message for a device that is no loaded miner."""
    device = dr.async_get(hass).async_get(device_id)
    name = (device.name_by_user or device.name) if device else None
    return str(
        HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="miner_not_loaded",
            translation_placeholders={"name": name or device_id},
        )
    )


async def async_route_devices(
    hass: HomeAssistant, device_ids: Iterable[str], won_ph: float, pool: SubnetPool
) -> RoutingResult:
    """Route among the loaded miners behind device ids; a device that is no loaded miner is a failure."""
    registry = fleet_registry(hass)
    wanted = list(dict.fromkeys(device_ids))
    miners = [miner for device_id in wanted if (miner := registry.get(device_id)) is not None]
    result = await async_route_hashrate(hass, miners, won_ph, pool)
    missing = {
        device_id: _not_loaded(hass, device_id) for device_id in wanted if registry.get(device_id) is None
    }
    return replace(result, failures={**result.failures, **missing}) if missing else result
