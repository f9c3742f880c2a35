"""Base entity and the action decorator shared by every mining_fleet platform."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any, Concatenate

from homeassistant.const import CONF_HOST
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.device_registry import CONNECTION_NETWORK_MAC, DeviceInfo
from homeassistant.helpers.entity import EntityDescription
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .api.errors import ApiBadRequestError, ApiError
from .const import DOMAIN
from .coordinator import BitaxeCoordinator, api_error_key


class BitaxeEntity(CoordinatorEntity[BitaxeCoordinator]):
    """An entity of one Bitaxe device."""

    _attr_has_entity_name = True

    def __init__(self, coordinator: BitaxeCoordinator, description: EntityDescription) -> None:
        """Attach the entity to its miner's device."""
        super().__init__(coordinator)
        self.entity_description = description
        unique_id = coordinator.config_entry.unique_id
        self._attr_unique_id = f"{unique_id}_{description.key}"
        info = coordinator.data.info
        asic = coordinator.asic
        model = asic.device_model if asic and asic.device_model else None
        self._attr_device_info = DeviceInfo(
            identifiers={(DOMAIN, str(unique_id))},
            connections={(CONNECTION_NETWORK_MAC, str(unique_id))},
            manufacturer="Bitaxe",
            model=" ".join(filter(None, [model, info.asic_model])) or "Bitaxe",
            model_id=info.board_version,
            name=info.hostname or coordinator.config_entry.title,
            sw_version=info.firmware,
            configuration_url=f"http://{coordinator.config_entry.data[CONF_HOST]}",
        )


def device_action[_EntityT: BitaxeEntity, **_P](
    func: Callable[Concatenate[_EntityT, _P], Coroutine[Any, Any, Any]],
) -> Callable[Concatenate[_EntityT, _P], Coroutine[Any, Any, None]]:
    """Run a device action, turn client errors into translated errors, then refresh."""

    async def handler(self: _EntityT, *args: _P.args, **kwargs: _P.kwargs) -> None:
        try:
            await func(self, *args, **kwargs)
        except ApiError as err:
            key = "rejected" if isinstance(err, ApiBadRequestError) else api_error_key(err)
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key=f"action_{key}",
                translation_placeholders={
                    "name": self.coordinator.config_entry.title,
                    "error": str(err),
                },
            ) from err
        await self.coordinator.async_refresh()

    return handler
