"""The ``basket-route bench`` subcommand: quality against best-known solutions and peers."""

from __future__ import annotations

import argparse
import datetime as dt
import subprocess
import sys
from pathlib import Path

__all__ = ["register"]

EXIT_OK, EXIT_INPUT = 0, 2
PEER_NAMES = ("ortools", "pyvrp", "vroom")


def _floats(text: str) -> list[float]:
    try:
        return [float(x) for x in text.split(",") if x.strip()]
    except ValueError as exc:
        raise argparse.ArgumentTypeError(
            f"expected numbers separated by commas, got {text!r}"
        ) from exc


def _ints(text: str) -> list[int]:
    try:
        return [int(x) for x in text.split(",") if x.strip()]
    except ValueError as exc:
        raise argparse.ArgumentTypeError(
            f"expected integers separated by commas, got {text!r}"
        ) from exc


def _names(text: str) -> list[str]:
    return [x.strip() for x in text.split(",") if x.strip()]


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``bench`` subcommand to SUB."""
    b = sub.add_parser(
        "bench",
        help="solve benchmark instances (Solomon, G&H, CVRPLIB X) and compare with best-known",
        description=(
            "Solve the benchmark instances under DATA_DIR (.vrp, Solomon .txt; best-known "
            "values from bks.csv or .sol files) with the routing core and, with --peers, "
            "plain OR-Tools, PyVRP and VROOM; re-score every solution in the instance's "
            "distance convention and write a CSV and a Markdown report."
        ),
    )
    b.add_argument("data_dir", type=Path, help="folder with the instances and bks.csv")
    b.add_argument(
        "--instances",
        type=_names,
        default=None,
        help="comma-separated instance names, e.g. C101,R101 (default: all found)",
    )
    b.add_argument(
        "--time-limit",
        type=_floats,
        default=[10.0],
        help="seconds per solve; several separated by commas, e.g. 1,10 (default 10)",
    )
    b.add_argument(
        "--seed",
        type=_ints,
        default=[0],
        help="seed(s), e.g. 0,1,2; N > 0 renumbers the customers at random (default 0)",
    )
    b.add_argument(
        "--peers",
        action="store_true",
        help="also run plain OR-Tools, PyVRP and VROOM (the last two need the bench extra)",
    )
    b.add_argument(
        "--solvers",
        type=_names,
        default=["basket_route"],
        help="our variants to run: basket_route, basket_route_recombine, basket_route_ils, "
        "basket_route_optional, basket_route_gls (default basket_route)",
    )
    b.add_argument("-o", "--output", type=Path, required=True, help="results CSV to write")
    b.add_argument(
        "--markdown", type=Path, default=None, help="Markdown report (default: OUTPUT with .md)"
    )
    b.add_argument("--quiet", action="store_true", help="print nothing but errors")
    b.set_defaults(func=_cmd_bench)


def _commit() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
            cwd=Path(__file__).resolve().parent,
            timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return out.stdout.strip() or "unknown"


def _command(args: argparse.Namespace) -> str:
    """The command line that reproduces ARGS (for the report header)."""
    parts = ["basket-route bench", str(args.data_dir)]
    if args.instances:
        parts += ["--instances", ",".join(args.instances)]
    parts += ["--time-limit", ",".join(f"{t:g}" for t in args.time_limit)]
    parts += ["--seed", ",".join(str(s) for s in args.seed)]
    if args.solvers != ["basket_route"]:
        parts += ["--solvers", ",".join(args.solvers)]
    if args.peers:
        parts.append("--peers")
    parts += ["-o", str(args.output)]
    return " ".join(parts)


def _cmd_bench(args: argparse.Namespace) -> int:
    from basket_route.bench.report import markdown
    from basket_route.bench.runner import BenchRow, run_bench, versions, write_csv

    solvers = list(args.solvers) + (list(PEER_NAMES) if args.peers else [])

    def progress(row: BenchRow) -> None:
        if args.quiet:
            return
        verdict = f"gap {row.gap_pct:+.2f} %" if row.gap_pct is not None else ""
        if not row.feasible:
            verdict = f"INFEASIBLE: {row.violations or row.status}"
        print(
            f"{row.instance:12s} {row.solver:22s} {row.time_limit_s:g} s seed {row.seed}: "
            f"{row.cost if row.cost is not None else '-'} {verdict} "
            f"({row.vehicles} routes, wall {row.wall_s:.2f} s, CPU {row.cpu_s:.2f} s)",
            file=sys.stderr,
            flush=True,
        )

    if not args.data_dir.is_dir():
        print(f"basket-route: data folder not found: {args.data_dir}", file=sys.stderr)
        return EXIT_INPUT
    try:
        report = run_bench(
            args.data_dir,
            instances=args.instances,
            solvers=solvers,
            time_limits=args.time_limit,
            seeds=args.seed,
            progress=progress,
        )
    except ImportError as exc:
        print(f"basket-route: {exc}", file=sys.stderr)
        return EXIT_INPUT
    csv_path = write_csv(report.rows, args.output)
    md_path = args.markdown or args.output.with_suffix(".md")
    vers = ", ".join(f"{k} {v}" for k, v in versions().items())
    header = (
        f"Run {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, commit {_commit()}; {vers}.\n\n"
        f"Command: `{_command(args)}`"
    )
    md_path.parent.mkdir(parents=True, exist_ok=True)
    md_path.write_text(markdown(report, header), encoding="utf-8")
    for note in report.notes:
        print(f"note: {note}", file=sys.stderr)
    if not args.quiet:
        print(f"wrote {csv_path} and {md_path} ({len(report.rows)} runs)")
    return EXIT_OK
