"""Subnet epochs and the auction's windows: six per validation epoch of 361 blocks."""

from __future__ import annotations

WINDOW_BLOCKS = 60
WINDOWS = 6
# The validation epoch starts this many blocks before the subnet epoch.
LEAD_BLOCKS = 60


def epoch_start(block: int, netuid: int, tempo: int) -> int:
    """Return the first block of the subnet epoch the block is in (as subtensor counts blocks to the next epoch)."""
    remainder = (block + netuid + 1) % (tempo + 1)
    if remainder == tempo:
        remainder = -1
    return block - remainder - 1


def window_for_block(block: int, start_of_epoch: int, tempo: int = 360) -> tuple[int, int, int]:
    """Return (index, start, end) of the window holding the block; the last window of an epoch is one block longer."""
    length = tempo + 1
    reference = start_of_epoch - LEAD_BLOCKS
    validation_start = reference + length * ((block - reference) // length)
    offset = block - validation_start
    index = offset // WINDOW_BLOCKS if offset < WINDOW_BLOCKS * (WINDOWS - 1) else WINDOWS - 1
    start = validation_start + WINDOW_BLOCKS * index
    end = start + WINDOW_BLOCKS - 1 if index < WINDOWS - 1 else validation_start + length - 1
    return index, start, end
