"""What the routing core is asked to search, and what came back.

:class:`SearchParams` says how long and how (limits, strategies, multi-trip encoding,
courier groups); :class:`RoutingResult` is the answer of
:func:`basket_route.solver.routing.solve_routing`.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

from ortools.constraint_solver import routing_enums_pb2

from basket_route.solver.decompose import GroupReport
from basket_route.solver.encoding import MULTI_TRIP_ENCODINGS
from basket_route.solver.ils import ITERATED_LOCAL_SEARCH
from basket_route.solver.routing_problem import check as _check

__all__ = [
    "FIRST_SOLUTION_STRATEGIES",
    "METAHEURISTICS",
    "RECOMBINE_MIN_LIMIT_S",
    "RoutingResult",
    "SearchParams",
    "show_search_log",
]

FIRST_SOLUTION_STRATEGIES: tuple[str, ...] = tuple(
    k
    for k in routing_enums_pb2.FirstSolutionStrategy.Value.keys()  # noqa: SIM118 - protobuf enum
    if k not in ("UNSET", "EVALUATOR_STRATEGY")
)
METAHEURISTICS: tuple[str, ...] = (
    ITERATED_LOCAL_SEARCH,
    *(
        k
        for k in routing_enums_pb2.LocalSearchMetaheuristic.Value.keys()  # noqa: SIM118 - protobuf enum
        if k != "UNSET"
    ),
)


def show_search_log() -> None:
    """Let OR-Tools' C++ log reach stderr again, for ``SearchParams(log=True)``.

    A CP-SAT solve anywhere earlier in the process (drop packing runs one for most
    windows) raises the threshold of OR-Tools' C++ log, and the routing search log asked
    for with ``log_search`` then prints nothing (OR-Tools 9.15; docs/reliability.md).
    This lowers the threshold again, so that every message shows as it did before that
    solve, and drops the log-line prefix.
    """
    # Imported here: only a search that asks for the log needs it, and the CLI's start-up
    # counts inside its time limit.
    from ortools.init.python import init as ortools_init

    flags = ortools_init.CppFlags()
    flags.stderrthreshold = 0
    flags.log_prefix = False
    ortools_init.CppBridge.set_flags(flags)


RECOMBINE_MIN_LIMIT_S = 10.0
"""Time limit (s) from which searches recombine the routes they reached by default.
Measured at 1, 5 and 10 s on the benchmark instances (docs/benchmarks.md, "Recombining
the routes a search visited"): a gain at 10 s, none at 5 s, a loss at 1 s."""


@dataclass(frozen=True, slots=True)
class SearchParams:
    """How long and how to search.

    Parameters
    ----------
    time_limit
        Seconds of search. None means no wall-time limit (then ``solution_limit`` is
        required). Default 1.0.
    solution_limit
        Stop after this many solutions: the reproducible mode. Default None.
    failure_limit
        Stop after this many failed moves, a second deterministic limit for searches that
        stall without new solutions (guided local search on a one-visit problem never
        reaches a solution limit). Default None.
    first_solution
        An OR-Tools first-solution strategy name. Default ``"PARALLEL_CHEAPEST_INSERTION"``.
    metaheuristic
        ``"ITERATED_LOCAL_SEARCH"`` (OR-Tools' ruin and recreate: SISR ruin, cheapest
        insertion, greedy descent, simulated-annealing acceptance; needs ``time_limit``,
        which it always runs to) or an OR-Tools local-search metaheuristic name such as
        ``"GUIDED_LOCAL_SEARCH"``. Default ``"ITERATED_LOCAL_SEARCH"``.
    log
        Print OR-Tools' search log. Default False.
    starts
        Further first-solution strategies tried for one solution each when there is no
        warm start and no chain, except under ILS (measured: the slices are better spent
        on ruin and recreate); the search improves the cheapest start. Default
        ``("PATH_CHEAPEST_ARC", "SAVINGS")``; ``()`` uses ``first_solution`` only.
    multi_trip
        How chained trips reach OR-Tools (see :mod:`basket_route.solver.encoding`):
        ``"chain"``, one vehicle per trip with time constraints between them, or
        ``"reload"``, one vehicle per courier with reload nodes between its trips where
        that applies (measured weaker: docs/benchmarks.md). Default ``"chain"``.
    spare_trips
        On chained problems, the trip-vehicles a courier keeps after the last one its
        start uses (at least one per courier); the others are left out of the OR-Tools
        model, which is then smaller and faster to search. None keeps them all. Default
        1 (six compound windows, half-size drops, 5 s: 53.26 km mean against 54.48 with
        every trip-vehicle kept; docs/benchmarks.md, "Spare trips").
    courier_groups
        Without a solution limit, end the search on a chained problem by re-solving
        groups of nearby couriers once the whole-problem search has had its share
        (:mod:`basket_route.solver.decompose`: when it applies and how the time is
        split, ``group_seconds``). Default False (not shown to help on windows it was
        not tuned on: docs/benchmarks.md, "Courier groups").
    recombine
        Without a solution limit, and when no courier has several trips, keep the routes
        of every solution the search reaches and end with the cheapest plan they combine
        into (set partitioning: :mod:`basket_route.solver.route_pool`), which gets
        :func:`~basket_route.solver.route_pool.recombination_seconds` of the time limit.
        True or False forces it on or off; the default None turns it on from
        :data:`RECOMBINE_MIN_LIMIT_S` seconds (:attr:`recombines` says which). On the
        benchmark instances at 10 s it planned 0.10 points of gap shorter on average over
        22 paired runs (shorter in 16); at 5 s no shorter; at 1 s 0.86 points longer, the
        time it takes being the search's best time (docs/benchmarks.md, "Recombining the
        routes a search visited").
    """

    time_limit: float | None = 1.0
    solution_limit: int | None = None
    failure_limit: int | None = None
    first_solution: str = "PARALLEL_CHEAPEST_INSERTION"
    metaheuristic: str = "ITERATED_LOCAL_SEARCH"
    log: bool = False
    starts: tuple[str, ...] = ("PATH_CHEAPEST_ARC", "SAVINGS")
    multi_trip: str = "chain"
    spare_trips: int | None = 1
    courier_groups: bool = False
    recombine: bool | None = None

    @property
    def recombines(self) -> bool:
        """Whether a search with these parameters recombines its routes (where it applies:
        no courier with several trips): ``recombine`` if set, else from a time limit of
        :data:`RECOMBINE_MIN_LIMIT_S`; never with a solution limit (reproducible mode)."""
        if self.solution_limit is not None or self.time_limit is None:
            return False
        if self.recombine is not None:
            return self.recombine
        return self.time_limit >= RECOMBINE_MIN_LIMIT_S

    def __post_init__(self) -> None:
        if self.time_limit is not None:
            _check(
                math.isfinite(self.time_limit) and self.time_limit > 0,
                "time_limit must be > 0 seconds",
            )
        if self.solution_limit is not None:
            _check(self.solution_limit >= 1, "solution_limit must be >= 1")
        if self.failure_limit is not None:
            _check(self.failure_limit >= 1, "failure_limit must be >= 1")
        # GLS never stops by itself (OR-Tools #1253): some limit is mandatory.
        _check(
            self.time_limit is not None or self.solution_limit is not None,
            "set time_limit or solution_limit",
        )
        _check(
            self.first_solution in FIRST_SOLUTION_STRATEGIES,
            f"first_solution not in {list(FIRST_SOLUTION_STRATEGIES)}",
        )
        _check(self.metaheuristic in METAHEURISTICS, f"metaheuristic not in {list(METAHEURISTICS)}")
        # OR-Tools' ILS loop ends only at its time limit when no perturbation succeeds.
        _check(
            self.metaheuristic != ITERATED_LOCAL_SEARCH or self.time_limit is not None,
            "ITERATED_LOCAL_SEARCH needs a time_limit",
        )
        bad = [x for x in self.starts if x not in FIRST_SOLUTION_STRATEGIES]
        _check(not bad, f"starts {bad} not in {list(FIRST_SOLUTION_STRATEGIES)}")
        _check(self.spare_trips is None or self.spare_trips >= 0, "spare_trips must be >= 0")
        _check(
            self.multi_trip in MULTI_TRIP_ENCODINGS,
            f"multi_trip not in {list(MULTI_TRIP_ENCODINGS)}",
        )


@dataclass(frozen=True, slots=True)
class RoutingResult:
    """What the search returned.

    ``routes[v]`` lists the visit nodes of vehicle v in order (empty when unused);
    ``start_times[v]`` is the start time the solver chose; ``status`` is the OR-Tools
    status name; ``first_solution`` names what produced the start (an OR-Tools strategy;
    ``initial_routes``, the caller's; ``constructive start``, ours, on chained problems;
    any of these followed by `` (kept)`` when OR-Tools ended on something worse; or
    ``constructive`` when OR-Tools failed and the constructive builder's routes are
    returned as they are); ``groups`` says what the courier groups did, if they ran;
    ``recombination`` what recombining the search's routes did (empty when it did not
    run).
    """

    routes: tuple[tuple[int, ...], ...]
    start_times: tuple[int, ...]
    objective: int
    status: str
    first_solution: str
    wall_s: float
    groups: GroupReport = dataclasses.field(default_factory=GroupReport)
    recombination: str = ""

    @property
    def solved(self) -> bool:
        """True when some solution came back (from OR-Tools or the constructive fallback).

        False only when both failed; every route is then empty."""
        return self.first_solution != ""
