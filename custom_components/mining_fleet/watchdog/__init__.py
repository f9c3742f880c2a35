"""The rig watchdog: one always-loading entry whose subentries are the watched rigs.

A rig's witnesses (its miner's entry, its pool account) fail set-up exactly when the rig is dead,
so a rig cannot live under them; this entry has no network to fail at set-up, and each rig is a
config subentry: added, reconfigured and deleted on its own, with its own device.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from homeassistant.config_entries import ConfigEntry, ConfigSubentry
from homeassistant.const import EVENT_HOMEASSISTANT_STOP, Platform
from homeassistant.core import Event, HomeAssistant
from homeassistant.helpers import issue_registry as ir

from ..api.errors import ApiError
from ..const import DOMAIN, LOGGER, SUBENTRY_RIG
from ..miner.diagnostics import plain
from . import binary_sensor, button, sensor, switch
from .entity import WatchdogConfigEntry
from .outlet import BUILD_ERRORS, CONF_OUTLET, RigOutlet, build_outlet, describe_outlet
from .rig import RIGS, RigWatchdog, raise_issue
from .store import WatchdogStore, async_get_store

PLATFORMS = {
    Platform.BINARY_SENSOR: binary_sensor.async_setup_entry,
    Platform.BUTTON: button.async_setup_entry,
    Platform.SENSOR: sensor.async_setup_entry,
    Platform.SWITCH: switch.async_setup_entry,
}


async def async_setup_entry(hass: HomeAssistant, entry: WatchdogConfigEntry) -> None:
    """Start one watchdog per rig; a rig added, changed or deleted reloads the entry."""
    store = await async_get_store(hass)
    await _async_settle_deleted_rigs(hass, entry, store)
    rigs = hass.data.setdefault(RIGS, {})
    entry.runtime_data = {}
    # Listen first: a rig added while the others start (their outlets are read) reloads the entry too.
    entry.async_on_unload(entry.add_update_listener(_async_reload))
    for subentry in entry.subentries.values():
        if subentry.subentry_type == SUBENTRY_RIG and (outlet := _outlet_of(hass, subentry)) is not None:
            rig = RigWatchdog(hass, entry, subentry, store, outlet)
            entry.runtime_data[rig.rig_id] = rigs[rig.rig_id] = rig
            entry.async_on_unload(partial(_forget_rig, rigs, rig.rig_id))
            await rig.async_start()

    async def power_on_before_stop(_: Event) -> None:
        for rig in entry.runtime_data.values():
            await rig.async_power_on_before_stop()

    entry.async_on_unload(hass.bus.async_listen(EVENT_HOMEASSISTANT_STOP, power_on_before_stop))


def _outlet_of(hass: HomeAssistant, subentry: ConfigSubentry) -> RigOutlet | None:
    """Return a rig's outlet; one that cannot be built costs that rig (with a repair issue), not the others."""
    issue_id = f"invalid_{subentry.subentry_id}"
    try:
        outlet = build_outlet(hass, subentry.data[CONF_OUTLET])
    except BUILD_ERRORS as err:
        LOGGER.error(
            "%s: its outlet settings cannot be used (%r); delete and add the rig again", subentry.title, err
        )
        raise_issue(hass, issue_id, "rig_invalid", {"rig": subentry.title})
        return None
    ir.async_delete_issue(hass, DOMAIN, issue_id)
    return outlet


async def _async_settle_deleted_rigs(
    hass: HomeAssistant, entry: WatchdogConfigEntry, store: WatchdogStore
) -> None:
    """Forget rigs the user deleted: their issues and records, after switching on an outlet one left off."""
    for rig_id in store.rig_ids() - set(entry.subentries):
        record = store.get(rig_id)
        left_off = record.outlet_off_since is not None and record.outlet is not None
        if left_off and record.outlet is not None and not await _async_switch_on(hass, record.outlet):
            outlet = {"rig": "a deleted rig", "outlet": describe_outlet(record.outlet)}
            raise_issue(hass, f"outlet_off_{rig_id}", "rig_outlet_off", outlet)
            continue
        for problem in ("gave_up", "outlet_off", "invalid"):
            ir.async_delete_issue(hass, DOMAIN, f"{problem}_{rig_id}")
        await store.async_remove(rig_id)


async def _async_switch_on(hass: HomeAssistant, config: dict[str, Any]) -> bool:
    """Switch on the outlet a deleted rig left off; False when it cannot be (tried again at the next start)."""
    try:
        outlet = build_outlet(hass, config)
    except BUILD_ERRORS as err:
        LOGGER.error("A deleted rig's outlet settings cannot be used: %r", err)
        return False
    try:
        await outlet.set_on(True)
    except ApiError as err:
        LOGGER.error(
            "A deleted rig's outlet could not be switched back on (trying at the next start): %s", err
        )
        return False
    finally:
        await outlet.close()
    return True


def _forget_rig(rigs: dict[str, RigWatchdog], rig_id: str) -> None:
    """Take an unloaded rig out of the services' reach."""
    rigs.pop(rig_id, None)


async def _async_reload(hass: HomeAssistant, entry: ConfigEntry[Any]) -> None:
    """Reload after a rig was added, changed or deleted (each rig's outlet ends up on first)."""
    hass.config_entries.async_schedule_reload(entry.entry_id)


async def async_get_diagnostics(hass: HomeAssistant, entry: WatchdogConfigEntry) -> dict[str, Any]:
    """Return each rig's settings, verdict and state (outlet configs hold no passwords)."""
    return {
        rig_id: {
            "title": rig.name,
            "settings": plain(rig.settings),
            "snapshot": None if rig.snapshot is None else plain(rig.snapshot),
            "state": plain(rig.state),
            "phase": rig.phase,
            "paused": rig.paused,
            "busy": rig.busy,
        }
        for rig_id, rig in entry.runtime_data.items()
    }


__all__ = ["PLATFORMS", "async_get_diagnostics", "async_setup_entry"]
