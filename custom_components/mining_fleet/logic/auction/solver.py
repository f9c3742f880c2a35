"""The auction's knapsack: which workers the budget buys, as the validators' ILP decides it.

The validators solve a 0/1 knapsack with CBC and the objective (cap + 1) * value - cost: most PH
first, then the cheapest. That objective is the same as two exact steps, which we solve with HiGHS
(through PuLP; CBC's bundled binaries do not run on Home Assistant's musl systems):
1. the most value that fits the budget, 2. the least cost at that value.
Workers with equal value and cost are interchangeable, so we solve for how many of each such class
win (an integer per class, not a binary per worker) and then let the earliest workers in chain order
win. That makes the result independent of the solver's own tie-breaking; what stays solver-dependent
is a choice between *different* classes with exactly equal total value and cost (e.g. 0.1 + 0.3 PH
against 0.2 + 0.2 PH at one price), where CBC may pick the other set, and instances so hard that
CBC stops at its node limit with an answer short of the optimum we prove.
The numbers are the validators' own: value and cost from floats (hashrate x price x 1e6 + 1e-7,
rounded half to even), the capacity from the budget as a float.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from . import fp18

SCALE = 1_000_000
MAX_PRICE = int(1.05 * fp18.ONE)  # as validators compute it (a float product)
MAX_NODES = 100_000
_SEED_MODULUS = 2_147_483_647


@dataclass(frozen=True, slots=True)
class Item:
    """One worker on offer: whose, how big (FP18 PH) and at what price (FP18)."""

    hotkey: str
    hashrate: int
    price: int


class SolverError(Exception):
    """The solver gave no usable answer (missing, or outside the budget when checked exactly)."""


def solver_seed(block_hash: str) -> int:
    """Return the validators' solver seed from the window's start block hash (0x-hex)."""
    return int(block_hash[-16:], 16) % _SEED_MODULUS + 1


def offered(hashrate: int, price: int) -> bool:
    """Tell whether a worker enters the auction at all (prices above 1.05 are dropped before the solver)."""
    return hashrate > 0 and 0 < price <= MAX_PRICE


def value_of(item: Item) -> int:
    """Return the worker's value in the ILP: millionths of a PH, in the validators' float arithmetic."""
    return max(0, round(float(item.hashrate) / fp18.ONE * SCALE + 1e-7))


def cost_of(item: Item) -> int:
    """Return the worker's cost in the ILP: hashrate times price in millionths, in the validators' floats."""
    price = max(0.0, float(item.price) / fp18.ONE)
    return max(0, round(float(item.hashrate) / fp18.ONE * price * SCALE + 1e-7))


def capacity_of(budget_ph: float) -> int:
    """Return the ILP's capacity for a budget in PH (a float, as validators hold it)."""
    return int((budget_ph * SCALE) // 1)


def select_winners(items: Sequence[Item], budget_ph: float, seed: int) -> list[Item]:
    """Return the winning workers in chain order for a budget in PH."""
    capacity = capacity_of(budget_ph)
    if capacity <= 0:
        return []
    classes: dict[tuple[int, int], list[int]] = {}
    for index, item in enumerate(items):
        value, cost = value_of(item), cost_of(item)
        if offered(item.hashrate, item.price) and value > 0 and 0 < cost <= capacity:
            classes.setdefault((value, cost), []).append(index)
    if not classes:
        return []
    counts = _solve(list(classes), [len(members) for members in classes.values()], capacity, seed)
    chosen = sorted(
        index for members, count in zip(classes.values(), counts, strict=False) for index in members[:count]
    )
    return [items[index] for index in chosen]


def _solve(kinds: list[tuple[int, int]], available: list[int], capacity: int, seed: int) -> list[int]:
    """Return how many workers of each (value, cost) class win."""
    if sum(cost * count for (_, cost), count in zip(kinds, available, strict=False)) <= capacity:
        return available  # everything fits: the objective takes every worker
    most = _run(kinds, available, capacity, seed, value_floor=None)
    best_value = _total_value(kinds, most)
    counts = _run(kinds, available, capacity, seed, value_floor=best_value)
    if sum(cost * n for (_, cost), n in zip(kinds, counts, strict=False)) > capacity:
        raise SolverError("the solver's answer does not fit the budget")
    if _total_value(kinds, counts) < best_value:
        raise SolverError("the solver lost value between its two steps")
    return counts


def _total_value(kinds: list[tuple[int, int]], counts: list[int]) -> int:
    """Return the value of so many workers of each class."""
    return sum(value * n for (value, _), n in zip(kinds, counts, strict=False))


def _run(
    kinds: list[tuple[int, int]], available: list[int], capacity: int, seed: int, value_floor: int | None
) -> list[int]:
    """Solve one step: most value (no floor) or least cost at a value floor; return the rounded counts."""
    pulp: Any = __import__("pulp")  # installed with the auction only, so imported when one is solved
    sense = pulp.LpMaximize if value_floor is None else pulp.LpMinimize
    problem = pulp.LpProblem("hashrate_auction", sense)
    counts = [pulp.LpVariable(f"n{i}", 0, limit, cat=pulp.LpInteger) for i, limit in enumerate(available)]
    values = pulp.LpAffineExpression([(n, value) for (value, _), n in zip(kinds, counts, strict=False)])
    costs = pulp.LpAffineExpression([(n, cost) for (_, cost), n in zip(kinds, counts, strict=False)])
    problem += values if value_floor is None else costs
    problem += costs <= capacity
    if value_floor is not None:
        problem += values >= value_floor
    # Integer objective: a gap under 1 proves optimality; HiGHS's default 1e-4 relative gap would not.
    solver = pulp.HiGHS(
        msg=False, threads=1, gapRel=0, gapAbs=0.999, random_seed=seed, mip_max_nodes=MAX_NODES
    )
    problem.solve(solver)
    found = [variable.value() for variable in counts]
    if any(value is None for value in found):
        raise SolverError(f"no solution ({pulp.LpStatus[problem.status]})")
    return [round(value) for value in found]
