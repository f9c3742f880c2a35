"""Services: start and stop mining on miner devices, resolved through the fleet registry."""

from __future__ import annotations

import asyncio
from typing import Any

from homeassistant.const import ATTR_DEVICE_ID
from homeassistant.core import HomeAssistant, ServiceCall, callback
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import (
    config_validation as cv,
    device_registry as dr,
    entity_registry as er,
    service,
)
import voluptuous as vol

from .const import CONF_KIND, DOMAIN, MINER_KINDS
from .miner.coordinator import MinerCoordinator
from .miner.registry import fleet_registry

SERVICE_START_MINING = "start_mining"
SERVICE_STOP_MINING = "stop_mining"

# Home Assistant's usual targets: devices, entities, areas, floors and labels.
SCHEMA = vol.Schema(cv.TARGET_SERVICE_FIELDS)


def _refusal(key: str, **placeholders: str) -> ServiceValidationError:
    """Return a translated refusal of a service target."""
    return ServiceValidationError(
        translation_domain=DOMAIN, translation_key=key, translation_placeholders=placeholders
    )


def _why_not_a_loaded_miner(hass: HomeAssistant, device_id: str) -> ServiceValidationError:
    """Explain why a device is not in the fleet registry."""
    device = dr.async_get(hass).async_get(device_id)
    if device is None:
        return _refusal("unknown_device", device_id=device_id)
    name = device.name_by_user or device.name or device_id
    for entry_id in device.config_entries:
        entry = hass.config_entries.async_get_entry(entry_id)
        if entry is not None and entry.domain == DOMAIN and entry.data.get(CONF_KIND) in MINER_KINDS:
            return _refusal("miner_not_loaded", name=name)
    return _refusal("not_a_miner", name=name)


def _miner_for_device(hass: HomeAssistant, device_id: str) -> MinerCoordinator[Any]:
    """Return the loaded miner behind a device id that can be started and stopped."""
    miner = fleet_registry(hass).get(device_id)
    if miner is None:
        raise _why_not_a_loaded_miner(hass, device_id)
    if not miner.can_start_stop:
        raise _refusal("start_stop_unsupported", name=miner.name_for_user)
    return miner


def _device_of_entity(hass: HomeAssistant, entity_id: str) -> str:
    """Return the device of an entity named in the target, refusing one that is not a miner's."""
    entity = er.async_get(hass).async_get(entity_id)
    if entity is None or entity.platform != DOMAIN or entity.device_id is None:
        raise _refusal("not_a_miner", name=entity_id)
    return entity.device_id


def _targeted_miners(call: ServiceCall) -> list[MinerCoordinator[Any]]:
    """Resolve the call's target to miners, each once; refuse named non-miners and an empty target.

    Devices and entities named directly must be miners that can start and stop. Areas, floors
    and labels may hold anything (lights, old Bitaxes without pause): only the loaded miners in
    them that can start and stop are taken.
    """
    hass = call.hass
    selected = service.async_extract_referenced_entity_ids(hass, call)
    named = set(cv.ensure_list(call.data.get(ATTR_DEVICE_ID)))
    named |= {_device_of_entity(hass, entity_id) for entity_id in selected.referenced}
    entities = er.async_get(hass)
    grouped = set(selected.referenced_devices) | {
        entity.device_id
        for entity_id in selected.indirectly_referenced
        if (entity := entities.async_get(entity_id)) and entity.platform == DOMAIN and entity.device_id
    }
    registry = fleet_registry(hass)
    in_groups = [registry.get(device_id) for device_id in sorted(grouped - named)]
    miners = [_miner_for_device(hass, device_id) for device_id in sorted(named)]
    miners += [miner for miner in in_groups if miner is not None and miner.can_start_stop]
    if not miners:
        raise _refusal("no_miners_targeted")
    return miners


async def _set_mining(miner: MinerCoordinator[Any], on: bool) -> HomeAssistantError | None:
    """Send the command to one miner; return the error instead of raising so the others still run."""
    try:
        await miner.async_set_mining(on)
    except HomeAssistantError as err:
        return err
    return None


async def _async_handle(call: ServiceCall, on: bool) -> None:
    """Validate every target first, then command them all at once."""
    miners = _targeted_miners(call)
    errors = [err for err in await asyncio.gather(*(_set_mining(miner, on) for miner in miners)) if err]
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="several_miners_failed",
            translation_placeholders={"errors": "; ".join(str(err) for err in errors)},
        )


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register the services once, for every config entry of the integration."""

    async def start_mining(call: ServiceCall) -> None:
        await _async_handle(call, True)

    async def stop_mining(call: ServiceCall) -> None:
        await _async_handle(call, False)

    hass.services.async_register(DOMAIN, SERVICE_START_MINING, start_mining, schema=SCHEMA)
    hass.services.async_register(DOMAIN, SERVICE_STOP_MINING, stop_mining, schema=SCHEMA)
