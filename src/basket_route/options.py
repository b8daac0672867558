"""Planning options: a small validated dataclass, readable from TOML."""

from __future__ import annotations

import math
import os
import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from basket_route.solver.decompose import groups_by_default
from basket_route.solver.encoding import MULTI_TRIP_ENCODINGS
from basket_route.solver.routing import (
    FIRST_SOLUTION_STRATEGIES,
    ITERATED_LOCAL_SEARCH,
    METAHEURISTICS,
)

__all__ = ["AUTO_DROPS_PER_SECOND", "PlanOptions", "auto_time_limit", "default_solution_limit"]

AUTO_DROPS_PER_SECOND = 40
"""Drops per second of one model's default time limit (7.75 s for the compound window of
2020-02-10 AM). Ten compound windows planned 51.50 km on average with it and 51.55 km at
one second per 25 drops (12.4 s there); docs/benchmarks.md, "The default time limit".
Chained windows then run guided local search
(:data:`~basket_route.solver.pipeline.CHAINED_ILS_DROPS_PER_SECOND`)."""


def auto_time_limit(n_drops: int, drops_per_second: float = AUTO_DROPS_PER_SECOND) -> float:
    """The default search time for a window of N_DROPS drops.

    One second per DROPS_PER_SECOND drops (default :data:`AUTO_DROPS_PER_SECOND`), within
    0.5–60 s.
    """
    return float(min(60.0, max(0.5, n_drops / drops_per_second)))


def default_solution_limit(n_drops: int) -> int:
    """The default solution count of reproducible mode for a window of N_DROPS drops."""
    return 30 + n_drops // 4


@dataclass(frozen=True, slots=True)
class PlanOptions:
    """How to plan a window.

    Parameters
    ----------
    time_limit
        Seconds for the whole :func:`~basket_route.plan_window` call (reading done,
        search, plan assembly). None picks :func:`auto_time_limit` from the number of
        drops. Time-limited plans may vary with machine load. Default None.
    reproducible
        Stop the search on a solution count instead of wall time, so that the same input
        and seed give a byte-identical plan. ``time_limit`` then only caps a runaway
        search. Default False.
    solution_limit
        Solutions to explore in reproducible mode. None picks
        :func:`default_solution_limit` (``30 + drops // 4``).
        Default None.
    seed
        Seeds the order in which drops are handed to the solver (OR-Tools routing has
        no seed of its own). Default 0.
    first_solution, metaheuristic
        OR-Tools strategy names. Defaults ``"PARALLEL_CHEAPEST_INSERTION"`` and
        ``"ITERATED_LOCAL_SEARCH"`` (ruin and recreate). Reproducible mode runs
        ``"GUIDED_LOCAL_SEARCH"`` in place of the latter, since the ILS loop can only be
        stopped by a time limit; so do windows with multi-trip couriers of more than 400
        drops, or of more than 40 per second of search — which includes every such window
        at the default time limit
        (:data:`basket_route.solver.pipeline.CHAINED_ILS_MAX_DROPS`).
        ``plan.solver["metaheuristic"]`` says which ran.
    log
        Print OR-Tools' search log. Default False.
    drop_share
        Size of a drop as a share of the smallest trip of the volunteers who may carry it
        (0 < share <= 1). Smaller drops let big couriers fill their trips (shorter plans);
        1.0 gives the fewest drops and the fastest search. Default None: half-size drops
        while a model has at most 400 of them and (unless reproducible) at most 200 per
        second of TIME_LIMIT, else whole-trip drops
        (:func:`basket_route.solver.batching.auto_drops`); ``plan.solver["drop_share"]``
        says which.
    multi_trip
        How a courier's successive trips reach the solver: ``"chain"``, one OR-Tools
        vehicle per trip linked by time constraints, or ``"reload"``, one vehicle per
        courier with reload nodes between trips (see :mod:`basket_route.solver.encoding`;
        measured weaker, kept for comparison: docs/benchmarks.md). Default ``"chain"``.
    courier_groups
        End a time-limited search of a window with multi-trip couriers by re-planning
        groups of nearby couriers (:mod:`basket_route.solver.decompose`; limits of 8 s
        or more). True or False; default None: on for a window planned as one model with
        a time limit of 60 s or more
        (:func:`~basket_route.solver.decompose.groups_by_default`), where it planned
        shorter on 8 of 10 compound windows it was not tuned on; at 10 and 30 s it was no
        shorter (docs/benchmarks.md, "Courier groups").
    """

    time_limit: float | None = None
    reproducible: bool = False
    solution_limit: int | None = None
    seed: int = 0
    first_solution: str = "PARALLEL_CHEAPEST_INSERTION"
    metaheuristic: str = "ITERATED_LOCAL_SEARCH"
    log: bool = False
    drop_share: float | None = None
    multi_trip: str = "chain"
    courier_groups: bool | None = None

    def __post_init__(self) -> None:
        if self.time_limit is not None and not (
            isinstance(self.time_limit, int | float)
            and math.isfinite(self.time_limit)
            and self.time_limit > 0
        ):
            raise ValueError(
                f"time_limit must be a number of seconds > 0 (got {self.time_limit!r})"
            )
        if self.solution_limit is not None and not (
            isinstance(self.solution_limit, int) and self.solution_limit >= 1
        ):
            raise ValueError(
                f"solution_limit must be an integer >= 1 (got {self.solution_limit!r})"
            )
        if self.drop_share is not None and not (
            isinstance(self.drop_share, int | float) and 0 < self.drop_share <= 1
        ):
            raise ValueError(f"drop_share must be in (0, 1] (got {self.drop_share!r})")
        if not isinstance(self.seed, int) or self.seed < 0:
            raise ValueError(f"seed must be an integer >= 0 (got {self.seed!r})")
        if self.first_solution not in FIRST_SOLUTION_STRATEGIES:
            raise ValueError(
                f"first_solution {self.first_solution!r} not in {list(FIRST_SOLUTION_STRATEGIES)}"
            )
        if self.metaheuristic not in METAHEURISTICS:
            raise ValueError(f"metaheuristic {self.metaheuristic!r} not in {list(METAHEURISTICS)}")
        if self.multi_trip not in MULTI_TRIP_ENCODINGS:
            raise ValueError(f"multi_trip {self.multi_trip!r} not in {list(MULTI_TRIP_ENCODINGS)}")
        if self.courier_groups is not None and not isinstance(self.courier_groups, bool):
            raise ValueError(
                f"courier_groups must be True, False or None (got {self.courier_groups!r})"
            )

    @property
    def default_search(self) -> bool:
        """True for the default search: on wall time (not reproducible), with automatic
        drops and iterated local search. Only it gets a second search on an idle worker
        (:mod:`basket_route.scale.portfolio`); other settings are the caller's choice."""
        return (
            not self.reproducible
            and self.drop_share is None
            and self.metaheuristic == ITERATED_LOCAL_SEARCH
        )

    def with_courier_groups_decided(self, one_model: bool) -> PlanOptions:
        """A copy whose ``courier_groups`` is True or False: None is decided by
        :func:`~basket_route.solver.decompose.groups_by_default` (ONE_MODEL: the window is
        not split into sub-problems)."""
        if self.courier_groups is not None:
            return self
        limit = None if self.reproducible else self.time_limit
        return replace(self, courier_groups=groups_by_default(limit, one_model))

    def with_overrides(self, **overrides: Any) -> PlanOptions:
        """A copy with every override that is not None applied."""
        return replace(self, **{k: v for k, v in overrides.items() if v is not None})

    @classmethod
    def from_toml(cls, path: str | os.PathLike[str]) -> PlanOptions:
        """Options from the ``[plan]`` table of a TOML file; missing keys keep their defaults."""
        data = tomllib.loads(Path(path).read_text(encoding="utf-8")).get("plan", {})
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"{path}: unknown [plan] option(s) {unknown}; known: {sorted(known)}")
        return cls(**data)
