"""Adding a rig's entities: each rig is a subentry, and its entities belong to it."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import callback
from homeassistant.helpers.entity import Entity
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from ..entity import Described
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
    for rig in entry.runtime_data.values():
        _add_for_rig(entry, rig, async_add_entities, entity_class, list(descriptions))


def _add_for_rig[D: Described[RigWatchdog]](
    entry: WatchdogConfigEntry,
    rig: RigWatchdog,
    async_add_entities: AddConfigEntryEntitiesCallback,
    entity_class: Callable[[RigWatchdog, D], Entity],
    descriptions: list[D],
) -> None:
    """Add one rig's entities now and as they appear."""
    added: set[str] = set()

    @callback
    def add_present() -> None:
        new = [d for d in descriptions if d.key not in added and d.exists_fn(rig)]
        added.update(d.key for d in new)
        if new:
            async_add_entities(
                [entity_class(rig, description) for description in new], config_subentry_id=rig.rig_id
            )

    add_present()
    entry.async_on_unload(rig.async_add_listener(add_present))
