"""Drop size, metaheuristic and splitting on a window bigger than a compound.

    python benchmarks/quality/big_windows.py --orders 400 --volunteers 25 \
        --shares 0.5 1.0 --metaheuristics ITERATED_LOCAL_SEARCH GUIDED_LOCAL_SEARCH \
        --limits 18.7 repro --keep-ils

The window is the test suite's cut of the synthetic district (``tests/test_scale.py``,
``district_sample``): depots D1 and D2 with their nearest buildings, ORDERS AM orders of
2020-02-10 per depot and VOLUNTEERS volunteers on shift per depot, plus one invalid order.
``plan_window`` plans it as one model when a drop share is given; with ``auto`` (the
default drops) a window of more than 400 half-size drops is split into sub-problems,
and the "ran" column gives their number. A limit ``repro`` plans in reproducible
mode (solution count, no time limit) twice (compare the two plans' hashes); ``default``
gives no time limit (the default, which follows the number of drops). Prints a Markdown
table, one row per run.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the tests package

import basket_route as br
from basket_route.cli import workers_option
from basket_route.scale import open_executor
from basket_route.solver import pipeline
from tests.test_scale import district_sample


def main() -> None:
    """Plan the window once per share, metaheuristic and limit; print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=400, help="AM orders per depot")
    parser.add_argument("--volunteers", type=int, default=25, help="volunteers per depot")
    parser.add_argument("--shares", nargs="+", default=["0.5", "1.0"], help="or auto")
    parser.add_argument("--metaheuristics", nargs="+", default=["ITERATED_LOCAL_SEARCH"])
    parser.add_argument(
        "--limits", nargs="+", default=["default"], help="seconds, default or repro"
    )
    parser.add_argument(
        "--keep-ils",
        action="store_true",
        help="run ILS where asked, even on models where plan_window would run guided "
        "local search instead (CHAINED_ILS_MAX_DROPS, CHAINED_ILS_DROPS_PER_SECOND)",
    )
    parser.add_argument(
        "--courier-groups",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="PlanOptions(courier_groups=True/False); default None (on for one model from "
        "60 s, off for split windows)",
    )
    workers_option(parser)  # as basket-route plan --workers N
    args = parser.parse_args()
    if args.keep_ils:
        pipeline.CHAINED_ILS_MAX_DROPS = pipeline.CHAINED_ILS_DROPS_PER_SECOND = 10**9
    tables = district_sample(("D1", "D2"), orders=args.orders, volunteers=args.volunteers)
    with tempfile.TemporaryDirectory() as tmp:
        sc = br.load_scenario(tables.write(tmp))
    print(
        "| share | drops | asked | ran | limit | wall s | delivered | km | trips | status |"
        " plan sha256 |"
    )
    print("|---:|---:|---|---|---:|---:|---:|---:|---:|---|---|")
    for share, metaheuristic, limit in itertools.product(
        args.shares, args.metaheuristics, args.limits
    ):
        repro = limit == "repro"
        options = br.PlanOptions(
            time_limit=None if limit in ("repro", "default") else float(limit),
            reproducible=repro,
            drop_share=None if share == "auto" else float(share),
            metaheuristic=metaheuristic,
            courier_groups=args.courier_groups,
        )
        for _ in range(2 if repro else 1):
            started = time.perf_counter()
            with open_executor(args.workers) as executor:
                plan = br.plan_window(sc, "2020-02-10", "AM", options, executor=executor)
            wall = time.perf_counter() - started
            assert plan.verify(sc).ok
            c = plan.summary_counts()
            s = plan.solver
            print(
                f"| {s.get('drop_share', '-')} | {s['drops']} | {metaheuristic} "
                f"| {s.get('metaheuristic', str(s.get('sub_problems')) + ' sub-problems')} "
                f"| {limit} | {wall:.1f} | {c['delivered']}/{c['orders']} "
                f"| {c['distance_m'] / 1000:.2f} | {c['trips']} | {s.get('status', s['mode'])} "
                f"| {hashlib.sha256(plan.to_json().encode()).hexdigest()[:12]} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
