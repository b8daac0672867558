"""Tests of basket_route.solver.route_pool: the route pool and its set-partitioning step."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import numpy as np
import pytest
from hypothesis import event, given, settings

import basket_route.solver.search as search_module
from basket_route.solver.encoding import encode, read_routes, solution_routes
from basket_route.solver.route_pool import RoutePool, recombination_seconds
from basket_route.solver.routing import (
    RoutingProblem,
    RoutingVehicle,
    SearchParams,
    _parameters,
    _recombined,
    evaluate_routes,
    solve_routing,
)
from basket_route.solver.routing_problem import covers_mandatory
from basket_route.solver.search import RECOMBINE_MIN_LIMIT_S
from tests.solver.test_construct import problems

I64 = np.int64


def _line(
    vehicles: Sequence[RoutingVehicle],
    *,
    penalties: Sequence[int] | None = None,
    chains: tuple[tuple[int, ...], ...] = (),
    cross: int = 10,
) -> RoutingProblem:
    """Depot 0 and visits 1-4; going "forward" (1→2, 3→4) costs 1, backward 5, between
    {1, 2} and {3, 4} CROSS, to and from the depot 10.

    Asymmetric on purpose: route {1, 2} costs 10+1+10 = 21 as (1, 2) and 25 as (2, 1).
    """
    n = 5
    d = np.full((n, n), 10, dtype=I64)
    d[np.ix_([1, 2], [3, 4])] = cross
    d[np.ix_([3, 4], [1, 2])] = cross
    np.fill_diagonal(d, 0)
    d[1, 2] = d[3, 4] = 1
    d[2, 1] = d[4, 3] = 5
    return RoutingProblem(
        distance=d,
        durations=(d.copy(),),
        demands=np.array([[0], [1], [1], [1], [1]], dtype=I64),
        time_windows=np.tile(np.array([0, 10_000], dtype=I64), (n, 1)),
        vehicles=tuple(vehicles),
        penalties=None if penalties is None else np.array(penalties, dtype=I64),
        chains=chains,
        gaps=tuple(0 for _ in chains),
    )


def _pool(problem: RoutingProblem) -> RoutePool:
    return RoutePool(problem, encode(problem))


def test_combines_the_best_route_of_each_solution() -> None:
    """Two plans, each with one good and one bad route, combine into the good pair."""
    problem = _line([RoutingVehicle(0, 0, (2,)), RoutingVehicle(0, 0, (2,))])
    pool = _pool(problem)
    pool.add([[1, 2], [4, 3]])  # 21 + 25
    incumbent = [[2, 1], [3, 4]]  # 25 + 21
    found = pool.combine(incumbent, 5.0)
    assert found is not None
    routes, cost = found
    assert cost == 42 == evaluate_routes(problem, routes)[1]
    assert sorted(map(tuple, routes)) == [(1, 2), (3, 4)]
    assert len(pool) == 2  # one column per visit set: the cheaper order is kept


def test_nothing_cheaper_gives_none() -> None:
    """When the incumbent is already the best combination, combine says so (None)."""
    problem = _line([RoutingVehicle(0, 0, (2,)), RoutingVehicle(0, 0, (2,))])
    pool = _pool(problem)
    pool.add([[2, 1], [4, 3]])
    assert pool.combine([[1, 2], [3, 4]], 5.0) is None


@pytest.mark.parametrize(("vehicles", "expected"), [(1, None), (2, 42)])
def test_a_class_holds_no_more_routes_than_it_has_vehicles(
    vehicles: int, expected: int | None
) -> None:
    """Routes {1, 2} and {3, 4} (21 each) beat (1, 2, 3, 4) (10+1+50+1+10 = 72), but one
    vehicle cannot drive both."""
    problem = _line([RoutingVehicle(0, 0, (4,))] * vehicles, cross=50)
    pool = _pool(problem)
    # Routes seen on the first vehicle (as if from two solutions): only columns matter.
    pool.add([[1, 2]] + [[]] * (vehicles - 1))
    pool.add([[3, 4]] + [[]] * (vehicles - 1))
    found = pool.combine([[1, 2, 3, 4]] + [[]] * (vehicles - 1), 5.0)
    assert (found and found[1]) == expected


def test_routes_stay_on_vehicles_that_can_drive_them() -> None:
    """A route seen on the small vehicle is not offered to the big one, and vice versa."""
    small, big = RoutingVehicle(0, 0, (2,)), RoutingVehicle(0, 0, (4,))
    problem = _line([small, big])
    pool = _pool(problem)
    pool.add([[], [1, 2, 3, 4]])  # 32, on the big vehicle only
    found = pool.combine([[1, 2], [4, 3]], 5.0)  # 21 + 25 = 46
    assert found is not None
    routes, cost = found
    assert (routes, cost) == ([[], [1, 2, 3, 4]], 32)


def test_optional_visits_may_be_left_out_at_their_penalty() -> None:
    """Visit 4 adds 1 to route (3, 4); with a penalty of 0 the combination leaves it out."""
    problem = _line(
        [RoutingVehicle(0, 0, (2,)), RoutingVehicle(0, 0, (2,))], penalties=[-1, -1, -1, -1, 0]
    )
    pool = _pool(problem)
    pool.add([[1, 2], [3]])  # 21 + 20 + penalty 0
    found = pool.combine([[1, 2], [3, 4]], 5.0)  # 21 + 21
    assert found is not None
    routes, cost = found
    assert cost == 41 == evaluate_routes(problem, routes)[1]
    assert covers_mandatory(problem, routes) and 4 not in {x for r in routes for x in r}


def test_a_chain_is_one_column() -> None:
    """A courier's trips move together: the column keeps them on the chain's vehicles."""
    trip = RoutingVehicle(0, 0, (2,))
    problem = _line([trip, trip, trip], chains=((0, 1), (2,)))
    pool = _pool(problem)
    pool.add([[1, 2], [3, 4], []])  # 21 + 21 on the chain
    found = pool.combine([[2, 1], [], [4, 3]], 5.0)  # 25 + 25
    assert found is not None
    assert found == ([[1, 2], [3, 4], []], 42)


@settings(max_examples=40, deadline=None)
@given(problems())
def test_combination_is_a_feasible_cheaper_plan_property(problem: RoutingProblem) -> None:
    """On random small problems, pooled from a short guided local search and combined
    against its first solution: whatever comes back is accepted by a fresh OR-Tools model,
    visits nothing twice, covers every mandatory visit, costs what it says, and costs no
    more than the best solution the search reached (all of its routes are in the pool)."""
    model = encode(problem)
    params = SearchParams(time_limit=0.5, metaheuristic="GUIDED_LOCAL_SEARCH")
    routing = model.routing
    routing.CloseModelWithParameters(_parameters(params, "PARALLEL_CHEAPEST_INSERTION", None))
    first_only = _parameters(params, "PARALLEL_CHEAPEST_INSERTION", 0.5)
    first_only.solution_limit = 1
    first = routing.SolveWithParameters(first_only)
    if first is None:
        return
    # Copied now: OR-Tools may reuse the assignment object in the next search.
    first_routes = model.from_solver(solution_routes(model.manager, routing, first))
    first_cost = first.ObjectiveValue()
    pool = RoutePool(problem, model)
    pool.attach()
    # Guided local search never stops by itself: a solution count and a time limit.
    search = _parameters(params, "PARALLEL_CHEAPEST_INSERTION", 0.5)
    search.solution_limit = 30
    best = routing.SolveFromAssignmentWithParameters(first, search)
    assert pool.broken == "" and pool.solutions >= 1 and best is not None
    found = pool.combine(first_routes, 2.0)
    event("recombined" if found else "nothing cheaper")
    if found is None:
        assert best.ObjectiveValue() >= first_cost
        return
    routes, cost = found
    visited = [x for r in routes for x in r]
    assert len(visited) == len(set(visited))
    assert covers_mandatory(problem, routes)
    assert cost == evaluate_routes(problem, routes)[1] <= best.ObjectiveValue()
    assert cost < first_cost
    assert read_routes(encode(problem), routes) is not None


def _benchmark_like(n: int = 30, seed: int = 3, vehicles: int = 5) -> RoutingProblem:
    """N random visits on a 100 x 100 square, unit demand, VEHICLES of capacity 8."""
    rng = np.random.default_rng(seed)
    xy = rng.integers(0, 100, size=(n + 1, 2))
    d = np.rint(np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))).astype(I64)
    demands = np.ones((n + 1, 1), dtype=I64)
    demands[0] = 0
    return RoutingProblem(
        distance=d,
        durations=(d.copy(),),
        demands=demands,
        time_windows=np.tile(np.array([0, 100_000], dtype=I64), (n + 1, 1)),
        vehicles=tuple(RoutingVehicle(0, 0, (8,)) for _ in range(vehicles)),
    )


def test_solve_routing_reports_the_recombination() -> None:
    """A time-limited search recombines and says how; the objective matches the routes."""
    problem = _benchmark_like()
    result = solve_routing(problem, SearchParams(time_limit=1.0, recombine=True))
    assert " routes of " in result.recombination
    assert not result.recombination.startswith(("pool stopped", "combination of"))
    assert result.objective == evaluate_routes(problem, result.routes)[1]
    assert sorted(x for r in result.routes for x in r) == list(range(1, 31))


@pytest.mark.parametrize(
    "params",
    [
        pytest.param(SearchParams(time_limit=0.5), id="off-by-default-below-10-s"),
        pytest.param(SearchParams(time_limit=0.5, recombine=False), id="off"),
        pytest.param(
            SearchParams(
                time_limit=None,
                solution_limit=20,
                metaheuristic="GUIDED_LOCAL_SEARCH",
                recombine=True,
            ),
            id="reproducible",
        ),
    ],
)
def test_no_recombination_when_off_or_reproducible(params: SearchParams) -> None:
    """Off (by default below 10 s), or stopped by a solution count (SCIP's time limit
    would make the plan depend on the machine), the search's own result is returned."""
    result = solve_routing(_benchmark_like(), params)
    assert result.solved and result.recombination == ""


@pytest.mark.parametrize(
    ("params", "recombines"),
    [
        (SearchParams(time_limit=1.0), False),
        (SearchParams(time_limit=RECOMBINE_MIN_LIMIT_S - 0.5), False),
        (SearchParams(time_limit=RECOMBINE_MIN_LIMIT_S), True),
        (SearchParams(time_limit=60.0), True),
        (SearchParams(time_limit=1.0, recombine=True), True),
        (SearchParams(time_limit=60.0, recombine=False), False),
        (SearchParams(time_limit=60.0, solution_limit=50, recombine=True), False),
        (SearchParams(time_limit=None, solution_limit=50, metaheuristic="GREEDY_DESCENT"), False),
    ],
)
def test_recombination_by_default_from_ten_seconds(params: SearchParams, recombines: bool) -> None:
    """The default turns recombination on from RECOMBINE_MIN_LIMIT_S; True and False force
    it; a solution limit (reproducible mode) always turns it off."""
    assert params.recombines is recombines


def test_default_search_recombines_at_its_limit(monkeypatch: Any) -> None:
    """With default parameters and a limit of RECOMBINE_MIN_LIMIT_S the search recombines
    (the threshold is lowered here so that the test runs in half a second)."""
    monkeypatch.setattr(search_module, "RECOMBINE_MIN_LIMIT_S", 0.5)
    result = solve_routing(_benchmark_like(), SearchParams(time_limit=0.5))
    assert result.solved and result.recombination != ""


def test_a_failing_pool_leaves_the_search_result(monkeypatch: Any) -> None:
    """An exception while reading a solution stops the pool, not the search."""

    def fail(self: RoutePool, routes: Any) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(RoutePool, "add", fail)
    problem = _benchmark_like()
    result = solve_routing(problem, SearchParams(time_limit=0.5, recombine=True))
    assert result.solved
    assert result.recombination == "pool stopped reading solutions: RuntimeError: boom"
    assert result.objective == evaluate_routes(problem, result.routes)[1]


@pytest.mark.parametrize(("limit", "kept"), [(0.5, 0.025), (5.0, 0.25), (60.0, 0.5)])
def test_recombination_seconds(limit: float, kept: float) -> None:
    """A twentieth of the limit, at most half a second."""
    assert recombination_seconds(limit) == pytest.approx(kept)


def test_recombination_after_a_search_that_ran_out_of_time() -> None:
    """A search ended by its time limit leaves OR-Tools unable to read routes until a new
    solve; the combination must still come back, cheaper, with its note."""
    problem = _benchmark_like(n=60, vehicles=9)
    better = solve_routing(problem, SearchParams(time_limit=2.0))
    model = encode(problem)
    params = SearchParams(time_limit=0.3)
    model.routing.CloseModelWithParameters(_parameters(params, params.first_solution, None))
    quick = model.routing.SolveWithIteratedLocalSearch(
        _parameters(params, params.first_solution, 0.3)
    )
    assert quick is not None
    before = quick.ObjectiveValue()
    assert better.objective < before  # 2 s of search against 0.3 s
    pool = RoutePool(problem, model)
    pool.add(better.routes)
    limit = SearchParams(time_limit=2.0)
    solution, note = _recombined(model, pool, quick, limit, time.perf_counter())
    assert solution.ObjectiveValue() <= better.objective
    assert note.startswith(f"{before} -> {solution.ObjectiveValue()} from ")
