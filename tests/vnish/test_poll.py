"""A VNish poll: identity first, then state, telemetry and preset at once; one failure fails it alone."""

from __future__ import annotations

import asyncio

from homeassistant.core import HomeAssistant
from homeassistant.helpers.update_coordinator import UpdateFailed

from custom_components.mining_fleet.const import DOMAIN

from ..conftest import VNishSetup

READS = {"/api/v1/status", "/api/v1/summary", "/api/v1/perf-summary"}
# The coroutines of client calls (bounded wraps each) and of the coordinator's optional read.
CLIENT_CALLS = {"bounded.<locals>.call", "VNishCoordinator._optional"}


def _client_calls_running() -> list[asyncio.Task[object]]:
    """Return the tasks still running a client call."""
    return [
        task
        for task in asyncio.all_tasks()
        if not task.done() and getattr(task.get_coro(), "__qualname__", None) in CLIENT_CALLS
    ]


async def test_the_reads_overlap_after_the_identity_check(
    hass: HomeAssistant, setup_vnish: VNishSetup
) -> None:
    """Info answers first; the three reads then all reach the miner before any of them is answered."""
    miner, entry = await setup_vnish()
    miner.reply_delay = lambda: 0.2  # a slow control board
    miner.timeline.clear()
    await entry.runtime_data.async_refresh()
    assert entry.runtime_data.last_update_success
    events = list(miner.timeline)
    starts = [index for index, (event, path) in enumerate(events) if event == "start" and path in READS]
    finishes = [index for index, (event, path) in enumerate(events) if event == "finish" and path in READS]
    assert len(starts) == len(finishes) == 3
    assert events.index(("finish", "/api/v1/info")) < min(starts)
    assert max(starts) < min(finishes)


async def test_a_failed_read_fails_the_poll_and_stops_the_others(
    hass: HomeAssistant, setup_vnish: VNishSetup
) -> None:
    """A broken summary fails the poll with its own translated error at once; the stuck reads are cancelled."""
    miner, entry = await setup_vnish()
    coordinator = entry.runtime_data
    miner.stuck_paths = {"/api/v1/status", "/api/v1/perf-summary"}
    miner.broken_paths = {"/api/v1/summary": 500}
    await coordinator.async_refresh()
    error = coordinator.last_exception
    assert isinstance(error, UpdateFailed)
    # Not a timeout of the stuck reads: the summary's own error, as when the reads ran in turn.
    assert error.translation_key == "unexpected_response"
    assert "HTTP 500 on summary" in error.translation_placeholders["error"]
    assert not _client_calls_running()


async def test_a_refused_password_in_a_parallel_read_asks_for_reauth(
    hass: HomeAssistant, setup_vnish: VNishSetup
) -> None:
    """A 403 on one of the three reads is still a wrong password: the entry asks for re-authentication."""
    miner, entry = await setup_vnish()
    miner.stuck_paths = {"/api/v1/summary"}
    miner.broken_paths = {"/api/v1/status": 403}
    await entry.runtime_data.async_refresh()
    await hass.async_block_till_done()
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == ["reauth"]
    assert not _client_calls_running()
