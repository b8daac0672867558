"""The ``basket-route`` command: a thin argparse layer over the public API."""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from basket_route.exceptions import PlanFormatError, ScenarioError

__all__ = [
    "build_parser",
    "courier_groups_option",
    "drop_share_option",
    "main",
    "search_options",
    "workers_option",
]

EXIT_OK, EXIT_VIOLATIONS, EXIT_INPUT = 0, 1, 2

COMMAND_MODULES: tuple[str, ...] = (
    "basket_route.cli_operation",
    "basket_route.cli_handouts",
    "basket_route.bench.cli",
)
"""Modules that add subcommands: each has ``register(subparsers)``, which adds its parsers
and sets ``func`` (``args -> exit status``) with ``set_defaults``."""
_WRITE_RESERVE_S = 0.3  # of --time-limit, kept for verifying and writing the plan


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every subcommand (also used to generate the CLI reference)."""
    parser = argparse.ArgumentParser(
        prog="basket-route",
        description="Plan grocery and medicine deliveries to households in lockdown.",
    )
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("plan", help="plan one window of a scenario folder and write the plan JSON")
    p.add_argument("scenario", type=Path, help="scenario folder (CSV files + scenario.toml)")
    p.add_argument("--date", required=True, help="ISO date, e.g. 2020-02-10")
    p.add_argument("--window", required=True, help="window name, e.g. AM")
    p.add_argument("-o", "--output", type=Path, required=True, help="plan JSON file to write")
    search_options(p)
    p.add_argument(
        "--warm-start",
        type=Path,
        default=None,
        metavar="PLAN",
        help="an earlier plan JSON (this window's, before late orders, or the previous "
        "window's) to start from: its couriers keep their trips where the search allows",
    )
    workers_option(p)
    p.add_argument(
        "--scheduler",
        default=None,
        metavar="ADDR",
        help="solve per-depot sub-problems on a Dask cluster, e.g. tcp://host:8786 "
        "(needs basket-route[scale])",
    )

    v = sub.add_parser("verify", help="check a plan JSON against its scenario folder")
    v.add_argument("scenario", type=Path, help="scenario folder")
    v.add_argument("plan", type=Path, help="plan JSON file")
    v.add_argument("--json", action="store_true", help="print one JSON object instead of a report")

    d = sub.add_parser("demo", help="write the built-in scenario and plan its first morning")
    d.add_argument(
        "--out",
        type=Path,
        default=Path("demo-output"),
        help="folder to write (default demo-output)",
    )
    d.add_argument("--size", default="building", help="built-in scenario size (default building)")
    search_options(d)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def search_options(p: argparse.ArgumentParser) -> None:
    """Add --time-limit, --seed, --reproducible, --drop-share, --courier-groups and --quiet
    to P."""
    p.add_argument(
        "--time-limit",
        type=float,
        default=None,
        help="seconds for the whole command (default: grows with size, printed)",
    )
    p.add_argument("--seed", type=int, default=0, help="seed (default 0)")
    p.add_argument(
        "--reproducible",
        action="store_true",
        help="stop on a solution count: byte-identical plans for the same input and seed",
    )
    drop_share_option(p)
    courier_groups_option(p)
    p.add_argument("--quiet", action="store_true", help="print nothing but errors")


def courier_groups_option(p: argparse.ArgumentParser) -> None:
    """Add --courier-groups to P (``PlanOptions.courier_groups``)."""
    p.add_argument(
        "--courier-groups",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="after part of the search, re-plan groups of nearby couriers one at a time "
        "(chained windows, limits of 8 s or more, not reproducible mode; default: on for "
        "a window planned as one model with a limit of 60 s or more)",
    )


def workers_option(p: argparse.ArgumentParser) -> None:
    """Add --workers to P (a process pool for ``plan_window``; None when not given)."""
    p.add_argument(
        "--workers",
        type=int,
        default=None,
        help="solve per-depot sub-problems on N local processes; workers they leave idle "
        "search a second way, the better plan is kept (default: all cores for a large "
        "window or one of several depots; with the default search on Linux, two for a "
        "window of 200 orders or more and a limit of 2 s or more; else one model)",
    )


def drop_share_option(p: argparse.ArgumentParser) -> None:
    """Add --drop-share to P (``PlanOptions.drop_share``; None when not given)."""
    p.add_argument(
        "--drop-share",
        type=float,
        default=None,
        help="drop size as a share of the smallest trip that may carry it, in (0, 1] "
        "(default: 0.5 where the model and time limit allow, else 1.0; 1.0 is fastest)",
    )


def _process_age_s() -> float:
    """Seconds since this process started (imports included); 0 where /proc is unavailable."""
    try:
        fields = Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()
        start_ticks = int(fields[19])  # field 22 of proc(5), counted after "pid (comm)"
        uptime = float(Path("/proc/uptime").read_text().split()[0])
        return max(0.0, uptime - start_ticks / os.sysconf("SC_CLK_TCK"))
    except (OSError, ValueError, IndexError):
        return 0.0


def _err(message: str) -> None:
    print(f"basket-route: {message}", file=sys.stderr)


def _plan_and_write(
    scenario_dir: Path,
    day: str,
    window: str,
    output: Path,
    args: argparse.Namespace,
    started: float,
) -> int:
    from basket_route.io.scenario import load_scenario
    from basket_route.options import PlanOptions
    from basket_route.solver.pipeline import plan_window

    scenario = load_scenario(scenario_dir)
    warm = None
    if getattr(args, "warm_start", None) is not None:
        from basket_route.plan import Plan

        try:
            warm = Plan.from_json(args.warm_start)
        except (OSError, PlanFormatError) as exc:
            why = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
            _err(f"cannot read the warm-start plan {args.warm_start}: {why}")
            return EXIT_INPUT
    limit = None
    if args.time_limit is not None:
        limit = max(0.1, args.time_limit - (time.perf_counter() - started) - _WRITE_RESERVE_S)
    options = PlanOptions(
        time_limit=limit,
        seed=args.seed,
        reproducible=args.reproducible,
        courier_groups=args.courier_groups,
    ).with_overrides(drop_share=args.drop_share)
    workers, scheduler = getattr(args, "workers", None), getattr(args, "scheduler", None)
    try:
        if workers is None and not scheduler:
            plan = plan_window(
                scenario, day, window, options, progress=not args.quiet, warm_start=warm
            )
        else:
            from basket_route.scale import open_executor

            with open_executor(workers, scheduler) as ex:
                plan = plan_window(
                    scenario,
                    day,
                    window,
                    options,
                    executor=ex,
                    progress=not args.quiet,
                    warm_start=warm,
                )
    except KeyError as exc:
        _err(str(exc.args[0]))
        return EXIT_INPUT
    check = plan.verify(scenario)
    if not check.ok:  # never write a plan that breaks the contract
        _err(f"internal error: the plan fails verification, not written:\n{check}")
        return EXIT_VIOLATIONS
    plan.to_json(output)
    if not args.quiet:
        print(plan.summary())
        for row in plan.rejected:
            print(
                f"warning: order {row.order_id} belongs to no window: {row.detail}", file=sys.stderr
            )
        print(f"wrote {output} ({time.perf_counter() - started:.2f} s)")
    return EXIT_OK


def _cmd_verify(args: argparse.Namespace) -> int:
    from basket_route.verify import verify_files

    result = verify_files(args.scenario, args.plan)
    if args.json:
        print(json.dumps(result.to_dict(), ensure_ascii=False))
    else:
        print(result)
    return EXIT_OK if result.ok else EXIT_VIOLATIONS


def _cmd_demo(args: argparse.Namespace, started: float) -> int:
    from basket_route.scenarios import write_synthetic

    folder = write_synthetic(args.out / "scenario", args.size, seed=0)
    if not args.quiet:
        print(f"wrote the built-in '{args.size}' scenario to {folder}")
    status = _plan_and_write(folder, "2020-02-10", "AM", args.out / "plan.json", args, started)
    if status == EXIT_OK:
        from basket_route.cli_handouts import write_demo_extras

        write_demo_extras(args.out / "plan.json", folder, args.out, quiet=args.quiet)
    return status


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (0 ok, 1 violations, 2 bad input)."""
    # --time-limit bounds the whole command: count from process start, imports included.
    # (only when run as a program: called in-process, count from the call).
    started = time.perf_counter() - (_process_age_s() if argv is None else 0.0)
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.version:
        from basket_route import __version__

        print(__version__)
        return EXIT_OK
    if args.command is None:
        parser.print_help()
        return EXIT_INPUT
    try:
        if args.command == "plan":
            return _plan_and_write(
                args.scenario, args.date, args.window, args.output, args, started
            )
        if args.command == "verify":
            return _cmd_verify(args)
        if args.command == "demo":
            return _cmd_demo(args, started)
        func: Callable[[argparse.Namespace], int] | None = getattr(args, "func", None)
        if func is not None:
            return func(args)
    except ScenarioError as exc:
        _err(f"cannot use the scenario:\n{exc}")
        return EXIT_INPUT
    except PlanFormatError as exc:
        _err(f"cannot read the plan: {exc}")
        return EXIT_INPUT
    except ValueError as exc:
        _err(str(exc))
        return EXIT_INPUT
    except OSError as exc:
        _err(f"{exc.filename or ''}: {exc.strerror or exc}")
        return EXIT_INPUT
    parser.error(f"unknown command {args.command}")
    return EXIT_INPUT  # pragma: no cover - parser.error exits


if __name__ == "__main__":
    sys.exit(main())
