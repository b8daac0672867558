"""Tests of basket_route.solver.decompose: courier groups as problems of their own.

The problem of every test is ``_district()``: 40 visits scattered over 2 km around one
depot, ten couriers of three trips each (six bags a trip), two visits only couriers 0 and
1 may carry, three mandatory visits, the others optional at a high penalty.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Sequence
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from basket_route.solver import decompose
from basket_route.solver.construct import best_constructive
from basket_route.solver.decompose import courier_group, group_seconds, improve_by_groups
from basket_route.solver.routing import (
    RoutingProblem,
    RoutingVehicle,
    SearchParams,
    solve_routing,
)
from basket_route.solver.routing_problem import covers_mandatory, evaluate_routes

COURIERS, TRIPS, VISITS = 10, 3, 40


def _district() -> RoutingProblem:
    rng = np.random.default_rng(7)
    points = np.vstack([[0, 0], rng.integers(-1000, 1000, size=(VISITS, 2))])
    distance = np.abs(points[:, None, :] - points[None, :, :]).sum(-1).astype(np.int64)
    service = np.full(VISITS + 1, 60, dtype=np.int64)
    service[0] = 0
    durations = distance + service[:, None]
    penalties = np.full(VISITS + 1, 1_000_000, dtype=np.int64)
    penalties[[5, 6, 7]] = -1
    allowed: list[tuple[int, ...] | None] = [None] * (VISITS + 1)
    allowed[1] = allowed[2] = tuple(range(2 * TRIPS))  # couriers 0 and 1
    vehicles = tuple(
        RoutingVehicle(start=0, end=0, capacities=(6,), latest_end=4 * 3600)
        for _ in range(COURIERS * TRIPS)
    )
    return RoutingProblem(
        distance=distance,
        durations=(durations,),
        demands=rng.integers(1, 4, size=(VISITS + 1, 1)).astype(np.int64)
        * (np.arange(VISITS + 1) > 0)[:, None],
        time_windows=np.tile(np.array([0, 4 * 3600], dtype=np.int64), (VISITS + 1, 1)),
        vehicles=vehicles,
        penalties=penalties,
        allowed_vehicles=tuple(allowed),
        chains=tuple(tuple(range(c * TRIPS, (c + 1) * TRIPS)) for c in range(COURIERS)),
        gaps=(300,) * COURIERS,
    )


PROBLEM = _district()
START = [tuple(r) for r in best_constructive(PROBLEM)]


def _arcs(problem: RoutingProblem, v: int, route: Sequence[int]) -> int:
    veh = problem.vehicles[v]
    path = [veh.start, *route, veh.end] if route else []
    return sum(int(problem.distance[a, b]) for a, b in itertools.pairwise(path))


def test_start_serves_every_visit() -> None:
    """The fixture's premise: the constructive start is a plan that serves every visit."""
    assert covers_mandatory(PROBLEM, START)
    assert {x for r in START for x in r} == set(PROBLEM.visits)


@settings(max_examples=40, deadline=None)
@given(st.sets(st.integers(0, COURIERS - 1), min_size=1, max_size=COURIERS))
def test_group_objective_is_its_share_of_the_whole(chains: set[int]) -> None:
    """The whole plan's objective is the group's plus the arcs of the other vehicles and
    the penalties of the visits left out that the group does not hold: so a cheaper
    group plan is a cheaper whole plan."""
    group = courier_group(PROBLEM, START, sorted(chains))
    others = [v for v in range(len(PROBLEM.vehicles)) if v not in group.vehicles]
    outside = sum(_arcs(PROBLEM, v, START[v]) for v in others)
    visited = {x for r in START for x in r}
    outside += sum(
        int(PROBLEM.penalties[i])  # type: ignore[index]
        for i in PROBLEM.visits
        if i not in visited and i not in group.nodes and PROBLEM.penalties[i] > 0  # type: ignore[index]
    )
    whole = evaluate_routes(PROBLEM, START)[1]
    assert evaluate_routes(group.problem, group.routes)[1] + outside == whole


@pytest.mark.parametrize("chains", [[0], [0, 1], [3, 7], [2, 5, 9]])
def test_group_keeps_its_couriers_constraints(chains: list[int]) -> None:
    group = courier_group(PROBLEM, START, chains)
    sub = group.problem
    assert group.vehicles == tuple(v for c in chains for v in PROBLEM.chains[c])
    assert sub.chains == tuple(
        tuple(group.vehicles.index(v) for v in PROBLEM.chains[c]) for c in chains
    )
    assert sub.gaps == tuple(PROBLEM.gaps[c] for c in chains)
    for i, v in enumerate(group.vehicles):
        assert tuple(group.nodes[x] for x in group.routes[i]) == START[v]
        assert sub.vehicles[i].capacities == PROBLEM.vehicles[v].capacities
        assert group.nodes[sub.vehicles[i].start] == PROBLEM.vehicles[v].start
    for i, n in enumerate(group.nodes):
        assert np.array_equal(sub.distance[i], PROBLEM.distance[n, list(group.nodes)])
        assert np.array_equal(sub.time_windows[i], PROBLEM.time_windows[n])
        assert sub.penalties[i] == PROBLEM.penalties[n]  # type: ignore[index]
        who = PROBLEM.allowed_vehicles[n]  # type: ignore[index]
        expected = (
            None
            if who is None
            else tuple(group.vehicles.index(v) for v in who if v in group.vehicles)
        )
        assert sub.allowed_vehicles[i] == expected  # type: ignore[index]


def test_group_holds_left_out_visits_its_couriers_may_carry() -> None:
    """Visit 1 may go to couriers 0 and 1 only: a group without them does not hold it."""
    routes = [tuple(x for x in r if x not in (1, 20)) for r in START]
    with_them = courier_group(PROBLEM, routes, [0, 4])
    without = courier_group(PROBLEM, routes, [3, 4])
    assert {1, 20} <= set(with_them.nodes)
    assert 20 in without.nodes and 1 not in without.nodes


def _deadline(seconds: float) -> float:
    return time.perf_counter() + seconds


@pytest.mark.parametrize(
    "answer",
    [
        pytest.param(lambda sub, routes: None, id="nothing"),
        pytest.param(lambda sub, routes: [[] for _ in routes], id="all-left-out"),
        pytest.param(lambda sub, routes: routes, id="same"),
    ],
)
def test_groups_never_make_the_plan_costlier(answer: object) -> None:
    routes, report = improve_by_groups(
        PROBLEM,
        START,
        lambda sub, r, s: answer(sub, r),
        _deadline(0.3),
        burst_s=0.01,  # type: ignore[operator]
    )
    assert routes == START
    assert report.tried >= 1 and report.improved == 0


def test_groups_take_a_cheaper_group_plan() -> None:
    """Guided local search on each group: the plan gets no costlier, stays a plan (each
    visit once, the mandatory ones served), and the report counts what was kept."""
    params = SearchParams(time_limit=0.2, metaheuristic="GUIDED_LOCAL_SEARCH")

    def solve(sub: RoutingProblem, routes: list[list[int]], seconds: float) -> object:
        return solve_routing(sub, params, routes).routes

    routes, report = improve_by_groups(PROBLEM, START, solve, _deadline(2.0), burst_s=0.2)  # type: ignore[arg-type]
    visits = [x for r in routes for x in r]
    assert len(visits) == len(set(visits)) and covers_mandatory(PROBLEM, routes)
    before, after = evaluate_routes(PROBLEM, START)[1], evaluate_routes(PROBLEM, routes)[1]
    assert after <= before
    assert report.tried >= 2 and (report.improved > 0) == (after < before)


@pytest.mark.parametrize(
    ("limit", "expected"),
    [
        (None, 0.0),  # no time limit: reproducible runs stay as they are
        (decompose.GROUPS_MIN_LIMIT_S - 1, 0.0),
        (10.0, 5.0),  # the whole search gets half of it
        (60.0, 55.0),  # ... at most WHOLE_SEARCH_S for 40 visits
    ],
)
def test_group_seconds(limit: float | None, expected: float) -> None:
    assert group_seconds(PROBLEM, limit) == pytest.approx(expected)


def test_no_groups_when_one_group_would_hold_every_courier() -> None:
    few = courier_group(PROBLEM, START, list(range(decompose.GROUP_COURIERS))).problem
    assert group_seconds(few, 60.0) == 0.0


@pytest.fixture()
def quick_groups(monkeypatch: pytest.MonkeyPatch) -> None:
    """Groups from a 1.2 s limit on: 0.6 s whole-problem search, then groups."""
    monkeypatch.setattr(decompose, "GROUPS_MIN_LIMIT_S", 1.0)
    monkeypatch.setattr(decompose, "WHOLE_SEARCH_S", 0.6)


@pytest.mark.usefixtures("quick_groups")
@pytest.mark.parametrize("metaheuristic", ["ITERATED_LOCAL_SEARCH", "GUIDED_LOCAL_SEARCH"])
def test_solve_routing_ends_with_groups(metaheuristic: str) -> None:
    params = SearchParams(time_limit=1.6, metaheuristic=metaheuristic, courier_groups=True)
    result = solve_routing(PROBLEM, params)
    assert result.groups.tried >= 1
    assert result.objective == evaluate_routes(PROBLEM, result.routes)[1]
    assert len(result.start_times) == len(PROBLEM.vehicles)
    assert covers_mandatory(PROBLEM, result.routes)


@pytest.mark.usefixtures("quick_groups")
@pytest.mark.parametrize(
    "params",
    [
        pytest.param(SearchParams(time_limit=1.6), id="default-off"),
        pytest.param(
            SearchParams(
                time_limit=1.6,
                solution_limit=50,
                metaheuristic="GUIDED_LOCAL_SEARCH",
                courier_groups=True,
            ),
            id="solution-limit",
        ),
    ],
)
def test_no_groups(params: SearchParams) -> None:
    assert solve_routing(PROBLEM, params).groups.tried == 0


def test_groups_add_idle_couriers() -> None:
    """Couriers 8 and 9 have no work: each group is GROUP_COURIERS busy couriers and both
    idle ones."""
    idle = {v for c in (8, 9) for v in PROBLEM.chains[c]}
    routes = [() if v in idle else r for v, r in enumerate(START)]
    seen: list[int] = []

    def solve(sub: RoutingProblem, r: list[list[int]], seconds: float) -> None:
        seen.append(len(sub.chains))

    improve_by_groups(PROBLEM, routes, solve, _deadline(0.2), burst_s=0.01)
    assert seen and set(seen) == {decompose.GROUP_COURIERS + 2}


def test_groups_on_a_problem_without_chains() -> None:
    """Without chains every vehicle is a courier of its own."""
    single = replace(PROBLEM, chains=(), gaps=())
    start = [tuple(r) for r in best_constructive(single)]
    group = courier_group(single, start, [0, 3])
    assert group.vehicles == (0, 3) and group.problem.chains == ()
    params = SearchParams(time_limit=0.1, metaheuristic="GUIDED_LOCAL_SEARCH")

    def solve(sub: RoutingProblem, routes: list[list[int]], seconds: float) -> object:
        return solve_routing(sub, params, routes).routes

    routes, report = improve_by_groups(single, start, solve, _deadline(0.5), burst_s=0.1)  # type: ignore[arg-type]
    assert report.tried >= 2
    assert evaluate_routes(single, routes)[1] <= evaluate_routes(single, start)[1]
    assert covers_mandatory(single, routes)


@pytest.mark.parametrize(
    ("time_limit", "one_model", "expected"),
    [
        (60.0, True, True),
        (120.0, True, True),
        (59.9, True, False),
        (None, True, False),  # the default limit, or reproducible mode
        (60.0, False, False),  # split windows: not measured
    ],
)
def test_groups_by_default(time_limit: float | None, one_model: bool, expected: bool) -> None:
    """Groups are on by default for one model from GROUPS_DEFAULT_MIN_LIMIT_S."""
    assert decompose.groups_by_default(time_limit, one_model) is expected
