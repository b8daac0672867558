"""Tests of basket_route.solver.routing: validation, search parameters and small solves.

Every solved instance is small enough to check by hand; the geometry of each is in the
docstring of the helper or test that builds it.
"""

from __future__ import annotations

import datetime
import itertools
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import basket_route as br
from basket_route.solver.batching import make_drops
from basket_route.solver.construct import best_constructive
from basket_route.solver.drop_model import build_drop_model
from basket_route.solver.ils import _ILS_OFF_OPERATORS
from basket_route.solver.problem import build_window_problem, screen
from basket_route.solver.routing import (
    FAULT_ENV,
    FIRST_SOLUTION_STRATEGIES,
    METAHEURISTICS,
    RoutingProblem,
    RoutingResult,
    RoutingVehicle,
    SearchParams,
    solve_routing,
)
from basket_route.units import MAX_VALUE

I64 = np.int64
FAST = SearchParams(time_limit=0.3)
SEARCHES = [
    pytest.param(FAST, id="ILS"),  # the default: ruin and recreate
    pytest.param(SearchParams(time_limit=0.3, metaheuristic="GUIDED_LOCAL_SEARCH"), id="GLS"),
]


def _manhattan(points: list[tuple[int, int]]) -> np.ndarray:
    return np.array(
        [[abs(a[0] - b[0]) + abs(a[1] - b[1]) for b in points] for a in points], dtype=I64
    )


def _square(**overrides: Any) -> RoutingProblem:
    """Depot 0 at (0, 0), visits 1 (0, 10), 2 (10, 10), 3 (10, 0); Manhattan metres.

    Durations equal distances, wide time windows, one vehicle of capacity 10, no demand.
    """
    d = _manhattan([(0, 0), (0, 10), (10, 10), (10, 0)])
    kwargs: dict[str, Any] = {
        "distance": d,
        "durations": (d.copy(),),
        "demands": np.zeros((4, 1), dtype=I64),
        "time_windows": np.array([[0, 1000]] * 4, dtype=I64),
        "vehicles": (RoutingVehicle(0, 0, (10,)),),
    }
    kwargs.update(overrides)
    return RoutingProblem(**kwargs)


def _base_kwargs() -> dict[str, Any]:
    """Valid arguments of a 3-node, 2-vehicle problem that the bad cases below modify."""
    d = np.array([[0, 5, 7], [5, 0, 2], [7, 2, 0]], dtype=I64)
    return {
        "distance": d,
        "durations": (d.copy(),),
        "demands": np.zeros((3, 2), dtype=I64),
        "time_windows": np.array([[0, 100]] * 3, dtype=I64),
        "vehicles": (RoutingVehicle(0, 0, (5, 5)), RoutingVehicle(0, 0, (5, 5))),
        "penalties": None,
        "allowed_vehicles": None,
        "chains": ((0, 1),),
        "gaps": (10,),
    }


def _set(key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def edit(kw: dict[str, Any]) -> None:
        kw[key] = value

    return edit


def _vehicle(**changes: Any) -> Callable[[dict[str, Any]], None]:
    def edit(kw: dict[str, Any]) -> None:
        kw["vehicles"] = (replace(kw["vehicles"][0], **changes), kw["vehicles"][1])

    return edit


def _negative_distance(kw: dict[str, Any]) -> None:
    d = kw["distance"].copy()
    d[0, 1] = -1
    kw["distance"] = d


def _bad_window(kw: dict[str, Any]) -> None:
    tw = kw["time_windows"].copy()
    tw[1] = (50, 40)
    kw["time_windows"] = tw


def test_base_kwargs_are_valid() -> None:
    """The base of the parametrised bad cases is itself a valid problem."""
    problem = RoutingProblem(**_base_kwargs())
    assert problem.visits == [1, 2]
    assert problem.terminals == frozenset({0})


@pytest.mark.parametrize(
    ("edit", "match"),
    [
        # distance is not square
        (_set("distance", np.zeros((3, 2), dtype=I64)), "square"),
        # distance is one-dimensional
        (_set("distance", np.zeros(3, dtype=I64)), "square"),
        # float distances (OR-Tools wants integers)
        (_set("distance", np.zeros((3, 3), dtype=np.float64)), "int64"),
        # int32 is not int64 either
        (_set("distance", np.zeros((3, 3), dtype=np.int32)), "int64"),
        # a negative arc
        (_negative_distance, ">= 0"),
        # a value beyond the solver's safe range
        (_set("distance", np.full((3, 3), MAX_VALUE + 1, dtype=I64)), "MAX_VALUE"),
        # duration matrix of the wrong shape
        (_set("durations", (np.zeros((2, 2), dtype=I64),)), r"durations\[0\] must have shape"),
        # no duration matrix at all
        (_set("durations", ()), "at least one matrix"),
        # demands with one row too many
        (_set("demands", np.zeros((4, 2), dtype=I64)), "demands must have shape"),
        # demands one-dimensional
        (_set("demands", np.zeros(3, dtype=I64)), "demands must have shape"),
        # time windows of the wrong shape
        (_set("time_windows", np.zeros((3, 3), dtype=I64)), "time_windows must have shape"),
        # a window with earliest > latest
        (_bad_window, "earliest <= latest"),
        # penalties of the wrong shape
        (_set("penalties", np.zeros(2, dtype=I64)), "penalties must have shape"),
        # no vehicle
        (_set("vehicles", ()), "at least one vehicle"),
        # vehicle start outside the nodes
        (_vehicle(start=3), "start/end outside"),
        # vehicle end negative
        (_vehicle(end=-1), "start/end outside"),
        # one capacity for two demand dimensions
        (_vehicle(capacities=(5,)), "capacities for 2 dimensions"),
        # a negative capacity
        (_vehicle(capacities=(5, -1)), "capacities must be in"),
        # a duration class with no matrix
        (_vehicle(duration_class=1), "unknown duration_class"),
        # earliest start after latest end
        (_vehicle(earliest_start=50, latest_end=40), "bad time bounds"),
        # allowed_vehicles with the wrong number of entries
        (_set("allowed_vehicles", (None, None)), "allowed_vehicles must have 3 entries"),
        # allowed_vehicles naming a vehicle that does not exist
        (_set("allowed_vehicles", (None, (2,), None)), "allowed_vehicles out of range"),
        # a chain naming a vehicle that does not exist
        (_set("chains", ((0, 5),)), "chain vehicle out of range"),
        # one vehicle in two chains
        (lambda kw: kw.update(chains=((0, 1), (1,)), gaps=(10, 10)), "two chains"),
        # two gaps for one chain
        (_set("gaps", (10, 10)), "one gap per chain"),
        # no gap for one chain
        (_set("gaps", ()), "one gap per chain"),
        # a negative gap
        (_set("gaps", (-1,)), "gaps must be in"),
    ],
)
def test_problem_validation(edit: Callable[[dict[str, Any]], None], match: str) -> None:
    """Every malformed problem raises ValueError before OR-Tools sees it."""
    kwargs = _base_kwargs()
    edit(kwargs)
    with pytest.raises(ValueError, match=match):
        RoutingProblem(**kwargs)


def test_matrices_made_read_only() -> None:
    """The arrays handed in are frozen: a later edit cannot desynchronise a validated problem."""
    kwargs = _base_kwargs()
    kwargs["penalties"] = np.array([-1, 3, 4], dtype=I64)
    problem = RoutingProblem(**kwargs)
    arrays = [
        problem.distance,
        *problem.durations,
        problem.demands,
        problem.time_windows,
        problem.penalties,
    ]
    for arr in arrays:
        assert arr is not None
        assert arr.flags.writeable is False
    assert kwargs["distance"].flags.writeable is False  # the caller's array itself
    with pytest.raises(ValueError, match="read-only"):
        problem.distance[0, 1] = 99


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        # neither limit: GLS would never stop
        ({"time_limit": None, "solution_limit": None}, "time_limit or solution_limit"),
        # non-positive time limit
        ({"time_limit": 0.0}, "time_limit"),
        # infinite time limit
        ({"time_limit": float("inf")}, "time_limit"),
        # NaN time limit
        ({"time_limit": float("nan")}, "time_limit"),
        # zero solutions
        ({"solution_limit": 0}, "solution_limit"),
        # unknown first-solution strategy
        ({"first_solution": "CHEAPEST_EVER"}, "first_solution"),
        # the excluded enum value UNSET
        ({"first_solution": "UNSET"}, "first_solution"),
        # unknown metaheuristic
        ({"metaheuristic": "ANNEALING"}, "metaheuristic"),
        # ILS without a time limit: its loop may never end
        (
            {"time_limit": None, "solution_limit": 10, "metaheuristic": "ITERATED_LOCAL_SEARCH"},
            "needs a time_limit",
        ),
    ],
)
def test_search_params_rejects(kwargs: dict[str, Any], match: str) -> None:
    """Bad limits and unknown strategy names raise ValueError."""
    with pytest.raises(ValueError, match=match):
        SearchParams(**kwargs)


def test_search_params_accepts_solution_limit_only() -> None:
    """A solution limit alone is a valid (reproducible) stopping rule."""
    params = SearchParams(time_limit=None, solution_limit=10, metaheuristic="GUIDED_LOCAL_SEARCH")
    assert params.solution_limit == 10
    assert "PARALLEL_CHEAPEST_INSERTION" in FIRST_SOLUTION_STRATEGIES
    assert "GUIDED_LOCAL_SEARCH" in METAHEURISTICS
    assert "ITERATED_LOCAL_SEARCH" in METAHEURISTICS


@pytest.mark.parametrize("search", SEARCHES)
def test_optimal_route_on_square(search: SearchParams) -> None:
    """One vehicle around the square: the perimeter 10 + 10 + 10 + 10 = 40 is optimal.

    Any other order crosses a diagonal (Manhattan 20), e.g. 0-2-1-3-0 = 20+10+20+10 = 60.
    """
    result = solve_routing(_square(), search)
    assert result.solved
    assert result.routes[0] in ((1, 2, 3), (3, 2, 1))
    assert result.objective == 40
    # brute force over every visiting order confirms 40 is the minimum
    d = _square().distance
    best = min(
        d[0, p[0]] + d[p[0], p[1]] + d[p[1], p[2]] + d[p[2], 0]
        for p in itertools.permutations((1, 2, 3))
    )
    assert best == 40
    assert result.start_times == (0,)


@pytest.mark.parametrize("search", SEARCHES)
def test_optional_node_dropped_on_capacity(search: SearchParams) -> None:
    """Two visits of 6 units, capacity 10: only one fits; the cheaper penalty is paid.

    Line: depot 0 at x=0, visit 1 at x=5 (penalty 1000), visit 2 at x=7 (penalty 100).
    Serve 1 only: 5 + 5 + 100 = 110. Serve 2 only: 7 + 7 + 1000 = 1014. None: 1100.
    """
    d = np.array([[0, 5, 7], [5, 0, 2], [7, 2, 0]], dtype=I64)
    problem = RoutingProblem(
        distance=d,
        durations=(d.copy(),),
        demands=np.array([[0], [6], [6]], dtype=I64),
        time_windows=np.array([[0, 100]] * 3, dtype=I64),
        vehicles=(RoutingVehicle(0, 0, (10,)),),
        penalties=np.array([-1, 1000, 100], dtype=I64),
    )
    result = solve_routing(problem, search)
    assert result.solved
    assert result.routes == ((1,),)
    assert result.objective == 110


def _infeasible_capacity() -> RoutingProblem:
    return _square(demands=np.array([[0], [20], [0], [0]], dtype=I64))


def _infeasible_window() -> RoutingProblem:
    # visit 1 is 10 away but must be reached by t=5
    return _square(time_windows=np.array([[0, 1000], [0, 5], [0, 1000], [0, 1000]], dtype=I64))


def _infeasible_allowed() -> RoutingProblem:
    # visit 1 may be served by no vehicle at all
    return _square(allowed_vehicles=(None, (), None, None))


def _infeasible_chained() -> RoutingProblem:
    # the greedy warm-start path (chains present) with a mandatory visit that fits nowhere
    return _square(
        demands=np.array([[0], [20], [0], [0]], dtype=I64),
        vehicles=(RoutingVehicle(0, 0, (10,)), RoutingVehicle(0, 0, (10,))),
        chains=((0, 1),),
        gaps=(5,),
    )


INFEASIBLE = [
    _infeasible_capacity,  # demand 20 > capacity 10
    _infeasible_window,  # deadline before the earliest possible arrival
    _infeasible_allowed,  # no vehicle allowed
    _infeasible_chained,  # chained trips, greedy start, still infeasible
]


@pytest.mark.parametrize("build", INFEASIBLE)
def test_mandatory_infeasible_never_raises(build: Callable[[], RoutingProblem]) -> None:
    """A mandatory visit that cannot be served: a result, no exception, the visit unrouted."""
    problem = build()
    result = solve_routing(problem, SearchParams(time_limit=0.3))
    assert isinstance(result, RoutingResult)
    assert len(result.routes) == len(problem.vehicles)
    assert all(1 not in route for route in result.routes)
    assert result.wall_s < 5


@pytest.mark.parametrize("build", INFEASIBLE)
def test_mandatory_infeasible_returns_unsolved(build: Callable[[], RoutingProblem]) -> None:
    """A mandatory visit that cannot be served: solved is False and every route is empty."""
    result = solve_routing(build(), SearchParams(time_limit=0.3))
    assert result.solved is False
    assert result.first_solution == ""
    assert all(route == () for route in result.routes)


def _two_trip_problem(latest_end: int, gap: int) -> RoutingProblem:
    """One courier with two chained trips of capacity 1 from depot 0.

    Line: depot 0 at x=0, visit 1 at x=100 (penalty 1000), visit 2 at x=-200 (penalty 2000).
    Each visit has 30 s of service (added to its outgoing durations), travel 1 m/s.
    Trip to 1 lasts 100 + 130 = 230 s; trip to 2 lasts 200 + 230 = 430 s.
    """
    x = [0, 100, -200]
    d = np.array([[abs(a - b) for b in x] for a in x], dtype=I64)
    service = np.array([0, 30, 30], dtype=I64)
    return RoutingProblem(
        distance=d,
        durations=(d + service[:, None],),
        demands=np.array([[0], [1], [1]], dtype=I64),
        time_windows=np.array([[0, 10_000]] * 3, dtype=I64),
        vehicles=(
            RoutingVehicle(0, 0, (1,), latest_end=latest_end),
            RoutingVehicle(0, 0, (1,), latest_end=latest_end),
        ),
        penalties=np.array([-1, 1000, 2000], dtype=I64),
        chains=((0, 1),),
        gaps=(500,) if gap else (0,),
    )


@pytest.mark.parametrize("search", SEARCHES)
def test_chained_trips_respect_gap(search: SearchParams) -> None:
    """Trip 2 starts no earlier than trip 1's end (from the durations) plus the gap."""
    problem = _two_trip_problem(latest_end=5000, gap=500)
    result = solve_routing(problem, search)
    assert result.solved
    assert sorted(result.routes) == [(1,), (2,)]  # capacity 1: one visit per trip
    dur = problem.durations[0]
    first = result.routes[0]
    nodes = [0, *first, 0]
    trip1_s = sum(int(dur[a, b]) for a, b in itertools.pairwise(nodes))
    assert trip1_s in (230, 430)
    assert result.start_times[1] >= result.start_times[0] + trip1_s + 500
    assert result.objective == 200 + 400  # both served, no penalty


@pytest.mark.parametrize("search", SEARCHES)
def test_gap_makes_second_trip_impossible(search: SearchParams) -> None:
    """With trips ending by t=700 and a 500 s gap, only one trip fits: serve the dearer visit.

    Serve 2 only: 400 m + penalty 1000 = 1400. Serve 1 only: 200 + 2000 = 2200.
    Without the gap both trips fit (230 + 430 = 660 <= 700): objective 600.
    """
    result = solve_routing(_two_trip_problem(latest_end=700, gap=500), search)
    assert result.solved
    assert sorted(r for r in result.routes if r) == [(2,)]
    assert result.objective == 1400
    no_gap = solve_routing(_two_trip_problem(latest_end=700, gap=0), search)
    assert sorted(no_gap.routes) == [(1,), (2,)]
    assert no_gap.objective == 600


def test_warm_start_last_trip_near_window_end() -> None:
    """Trip 1 to visit 2 (0..430 s, end by 700) and no trip 2 is feasible: it is accepted.

    The unused trip 2 need not start after 430 + 500 = 930 > 700; the warm start is used
    as the first solution.
    """
    problem = _two_trip_problem(latest_end=700, gap=500)
    result = solve_routing(problem, FAST, initial_routes=[[2], []])
    assert result.first_solution == "initial_routes"


@pytest.mark.parametrize("search", SEARCHES)
def test_allowed_vehicles_respected(search: SearchParams) -> None:
    """Two vehicles; visit 1 only for vehicle 1, visit 2 only for vehicle 0.

    Unrestricted, one vehicle serves both (square perimeter cheaper than two out-and-backs);
    the restriction forces the split.
    """
    two = (RoutingVehicle(0, 0, (10,)), RoutingVehicle(0, 0, (10,)))
    free = solve_routing(_square(vehicles=two), search)
    assert free.objective == 40
    assert sorted(len(r) for r in free.routes) == [0, 3]
    result = solve_routing(
        _square(vehicles=two, allowed_vehicles=(None, (1,), (0,), None)),
        search,
    )
    assert result.solved
    assert 2 in result.routes[0] and 1 not in result.routes[0]
    assert 1 in result.routes[1] and 2 not in result.routes[1]
    assert sorted(x for r in result.routes for x in r) == [1, 2, 3]


@pytest.mark.parametrize("search", SEARCHES)
def test_start_times_at_earliest(search: SearchParams) -> None:
    """A vehicle's chosen start is its earliest start (starts are minimised by the finaliser)."""
    veh = (RoutingVehicle(0, 0, (10,), earliest_start=100, latest_end=1000),)
    result = solve_routing(_square(vehicles=veh), search)
    assert result.start_times == (100,)
    assert result.objective == 40


def test_solution_limit_is_deterministic() -> None:
    """The same problem with a solution limit gives the same routes twice."""
    params = SearchParams(time_limit=None, solution_limit=20, metaheuristic="GUIDED_LOCAL_SEARCH")
    a = solve_routing(_square(), params)
    b = solve_routing(_square(), params)
    assert (a.routes, a.objective, a.start_times) == (b.routes, b.objective, b.start_times)


def test_window_after_horizon_is_dropped_by_search() -> None:
    """An optional visit whose window opens after the horizon is dropped; the rest is optimal.

    Visits 1 and 2 served: 0-1-2-0 = 10 + 10 + 20 = 40, plus the penalty 100 of visit 3.
    """
    problem = _square(
        time_windows=np.array([[0, 1000], [0, 1000], [0, 1000], [5000, 6000]], dtype=I64),
        vehicles=(RoutingVehicle(0, 0, (10,), latest_end=1000),),
        penalties=np.array([-1, 100, 100, 100], dtype=I64),
    )
    result = solve_routing(problem, FAST)
    assert result.solved
    assert result.first_solution != "constructive"
    assert result.routes[0] in ((1, 2), (2, 1))
    assert result.objective == 140


@pytest.mark.parametrize(
    "fault",
    [
        "raise",  # the OR-Tools search raises
        "no_solution",  # the OR-Tools search returns nothing
    ],
)
def test_injected_fault_falls_back_to_constructive(
    fault: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With a solver fault injected, solve_routing returns the greedy routes, never raises."""
    monkeypatch.setenv(FAULT_ENV, fault)
    problem = _two_trip_problem(latest_end=5000, gap=500)
    result = solve_routing(problem, FAST)
    assert result.first_solution == "constructive"
    assert [list(r) for r in result.routes] == best_constructive(problem)
    assert sorted(result.routes) == [(1,), (2,)]


def test_constructive_fallback_start_times_are_times(monkeypatch: pytest.MonkeyPatch) -> None:
    """The fallback's start_times are real start times: trip 2 after trip 1 plus the gap."""
    monkeypatch.setenv(FAULT_ENV, "no_solution")
    problem = _two_trip_problem(latest_end=5000, gap=500)
    result = solve_routing(problem, FAST)
    dur = problem.durations[0]
    nodes = [0, *result.routes[0], 0]
    trip1_s = sum(int(dur[a, b]) for a, b in itertools.pairwise(nodes))
    assert result.start_times[1] >= result.start_times[0] + trip1_s + 500


@pytest.fixture(scope="module")
def compound_problem(compound_dir: Path) -> RoutingProblem:
    """Compound's AM window at half-size drops (317 drops, chained trips), as plan_window
    builds it."""
    day = datetime.date(2020, 2, 10)
    problem = build_window_problem(br.load_scenario(compound_dir), day, "AM")
    eligible, _ = screen(problem)
    return build_drop_model(problem, make_drops(problem, eligible, 0.5), 0).problem


def test_iterated_local_search_keeps_to_its_time_limit(compound_problem: RoutingProblem) -> None:
    """OR-Tools' ILS does not bound its initial descent by the time limit (60 s of CPU for
    an 8 s limit on compound, half-size drops); solve_routing bounds every search.

    CPU time, not wall time: it does not grow with machine load. The bound is the limit
    plus 4 s: rebuilding the hinted start by insertion is not interruptible (about 2 s for
    these 317 chained drops), and the model takes a moment to build."""
    cpu = time.process_time()
    result = solve_routing(compound_problem, SearchParams(time_limit=3.0))
    assert result.solved
    assert time.process_time() - cpu < 3.0 + 4.0


@pytest.mark.parametrize("spare", [None, 0, 1, 3])
def test_spare_trips_leave_out_unused_trips_only(spare: int | None) -> None:
    """One courier of six chained trips, five visits needing three: whatever the spare
    trips kept, the result covers every visit in three trips, lists all six vehicles and
    leaves the trips after the used ones empty."""
    from tests.solver.test_construct import _line_problem

    trips = tuple(RoutingVehicle(0, 0, (10,), latest_end=5000) for _ in range(6))
    problem = _line_problem(
        vehicles=trips,
        chains=(tuple(range(6)),),
        gaps=(100,),
        time_windows=np.array([[0, 5000]] * 6, dtype=np.int64),
        penalties=np.array([-1] * 6, dtype=np.int64),
    )
    params = SearchParams(time_limit=1.0, metaheuristic="GUIDED_LOCAL_SEARCH", spare_trips=spare)
    result = solve_routing(problem, params)
    assert len(result.routes) == len(result.start_times) == 6
    assert sorted(x for r in result.routes for x in r) == [1, 2, 3, 4, 5]
    assert sum(1 for r in result.routes if r) == 3
    assert result.objective == 2 * (50 + 30 + 10)
    if spare is not None:
        assert not any(result.routes[3 + spare :])


def test_spare_trips_must_not_be_negative() -> None:
    with pytest.raises(ValueError, match="spare_trips"):
        SearchParams(spare_trips=-1)


def test_without_spare_trips_keeps_used_trips_plus_spare() -> None:
    """Two couriers of four trips; visits 1-3 only for A, 5 only for B. Our start uses
    A's first two trips and B's first: A keeps 2 + 1 trips, B 1 + 1, and the visit allowed
    on B's trips stays allowed on its kept ones."""
    from basket_route.solver.construct import without_spare_trips
    from tests.solver.test_construct import _line_problem

    trips = tuple(RoutingVehicle(0, 0, (10,), latest_end=5000) for _ in range(8))
    problem = _line_problem(
        vehicles=trips,
        chains=((0, 1, 2, 3), (4, 5, 6, 7)),
        gaps=(100, 100),
        time_windows=np.array([[0, 5000]] * 6, dtype=np.int64),
        allowed_vehicles=(None, (0, 1, 2, 3), (0, 1, 2, 3), (0, 1, 2, 3), None, (4, 5, 6, 7)),
    )
    start = best_constructive(problem)
    assert [v for v, r in enumerate(start) if r] == [0, 1, 4]
    pruned = without_spare_trips(problem, start, None, 1)
    assert pruned is not None
    sub, keep = pruned
    assert keep == [0, 1, 2, 4, 5]
    assert sub.chains == ((0, 1, 2), (3, 4))
    assert sub.allowed_vehicles is not None and sub.allowed_vehicles[5] == (3, 4)
    # A warm start's trips are kept too: A's third here; with every trip used, all stay.
    warm = [[1], [], [2, 3], [], [5], [], [], []]
    pruned = without_spare_trips(problem, start, warm, 0)
    assert pruned is not None and pruned[1] == [0, 1, 2, 4]
    assert without_spare_trips(problem, start, [[1], [], [], [2, 3], [], [], [], [4, 5]], 0) is None
    assert without_spare_trips(problem, start, [[1]], 0) is None  # a warm start that does not fit


class _RecordingRouting:
    """A RoutingModel stand-in that records the calls that close the model."""

    def __init__(self, routing: Any, calls: list[tuple[str, Any]]) -> None:
        self._routing, self._calls = routing, calls

    def CloseModelWithParameters(self, search: Any) -> None:
        self._calls.append(("close", search))
        self._routing.CloseModelWithParameters(search)

    def ReadAssignmentFromRoutes(self, routes: Any, ignore_inactive: bool) -> Any:
        self._calls.append(("read", None))
        return self._routing.ReadAssignmentFromRoutes(routes, ignore_inactive)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._routing, name)


@pytest.fixture()
def routing_calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, Any]]:
    """The close and read calls of every model solve_routing builds, in order."""
    from basket_route.solver import routing as routing_module

    calls: list[tuple[str, Any]] = []
    encode = routing_module.encode

    def recording(problem: RoutingProblem, multi_trip: str = "chain") -> Any:
        model = encode(problem, multi_trip)
        return replace(model, routing=_RecordingRouting(model.routing, calls))

    monkeypatch.setattr(routing_module, "encode", recording)
    return calls


@pytest.mark.parametrize("search", SEARCHES)
def test_model_closed_with_our_operators_before_start_is_read(
    routing_calls: list[tuple[str, Any]], search: SearchParams
) -> None:
    """Reading a start closes an open model with OR-Tools' default operators, which then
    stay fixed: the search must close it with its own parameters first. (It did not: the
    chained compound window searched with the insertion-LNS operators ILS switches off,
    and spent 6 s of a 10 s limit on one scan of a local optimum.)"""
    from ortools.util import optional_boolean_pb2

    result = solve_routing(_two_trip_problem(latest_end=5000, gap=500), search)
    assert result.solved
    assert [c for c, _ in routing_calls][:2] == ["close", "read"]
    # A chained problem: the slow operators are off whatever the metaheuristic.
    operators = routing_calls[0][1].local_search_operators
    for name in _ILS_OFF_OPERATORS:
        assert getattr(operators, name) == optional_boolean_pb2.BOOL_FALSE, name
    assert operators.use_relocate == optional_boolean_pb2.BOOL_TRUE


@pytest.mark.parametrize(
    ("search", "off"),
    [(FAST, True), (SearchParams(time_limit=0.3, metaheuristic="GUIDED_LOCAL_SEARCH"), False)],
    ids=["ILS", "GLS"],
)
def test_unchained_problems_keep_the_metaheuristics_operators(
    routing_calls: list[tuple[str, Any]], search: SearchParams, off: bool
) -> None:
    """Without chains only ILS switches the slow operators off (GLS keeps OR-Tools' set)."""
    from ortools.util import optional_boolean_pb2

    assert solve_routing(_square(), search).solved
    operators = routing_calls[0][1].local_search_operators
    is_off = operators.use_global_cheapest_insertion_path_lns == optional_boolean_pb2.BOOL_FALSE
    assert is_off == off
