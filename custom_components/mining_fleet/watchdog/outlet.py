"""The outlet that powers a watched rig: a Kasa plug or strip outlet, or any Home Assistant switch."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any, Protocol

from homeassistant.const import ATTR_ENTITY_ID, SERVICE_TURN_OFF, SERVICE_TURN_ON, STATE_OFF, STATE_ON
from homeassistant.core import Event, EventStateChangedData, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.event import async_track_state_change_event

from ..api.errors import ApiConnectionError
from ..api.outlets import KasaOutlet, OutletState

CONF_OUTLET = "outlet"
OUTLET_KASA = "kasa"
OUTLET_SWITCH = "switch"
# How long a switch entity may take to show the state it was switched to.
SWITCH_SETTLE_SECONDS = 5
# What building an outlet from stored settings may raise when they are damaged or from another
# python-kasa version (mashumaro's MissingField is a LookupError).
BUILD_ERRORS = (LookupError, TypeError, ValueError)


class RigOutlet(Protocol):
    """Read and switch one outlet; failures raise ApiError."""

    async def state(self) -> OutletState:
        """Return whether the outlet is on (and its power where it meters)."""

    async def set_on(self, on: bool) -> None:
        """Switch the outlet."""

    async def close(self) -> None:
        """Release connections."""


class SwitchEntityOutlet:
    """A switch entity the user already has (Shelly, Zigbee, the core TP-Link integration …)."""

    def __init__(self, hass: HomeAssistant, entity_id: str) -> None:
        """Switch the entity through Home Assistant's own services."""
        self._hass = hass
        self.entity_id = entity_id

    async def state(self) -> OutletState:
        """Return the entity's state; unavailable or missing is an error, not "off"."""
        state = self._hass.states.get(self.entity_id)
        if state is None or state.state not in (STATE_ON, STATE_OFF):
            raise ApiConnectionError(f"{self.entity_id} is {state.state if state else 'missing'}")
        return OutletState(on=state.state == STATE_ON, power_w=None)

    async def set_on(self, on: bool) -> None:
        """Call switch.turn_on / switch.turn_off; wait (briefly) until the entity shows the new state.

        A missing or unavailable switch is an error: Home Assistant only logs a call to it. Many
        switches report their new state a moment after the call returns; the caller reads it then.
        """
        await self.state()
        wanted = STATE_ON if on else STATE_OFF
        switched = asyncio.Event()

        @callback
        def state_changed(event: Event[EventStateChangedData]) -> None:
            if (new := event.data["new_state"]) is not None and new.state == wanted:
                switched.set()

        stop_listening = async_track_state_change_event(self._hass, [self.entity_id], state_changed)
        try:
            await self._hass.services.async_call(
                "switch",
                SERVICE_TURN_ON if on else SERVICE_TURN_OFF,
                {ATTR_ENTITY_ID: self.entity_id},
                blocking=True,
            )
            if (await self.state()).on != on:
                async with asyncio.timeout(SWITCH_SETTLE_SECONDS):
                    await switched.wait()
        except HomeAssistantError as err:
            raise ApiConnectionError(f"{self.entity_id} did not switch: {err}") from err
        except TimeoutError:
            pass  # the caller reads the state and sees it did not switch
        finally:
            stop_listening()

    async def close(self) -> None:
        """Nothing to release."""


def build_outlet(hass: HomeAssistant, outlet: Mapping[str, Any]) -> RigOutlet:
    """Return the outlet a rig's config stored."""
    if outlet["type"] == OUTLET_SWITCH:
        return SwitchEntityOutlet(hass, outlet[ATTR_ENTITY_ID])
    return KasaOutlet.from_choice(outlet["host"], outlet.get("child"), outlet["config"])


def describe_outlet(outlet: Mapping[str, Any]) -> str:
    """Return how the user would recognise the outlet."""
    if outlet["type"] == OUTLET_SWITCH:
        return str(outlet[ATTR_ENTITY_ID])
    return str(outlet.get("label") or outlet["host"])
