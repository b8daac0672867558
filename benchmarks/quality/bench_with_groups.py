"""`basket-route bench` with courier groups on unchained problems too (they run only on
chained ones by default): the whole-problem search gets WHOLE (default 0.5) of the limit,
groups of five routes plus two idle vehicles the rest, BURST seconds (default 1) each.

    GROUPS=off .venv/bin/python benchmarks/quality/bench_with_groups.py bench \\
        ../shared/data/benchmarks --time-limit 10 -o off.csv --markdown off.md --quiet
    GROUPS=on BURST=1 .venv/bin/python benchmarks/quality/bench_with_groups.py bench \\
        ../shared/data/benchmarks --time-limit 10 -o on.csv --markdown on.md --quiet
"""

from __future__ import annotations

import os
import sys
from typing import Any

import basket_route.solver.decompose as decompose
import basket_route.solver.routing as routing
from basket_route.cli import main
from basket_route.solver.routing_problem import RoutingProblem

MODE = os.environ.get("GROUPS", "on")
BURST_S = float(os.environ.get("BURST", "1"))
WHOLE = float(os.environ.get("WHOLE", "0.5"))


def group_seconds(problem: RoutingProblem, time_limit: float | None) -> float:
    if MODE == "off" or time_limit is None or time_limit < 2:
        return 0.0
    if len(decompose.couriers(problem)) <= decompose.GROUP_COURIERS + decompose.GROUP_IDLE:
        return 0.0
    return time_limit * (1 - WHOLE)


def improve_by_groups(*args: Any, **kwargs: Any) -> Any:
    return decompose.improve_by_groups(*args, burst_s=BURST_S, **kwargs)


routing.group_seconds = group_seconds  # type: ignore[attr-defined]
routing.improve_by_groups = improve_by_groups  # type: ignore[attr-defined]

if __name__ == "__main__":
    sys.exit(main())
