"""Warm starts from an earlier plan against planning from scratch, on synthetic windows.

    python benchmarks/quality/warm_start.py --limit 10 --cases late again next

Cases, each on the compound windows of 2020-02-10 to 02-11 (AM and PM):

``late``
    The window was planned before every 20th order came in (the earlier plan: the window
    without them, planned from scratch). The full window is then planned warm
    (``warm_start=`` the earlier plan) and from scratch.
``again``
    The window planned once, then planned again from its own plan.
``next``
    Each window planned warm from the previous window's plan.

Prints a Markdown table: distance, the start the search kept, and how many of the orders
of the earlier plan stay with the same courier on the same trip (stability: courier sheets
already handed out stay right).
"""

from __future__ import annotations

import argparse
import tempfile
import time

import basket_route as br
from basket_route.scale.partition import restrict

WINDOWS = [("2020-02-10", "AM"), ("2020-02-10", "PM"), ("2020-02-11", "AM"), ("2020-02-11", "PM")]


def _where(plan: br.Plan) -> dict[str, tuple[str, int]]:
    """Each delivered order's volunteer and trip."""
    return {o: (p.volunteer_id, p.trip) for o, p in plan.placements().items()}


def main() -> None:
    """Run the cases and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=float, default=10.0)
    parser.add_argument("--cases", nargs="+", default=["late", "again", "next"])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        scenario = br.load_scenario(br.write_synthetic(tmp, "compound", seed=0, days=2))
    options = br.PlanOptions(time_limit=args.limit)

    def plan(day: str, window: str, warm: br.Plan | None = None) -> tuple[br.Plan, float]:
        started = time.perf_counter()
        p = br.plan_window(scenario, day, window, options, warm_start=warm)
        assert p.verify(scenario).ok
        return p, time.perf_counter() - started

    def km(p: br.Plan) -> str:
        return f"{p.summary_counts()['distance_m'] / 1000:.2f}"

    def kept(earlier: br.Plan, p: br.Plan) -> str:
        before, after = _where(earlier), _where(p)
        same = sum(after.get(o) == spot for o, spot in before.items())
        return f"{same}/{len(before)}"

    print(
        "| case | window | earlier plan km | warm km | warm start | same courier and trip "
        "| from scratch km | same courier and trip | delivered warm / scratch |"
    )
    print("|---|---|---:|---:|---|---:|---:|---:|---:|")
    previous: br.Plan | None = None
    for day, window in WINDOWS:
        full, _ = plan(day, window)
        cases = {}
        if "late" in args.cases:
            orders = sorted(o.order_id for o in scenario.orders_in(br.model.as_date(day), window))
            early = restrict(
                scenario,
                day,
                window,
                sorted(scenario.buildings),
                sorted(scenario.volunteers),
                sorted(set(orders) - set(orders[::20])),
            )
            cases["late"] = br.plan_window(early, day, window, options)
        if "again" in args.cases:
            cases["again"] = full
        if "next" in args.cases and previous is not None:
            cases["next"] = previous
        for case, earlier in cases.items():
            warm, _ = plan(day, window, earlier)
            fresh = full  # the window planned from scratch, same options
            c_warm, c_fresh = warm.summary_counts(), fresh.summary_counts()
            print(
                f"| {case} | {day} {window} | {km(earlier)} | {km(warm)} | "
                f"{warm.solver['first_solution']}; {warm.solver.get('warm_start')} | "
                f"{kept(earlier, warm)} | {km(fresh)} | {kept(earlier, fresh)} | "
                f"{c_warm['delivered']} / {c_fresh['delivered']} |",
                flush=True,
            )
        previous = full


if __name__ == "__main__":
    main()
