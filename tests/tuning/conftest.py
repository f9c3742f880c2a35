"""Helpers for tuning tests: wait for real sockets under a frozen clock, read what the simulator received."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from simulators.axeos import AxeOSSimulator


async def until(condition: Callable[[], bool], rounds: int = 50_000) -> None:
    """Yield to the loop (sockets included) until condition holds; a frozen clock never wakes a sleep."""
    for _ in range(rounds):
        if condition():
            return
        await asyncio.sleep(0)
    raise AssertionError("condition not reached")


async def tick(hass: HomeAssistant, freezer: FrozenDateTimeFactory, seconds: float) -> None:
    """Move time forward once and let what became due (polls, guard steps) finish."""
    freezer.tick(timedelta(seconds=seconds))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)


def tuning_writes(miner: AxeOSSimulator) -> list[dict[str, Any]]:
    """Return every PATCH body with a frequency or core voltage the miner received, in order."""
    return [
        body
        for method, path, body in miner.requests
        if method == "PATCH" and isinstance(body, dict) and {"frequency", "coreVoltage"} & body.keys()
    ]


def points_after(start: tuple[int, int], writes: list[dict[str, Any]]) -> list[tuple[int, int]]:
    """Return the (voltage, frequency) the miner ran after each write, from a start point."""
    voltage, frequency = start
    points = []
    for body in writes:
        voltage = body.get("coreVoltage", voltage)
        frequency = body.get("frequency", frequency)
        points.append((voltage, frequency))
    return points


class SimClock:
    """A clock for a simulator's physics that moves only when a test moves it."""

    def __init__(self) -> None:
        """Start at 1000 s."""
        self.now = 1000.0

    def __call__(self) -> float:
        """Return the current time."""
        return self.now

    def advance(self, seconds: float) -> None:
        """Move the clock forward."""
        self.now += seconds
