"""Batching comparison: one window planned with drops (default) and with one node per order.

Example (from the repository root)::

    .venv/bin/python benchmarks/quality/batching.py --size compound --limits 10 30
    .venv/bin/python benchmarks/quality/batching.py --levels order --limits 100

The drop level is ``plan_window`` as shipped: the orders of a building that the same
volunteers may carry are packed into drops, one routing node each. The order level runs
the same pipeline with the packing step replaced by one drop per order (``batching.pack``
patched to put every item in its own bin), so the routing core sees one node per order;
everything else (volunteers, trips, chains, penalties, retiming, verification) is the
same code. Each plan is verified against the scenario. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence
from typing import Any

import basket_route as br
from basket_route.solver import batching


def _one_per_order(sizes: Sequence[tuple[int, ...]], capacity: tuple[int, ...]) -> list[list[int]]:
    """A 'packing' that leaves every order in its own drop."""
    del capacity
    return [[i] for i in range(len(sizes))]


def _plan(scenario: br.Scenario, args: argparse.Namespace, level: str, limit: float) -> str:
    original = batching.pack
    if level == "order":
        batching.pack = _one_per_order
    try:
        started = time.perf_counter()
        cpu = time.process_time()
        options = br.PlanOptions(time_limit=limit, seed=args.seed, drop_share=args.share)
        plan = br.plan_window(scenario, args.date, args.window, options)
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    finally:
        batching.pack = original
    c: dict[str, Any] = plan.summary_counts()
    ok = plan.verify(scenario).ok
    return (
        f"| {level} | {limit:g} | {plan.solver.get('drops', '-')} | {c['orders']} "
        f"| {c['delivered']} | {c['unassigned']} | {c['distance_m'] / 1000:.2f} | {c['trips']} "
        f"| {c['volunteers_used']} | {wall:.2f} | {cpu:.2f} | {'yes' if ok else 'NO'} "
        f"| {plan.solver.get('status', '-')} |"
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Print the comparison table; returns 0."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="compound")
    parser.add_argument("--date", default="2020-02-10")
    parser.add_argument("--window", default="AM")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--limits", type=float, nargs="+", default=[10.0])
    parser.add_argument("--levels", nargs="+", choices=("drop", "order"), default=["drop", "order"])
    parser.add_argument("--share", type=float, default=1.0, help="drop_share at the drop level")
    args = parser.parse_args(argv)
    scenario = br.synthetic(args.size, seed=0)
    print(f"load average at start: {os.getloadavg()[0]:.2f}", file=sys.stderr)
    print(
        "| level | time_limit s | routing nodes (drops) | orders | delivered | unassigned "
        "| distance km | trips | volunteers | wall s | CPU s | verifies | status |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|:---:|---|")
    for limit in args.limits:
        for level in args.levels:
            print(_plan(scenario, args, level, limit), flush=True)
    print(f"load average at end: {os.getloadavg()[0]:.2f}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
