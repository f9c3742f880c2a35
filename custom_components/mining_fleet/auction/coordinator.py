"""An auction entry's coordinator: keeps our bid on chain and replays each window's auction as it starts.

It follows the chain's new heads (a long poll) instead of checking once a minute: when a block
opens a new window, the auction for that window is replayed from the state at its start block and
announced within seconds. The bid is checked every 5 minutes and republished when it changed or is
72 minutes old; an invalid bid is never published.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace
from datetime import datetime
import time
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.storage import Store
from homeassistant.helpers.update_coordinator import UpdateFailed

from ..api.errors import ApiError
from ..api.subtensor import CommitmentRefusedError, SubnetChain
from ..const import DOMAIN, EVENT_AUCTION_RESULT, LOGGER
from ..coordinator import MiningFleetCoordinator
from ..logic.auction import epoch_start, fp18, window_for_block
from ..logic.auction.replay import STALE_BLOCKS, Outcome, Snapshot, replay
from ..miner.registry import fleet_registry
from ..routing import SubnetPool, async_route_devices, async_write_proxy_target
from .settings import (
    CONF_MINERS,
    CONF_NETUID,
    CONF_NETWORK,
    CONF_POOLS_TOML,
    CONF_PRICE,
    CONF_RELOAD_SENTINEL,
    CONF_ROUTING,
    ROUTING_MINERS,
    ROUTING_PROXY,
    BidProblem,
    bid_text,
)

type AuctionConfigEntry = ConfigEntry[AuctionCoordinator]

BLOCK_SECONDS = 12
COMMITMENT_CHECK_SECONDS = 300
RENEW_BLOCKS = 360  # 72 minutes: republish an unchanged bid this old so validators keep it
FOLLOW_SECONDS = 30.0  # one long poll for a new head
RETRY_SECONDS = 5.0  # after a failed long poll


def auction_store(hass: HomeAssistant, entry_id: str) -> Store[dict[str, int]]:
    """Return the store of the last window an entry announced."""
    return Store(hass, 1, f"{DOMAIN}.auction.{entry_id}")


@dataclass(frozen=True, slots=True)
class Window:
    """A validation window: its index in the epoch and its first and last block."""

    index: int
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Commitment:
    """Our commitment as on chain: its text and the block it was made in."""

    text: str
    block: int


@dataclass(frozen=True, slots=True)
class AuctionData:
    """What the entities show: the head, the window, its auction, and our bid."""

    head: int
    window: Window
    window_started: datetime | None
    outcome: Outcome | None
    commitment: Commitment | None
    wanted: str | None
    bid_problem: str | None
    publish_problem: str | None

    @property
    def bid_on_chain(self) -> bool:
        """Tell whether the chain holds the bid we want and validators still count it."""
        return (
            self.wanted is not None
            and self.commitment is not None
            and self.commitment.text == self.wanted
            and self.head - self.commitment.block < STALE_BLOCKS
        )


class AuctionCoordinator(MiningFleetCoordinator[AuctionData]):
    """One hotkey's bid on one subnet, and the auction replayed window by window."""

    def __init__(self, hass: HomeAssistant, entry: AuctionConfigEntry, chain: SubnetChain) -> None:
        """Remember the chain client; nothing is read until the first refresh."""
        super().__init__(hass, LOGGER, config_entry=entry, name=entry.title, update_interval=None)
        self.chain = chain
        self.netuid: int = entry.data[CONF_NETUID]
        self.device_id: str | None = None
        self._tempo: int | None = None
        self._head: int | None = None
        self._commitment_due = 0.0
        self._commitment: Commitment | None = None
        self._publish_problem: str | None = None
        self._bid_problem: str | None = None
        self._announced_start: int | None = None
        self._store = auction_store(hass, entry.entry_id)
        # What the last routing did (the entry's own routing mode), for the Hashrate won sensor.
        self.routing: dict[str, Any] | None = None

    @property
    def device_info(self) -> DeviceInfo:
        """Return the auction's device: a service on the chain, named after the subnet."""
        return DeviceInfo(
            identifiers={(DOMAIN, str(self.config_entry.unique_id))},
            name=self.config_entry.title,
            manufacturer="Bittensor",
            model=f"Subnet {self.netuid} hashrate auction",
            entry_type=DeviceEntryType.SERVICE,
            configuration_url=None,
        )

    @property
    def hotkey(self) -> str:
        """Return the ss58 address our bids are committed under."""
        return self.chain.hotkey

    async def async_load_announced(self) -> None:
        """Read which window was announced last, so a restart does not announce it again."""
        stored = await self._store.async_load()
        if stored is not None and isinstance(stored.get("window_start"), int):
            self._announced_start = stored["window_start"]

    async def _async_update_data(self) -> AuctionData:
        """Read the head; replay a window that started; check our bid when due."""
        try:
            head = self._head = self._head if self._head is not None else await self.chain.head()
            window = await self._window(head)
            previous = self.data
            if previous is not None and previous.window == window and previous.outcome is not None:
                started, outcome = previous.window_started, previous.outcome
            else:
                started, outcome = await self._async_replay(window)
                self._route(outcome)
            if time.monotonic() >= self._commitment_due:
                await self._async_check_commitment()
        except ApiError as err:
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="auction_chain_error",
                translation_placeholders={"network": self.config_entry.data[CONF_NETWORK], "error": str(err)},
            ) from err
        data = AuctionData(
            head=head,
            window=window,
            window_started=started,
            outcome=outcome,
            commitment=self._commitment,
            wanted=self._wanted_bid(),
            bid_problem=self._bid_problem,
            publish_problem=self._publish_problem,
        )
        if outcome is not None and window.start != self._announced_start:
            await self._async_announce(data, outcome)
        return data

    async def _window(self, head: int) -> Window:
        """Return the window the head is in (the tempo is read once)."""
        if self._tempo is None:
            self._tempo = await self.chain.tempo(self.netuid)
        index, start, end = window_for_block(head, epoch_start(head, self.netuid, self._tempo), self._tempo)
        return Window(index, start, end)

    async def _async_replay(self, window: Window) -> tuple[datetime, Outcome]:
        """Replay a window's auction from the chain at its start block (the solver off the event loop)."""
        snapshot = Snapshot(
            block=window.start,
            block_hash=await self.chain.block_hash(window.start),
            commitments=[
                (c.hotkey, c.block, c.data) for c in await self.chain.commitments(self.netuid, window.start)
            ],
            neurons=[(n.hotkey, n.uid, n.stake) for n in await self.chain.neurons(self.netuid, window.start)],
            mechanism_split=await self.chain.mechanism_split(self.netuid),
        )
        started = await self.chain.timestamp(window.start)
        outcome = await self.hass.async_add_executor_job(replay, snapshot, self.hotkey)
        if outcome.ours is None:
            LOGGER.warning(
                "%s: no valid bid of ours on chain at block %s; window %s is neither won nor lost",
                self.config_entry.title,
                window.start,
                window.index,
            )
        return started, outcome

    def _route(self, outcome: Outcome) -> None:
        """Send the window's won hashrate where the routing option says, in the background."""
        mode = self.config_entry.options.get(CONF_ROUTING)
        if mode in (ROUTING_MINERS, ROUTING_PROXY):
            self.config_entry.async_create_background_task(
                self.hass, self._async_route(mode, _ph(outcome.won_ph) or 0.0), f"{DOMAIN} auction routing"
            )

    async def _async_route(self, mode: str, won_ph: float) -> None:
        """Route to the chosen miners or write the proxy's target; a failure is logged and shown, never raised."""
        options = self.config_entry.options
        try:
            if mode == ROUTING_PROXY:
                await async_write_proxy_target(
                    self.hass, options[CONF_POOLS_TOML], options[CONF_RELOAD_SENTINEL], won_ph
                )
                self.routing = {"mode": mode, "target_ph": won_ph}
            else:
                result = await async_route_devices(
                    self.hass, options.get(CONF_MINERS, []), won_ph, SubnetPool(self.hotkey)
                )
                self.routing = {"mode": mode, **result.as_dict()}
                if result.failures:
                    LOGGER.warning("%s: routing failed for %s", self.config_entry.title, result.failures)
        except (HomeAssistantError, ValueError) as err:
            LOGGER.warning("%s: routing %s PH failed: %s", self.config_entry.title, won_ph, err)
            self.routing = {"mode": mode, "error": str(err)}
        self.async_update_listeners()

    def _wanted_bid(self) -> str | None:
        """Return the bid the options ask for, or None (and why) when there is none to publish."""
        options = self.config_entry.options
        registry = fleet_registry(self.hass)
        miners = [registry.get(device_id) for device_id in options.get(CONF_MINERS, [])]
        try:
            if any(miner is None for miner in miners):
                raise BidProblem("bid_miners_not_loaded", "a chosen miner is not loaded")
            wanted = bid_text(options, (miner.nominal_hashrate for miner in miners if miner is not None))
        except BidProblem as err:
            self._bid_problem = err.key
            return None
        self._bid_problem = None
        return wanted

    async def _async_our_commitment(self, head: int) -> Commitment | None:
        """Return our commitment as the chain holds it at the head."""
        for commitment in await self.chain.commitments(self.netuid, head):
            if commitment.hotkey == self.hotkey:
                text = commitment.data.decode("utf-8", errors="replace")
                return Commitment(text, commitment.block)
        return None

    async def _async_check_commitment(self, *, force: bool = False) -> None:
        """Publish our bid when it changed, is 72 minutes old, or the user asks; never an invalid one."""
        self._commitment_due = time.monotonic() + COMMITMENT_CHECK_SECONDS
        head = await self.chain.head()  # the newest, not the block that woke us
        self._commitment = await self._async_our_commitment(head)
        wanted = self._wanted_bid()
        if wanted is None:
            if force:
                raise HomeAssistantError(translation_domain=DOMAIN, translation_key=str(self._bid_problem))
            return
        current = self._commitment
        if (
            not force
            and current is not None
            and current.text == wanted
            and head - current.block < RENEW_BLOCKS
        ):
            return
        try:
            block = await self.chain.set_commitment(self.netuid, wanted.encode())
        except CommitmentRefusedError as err:
            self._publish_problem = err.reason
            LOGGER.warning("%s: the chain refused our bid: %s", self.config_entry.title, err)
            if force:
                raise HomeAssistantError(
                    translation_domain=DOMAIN, translation_key=f"commit_{err.reason}"
                ) from err
            return
        LOGGER.info("%s: published bid %r in block %s", self.config_entry.title, wanted, block)
        self._publish_problem = None
        self._commitment = Commitment(wanted, block)

    async def _async_announce(self, data: AuctionData, outcome: Outcome) -> None:
        """Fire the window's result event once, and remember it across restarts."""
        self._announced_start = data.window.start
        self.hass.bus.async_fire(EVENT_AUCTION_RESULT, self.result_event(data, outcome))
        await self._store.async_save({"window_start": data.window.start})

    def result_event(self, data: AuctionData, outcome: Outcome) -> dict[str, Any]:
        """Return the event data of a window's result."""
        lines = outcome.ours or ()
        return {
            "device_id": self.device_id,
            "entry_id": self.config_entry.entry_id,
            "name": self.config_entry.title,
            "hotkey": self.hotkey,
            "window": data.window.index,
            "start_block": data.window.start,
            "end_block": data.window.end,
            "budget_ph": outcome.budget,
            "won_ph": _ph(outcome.won_ph),
            "lost_ph": _ph(outcome.lost_ph),
            "won": [_line(line.hashrate, line.price, line.won) for line in lines if line.won],
            "lost": [_line(line.hashrate, line.price, line.lost) for line in lines if line.lost],
            "miners": list(self.config_entry.options.get(CONF_MINERS, [])),
        }

    async def async_publish(self) -> None:
        """Publish our bid now (the button): the user asked, so it goes out even when unchanged."""
        try:
            await self._async_check_commitment(force=True)
        except ApiError as err:
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="auction_chain_error",
                translation_placeholders={"network": self.config_entry.data[CONF_NETWORK], "error": str(err)},
            ) from err
        if self.data is not None:  # the button exists only after the first refresh; mypy cannot know
            self.async_set_updated_data(
                replace(
                    self.data, commitment=self._commitment, publish_problem=None, wanted=self._wanted_bid()
                )
            )

    async def async_set_price(self, price: float) -> None:
        """Store a new price multiplier; the update listener republishes the bid."""
        options = {**self.config_entry.options, CONF_PRICE: price}
        self.hass.config_entries.async_update_entry(self.config_entry, options=options)

    def async_recheck_bid(self) -> None:
        """Check our bid at the next refresh (options changed), and refresh now."""
        self._commitment_due = 0.0
        self.config_entry.async_create_background_task(
            self.hass, self.async_refresh(), f"{DOMAIN} auction bid check"
        )

    async def async_follow_heads(self) -> None:
        """Refresh at every new head, for as long as the entry is loaded."""
        while True:
            after = self._head if self._head is not None else (self.data.head if self.data else 0)
            try:
                head = await self.chain.wait_for_head(after, FOLLOW_SECONDS)
            except ApiError as err:
                LOGGER.debug("%s: waiting for a new block failed: %s", self.config_entry.title, err)
                await asyncio.sleep(RETRY_SECONDS)
                continue
            if head != after or time.monotonic() >= self._commitment_due:
                self._head = head
                await self.async_refresh()

    def diagnostics(self) -> dict[str, Any]:
        """Return the entry's state for a bug report (public chain data only; no key material exists here)."""
        data = self.data
        outcome = data.outcome
        return {
            "head": data.head,
            "window": {"index": data.window.index, "start": data.window.start, "end": data.window.end},
            "commitment": None
            if data.commitment is None
            else {"text": data.commitment.text, "block": data.commitment.block},
            "wanted": data.wanted,
            "bid_problem": data.bid_problem,
            "publish_problem": data.publish_problem,
            "outcome": None
            if outcome is None
            else self.result_event(data, outcome)
            | {"bidders": outcome.bidders, "items": outcome.items, "winners": len(outcome.winners)},
        }


def _ph(value: int | None) -> float | None:
    """Return an FP18 hashrate as a float PH for events and states."""
    return None if value is None else float(fp18.decimal(value))


def _line(hashrate: int, price: int, count: int) -> dict[str, Any]:
    """Return one bid line for the result event."""
    return {"hashrate_ph": _ph(hashrate), "price": float(fp18.decimal(price)), "count": count}
