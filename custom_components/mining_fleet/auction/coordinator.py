"""An auction entry's coordinator: keeps our bid on chain and replays each window's auction as it starts.

It follows the chain's new heads (a long poll) instead of checking once a minute: when a block
opens a new window, the auction for that window is replayed from the state at its start block and
announced within seconds. Only a higher head counts: a node that lags behind never takes us back to
a window already replayed or announced. The bid is checked every 5 minutes (in the background, as a
publish waits for inclusion) and republished when it changed or is 72 minutes old; an invalid bid is
never published.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime
import time
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import device_registry as dr, issue_registry as ir
from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.storage import Store
from homeassistant.helpers.update_coordinator import UpdateFailed

from ..api.errors import ApiError
from ..api.subtensor import CommitmentRefusedError, SubnetChain
from ..const import DOMAIN, EVENT_AUCTION_RESULT, LOGGER
from ..coordinator import MiningFleetCoordinator
from ..logic.auction import epoch_start, fp18, window_for_block
from ..logic.auction.replay import STALE_BLOCKS, Outcome, Snapshot, replay
from ..miner.coordinator import MinerCoordinator
from ..miner.registry import fleet_registry
from .router import AuctionRouter
from .settings import (
    CONF_BID_SOURCE,
    CONF_MINERS,
    CONF_NETUID,
    CONF_NETWORK,
    CONF_PRICE,
    SOURCE_MINERS,
    BidProblem,
    bid_text,
)

type AuctionConfigEntry = ConfigEntry[AuctionCoordinator]

BLOCK_SECONDS = 12
COMMITMENT_CHECK_SECONDS = 300
RENEW_BLOCKS = 360  # 72 minutes: republish an unchanged bid this old so validators keep it
FOLLOW_SECONDS = 30.0  # one long poll for a new head
RETRY_SECONDS = 5.0  # after a failed long poll
CHAIN_ERROR = "chain_error"  # the publish problem when the chain could not be read or written
MINER_REMOVED = "bid_miner_removed"
MINER_NOT_LOADED = "bid_miners_not_loaded"


def miner_removed_issue_id(entry_id: str) -> str:
    """Return the id of an entry's repair issue about a chosen miner that no longer exists."""
    return f"auction_miner_removed_{entry_id}"


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
class Replayed:
    """A window whose auction was replayed: when it started and its outcome."""

    window: Window
    started: datetime
    outcome: Outcome


@dataclass(frozen=True, slots=True)
class AuctionData:
    """What the entities show: the head, the window, its auction, and our bid.

    The head changes every block but no entity shows it, so it is left out of the comparison:
    a block that changes nothing else does not rewrite the entities' states.
    """

    head: int = field(compare=False)
    window: Window
    window_started: datetime | None
    outcome: Outcome | None
    commitment: Commitment | None
    wanted: str | None
    bid_problem: str | None
    publish_problem: str | None
    # Whether the chain holds the bid we want and validators still count it.
    bid_on_chain: bool


def bid_counts(head: int, commitment: Commitment | None, wanted: str | None) -> bool:
    """Tell whether the commitment is the bid we want and young enough for validators to count."""
    return (
        wanted is not None
        and commitment is not None
        and commitment.text == wanted
        and head - commitment.block < STALE_BLOCKS
    )


class AuctionCoordinator(MiningFleetCoordinator[AuctionData]):
    """One hotkey's bid on one subnet, and the auction replayed window by window."""

    def __init__(self, hass: HomeAssistant, entry: AuctionConfigEntry, chain: SubnetChain) -> None:
        """Remember the chain client; nothing is read until the first refresh."""
        super().__init__(
            hass, LOGGER, config_entry=entry, name=entry.title, update_interval=None, always_update=False
        )
        self.chain = chain
        self.netuid: int = entry.data[CONF_NETUID]
        self.device_id: str | None = None
        self._tempo: int | None = None
        self._head: int | None = None  # the highest head seen
        self._commitment_due = 0.0
        self._commitment: Commitment | None = None
        self._publish_problem: str | None = None
        self._bid_problem: str | None = None
        self._rated: dict[str, float] = {}  # the last rated TH/s each chosen miner reported
        self._publishes = 0  # bids published so far: the button skips one that went out while it waited
        self._announced_start: int | None = None
        self._replayed: Replayed | None = None
        # One replay and one bid check at a time: the follower, a bid recheck and the button overlap.
        self._replay_lock = asyncio.Lock()
        self._commit_lock = asyncio.Lock()
        self._check_task: asyncio.Task[None] | None = None
        self._store = auction_store(hass, entry.entry_id)
        self.router = AuctionRouter(hass, entry, chain.hotkey, self.async_update_listeners)

    @property
    def routing(self) -> dict[str, Any] | None:
        """Return what the last routing did (the entry's own routing mode)."""
        return self.router.result

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
        """Read the head; replay a window that started; check our bid in the background when due."""
        try:
            head = await self._async_highest_head()
            replayed = await self._async_replayed(await self._window(head), head)
        except ApiError as err:
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="auction_chain_error",
                translation_placeholders={"network": self.config_entry.data[CONF_NETWORK], "error": str(err)},
            ) from err
        self.router.retry(head)
        data = self._data(head, replayed)
        if self._announced_start is None or replayed.window.start > self._announced_start:
            await self._async_announce(data, replayed.outcome)
        if time.monotonic() >= self._commitment_due:
            # Started last: nothing awaits before this data is kept, so the check's result follows it.
            self._start_bid_checks()
        return data

    async def _async_highest_head(self) -> int:
        """Return the highest head seen (read once at start; the follower raises it)."""
        if self._head is None:
            self._head = await self.chain.head()
        return max(self._head, self.data.head if self.data is not None else 0)

    def _data(self, head: int, replayed: Replayed) -> AuctionData:
        """Return what the entities show for a head and the window replayed last."""
        wanted = self._wanted_bid()
        return AuctionData(
            head=head,
            window=replayed.window,
            window_started=replayed.started,
            outcome=replayed.outcome,
            commitment=self._commitment,
            wanted=wanted,
            bid_problem=self._bid_problem,
            publish_problem=self._publish_problem,
            bid_on_chain=bid_counts(head, self._commitment, wanted),
        )

    async def _async_replayed(self, window: Window, head: int) -> Replayed:
        """Return the window's auction, replayed and routed once; never an older window than the last."""
        async with self._replay_lock:  # a second refresh across the boundary waits and reuses the replay
            last = self._replayed
            if last is not None and window.start <= last.window.start:
                return last
            started, outcome = await self._async_replay(window)
            self._replayed = Replayed(window, started, outcome)
            # After a restart on a lagging node the head's window may be older than the one announced.
            if self._announced_start is None or window.start >= self._announced_start:
                self.router.route(fp18.as_float(outcome.won_ph) or 0.0, head)
            return self._replayed

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

    def _wanted_bid(self) -> str | None:
        """Return the bid the options ask for, or None (and why) when there is none to publish."""
        options = self.config_entry.options
        chosen = options.get(CONF_MINERS, [])
        registry = fleet_registry(self.hass)
        miners = {device_id: registry.get(device_id) for device_id in chosen}
        try:
            if options.get(CONF_BID_SOURCE, SOURCE_MINERS) == SOURCE_MINERS and None in miners.values():
                raise self._missing_miner(chosen)
            wanted = bid_text(options, self._nominal(miners))
        except BidProblem as err:
            self._set_bid_problem(err)
            return None
        self._set_bid_problem(None)
        return wanted

    def _nominal(self, miners: dict[str, MinerCoordinator[Any] | None]) -> list[float | None]:
        """Return each chosen miner's rated TH/s, the last one it reported while it reports none.

        A miner restarting (after a pool switch, say) reports no rating for a while; bidding less
        then would republish the bid for a moment's gap, and the chain rate-limits commitments.
        """
        for device_id, miner in miners.items():
            if miner is not None and (rated := miner.nominal_hashrate) is not None and rated > 0:
                self._rated[device_id] = rated
        return [self._rated.get(device_id) for device_id in miners]

    def _missing_miner(self, chosen: list[str]) -> BidProblem:
        """Return why a chosen miner is missing: its device is gone for good, or it is not loaded (yet)."""
        devices = dr.async_get(self.hass)
        removed = [device_id for device_id in chosen if devices.async_get(device_id) is None]
        if removed:
            return BidProblem(MINER_REMOVED, f"chosen miner device {', '.join(removed)} no longer exists")
        return BidProblem(MINER_NOT_LOADED, "a chosen miner is not loaded")

    def _set_bid_problem(self, problem: BidProblem | None) -> None:
        """Keep why no bid is published; say so once per change (the bid is recomputed every block)."""
        key = None if problem is None else problem.key
        if key == self._bid_problem:
            return
        title = self.config_entry.title
        if problem is not None:
            LOGGER.warning("%s: no bid is published (%s): %s", title, problem.key, problem)
        else:
            LOGGER.info("%s: the bid can be published again", title)
        self._bid_problem = key
        self._report_removed_miner(key == MINER_REMOVED)

    def _report_removed_miner(self, removed: bool) -> None:
        """Raise a repair issue while a chosen miner no longer exists: only the user can choose again."""
        issue_id = miner_removed_issue_id(self.config_entry.entry_id)
        if not removed:
            ir.async_delete_issue(self.hass, DOMAIN, issue_id)
            return
        ir.async_create_issue(
            self.hass,
            DOMAIN,
            issue_id,
            is_fixable=False,
            severity=ir.IssueSeverity.WARNING,
            translation_key="auction_miner_removed",
            translation_placeholders={"title": self.config_entry.title},
        )

    @callback
    def async_fleet_changed(self) -> None:
        """Route again a window that missed a miner now loaded; check a bid waiting for its miners."""
        self.router.async_fleet_changed()
        if self._bid_problem in (MINER_NOT_LOADED, MINER_REMOVED):
            self.async_recheck_bid()

    async def _async_our_commitment(self, head: int) -> Commitment | None:
        """Return our commitment as the chain holds it at the head."""
        for commitment in await self.chain.commitments(self.netuid, head):
            if commitment.hotkey == self.hotkey:
                text = commitment.data.decode("utf-8", errors="replace")
                return Commitment(text, commitment.block)
        return None

    def _start_bid_checks(self) -> None:
        """Check our bid beside the refreshes, unless a check is under way (it checks again if due)."""
        if self._check_task is None or self._check_task.done():
            # A tracked task, not a background one: a publish in flight is seen through, not cancelled.
            self._check_task = self.config_entry.async_create_task(
                self.hass, self._async_bid_checks(), f"{DOMAIN} auction bid check"
            )

    async def _async_bid_checks(self) -> None:
        """Check our bid while a check is due; show each result at once (a publish can take minutes)."""
        while time.monotonic() >= self._commitment_due:
            try:
                await self._async_check_commitment()
            except ApiError as err:
                # The window's replay stands; the bid is tried again at the next due check.
                self._publish_problem = CHAIN_ERROR
                LOGGER.warning("%s: checking our bid failed: %s", self.config_entry.title, err)
            self._show_bid()

    def _show_bid(self) -> None:
        """Show our bid as it is now, with the window replayed last."""
        if self.data is not None and self._replayed is not None:
            self.async_set_updated_data(self._data(self.data.head, self._replayed))

    async def _async_check_commitment(self, *, force: bool = False) -> None:
        """Check our bid when due (or publish it when the user asks), one check at a time."""
        publishes = self._publishes
        async with self._commit_lock:
            if force and self._publishes != publishes and self._publish_problem is None:
                return  # a due check published our bid while the button waited: it is out already
            if force or time.monotonic() >= self._commitment_due:
                await self._async_check_commitment_now(force=force)

    async def _async_check_commitment_now(self, *, force: bool) -> None:
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
        self._publishes += 1
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
            "won_ph": fp18.as_float(outcome.won_ph),
            "lost_ph": fp18.as_float(outcome.lost_ph),
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
        self._show_bid()

    async def async_set_price(self, price: float) -> None:
        """Store a new price multiplier; the update listener republishes the bid."""
        options = {**self.config_entry.options, CONF_PRICE: price}
        self.hass.config_entries.async_update_entry(self.config_entry, options=options)

    def async_recheck_bid(self) -> None:
        """Check our bid now (options or the chosen miners changed)."""
        self._commitment_due = 0.0
        self._start_bid_checks()

    async def async_follow_heads(self) -> None:
        """Refresh at every higher head, for as long as the entry is loaded."""
        while True:
            after = self._head or 0
            try:
                head = await self.chain.wait_for_head(after, FOLLOW_SECONDS)
            except ApiError as err:
                LOGGER.debug("%s: waiting for a new block failed: %s", self.config_entry.title, err)
                await asyncio.sleep(RETRY_SECONDS)
                continue
            if head > after:  # a lagging node's lower head is no news
                self._head = head
                await self.async_refresh()
            elif time.monotonic() >= self._commitment_due:
                self._start_bid_checks()

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


def _line(hashrate: int, price: int, count: int) -> dict[str, Any]:
    """Return one bid line for the result event."""
    return {"hashrate_ph": fp18.as_float(hashrate), "price": fp18.as_float(price), "count": count}
