"""Idle workers search a sub-problem a second way; the better plan is kept.

Neither of OR-Tools' searches wins everywhere on multi-trip windows. On the synthetic
compound windows (walkers from one depot) guided local search with two-fifths drops planned
51.59 km on average at 10 s, against 52.10 km for ILS with half-size drops, the default; on
district-type windows of 400-800 orders ILS planned 2-8 % shorter (docs/benchmarks.md,
"Two-fifths drops and guided local search"). Which one wins is not known before both ran.

A window planned on an executor with fewer sub-problems than workers (a one-depot window
on ``--workers 2``, or by default on Linux, see
:func:`~basket_route.scale.estimate.second_search_pays`) would leave workers idle: each idle worker runs the other search of
one sub-problem, largest first, in the same time, and the plan that scores higher is kept.
"""

from __future__ import annotations

from collections.abc import Callable, MutableMapping, Sequence
from dataclasses import replace

from basket_route.options import PlanOptions
from basket_route.plan import Plan
from basket_route.scale.execute import _Job
from basket_route.solver.batching import AUTO_HALF_MAX_DROPS

__all__ = [
    "ALTERNATIVE_DROP_SHARE",
    "ALTERNATIVE_METAHEURISTIC",
    "ALTERNATIVE_SUFFIX",
    "alternatives",
    "keep_better",
]

ALTERNATIVE_METAHEURISTIC = "GUIDED_LOCAL_SEARCH"
"""The second search's metaheuristic (the first runs the options' own)."""
ALTERNATIVE_DROP_SHARE = 0.4
"""The second search's drop size: its best on the compound windows (51.79 km at 5 s
against 52.27 with half-size drops; below 0.4 the drop count hardly grows)."""
ALTERNATIVE_SUFFIX = "+gls"
"""Appended to a sub-problem's key for its second search."""


def alternatives(jobs: Sequence[_Job], options: PlanOptions, slots: int) -> list[_Job]:
    """Second searches of the largest JOBS, one per slot that JOBS leave idle.

    Only for the defaults of the search (time-limited, automatic drops, ILS): other options
    are the caller's choice, and reproducible mode would take longer for the second
    search's drops. Sub-problems of more than ``AUTO_HALF_MAX_DROPS`` estimated drops get
    none (two-fifths drops would be too many for one model).
    """
    if not options.default_search:
        return []
    idle = max(0, slots - len(jobs))
    fits = [j for j in jobs if j.load <= AUTO_HALF_MAX_DROPS]
    largest = sorted(fits, key=lambda j: (-j.load, j.sub.key))[:idle]
    other = replace(
        options, metaheuristic=ALTERNATIVE_METAHEURISTIC, drop_share=ALTERNATIVE_DROP_SHARE
    )
    return [
        _Job(replace(j.sub, key=j.sub.key + ALTERNATIVE_SUFFIX, options=other), j.load)
        for j in largest
    ]


def keep_better(
    results: MutableMapping[str, Plan | str], score: Callable[[Plan], tuple[float, ...]]
) -> tuple[int, int]:
    """Fold the second searches of RESULTS into their sub-problems' entries, in place.

    A sub-problem's plan is replaced by its second search's when that scores higher, or
    when its own search failed. Returns (second searches that returned a plan, plans
    replaced).
    """
    ran = replaced = 0
    for key in sorted(k for k in results if k.endswith(ALTERNATIVE_SUFFIX)):
        other = results.pop(key)
        if not isinstance(other, Plan):
            continue
        ran += 1
        base = key.removesuffix(ALTERNATIVE_SUFFIX)
        own = results.get(base)
        if not isinstance(own, Plan) or score(other) > score(own):
            results[base] = other
            replaced += 1
    return ran, replaced
