"""Services: start and stop mining and set tuning on miners; power-cycle and reset watched rigs."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from functools import partial
from typing import Any

from homeassistant.config_entries import ConfigEntry, ConfigEntryState
from homeassistant.const import ATTR_DEVICE_ID
from homeassistant.core import HomeAssistant, ServiceCall, ServiceResponse, SupportsResponse, callback
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import (
    config_validation as cv,
    device_registry as dr,
    entity_registry as er,
    service,
)
import voluptuous as vol

from .antspace.coordinator import AntspaceCoordinator
from .const import CONF_KIND, DOMAIN, KIND_ANTSPACE, MINER_KINDS
from .logic.tuning import Tuning
from .miner.coordinator import MinerCoordinator
from .miner.registry import fleet_registry
from .routing import async_route_hashrate
from .routing.service import ATTR_HASHRATE_PH, ROUTE_HASHRATE_SCHEMA, answer, subnet_pool
from .watchdog.rig import RIGS, RigWatchdog

SERVICE_START_MINING = "start_mining"
SERVICE_STOP_MINING = "stop_mining"
SERVICE_POWER_CYCLE = "power_cycle"
SERVICE_RESET_WATCHDOG = "reset_watchdog"
SERVICE_SET_TUNING = "set_tuning"
SERVICE_APPLY_SAFE_SETTINGS = "apply_safe_settings"
SERVICE_APPLY_PROFILE = "apply_profile"
SERVICE_SET_SUPPLY_TEMPERATURE = "set_supply_temperature"
SERVICE_RESET_COOLING = "reset_cooling"
SERVICE_ROUTE_HASHRATE = "route_hashrate"
ATTR_TEMPERATURE = "temperature"
CONTAINER_KINDS = frozenset({KIND_ANTSPACE})
ATTR_PROFILE = "profile"
ATTR_STEPS = "steps"
ATTR_STEP_DELAY = "step_delay"
ATTR_DURATION = "duration"
ATTR_OFF_SECONDS = "off_seconds"
ATTR_FREQUENCY = "frequency"
ATTR_CORE_VOLTAGE = "core_voltage"
ATTR_PRESET = "preset"

# Home Assistant's usual targets: devices, entities, areas, floors and labels.
SCHEMA = vol.Schema(cv.TARGET_SERVICE_FIELDS)
# Plausible ranges only; each miner checks the values against its own safe options.
SET_TUNING_SCHEMA = vol.Schema(
    {
        **cv.TARGET_SERVICE_FIELDS,
        vol.Optional(ATTR_FREQUENCY): vol.All(vol.Coerce(int), vol.Range(min=1, max=2000)),
        vol.Optional(ATTR_CORE_VOLTAGE): vol.All(vol.Coerce(int), vol.Range(min=1, max=2000)),
        vol.Optional(ATTR_PRESET): cv.string,
    }
)
_APPLY_PROFILE_FIELDS: dict[vol.Marker, Any] = {
    vol.Required(ATTR_PROFILE): cv.string,
    vol.Optional(ATTR_STEPS): vol.All(vol.Coerce(int), vol.Range(min=1, max=100)),
    # Either a delay between steps or a total time spread over them, not both.
    vol.Exclusive(ATTR_STEP_DELAY, "pace"): vol.All(vol.Coerce(float), vol.Range(min=0, max=3600)),
    vol.Exclusive(ATTR_DURATION, "pace"): vol.All(vol.Coerce(float), vol.Range(min=0, max=86400)),
}
APPLY_PROFILE_SCHEMA = vol.Schema(cv.TARGET_SERVICE_FIELDS).extend(_APPLY_PROFILE_FIELDS)
SUPPLY_TEMPERATURE_SCHEMA = vol.Schema(cv.TARGET_SERVICE_FIELDS).extend(
    {vol.Required(ATTR_TEMPERATURE): vol.All(vol.Coerce(float), vol.Range(min=-50, max=150))}
)
POWER_CYCLE_SCHEMA = vol.Schema(
    {
        **cv.TARGET_SERVICE_FIELDS,
        vol.Optional(ATTR_OFF_SECONDS): vol.All(vol.Coerce(float), vol.Range(min=1, max=300)),
    }
)


def _refusal(key: str, **placeholders: str) -> ServiceValidationError:
    """Return a translated refusal of a service target."""
    return ServiceValidationError(
        translation_domain=DOMAIN, translation_key=key, translation_placeholders=placeholders
    )


def _entry_of_kind(hass: HomeAssistant, device_id: str, kinds: frozenset[str]) -> ConfigEntry[Any] | None:
    """Return the entry of one of these kinds a device belongs to, loaded or not."""
    device = dr.async_get(hass).async_get(device_id)
    for entry_id in device.config_entries if device else ():
        entry = hass.config_entries.async_get_entry(entry_id)
        if entry is not None and entry.domain == DOMAIN and entry.data.get(CONF_KIND) in kinds:
            return entry
    return None


def _why_not(
    hass: HomeAssistant,
    device_id: str,
    not_ours: str,
    kinds: frozenset[str] = frozenset(),
    not_loaded: str = "",
) -> ServiceValidationError:
    """Explain why a named device is not what the action needs: unknown, not loaded now, or another thing."""
    device = dr.async_get(hass).async_get(device_id)
    if device is None:
        return _refusal("unknown_device", device_id=device_id)
    name = device.name_by_user or device.name or device_id
    loaded_later = not_loaded and _entry_of_kind(hass, device_id, kinds) is not None
    return _refusal(not_loaded if loaded_later else not_ours, name=name)


def _loaded_miner(hass: HomeAssistant, device_id: str) -> MinerCoordinator[Any]:
    """Return the loaded miner behind a device id, or say why there is none."""
    miner = fleet_registry(hass).get(device_id)
    if miner is None:
        raise _why_not(hass, device_id, "not_a_miner", MINER_KINDS, "miner_not_loaded")
    return miner


def _miner_for_device(hass: HomeAssistant, device_id: str) -> MinerCoordinator[Any]:
    """Return the loaded miner behind a device id that can be started and stopped."""
    miner = _loaded_miner(hass, device_id)
    if not miner.can_start_stop:
        raise _refusal("start_stop_unsupported", name=miner.name_for_user)
    return miner


def _device_of_entity(hass: HomeAssistant, entity_id: str, not_ours: str) -> str:
    """Return the device of an entity named in the target, refusing one that is not ours."""
    entity = er.async_get(hass).async_get(entity_id)
    if entity is None or entity.platform != DOMAIN or entity.device_id is None:
        raise _refusal(not_ours, name=entity_id)
    return entity.device_id


def _targeted[T](
    call: ServiceCall,
    named_fn: Callable[[str], T],
    grouped_fn: Callable[[str], T | None],
    *,
    not_ours: str,
    nothing: str,
) -> list[T]:
    """Resolve the call's target, each once; refuse named devices that do not fit and an empty target.

    Devices and entities named directly must fit (named_fn raises why not). Areas, floors and
    labels may hold anything (lights, old Bitaxes without pause): only what fits is taken.
    """
    hass = call.hass
    selected = service.async_extract_referenced_entity_ids(hass, call)
    named = set(cv.ensure_list(call.data.get(ATTR_DEVICE_ID)))
    named |= {_device_of_entity(hass, entity_id, not_ours) for entity_id in selected.referenced}
    entities = er.async_get(hass)
    grouped = set(selected.referenced_devices) | {
        entity.device_id
        for entity_id in selected.indirectly_referenced
        if (entity := entities.async_get(entity_id)) and entity.platform == DOMAIN and entity.device_id
    }
    found = [named_fn(device_id) for device_id in sorted(named)]
    found += [item for device_id in sorted(grouped - named) if (item := grouped_fn(device_id)) is not None]
    if not found:
        raise _refusal(nothing)
    return list(dict.fromkeys(found))


def _targeted_miners(call: ServiceCall) -> list[MinerCoordinator[Any]]:
    """Resolve the call's target to loaded miners that can start and stop."""
    registry = fleet_registry(call.hass)

    def grouped(device_id: str) -> MinerCoordinator[Any] | None:
        miner = registry.get(device_id)
        return miner if miner is not None and miner.can_start_stop else None

    return _targeted(
        call,
        partial(_miner_for_device, call.hass),
        grouped,
        not_ours="not_a_miner",
        nothing="no_miners_targeted",
    )


def _targeted_any_miners(call: ServiceCall) -> list[MinerCoordinator[Any]]:
    """Resolve the call's target to loaded miners."""
    registry = fleet_registry(call.hass)
    return _targeted(
        call,
        partial(_loaded_miner, call.hass),
        registry.get,
        not_ours="not_a_miner",
        nothing="no_miners_targeted",
    )


async def _async_set_tuning(call: ServiceCall) -> None:
    """Check the tuning against every targeted miner's safe options first; send only when all accept it."""
    tuning = Tuning(
        frequency_mhz=call.data.get(ATTR_FREQUENCY),
        core_voltage_mv=call.data.get(ATTR_CORE_VOLTAGE),
        preset=call.data.get(ATTR_PRESET),
    )
    if tuning.is_empty:
        raise _refusal("no_tuning_given")
    miners = _targeted_any_miners(call)
    for miner in miners:
        miner.check_tuning(tuning)
    await _each(miner.async_apply_tuning(tuning) for miner in miners)


async def _async_apply_profile(call: ServiceCall) -> None:
    """Check that every targeted miner has the profile and may run it; then ramp them all at once."""
    name: str = call.data[ATTR_PROFILE]
    pace = (call.data.get(ATTR_STEPS), call.data.get(ATTR_STEP_DELAY), call.data.get(ATTR_DURATION))
    miners = _targeted_any_miners(call)
    for miner in miners:
        miner.tuning.check_profile(name)
    await _each(miner.tuning.async_apply_profile(name, *pace) for miner in miners)


async def _async_apply_safe_settings(call: ServiceCall) -> None:
    """Put every targeted miner (every loaded miner when none is named) on its safest settings at once."""
    targeted = any(call.data.get(str(key)) for key in cv.TARGET_SERVICE_FIELDS)
    miners = _targeted_any_miners(call) if targeted else list(fleet_registry(call.hass).miners)
    if not miners:
        raise _refusal("no_miners_targeted")
    await _each(_async_to_safe_settings(miner) for miner in miners)


async def _async_to_safe_settings(miner: MinerCoordinator[Any]) -> None:
    """Apply a miner's safest settings, or say it has none to offer yet."""
    if (tuning := miner.safe_tuning()) is None:
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="no_safe_settings",
            translation_placeholders={"name": miner.name_for_user},
        )
    await miner.tuning.async_apply_safest(tuning)


def _rig_of_device(hass: HomeAssistant, device_id: str) -> RigWatchdog | None:
    """Return the loaded rig of a rig device, or the rig that watches a miner device."""
    for rig in hass.data.get(RIGS, {}).values():
        if device_id in (rig.device_id(), rig.witness.miner_device_id):
            return rig
    return None


def _named_rig(hass: HomeAssistant, device_id: str) -> RigWatchdog:
    """Return the rig of a device named in the target, or say why there is none."""
    if (rig := _rig_of_device(hass, device_id)) is not None:
        return rig
    raise _why_not(hass, device_id, "not_a_rig")


def _targeted_rigs(call: ServiceCall) -> list[RigWatchdog]:
    """Resolve the call's target to loaded watched rigs (rig devices, or the miners they watch)."""
    return _targeted(
        call,
        partial(_named_rig, call.hass),
        partial(_rig_of_device, call.hass),
        not_ours="not_a_rig",
        nothing="no_rigs_targeted",
    )


def _container_of_device(hass: HomeAssistant, device_id: str) -> AntspaceCoordinator | None:
    """Return the loaded container behind a device, or None."""
    entry = _entry_of_kind(hass, device_id, CONTAINER_KINDS)
    return entry.runtime_data if entry is not None and entry.state is ConfigEntryState.LOADED else None


def _named_container(hass: HomeAssistant, device_id: str) -> AntspaceCoordinator:
    """Return the container of a device named in the target, or say why there is none."""
    if (container := _container_of_device(hass, device_id)) is not None:
        return container
    raise _why_not(hass, device_id, "not_a_container", CONTAINER_KINDS, "container_not_loaded")


def _targeted_containers(call: ServiceCall) -> list[AntspaceCoordinator]:
    """Resolve the call's target to loaded cooling containers."""
    return _targeted(
        call,
        partial(_named_container, call.hass),
        partial(_container_of_device, call.hass),
        not_ours="not_a_container",
        nothing="no_containers_targeted",
    )


async def _async_set_supply_temperature(call: ServiceCall) -> None:
    """Check the setpoint against every targeted container's limits first, then set it on all."""
    containers = _targeted_containers(call)
    celsius: float = call.data[ATTR_TEMPERATURE]
    for container in containers:
        container.check_supply_temperature(celsius)
    await _each(container.async_set_supply_temperature(celsius) for container in containers)


async def _async_reset_cooling(call: ServiceCall) -> None:
    """Acknowledge and clear the alarms of every targeted container."""
    await _each(container.async_reset() for container in _targeted_containers(call))


async def _each(actions: Iterable[Awaitable[None]]) -> None:
    """Run actions at once; one failure is raised as it is, several are listed together."""
    results = await asyncio.gather(*actions, return_exceptions=True)
    errors = [err for err in results if isinstance(err, BaseException)]
    for err in errors:
        if not isinstance(err, HomeAssistantError):
            raise err
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="several_failed",
            translation_placeholders={"errors": "; ".join(str(err) for err in errors)},
        )


async def _async_route_hashrate(call: ServiceCall) -> ServiceResponse:
    """Send the fewest targeted miners covering the PH to the subnet's pool, the rest to their own pool."""
    pool = subnet_pool(call.data)
    miners = _targeted_any_miners(call)
    return answer(call, await async_route_hashrate(call.hass, miners, call.data[ATTR_HASHRATE_PH], pool))


async def _async_set_mining(call: ServiceCall, on: bool) -> None:
    """Validate every target first, then command them all at once."""
    await _each(miner.async_set_mining(on) for miner in _targeted_miners(call))


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register the services once, for every config entry of the integration."""

    async def start_mining(call: ServiceCall) -> None:
        await _async_set_mining(call, True)

    async def stop_mining(call: ServiceCall) -> None:
        await _async_set_mining(call, False)

    async def power_cycle(call: ServiceCall) -> None:
        off_seconds = call.data.get(ATTR_OFF_SECONDS)
        await _each(rig.async_power_cycle(off_seconds) for rig in _targeted_rigs(call))

    async def reset_watchdog(call: ServiceCall) -> None:
        await _each(rig.async_reset() for rig in _targeted_rigs(call))

    hass.services.async_register(DOMAIN, SERVICE_START_MINING, start_mining, schema=SCHEMA)
    hass.services.async_register(DOMAIN, SERVICE_STOP_MINING, stop_mining, schema=SCHEMA)
    hass.services.async_register(DOMAIN, SERVICE_POWER_CYCLE, power_cycle, schema=POWER_CYCLE_SCHEMA)
    hass.services.async_register(DOMAIN, SERVICE_RESET_WATCHDOG, reset_watchdog, schema=SCHEMA)
    hass.services.async_register(DOMAIN, SERVICE_SET_TUNING, _async_set_tuning, schema=SET_TUNING_SCHEMA)
    hass.services.async_register(
        DOMAIN, SERVICE_APPLY_SAFE_SETTINGS, _async_apply_safe_settings, schema=SCHEMA
    )
    hass.services.async_register(
        DOMAIN, SERVICE_APPLY_PROFILE, _async_apply_profile, schema=APPLY_PROFILE_SCHEMA
    )
    hass.services.async_register(
        DOMAIN,
        SERVICE_SET_SUPPLY_TEMPERATURE,
        _async_set_supply_temperature,
        schema=SUPPLY_TEMPERATURE_SCHEMA,
    )
    hass.services.async_register(DOMAIN, SERVICE_RESET_COOLING, _async_reset_cooling, schema=SCHEMA)
    hass.services.async_register(
        DOMAIN,
        SERVICE_ROUTE_HASHRATE,
        _async_route_hashrate,
        schema=ROUTE_HASHRATE_SCHEMA,
        supports_response=SupportsResponse.OPTIONAL,
    )
