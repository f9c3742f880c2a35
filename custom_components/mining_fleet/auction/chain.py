"""Opening an auction entry's chain: the solver and SDK installed on demand, the wallet's hotkey, the client.

`bittensor` is heavy and has no musl wheels for its native core, so it is installed only when an
auction entry on a real network is set up; when that fails, only that entry fails, with a repair
issue saying why and what to do. The project's loopback simulator needs no SDK.
"""

from __future__ import annotations

from collections.abc import Mapping
import importlib
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.requirements import RequirementsNotFound, async_process_requirements

from ..api.subtensor import SubnetChain
from ..api.subtensor_loopback import LoopbackChain
from ..api.subtensor_sdk import BittensorChain
from ..api.wallet import WalletError, read_hotkey_address
from ..const import DOMAIN
from .settings import CONF_HOTKEY, CONF_NETWORK, CONF_WALLET_NAME, CONF_WALLET_PATH, is_simulator

SOLVER_REQUIREMENTS = ["pulp==3.3.2", "highspy==1.16.0"]
SDK_REQUIREMENTS = ["bittensor==11.3.0"]
SOLVER_MODULES = ("pulp", "highspy")
SDK_MODULE = "bittensor"


class ChainSetupError(HomeAssistantError):
    """The chain cannot be opened for a reason the user must fix; `key` is a translation key."""

    def __init__(self, key: str, **placeholders: str) -> None:
        """Keep the translation key and its placeholders."""
        super().__init__(
            translation_domain=DOMAIN, translation_key=key, translation_placeholders=placeholders
        )
        self.key = key
        self.placeholders = placeholders


def requirements_issue_id(entry_id: str) -> str:
    """Return the id of an entry's repair issue about packages that did not install."""
    return f"auction_requirements_{entry_id}"


async def async_install_requirements(hass: HomeAssistant, network: str) -> None:
    """Install (or find) the solver, and the SDK for a real network; raise ChainSetupError when one is missing."""
    simulator = is_simulator(network)
    requirements = SOLVER_REQUIREMENTS + ([] if simulator else SDK_REQUIREMENTS)
    modules = SOLVER_MODULES + (() if simulator else (SDK_MODULE,))
    try:
        await async_process_requirements(hass, f"{DOMAIN}.auction", requirements)
        for module in modules:
            await hass.async_add_executor_job(importlib.import_module, module)
    except (RequirementsNotFound, ImportError) as err:
        raise ChainSetupError(
            "auction_requirements", packages=", ".join(requirements), error=str(err)
        ) from err


def async_report_requirements(hass: HomeAssistant, entry_id: str, title: str, err: ChainSetupError) -> None:
    """Raise the repair issue that says which packages did not install and what to do."""
    ir.async_create_issue(
        hass,
        DOMAIN,
        requirements_issue_id(entry_id),
        is_fixable=False,
        severity=ir.IssueSeverity.ERROR,
        translation_key="auction_requirements",
        translation_placeholders={"title": title, **err.placeholders},
    )


async def async_read_hotkey(hass: HomeAssistant, data: Mapping[str, Any]) -> str:
    """Return the wallet hotkey's ss58 address (read from disk off the event loop)."""
    try:
        address: str = await hass.async_add_executor_job(
            read_hotkey_address, data[CONF_WALLET_PATH], data[CONF_WALLET_NAME], data[CONF_HOTKEY]
        )
    except WalletError as err:
        raise ChainSetupError(err.reason, wallet=f"{data[CONF_WALLET_NAME]}/{data[CONF_HOTKEY]}") from err
    return address


async def async_open_chain(hass: HomeAssistant, data: Mapping[str, Any]) -> SubnetChain:
    """Install what is needed, read the hotkey, and return a connected chain client."""
    network = data[CONF_NETWORK]
    await async_install_requirements(hass, network)
    hotkey = await async_read_hotkey(hass, data)
    if is_simulator(network):
        chain: SubnetChain = LoopbackChain(async_get_clientsession(hass), network, hotkey)
    else:  # pragma: no cover - needs the bittensor SDK and a real chain; see scripts/check_bittensor_sdk.py
        chain = BittensorChain(
            network, data[CONF_WALLET_PATH], data[CONF_WALLET_NAME], data[CONF_HOTKEY], hotkey_address=hotkey
        )
    await chain.connect()
    return chain
