"""District scale: split a window into independent sub-problems, solve them on any Executor.

A building belongs to a depot: ``buildings.csv: depot_id`` when given, else the depot
nearest by round-trip travel distance. Each depot with its buildings and the volunteers on
shift there is a sub-problem; one estimated at more than ``max_drops`` drops (with
automatic drops: 360 half-size ones) is split further by weighted k-means over its buildings, its volunteers shared out in proportion to
load (door-to-door volunteers first to the clusters with sealed buildings).

Sub-problems are pure, picklable inputs (:class:`SubProblem`) that :func:`solve_subproblem`
turns into plan fragments on any :class:`concurrent.futures.Executor`: a process pool by
default, a Dask ``distributed`` client's executor on a cluster. Orders a sub-problem left
``out_of_time`` or ``no_volunteer`` are offered in a second pass to the nearest other
sub-problems with spare volunteer time: such a neighbour is planned again with them added,
and the better of its two plans is kept. A sub-problem that raises or overruns its time is
retried once; after that its orders are listed ``out_of_time`` with the error as detail.

Modules: :mod:`~basket_route.scale.partition` (which building and volunteer goes where, the
sub-problems), :mod:`~basket_route.scale.execute` (executors, limits, retries) and
:mod:`~basket_route.scale.window` (the two passes and the merge).

Examples
--------
>>> import basket_route as br
>>> from concurrent.futures import ThreadPoolExecutor
>>> scenario = br.synthetic("compound", seed=0, days=1)
>>> with ThreadPoolExecutor(2) as pool:
...     plan = br.plan_window(scenario, "2020-02-10", "AM", executor=pool, time_limit=3)
>>> plan.verify(scenario).ok
True
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from basket_route.scale.estimate import DEFAULT_MAX_DROPS as DEFAULT_MAX_DROPS
    from basket_route.scale.estimate import is_large as is_large
    from basket_route.scale.execute import open_executor as open_executor
    from basket_route.scale.execute import process_pool as process_pool
    from basket_route.scale.partition import Partition as Partition
    from basket_route.scale.partition import SubProblem as SubProblem
    from basket_route.scale.partition import assign_depots as assign_depots
    from basket_route.scale.partition import partition_window as partition_window
    from basket_route.scale.partition import restrict as restrict
    from basket_route.scale.partition import solve_subproblem as solve_subproblem
    from basket_route.scale.window import DEFAULT_BUDGET_CAP_S as DEFAULT_BUDGET_CAP_S
    from basket_route.scale.window import (
        SUB_PROBLEM_DROPS_PER_SECOND as SUB_PROBLEM_DROPS_PER_SECOND,
    )
    from basket_route.scale.window import plan_partitioned as plan_partitioned

_HOME = {
    "DEFAULT_MAX_DROPS": "estimate",
    "is_large": "estimate",
    "open_executor": "execute",
    "process_pool": "execute",
    "Partition": "partition",
    "SubProblem": "partition",
    "assign_depots": "partition",
    "partition_window": "partition",
    "restrict": "partition",
    "solve_subproblem": "partition",
    "DEFAULT_BUDGET_CAP_S": "window",
    "SUB_PROBLEM_DROPS_PER_SECOND": "window",
    "plan_partitioned": "window",
}

__all__ = [
    "DEFAULT_BUDGET_CAP_S",
    "DEFAULT_MAX_DROPS",
    "SUB_PROBLEM_DROPS_PER_SECOND",
    "Partition",
    "SubProblem",
    "assign_depots",
    "is_large",
    "open_executor",
    "partition_window",
    "plan_partitioned",
    "process_pool",
    "restrict",
    "solve_subproblem",
]


def __getattr__(name: str) -> Any:
    """Import on first use (PEP 562): plan_window asks ``is_large`` on every call, and only
    a split window needs the rest."""
    if name not in _HOME:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_HOME[name]}"), name)


def __dir__() -> list[str]:
    return sorted([*globals(), *_HOME])
