"""Warm starts: an earlier plan's trips as the routing core's initial routes.

A drop goes on the trip that carried its orders in the earlier plan (the same window
planned again: late orders, a longer run) or, when none of its orders was planned there,
on the first trip that stopped at its building (the previous window's plan: the same
couriers walk the same buildings in the same order). Stops keep their earlier order;
a drop that no longer fits — its courier is off shift or may not carry it, its trip is
full, the courier has fewer trips now — and a drop of new orders at a new building are
then inserted where they add the least distance and every trip of the courier still keeps
its load, due times and reload gaps (cheapest insertion; a drop that fits nowhere is left
out). The routing core keeps the warm start only when it costs no more than its own
constructive start and the OR-Tools model accepts it (see
:func:`~basket_route.solver.routing.solve_routing`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence

import numpy as np

from basket_route.plan import Placement, Plan
from basket_route.solver.batching import Drop
from basket_route.solver.problem import WindowProblem
from basket_route.solver.routing_problem import RoutingProblem

__all__ = ["warm_routes"]


def warm_routes(
    problem: WindowProblem,
    routing: RoutingProblem,
    drops: Sequence[Drop],
    first_node: int,
    chains: Mapping[int, Sequence[int]],
    plan: Plan,
) -> tuple[list[list[int]], int]:
    """Initial routes (visit nodes per vehicle) that follow PLAN, and how many drops they place.

    Parameters
    ----------
    problem
        The window problem being planned.
    routing
        Its routing problem (capacities and allowed vehicles are respected).
    drops
        The drops; drop j is node ``FIRST_NODE + j``.
    chains
        Volunteer index → its trip-vehicles, in order.
    plan
        The earlier plan, of this window or another one.

    Returns
    -------
    tuple of (list of list of int, int)
        The routes, and the number of drops placed as in PLAN (the others on them were
        inserted).
    """
    by_order = plan.placements()
    by_building: dict[str, Placement] = {}
    for route in plan.routes:
        for t, trip in enumerate(route.trips):
            for s, stop in enumerate(trip.stops):
                by_building.setdefault(stop.building_id, Placement(route.volunteer_id, t, s, 0))
    index = {vol.volunteer_id: v for v, vol in enumerate(problem.volunteers)}
    wanted: dict[int, list[tuple[tuple[int, int], int]]] = defaultdict(list)
    for j, drop in enumerate(drops):
        spots = [by_order[o] for o in drop.order_ids if o in by_order]
        spot = spots[0] if spots else by_building.get(drop.building_id)
        if spot is None:
            continue
        vid, t, s, p = spot
        v = index.get(vid)
        if v is None or v not in chains or t >= len(chains[v]):
            continue
        vehicle = chains[v][t]
        node = first_node + j
        allowed = None if routing.allowed_vehicles is None else routing.allowed_vehicles[node]
        if allowed is not None and vehicle not in allowed:
            continue
        wanted[vehicle].append(((s, p), node))
    routes: list[list[int]] = [[] for _ in routing.vehicles]
    for vehicle, stops in wanted.items():
        capacity = np.array(routing.vehicles[vehicle].capacities, dtype=np.int64)
        load = np.zeros_like(capacity)
        for _, node in sorted(stops):
            if np.all(load + routing.demands[node] <= capacity):
                routes[vehicle].append(node)
                load += routing.demands[node]
    placed = sum(len(r) for r in routes)
    # Priority (highest penalty) first: they matter most where room is short.
    penalty = routing.penalties
    left = sorted(
        set(range(first_node, first_node + len(drops))) - {x for r in routes for x in r},
        key=lambda node: -(0 if penalty is None else int(penalty[node])),
    )
    for node in left:
        _insert(routing, routes, node)
    return routes, placed


def _chains(routing: RoutingProblem) -> list[tuple[tuple[int, ...], int]]:
    """Every vehicle's chain with its gap; an unchained vehicle is a chain of one."""
    chained = {v for c in routing.chains for v in c}
    single = [((v,), 0) for v in range(len(routing.vehicles)) if v not in chained]
    return [*zip(routing.chains, routing.gaps, strict=True), *single]


def _chain_fits(
    routing: RoutingProblem, chain: Sequence[int], gap: int, routes: Sequence[Sequence[int]]
) -> bool:
    """Whether the trips of CHAIN keep their capacities, time windows and reload gaps."""
    free = routing.vehicles[chain[0]].earliest_start
    for v in chain:
        route = routes[v]
        if not route:
            continue
        veh = routing.vehicles[v]
        if np.any(routing.demands[list(route)].sum(axis=0) > np.array(veh.capacities)):
            return False
        dur = routing.durations[veh.duration_class]
        t, here = max(free, veh.earliest_start), veh.start
        for node in route:
            t = max(t + int(dur[here, node]), int(routing.time_windows[node, 0]))
            if t > routing.time_windows[node, 1]:
                return False
            here = node
        end = t + int(dur[here, veh.end])
        if end > veh.latest_end:
            return False
        free = end + gap
    return True


def _insert(routing: RoutingProblem, routes: list[list[int]], node: int) -> None:
    """Insert NODE where it adds the least distance and its courier's trips still fit."""
    allowed = None if routing.allowed_vehicles is None else routing.allowed_vehicles[node]
    d = routing.distance
    candidates: list[tuple[int, int, int, int]] = []  # added distance, chain, vehicle, position
    chains = _chains(routing)
    for c, (chain, _) in enumerate(chains):
        last = max((i for i, v in enumerate(chain) if routes[v]), default=-1)
        used = [v for v in chain[: last + 1] if routes[v]]
        for v in [*used, *chain[last + 1 : last + 2]]:  # and the first trip after them
            if allowed is not None and v not in allowed:
                continue
            veh = routing.vehicles[v]
            path = [veh.start, *routes[v], veh.end]
            for pos in range(len(path) - 1):
                a, b = path[pos], path[pos + 1]
                added = int(d[a, node]) + int(d[node, b]) - (int(d[a, b]) if routes[v] else 0)
                candidates.append((added, c, v, pos))
    for _, c, v, pos in sorted(candidates):
        routes[v].insert(pos, node)
        chain, gap = chains[c]
        if _chain_fits(routing, chain, gap, routes):
            return
        routes[v].pop(pos)
