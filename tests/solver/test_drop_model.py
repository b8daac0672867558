"""Drops → routing problem (build_drop_model) and routes → timed trips (retime)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

import basket_route as br
from basket_route.solver.batching import make_drops
from basket_route.solver.drop_model import (
    DropModel,
    build_drop_model,
    retime,
    trips_per_volunteer,
)
from basket_route.solver.problem import WindowProblem, build_window_problem, screen
from basket_route.solver.routing import SearchParams, solve_routing

DAY = "2020-02-10"


def _model(sc: br.Scenario, share: float = 0.5, seed: int = 0) -> tuple[WindowProblem, DropModel]:
    problem = build_window_problem(sc, br.model.as_date(DAY), "AM")
    eligible, _ = screen(problem)
    return problem, build_drop_model(problem, make_drops(problem, eligible, share), seed)


@pytest.mark.parametrize("seed", [0, 7])
def test_nodes_vehicles_and_chains_line_up(building_dir: Path, seed: int) -> None:
    """Depots first, one node per drop after them; each volunteer's trips are one chain of
    consecutive vehicles; a drop rides only on trips of volunteers who may carry it."""
    _, model = _model(br.load_scenario(building_dir), seed=seed)
    n_dep = len(model.depot_nodes)
    rp = model.problem
    assert rp.allowed_vehicles is not None
    assert rp.penalties is not None
    assert rp.distance.shape == (n_dep + len(model.drops),) * 2
    assert sorted(k for c in model.chains.values() for k in c) == list(range(len(rp.vehicles)))
    for v, chain in model.chains.items():
        assert list(chain) == list(range(chain[0], chain[0] + len(chain)))
        assert all(model.vehicle_owner[k] == v for k in chain)
    for j, drop in enumerate(model.drops):
        allowed = rp.allowed_vehicles[n_dep + j]
        assert allowed
        assert {model.vehicle_owner[k] for k in allowed} <= set(drop.volunteers)
        assert rp.penalties[n_dep + j] > 0  # every drop may be left out, at a price


def test_seed_reorders_the_drops_only(building_dir: Path) -> None:
    """A seed shuffles the drop nodes; the drops and the vehicles stay the same."""
    _, plain = _model(br.load_scenario(building_dir))
    _, shuffled = _model(br.load_scenario(building_dir), seed=3)
    assert shuffled.drops != plain.drops
    assert sorted(shuffled.drops, key=lambda d: d.order_ids) == sorted(
        plain.drops, key=lambda d: d.order_ids
    )
    assert shuffled.problem.vehicles == plain.problem.vehicles


def test_trips_per_volunteer_keeps_to_max_trips(building_dir: Path) -> None:
    """No volunteer gets more trip-vehicles than their ``max_trips``."""
    sc = br.load_scenario(building_dir)
    capped = {v: dataclasses.replace(vol, max_trips=1) for v, vol in sc.volunteers.items()}
    sc = dataclasses.replace(sc, volunteers=capped)
    problem = build_window_problem(sc, br.model.as_date(DAY), "AM")
    eligible, _ = screen(problem)
    trips = trips_per_volunteer(problem, make_drops(problem, eligible, 0.5))
    assert trips
    assert set(trips.values()) == {1}


def test_retime_gives_every_routed_drop_a_timed_stop(building_dir: Path) -> None:
    """Every order on the solver's routes comes back on one stop of one trip, and trips
    of a volunteer do not overlap."""
    problem, model = _model(br.load_scenario(building_dir))
    result = solve_routing(model.problem, SearchParams(time_limit=1.0))
    routes, lost = retime(problem, model, result)
    n_dep = len(model.depot_nodes)
    routed = {o for r in result.routes for node in r for o in model.drops[node - n_dep].order_ids}
    timed = [o for r in routes for t in r.trips for s in t.stops for o in s.order_ids]
    assert not lost
    assert sorted(timed) == sorted(routed)
    for route in routes:
        for before, after in zip(route.trips, route.trips[1:], strict=False):
            assert before.return_ <= after.depart
