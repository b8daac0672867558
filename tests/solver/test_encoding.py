"""The two OR-Tools encodings of multi-trip couriers: chains and reload nodes."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import assume, given, settings

import basket_route as br
from basket_route.solver.construct import greedy_routes
from basket_route.solver.encoding import encode, reload_applies
from basket_route.solver.routing import RoutingProblem, RoutingVehicle, SearchParams, solve_routing
from tests.solver.test_construct import _check_feasible, _line_problem, problems

I64 = np.int64


def _courier(trips: int = 3, **overrides: Any) -> RoutingProblem:
    """One courier of capacity 10 with TRIPS chained trips, gap 100, on the line problem."""
    vehicles = tuple(RoutingVehicle(0, 0, (10,), latest_end=2000) for _ in range(trips))
    kwargs: dict[str, Any] = {
        "vehicles": vehicles,
        "chains": (tuple(range(trips)),),
        "gaps": (100,),
        "time_windows": np.array([[0, 2000]] * 6, dtype=I64),
    }
    kwargs.update(overrides)
    return _line_problem(**kwargs)


def test_encode_rejects_an_unknown_encoding() -> None:
    with pytest.raises(ValueError, match="multi_trip"):
        encode(_courier(), "teleport")


def test_search_params_reject_an_unknown_encoding() -> None:
    with pytest.raises(ValueError, match="multi_trip"):
        SearchParams(multi_trip="teleport")


def test_reload_applies_to_alike_trips() -> None:
    assert reload_applies(_courier())


@pytest.mark.parametrize(
    ("case", "problem"),
    [
        ("no chain", _line_problem()),
        ("single-trip chain", _courier(trips=1)),
        (
            "trips of different capacity",
            _courier(
                vehicles=(RoutingVehicle(0, 0, (10,)), RoutingVehicle(0, 0, (8,))),
                chains=((0, 1),),
            ),
        ),
        (
            "a visit allowed on the second trip only",
            _courier(trips=2, allowed_vehicles=(None, (1,), None, None, None, None)),
        ),
    ],
)
def test_reload_does_not_apply(case: str, problem: RoutingProblem) -> None:
    """Where reload nodes cannot express the problem exactly, the chains are used."""
    assert not reload_applies(problem), case
    assert not encode(problem, "reload").reload


@settings(max_examples=50, deadline=None)
@given(problems(reloadable=True))
def test_reload_routes_round_trip(problem: RoutingProblem) -> None:
    """Trip routes → courier routes with reload nodes → the same trips, used ones first."""
    assume(reload_applies(problem))
    model = encode(problem, "reload")
    routes = greedy_routes(problem)
    solver_routes = model.to_solver(routes)
    assert len(solver_routes) == model.routing.vehicles()
    back = model.from_solver(solver_routes)
    for chain in problem.chains:
        used = [tuple(routes[v]) for v in chain if routes[v]]
        assert [back[v] for v in chain] == used + [()] * (len(chain) - len(used))
    n = problem.distance.shape[0]
    reload_nodes = sorted(x for r in solver_routes for x in r if x >= n)
    assert reload_nodes == list(range(n, model.manager.GetNumberOfNodes()))


@pytest.mark.parametrize("multi_trip", ["chain", "reload"])
def test_courier_needs_three_trips(multi_trip: str) -> None:
    """Five visits of 4 units, capacity 10: three trips of one courier serve them all,
    in either encoding, each trip within capacity and after the previous one's gap."""
    problem = _courier(penalties=np.array([-1, -1, -1, -1, -1, -1], dtype=I64))
    result = solve_routing(
        problem,
        SearchParams(time_limit=1.0, metaheuristic="GUIDED_LOCAL_SEARCH", multi_trip=multi_trip),
    )
    assert result.solved
    assert sorted(x for r in result.routes for x in r) == [1, 2, 3, 4, 5]
    _check_feasible(problem, [list(r) for r in result.routes])
    # A trip costs twice its farthest visit: (50, 40), (30, 20), (10) is optimal.
    assert result.objective == 2 * (50 + 30 + 10)


def test_plan_window_with_reload_nodes_verifies() -> None:
    """The reload encoding gives a complete, valid plan of a synthetic building window."""
    scenario = br.synthetic("building", seed=0)
    options = br.PlanOptions(time_limit=2.0, multi_trip="reload")
    plan = br.plan_window(scenario, "2020-02-10", "AM", options)
    assert plan.verify(scenario).ok
    assert plan.solver["multi_trip"] == "reload"
    placed = {o for r in plan.routes for t in r.trips for s in t.stops for o in s.order_ids}
    assert len(placed) + len(plan.unassigned) == len(scenario.orders_in(plan.date, plan.window))
