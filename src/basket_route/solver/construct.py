"""A chain-aware constructive first solution for the routing core.

OR-Tools' insertion heuristics check each trip-vehicle on its own: they cannot see that
the trips of one courier follow each other in time (the chain constraints are CP
constraints, checked only when a solution is committed). On a busy window they fill every
trip from the window's start, every commit fails and the search returns nothing. This
builder knows the chains: it gives each courier one trip at a time, the courier who is
free earliest first (or, with some patience, the biggest courier free soon), seeding a
trip with the most valuable visit (priority, then earliest due) and filling it with the
nearest visit that still fits load, deadlines and the way back. The result is always
feasible; OR-Tools' local search improves it.

References
----------
Solomon, M. M. (1987). Algorithms for the vehicle routing and scheduling problems with
time window constraints. *Operations Research* 35(2), 254–265 (time-oriented nearest
neighbour).
"""

from __future__ import annotations

import numpy as np

from basket_route.solver.routing_problem import RoutingProblem

__all__ = ["greedy_routes"]


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
    active = [True] * len(chains)
    routes: list[list[int]] = [[] for _ in range(m)]
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
            candidates = np.flatnonzero(fits)
            if candidates.size == 0:
                break
            if not route:  # seed: most valuable, then earliest due, then nearest
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
