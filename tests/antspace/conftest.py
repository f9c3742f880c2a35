"""Fixtures for cooling containers: simulated controllers on 127.0.0.1 and entries that point at them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from homeassistant.const import CONF_HOST, CONF_PORT
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.mining_fleet.antspace.config_flow import container_unique_id
from custom_components.mining_fleet.const import CONF_KIND, DOMAIN, KIND_ANTSPACE
from simulators.antspace import AntspaceSimulator

from ..conftest import set_up_entry

type ContainerFactory = Callable[..., Awaitable[AntspaceSimulator]]
type ContainerSetup = Callable[..., Awaitable[tuple[AntspaceSimulator, MockConfigEntry]]]


@pytest.fixture
async def start_container(socket_enabled: None) -> AsyncIterator[ContainerFactory]:
    """Start simulated containers on free loopback ports; stop them after the test."""
    started: list[AntspaceSimulator] = []

    async def _start(model: str = "hk3", **kwargs: Any) -> AntspaceSimulator:
        container = AntspaceSimulator(model, seed=len(started), **kwargs)
        await container.start()
        started.append(container)
        return container

    yield _start
    for container in started:
        await container.stop()


def container_entry(container: AntspaceSimulator, **options: Any) -> MockConfigEntry:
    """Return a config entry for a simulated container, as the config flow would create it."""
    host, port = container.host.split(":")
    return MockConfigEntry(
        domain=DOMAIN,
        title=f"Antspace {container.model}",
        unique_id=container_unique_id(host, int(port)),
        data={CONF_KIND: KIND_ANTSPACE, CONF_HOST: host, CONF_PORT: int(port), "model": container.model},
        options=options,
    )


@pytest.fixture
async def setup_container(hass: HomeAssistant, start_container: ContainerFactory) -> ContainerSetup:
    """Start a simulated container and set up a config entry for it."""

    async def _setup(
        model: str = "hk3", options: dict[str, Any] | None = None, **kwargs: Any
    ) -> tuple[AntspaceSimulator, MockConfigEntry]:
        container = await start_container(model, **kwargs)
        entry = container_entry(container, **(options or {}))
        await set_up_entry(hass, entry)
        return container, entry

    return _setup
