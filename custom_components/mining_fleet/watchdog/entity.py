"""Adding a rig's entities: each rig is a subentry, and its entities belong to it."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import callback
from homeassistant.helpers.entity import Entity
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from ..entity import Described, async_add_described
from .rig import RigWatchdog

type WatchdogConfigEntry = ConfigEntry[dict[str, RigWatchdog]]


@callback
def async_add_rig_entities[D: Described[RigWatchdog]](
    entry: WatchdogConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
    entity_class: Callable[[RigWatchdog, D], Entity],
    descriptions: Iterable[D],
) -> None:
    """Add every rig's entities under its subentry; ones that need data (outlet power) when it comes."""
    listed = list(descriptions)
    for rig in entry.runtime_data.values():
        async_add_described(
            entry,
            async_add_entities,
            entity_class,
            lambda _: listed,
            coordinator=rig,
            config_subentry_id=rig.rig_id,
        )
