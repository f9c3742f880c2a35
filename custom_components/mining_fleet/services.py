"""Services: start and stop mining on one or more miner devices of this integration."""

from __future__ import annotations

import asyncio
from typing import Any

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import ATTR_DEVICE_ID
from homeassistant.core import HomeAssistant, ServiceCall, callback
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import config_validation as cv, device_registry as dr
import voluptuous as vol

from .api.errors import ApiError
from .const import DOMAIN
from .coordinator import MinerCoordinator
from .entity import action_error

SERVICE_START_MINING = "start_mining"
SERVICE_STOP_MINING = "stop_mining"

SCHEMA = vol.Schema(
    {vol.Required(ATTR_DEVICE_ID): vol.All(cv.ensure_list, [cv.string])}, extra=vol.ALLOW_EXTRA
)


def _coordinator_for_device(hass: HomeAssistant, device_id: str) -> MinerCoordinator[Any]:
    """Return the loaded miner behind a device id, or explain why there is none."""
    device = dr.async_get(hass).async_get(device_id)
    if device is None:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="unknown_device",
            translation_placeholders={"device_id": device_id},
        )
    name = device.name_by_user or device.name or device_id
    for entry_id in device.config_entries:
        entry = hass.config_entries.async_get_entry(entry_id)
        if entry is None or entry.domain != DOMAIN:
            continue
        if entry.state is not ConfigEntryState.LOADED:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="miner_not_loaded",
                translation_placeholders={"name": name},
            )
        coordinator: MinerCoordinator[Any] = entry.runtime_data
        if not coordinator.can_start_stop:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="start_stop_unsupported",
                translation_placeholders={"name": name},
            )
        return coordinator
    raise ServiceValidationError(
        translation_domain=DOMAIN,
        translation_key="not_a_miner",
        translation_placeholders={"name": name},
    )


async def _set_mining(coordinator: MinerCoordinator[Any], on: bool) -> HomeAssistantError | None:
    """Send the command to one miner; return the error instead of raising so the others still run."""
    try:
        await coordinator.async_set_mining(on)
    except ApiError as err:
        return action_error(err, coordinator.config_entry.title)
    await coordinator.async_request_refresh()
    return None


async def _async_handle(call: ServiceCall, on: bool) -> None:
    """Validate every target first, then command them all at once."""
    coordinators = [_coordinator_for_device(call.hass, device_id) for device_id in call.data[ATTR_DEVICE_ID]]
    errors = [err for err in await asyncio.gather(*(_set_mining(c, on) for c in coordinators)) if err]
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
