"""Print Markdown tables of plan quality against search time and against seed.

Examples (from the repository root)::

    .venv/bin/python benchmarks/measure.py limits --size compound --limits 1 2 5 10 20
    .venv/bin/python benchmarks/measure.py seeds --size compound --seeds 0 1 2 3 4

Each row is one ``plan_window`` call on the in-memory synthetic scenario (built once,
not timed); ``wall s`` is that call's wall time. Runs are sequential. Time-limited runs
stop on wall time, so their figures vary with the machine and its load.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Sequence
from typing import Any

import basket_route as br


def _plan(scenario: br.Scenario, args: argparse.Namespace, **kwargs: Any) -> dict[str, Any]:
    started = time.perf_counter()
    plan = br.plan_window(scenario, args.date, args.window, **kwargs)
    wall = time.perf_counter() - started
    check = plan.verify(scenario)
    counts = plan.summary_counts()
    return {
        **counts,
        "wall_s": wall,
        "ok": check.ok,
        "status": plan.solver.get("status", "-"),
        "limit": plan.solver.get("time_limit_s", "-"),
    }


def _limits(scenario: br.Scenario, args: argparse.Namespace) -> list[str]:
    lines = [
        "| time_limit s | orders | delivered | unassigned | distance km | trips | wall s | verifies | status |",
        "|---:|---:|---:|---:|---:|---:|---:|:---:|:---|",
    ]
    for limit in args.limits:
        r = _plan(scenario, args, time_limit=limit, seed=args.seed)
        lines.append(
            f"| {limit:g} | {r['orders']} | {r['delivered']} | {r['unassigned']} "
            f"| {r['distance_m'] / 1000:.2f} | {r['trips']} | {r['wall_s']:.2f} "
            f"| {'yes' if r['ok'] else 'NO'} | {r['status']} |"
        )
        print(lines[-1], file=sys.stderr, flush=True)  # progress
    return lines


def _seeds(scenario: br.Scenario, args: argparse.Namespace) -> list[str]:
    lines = [
        "| seed | orders | delivered | unassigned | distance km | trips | wall s | verifies |",
        "|---:|---:|---:|---:|---:|---:|---:|:---:|",
    ]
    rows = []
    for seed in args.seeds:
        r = _plan(scenario, args, time_limit=args.time_limit, seed=seed)
        rows.append(r)
        lines.append(
            f"| {seed} | {r['orders']} | {r['delivered']} | {r['unassigned']} "
            f"| {r['distance_m'] / 1000:.2f} | {r['trips']} | {r['wall_s']:.2f} "
            f"| {'yes' if r['ok'] else 'NO'} |"
        )
        print(lines[-1], file=sys.stderr, flush=True)  # progress
    delivered = [r["delivered"] for r in rows]
    km = [r["distance_m"] / 1000 for r in rows]
    lines += [
        "",
        "| | mean | min | max |",
        "|---|---:|---:|---:|",
        f"| delivered | {statistics.fmean(delivered):.1f} | {min(delivered)} | {max(delivered)} |",
        f"| distance km | {statistics.fmean(km):.2f} | {min(km):.2f} | {max(km):.2f} |",
    ]
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("table", choices=["limits", "seeds"], help="which table to print")
    parser.add_argument("--size", default="compound", help="synthetic scenario (default compound)")
    parser.add_argument("--scenario-seed", type=int, default=0, help="generator seed (default 0)")
    parser.add_argument("--paths", action="store_true", help="generate the scenario with paths")
    parser.add_argument("--date", default="2020-02-10", help="default 2020-02-10")
    parser.add_argument("--window", default="AM", help="default AM")
    parser.add_argument(
        "--limits",
        type=float,
        nargs="+",
        default=[1, 2, 5, 10, 20],
        help="time_limit values for 'limits' (default 1 2 5 10 20)",
    )
    parser.add_argument("--seed", type=int, default=0, help="planning seed for 'limits'")
    parser.add_argument(
        "--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4], help="seeds for 'seeds'"
    )
    parser.add_argument(
        "--time-limit",
        type=float,
        default=None,
        help="time_limit for 'seeds' (default: the planner's default)",
    )
    args = parser.parse_args(argv)

    scenario = br.synthetic(args.size, seed=args.scenario_seed, paths=args.paths)
    lines = _limits(scenario, args) if args.table == "limits" else _seeds(scenario, args)
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
