"""The pool tests' simulator: one account's workers, answering like every pool, on loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from simulators.pools import PoolSimulator, SimWorker


@pytest.fixture
async def simulator(socket_enabled: None) -> AsyncIterator[PoolSimulator]:
    """Serve two workers at 1.1 and 2.2 TH/s on loopback."""
    server = PoolSimulator(workers={"rig1": SimWorker(1.1), "rig2": SimWorker(2.2)})
    await server.start()
    yield server
    await server.stop()
