"""Drop size against plan quality and time-limit overrun on one window.

    python benchmarks/drop_share.py --size compound --limit 8 --shares 1.0 0.5

Prints a Markdown table: share, drops, time limit, wall seconds, delivered, km, trips.
"""

from __future__ import annotations

import argparse
import tempfile
import time

import basket_route as br


def main() -> None:
    """Run plan_window once per share and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="compound")
    parser.add_argument("--limit", type=float, default=8.0)
    parser.add_argument("--shares", type=float, nargs="+", default=[1.0, 0.5])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        scenario = br.load_scenario(br.write_synthetic(tmp, args.size, seed=0, days=1))
    print("| share | drops | limit s | wall s | delivered | km | trips |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for share in args.shares:
        options = br.PlanOptions(time_limit=args.limit, drop_share=share)
        started = time.perf_counter()
        plan = br.plan_window(scenario, "2020-02-10", "AM", options)
        wall = time.perf_counter() - started
        c = plan.summary_counts()
        assert plan.verify(scenario).ok
        print(
            f"| {share} | {plan.solver['drops']} | {args.limit:g} | {wall:.2f} | "
            f"{c['delivered']}/{c['orders']} | {c['distance_m'] / 1000:.2f} | {c['trips']} |"
        )


if __name__ == "__main__":
    main()
