"""Tests of basket_route.solver.construct.greedy_routes: its routes are always feasible.

Feasibility is checked by an independent simulation (:func:`_check_feasible`): each chain's
trips are replayed in order from the earliest possible start, waiting at a visit until its
window opens; the earliest schedule is feasible exactly when any schedule is.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from typing import Any

import numpy as np
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from basket_route.solver.construct import greedy_routes
from basket_route.solver.encoding import encode, reload_applies
from basket_route.solver.routing import RoutingProblem, RoutingVehicle
from basket_route.units import MAX_VALUE

I64 = np.int64


def _check_feasible(problem: RoutingProblem, routes: list[list[int]]) -> None:
    """Assert ROUTES (visit nodes per vehicle) are feasible for PROBLEM.

    Each visit at most once and only visit nodes; allowed vehicles; capacities in every
    dimension; time windows; trips within the vehicle's bounds; the trips of a chain used in
    order and each starting no earlier than the previous one's end plus the chain's gap.
    """
    m = len(problem.vehicles)
    assert len(routes) == m
    counts = Counter(x for r in routes for x in r)
    assert all(c == 1 for c in counts.values()), counts
    assert set(counts) <= set(problem.visits)
    chained = {v for chain in problem.chains for v in chain}
    chains = [(list(c), g) for c, g in zip(problem.chains, problem.gaps, strict=True)]
    chains += [([v], 0) for v in range(m) if v not in chained]
    for chain, gap in chains:
        used = [bool(routes[v]) for v in chain]
        assert used == sorted(used, reverse=True), f"chain {chain}: trips not used in order"
        previous_end: int | None = None
        for v in chain:
            route = routes[v]
            if not route:
                continue
            veh = problem.vehicles[v]
            dur = problem.durations[veh.duration_class]
            if problem.allowed_vehicles is not None:
                for node in route:
                    allowed = problem.allowed_vehicles[node]
                    assert allowed is None or v in allowed, f"node {node} not allowed on {v}"
            load = problem.demands[route].sum(axis=0)
            assert np.all(load <= np.array(veh.capacities)), f"vehicle {v}: load {load}"
            t = veh.earliest_start
            if previous_end is not None:
                t = max(t, previous_end + gap)
            here = veh.start
            for node in route:
                lo, hi = (int(x) for x in problem.time_windows[node])
                t = max(t + int(dur[here, node]), lo)
                assert t <= hi, f"vehicle {v}: node {node} reached at {t} > {hi}"
                here = node
            end = t + int(dur[here, veh.end])
            assert end <= veh.latest_end, f"vehicle {v}: back at {end} > {veh.latest_end}"
            previous_end = end


def _line_problem(**overrides: Any) -> RoutingProblem:
    """Depot 0 at x=0; visits 1..5 at x = 10, 20, 30, 40, 50; durations = distances."""
    x = np.array([0, 10, 20, 30, 40, 50])
    d = np.abs(x[:, None] - x[None, :]).astype(I64)
    kwargs: dict[str, Any] = {
        "distance": d,
        "durations": (d.copy(),),
        "demands": np.array([[0], [4], [4], [4], [4], [4]], dtype=I64),
        "time_windows": np.array([[0, 1000]] * 6, dtype=I64),
        "vehicles": (RoutingVehicle(0, 0, (10,)),),
        "penalties": np.array([-1, 10, 10, 10, 10, 10], dtype=I64),
    }
    kwargs.update(overrides)
    return RoutingProblem(**kwargs)


def test_capacity_respected() -> None:
    """Capacity 10, demands 4: one trip carries two visits, the rest are left out."""
    problem = _line_problem()
    routes = greedy_routes(problem)
    _check_feasible(problem, routes)
    assert len(routes[0]) == 2


def test_chain_trips_sequential_with_gap() -> None:
    """Three chained trips of capacity 10 serve all five visits (2 + 2 + 1), gap honoured."""
    trips = tuple(RoutingVehicle(0, 0, (10,)) for _ in range(3))
    problem = _line_problem(vehicles=trips, chains=((0, 1, 2),), gaps=(100,))
    routes = greedy_routes(problem)
    _check_feasible(problem, routes)
    assert sorted(x for r in routes for x in r) == [1, 2, 3, 4, 5]
    assert [len(r) for r in routes] == [2, 2, 1]


def test_gap_limits_trips() -> None:
    """Trips ending by t=400, gap 300: trip 1 is 0-1-2-0 (40 s), trip 2 starts at 340.

    Trip 2 reaches visit 3 at 370 and is back at 400 exactly; trip 3 could start at 700 only.
    """
    trips = tuple(RoutingVehicle(0, 0, (10,), latest_end=400) for _ in range(3))
    problem = _line_problem(vehicles=trips, chains=((0, 1, 2),), gaps=(300,))
    routes = greedy_routes(problem)
    _check_feasible(problem, routes)
    assert routes == [[1, 2], [3], []]


def test_time_windows_respected() -> None:
    """A visit due before it can be reached is left out; one that opens late is waited for."""
    tw = np.array([[0, 1000], [0, 5], [500, 1000], [0, 1000], [0, 1000], [0, 1000]], dtype=I64)
    problem = _line_problem(
        time_windows=tw,
        demands=np.zeros((6, 1), dtype=I64),
    )
    routes = greedy_routes(problem)
    _check_feasible(problem, routes)
    assert 1 not in routes[0]  # 10 m away, due at t=5
    assert 2 in routes[0]  # waited for


def test_mandatory_seeded_first() -> None:
    """A mandatory visit seeds the trip before optional ones of higher penalty."""
    pen = np.array([-1, 10, 10, 10, 10, -1], dtype=I64)
    problem = _line_problem(penalties=pen)
    routes = greedy_routes(problem)
    _check_feasible(problem, routes)
    assert routes[0][0] == 5


def test_allowed_vehicles_respected() -> None:
    """Visits restricted to one of two vehicles go only on that vehicle."""
    vehicles = (RoutingVehicle(0, 0, (100,)), RoutingVehicle(0, 0, (100,)))
    allowed = (None, (1,), (0,), (1,), None, ())
    problem = _line_problem(vehicles=vehicles, allowed_vehicles=allowed)
    routes = greedy_routes(problem)
    _check_feasible(problem, routes)
    assert 1 in routes[1] and 3 in routes[1] and 2 in routes[0]
    assert all(5 not in r for r in routes)  # allowed on no vehicle


def test_no_visits() -> None:
    """A problem with only depots gives empty routes."""
    d = np.zeros((1, 1), dtype=I64)
    problem = RoutingProblem(
        distance=d,
        durations=(d.copy(),),
        demands=np.zeros((1, 1), dtype=I64),
        time_windows=np.zeros((1, 2), dtype=I64),
        vehicles=(RoutingVehicle(0, 0, (1,)), RoutingVehicle(0, 0, (1,))),
    )
    assert greedy_routes(problem) == [[], []]


@st.composite
def problems(draw: st.DrawFn, reloadable: bool = False) -> RoutingProblem:
    """Small random problems: 1-2 depots, 0-7 visits, 1-5 vehicles, chains, windows.

    RELOADABLE: the trips of a chain are alike and visits are allowed on whole chains, as
    the reload encoding needs (``encoding.reload_applies``).
    """
    n_dep = draw(st.integers(1, 2))
    n_vis = draw(st.integers(0, 7))
    n = n_dep + n_vis
    coords = np.array(
        draw(st.lists(st.tuples(st.integers(0, 60), st.integers(0, 60)), min_size=n, max_size=n))
    ).reshape(n, 2)
    dist = np.abs(coords[:, None, :] - coords[None, :, :]).sum(axis=2).astype(I64)
    service = np.array(
        [0] * n_dep + draw(st.lists(st.integers(0, 20), min_size=n_vis, max_size=n_vis))
    )
    n_classes = draw(st.integers(1, 2))
    durations = tuple((dist * f + service[:, None]).astype(I64) for f in range(1, n_classes + 1))
    k = draw(st.integers(1, 2))
    demands = np.zeros((n, k), dtype=I64)
    for i in range(n_dep, n):
        demands[i] = draw(st.lists(st.integers(0, 6), min_size=k, max_size=k))
    tw = np.zeros((n, 2), dtype=I64)
    tw[:n_dep] = (0, 1000)
    for i in range(n_dep, n):
        lo = draw(st.integers(0, 200))
        tw[i] = (lo, lo + draw(st.integers(0, 300)))
    m = draw(st.integers(1, 5))
    vehicles = []
    for _ in range(m):
        depot = draw(st.integers(0, n_dep - 1))
        es = draw(st.integers(0, 50))
        vehicles.append(
            RoutingVehicle(
                depot,
                depot,
                tuple(draw(st.lists(st.integers(0, 12), min_size=k, max_size=k))),
                draw(st.integers(0, n_classes - 1)),
                es,
                es + draw(st.integers(0, 400)),
            )
        )
    order = draw(st.permutations(range(m)))
    chains: list[tuple[int, ...]] = []
    rest = list(order)
    while rest:
        size = draw(st.integers(1, len(rest)))
        chain, rest = tuple(rest[:size]), rest[size:]
        if reloadable or draw(st.booleans()):
            chains.append(chain)
    for chain in chains:  # the trips of one courier share depot, mode and time bounds
        first = vehicles[chain[0]]
        for v in chain[1:]:
            vehicles[v] = first if reloadable else replace(first, capacities=vehicles[v].capacities)
    gaps = tuple(draw(st.integers(0, 60)) for _ in chains)
    penalties = None
    if draw(st.booleans()):
        penalties = np.array(
            [-1] * n_dep + draw(st.lists(st.integers(-1, 100), min_size=n_vis, max_size=n_vis)),
            dtype=I64,
        )
    allowed = None
    if draw(st.booleans()):
        vehicle_sets = st.none() | st.lists(st.integers(0, m - 1), unique=True).map(tuple)
        allowed = tuple(draw(vehicle_sets) for _ in range(n))
        if reloadable:
            allowed = tuple(
                a if a is None else tuple(v for c in chains if set(c) & set(a) for v in c)
                for a in allowed
            )
    return RoutingProblem(
        distance=dist,
        durations=durations,
        demands=demands,
        time_windows=tw,
        vehicles=tuple(vehicles),
        penalties=penalties,
        allowed_vehicles=allowed,
        chains=tuple(chains),
        gaps=gaps,
    )


@settings(max_examples=50, deadline=None)
@given(problems(), st.sampled_from([0, 60, 1800, MAX_VALUE]))
def test_greedy_routes_feasible_property(problem: RoutingProblem, patience: int) -> None:
    """On random small problems the routes are feasible and no visit is repeated, however
    long a bigger courier may be waited for."""
    routes = greedy_routes(problem, patience)
    _check_feasible(problem, routes)


@settings(max_examples=50, deadline=None)
@given(problems())
def test_greedy_routes_deterministic_property(problem: RoutingProblem) -> None:
    """The construction has no randomness: the same problem gives the same routes."""
    assert greedy_routes(problem) == greedy_routes(problem)


def _accepted_by_model(
    problem: RoutingProblem, routes: list[list[int]], multi_trip: str = "chain"
) -> bool:
    model = encode(problem, multi_trip)
    indices = [[model.manager.NodeToIndex(x) for x in r] for r in model.to_solver(routes)]
    return model.routing.ReadAssignmentFromRoutes(indices, True) is not None


@settings(max_examples=50, deadline=None)
@given(problems())
def test_greedy_routes_accepted_by_ortools_without_gaps(problem: RoutingProblem) -> None:
    """OR-Tools' own model accepts the greedy routes when they visit every mandatory node.

    Only zero gaps here: with a positive gap a trip ending near the window end is
    rejected by the model (see the routing tests).
    """
    problem = RoutingProblem(
        distance=problem.distance,
        durations=problem.durations,
        demands=problem.demands,
        time_windows=problem.time_windows,
        vehicles=problem.vehicles,
        penalties=problem.penalties,
        allowed_vehicles=problem.allowed_vehicles,
        chains=problem.chains,
        gaps=(0,) * len(problem.chains),
    )
    routes = greedy_routes(problem)
    visited = {x for r in routes for x in r}
    mandatory = [i for i in problem.visits if problem.penalties is None or problem.penalties[i] < 0]
    if not set(mandatory) <= visited:
        return  # the model would (rightly) reject a solution missing a mandatory visit
    if max(int(tw[0]) for tw in problem.time_windows) > max(v.latest_end for v in problem.vehicles):
        return  # a window opening after the horizon: the visit is simply left out
    assert _accepted_by_model(problem, routes)


@settings(max_examples=50, deadline=None)
@given(problems(reloadable=True))
def test_greedy_routes_accepted_by_the_reload_encoding(problem: RoutingProblem) -> None:
    """The reload encoding models the gaps exactly: it accepts the greedy routes whatever
    the gaps, whenever they visit every mandatory node."""
    assume(reload_applies(problem))
    routes = greedy_routes(problem)
    visited = {x for r in routes for x in r}
    mandatory = [i for i in problem.visits if problem.penalties is None or problem.penalties[i] < 0]
    if not set(mandatory) <= visited:
        return
    if max(int(tw[0]) for tw in problem.time_windows) > max(v.latest_end for v in problem.vehicles):
        return
    assert _accepted_by_model(problem, routes, "reload")


def test_greedy_routes_accepted_by_ortools_with_gap() -> None:
    """Three chained trips ending by t=400, gap 300: greedy uses trip 1 only, and OR-Tools'
    model should accept that (trips 2 and 3 are unused)."""
    trips = tuple(RoutingVehicle(0, 0, (10,), latest_end=400) for _ in range(3))
    problem = _line_problem(vehicles=trips, chains=((0, 1, 2),), gaps=(300,))
    routes = greedy_routes(problem)
    _check_feasible(problem, routes)
    assert _accepted_by_model(problem, routes)


def test_patience_gives_trips_to_the_bigger_courier() -> None:
    """Five visits of 4 units at one point 50 away; couriers of capacity 4 (free at t=0) and
    10 (free at t=1), three trips each. Earliest-free alternates small and big trips:
    1 + 2 + 1 + 1, four trips of 100. Waiting for the big courier: 2 + 2 + 1, three trips.
    (Couriers free at the same time go biggest first at any patience.)"""
    d = np.zeros((6, 6), dtype=I64)
    d[0, 1:] = d[1:, 0] = 50
    small = tuple(RoutingVehicle(0, 0, (4,)) for _ in range(3))
    big = tuple(RoutingVehicle(0, 0, (10,), earliest_start=1) for _ in range(3))
    problem = _line_problem(
        distance=d,
        durations=(d.copy(),),
        vehicles=small + big,
        chains=((0, 1, 2), (3, 4, 5)),
        gaps=(0, 0),
    )
    eager = greedy_routes(problem)
    patient = greedy_routes(problem, MAX_VALUE)
    for routes in (eager, patient):
        _check_feasible(problem, routes)
        assert sorted(x for r in routes for x in r) == [1, 2, 3, 4, 5]
    assert [len(r) for r in patient] == [0, 0, 0, 2, 2, 1]
    assert sum(1 for r in eager if r) == 4


def test_patience_measures_size_by_the_binding_dimension() -> None:
    """Weight unlimited for both couriers, bags 1 against 2: the courier with more bags is
    the bigger one, although both weights are equal (and the first courier is listed first)."""
    d = np.zeros((3, 3), dtype=I64)
    d[0, 1:] = d[1:, 0] = 50
    problem = RoutingProblem(
        distance=d,
        durations=(d.copy(),),
        demands=np.array([[0, 0], [5, 1], [5, 1]], dtype=I64),
        time_windows=np.array([[0, 1000]] * 3, dtype=I64),
        vehicles=(
            RoutingVehicle(0, 0, (MAX_VALUE, 1)),
            RoutingVehicle(0, 0, (MAX_VALUE, 2), earliest_start=1),
        ),
        penalties=np.array([-1, 10, 10], dtype=I64),
    )
    routes = greedy_routes(problem, MAX_VALUE)
    _check_feasible(problem, routes)
    assert routes == [[], [1, 2]]


def test_two_depots_seed_trips_at_home() -> None:
    """With two depots each courier seeds its trip among the visits nearest to its own
    depot: the most valuable visit (x=40, next to depot B at x=50) goes to B's courier,
    and A's courier takes the best of its own (x=20), not the far one."""
    pen = np.array([-1, 10, 20, 30, 1000, -1], dtype=I64)
    vehicles = (RoutingVehicle(0, 0, (4,)), RoutingVehicle(5, 5, (4,)))
    problem = _line_problem(penalties=pen, vehicles=vehicles)
    routes = greedy_routes(problem)
    _check_feasible(problem, routes)
    assert routes == [[2], [4]]
