"""Watched-rig buttons: power-cycle now (guarded), and watch again after the watchdog gave up."""

from __future__ import annotations

from homeassistant.components.button import ButtonDeviceClass
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from ..entity import MiningFleetButton, MiningFleetButtonDescription
from .entity import WatchdogConfigEntry, async_add_rig_entities
from .rig import RigWatchdog

BUTTONS: tuple[MiningFleetButtonDescription[RigWatchdog], ...] = (
    MiningFleetButtonDescription[RigWatchdog](
        key="power_cycle",
        translation_key="power_cycle",
        device_class=ButtonDeviceClass.RESTART,
        press_fn=lambda rig: rig.async_power_cycle(),
    ),
    MiningFleetButtonDescription[RigWatchdog](
        key="reset_watchdog",
        translation_key="reset_watchdog",
        entity_category=EntityCategory.CONFIG,
        press_fn=lambda rig: rig.async_reset(),
    ),
)


async def async_setup_entry(
    hass: HomeAssistant, entry: WatchdogConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Add every rig's buttons."""
    async_add_rig_entities(entry, async_add_entities, MiningFleetButton[RigWatchdog], BUTTONS)
