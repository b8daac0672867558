"""Markdown tables of a benchmark run: summary, gap matrix and every row."""

from __future__ import annotations

from collections.abc import Sequence
from statistics import mean

from basket_route.bench.runner import BenchReport, BenchRow

__all__ = ["detail_table", "gap_matrix", "markdown", "summary_table"]


def _fmt(x: float | None, digits: int = 2, sign: bool = False) -> str:
    if x is None:
        return "–"
    return f"{x:+.{digits}f}" if sign else f"{x:.{digits}f}"


def _limit(t: float) -> str:
    return f"{t:g}"


def _keys(rows: Sequence[BenchRow]) -> list[tuple[str, float]]:
    """(solver, time limit) pairs in first-seen solver order, limits ascending."""
    solvers = list(dict.fromkeys(r.solver for r in rows))
    limits = sorted({r.time_limit_s for r in rows})
    present = {(r.solver, r.time_limit_s) for r in rows}
    return [(s, t) for t in limits for s in solvers if (s, t) in present]


def summary_table(rows: Sequence[BenchRow]) -> str:
    """Per solver and time limit: runs, feasible, mean/max gap, mean wall time.

    ``mean gap, common`` averages over the (instance, seed) runs that *every* solver of
    the same time limit solved feasibly, so solvers are compared on the same set.
    """
    lines = [
        "| solver | time limit s | runs | feasible | mean gap % | max gap % "
        "| mean gap %, common | mean wall s | mean CPU s |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for solver, limit in _keys(rows):
        mine = [r for r in rows if r.solver == solver and r.time_limit_s == limit]
        same_limit = [r for r in rows if r.time_limit_s == limit]
        solvers_here = {r.solver for r in same_limit}
        ok: dict[tuple[str, int], set[str]] = {}
        for r in same_limit:
            if r.feasible and r.gap_pct is not None:
                ok.setdefault((r.instance, r.seed), set()).add(r.solver)
        common = {k for k, s in ok.items() if s == solvers_here}
        gaps = [r.gap_pct for r in mine if r.gap_pct is not None]
        common_gaps = [
            r.gap_pct for r in mine if r.gap_pct is not None and (r.instance, r.seed) in common
        ]
        lines.append(
            f"| {solver} | {_limit(limit)} | {len(mine)} | {sum(r.feasible for r in mine)} "
            f"| {_fmt(mean(gaps) if gaps else None)} | {_fmt(max(gaps) if gaps else None)} "
            f"| {_fmt(mean(common_gaps) if common_gaps else None)} ({len(common)}) "
            f"| {_fmt(mean(r.wall_s for r in mine))} | {_fmt(mean(r.cpu_s for r in mine))} |"
        )
    return "\n".join(lines)


def gap_matrix(rows: Sequence[BenchRow]) -> str:
    """One line per instance (and seed): gap % and vehicles of each solver × time limit.

    A cell reads ``+1.23 (20)`` (gap to best-known in %, routes), or ``✗`` with the first
    violation when the solution is infeasible or missing.
    """
    keys = _keys(rows)
    head = " | ".join(f"{s} {_limit(t)} s" for s, t in keys)
    lines = [
        f"| instance | seed | BKS (routes) | {head} |",
        "|---|---:|---:|" + "---:|" * len(keys),
    ]
    cells: dict[tuple[str, int], dict[tuple[str, float], BenchRow]] = {}
    for r in rows:
        cells.setdefault((r.instance, r.seed), {})[(r.solver, r.time_limit_s)] = r
    for (instance, seed), by_key in cells.items():
        first = next(iter(by_key.values()))
        bks = "–" if first.bks_cost is None else f"{first.bks_cost:g} ({first.bks_vehicles})"
        out = []
        for key in keys:
            cell = by_key.get(key)
            if cell is None:
                out.append("")
            elif cell.feasible:
                out.append(f"{_fmt(cell.gap_pct, sign=True)} ({cell.vehicles})")
            else:
                out.append("✗ " + (cell.violations.split(":")[0] or "infeasible"))
        lines.append(f"| {instance} | {seed} | {bks} | " + " | ".join(out) + " |")
    return "\n".join(lines)


def detail_table(rows: Sequence[BenchRow]) -> str:
    """Every row: cost, gap to best-known, vehicles, wall time and feasibility."""
    lines = [
        "| instance | solver | time limit s | seed | feasible | cost | BKS | gap % "
        "| vehicles | wall s | CPU s | status |",
        "|---|---|---:|---:|:---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        status = r.status if r.feasible else f"{r.status}; {r.violations}"
        lines.append(
            f"| {r.instance} | {r.solver} | {_limit(r.time_limit_s)} | {r.seed} "
            f"| {'yes' if r.feasible else 'no'} | {_fmt(r.cost, 1)} "
            f"| {'–' if r.bks_cost is None else f'{r.bks_cost:g}'} "
            f"| {_fmt(r.gap_pct, sign=True)} | {r.vehicles} | {r.wall_s:.2f} | {r.cpu_s:.2f} "
            f"| {status.replace('|', '/')} |"
        )
    return "\n".join(lines)


def markdown(report: BenchReport, header: str = "") -> str:
    """The whole report: HEADER, notes, summary, a gap matrix per time limit, every run."""
    parts = [header.strip()] if header.strip() else []
    if report.notes:
        parts.append("\n".join(f"* {note}" for note in report.notes))
    rows = list(report.rows)
    if rows:
        parts.append("### Summary\n\n" + summary_table(rows))
        for limit in sorted({r.time_limit_s for r in rows}):
            parts.append(
                f"### Gap to best-known, % (routes), {_limit(limit)} s\n\n"
                + gap_matrix([r for r in rows if r.time_limit_s == limit])
            )
        parts.append("### All runs\n\n" + detail_table(rows))
    else:
        parts.append("No runs.")
    return "\n\n".join(parts) + "\n"
