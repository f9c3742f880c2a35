"""The route_hashrate action's fields, their checks with translated refusals, and its answer."""

from __future__ import annotations

from collections.abc import Mapping
import math
from typing import Any

from homeassistant.core import ServiceCall, ServiceResponse
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import config_validation as cv
import voluptuous as vol

from ..const import DOMAIN
from ..logic.auction.routing import SUBNET_POOL_URL, WORKER_PREFIX, is_ss58_address
from ..logic.pool_route import split_stratum_url
from .hashrate import RoutingResult, SubnetPool

ATTR_HASHRATE_PH = "hashrate_ph"
ATTR_HOTKEY = "hotkey"
ATTR_POOL_URL = "pool_url"
ATTR_WORKER_PREFIX = "worker_prefix"
ATTR_POOL_PASSWORD = "pool_password"  # noqa: S105 - a field name, not a secret
_PREFIX_CHARACTERS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")


def _finite(value: float) -> float:
    """Refuse NaN, which passes every range check."""
    if not math.isfinite(value):
        raise vol.Invalid("must be a finite number")
    return value


ROUTE_HASHRATE_SCHEMA = vol.Schema(cv.TARGET_SERVICE_FIELDS).extend(
    {
        vol.Required(ATTR_HASHRATE_PH): vol.All(vol.Coerce(float), _finite, vol.Range(min=0, max=1_000_000)),
        vol.Required(ATTR_HOTKEY): cv.string,
        vol.Optional(ATTR_POOL_URL, default=SUBNET_POOL_URL): cv.string,
        vol.Optional(ATTR_WORKER_PREFIX, default=WORKER_PREFIX): cv.string,
        vol.Optional(ATTR_POOL_PASSWORD, default="x"): cv.string,
    }
)


def _refusal(key: str, **placeholders: str) -> ServiceValidationError:
    """Return a translated refusal of a field's value; nothing is sent."""
    return ServiceValidationError(
        translation_domain=DOMAIN, translation_key=key, translation_placeholders=placeholders
    )


def subnet_pool(data: Mapping[str, Any]) -> SubnetPool:
    """Return the subnet's pool the call names, refusing a bad hotkey, pool URL or worker prefix."""
    hotkey, url, prefix = data[ATTR_HOTKEY].strip(), data[ATTR_POOL_URL].strip(), data[ATTR_WORKER_PREFIX]
    if not is_ss58_address(hotkey):
        raise _refusal("invalid_hotkey", hotkey=hotkey)
    if split_stratum_url(url) is None:
        raise _refusal("invalid_pool_url", url=url)
    if not 0 < len(prefix) <= 64 or not set(prefix) <= _PREFIX_CHARACTERS:
        raise _refusal("invalid_worker_prefix", prefix=prefix)
    return SubnetPool(hotkey, url, prefix, data[ATTR_POOL_PASSWORD])


def answer(call: ServiceCall, result: RoutingResult) -> ServiceResponse:
    """Return the result when the caller asked for it; else raise when a miner failed (nobody would see it)."""
    if call.return_response:
        return result.as_dict()
    if result.failures:
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="routing_failed",
            translation_placeholders={"errors": "; ".join(result.failures.values())},
        )
    return None
