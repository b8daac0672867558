"""The routing core: one adapter around the OR-Tools routing library.

Everything OR-Tools sees is built here (models in :mod:`~basket_route.solver.encoding`),
from integer arrays that have been validated first
(:class:`~basket_route.solver.routing_problem.RoutingProblem`):
no Python callbacks in the model (an exception inside one is swallowed and the solver
reports success; the one solution callback, recombination's route reader in
:mod:`~basket_route.solver.route_pool`, only reads values and catches everything), no
floats, no out-of-range indices (several abort the interpreter). See
``../shared/RELIABILITY.md`` for the measured failure modes this module guards against.

A *vehicle* here is one trip. Multi-trip couriers are **chains** of vehicles: trip k+1 of a
chain starts no earlier than trip k ends plus the chain's reload gap, so the local search
can move whole trips and single visits between couriers freely. A time-limited search of
a chained problem may end with courier groups (:mod:`~basket_route.solver.decompose`,
``SearchParams.courier_groups``); the search's parameters and result types are in :mod:`~basket_route.solver.search`.
"""

from __future__ import annotations

import dataclasses
import os
import time
from collections.abc import Sequence
from typing import Any

from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from basket_route.solver.construct import best_constructive, without_spare_trips
from basket_route.solver.decompose import SolveGroup, group_seconds, improve_by_groups
from basket_route.solver.encoding import (
    Encoded,
    Routes,
    encode,
    read_routes,
    solution_routes,
)
from basket_route.solver.ils import (
    ITERATED_LOCAL_SEARCH,
    set_iterated_local_search,
    switch_off_slow_operators,
)
from basket_route.solver.route_pool import RoutePool, recombination_seconds
from basket_route.solver.routing_problem import (
    RoutingProblem,
    RoutingVehicle,
    covers_mandatory,
    evaluate_routes,
)
from basket_route.solver.search import (
    FIRST_SOLUTION_STRATEGIES,
    METAHEURISTICS,
    RoutingResult,
    SearchParams,
    show_search_log,
)

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


_FALLBACK_FIRST_SOLUTIONS = ("LOCAL_CHEAPEST_INSERTION", "ALL_UNPERFORMED")
CONSTRUCTIVE_START = "constructive start"
"""``RoutingResult.first_solution`` of a chained problem started from our own routes."""
_MIN_SLICE_S = 0.1

FAULT_ENV = "BASKET_ROUTE_INJECT_SOLVER_FAULT"
"""Test hook: ``raise`` makes the OR-Tools search raise, ``no_solution`` makes it return
nothing; either way the constructive fallback must produce the plan."""


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
    ``solved == False`` has every route empty. With ``SearchParams.courier_groups``, a
    chained problem with a time limit of ``decompose.GROUPS_MIN_LIMIT_S`` or more ends
    with courier groups (``RoutingResult.groups`` says what they did).

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
    group_s = 0.0
    if params.courier_groups and params.solution_limit is None:
        group_s = group_seconds(problem, params.time_limit)
    whole = params
    if group_s and params.time_limit is not None:
        whole = dataclasses.replace(params, time_limit=params.time_limit - group_s)
    result = _solve_whole(problem, whole, initial_routes, started)
    if group_s and result.solved:
        routes, report = improve_by_groups(
            problem, result.routes, _group_solver(params), started + (params.time_limit or 0.0)
        )
        starts, objective = evaluate_routes(problem, routes)
        if objective < result.objective:
            result = dataclasses.replace(
                result, routes=tuple(routes), start_times=starts, objective=objective
            )
        result = dataclasses.replace(result, groups=report, wall_s=time.perf_counter() - started)
    return result


def _group_solver(params: SearchParams) -> SolveGroup:
    """Guided local search on one courier group, from its routes, for the seconds given."""
    group = dataclasses.replace(
        params,
        metaheuristic="GUIDED_LOCAL_SEARCH",
        failure_limit=None,
        log=False,
        recombine=False,  # the whole problem's search has recombined already
    )

    def solve(sub: RoutingProblem, routes: list[list[int]], seconds: float) -> Routes | None:
        # The group's own routes are its start and its fallback: no constructive rebuild.
        limits = dataclasses.replace(group, time_limit=seconds)
        found = _solve(sub, limits, routes, routes, time.perf_counter())
        return found.routes if found.solved else None

    return solve


def _solve_whole(
    problem: RoutingProblem,
    params: SearchParams,
    initial_routes: Sequence[Sequence[int]] | None,
    started: float,
) -> RoutingResult:
    """The search on the whole problem (without the trip-vehicles it cannot need)."""
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
    recombination = ""
    try:
        if fault == "raise":
            raise RuntimeError(f"solver fault injected by {FAULT_ENV}=raise")
        model, solution, status, used, start_routes, recombination = _search(
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
            kept,
            starts_,
            cost,
            status,
            f"{used} (kept)",
            time.perf_counter() - started,
            # Whatever recombination found was no cheaper than the start returned here.
            recombination=recombination and f"{recombination}; the start kept instead",
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
        recombination=recombination,
    )


def _search(
    problem: RoutingProblem,
    params: SearchParams,
    initial_routes: Sequence[Sequence[int]] | None,
    started: float,
    ours: list[list[int]] | None = None,
) -> tuple[Encoded, Any, str, str, Sequence[Sequence[int]] | None, str]:
    """Run OR-Tools: from INITIAL_ROUTES (or our constructive start), else the ladder;
    then recombine the routes it reached (the last item says what that did)."""
    if params.log:
        show_search_log()
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
    pool = None
    whole_limit = params  # recombination ends by this limit; the searches stop earlier
    multi_trip = any(len(chain) > 1 for chain in problem.chains)
    # Couriers with several trips: whole couriers' trips rarely recombine (ten compound
    # windows at 5 s: none shorter, two longer for the shorter search; docs/benchmarks.md),
    # so the search keeps all of its time.
    if params.recombines and params.time_limit is not None and not multi_trip:
        pool = RoutePool(problem, model)
        pool.attach()
        # The searches below stop early by the time the set-partitioning model needs.
        params = dataclasses.replace(
            params, time_limit=params.time_limit - recombination_seconds(params.time_limit)
        )
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
    recombination = ""
    if pool is not None and solution is not None:
        solution, recombination = _recombined(model, pool, solution, whole_limit, started)
    return model, solution, status, used, initial_routes, recombination


def _recombined(
    model: Encoded, pool: RoutePool, solution: Any, params: SearchParams, started: float
) -> tuple[Any, str]:
    """SOLUTION, or the cheaper plan POOL's routes combine into within PARAMS' time limit
    (counted from STARTED); and a note."""
    if pool.broken:
        return solution, f"pool stopped reading solutions: {pool.broken}"
    routing = model.routing
    # Read now: OR-Tools may reuse SOLUTION's object in the searches below.
    before = solution.ObjectiveValue()
    current = model.from_solver(solution_routes(model.manager, routing, solution))
    seen = f"{len(pool)} routes of {pool.solutions} solutions"
    left = (params.time_limit or 0.0) - (time.perf_counter() - started)
    found = pool.combine(current, max(_MIN_SLICE_S / 2, left))
    if found is None:
        return solution, f"nothing cheaper among {seen}"
    assignment = read_routes(model, found[0])
    if assignment is None:
        # Reading routes is a search too, and a search that ended at its time limit
        # leaves the model's limit spent (measured after ILS); any new solve renews it.
        descent = dataclasses.replace(params, metaheuristic="GREEDY_DESCENT")
        renew = _parameters(descent, params.first_solution, _MIN_SLICE_S / 2)
        routing.SolveFromAssignmentWithParameters(solution, renew)
        assignment = read_routes(model, found[0])
    if assignment is None or assignment.ObjectiveValue() >= before:
        # Not expected (every pooled route was part of a feasible solution); a guard.
        return solution, f"combination of {seen} rejected by the model"
    # The combination is rarely a local optimum: descend from it in the time left.
    polished = _descend(routing, params, assignment, started)
    if polished.ObjectiveValue() < assignment.ObjectiveValue():
        assignment = polished
    return assignment, f"{before} -> {assignment.ObjectiveValue()} from {seen}"


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
