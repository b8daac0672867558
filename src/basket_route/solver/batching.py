"""Orders → drops: the orders of one building that travel together on one trip.

Orders of a building that the same volunteers may serve are packed into as few drops as
possible, each fitting the smallest trip of those volunteers (kilograms, bags, and the
service time one trip can spend there), so that *any* of them can carry *any* drop and a
bigger courier can carry several. Packing is first-fit decreasing with priority and due
orders first; when it uses more drops than the simple lower bound, CP-SAT (OR-Tools)
searches for a packing with fewer, deterministically (one worker, a deterministic time
limit). An order is never split.

References
----------
Johnson, D. S. (1974). Fast algorithms for bin packing. *Journal of Computer and System
Sciences* 8(3), 272–314 (first-fit decreasing).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ortools.sat.python import cp_model

from basket_route import units
from basket_route.model import Order
from basket_route.solver.problem import WindowProblem

__all__ = ["Drop", "make_drops", "pack"]

DROP_SHARE = 1.0
"""Default drop size: the smallest trip of the volunteers who may carry it.

Smaller drops let big couriers fill their trips: on the synthetic compound window at 8 s,
share 0.5 gave 65.3 km and 87 trips against 68.5 km and 95 trips. But twice the drops make
OR-Tools' local search overrun its time limit by several seconds (docs/benchmarks.md), so
the default keeps whole-trip drops; ``PlanOptions(drop_share=0.5)`` is there for long runs.
"""

_CP_SAT_MAX_ITEMS = 120
_CP_SAT_DETERMINISTIC_S = 0.03


@dataclass(frozen=True, slots=True)
class Drop:
    """Orders of one building handed over on one visit.

    ``grams``, ``bags`` and ``service_s`` are the solver's integer totals; ``due_s`` is the
    earliest due time (seconds after the window start) of its orders, or None;
    ``volunteers`` are the indices of the volunteers that may carry it.
    """

    building_id: str
    order_ids: tuple[str, ...]
    weight_kg: float
    grams: int
    bags: int
    service_s: int
    due_s: int | None
    priority_orders: int
    volunteers: tuple[int, ...]


def pack(sizes: Sequence[tuple[int, ...]], capacity: tuple[int, ...]) -> list[list[int]]:
    """Pack items of multi-dimensional SIZES into the fewest bins of CAPACITY.

    Items are taken in the order given (callers sort them); each must fit alone.

    Returns
    -------
    list of list of int
        Item indices per bin, bins in order of their first item.
    """
    bins: list[list[int]] = []
    loads: list[list[int]] = []
    for i, size in enumerate(sizes):
        for b, load in enumerate(loads):
            if all(load[k] + size[k] <= capacity[k] for k in range(len(capacity))):
                bins[b].append(i)
                for k in range(len(capacity)):
                    load[k] += size[k]
                break
        else:
            bins.append([i])
            loads.append(list(size))
    lower = max(
        math.ceil(sum(s[k] for s in sizes) / capacity[k]) if capacity[k] else 0
        for k in range(len(capacity))
    )
    if len(bins) > max(lower, 1) and len(sizes) <= _CP_SAT_MAX_ITEMS:
        better = _pack_cp_sat(sizes, capacity, bins)
        if better is not None:
            return sorted(better, key=min)
    return bins


def _pack_cp_sat(
    sizes: Sequence[tuple[int, ...]], capacity: tuple[int, ...], start: list[list[int]]
) -> list[list[int]] | None:
    """A packing into one bin fewer than START, if CP-SAT finds one within its budget.

    A pure feasibility question (no objective), with the usual symmetry breaking: item i
    may only go to bins 0..i, so the search stops at the first packing it finds.
    """
    n, n_bins = len(sizes), len(start) - 1
    model = cp_model.CpModel()
    x = {
        (i, b): model.new_bool_var(f"x{i}_{b}") for i in range(n) for b in range(min(i + 1, n_bins))
    }
    for i in range(n):
        model.add_exactly_one(x[i, b] for b in range(min(i + 1, n_bins)))
    for b in range(n_bins):
        for k, cap in enumerate(capacity):
            model.add(sum(sizes[i][k] * x[i, b] for i in range(b, n)) <= cap)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = 0
    solver.parameters.max_deterministic_time = _CP_SAT_DETERMINISTIC_S
    if solver.solve(model) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    bins: list[list[int]] = [[] for _ in range(n_bins)]
    for (i, b), var in x.items():
        if solver.value(var):
            bins[b].append(i)
    return [b for b in bins if b]


def _sort_key(problem: WindowProblem, order: Order) -> tuple[int, int, float, str]:
    due = problem.due_s(order)
    return (
        0 if order.priority.is_priority else 1,
        due if due is not None else problem.horizon + 1,
        -order.weight_kg,
        order.order_id,
    )


def make_drops(
    problem: WindowProblem, eligible: Mapping[str, tuple[int, ...]], share: float = DROP_SHARE
) -> list[Drop]:
    """Group the orders in ELIGIBLE into drops, building by building.

    Parameters
    ----------
    problem
        The window problem.
    eligible
        order_id → volunteers that may serve it (from :func:`~basket_route.solver.problem.screen`).
    share
        Drop size as a share of the smallest trip of the volunteers who may carry it.
        Default :data:`DROP_SHARE`.

    Returns
    -------
    list of Drop
        Sorted by building, then by the drops' first order id (canonical order).
    """
    sc = problem.scenario
    idx = problem.index
    stop_s = units.seconds(sc.settings.service.stop_s)
    groups: dict[tuple[str, tuple[int, ...]], list[Order]] = defaultdict(list)
    for order in problem.orders:
        if order.order_id in eligible:
            groups[(problem.building_of(order), eligible[order.order_id])].append(order)
    drops = []
    for (bid, vols), orders in sorted(groups.items()):
        orders.sort(key=lambda o: _sort_key(problem, o))
        smallest_g = min(units.capacity_grams(problem.volunteers[v].capacity_kg) for v in vols)
        smallest_bags = min(units.capacity_count(problem.volunteers[v].capacity_bags) for v in vols)
        # Never smaller than the largest order: an order is never split.
        cap_g = max(_scaled(smallest_g, share), *(units.grams(o.weight_kg) for o in orders))
        cap_bags = max(_scaled(smallest_bags, share), *(o.bags for o in orders))
        b = idx[bid]
        # The longest service one trip can spend at this building, for the slowest round trip.
        round_trip = max(
            int(
                problem.travel_s[problem.volunteers[v].mode][idx[problem.volunteers[v].depot_id], b]
            )
            + int(
                problem.travel_s[problem.volunteers[v].mode][b, idx[problem.volunteers[v].depot_id]]
            )
            for v in vols
        )
        cap_service = max(1, problem.horizon - round_trip - stop_s)
        sizes = [
            (
                units.grams(o.weight_kg),
                o.bags,
                min(cap_service, units.seconds(problem.service_s[o.order_id])),
            )
            for o in orders
        ]
        for members in pack(sizes, (cap_g, cap_bags, cap_service)):
            chosen = [orders[i] for i in members]
            dues = [d for d in (problem.due_s(o) for o in chosen) if d is not None]
            drops.append(
                Drop(
                    building_id=bid,
                    order_ids=tuple(o.order_id for o in chosen),
                    weight_kg=sum(o.weight_kg for o in chosen),
                    grams=sum(sizes[i][0] for i in members),
                    bags=sum(o.bags for o in chosen),
                    service_s=units.seconds(sum(problem.service_s[o.order_id] for o in chosen)),
                    due_s=min(dues) if dues else None,
                    priority_orders=sum(o.priority.is_priority for o in chosen),
                    volunteers=vols,
                )
            )
    drops.sort(key=lambda d: (d.building_id, d.order_ids[0]))
    return drops


def _scaled(capacity: int, share: float) -> int:
    if capacity >= units.MAX_VALUE:
        return units.MAX_VALUE
    return max(1, int(capacity * share))
