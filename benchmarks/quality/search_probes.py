"""OR-Tools search settings the routing core does not use, probed side by side.

    python benchmarks/quality/search_probes.py bench ../shared/data/benchmarks \
        --variants base random-recreate bandit --time-limit 10 --seeds 0 1
    python benchmarks/quality/search_probes.py bench ../shared/data/benchmarks \
        --variants base temperature-x0.3 temperature-x3 temperature-x10 --seeds 2
    python benchmarks/quality/search_probes.py compound --variants base lambda-0.3 \
        --time-limit 5 --days 5

``bench``: the issue's 14 instances with the routing core's iterated local search, one
setting changed per variant (gap to best-known per instance and the mean, seeds as in
``basket-route bench``). ``compound``: the synthetic compound windows (AM and PM of each
day from 2020-02-10) planned as one model with guided local search and two-fifths drops,
the second search of the default, one setting changed per variant (km per window and the
mean). Each variant runs in turn, in one process and on one core; run two at once only
when the machine has two idle cores, and compare variants of the same run.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import itertools
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from ortools.constraint_solver import routing_heuristic_parameters_pb2
from ortools.util import optional_boolean_pb2

import basket_route as br
import basket_route.solver.routing as routing
from basket_route.bench.evaluate import evaluate
from basket_route.bench.readers import (
    find_instances,
    read_bks_csv,
    read_instance,
    to_routing_problem,
)
from basket_route.bench.runner import solve_core

ISSUE_SET = (
    "C101,C105,C201,R101,R102,R201,RC101,RC105,RC201,R1_2_1,RC1_2_1,"
    "X-n101-k25,X-n153-k22,X-n204-k19"
)
_Sorting = routing_heuristic_parameters_pb2.LocalCheapestInsertionParameters


def _recreate_order(search: Any, prop: int) -> None:
    ruin = search.iterated_local_search_parameters.ruin_recreate_parameters
    ruin.recreate_strategy.parameters.local_cheapest_insertion.insertion_sorting_properties.append(
        prop
    )


# The mean arc cost of the instance being solved (``bench`` only): OR-Tools' automatic
# annealing temperatures are 0.1 and 0.001 times a sampled mean arc cost.
_MEAN_ARC = [1.0]


def _temperatures(start: float, end: float) -> Callable[[Any], None]:
    """ILS: annealing from START to END times the mean arc cost (automatic: 0.1, 0.001)."""

    def apply(search: Any) -> None:
        if not search.use_iterated_local_search:
            return
        ils = search.iterated_local_search_parameters
        annealing = ils.reference_solution_acceptance_strategy.simulated_annealing
        annealing.automatic_temperatures = False
        annealing.initial_temperature = start * _MEAN_ARC[0]
        annealing.final_temperature = end * _MEAN_ARC[0]

    return apply


def _operator(search: Any, name: str, on: bool) -> None:
    value = optional_boolean_pb2.BOOL_TRUE if on else optional_boolean_pb2.BOOL_FALSE
    setattr(search.local_search_operators, name, value)


def _set(**fields: Any) -> Callable[[Any], None]:
    def apply(search: Any) -> None:
        for name, value in fields.items():
            setattr(search, name, value)

    return apply


VARIANTS: dict[str, Callable[[Any], None]] = {
    "base": lambda search: None,
    # ILS: the order in which ruined visits are inserted again (OR-Tools' default: by the
    # vehicles allowed and the penalty, i.e. all ties in node order here).
    "random-recreate": lambda s: _recreate_order(s, _Sorting.SORTING_PROPERTY_RANDOM),
    "far-first-recreate": lambda s: _recreate_order(
        s, _Sorting.SORTING_PROPERTY_HIGHEST_AVG_ARC_COST_TO_VEHICLE_START_ENDS
    ),
    # ILS: annealing temperatures a third of, 3 and 10 times OR-Tools' automatic ones.
    "temperature-x0.3": _temperatures(0.03, 0.0003),
    "temperature-x3": _temperatures(0.3, 0.003),
    "temperature-x10": _temperatures(1.0, 0.01),
    # ILS: the cross operator off; OR-Tools' cross-exchange operator on.
    "no-cross": lambda s: _operator(s, "use_cross", False),
    "cross-exchange": lambda s: _operator(s, "use_cross_exchange", True),
    # Either search: the operators' order learnt by a multi-armed bandit.
    "bandit": _set(use_multi_armed_bandit_concatenate_operators=True),
    # Either search: operators look at the 30 % nearest nodes (at least 10) only. Broken in
    # OR-Tools 9.12-9.15 (neighbour_restriction.py; docs/reliability.md).
    "neighbours-0.3": _set(ls_operator_neighbors_ratio=0.3, ls_operator_min_neighbors=10),
    # Guided local search: the penalty weight (OR-Tools' default 0.1) and its variants.
    "lambda-0.3": _set(guided_local_search_lambda_coefficient=0.3),
    "reset-penalties": _set(guided_local_search_reset_penalties_on_new_best_solution=True),
    "vehicle-classes": _set(guided_local_search_penalize_with_vehicle_classes=True),
    "penalties-in-operators": _set(
        use_guided_local_search_penalties_in_local_search_operators=True
    ),
}


@contextlib.contextmanager
def _variant(name: str) -> Iterator[None]:
    """Within the block, the routing core's search parameters go through variant NAME."""
    original = routing._parameters
    change = VARIANTS[name]

    def parameters(*args: Any, **kwargs: Any) -> Any:
        search = original(*args, **kwargs)
        change(search)
        return search

    routing._parameters = parameters  # type: ignore[assignment]
    try:
        yield
    finally:
        routing._parameters = original  # type: ignore[assignment]


def _bench(args: argparse.Namespace) -> None:
    paths = find_instances(args.data)
    bks = read_bks_csv(args.data / "bks.csv")
    names = args.instances.split(",")
    rows: dict[str, list[str]] = {}
    means = []
    for variant in args.variants:
        gaps = []
        for seed, name in itertools.product(args.seeds, names):
            with _variant(variant):
                instance = read_instance(paths[name])
                _MEAN_ARC[0] = float(to_routing_problem(instance).distance.mean())
                result = solve_core(instance, args.time_limit, seed)
            score = evaluate(instance, result.routes)
            gap = 100 * (score.cost - bks[name].cost) / bks[name].cost
            cell = f"{gap:+.2f}" if score.feasible else "infeasible"
            rows.setdefault(f"{name}, seed {seed}", []).append(cell)
            if score.feasible:
                gaps.append(gap)
            print(f"{variant} {name} seed {seed}: {cell}", flush=True)
        means.append(f"**{sum(gaps) / len(gaps):.2f}** ({len(gaps)} feasible)")
    _table("run", args.variants, rows, means)


def _compound(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        scenario = br.load_scenario(br.write_synthetic(tmp, "compound", seed=0, days=args.days))
    days = [dt.date(2020, 2, 10) + dt.timedelta(days=i) for i in range(args.skip_days, args.days)]
    options = br.PlanOptions(
        time_limit=args.time_limit, drop_share=0.4, metaheuristic="GUIDED_LOCAL_SEARCH"
    )
    rows: dict[str, list[str]] = {}
    means = []
    for variant in args.variants:
        kms = []
        for day, window in itertools.product(days, ("AM", "PM")):
            with _variant(variant):
                plan = br.plan_window(scenario, day, window, options, partition=False)
            assert plan.verify(scenario).ok
            c = plan.summary_counts()
            km = c["distance_m"] / 1000
            kms.append(km)
            cell = f"{km:.2f}" + ("" if c["unassigned"] == 0 else f" ({c['unassigned']} left)")
            rows.setdefault(f"{day:%m-%d} {window}", []).append(cell)
            print(f"{variant} {day:%m-%d} {window}: {cell}", flush=True)
        means.append(f"**{sum(kms) / len(kms):.2f}**")
    _table("window", args.variants, rows, means)


def _table(first: str, variants: list[str], rows: dict[str, list[str]], means: list[str]) -> None:
    print()
    print(f"| {first} | " + " | ".join(variants) + " |")
    print("|---|" + "---:|" * len(variants))
    for key, cells in rows.items():
        print(f"| {key} | " + " | ".join(cells) + " |")
    print("| mean | " + " | ".join(means) + " |")


def main() -> None:
    """Run the variants of the chosen probe and print a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="probe", required=True)
    bench = sub.add_parser("bench", help="the issue's benchmark instances, ILS")
    bench.add_argument("data", type=Path)
    bench.add_argument("--instances", default=ISSUE_SET)
    bench.add_argument("--seeds", type=int, nargs="+", default=[0])
    compound = sub.add_parser("compound", help="compound windows, GLS, two-fifths drops")
    compound.add_argument("--days", type=int, default=5)
    compound.add_argument(
        "--skip-days", type=int, default=0, help="leave out the first N of those days"
    )
    for p in (bench, compound):
        p.add_argument("--variants", nargs="+", default=["base"], choices=sorted(VARIANTS))
        p.add_argument("--time-limit", type=float, default=10.0)
    args = parser.parse_args()
    (_bench if args.probe == "bench" else _compound)(args)


if __name__ == "__main__":
    main()
