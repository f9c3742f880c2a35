"""Time the replay of one window's auction (parse, consensus, bans, budget, solver) for 100 to 5,000 workers.

Run: .venv/ha-2025.4/bin/python benchmarks/auction_replay.py [--items 100 1000 5000] [--rounds 7]
Two bid books per size: "typical" (bidders bid their total split into 0.45 PH workers, as the subnet's
miners do: few distinct worker sizes) and "distinct" (every worker a different size and price, the
solver's worst case). The budget buys about half of what is offered, so the solver has to choose.
"""

from __future__ import annotations

import argparse
from decimal import Decimal
from pathlib import Path
import random
import statistics
import sys
import time

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from custom_components.mining_fleet.logic.auction import decode_bid, encode_bid, split_hashrate
from custom_components.mining_fleet.logic.auction.replay import Snapshot, replay

START = 7_500_045
HASH = "0x" + "5a" * 32
PRICES = b"1;p;ALPHA_TAO=0.25;HASHP_USDC=50;TAO_USDC=45;cap=%s"


def _typical(items: int, rng: random.Random) -> list[tuple[str, bytes]]:
    """Return bidders whose totals are split as split_hashrate does, until `items` workers are offered."""
    bids: list[tuple[str, bytes]] = []
    offered = 0
    while offered < items:
        total = Decimal(rng.randrange(5, min(450, (items - offered) * 45) + 1)) / 100
        sizes = split_hashrate(total)
        price = Decimal(rng.choice(("0.9", "0.95", "1", "1", "1.02", "1.05")))
        bids.append((f"miner{len(bids)}", encode_bid(sizes, price).encode()))
        offered += sum(sizes.values())
    return bids


def _distinct(items: int, rng: random.Random) -> list[tuple[str, bytes]]:
    """Return one-worker bidders, each with its own size and price."""
    return [
        (
            f"miner{index}",
            f"2;b;BTC,{rng.randrange(800, 1051) / 1000}={rng.randrange(50, 451) / 1000}:1".encode(),
        )
        for index in range(items)
    ]


def _snapshot(bids: list[tuple[str, bytes]]) -> tuple[Snapshot, int]:
    """Return the start-block snapshot with three validators and a cap that buys about half the offer."""
    offered = sum((h * c for _, raw in bids for h, _, c in _lines(raw)), Decimal(0))
    cap = (offered / 2 / Decimal("664.2")).quantize(Decimal("0.000001"))
    validators = [(f"validator{i}", START - 3, PRICES % str(cap).encode()) for i in range(3)]
    commitments = validators + [(hotkey, START - 10, raw) for hotkey, raw in bids]
    neurons = [
        (hotkey, uid, Decimal(100 if hotkey.startswith("validator") else 0))
        for uid, (hotkey, _, _) in enumerate(commitments)
    ]
    return Snapshot(START, HASH, commitments, neurons, [0, 65535]), sum(1 for _ in commitments)


def _lines(raw: bytes) -> list[tuple[Decimal, Decimal, int]]:
    """Return a bid's lines."""
    return decode_bid(raw) or []


def _measure(snapshot: Snapshot, rounds: int) -> tuple[float, int, int]:
    """Return the median seconds of a replay, the workers offered and the winners."""
    times, outcome = [], None
    for _ in range(rounds):
        began = time.perf_counter()
        outcome = replay(snapshot, "miner0")
        times.append(time.perf_counter() - began)
    assert outcome is not None
    return statistics.median(times), outcome.items, len(outcome.winners)


def main() -> None:
    """Print one table row per book and size."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, nargs="+", default=[100, 1000, 5000])
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(89)
    replay(_snapshot(_typical(10, rng))[0], "miner0")  # import the solver once, outside the timing
    print("| book | workers offered | winners | bidders | median replay |")
    print("|---|---|---|---|---|")
    for items in args.items:
        for name, book in (("typical", _typical), ("distinct", _distinct)):
            snapshot, hotkeys = _snapshot(book(items, rng))
            median, offered, winners = _measure(snapshot, args.rounds)
            print(f"| {name} | {offered} | {winners} | {hotkeys - 3} | {median * 1000:.0f} ms |")


if __name__ == "__main__":
    main()
