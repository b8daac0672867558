"""Warm starts: an earlier plan's trips as the start of the search."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import basket_route as br
from basket_route.scale.partition import restrict
from basket_route.solver.batching import make_drops
from basket_route.solver.construct import greedy_routes
from basket_route.solver.drop_model import build_drop_model
from basket_route.solver.problem import build_window_problem, screen
from basket_route.solver.routing import (
    CONSTRUCTIVE_START,
    RoutingProblem,
    RoutingVehicle,
    SearchParams,
    solve_routing,
)
from basket_route.solver.warm import _chain_fits, _chains, _insert, warm_routes
from tests.helpers import assert_accounted
from tests.solver.test_construct import _line_problem, problems

DAY = "2020-02-10"
REPRO = br.PlanOptions(reproducible=True, solution_limit=30)


def _km(plan: br.Plan) -> float:
    return float(plan.summary_counts()["distance_m"]) / 1000


def _spots(plan: br.Plan) -> dict[str, tuple[str, int]]:
    return {o: (p.volunteer_id, p.trip) for o, p in plan.placements().items()}


def test_warm_start_from_the_same_plan_keeps_it(building_dir: Path) -> None:
    """Planning a window again from its own plan places every drop as before, starts from
    it and ends no longer."""
    sc = br.load_scenario(building_dir)
    first = br.plan_window(sc, DAY, "AM", REPRO)
    again = br.plan_window(sc, DAY, "AM", REPRO, warm_start=first)
    assert again.verify(sc).ok
    assert_accounted(sc, again)
    drops = first.solver["drops"]
    assert again.solver["warm_start"] == f"{drops} of {drops} drops placed as in the given plan"
    assert again.solver["first_solution"].startswith("initial_routes")
    assert _km(again) <= _km(first) + 1e-9


def test_late_orders_are_inserted_around_the_earlier_trips(building_dir: Path) -> None:
    """The window planned without every 10th order, then in full from that plan: the start
    keeps every earlier drop on its courier's trip and fits the late ones in."""
    sc = br.load_scenario(building_dir)
    day = br.model.as_date(DAY)
    orders = sorted(o.order_id for o in sc.orders_in(day, "AM"))
    late = set(orders[::10])
    early_sc = restrict(
        sc, day, "AM", sorted(sc.buildings), sorted(sc.volunteers), sorted(set(orders) - late)
    )
    early = br.plan_window(early_sc, day, "AM", REPRO)
    problem = build_window_problem(sc, day, "AM")
    eligible, _ = screen(problem)
    model = build_drop_model(problem, make_drops(problem, eligible, 0.5), 0)
    n_dep = len(model.depot_nodes)
    routes, placed = warm_routes(problem, model.problem, model.drops, n_dep, model.chains, early)
    was = _spots(early)
    owner = {
        k: (problem.volunteers[v].volunteer_id, t)
        for v, c in model.chains.items()
        for t, k in enumerate(c)
    }
    on_route = {node: k for k, r in enumerate(routes) for node in r}
    kept = known = 0
    for j, drop in enumerate(model.drops):
        node = n_dep + j
        earlier = [was[o] for o in drop.order_ids if o in was]
        known += bool(earlier)
        if earlier and node in on_route and owner[on_route[node]] == earlier[0]:
            kept += 1
    # Drops of earlier orders stay on their trip unless a late order made them too big;
    # PLACED also counts drops of late orders put where their building was served.
    assert 0.8 * known <= kept <= placed
    assert len(on_route) > placed  # late drops inserted
    assert all(_chain_fits(model.problem, c, g, routes) for c, g in _chains(model.problem))
    full = br.plan_window(sc, day, "AM", REPRO, warm_start=early)
    assert full.verify(sc).ok
    assert_accounted(sc, full)


def test_warm_start_of_unknown_couriers_places_nothing(building_dir: Path) -> None:
    """A plan of couriers who are not on shift places no drop; the constructive start is
    used and nothing is lost."""
    sc = br.load_scenario(building_dir)
    first = br.plan_window(sc, DAY, "AM", REPRO)
    other = br.Plan(
        first.scenario,
        first.date,
        first.window,
        tuple(br.plan.Route(f"X{r.volunteer_id}", r.trips) for r in first.routes),
        first.unassigned,
    )
    plan = br.plan_window(sc, DAY, "AM", REPRO, warm_start=other)
    assert plan.verify(sc).ok
    assert_accounted(sc, plan)
    assert plan.solver["warm_start"].startswith("0 of ")


def test_warm_start_is_ignored_when_the_window_is_split(building_dir: Path) -> None:
    sc = br.load_scenario(building_dir)
    first = br.plan_window(sc, DAY, "AM", REPRO)
    split = br.plan_window(sc, DAY, "AM", REPRO, partition=True, warm_start=first)
    assert split.solver["warm_start"].startswith("ignored")
    assert split.verify(sc).ok


def test_rejected_warm_start_falls_back_to_the_constructive_start() -> None:
    """One courier, capacity 10, three trips; a warm start of one trip carrying all five
    visits (20 units) is cheaper on paper but over capacity: the model rejects it and the
    search starts from the constructive routes."""
    trips = tuple(RoutingVehicle(0, 0, (10,), latest_end=2000) for _ in range(3))
    problem = _line_problem(
        vehicles=trips,
        chains=((0, 1, 2),),
        gaps=(100,),
        time_windows=np.array([[0, 2000]] * 6, dtype=np.int64),
    )
    result = solve_routing(
        problem, SearchParams(time_limit=1.0), initial_routes=[[1, 2, 3, 4, 5], [], []]
    )
    assert result.first_solution.startswith(f"{CONSTRUCTIVE_START} (initial_routes rejected)")
    for r in result.routes:
        assert sum(int(problem.demands[x, 0]) for x in r) <= 10


@settings(max_examples=60, deadline=None)
@given(problems(), st.integers(0, 2**16))
def test_insertion_keeps_every_chain_feasible(problem: RoutingProblem, seed: int) -> None:
    """Feasible routes with some visits taken out: inserting them back (where they fit)
    leaves every courier's trips within capacity, time windows and reload gaps."""
    routes = greedy_routes(problem)
    assert all(_chain_fits(problem, c, g, routes) for c, g in _chains(problem))
    rng = random.Random(seed)
    removed = [x for r in routes for x in r if rng.random() < 0.5]
    routes = [[x for x in r if x not in removed] for r in routes]
    for node in removed:
        _insert(problem, routes, node)
    assert all(_chain_fits(problem, c, g, routes) for c, g in _chains(problem))
    visits = [x for r in routes for x in r]
    assert len(visits) == len(set(visits))
