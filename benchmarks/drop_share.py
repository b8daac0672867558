"""Drop size against plan quality and time-limit overrun on one window.

    python benchmarks/drop_share.py --size compound --limits 5 10 --shares 1.0 0.5 auto \
        --multi-trip chain reload --days 3 --windows AM PM

Prints a Markdown table, one row per window, encoding, share and time limit: drops, wall
seconds, delivered, km, trips. Days are the scenario's first DAYS days (from 2020-02-10),
less the first SKIP_DAYS.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import tempfile
import time

import basket_route as br
from basket_route.cli import workers_option
from basket_route.scale import open_executor


def main() -> None:
    """Run plan_window once per share and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="compound")
    parser.add_argument(
        "--limits", "--limit", nargs="+", default=["8"], help="seconds, or auto (the default limit)"
    )
    parser.add_argument(
        "--shares", nargs="+", default=["1.0", "0.5"], help="shares, or auto (the default)"
    )
    parser.add_argument("--multi-trip", nargs="+", default=["chain"], choices=["chain", "reload"])
    parser.add_argument("--days", type=int, default=1)
    parser.add_argument(
        "--skip-days", type=int, default=0, help="leave out the first N of those days"
    )
    parser.add_argument("--windows", nargs="+", default=["AM"])
    parser.add_argument("--metaheuristic", default="ITERATED_LOCAL_SEARCH")
    parser.add_argument(
        "--courier-groups",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="PlanOptions(courier_groups=True/False); default None (on for one model from 60 s)",
    )
    workers_option(parser)  # as basket-route plan --workers N
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        scenario = br.load_scenario(br.write_synthetic(tmp, args.size, seed=0, days=args.days))
    days = [dt.date(2020, 2, 10) + dt.timedelta(days=i) for i in range(args.skip_days, args.days)]
    print(
        "| window | multi-trip | share | drops | metaheuristic | limit s | wall s | delivered "
        "| km | trips |"
    )
    print("|---|---|---:|---:|---|---:|---:|---:|---:|---:|")
    runs = itertools.product(days, args.windows, args.multi_trip, args.shares, args.limits)
    for day, window, multi_trip, share, limit in runs:
        options = br.PlanOptions(
            time_limit=None if limit == "auto" else float(limit),
            drop_share=None if share == "auto" else float(share),
            multi_trip=multi_trip,
            metaheuristic=args.metaheuristic,
            courier_groups=args.courier_groups,
        )
        started = time.perf_counter()
        with open_executor(args.workers) as executor:
            plan = br.plan_window(scenario, day, window, options, executor=executor)
        wall = time.perf_counter() - started
        c = plan.summary_counts()
        assert plan.verify(scenario).ok
        solver = plan.solver
        search = solver.get("metaheuristic") or f"{solver['sub_problems']} sub-problems"
        if "second_search" in solver:  # e.g. "1 returned a plan, 1 kept"
            search += "; second search: " + str(solver["second_search"]).split(": ")[-1]
        print(
            f"| {day:%m-%d} {window} | {multi_trip} | {solver.get('drop_share', '-')} | "
            f"{solver['drops']} | {search} | "
            f"{limit} | {wall:.2f} | "
            f"{c['delivered']}/{c['orders']} | {c['distance_m'] / 1000:.2f} | {c['trips']} |"
        )


if __name__ == "__main__":
    main()
