"""Install the automation blueprints shipped inside the integration into the user's config."""

from __future__ import annotations

from pathlib import Path

from homeassistant.core import HomeAssistant

from .const import DOMAIN, LOGGER
from .logic.shipped_files import install_shipped_files

SHIPPED = Path(__file__).parent / "blueprints" / "automation" / DOMAIN


async def async_install_blueprints(hass: HomeAssistant) -> None:
    """Copy new or updated blueprints to <config>/blueprints/automation/mining_fleet, off the event loop."""
    target = Path(hass.config.path("blueprints", "automation", DOMAIN))
    try:
        result = await hass.async_add_executor_job(install_shipped_files, SHIPPED, target)
    except OSError as err:
        LOGGER.warning("Could not install the Mining Fleet blueprints into %s: %s", target, err)
        return
    for problem in result.problems:
        LOGGER.warning("Mining Fleet blueprints: %s", problem)
    if result.written:
        LOGGER.info("Installed Mining Fleet blueprints: %s", ", ".join(result.written))
