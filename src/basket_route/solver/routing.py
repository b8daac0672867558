"""The routing core: one adapter around the OR-Tools routing library.

Everything OR-Tools sees is built here (models in :mod:`~basket_route.solver.encoding`),
from integer arrays that have been validated first
(:class:`~basket_route.solver.routing_problem.RoutingProblem`):
no Python callbacks (an exception inside one is swallowed and the solver reports success),
no floats, no out-of-range indices (several abort the interpreter). See
``../shared/RELIABILITY.md`` for the measured failure modes this module guards against.

A *vehicle* here is one trip. Multi-trip couriers are **chains** of vehicles: trip k+1 of a
chain starts no earlier than trip k ends plus the chain's reload gap, so the local search
can move whole trips and single visits between couriers freely.
"""

from __future__ import annotations

import dataclasses
import math
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from basket_route.solver.construct import best_constructive, without_spare_trips
from basket_route.solver.encoding import (
    MULTI_TRIP_ENCODINGS,
    Encoded,
    encode,
    read_routes,
    solution_routes,
)
from basket_route.solver.ils import (
    ITERATED_LOCAL_SEARCH,
    set_iterated_local_search,
    switch_off_slow_operators,
)
from basket_route.solver.routing_problem import (
    RoutingProblem,
    RoutingVehicle,
    covers_mandatory,
    evaluate_routes,
)
from basket_route.solver.routing_problem import check as _check

__all__ = [
    "FIRST_SOLUTION_STRATEGIES",
    "ITERATED_LOCAL_SEARCH",
    "METAHEURISTICS",
    "RoutingProblem",
    "RoutingResult",
    "RoutingVehicle",
    "SearchParams",
    "evaluate_routes",
    "solve_routing",
]


FIRST_SOLUTION_STRATEGIES: tuple[str, ...] = tuple(
    k
    for k in routing_enums_pb2.FirstSolutionStrategy.Value.keys()  # noqa: SIM118 - protobuf enum
    if k not in ("UNSET", "EVALUATOR_STRATEGY")
)
METAHEURISTICS: tuple[str, ...] = (
    ITERATED_LOCAL_SEARCH,
    *(
        k
        for k in routing_enums_pb2.LocalSearchMetaheuristic.Value.keys()  # noqa: SIM118 - protobuf enum
        if k != "UNSET"
    ),
)

_FALLBACK_FIRST_SOLUTIONS = ("LOCAL_CHEAPEST_INSERTION", "ALL_UNPERFORMED")
CONSTRUCTIVE_START = "constructive start"
"""``RoutingResult.first_solution`` of a chained problem started from our own routes."""
_MIN_SLICE_S = 0.1

FAULT_ENV = "BASKET_ROUTE_INJECT_SOLVER_FAULT"
"""Test hook: ``raise`` makes the OR-Tools search raise, ``no_solution`` makes it return
nothing; either way the constructive fallback must produce the plan."""


@dataclass(frozen=True, slots=True)
class SearchParams:
    """How long and how to search.

    Parameters
    ----------
    time_limit
        Seconds of search. None means no wall-time limit (then ``solution_limit`` is
        required). Default 1.0.
    solution_limit
        Stop after this many solutions: the reproducible mode. Default None.
    failure_limit
        Stop after this many failed moves, a second deterministic limit for searches that
        stall without new solutions (guided local search on a one-visit problem never
        reaches a solution limit). Default None.
    first_solution
        An OR-Tools first-solution strategy name. Default ``"PARALLEL_CHEAPEST_INSERTION"``.
    metaheuristic
        ``"ITERATED_LOCAL_SEARCH"`` (OR-Tools' ruin and recreate: SISR ruin, cheapest
        insertion, greedy descent, simulated-annealing acceptance; needs ``time_limit``,
        which it always runs to) or an OR-Tools local-search metaheuristic name such as
        ``"GUIDED_LOCAL_SEARCH"``. Default ``"ITERATED_LOCAL_SEARCH"``.
    log
        Print OR-Tools' search log. Default False.
    starts
        Further first-solution strategies tried for one solution each when there is no
        warm start and no chain, except under ILS (measured: the slices are better spent
        on ruin and recreate); the search improves the cheapest start. Default
        ``("PATH_CHEAPEST_ARC", "SAVINGS")``; ``()`` uses ``first_solution`` only.
    multi_trip
        How chained trips reach OR-Tools (see :mod:`basket_route.solver.encoding`):
        ``"chain"``, one vehicle per trip with time constraints between them, or
        ``"reload"``, one vehicle per courier with reload nodes between its trips where
        that applies (measured weaker: docs/benchmarks.md). Default ``"chain"``.
    spare_trips
        On chained problems, the trip-vehicles a courier keeps after the last one its
        start uses (at least one per courier); the others are left out of the OR-Tools
        model, which is then smaller and faster to search. None keeps them all. Default
        1 (six compound windows, half-size drops, 5 s: 53.26 km mean against 54.48 with
        every trip-vehicle kept; docs/benchmarks.md, "Spare trips").
    """

    time_limit: float | None = 1.0
    solution_limit: int | None = None
    failure_limit: int | None = None
    first_solution: str = "PARALLEL_CHEAPEST_INSERTION"
    metaheuristic: str = "ITERATED_LOCAL_SEARCH"
    log: bool = False
    starts: tuple[str, ...] = ("PATH_CHEAPEST_ARC", "SAVINGS")
    multi_trip: str = "chain"
    spare_trips: int | None = 1

    def __post_init__(self) -> None:
        if self.time_limit is not None:
            _check(
                math.isfinite(self.time_limit) and self.time_limit > 0,
                "time_limit must be > 0 seconds",
            )
        if self.solution_limit is not None:
            _check(self.solution_limit >= 1, "solution_limit must be >= 1")
        if self.failure_limit is not None:
            _check(self.failure_limit >= 1, "failure_limit must be >= 1")
        # GLS never stops by itself (OR-Tools #1253): some limit is mandatory.
        _check(
            self.time_limit is not None or self.solution_limit is not None,
            "set time_limit or solution_limit",
        )
        _check(
            self.first_solution in FIRST_SOLUTION_STRATEGIES,
            f"first_solution not in {list(FIRST_SOLUTION_STRATEGIES)}",
        )
        _check(self.metaheuristic in METAHEURISTICS, f"metaheuristic not in {list(METAHEURISTICS)}")
        # OR-Tools' ILS loop ends only at its time limit when no perturbation succeeds.
        _check(
            self.metaheuristic != ITERATED_LOCAL_SEARCH or self.time_limit is not None,
            "ITERATED_LOCAL_SEARCH needs a time_limit",
        )
        bad = [x for x in self.starts if x not in FIRST_SOLUTION_STRATEGIES]
        _check(not bad, f"starts {bad} not in {list(FIRST_SOLUTION_STRATEGIES)}")
        _check(self.spare_trips is None or self.spare_trips >= 0, "spare_trips must be >= 0")
        _check(
            self.multi_trip in MULTI_TRIP_ENCODINGS,
            f"multi_trip not in {list(MULTI_TRIP_ENCODINGS)}",
        )


@dataclass(frozen=True, slots=True)
class RoutingResult:
    """What the search returned.

    ``routes[v]`` lists the visit nodes of vehicle v in order (empty when unused);
    ``start_times[v]`` is the start time the solver chose; ``status`` is the OR-Tools
    status name; ``first_solution`` names what produced the start (an OR-Tools strategy;
    ``initial_routes``, the caller's; ``constructive start``, ours, on chained problems;
    any of these followed by `` (kept)`` when OR-Tools ended on something worse; or
    ``constructive`` when OR-Tools failed and the constructive builder's routes are
    returned as they are).
    """

    routes: tuple[tuple[int, ...], ...]
    start_times: tuple[int, ...]
    objective: int
    status: str
    first_solution: str
    wall_s: float

    @property
    def solved(self) -> bool:
        """True when some solution came back (from OR-Tools or the constructive fallback).

        False only when both failed; every route is then empty."""
        return self.first_solution != ""


def _status_name(routing: pywrapcp.RoutingModel, solution: Any = None) -> str:
    name = str(routing_enums_pb2.RoutingSearchStatus.Value.Name(routing.status()))
    if solution is not None and name == "ROUTING_NOT_SOLVED":
        # SolveWithIteratedLocalSearch returns its best without setting the model status.
        return "ROUTING_SUCCESS"
    return name


def _parameters(params: SearchParams, first_solution: str, time_limit: float | None) -> Any:
    search = pywrapcp.DefaultRoutingSearchParameters()
    search.first_solution_strategy = getattr(
        routing_enums_pb2.FirstSolutionStrategy, first_solution
    )
    if params.metaheuristic == ITERATED_LOCAL_SEARCH:
        set_iterated_local_search(search)
    else:
        search.local_search_metaheuristic = getattr(
            routing_enums_pb2.LocalSearchMetaheuristic, params.metaheuristic
        )
    if time_limit is not None:
        search.time_limit.FromMilliseconds(max(1, int(time_limit * 1000)))
    if params.solution_limit is not None:
        search.solution_limit = params.solution_limit
    search.log_search = params.log
    return search


def solve_routing(
    problem: RoutingProblem,
    params: SearchParams | None = None,
    initial_routes: Sequence[Sequence[int]] | None = None,
) -> RoutingResult:
    """Solve PROBLEM with OR-Tools; never raises for a search that finds nothing.

    The first-solution strategy of PARAMS is tried first; when it yields no solution the
    fallback ladder (local cheapest insertion, then all-unperformed, which is always
    feasible when every visit is optional) gets the remaining time. A result with
    ``solved == False`` has every route empty.

    Parameters
    ----------
    problem
        The validated problem.
    params
        Search limits and strategies. Default None: ``SearchParams()``.
    initial_routes
        Optional warm start: visit nodes per vehicle. Ignored when OR-Tools rejects it,
        and on chained problems when our constructive start costs less (penalties of
        the visits it leaves out included).

    Returns
    -------
    RoutingResult
    """
    params = params or SearchParams()
    started = time.perf_counter()
    if problem.chains and params.spare_trips is not None:
        try:
            ours = best_constructive(problem)
            pruned = without_spare_trips(problem, ours, initial_routes, params.spare_trips)
        except Exception:  # the full problem's search reports (and survives) the fault
            pruned = None
        if pruned is not None:
            sub, keep = pruned
            ours = [ours[v] for v in keep]
            sub_initial = None if initial_routes is None else [initial_routes[v] for v in keep]
            result = _solve(sub, params, sub_initial, ours, started)
            return _widened(problem, keep, result, started)
    return _solve(problem, params, initial_routes, None, started)


def _widened(
    problem: RoutingProblem, keep: Sequence[int], result: RoutingResult, started: float
) -> RoutingResult:
    """RESULT of the problem restricted to the vehicles KEEP, for every vehicle of PROBLEM."""
    routes: list[tuple[int, ...]] = [() for _ in problem.vehicles]
    starts = [v.earliest_start for v in problem.vehicles]
    for i, v in enumerate(keep):
        routes[v], starts[v] = result.routes[i], result.start_times[i]
    return dataclasses.replace(
        result,
        routes=tuple(routes),
        start_times=tuple(starts),
        wall_s=time.perf_counter() - started,
    )


def _solve(
    problem: RoutingProblem,
    params: SearchParams,
    initial_routes: Sequence[Sequence[int]] | None,
    ours: list[list[int]] | None,
    started: float,
) -> RoutingResult:
    """:func:`solve_routing` on PROBLEM as it is; OURS: our constructive start, if known;
    STARTED: when the call began (the time limit counts from it)."""
    fault = os.environ.get(FAULT_ENV, "")
    start_routes: Sequence[Sequence[int]] | None = None
    try:
        if fault == "raise":
            raise RuntimeError(f"solver fault injected by {FAULT_ENV}=raise")
        model, solution, status, used, start_routes = _search(
            problem, params, initial_routes, started, ours
        )
        if fault == "no_solution":
            solution, status = None, "ROUTING_FAIL (injected)"
    except Exception as exc:
        solution, status = None, f"ERROR {type(exc).__name__}: {exc}"
    m = len(problem.vehicles)
    if solution is None:
        # Last rung of the ladder: our own constructive solution, feasible by construction.
        try:
            routes_ = [tuple(r) for r in (ours or best_constructive(problem))]
        except Exception as exc:
            routes_, status = (
                [() for _ in range(m)],
                f"{status}; constructive fallback failed: {exc}",
            )
        if not covers_mandatory(problem, routes_):
            # A partial answer to a problem with mandatory visits is no solution.
            routes_ = [() for _ in range(m)]
        used = "constructive" if any(routes_) else ""
        starts_, objective = evaluate_routes(problem, routes_)
        return RoutingResult(
            tuple(routes_), starts_, objective, status, used, time.perf_counter() - started
        )
    if (
        start_routes is not None
        and covers_mandatory(problem, start_routes)
        and solution.ObjectiveValue() > evaluate_routes(problem, start_routes)[1]
    ):
        # OR-Tools stopped (e.g. at its limit) on something worse than the start it was
        # given — even every visit unperformed: keep the start.
        kept = tuple(tuple(r) for r in start_routes)
        starts_, cost = evaluate_routes(problem, kept)
        return RoutingResult(
            kept, starts_, cost, status, f"{used} (kept)", time.perf_counter() - started
        )
    routes = model.from_solver(solution_routes(model.manager, model.routing, solution))
    if model.reload:
        starts = list(evaluate_routes(problem, routes)[0])
    else:
        starts = [
            solution.Value(model.time_dim.CumulVar(model.routing.Start(v))) - model.offset
            for v in range(m)
        ]
    return RoutingResult(
        tuple(routes),
        tuple(starts),
        solution.ObjectiveValue(),
        status,
        used,
        time.perf_counter() - started,
    )


def _search(
    problem: RoutingProblem,
    params: SearchParams,
    initial_routes: Sequence[Sequence[int]] | None,
    started: float,
    ours: list[list[int]] | None = None,
) -> tuple[Encoded, Any, str, str, Sequence[Sequence[int]] | None]:
    """Run OR-Tools: from INITIAL_ROUTES (or our constructive start), else the ladder."""
    model = encode(problem, params.multi_trip)
    manager, routing = model.manager, model.routing
    # The local-search operators are fixed when the model is closed, and reading a start
    # (read_routes) closes it with OR-Tools' defaults: close it with ours first. Without this the
    # chained problems searched with the insertion-LNS operators that ILS switches off,
    # and spent 6 s of a 10 s limit scanning one local optimum (docs/benchmarks.md).
    closing = _parameters(params, params.first_solution, None)
    if problem.chains:
        switch_off_slow_operators(closing)
    routing.CloseModelWithParameters(closing)
    if params.failure_limit is not None:
        never = 1 << 62  # the time, branch and solution limits are set elsewhere
        routing.AddSearchMonitor(routing.solver().Limit(never, never, params.failure_limit, never))
    solution = None
    used = ""
    status = "ROUTING_NOT_SOLVED"
    ils = params.metaheuristic == ITERATED_LOCAL_SEARCH
    if ils and params.time_limit is not None:
        # OR-Tools' ILS does not bound its initial solve (first solution plus a descent
        # to a local optimum) by the time limit: 60 s for an 8 s limit on a compound
        # window. A solver time limit, reset at every search, bounds each of them.
        left_ms = max(1, int((params.time_limit - (time.perf_counter() - started)) * 1000))
        routing.AddSearchMonitor(routing.solver().TimeLimit(left_ms))
    label = "initial_routes"
    if problem.chains:
        # Insertion heuristics cannot see chains (see construct.py): start from our own,
        # or from the caller's routes (a warm start) when they are no more costly.
        ours = ours if ours is not None else best_constructive(problem)
        if initial_routes is None or (
            evaluate_routes(problem, ours)[1] < evaluate_routes(problem, initial_routes)[1]
        ):
            initial_routes, label = ours, CONSTRUCTIVE_START
    elif initial_routes is None and params.starts and not ils:
        # ILS recovers from a weak start by itself; the slices are better spent searching.
        initial_routes = _best_start(manager, routing, params, started)
    if initial_routes is not None:
        remaining = None
        if params.time_limit is not None:
            remaining = max(_MIN_SLICE_S, params.time_limit - (time.perf_counter() - started))
        start = read_routes(model, initial_routes)
        if start is None and ours is not None and label != CONSTRUCTIVE_START:
            # The model rejects the caller's routes (a trip too long for its slot, a
            # visit on a courier who may not carry it): start from our own instead.
            initial_routes, label = ours, f"{CONSTRUCTIVE_START} (initial_routes rejected)"
            start = read_routes(model, initial_routes)
        if start is not None and ils:
            # ILS cannot start from an assignment; local cheapest insertion follows a hint.
            routing.SetFirstSolutionHint(start)
            search = _parameters(params, "LOCAL_CHEAPEST_INSERTION", remaining)
            solution = routing.SolveWithIteratedLocalSearch(search)
            if solution is None and params.time_limit is not None:
                # Insertion could not rebuild the hinted start in time (its filters do not
                # see chains; 2 s for 317 chained drops): improve the start itself instead.
                left = max(_MIN_SLICE_S, params.time_limit - (time.perf_counter() - started))
                gls = dataclasses.replace(params, metaheuristic="GUIDED_LOCAL_SEARCH")
                search = _parameters(gls, params.first_solution, left)
                solution = routing.SolveFromAssignmentWithParameters(start, search)
            status = _status_name(routing, solution)
            used = label if solution is not None else ""
        elif start is not None:
            if params.solution_limit is not None and problem.chains:
                start = _descend(routing, params, start, started)
            search = _parameters(params, params.first_solution, remaining)
            solution = routing.SolveFromAssignmentWithParameters(start, search)
            status = _status_name(routing)
            used = label if solution is not None else ""
    ladder = [
        params.first_solution,
        *(s for s in _FALLBACK_FIRST_SOLUTIONS if s != params.first_solution),
    ]
    for attempt, strategy in enumerate(ladder):
        if solution is not None:
            break
        remaining = None
        if params.time_limit is not None:
            # The chosen strategy always gets a minimal slice; fallbacks share what is left.
            remaining = params.time_limit - (time.perf_counter() - started)
            remaining = max(remaining, _MIN_SLICE_S if attempt == 0 else _MIN_SLICE_S / 2)
        search = _parameters(params, strategy, remaining)
        if ils:
            solution = routing.SolveWithIteratedLocalSearch(search)
        else:
            solution = routing.SolveWithParameters(search)
        status = _status_name(routing, solution)
        if solution is not None:
            used = strategy
    return model, solution, status, used, initial_routes


def _descend(
    routing: pywrapcp.RoutingModel, params: SearchParams, start: Any, started: float
) -> Any:
    """START improved by greedy descent to its local optimum (or the time limit).

    A search that stops on a solution count spends it on single improving moves when its
    start is far from a local optimum: guided local search on 248 chained drops stopped
    at 92 solutions with 133 km where a time-limited search planned 73 km. Descent ends
    by itself, so the result still depends on the input only.
    """
    left = None
    if params.time_limit is not None:
        left = max(_MIN_SLICE_S, params.time_limit - (time.perf_counter() - started))
    descent = dataclasses.replace(params, metaheuristic="GREEDY_DESCENT", solution_limit=None)
    if left is None:
        descent = dataclasses.replace(descent, time_limit=None, solution_limit=1 << 30)
    search = _parameters(descent, params.first_solution, left)
    improved = routing.SolveFromAssignmentWithParameters(start, search)
    return start if improved is None else improved


def _best_start(
    manager: pywrapcp.RoutingIndexManager,
    routing: pywrapcp.RoutingModel,
    params: SearchParams,
    started: float,
) -> list[list[int]] | None:
    """The cheapest first solution among several OR-Tools strategies (multi-start).

    No single construction wins everywhere: insertion copes with tight time windows where
    path-cheapest-arc finds nothing, while on capacity-bound instances path-cheapest-arc
    and savings start far closer to the optimum. Each strategy stops at its first solution
    and gets a small slice of the time limit.
    """
    best: tuple[int, list[list[int]]] | None = None
    for strategy in (params.first_solution, *params.starts):
        if strategy == params.first_solution and best is not None:
            continue
        slice_s = None
        if params.time_limit is not None:
            left = params.time_limit - (time.perf_counter() - started)
            slice_s = max(_MIN_SLICE_S / 2, min(left / 4, 0.1 * params.time_limit))
        search = _parameters(params, strategy, slice_s)
        search.solution_limit = 1
        solution = routing.SolveWithParameters(search)
        if solution is None:
            continue
        routes = [list(r) for r in solution_routes(manager, routing, solution)]  # no chains here
        if best is None or solution.ObjectiveValue() < best[0]:
            best = (solution.ObjectiveValue(), routes)
    return None if best is None else best[1]
