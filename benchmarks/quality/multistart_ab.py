"""Routing core with and without the multi-start, same instances, same run, same load.

    python benchmarks/quality/multistart_ab.py ../shared/data/benchmarks --time-limit 5

Prints the gap to best-known per instance for a single insertion start (``starts=()``)
and for the default multi-start, then the means.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from basket_route.bench.readers import (
    find_instances,
    read_bks_csv,
    read_instance,
    to_routing_problem,
)
from basket_route.solver.routing import SearchParams, solve_routing

ISSUE_SET = (
    "C101,C105,C201,R101,R102,R201,RC101,RC105,RC201,R1_2_1,RC1_2_1,"
    "X-n101-k25,X-n153-k22,X-n204-k19"
)


def main() -> None:
    """Solve each instance twice and print the Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path)
    parser.add_argument("--time-limit", type=float, default=5.0)
    parser.add_argument("--instances", default=ISSUE_SET)
    args = parser.parse_args()
    paths = find_instances(args.data)
    bks = read_bks_csv(args.data / "bks.csv")
    variants = {"single start": (), "multi-start": SearchParams().starts}
    gaps: dict[str, list[float]] = {k: [] for k in variants}
    print("| instance | " + " | ".join(variants) + " |")
    print("|---|" + "---:|" * len(variants))
    for name in args.instances.split(","):
        instance = read_instance(paths[name])
        problem = to_routing_problem(instance)
        scale = 1 if name.startswith("X-") else 10  # VRPTW costs are in tenths
        cells = []
        for label, starts in variants.items():
            result = solve_routing(problem, SearchParams(time_limit=args.time_limit, starts=starts))
            gap = 100 * (result.objective / scale - bks[name].cost) / bks[name].cost
            gaps[label].append(gap)
            cells.append(f"{gap:+.2f} %")
        print(f"| {name} | " + " | ".join(cells) + " |")
    means = " | ".join(f"**{sum(g) / len(g):.2f} %**" for g in gaps.values())
    print(f"| mean | {means} |")


if __name__ == "__main__":
    main()
