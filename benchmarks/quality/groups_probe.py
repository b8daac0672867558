"""The routing core alone on compound windows at two-fifths drops, with and without courier
groups: one process, no second search, so the effect of the groups shows by itself.

    .venv/bin/python benchmarks/quality/groups_probe.py --limit 10 --metaheuristic GUIDED_LOCAL_SEARCH
    .venv/bin/python benchmarks/quality/groups_probe.py --limit 60 --courier-groups --couriers 5 --idle 2 --burst 2

Windows are those of `drop_share.py --days DAYS --skip-days SKIP --windows AM PM`; the
problem is the one `plan_window` builds (`build_window_problem`, `screen`, `make_drops`
at 0.4, `drop_model.build_drop_model`). Prints one row per window and the mean objective
(metres, plus penalties if a drop is left out) in km.
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
import time
from typing import Any

import basket_route as br
import basket_route.solver.decompose as decompose
import basket_route.solver.routing as routing
from basket_route.solver.batching import make_drops
from basket_route.solver.drop_model import build_drop_model
from basket_route.solver.problem import build_window_problem, screen
from basket_route.solver.routing import SearchParams, solve_routing


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=float, default=10.0)
    parser.add_argument("--metaheuristic", default="GUIDED_LOCAL_SEARCH")
    parser.add_argument("--courier-groups", action="store_true")
    parser.add_argument("--couriers", type=int, default=decompose.GROUP_COURIERS)
    parser.add_argument("--idle", type=int, default=decompose.GROUP_IDLE)
    parser.add_argument("--burst", type=float, default=decompose.BURST_S)
    parser.add_argument("--share", type=float, default=0.4)
    parser.add_argument("--days", type=int, default=3)
    parser.add_argument("--skip-days", type=int, default=0)
    args = parser.parse_args()

    def groups(*a: Any, **k: Any) -> Any:
        k.update(group_couriers=args.couriers, group_idle=args.idle, burst_s=args.burst)
        return decompose.improve_by_groups(*a, **k)

    routing.improve_by_groups = groups  # type: ignore[attr-defined]
    with tempfile.TemporaryDirectory() as tmp:
        scenario = br.load_scenario(br.write_synthetic(tmp, "compound", seed=0, days=args.days))
    params = SearchParams(
        time_limit=args.limit,
        metaheuristic=args.metaheuristic,
        courier_groups=args.courier_groups,
    )
    print("| window | drops | limit s | wall s | objective km | groups tried | kept |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    total = []
    for i in range(args.skip_days, args.days):
        day = dt.date(2020, 2, 10) + dt.timedelta(days=i)
        for window in ("AM", "PM"):
            problem = build_window_problem(scenario, day, window)
            eligible, _ = screen(problem)
            drops = make_drops(problem, eligible, args.share)
            model = build_drop_model(problem, drops, 0).problem
            started = time.perf_counter()
            result = solve_routing(model, params)
            wall = time.perf_counter() - started
            total.append(result.objective)
            print(
                f"| {day:%m-%d} {window} | {len(drops)} | {args.limit:g} | {wall:.2f} "
                f"| {result.objective / 1000:.2f} | {result.groups.tried} "
                f"| {result.groups.improved} |",
                flush=True,
            )
    print(f"\nmean {sum(total) / len(total) / 1000:.3f} km over {len(total)} windows")


if __name__ == "__main__":
    main()
