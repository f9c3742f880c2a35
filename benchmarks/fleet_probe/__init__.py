"""A probe inside the Home Assistant under test (benchmarks/fleet_load.py): loop lag, state writes, CPU, memory.

Loaded only into the benchmark's Home Assistant (linked into its config folder, `fleet_probe:` in its
configuration). It serves what it measured at GET /api/fleet_probe; POST /api/fleet_probe/reset starts
a new window and POST /api/fleet_probe/refresh refreshes every mining_fleet coordinator at once.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
import gc
from pathlib import Path
import time
import tracemalloc
from typing import Any

from aiohttp import web
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import Event, EventStateChangedData, HomeAssistant, callback
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.http import HomeAssistantView
from homeassistant.helpers.typing import ConfigType
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator

DOMAIN = "fleet_probe"
TICK_SECONDS = 0.05  # the lag probe asks to run every 50 ms and measures how late it runs


class Probe:
    """Measure one window: loop lag, state writes by kind of entity, CPU time and coordinator updates."""

    def __init__(self, hass: HomeAssistant) -> None:
        """Start the lag probe and the write counter."""
        self.hass = hass
        self.lags: list[float] = []
        self.writes: Counter[str] = Counter()
        self.updates: Counter[int] = Counter()
        self.last_update: dict[int, float] = {}
        self.longest_gap: dict[int, float] = {}
        self._stop_listeners: list[Callable[[], None]] = []
        self._watched: list[DataUpdateCoordinator[Any]] = []
        self.started = time.monotonic()
        self.cpu_started = time.process_time()
        self.rss_started_kb = 0
        self.marked: tracemalloc.Snapshot | None = None
        self._expected = hass.loop.time() + TICK_SECONDS
        hass.loop.call_at(self._expected, self._tick)
        hass.bus.async_listen("state_changed", self._count_write)
        self.collections: list[float] = []
        self._collection_started = 0.0
        gc.callbacks.append(self._time_collection)

    def _time_collection(self, phase: str, info: dict[str, int]) -> None:
        """Time Python's full garbage collections: they stop the loop for as long as they take."""
        if info["generation"] != 2:
            return
        if phase == "start":
            self._collection_started = time.perf_counter()
        else:
            self.collections.append(time.perf_counter() - self._collection_started)

    def _tick(self) -> None:
        """Record how late this run is, and ask for the next one."""
        now = self.hass.loop.time()
        self.lags.append(now - self._expected)
        self._expected = now + TICK_SECONDS
        self.hass.loop.call_at(self._expected, self._tick)

    @callback
    def _count_write(self, event: Event[EventStateChangedData]) -> None:
        """Count a state write (what the recorder stores)."""
        self.writes[event.data["entity_id"]] += 1

    def coordinators(self) -> list[DataUpdateCoordinator[Any]]:
        """Return every mining_fleet coordinator (the watchdog entry holds one per rig)."""
        found = []
        for entry in self.hass.config_entries.async_entries("mining_fleet"):
            held = getattr(entry, "runtime_data", None)
            for coordinator in held.values() if isinstance(held, dict) else [held]:
                if isinstance(coordinator, DataUpdateCoordinator):
                    found.append(coordinator)
        return found

    def mark(self) -> None:
        """Traced: keep what the heap holds now, to tell what grows while nothing changes."""
        self.marked = tracemalloc.take_snapshot() if tracemalloc.is_tracing() else None

    def reset(self, rss_kb: int) -> None:
        """Start a new window (the process holding rss_kb), and count each coordinator's updates in it."""
        for stop in self._stop_listeners:
            stop()
        self.lags.clear()
        self.collections.clear()
        self.writes.clear()
        self.updates.clear()
        self.last_update.clear()
        self.longest_gap.clear()
        self.started = time.monotonic()
        self.cpu_started = time.process_time()
        self.rss_started_kb = rss_kb
        self._watched = self.coordinators()
        self._stop_listeners = [
            coordinator.async_add_listener(self._counter_of(index))
            for index, coordinator in enumerate(self._watched)
        ]

    def _counter_of(self, index: int) -> Callable[[], None]:
        """Return a listener counting one coordinator's updates."""

        @callback
        def updated() -> None:
            now = time.monotonic()
            self.updates[index] += 1
            if (last := self.last_update.get(index)) is not None:
                self.longest_gap[index] = max(self.longest_gap.get(index, 0.0), now - last)
            self.last_update[index] = now

        return updated

    async def report(self) -> dict[str, Any]:
        """Return the window's figures."""
        lags = sorted(self.lags) or [0.0]
        seconds = time.monotonic() - self.started
        entries = self.hass.config_entries.async_entries("mining_fleet")
        return {
            "seconds": seconds,
            "cpu_seconds": time.process_time() - self.cpu_started,
            "lag_ms": {
                "samples": len(self.lags),
                "p50": lags[len(lags) // 2] * 1000,
                "p99": lags[min(len(lags) - 1, int(len(lags) * 0.99))] * 1000,
                "max": lags[-1] * 1000,
            },
            "full_collections": {
                "count": len(self.collections),
                "longest_ms": max(self.collections, default=0) * 1000,
            },
            "writes": sum(self.writes.values()),
            "writes_by_kind": dict(self._writes_by_kind().most_common(12)),
            "polls_on_time": self._polls_on_time(seconds),
            "rss_kb": (rss_kb := await self.hass.async_add_executor_job(_rss_kb)),
            "rss_growth_kb": rss_kb - self.rss_started_kb,
            "entries": len(entries),
            "entries_loaded": sum(entry.state is ConfigEntryState.LOADED for entry in entries),
            "states": len(self.hass.states.async_all()),
        }

    def _polls_on_time(self, seconds: float) -> dict[str, float]:
        """Return how many coordinators poll, and the longest one went without an update, in its own intervals."""
        late = [
            self.longest_gap.get(index, seconds) / interval.total_seconds()
            for index, coordinator in enumerate(self._watched)
            if (interval := coordinator.update_interval) is not None
            and interval.total_seconds() * 2 <= seconds
        ] or [0.0]
        return {"coordinators": len(late), "longest_gap_in_intervals": max(late)}

    def _writes_by_kind(self) -> Counter[str]:
        """Group the writes by what the entity is (its platform and translation key), not by device."""
        registry = er.async_get(self.hass)
        kinds: Counter[str] = Counter()
        for entity_id, count in self.writes.items():
            entry = registry.async_get(entity_id)
            kind = (
                entity_id.split(".")[0]
                if entry is None
                else f"{entry.domain}.{entry.translation_key or entry.original_name}"
            )
            kinds[kind] += count
        return kinds

    async def refresh_all(self) -> float:
        """Refresh every coordinator at once and return the seconds until the last finished."""
        started = time.monotonic()
        await asyncio.gather(*(coordinator.async_refresh() for coordinator in self.coordinators()))
        return time.monotonic() - started


def _rss_kb() -> int:
    """Return the process's resident memory (kB)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def _objects_by_type(marked: tracemalloc.Snapshot | None, top: int = 30) -> dict[str, Any]:
    """Return the most numerous live object types, and where memory was allocated when traced.

    Start Home Assistant with PYTHONTRACEMALLOC=1 (e.g. run the benchmark with it) for the second part.
    """
    found: dict[str, Any] = {
        "types": dict(Counter(type(item).__qualname__ for item in gc.get_objects()).most_common(top))
    }
    if tracemalloc.is_tracing():
        snapshot = tracemalloc.take_snapshot()
        statistics = snapshot.statistics("filename")
        found["traced_kb"] = sum(stat.size for stat in statistics) // 1024
        found["allocated_kb_by_file"] = {str(stat.traceback): stat.size // 1024 for stat in statistics[:top]}
        lines = snapshot.statistics("lineno")[: top * 2]
        found["allocated_kb_by_line"] = {str(stat.traceback): stat.size // 1024 for stat in lines}
        if marked is not None:
            grown = snapshot.compare_to(marked, "lineno")[:top]
            found["grown_kb_by_line"] = {str(stat.traceback): stat.size_diff // 1024 for stat in grown}
    return found


class ProbeView(HomeAssistantView):
    """GET the figures; POST reset or refresh."""

    url = "/api/fleet_probe"
    extra_urls = ["/api/fleet_probe/{action}"]
    name = "api:fleet_probe"

    def __init__(self, probe: Probe) -> None:
        """Serve one probe."""
        self.probe = probe

    async def get(self, request: web.Request) -> web.Response:
        """Return the current window's figures."""
        return self.json(await self.probe.report())

    async def post(self, request: web.Request, action: str = "") -> web.Response:
        """Reset the window, or refresh every coordinator and return how long it took."""
        if action == "reset":
            # The snapshot first: it blocks the loop for seconds and takes memory of its own, neither
            # of which belongs to the window.
            self.probe.mark()
            self.probe.reset(await self.probe.hass.async_add_executor_job(_rss_kb))
            return self.json({})
        if action == "refresh":
            return self.json({"seconds": await self.probe.refresh_all()})
        if action == "objects":
            return self.json(_objects_by_type(self.probe.marked))
        return self.json_message("unknown action", 404)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Start the probe and serve it."""
    hass.http.register_view(ProbeView(Probe(hass)))
    return True
