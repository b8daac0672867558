"""Probe: start the chained search from the chain-free relaxation's plan (not adopted).

    python benchmarks/quality/relaxed_start.py --share 0 --limit 5 --days 15 --skip-days 10
    python benchmarks/quality/relaxed_start.py --share 0.4 --limit 5 --days 15 --skip-days 10

On a chained problem (couriers with several trips) OR-Tools checks the chain between a
courier's trips only when a move is committed (:mod:`basket_route.solver.encoding`). The
probe solves the problem without its chains first — every trip-vehicle free in time, so
the fast filters see every constraint and ILS applies — for SHARE of the time limit,
from the routing core's constructive start and without the spare trips the core leaves
out; it puts each courier's trips in the order of their earliest deadline and hands the
result to the normal chained search as its start (which rejects it when the trips do
not fit one after the other). ``--share 0`` is the routing core unchanged. One process
(``partition=False``), compound windows from 2020-02-10, less the first SKIP_DAYS days;
prints one row per window (km, start used, wall seconds) and the mean.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import itertools
import tempfile
import time
from collections.abc import Sequence
from typing import Any

import basket_route as br
import basket_route.solver.pipeline as pipeline
from basket_route.solver.construct import best_constructive, without_spare_trips
from basket_route.solver.routing import solve_routing
from basket_route.solver.routing_problem import RoutingProblem
from basket_route.solver.search import RoutingResult, SearchParams


def relaxed_first(share: float) -> Any:
    """``solve_routing`` that first spends SHARE of the limit on the chain-free problem."""

    def solve(
        problem: RoutingProblem,
        params: SearchParams | None = None,
        initial_routes: Sequence[Sequence[int]] | None = None,
    ) -> RoutingResult:
        params = params or SearchParams()
        if not (share > 0 and problem.chains and initial_routes is None and params.time_limit):
            return solve_routing(problem, params, initial_routes)
        started = time.perf_counter()
        ours = best_constructive(problem)
        pruned = without_spare_trips(problem, ours, None, 1)
        sub, keep = pruned if pruned is not None else (problem, list(range(len(ours))))
        relaxed = solve_routing(
            dataclasses.replace(sub, chains=(), gaps=()),
            dataclasses.replace(
                params,
                time_limit=share * params.time_limit,
                metaheuristic="ITERATED_LOCAL_SEARCH",
                courier_groups=False,
            ),
            initial_routes=[ours[v] for v in keep],
        )
        start: list[list[int]] = [[] for _ in problem.vehicles]
        for i, v in enumerate(keep):
            start[v] = list(relaxed.routes[i])
        deadline = problem.time_windows[:, 1]
        for chain in problem.chains:
            trips = sorted(
                (start[v] for v in chain if start[v]), key=lambda t: int(deadline[t].min())
            )
            for k, v in enumerate(chain):
                start[v] = trips[k] if k < len(trips) else []
        left = params.time_limit - (time.perf_counter() - started)
        return solve_routing(
            problem, dataclasses.replace(params, time_limit=max(0.1, left)), initial_routes=start
        )

    return solve


def main() -> None:
    """Plan the windows with the probe's search and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--share", type=float, default=0.4)
    parser.add_argument("--limit", type=float, default=5.0)
    parser.add_argument("--days", type=int, default=5)
    parser.add_argument("--skip-days", type=int, default=0)
    args = parser.parse_args()
    pipeline.solve_routing = relaxed_first(args.share)  # type: ignore[attr-defined]
    with tempfile.TemporaryDirectory() as tmp:
        scenario = br.load_scenario(br.write_synthetic(tmp, "compound", seed=0, days=args.days))
    days = [dt.date(2020, 2, 10) + dt.timedelta(days=i) for i in range(args.skip_days, args.days)]
    print(f"| window | share {args.share} | start | wall s |")
    print("|---|---:|---|---:|")
    kms = []
    for day, window in itertools.product(days, ("AM", "PM")):
        began = time.perf_counter()
        options = br.PlanOptions(time_limit=args.limit)
        plan = br.plan_window(scenario, day, window, options, partition=False)
        wall = time.perf_counter() - began
        assert plan.verify(scenario).ok
        counts = plan.summary_counts()
        km = counts["distance_m"] / 1000
        kms.append(km)
        left = "" if counts["unassigned"] == 0 else f" ({counts['unassigned']} left)"
        start = plan.solver.get("first_solution", "")
        print(f"| {day:%m-%d} {window} | {km:.2f}{left} | {start} | {wall:.2f} |", flush=True)
    print(f"| mean | **{sum(kms) / len(kms):.2f}** | | |")


if __name__ == "__main__":
    main()
