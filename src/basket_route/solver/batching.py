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

__all__ = [
    "AUTO_HALF_MAX_DROPS",
    "AUTO_HALF_MAX_DROPS_REPRODUCIBLE",
    "DROP_SHARE",
    "HALF_DROPS_PER_SECOND",
    "HALF_DROP_SHARE",
    "Drop",
    "auto_drops",
    "make_drops",
    "pack",
]

DROP_SHARE = 1.0
"""Whole-trip drops: the smallest trip of the volunteers who may carry it. The fewest
drops; what :func:`auto_drops` falls back to, and what the window-size estimates assume."""

HALF_DROP_SHARE = 0.5
"""Half-size drops, :func:`auto_drops`' first choice.

Whole-trip drops leave a big courier's trip part empty and make the routing nearly a bin
packing that the local search cannot escape. Half-size drops planned 7.4 % shorter on six
synthetic compound windows at 10 s (53.17 against 57.41 km on average), 5.1 % shorter at
5 s, and 15 % shorter on six building windows (docs/benchmarks.md, "Half-size drops")."""

AUTO_HALF_MAX_DROPS = 400
""":func:`auto_drops` keeps half-size drops up to this many drops in one model.

Compound windows of 290-345 half-size drops plan shorter with them. Bigger windows plan
shorter with whole-trip drops: 800 orders in 18.7 s, 73.4 km with 248 whole-trip drops
against 78.6 km with 467 half-size ones (guided local search, the better search there);
1,600 orders, 205.1 km with 450 whole-trip drops in 18 s against 232.3 km with 871
half-size ones in 35 s (docs/benchmarks.md, "The operators that were never switched off")."""

AUTO_HALF_MAX_DROPS_REPRODUCIBLE = 400
""":func:`auto_drops`' bound in reproducible mode, whose guided local search runs to a
solution count (30 + drops / 4) after a descent to a local optimum. It was 100 while the
slow insertion-LNS operators were on (the compound window's 317 half-size drops hit the
254 s safety cap); now they take 10-14 s (871 half-size drops took 51-61 s before the
descent was added), so the default's bound applies."""

HALF_DROPS_PER_SECOND = 200
""":func:`auto_drops` keeps half-size drops while there are at most this many per second of
the time limit. On the compound window (317 half-size or 163 whole-trip drops, guided local
search, which short searches of chained drops run): 53.34 km at 1.5 s (211 a second) and
51.88 km at 2 s against 55.79 km with whole-trip drops at 2 s; at 1 s 56.09 against 55.79,
and at 0.6 s half-size drops overran the limit (docs/benchmarks.md)."""

_HALF_PER_WHOLE_AT_LEAST = 1.5
"""Half-size drops per whole-trip drop, a lower bound in practice: 1.8-2.0 on the synthetic
compound and building windows (an order bigger than half a trip stays one drop, so the
ratio can fall towards 1 on windows of big orders; those then get whole-trip drops a little
early)."""

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


def auto_drops(
    problem: WindowProblem,
    eligible: Mapping[str, tuple[int, ...]],
    time_limit: float | None = None,
    reproducible: bool = False,
) -> tuple[list[Drop], float]:
    """Half-size drops, or whole-trip drops when there would be too many half-size ones.

    Parameters
    ----------
    problem, eligible
        As :func:`make_drops`.
    time_limit
        Seconds the search will have. Default None: the time limit will follow the number
        of drops (:func:`~basket_route.options.auto_time_limit`), enough for either size.
    reproducible
        The search stops on a solution count: at most
        :data:`AUTO_HALF_MAX_DROPS_REPRODUCIBLE` half-size drops, and TIME_LIMIT (only a
        safety cap then) is not used. Default False.

    Returns
    -------
    tuple of (list of Drop, float)
        The drops and the share they were made with: :data:`HALF_DROP_SHARE` when that
        gives at most :data:`AUTO_HALF_MAX_DROPS` drops and at most
        :data:`HALF_DROPS_PER_SECOND` per second of TIME_LIMIT, else :data:`DROP_SHARE`.
    """
    most = AUTO_HALF_MAX_DROPS_REPRODUCIBLE if reproducible else AUTO_HALF_MAX_DROPS
    if time_limit is not None and not reproducible:
        most = min(most, int(time_limit * HALF_DROPS_PER_SECOND))
    whole = make_drops(problem, eligible, DROP_SHARE)
    if len(whole) * _HALF_PER_WHOLE_AT_LEAST > most:
        # Packing is a good part of a short plan (0.5 s of a 1 s compound plan): skip the
        # half-size drops that could not be used anyway.
        return whole, DROP_SHARE
    drops = make_drops(problem, eligible, HALF_DROP_SHARE)
    if len(drops) <= most:
        return drops, HALF_DROP_SHARE
    return whole, DROP_SHARE


def _scaled(capacity: int, share: float) -> int:
    if capacity >= units.MAX_VALUE:
        return units.MAX_VALUE
    return max(1, int(capacity * share))
