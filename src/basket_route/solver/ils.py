"""OR-Tools' iterated local search (ruin and recreate), as the routing core configures it.

``RoutingModel.SolveWithIteratedLocalSearch`` runs it; this module only fills in its
search parameters. Why each setting: docs/benchmarks.md, "Iterated local search and
patient starts".
"""

from __future__ import annotations

from typing import Any

from ortools.constraint_solver import routing_enums_pb2, routing_ils_pb2
from ortools.util import optional_boolean_pb2

__all__ = ["ITERATED_LOCAL_SEARCH", "set_iterated_local_search", "switch_off_slow_operators"]

ITERATED_LOCAL_SEARCH = "ITERATED_LOCAL_SEARCH"
"""Our name for OR-Tools' iterated local search: ruin (SISR) and recreate, greedy-descent
improvement, simulated-annealing acceptance (``RoutingModel.SolveWithIteratedLocalSearch``)."""

# Local-search operators switched off under ILS: the ruin-and-recreate step already does
# what the insertion-LNS and chain operators do, far cheaper per iteration. Tuning runs
# (8 benchmark instances, 10 s; notes in docs/benchmarks.md): 2.4 % mean gap with them,
# 1.3 % without.
_ILS_OFF_OPERATORS = (
    "use_global_cheapest_insertion_path_lns",
    "use_local_cheapest_insertion_path_lns",
    "use_relocate_path_global_cheapest_insertion_insert_unperformed",
    "use_global_cheapest_insertion_visit_types_lns",
    "use_local_cheapest_insertion_visit_types_lns",
    "use_lin_kernighan",
    "use_make_chain_inactive",
    "use_swap_active_chain",
    "use_shortest_path_swap_active",
    "use_shortest_path_two_opt",
    "use_relocate_expensive_chain",
)
# SISR ruin (Christiaens & Vanden Berghe 2020): strings of at most 10 visits, about 15
# removed per ruin; OR-Tools' ILS needs avg >= (1 + min(10, route size)) / 2.
_SISR_MAX_STRING = 10
_SISR_AVG_REMOVED = 15
_SISR_BYPASS = 0.01


def set_iterated_local_search(search: Any) -> None:
    """Configure OR-Tools' ILS in SEARCH (``RoutingSearchParameters``, changed in place).

    SISR ruin, cheapest-insertion recreate, greedy-descent improvement with the operators
    of ``_ILS_OFF_OPERATORS`` off, simulated annealing on the reference solution, greedy
    descent on the best.
    """
    search.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GREEDY_DESCENT
    search.use_iterated_local_search = True
    ils = search.iterated_local_search_parameters
    ils.perturbation_strategy = routing_ils_pb2.PerturbationStrategy.RUIN_AND_RECREATE
    ruin = ils.ruin_recreate_parameters
    del ruin.ruin_strategies[:]
    sisr = ruin.ruin_strategies.add().sisr
    sisr.max_removed_sequence_size = _SISR_MAX_STRING
    sisr.avg_num_removed_visits = _SISR_AVG_REMOVED
    sisr.bypass_factor = _SISR_BYPASS
    ruin.recreate_strategy.heuristic = (
        routing_enums_pb2.FirstSolutionStrategy.LOCAL_CHEAPEST_INSERTION
    )
    ils.improve_perturbed_solution = True
    annealing = ils.reference_solution_acceptance_strategy.simulated_annealing
    annealing.cooling_schedule_strategy = routing_ils_pb2.CoolingScheduleStrategy.EXPONENTIAL
    annealing.automatic_temperatures = True
    ils.best_solution_acceptance_strategy.greedy_descent.SetInParent()
    switch_off_slow_operators(search)


def switch_off_slow_operators(search: Any) -> None:
    """Switch off the operators of ``_ILS_OFF_OPERATORS`` in SEARCH (changed in place).

    ILS always runs without them. The routing core also switches them off for chained
    (multi-trip) problems whatever the metaheuristic: there they never found a better
    plan, but every scan of a local optimum runs them all. Guided local search on a
    compound window (302 drops, 105 solutions) took 114 s with them and 4.6 s without,
    to the same plan (docs/benchmarks.md, "The operators that were never switched off").
    """
    for name in _ILS_OFF_OPERATORS:
        setattr(search.local_search_operators, name, optional_boolean_pb2.BOOL_FALSE)
