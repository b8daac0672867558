"""Iterated local search alone against the same search ending with recombination.

    python benchmarks/quality/recombine_ab.py --time-limit 10 --seeds 0 1 2

The issue's 14 instances, solved by the routing core exactly as ``basket-route bench``
solves them (``bench.runner.solve_core``), first without then with
``SearchParams.recombine`` (:mod:`basket_route.solver.route_pool`), seed by seed. Prints
one line per solve (gap to best-known, wall time, what recombination did) and, at the end,
the mean gap per instance over the seeds and how many runs recombination shortened. One
process, one core per solve: run two processes (different seeds) only on two idle cores.
"""

from __future__ import annotations

import argparse
import collections
from pathlib import Path

from basket_route.bench.evaluate import evaluate
from basket_route.bench.readers import find_instances, read_bks_csv, read_instance
from basket_route.bench.runner import solve_core

ISSUE_SET = [
    "C101",
    "C105",
    "C201",
    "R101",
    "R102",
    "R201",
    "RC101",
    "RC105",
    "RC201",
    "R1_2_1",
    "RC1_2_1",
    "X-n101-k25",
    "X-n153-k22",
    "X-n204-k19",
]
VARIANTS = {"ils": False, "recombine": True}


def main() -> None:
    """Run both variants on every instance and seed and print the comparison."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data/benchmarks"))
    parser.add_argument("--time-limit", type=float, default=10.0)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--instances", nargs="+", default=ISSUE_SET)
    args = parser.parse_args()
    found = find_instances(args.data)
    best_known = read_bks_csv(args.data / "bks.csv")
    gaps: dict[tuple[str, str], list[float]] = collections.defaultdict(list)
    shortened: collections.Counter[str] = collections.Counter()
    for seed in args.seeds:
        for variant, recombine in VARIANTS.items():
            run = []
            for name in args.instances:
                instance = read_instance(found[name])
                out = solve_core(instance, args.time_limit, seed, recombine=recombine)
                verdict = evaluate(instance, out.routes)
                assert verdict.feasible, (name, verdict.violations)
                gap = 100 * verdict.cost / best_known[name].cost - 100
                gaps[variant, name].append(gap)
                run.append(gap)
                note = out.status.partition("; recombination: ")[2]
                shortened[name] += " -> " in note
                print(f"{variant} seed {seed} {name}: {gap:+.2f} % in {out.wall_s:.2f} s {note}")
            print(f"{variant} seed {seed} mean: {sum(run) / len(run):.3f} %", flush=True)
    print("\n| instance | ILS | ILS + recombination | runs recombination shortened |")
    print("|---|---:|---:|---:|")
    for name in args.instances:
        cells = [sum(g) / len(g) for g in (gaps["ils", name], gaps["recombine", name])]
        print(f"| {name} | {cells[0]:.2f} | {cells[1]:.2f} | {shortened[name]}/{len(args.seeds)} |")
    means = [
        sum(sum(gaps[v, n]) for n in args.instances) / (len(args.instances) * len(args.seeds))
        for v in VARIANTS
    ]
    print(f"| **mean** | **{means[0]:.3f}** | **{means[1]:.3f}** | |")


if __name__ == "__main__":
    main()
