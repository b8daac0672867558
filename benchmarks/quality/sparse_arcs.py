"""Arc sparsification through OR-Tools' variable domains, probed on both kinds of problem.

    python benchmarks/quality/sparse_arcs.py bench --k 0 60 --seeds 0 1
    python benchmarks/quality/sparse_arcs.py compound --k 0 40 20 --time-limit 5 \\
        --days 13 --skip-days 10

Granular neighbourhoods — local search that only tries arcs between near nodes — are what
makes PyVRP's and HGS's descent cheap. OR-Tools' own switch for them
(``ls_operator_neighbors_ratio``) is broken in the versions we pin (docs/reliability.md,
"Neighbour-restricted operators"), so this probe forbids the far arcs instead: before the
search, the successor variable of every visit is restricted to its K nearest visits (by
arc cost, in either direction), every route end, itself (unperformed), and the arcs of the
start the search is given, which keeps that start feasible. Moves that need a forbidden
arc are then rejected by the variable-domain filter, the first and cheapest of OR-Tools'
filters, and insertion only considers the allowed arcs.

``bench``: the issue's 14 instances, the routing core's default search (``SearchParams``
with the time limit left), K = 0 meaning unchanged. With K > 0 the search starts from an
unrestricted parallel-cheapest-insertion plan handed over as initial routes (parallel
cheapest insertion under the restricted domains finds nothing on X-n204-k19), and K = -1
runs that same start without the restriction, to separate the two effects. Each variant's
limit counts from before its start is built, so every solve ends by the limit; the limit
left is under 10 s, so none of them recombines. ``compound``: the synthetic compound
windows with default options at the limit (K = 0 unchanged), start arcs from the routing
core's constructive start or warm start.

One process; ``bench`` uses one core per solve (two processes with different seeds fit on
two idle cores), ``compound`` two (the default's second search). Results in
docs/benchmarks.md, "Measured and not adopted".
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import datetime as dt
import itertools
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from ortools.constraint_solver import pywrapcp, routing_enums_pb2
from recombine_ab import ISSUE_SET  # this directory: the issue's 14 instances

import basket_route as br
import basket_route.solver.routing as routing
from basket_route.bench.evaluate import evaluate
from basket_route.bench.readers import (
    find_instances,
    read_bks_csv,
    read_instance,
    to_routing_problem,
)
from basket_route.bench.runner import node_order
from basket_route.solver import encoding
from basket_route.solver.construct import best_constructive
from basket_route.solver.routing_problem import RoutingProblem
from basket_route.solver.search import SearchParams

# The restriction the patched encoder applies: K nearest visits, plus these arcs.
_K = [0]
_START_ARCS: set[tuple[int, int]] = set()


def _sparse_encode(problem: RoutingProblem, multi_trip: str = "chain") -> encoding.Encoded:
    """:func:`encoding.encode`, then every visit's successor restricted (see the docstring)."""
    model = encoding.encode(problem, multi_trip)
    k = _K[0]
    visits = list(problem.visits)
    if k <= 0 or model.reload or len(visits) <= k + 1:
        return model
    rows = problem.distance[np.ix_(visits, visits)]
    nearest = np.argsort(rows, axis=1, kind="stable")[:, 1 : k + 1]
    allowed: dict[int, set[int]] = {i: set() for i in visits}
    for a, row in enumerate(nearest):
        for b in row:
            allowed[visits[a]].add(visits[int(b)])
            allowed[visits[int(b)]].add(visits[a])
    for a, b in _START_ARCS:
        if a in allowed:
            allowed[a].add(b)
    manager, model_routing = model.manager, model.routing
    ends = {model_routing.End(v) for v in range(model_routing.vehicles())}
    for i in visits:
        index = manager.NodeToIndex(i)
        values = {manager.NodeToIndex(j) for j in allowed[i]} | ends | {index}
        model_routing.NextVar(index).SetValues(sorted(values))
    return model


_original_search = routing._search


def _search_with_start_arcs(
    problem: RoutingProblem,
    params: SearchParams,
    initial_routes: Sequence[Sequence[int]] | None,
    started: float,
    ours: list[list[int]] | None = None,
) -> Any:
    """``routing._search`` with the arcs of its start allowed (chained: our constructive)."""
    _START_ARCS.clear()
    if _K[0] > 0:
        start = ours if ours is not None or not problem.chains else best_constructive(problem)
        for routes in (initial_routes, start):
            for route in routes or ():
                _START_ARCS.update(itertools.pairwise(route))
    return _original_search(problem, params, initial_routes, started, ours)


@contextlib.contextmanager
def _sparse(k: int) -> Iterator[None]:
    """Within the block the routing core encodes with successors restricted to K nearest."""
    _K[0] = k
    setattr(routing, "encode", _sparse_encode)  # noqa: B010 (not re-exported: mypy)
    setattr(routing, "_search", _search_with_start_arcs)  # noqa: B010
    try:
        yield
    finally:
        setattr(routing, "encode", encoding.encode)  # noqa: B010
        setattr(routing, "_search", _original_search)  # noqa: B010
        _K[0] = 0


def _pci_start(problem: RoutingProblem) -> list[tuple[int, ...]] | None:
    """The first parallel-cheapest-insertion plan of the unrestricted model, if any."""
    model = encoding.encode(problem)
    search = pywrapcp.DefaultRoutingSearchParameters()
    search.first_solution_strategy = (
        routing_enums_pb2.FirstSolutionStrategy.PARALLEL_CHEAPEST_INSERTION
    )
    search.solution_limit = 1
    solution = model.routing.SolveWithParameters(search)
    if solution is None:
        return None
    return model.from_solver(encoding.solution_routes(model.manager, model.routing, solution))


def _bench(args: argparse.Namespace) -> None:
    paths = find_instances(args.data)
    bks = read_bks_csv(args.data / "bks.csv")
    gaps: dict[int, list[float]] = collections.defaultdict(list)
    for seed, name in itertools.product(args.seeds, args.instances):
        instance = read_instance(paths[name])
        order = node_order(instance.coords.shape[0], seed)
        problem = to_routing_problem(instance, order=order)
        cells = []
        for k in args.k:
            started = time.perf_counter()
            start = _pci_start(problem) if k != 0 else None
            left = args.time_limit - (time.perf_counter() - started)
            with _sparse(k):
                result = routing.solve_routing(
                    problem, SearchParams(time_limit=left), initial_routes=start
                )
            wall = time.perf_counter() - started
            routes = tuple(tuple(int(order[x]) for x in r) for r in result.routes)
            score = evaluate(instance, routes)
            if score.feasible:
                gap = 100 * (score.cost - bks[name].cost) / bks[name].cost
                gaps[k].append(gap)
                cells.append(f"K={k}: {gap:+.2f} % ({wall:.1f} s)")
            else:
                cells.append(f"K={k}: infeasible")
        print(f"{name} seed {seed} | " + " | ".join(cells), flush=True)
    for k in args.k:
        print(f"K={k}: mean gap {np.mean(gaps[k]):.2f} % over {len(gaps[k])} feasible runs")


def _compound(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        scenario = br.load_scenario(br.write_synthetic(tmp, "compound", seed=0, days=args.days))
    days = [dt.date(2020, 2, 10) + dt.timedelta(days=i) for i in range(args.skip_days, args.days)]
    kms: dict[int, list[float]] = collections.defaultdict(list)
    for day, window in itertools.product(days, ("AM", "PM")):
        cells = []
        for k in args.k:
            with _sparse(k):
                plan = br.plan_window(
                    scenario, day, window, br.PlanOptions(time_limit=args.time_limit)
                )
            counts = plan.summary_counts()
            km = counts["distance_m"] / 1000
            kms[k].append(km)
            verified = "verifies" if plan.verify(scenario).ok else "FAILS verification"
            cells.append(f"K={k}: {km:.2f} km, {counts['unassigned']} left, {verified}")
        print(f"{day:%m-%d} {window} | " + " | ".join(cells), flush=True)
    for k in args.k:
        print(f"K={k}: mean {np.mean(kms[k]):.2f} km over {len(kms[k])} windows")


def main() -> None:
    """Run the chosen probe and print one line per instance or window, then the means."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="probe", required=True)
    bench = sub.add_parser("bench")
    bench.add_argument("--data", type=Path, default=Path("../shared/data/benchmarks"))
    bench.add_argument("--instances", nargs="+", default=ISSUE_SET)
    bench.add_argument("--seeds", type=int, nargs="+", default=[0])
    bench.add_argument("--time-limit", type=float, default=10.0)
    compound = sub.add_parser("compound")
    compound.add_argument("--time-limit", type=float, default=5.0)
    compound.add_argument("--days", type=int, default=13)
    compound.add_argument("--skip-days", type=int, default=10)
    for p in (bench, compound):
        p.add_argument("--k", type=int, nargs="+", default=[0, 60])
    args = parser.parse_args()
    _bench(args) if args.probe == "bench" else _compound(args)


if __name__ == "__main__":
    main()
