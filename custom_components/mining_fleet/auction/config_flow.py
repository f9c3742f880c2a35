"""Auction config-flow steps: the chain and the wallet's hotkey, then the bid (also the entry's Configure)."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigFlow, ConfigFlowResult, OptionsFlow
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.selector import (
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
)
import voluptuous as vol

from ..api.errors import ApiError
from ..const import CONF_KIND, KIND_AUCTION, LOGGER
from ..miner.registry import fleet_registry
from .chain import ChainSetupError, async_open_chain
from .settings import (
    CONF_BID_SOURCE,
    CONF_HOTKEY,
    CONF_MINERS,
    CONF_NETUID,
    CONF_NETWORK,
    CONF_POOLS_TOML,
    CONF_PRICE,
    CONF_RELOAD_SENTINEL,
    CONF_ROUTING,
    CONF_WALLET_NAME,
    CONF_WALLET_PATH,
    CONF_WORKER_SIZES,
    DEFAULT_NETUID,
    DEFAULT_NETWORK,
    DEFAULT_PRICE,
    DEFAULT_WALLET_PATH,
    MIN_PRICE,
    ROUTING_MINERS,
    ROUTING_OFF,
    ROUTING_PROXY,
    SOURCE_MINERS,
    SOURCE_SIZES,
    BidProblem,
    bid_text,
    valid_network,
)

CHAIN_SCHEMA = vol.Schema(
    {
        vol.Required(CONF_NETWORK, default=DEFAULT_NETWORK): str,
        vol.Required(CONF_NETUID, default=DEFAULT_NETUID): vol.All(int, vol.Range(0, 65535)),
        vol.Required(CONF_WALLET_PATH, default=DEFAULT_WALLET_PATH): str,
        vol.Required(CONF_WALLET_NAME, default="default"): str,
        vol.Required(CONF_HOTKEY, default="default"): str,
    }
)
DEFAULT_BID = {
    CONF_PRICE: DEFAULT_PRICE,
    CONF_BID_SOURCE: SOURCE_MINERS,
    CONF_MINERS: [],
    CONF_ROUTING: ROUTING_OFF,
}


def _choice(options: list[str], key: str) -> SelectSelector:
    """Return a translated single choice."""
    return SelectSelector(
        SelectSelectorConfig(options=options, translation_key=key, mode=SelectSelectorMode.LIST)
    )


def bid_schema(miners: list[SelectOptionDict]) -> vol.Schema:
    """Return the bid form: price, where the bid comes from, the miners, and routing."""
    return vol.Schema(
        {
            vol.Required(CONF_PRICE): NumberSelector(
                NumberSelectorConfig(min=MIN_PRICE, max=1.05, step=0.01, mode=NumberSelectorMode.BOX)
            ),
            vol.Required(CONF_BID_SOURCE): _choice([SOURCE_MINERS, SOURCE_SIZES], "bid_source"),
            vol.Optional(CONF_WORKER_SIZES): TextSelector(),
            vol.Optional(CONF_MINERS): SelectSelector(SelectSelectorConfig(options=miners, multiple=True)),
            vol.Required(CONF_ROUTING): _choice([ROUTING_OFF, ROUTING_MINERS, ROUTING_PROXY], "routing"),
            vol.Optional(CONF_POOLS_TOML): TextSelector(),
            vol.Optional(CONF_RELOAD_SENTINEL): TextSelector(),
        }
    )


def bid_errors(hass: HomeAssistant, user_input: dict[str, Any]) -> dict[str, str]:
    """Return the form errors of a bid: one we could not publish, or routing without its targets."""
    registry = fleet_registry(hass)
    miners = [registry.get(device_id) for device_id in user_input.get(CONF_MINERS, [])]
    if user_input[CONF_BID_SOURCE] == SOURCE_MINERS and not miners:
        return {CONF_MINERS: "bid_needs_miners"}
    if user_input[CONF_ROUTING] == ROUTING_MINERS and not miners:
        return {CONF_MINERS: "routing_needs_miners"}
    if user_input[CONF_ROUTING] == ROUTING_PROXY:
        for key in (CONF_POOLS_TOML, CONF_RELOAD_SENTINEL):
            if not user_input.get(key) or not hass.config.is_allowed_path(user_input[key]):
                return {key: "path_not_allowed"}
    try:
        bid_text(user_input, (miner.nominal_hashrate for miner in miners if miner is not None))
    except BidProblem as err:
        field = CONF_WORKER_SIZES if user_input[CONF_BID_SOURCE] == SOURCE_SIZES else CONF_MINERS
        return {field: err.key}
    return {}


def miner_choices(hass: HomeAssistant, chosen: list[str]) -> list[SelectOptionDict]:
    """Offer the loaded miners (and any chosen before that are not loaded now)."""
    offered = {
        miner.device_id: miner.name_for_user for miner in fleet_registry(hass).miners if miner.device_id
    }
    devices = dr.async_get(hass)
    for device_id in chosen:
        if device_id not in offered and (device := devices.async_get(device_id)) is not None:
            offered[device_id] = device.name_by_user or device.name or device_id
    return [SelectOptionDict(value=device_id, label=name) for device_id, name in offered.items()]


class AuctionFlow(ConfigFlow):
    """The auction steps of the integration's config flow."""

    _chain_data: dict[str, Any] | None = None
    _hotkey_address: str = ""

    async def _check_chain(self, data: dict[str, Any]) -> dict[str, str]:
        """Open the chain as the entry will, and check that the hotkey is registered on the subnet."""
        if not valid_network(data[CONF_NETWORK]):
            return {CONF_NETWORK: "invalid_network"}
        try:
            chain = await async_open_chain(self.hass, data)
            try:
                neurons = await chain.neurons(data[CONF_NETUID], await chain.head())
            finally:
                await chain.close()
        except ChainSetupError as err:
            return {"base": err.key}
        except ApiError as err:
            LOGGER.debug("Chain %s: %s", data[CONF_NETWORK], err)
            return {"base": "chain_cannot_connect"}
        self._hotkey_address = chain.hotkey
        if not any(neuron.hotkey == chain.hotkey for neuron in neurons):
            return {"base": "hotkey_not_registered"}
        return {}

    async def async_step_auction(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Ask for the network, the subnet and the wallet's hotkey."""
        errors: dict[str, str] = {}
        if user_input is not None:
            data = {**user_input, CONF_NETWORK: user_input[CONF_NETWORK].strip()}
            errors = await self._check_chain(data)
            if not errors:
                unique_id = f"auction-{data[CONF_NETWORK]}-{data[CONF_NETUID]}-{self._hotkey_address}"
                await self.async_set_unique_id(unique_id)
                self._abort_if_unique_id_configured()
                self._chain_data = data
                return await self.async_step_auction_bid()
        return self.async_show_form(
            step_id="auction",
            data_schema=self.add_suggested_values_to_schema(CHAIN_SCHEMA, user_input),
            errors=errors,
            description_placeholders={"hotkey": self._hotkey_address or "-"},
        )

    async def async_step_auction_bid(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Ask what to bid and where won hashrate goes."""
        assert self._chain_data is not None
        errors = {} if user_input is None else bid_errors(self.hass, user_input)
        if user_input is not None and not errors:
            title = f"Subnet {self._chain_data[CONF_NETUID]} auction ({self._hotkey_address[:8]})"
            data = {CONF_KIND: KIND_AUCTION, **self._chain_data}
            return self.async_create_entry(title=title, data=data, options=user_input)
        shown = user_input or DEFAULT_BID
        return self.async_show_form(
            step_id="auction_bid",
            data_schema=self.add_suggested_values_to_schema(bid_schema(miner_choices(self.hass, [])), shown),
            errors=errors,
        )


class AuctionOptionsFlow(OptionsFlow):
    """An auction's Configure: the bid, the miners and the routing."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Go to the one options step."""
        return await self.async_step_bid()

    async def async_step_bid(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Ask what to bid and where won hashrate goes."""
        errors = {} if user_input is None else bid_errors(self.hass, user_input)
        if user_input is not None and not errors:
            return self.async_create_entry(data=user_input)
        current = {**DEFAULT_BID, **self.config_entry.options}
        choices = miner_choices(self.hass, current.get(CONF_MINERS, []))
        return self.async_show_form(
            step_id="bid",
            data_schema=self.add_suggested_values_to_schema(bid_schema(choices), user_input or current),
            errors=errors,
        )
