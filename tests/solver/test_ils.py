"""Tests of basket_route.solver.ils: the ILS settings the routing core hands to OR-Tools."""

from __future__ import annotations

from typing import Any

import pytest
from ortools.constraint_solver import pywrapcp, routing_enums_pb2, routing_ils_pb2
from ortools.util import optional_boolean_pb2

from basket_route.solver.ils import _ILS_OFF_OPERATORS, set_iterated_local_search


@pytest.fixture()
def search() -> Any:
    params = pywrapcp.DefaultRoutingSearchParameters()
    set_iterated_local_search(params)
    return params


def test_ils_is_switched_on_with_one_sisr_ruin(search: Any) -> None:
    """ILS on, ruin and recreate by one SISR ruin that OR-Tools' validation accepts
    (avg removed >= (1 + max string) / 2), recreate by local cheapest insertion."""
    assert search.use_iterated_local_search
    ils = search.iterated_local_search_parameters
    assert ils.perturbation_strategy == routing_ils_pb2.PerturbationStrategy.RUIN_AND_RECREATE
    (ruin,) = ils.ruin_recreate_parameters.ruin_strategies
    assert ruin.WhichOneof("strategy") == "sisr"
    assert ruin.sisr.avg_num_removed_visits >= (1 + ruin.sisr.max_removed_sequence_size) / 2
    assert 0 <= ruin.sisr.bypass_factor <= 1
    assert (
        ils.ruin_recreate_parameters.recreate_strategy.heuristic
        == routing_enums_pb2.FirstSolutionStrategy.LOCAL_CHEAPEST_INSERTION
    )
    assert ils.reference_solution_acceptance_strategy.simulated_annealing.automatic_temperatures


def test_improvement_is_greedy_descent_with_heavy_operators_off(search: Any) -> None:
    """A metaheuristic such as GLS would never hand back to the perturbation."""
    assert (
        search.local_search_metaheuristic
        == routing_enums_pb2.LocalSearchMetaheuristic.GREEDY_DESCENT
    )
    operators = search.local_search_operators
    for name in _ILS_OFF_OPERATORS:
        assert getattr(operators, name) == optional_boolean_pb2.BOOL_FALSE, name
    assert operators.use_relocate == optional_boolean_pb2.BOOL_TRUE
