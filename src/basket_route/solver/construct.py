"""A chain-aware constructive first solution for the routing core.

OR-Tools' insertion heuristics check each trip-vehicle on its own: they cannot see that
the trips of one courier follow each other in time (the chain constraints are CP
constraints, checked only when a solution is committed). On a busy window they fill every
trip from the window's start, every commit fails and the search returns nothing. This
builder knows the chains: it gives each courier one trip at a time, the courier who is
free earliest first (or, with some patience, the biggest courier free soon), seeding a
trip with the most valuable visit (priority, then earliest due; with several depots, among
the visits nearest to the courier's own depot first) and filling it with the nearest visit
that still fits load, deadlines and the way back. The result is always
feasible; OR-Tools' local search improves it.

References
----------
Solomon, M. M. (1987). Algorithms for the vehicle routing and scheduling problems with
time window constraints. *Operations Research* 35(2), 254–265 (time-oriented nearest
neighbour).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np

from basket_route.solver.routing_problem import RoutingProblem, evaluate_routes
from basket_route.units import MAX_VALUE

__all__ = ["PATIENCE_S", "best_constructive", "greedy_routes", "without_spare_trips"]


def greedy_routes(problem: RoutingProblem, patience: int = 0) -> list[list[int]]:
    """Feasible routes (visit nodes per vehicle) built one trip at a time.

    Parameters
    ----------
    problem
        The routing problem; optional visits that fit nowhere are left out.
    patience
        Seconds a bigger courier may be waited for: the next trip goes to the biggest
        courier (capacities compared in order: weight, then bags) among those free within
        PATIENCE of the earliest. 0 (default) takes the earliest free courier, the biggest
        of those free together.

    Returns
    -------
    list of list of int
        One list per vehicle, in the vehicles' order.
    """
    n = problem.distance.shape[0]
    m = len(problem.vehicles)
    remaining = np.zeros(n, dtype=bool)
    remaining[problem.visits] = True
    value = problem.penalties if problem.penalties is not None else np.zeros(n, dtype=np.int64)
    value = np.where(value < 0, np.iinfo(np.int64).max // 4, value)  # mandatory first
    due = problem.time_windows[:, 1]
    ready = problem.time_windows[:, 0]
    allowed = np.ones((m, n), dtype=bool)
    if problem.allowed_vehicles is not None:
        for node, vehicles in enumerate(problem.allowed_vehicles):
            if vehicles is not None:
                allowed[:, node] = False
                allowed[list(vehicles), node] = True
    chained = {v for chain in problem.chains for v in chain}
    chains = [list(c) for c in problem.chains] + [[v] for v in range(m) if v not in chained]
    gaps = list(problem.gaps) + [0] * (len(chains) - len(problem.chains))
    free = [problem.vehicles[c[0]].earliest_start for c in chains]
    position = [0] * len(chains)
    # Size of a courier's trip: capacities in order (weight, then bags), so that when
    # weight is unlimited for everyone the bags decide.
    size = [tuple(-c for c in problem.vehicles[chain[0]].capacities) for chain in chains]
    # With several depots a trip is seeded among the visits nearest to its own depot: the
    # most valuable visit anywhere sent couriers across the area (a two-depot sample: a
    # start of 86 km where per-depot starts made 51 km together).
    depots = sorted({veh.start for veh in problem.vehicles})
    home = None
    if len(depots) > 1:
        home = np.asarray(depots)[np.argmin(problem.distance[depots], axis=0)]
    routes: list[list[int]] = [[] for _ in range(m)]
    # Two phases with several depots: couriers first serve the visits nearest to their own
    # depot, then what is left anywhere.
    for at_home in (True, False) if home is not None else (False,):
        active = [position[i] < len(chains[i]) for i in range(len(chains))]
        while remaining.any() and any(active):
            first = min(free[i] for i in range(len(chains)) if active[i])
            c = min(
                (size[i], free[i], i)
                for i in range(len(chains))
                if active[i] and free[i] <= first + patience
            )[2]
            v = chains[c][position[c]]
            veh = problem.vehicles[v]
            dur = problem.durations[veh.duration_class]
            cap = np.array(veh.capacities, dtype=np.int64)
            load = np.zeros_like(cap)
            t = max(free[c], veh.earliest_start)
            here = veh.start
            route: list[int] = []
            while True:
                fits = remaining & allowed[v] & np.all(problem.demands + load <= cap, axis=1)
                arrive = np.maximum(t + dur[here], ready)
                fits &= (arrive <= due) & (arrive + dur[:, veh.end] <= veh.latest_end)
                if at_home and not route:
                    fits &= home == veh.start
                candidates = np.flatnonzero(fits)
                if candidates.size == 0:
                    break
                if not route:  # seed: most valuable, then earliest due, then nearest
                    if home is not None and np.any(home[candidates] == veh.start):
                        candidates = candidates[home[candidates] == veh.start]
                    key = np.lexsort(
                        (problem.distance[here, candidates], due[candidates], -value[candidates])
                    )
                else:  # fill: nearest in time, then most valuable
                    key = np.lexsort((-value[candidates], arrive[candidates] - t))
                j = int(candidates[key[0]])
                route.append(j)
                remaining[j] = False
                load += problem.demands[j]
                t, here = int(arrive[j]), j
            if not route:
                active[c] = False  # only deadlines: starting later cannot help this courier
                continue
            routes[v] = route
            free[c] = t + int(dur[here, veh.end]) + gaps[c]
            position[c] += 1
            if position[c] == len(chains[c]):
                active[c] = False
    return routes


PATIENCE_S = (0, 1800, MAX_VALUE)
"""Patience values of the constructive starts (see ``construct.greedy_routes``): the earliest
free courier; the biggest courier free within half an hour; always the biggest free. The
search cannot move much between chained trips, so the start's choice of couriers largely
decides the plan: the compound AM window at 10 s went from 68.45 km (earliest-free start
only) to 55.51 km (docs/benchmarks.md, "Iterated local search and patient starts")."""


def best_constructive(problem: RoutingProblem) -> list[list[int]]:
    """The cheapest (penalties included) of the starts of :data:`PATIENCE_S`, first on ties."""
    starts = [greedy_routes(problem, patience) for patience in PATIENCE_S]
    costs = [evaluate_routes(problem, routes)[1] for routes in starts]
    return starts[costs.index(min(costs))]


def without_spare_trips(
    problem: RoutingProblem,
    ours: Sequence[Sequence[int]],
    initial_routes: Sequence[Sequence[int]] | None,
    spare: int,
) -> tuple[RoutingProblem, list[int]] | None:
    """PROBLEM without each chain's trips beyond the last one a start uses, plus SPARE.

    The starts are OURS and INITIAL_ROUTES (routes per vehicle). Every chain keeps at
    least one trip. Returns the smaller problem and the vehicles it kept (their old
    indices, in order); None when nothing would be left out or INITIAL_ROUTES does not fit
    the problem.
    """
    m = len(problem.vehicles)
    if initial_routes is not None and len(initial_routes) != m:
        return None  # the search reports the bad warm start
    starts = [ours] if initial_routes is None else [ours, initial_routes]
    keep: list[int] = []
    for chain in problem.chains:
        last = max((i for i, v in enumerate(chain) for r in starts if r[v]), default=-1)
        keep += chain[: max(1, last + 1 + spare)]
    chained = {v for chain in problem.chains for v in chain}
    keep = sorted([*keep, *(v for v in range(m) if v not in chained)])
    if len(keep) == m:
        return None
    new = {v: i for i, v in enumerate(keep)}
    allowed = problem.allowed_vehicles
    if allowed is not None:
        allowed = tuple(
            None if a is None else tuple(new[v] for v in a if v in new) for a in allowed
        )
    sub = dataclasses.replace(
        problem,
        vehicles=tuple(problem.vehicles[v] for v in keep),
        allowed_vehicles=allowed,
        chains=tuple(tuple(new[v] for v in chain if v in new) for chain in problem.chains),
    )
    return sub, keep
