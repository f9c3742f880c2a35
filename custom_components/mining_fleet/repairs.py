"""Fix flows of the repairs that offer one (the others only tell what to do by hand)."""

from __future__ import annotations

from homeassistant.components.repairs import RepairsFlow
from homeassistant.core import HomeAssistant

from .fleet.large_fleet import ISSUE_LARGE_FLEET, EssentialOnlyFixFlow


async def async_create_fix_flow(
    hass: HomeAssistant, issue_id: str, data: dict[str, str | int | float | None] | None
) -> RepairsFlow:
    """Return the fix flow of a fixable repair issue."""
    if issue_id == ISSUE_LARGE_FLEET:
        return EssentialOnlyFixFlow()
    raise ValueError(f"mining_fleet has no fix for the repair issue {issue_id!r}")
