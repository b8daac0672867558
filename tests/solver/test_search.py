"""Tests of basket_route.solver.search: the search log that ``SearchParams.log`` asks for."""

from __future__ import annotations

import numpy as np
import pytest
from ortools.sat.python import cp_model

from basket_route.solver.routing import RoutingProblem, RoutingVehicle, SearchParams, solve_routing


def _triangle() -> RoutingProblem:
    """Depot 0 and visits 1, 2 on a 3-4-5 triangle; one vehicle, wide windows."""
    d = np.array([[0, 3, 4], [3, 0, 5], [4, 5, 0]], dtype=np.int64)
    return RoutingProblem(
        distance=d,
        durations=(d.copy(),),
        demands=np.zeros((3, 1), dtype=np.int64),
        time_windows=np.array([[0, 1000]] * 3, dtype=np.int64),
        vehicles=(RoutingVehicle(0, 0, (10,)),),
    )


def _cp_sat_solve() -> None:
    """A CP-SAT solve, as drop packing runs before most routing searches."""
    model = cp_model.CpModel()
    x = model.new_int_var(0, 3, "x")
    model.maximize(x)
    assert cp_model.CpSolver().solve(model) == cp_model.OPTIMAL


@pytest.mark.parametrize("metaheuristic", ["ITERATED_LOCAL_SEARCH", "GUIDED_LOCAL_SEARCH"])
@pytest.mark.parametrize("log", [True, False])
def test_search_log_follows_the_parameter_after_a_cp_sat_solve(
    capfd: pytest.CaptureFixture[str], metaheuristic: str, log: bool
) -> None:
    # Before show_search_log, a CP-SAT solve silenced OR-Tools' routing log for good.
    _cp_sat_solve()
    capfd.readouterr()
    params = SearchParams(time_limit=0.2, metaheuristic=metaheuristic, log=log)
    result = solve_routing(_triangle(), params)
    assert result.solved
    assert ("Solution #" in capfd.readouterr().err) is log
