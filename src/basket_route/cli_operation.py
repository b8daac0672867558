"""Subcommands of a quarantine operation: ``run``, ``stats``, ``record`` and ``replan``.

A thin argparse layer over :class:`~basket_route.Operation`, :class:`~basket_route.Ledger`
and :func:`~basket_route.service_stats`, registered through ``cli.COMMAND_MODULES``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from basket_route.cli import courier_groups_option, drop_share_option

if TYPE_CHECKING:  # pandas is imported where used: ~0.4 s of start-up
    import pandas as pd

    from basket_route.operation import Operation
    from basket_route.volunteers import RestRule

__all__ = ["register"]

EXIT_OK, EXIT_INPUT = 0, 2
MAIN_COLUMNS = (
    "orders_received",
    "delivered",
    "carried_over",
    "cancelled",
    "failed",
    "pending",
    "households_served",
    "volunteer_windows",
    "kg_delivered",
    "on_time_rate",
    "cum_delivered",
)
"""The columns `stats --format table|md` shows per day or window (--wide: all)."""


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the run, stats, record and replan subcommands to SUB."""
    r = sub.add_parser("run", help="plan and record every window of a period into a ledger")
    r.add_argument("scenario", type=Path, help="scenario folder")
    r.add_argument("--from", dest="start", help="first day (default: the scenario's first)")
    r.add_argument("--days", type=int, help="number of days (default: to the scenario's last)")
    r.add_argument("--ledger", type=Path, required=True, help="ledger file (SQLite), created")
    r.add_argument("--max-per-day", type=int, help="rest rule: windows a volunteer may work a day")
    r.add_argument("--max-per-week", type=int, help="rest rule: windows in any 7 days")
    r.add_argument(
        "--max-door-attempts", type=int, help="failures at the door before giving up (default 3)"
    )
    r.add_argument("--plans", type=Path, help="folder to write each window's plan JSON to")
    r.add_argument(
        "--no-record",
        action="store_true",
        help="plan only; record what happened later with `basket-route record`",
    )
    _search(r)
    r.set_defaults(func=_cmd_run)

    s = sub.add_parser("stats", help="service statistics of a ledger")
    s.add_argument("ledger", type=Path, help="ledger file")
    s.add_argument("--format", choices=["table", "csv", "md", "json"], default="table")
    s.add_argument("--lang", choices=["en", "zh"], default="en", help="report language")
    s.add_argument("--by", choices=["day", "window", "volunteer"], default="day", help="rows")
    s.add_argument("--chart", type=Path, help="also write a PNG chart (needs matplotlib)")
    s.add_argument("--wide", action="store_true", help="table/md: every column, not the main ones")
    s.set_defaults(func=_cmd_stats)

    c = sub.add_parser("record", help="record what really happened in a planned window")
    c.add_argument("ledger", type=Path, help="ledger file")
    c.add_argument("--date", required=True, help="ISO date")
    c.add_argument("--window", required=True, help="window name")
    c.add_argument(
        "--outcomes",
        type=Path,
        help="CSV order_id,status[,reason] of orders not delivered as planned "
        "(status delivered|failed|cancelled); default: all delivered as planned",
    )
    c.set_defaults(func=_cmd_record)

    p = sub.add_parser("replan", help="re-plan what volunteers who dropped out had not delivered")
    p.add_argument("scenario", type=Path, help="scenario folder")
    p.add_argument("--ledger", type=Path, required=True, help="ledger file")
    p.add_argument("--date", required=True, help="ISO date")
    p.add_argument("--window", required=True, help="window name")
    p.add_argument(
        "--without", action="append", required=True, help="volunteer id(s), comma-separated"
    )
    p.add_argument("--at", help="HH:MM they dropped out (default: the window's start)")
    p.add_argument("-o", "--output", type=Path, help="write the supplementary plan JSON here")
    _search(p)
    p.set_defaults(func=_cmd_replan)


def _search(p: argparse.ArgumentParser) -> None:
    p.add_argument("--time-limit", type=float, help="seconds per window (default: by size)")
    p.add_argument("--seed", type=int, default=0, help="seed (default 0)")
    p.add_argument(
        "--reproducible", action="store_true", help="stop on a solution count, not wall time"
    )
    p.add_argument("--solution-limit", type=int, help="solutions per window (reproducible mode)")
    p.add_argument(
        "--metaheuristic",
        default="ITERATED_LOCAL_SEARCH",
        help="search (default ITERATED_LOCAL_SEARCH, ruin and recreate, where it has time: "
        "multi-trip windows at the default limit run GUIDED_LOCAL_SEARCH; or an OR-Tools "
        "local search: GUIDED_LOCAL_SEARCH, GREEDY_DESCENT stops sooner)",
    )
    drop_share_option(p)
    courier_groups_option(p)
    p.add_argument("--quiet", action="store_true", help="print nothing but errors")


def _err(message: str) -> None:
    print(f"basket-route: {message}", file=sys.stderr)


def _operation(args: argparse.Namespace, rest: RestRule | None = None) -> Operation:
    from basket_route.io.scenario import load_scenario
    from basket_route.operation import Operation
    from basket_route.options import PlanOptions

    options = PlanOptions(
        time_limit=args.time_limit,
        seed=args.seed,
        reproducible=args.reproducible,
        solution_limit=args.solution_limit,
        metaheuristic=args.metaheuristic,
        courier_groups=args.courier_groups,
    ).with_overrides(drop_share=args.drop_share)
    attempts = getattr(args, "max_door_attempts", None)
    return Operation(
        load_scenario(args.scenario),
        args.ledger,
        options=options,
        rest=rest,
        max_door_attempts=attempts,
    )


def _cmd_run(args: argparse.Namespace) -> int:
    from basket_route.volunteers import RestRule

    rest = None
    if args.max_per_day is not None or args.max_per_week is not None:
        rest = RestRule(args.max_per_day, args.max_per_week)
    op = _operation(args, rest)

    def say(text: str) -> None:  # flushed: a killed run's log ends at its last window
        if not args.quiet:
            print(text, flush=True)

    say(f"ledger {args.ledger}: {op.scenario.name}, rest rule: {op.rest}")
    try:
        windows = op.windows(args.start, args.days)
    except ValueError as exc:
        _err(str(exc))
        return EXIT_INPUT
    for day, window in windows:
        started = time.perf_counter()
        status = op.ledger.window_status(day, window)
        if status == "recorded" or (status == "planned" and args.no_record):
            say(f"{day} {window:<4} {status} already")
            continue
        plan = op.plan(day, window)
        if args.plans is not None:
            plan.to_json(args.plans / f"plan-{day}-{window}.json")
        if not args.no_record:
            op.record(plan)
        c = plan.summary_counts()
        carried = sum(u.reason.value != "invalid" for u in plan.unassigned)
        say(
            f"{day} {window:<4} orders {c['orders']:>4}  on trips {c['delivered']:>4}  "
            f"carried over {carried:>4}  volunteers {c['volunteers_used']:>3}  "
            f"trips {c['trips']:>3}  ({time.perf_counter() - started:.1f} s)"
        )
    if not args.quiet:
        from basket_route.stats import service_stats

        print(service_stats(op.ledger).report("en"))
    op.ledger.close()
    return EXIT_OK


def _markdown(frame: pd.DataFrame) -> str:
    import pandas as pd

    flat = frame.reset_index()
    cells = [[str(c) for c in flat.columns]]
    for row in flat.itertuples(index=False):
        cells.append(
            ["" if pd.isna(v) else f"{v:g}" if isinstance(v, float) else str(v) for v in row]
        )
    lines = ["| " + " | ".join(r) + " |" for r in cells]
    lines.insert(1, "|" + "|".join("---" for _ in cells[0]) + "|")
    return "\n".join(lines)


def _cmd_stats(args: argparse.Namespace) -> int:
    import pandas as pd

    from basket_route.stats import service_stats

    stats = service_stats(args.ledger)
    if args.format == "json":
        data = stats.to_dict()
        data["report"] = stats.report(args.lang)
        print(json.dumps(data, ensure_ascii=False))
    else:
        frame = {"day": stats.by_day, "window": stats.by_window, "volunteer": stats.by_volunteer}[
            args.by
        ]()
        if args.format != "csv" and not args.wide and args.by != "volunteer":
            frame = frame[[c for c in MAIN_COLUMNS if c in frame.columns]]
        if args.format == "csv":
            from basket_route.io.sanitise import neutralise_cell

            # Ids and names come from users: no cell may start a spreadsheet formula.
            safe = frame.reset_index()
            for column in safe.columns:
                if not pd.api.types.is_numeric_dtype(safe[column]):  # object or str dtype
                    safe[column] = safe[column].map(neutralise_cell)
            print(safe.to_csv(index=False, lineterminator="\n"), end="")
        elif args.format == "md":
            print(_markdown(frame))
            print()
            print(stats.report(args.lang))
        else:
            with pd.option_context("display.width", 200, "display.max_columns", None):
                print(frame.to_string())
            t = stats.totals()
            keys = ("orders_received", "delivered", "pending", "cancelled", "failed")
            print("totals: " + ", ".join(f"{k} {t[k]}" for k in keys))
            fair = stats.fairness()
            if fair["volunteers"]:
                print(
                    f"workload of the {fair['volunteers']:.0f} volunteers who worked: "
                    f"{fair['minutes_mean'] / 60:.1f} h on trips on average "
                    f"({fair['minutes_min'] / 60:.1f}-{fair['minutes_max'] / 60:.1f} h), "
                    f"CV {fair['minutes_cv']:.2f}, Gini {fair['minutes_gini']:.2f}"
                )
            print(stats.report(args.lang))
    if args.chart is not None:
        try:
            out = stats.chart(args.chart, lang=args.lang)
        except ImportError as exc:
            _err(str(exc))
            return EXIT_INPUT
        print(f"wrote {out}", file=sys.stderr)
    return EXIT_OK


def _cmd_record(args: argparse.Namespace) -> int:
    from basket_route.ledger import Ledger
    from basket_route.operation import outcome_map, read_outcomes

    outcomes = outcome_map(read_outcomes(args.outcomes)) if args.outcomes is not None else {}
    with Ledger(args.ledger, create=False) as ledger:
        day = dt.date.fromisoformat(args.date)
        changed = ledger.record(day, args.window, outcomes)
        if not changed:
            print(f"{day} {args.window} was recorded already with the same outcomes: unchanged")
            return EXIT_OK
        events = ledger.events()
        mine = events[
            (events["date"] == day.isoformat())
            & (events["window"] == args.window)
            & (events["phase"] == "record")
        ]
        counts = mine["state"].value_counts()
        print(
            f"recorded {day} {args.window}: "
            + ", ".join(f"{k} {int(v)}" for k, v in sorted(counts.items()))
        )
    return EXIT_OK


def _cmd_replan(args: argparse.Namespace) -> int:
    op = _operation(args)
    without = [v.strip() for item in args.without for v in item.split(",") if v.strip()]
    try:
        plan = op.replan(args.date, args.window, without, args.at)
    except KeyError as exc:
        _err(str(exc.args[0]))
        return EXIT_INPUT
    if args.output is not None:
        plan.to_json(args.output)
    if not args.quiet:
        moved = len(plan.order_ids_delivered()) + len(plan.unassigned)
        if moved == 0:
            print(f"nothing to re-plan: {', '.join(without)} had nothing left to deliver")
        else:
            print(plan.summary())
            print(
                f"re-planned {moved} order(s) of {', '.join(without)}: "
                f"{len(plan.order_ids_delivered())} on new trips, "
                f"{len(plan.unassigned)} carried over to the next window"
            )
    op.ledger.close()
    return EXIT_OK
