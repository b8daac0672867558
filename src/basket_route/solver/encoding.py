"""How a :class:`~basket_route.solver.routing_problem.RoutingProblem` becomes an OR-Tools model.

Two encodings of multi-trip couriers, same objective, same plans:

``"chain"``
    One OR-Tools vehicle per trip; trip k+1 of a courier starts no earlier than trip k
    ends plus the reload gap, as CP constraints between the trips' start and end times.
    OR-Tools' local-search filters do not see those constraints (they are checked only
    when a move is committed), so insertion and ruin-and-recreate work blind to them.
``"reload"``
    One OR-Tools vehicle per courier, with K - 1 *reload nodes* (copies of its depot) for
    a courier of K trips: the route ``depot, a, b, R1, c, R2, R3, depot`` is the trips
    ``(a, b)``, ``(c,)`` and two unused ones. Arriving at a reload node ends a trip and
    leaving it costs the reload gap; a negative demand with a free slack lets the load
    drop back to zero there (OR-Tools' ``cvrp_reload`` example). Every constraint is then
    a dimension the filters check, and a move of a reload node splits or merges trips.
    Unused reload nodes wait at the end of the route, where they cost nothing.

Measured on the compound AM window (docs/benchmarks.md, "Reload nodes"), the reload
encoding plans longer routes than the chains at 10 s, whatever the search: OR-Tools'
iterated local search barely moves from its start (our reading, not verified: ruining a
reload node merges two trips into one over capacity, so most perturbations fail), and
guided local search ends no better than on chains.
OR-Tools' issues report the same weakness of slack-based reloads (#1127, #4515). It is
kept as an option for comparison; ``"chain"`` is the default.

Either way the decoded routes are per trip-vehicle, in the problem's vehicle order.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from ortools.constraint_solver import pywrapcp

from basket_route.solver.routing_problem import RoutingProblem

__all__ = [
    "MULTI_TRIP_ENCODINGS",
    "Encoded",
    "encode",
    "read_routes",
    "reload_applies",
    "solution_routes",
]

MULTI_TRIP_ENCODINGS = ("reload", "chain")

Routes = Sequence[Sequence[int]]


@dataclass(frozen=True, slots=True)
class Encoded:
    """An OR-Tools model of a problem and the maps between its routes and trip routes.

    ``to_solver(trip_routes)`` gives the node lists per OR-Tools vehicle for a warm start;
    ``from_solver(solver_routes)`` gives the visit nodes per trip-vehicle. Node numbers of
    the problem are kept; reload nodes are numbered after them. ``offset`` is the shift
    of the time axis (see :func:`_encode_chains`); ``reload`` says which encoding it is.
    """

    manager: pywrapcp.RoutingIndexManager
    routing: pywrapcp.RoutingModel
    time_dim: Any
    offset: int
    reload: bool
    to_solver: Callable[[Routes], list[list[int]]]
    from_solver: Callable[[Routes], list[tuple[int, ...]]]


def encode(problem: RoutingProblem, multi_trip: str = "chain") -> Encoded:
    """The OR-Tools model of PROBLEM in the MULTI_TRIP encoding, where it applies.

    ``"reload"`` falls back to ``"chain"`` when :func:`reload_applies` is False.
    """
    if multi_trip not in MULTI_TRIP_ENCODINGS:
        raise ValueError(f"multi_trip must be one of {MULTI_TRIP_ENCODINGS}, got {multi_trip!r}")
    if multi_trip == "reload" and reload_applies(problem):
        return _encode_reloads(problem)
    return _encode_chains(problem)


def reload_applies(problem: RoutingProblem) -> bool:
    """True when PROBLEM has chains the reload encoding can express exactly.

    It needs the trips of a chain to share depot (start and end alike), capacities, travel
    mode and time bounds, and each visit to be allowed on whole chains (a visit allowed on trip 2 of a courier
    but not on trip 1 has no reload form).
    """
    if not any(len(c) > 1 for c in problem.chains):
        return False
    for chain in problem.chains:
        first = problem.vehicles[chain[0]]
        if first.end != first.start or any(problem.vehicles[v] != first for v in chain):
            return False
    if problem.allowed_vehicles is not None:
        chain_of = {v: c for c in problem.chains for v in c}
        for allowed in problem.allowed_vehicles:
            if allowed is None:
                continue
            ok = set(allowed)
            if any(not ok.issuperset(chain_of.get(v, (v,))) for v in allowed):
                return False
    return True


def _model(
    distance: np.ndarray,
    durations: Sequence[np.ndarray],
    vehicle_classes: Sequence[int],
    starts: Sequence[int],
    ends: Sequence[int],
    horizon: int,
) -> tuple[pywrapcp.RoutingIndexManager, pywrapcp.RoutingModel, Any]:
    """Manager, model, arc costs and the time dimension, shared by both encodings."""
    manager = pywrapcp.RoutingIndexManager(distance.shape[0], len(starts), starts, ends)
    routing = pywrapcp.RoutingModel(manager)
    arc = routing.RegisterTransitMatrix(distance.tolist())
    routing.SetArcCostEvaluatorOfAllVehicles(arc)
    duration_cbs = [routing.RegisterTransitMatrix(d.tolist()) for d in durations]
    # Per-vehicle transits with a single scalar capacity: the combination that works on
    # 9.15 (per-vehicle transits *and* capacities trips OR-Tools #5283).
    routing.AddDimensionWithVehicleTransits(
        [duration_cbs[c] for c in vehicle_classes], horizon, horizon, False, "time"
    )
    return manager, routing, routing.GetDimensionOrDie("time")


def _visit_windows(
    problem: RoutingProblem,
    manager: pywrapcp.RoutingIndexManager,
    routing: pywrapcp.RoutingModel,
    time_dim: Any,
    offset: int,
    latest: int,
    vehicle_map: Callable[[Sequence[int]], list[int]],
) -> None:
    """Penalties, time windows and allowed vehicles of the problem's visits."""
    for node in problem.visits:
        index = manager.NodeToIndex(node)
        lo, hi = (int(x) for x in problem.time_windows[node])
        penalty = -1 if problem.penalties is None else int(problem.penalties[node])
        optional = penalty >= 0
        if optional:
            routing.AddDisjunction([index], penalty)
        if lo > latest:
            # Opens after every trip has ended: SetRange would fail the whole model.
            if optional:
                routing.VehicleVar(index).SetValues([-1])
            continue
        time_dim.CumulVar(index).SetRange(lo + offset, min(hi, latest) + offset)
        if problem.allowed_vehicles is not None and problem.allowed_vehicles[node] is not None:
            allowed = vehicle_map(problem.allowed_vehicles[node] or ())
            # SetAllowedVehiclesForIndex rejects Python lists on 9.15; VehicleVar works.
            routing.VehicleVar(index).SetValues([-1, *allowed])


def _encode_chains(problem: RoutingProblem) -> Encoded:
    vehicles = problem.vehicles
    # Chains need "reload gap before every *used* trip". With the time axis shifted by the
    # largest gap, a chain's first trip may start up to its gap early while unused, so the
    # trip after it starts on time; once used it must start in its real window (below).
    offset = max(problem.gaps, default=0)
    horizon = int(max(v.latest_end for v in vehicles)) + offset
    manager, routing, time_dim = _model(
        problem.distance,
        problem.durations,
        [v.duration_class for v in vehicles],
        [v.start for v in vehicles],
        [v.end for v in vehicles],
        horizon,
    )
    for k in range(problem.demands.shape[1]):
        cb = routing.RegisterUnaryTransitVector([int(x) for x in problem.demands[:, k]])
        ok = routing.AddDimensionWithVehicleCapacity(
            cb, 0, [v.capacities[k] for v in vehicles], True, f"load{k}"
        )
        if not ok:
            raise ValueError(f"could not add capacity dimension {k}")
    solver = routing.solver()
    first_gap = {chain[0]: gap for chain, gap in zip(problem.chains, problem.gaps, strict=True)}
    for v, veh in enumerate(vehicles):
        lo, hi = veh.earliest_start + offset, veh.latest_end + offset
        early = lo - first_gap.get(v, 0)
        time_dim.CumulVar(routing.Start(v)).SetRange(early, hi)
        time_dim.CumulVar(routing.End(v)).SetRange(early, hi)
        if early < lo:
            solver.Add(time_dim.CumulVar(routing.Start(v)) >= routing.ActiveVehicleVar(v) * lo)
    _visit_windows(
        problem, manager, routing, time_dim, offset, horizon - offset, lambda a: sorted(a)
    )
    for chain, gap in zip(problem.chains, problem.gaps, strict=True):
        for a, b in itertools.pairwise(chain):
            solver.Add(
                time_dim.CumulVar(routing.Start(b))
                >= time_dim.CumulVar(routing.End(a)) + routing.ActiveVehicleVar(b) * gap
            )
    # No finalizer on start times: with hundreds of chained trips it runs after the time
    # limit for seconds; callers re-time trips at their earliest anyway.

    def as_tuples(routes: Routes) -> list[tuple[int, ...]]:
        return [tuple(r) for r in routes]

    return Encoded(
        manager, routing, time_dim, offset, False, lambda r: [list(x) for x in r], as_tuples
    )


def _encode_reloads(problem: RoutingProblem) -> Encoded:
    vehicles = problem.vehicles
    n = problem.distance.shape[0]
    in_chain = {v for c in problem.chains for v in c}
    groups: list[tuple[int, ...]] = [tuple(c) for c in problem.chains]
    gaps: list[int] = list(problem.gaps)
    groups += [(v,) for v in range(len(vehicles)) if v not in in_chain]
    gaps += [0] * (len(groups) - len(gaps))
    group_of = {v: g for g, trips in enumerate(groups) for v in trips}
    # Reload nodes: K - 1 copies of the depot per group of K trips.
    reload_of: list[list[int]] = []
    place = list(range(n))  # the problem node each node stands for
    for trips in groups:
        reload_of.append(list(range(len(place), len(place) + len(trips) - 1)))
        place += [vehicles[trips[0]].start] * (len(trips) - 1)
    total = len(place)
    reload_group = np.full(total, -1)
    for g, nodes in enumerate(reload_of):
        reload_group[nodes] = g
    is_reload = reload_group >= 0
    at = np.asarray(place)
    distance = problem.distance[np.ix_(at, at)].copy()
    durations = []
    terminal = np.zeros(total, dtype=bool)
    terminal[list(problem.terminals)] = True
    gap_out = np.zeros(total, dtype=np.int64)
    for g, nodes in enumerate(reload_of):
        gap_out[nodes] = gaps[g]
    for d in problem.durations:
        dur = d[np.ix_(at, at)].copy()
        # Leaving a reload node for a visit costs the gap; towards a depot or another
        # reload node it costs nothing, so unused reload nodes at a route's end are free.
        dur += np.where(~terminal[None, :] & ~is_reload[None, :], gap_out[:, None], 0)
        dur[np.ix_(is_reload, is_reload | terminal)] = 0
        durations.append(dur)
    first = [vehicles[trips[0]] for trips in groups]
    horizon = int(max(v.latest_end for v in vehicles))
    manager, routing, time_dim = _model(
        distance,
        durations,
        [v.duration_class for v in first],
        [v.start for v in first],
        [v.end for v in first],
        horizon,
    )
    for g, veh in enumerate(first):
        time_dim.CumulVar(routing.Start(g)).SetRange(veh.earliest_start, veh.latest_end)
        time_dim.CumulVar(routing.End(g)).SetRange(veh.earliest_start, veh.latest_end)
    for k in range(problem.demands.shape[1]):
        demand = np.zeros(total, dtype=np.int64)
        demand[:n] = problem.demands[:, k]
        need = int(problem.demands[:, k].sum())
        for g, nodes in enumerate(reload_of):
            cap = first[g].capacities[k]
            # A reload empties the load: cumul after it = cumul - cap + slack >= 0.
            demand[nodes] = -cap if cap < need else 0
        slack = int(-demand.min())
        cb = routing.RegisterUnaryTransitVector(demand.tolist())
        ok = routing.AddDimensionWithVehicleCapacity(
            cb, slack, [v.capacities[k] for v in first], True, f"load{k}"
        )
        if not ok:
            raise ValueError(f"could not add capacity dimension {k}")
        if slack:
            dim = routing.GetDimensionOrDie(f"load{k}")
            for node in range(total):
                if not is_reload[node] and not terminal[node]:
                    dim.SlackVar(manager.NodeToIndex(node)).SetValue(0)
    for g, nodes in enumerate(reload_of):
        for node in nodes:
            index = manager.NodeToIndex(node)
            routing.VehicleVar(index).SetValue(g)  # mandatory, on its own courier only
            time_dim.CumulVar(index).SetRange(first[g].earliest_start, first[g].latest_end)

    def to_groups(allowed: Sequence[int]) -> list[int]:
        return sorted({group_of[v] for v in allowed})

    _visit_windows(problem, manager, routing, time_dim, 0, horizon, to_groups)

    def to_solver(trip_routes: Routes) -> list[list[int]]:
        out = []
        for g, trips in enumerate(groups):
            used = [list(trip_routes[v]) for v in trips if trip_routes[v]]
            spare = iter(reload_of[g])
            route: list[int] = []
            for i, segment in enumerate(used):
                if i:
                    route.append(next(spare))
                route += segment
            out.append(route + list(spare))
        return out

    def from_solver(solver_routes: Routes) -> list[tuple[int, ...]]:
        out: list[tuple[int, ...]] = [() for _ in vehicles]
        for g, route in enumerate(solver_routes):
            segments: list[list[int]] = [[]]
            for node in route:
                if is_reload[node]:
                    segments.append([])
                else:
                    segments[-1].append(node)
            used = [s for s in segments if s]
            for v, segment in zip(groups[g], used, strict=False):
                out[v] = tuple(segment)
        return out

    return Encoded(manager, routing, time_dim, 0, True, to_solver, from_solver)


def read_routes(model: Encoded, routes: Sequence[Sequence[int]]) -> Any:
    """ROUTES as an assignment of MODEL, or None when the model rejects them."""
    manager = model.manager
    as_indices = [[manager.NodeToIndex(x) for x in r] for r in model.to_solver(routes)]
    return model.routing.ReadAssignmentFromRoutes(as_indices, True)


def solution_routes(
    manager: pywrapcp.RoutingIndexManager, routing: pywrapcp.RoutingModel, solution: Any
) -> list[tuple[int, ...]]:
    """The visit nodes of every vehicle in SOLUTION, in order."""
    routes = []
    for v in range(routing.vehicles()):
        index = solution.Value(routing.NextVar(routing.Start(v)))
        nodes = []
        while not routing.IsEnd(index):
            nodes.append(manager.IndexToNode(index))
            index = solution.Value(routing.NextVar(index))
        routes.append(tuple(nodes))
    return routes
