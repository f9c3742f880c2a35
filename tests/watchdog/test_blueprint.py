"""The notification blueprint, run by Home Assistant's automation engine on the watchdog's real events."""

from __future__ import annotations

from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components import persistent_notification
from homeassistant.core import Event, HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.setup import async_setup_component

from custom_components.mining_fleet.const import DOMAIN

from .conftest import Farm, add_watchdog, advance, rig_id

BLUEPRINT = f"{DOMAIN}/rig_watchdog_notify.yaml"


def _rig_device(hass: HomeAssistant, title: str) -> str:
    """Return a rig device's id."""
    device = dr.async_get(hass).async_get_device(identifiers={(DOMAIN, f"rig_{rig_id(title)}")})
    assert device is not None
    return device.id


async def _automations(hass: HomeAssistant, inputs: dict[str, dict[str, Any]]) -> None:
    """Add automations from the blueprint (name → inputs)."""
    assert await async_setup_component(hass, "persistent_notification", {})
    automations = [
        {"id": name, "alias": name, "use_blueprint": {"path": BLUEPRINT, "input": values}}
        for name, values in inputs.items()
    ]
    assert await async_setup_component(hass, "automation", {"automation": automations})
    await hass.async_block_till_done()


async def test_one_message_per_action_and_one_when_it_gives_up(
    hass: HomeAssistant, farm: Farm, freezer: FrozenDateTimeFactory
) -> None:
    """Three power cycles and the give-up of Hive 1 are told; the unselected rig's cycle is not."""
    farm.strip.on_relay = None  # hive1 never comes back
    await add_watchdog(
        hass,
        {
            "Hive 1": await farm.pool_rig("hive1"),
            "Steady": await farm.pool_rig("steady", 1),
        },
    )
    messages: list[Event] = []
    hass.bus.async_listen("rig_message", messages.append)
    notify = [{"event": "rig_message", "event_data": {"title": "{{ title }}", "message": "{{ message }}"}}]
    await _automations(
        hass,
        {
            "hive_messages": {"rigs": [_rig_device(hass, "Hive 1")], "notify": notify},
            "only_give_up": {"only_give_up": True},
        },
    )
    farm.pool.stale("hive1")
    await advance(hass, freezer, 60)
    texts = [event.data["message"] for event in messages]
    assert len(texts) == 4, texts
    assert texts[0].startswith("Hive 1 was power-cycled (the pool saw no shares, attempt 1): it is powered")
    assert texts[3].startswith("Hive 1 was power-cycled 3 times in a row and is still offline")
    assert messages[3].data["title"] == "Hive 1: watchdog gave up"
    # The default action is a persistent notification; "only give up" sent just that one.
    notifications = persistent_notification._async_get_or_create_notifications(hass)
    assert [n["title"] for n in notifications.values()] == ["Hive 1: watchdog gave up"]
    # A cycle by hand of the other rig is not for the first automation.
    await hass.services.async_call(
        DOMAIN, "power_cycle", {"device_id": _rig_device(hass, "Steady")}, blocking=True
    )
    await advance(hass, freezer, 1)
    assert len(messages) == 4
