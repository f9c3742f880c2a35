"""A simulated rig behind a simulated outlet: power off makes it unreachable and its pool worker stale.

Wires the loopback simulators together the way hardware is wired: a Kasa outlet (or one outlet of a
strip) powers an AxeOS miner and/or a pool worker. `hang()` freezes the rig the way HiveOS boxes and
Bitaxes hang (hashing stops; with `api_dead` the API stops answering too); a power cycle, or a
restart through the API for a rig whose API still answers, brings it back.
"""

from __future__ import annotations

from dataclasses import dataclass

from .axeos import AxeOSSimulator, Fault
from .kasa import KasaSimulator
from .pools import PoolSimulator


@dataclass
class PoweredRig:
    """One rig: its outlet, and what the rig shows to the world."""

    outlet: KasaSimulator
    child: str | None = None
    miner: AxeOSSimulator | None = None
    pool: PoolSimulator | None = None
    worker: str | None = None
    hung: bool = False
    powered: bool = True

    def __post_init__(self) -> None:
        """Follow the outlet's relay, and the miner's reboots."""
        previous = self.outlet.on_relay

        def relay(child: str | None, on: bool) -> None:
            if previous is not None:
                previous(child, on)
            if self.child is None or (child is not None and child.endswith(self.child)):
                self.set_power(on)

        self.outlet.on_relay = relay
        if self.miner is not None:
            self.miner.on_boot.append(self._booted)

    def hang(self, *, api_dead: bool = True) -> None:
        """Freeze the rig: no more shares; with api_dead its API stops answering too."""
        self.hung = True
        if self.miner is not None and api_dead:
            self.miner.fault = Fault.OFFLINE
        self._worker_stale()

    def set_power(self, on: bool) -> None:
        """Lose or regain power: off is unreachable and silent; on boots the rig afresh."""
        self.powered = on
        if not on:
            if self.miner is not None:
                self.miner.fault = Fault.OFFLINE
            self._worker_stale()
            return
        if self.miner is not None:
            self.miner.fault = Fault.NONE
            self.miner.restart_now()  # calls _booted
        else:
            self._booted()

    def _booted(self) -> None:
        """Clear a hang on a fresh boot; the worker sends shares again."""
        self.hung = False
        if self.pool is not None and self.worker is not None:
            self.pool.recover(self.worker)

    def _worker_stale(self) -> None:
        """Stop the worker's shares (once: a second call keeps the first stale time)."""
        if (
            self.pool is not None
            and self.worker is not None
            and self.pool.workers[self.worker].stale_since is None
        ):
            self.pool.stale(self.worker)
