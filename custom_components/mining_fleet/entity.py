"""Base entities and the action decorator shared by every mining_fleet platform."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any, Concatenate

from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.entity import EntityDescription
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .api.errors import ApiBadRequestError, ApiError
from .const import DOMAIN
from .coordinator import BitaxeCoordinator, MinerCoordinator, VNishCoordinator, api_error_key


class MiningFleetEntity[CoordinatorT: MinerCoordinator[Any]](CoordinatorEntity[CoordinatorT]):
    """An entity of one miner's device."""

    _attr_has_entity_name = True

    def __init__(self, coordinator: CoordinatorT, description: EntityDescription) -> None:
        """Attach the entity to its miner's device."""
        super().__init__(coordinator)
        self.entity_description = description
        self._attr_unique_id = f"{coordinator.config_entry.unique_id}_{description.key}"
        self._attr_device_info = coordinator.device_info


class BitaxeEntity(MiningFleetEntity[BitaxeCoordinator]):
    """An entity of a Bitaxe."""


class VNishEntity(MiningFleetEntity[VNishCoordinator]):
    """An entity of an Antminer on VNish."""


def action_error(err: ApiError, name: str) -> HomeAssistantError:
    """Return the translated error for a failed command to the named miner."""
    key = "rejected" if isinstance(err, ApiBadRequestError) else api_error_key(err)
    return HomeAssistantError(
        translation_domain=DOMAIN,
        translation_key=f"action_{key}",
        translation_placeholders={"name": name, "error": str(err)},
    )


def device_action[_EntityT: MiningFleetEntity[Any], **_P](
    func: Callable[Concatenate[_EntityT, _P], Coroutine[Any, Any, Any]],
) -> Callable[Concatenate[_EntityT, _P], Coroutine[Any, Any, None]]:
    """Run a device action, turn client errors into translated errors, then refresh."""

    async def handler(self: _EntityT, *args: _P.args, **kwargs: _P.kwargs) -> None:
        try:
            await func(self, *args, **kwargs)
        except ApiError as err:
            raise action_error(err, self.coordinator.config_entry.title) from err
        await self.coordinator.async_refresh()

    return handler
