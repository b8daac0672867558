"""District scale: wall time against order count, and the district end to end.

Examples (from the repository root)::

    .venv/bin/python benchmarks/scale_curve.py curve --orders 600 1250 2500 5000 10000 20000 \\
        --workers 2 --solution-limit 30 --png docs/img/scale_curve.png
    .venv/bin/python benchmarks/scale_curve.py cli out/district --workers 2 [--time-limit S]

``curve`` plans the AM window of 2020-02-10 of grown districts (:func:`grown_tables`) with
:func:`basket_route.scale.plan_partitioned` in reproducible mode: every sub-problem stops on
the same solution count, so the wall time measures the work, not a time budget. ``cli``
runs ``basket-route plan DIR ... -o DIR/plan.json`` as a child process, samples the memory
of its whole process tree (workers included) and runs ``../shared/tools/verify_plan.py``.
Scenarios are built before the clock starts; runs are sequential.
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Self

import numpy as np
import pandas as pd
import psutil

import basket_route as br
from basket_route.io.scenario import scenario_from_frames
from basket_route.scale import plan_partitioned
from basket_route.scenarios import ScenarioTables, synthetic_tables

DAY = "2020-02-10"
CHECKER = Path(__file__).resolve().parents[2] / "shared" / "tools" / "verify_plan.py"
_IDS = {
    "depots.csv": ["depot_id"],
    "buildings.csv": ["building_id"],
    "households.csv": ["household_id", "building_id"],
    "orders.csv": ["order_id", "household_id"],
    "volunteers.csv": ["volunteer_id", "depot_id"],
    "shifts.csv": ["volunteer_id"],
}


def grown_tables(n_orders: int, seed: int = 0) -> ScenarioTables:
    """About N_ORDERS AM orders of 2020-02-10 over ceil(N_ORDERS / 950) communities.

    Communities (a depot and its nearest buildings) are taken from synthetic districts
    of seeds 0, 1, ... laid side by side 5 km apart, ids prefixed ``T<seed>-``. Orders are
    a uniform sample; each community keeps the same share of its volunteers on shift
    (door-to-door ones in proportion, at least 2), so the load per volunteer stays level.
    """
    n_depots = max(1, math.ceil(n_orders / 950))
    parts: dict[str, list[pd.DataFrame]] = {name: [] for name in _IDS}
    settings: Any = None
    for tile in range(math.ceil(n_depots / 8)):
        t = synthetic_tables("district", seed=seed + tile)
        settings = t.settings
        f = {k: v.copy() for k, v in t.frames.items()}
        f["depots.csv"]["x_m"] += 5000.0 * tile
        f["buildings.csv"]["x_m"] += 5000.0 * tile
        for name, cols in _IDS.items():
            for c in cols:
                f[name][c] = f"T{tile}-" + f[name][c].astype(str)
        for name in _IDS:
            parts[name].append(f[name])
    frames = {name: pd.concat(p, ignore_index=True) for name, p in parts.items()}
    dep = frames["depots.csv"].iloc[:n_depots]
    bld = frames["buildings.csv"]
    gap = np.hypot(
        bld["x_m"].to_numpy()[:, None] - frames["depots.csv"]["x_m"].to_numpy()[None],
        bld["y_m"].to_numpy()[:, None] - frames["depots.csv"]["y_m"].to_numpy()[None],
    )
    home = frames["depots.csv"]["depot_id"].to_numpy()[gap.argmin(1)]
    bld = bld[np.isin(home, dep["depot_id"])]
    hh = frames["households.csv"]
    hh = hh[hh["building_id"].isin(bld["building_id"])]
    od = frames["orders.csv"]
    od = od[
        (od["date"] == DAY) & (od["window"] == "AM") & od["household_id"].isin(hh["household_id"])
    ]
    keep = min(1.0, n_orders / max(1, len(od)))
    od = od.sample(n=min(n_orders, len(od)), random_state=seed).sort_values("order_id")
    sh = frames["shifts.csv"]
    sh = sh[(sh["date"] == DAY) & (sh["window"] == "AM")]
    vol = frames["volunteers.csv"]
    vol = vol[vol["depot_id"].isin(dep["depot_id"]) & vol["volunteer_id"].isin(sh["volunteer_id"])]
    kept = []
    for _, group in vol.groupby(["depot_id", "door_to_door"]):
        kept.append(group.sort_values("volunteer_id").head(max(2, math.ceil(keep * len(group)))))
    vol = pd.concat(kept).sort_values("volunteer_id")
    out = {
        "depots.csv": dep,
        "buildings.csv": bld,
        "households.csv": hh,
        "orders.csv": od,
        "volunteers.csv": vol,
        "shifts.csv": sh[sh["volunteer_id"].isin(vol["volunteer_id"])],
    }
    return ScenarioTables(settings, out)


def grown(n_orders: int, seed: int = 0) -> br.Scenario:
    """:func:`grown_tables` as a Scenario."""
    t = grown_tables(n_orders, seed)
    return scenario_from_frames(t.frames, t.settings, source=f"grown:{n_orders}:{seed}")


class PeakMemory:
    """Samples the summed RSS of a process and all its descendants every 0.1 s."""

    def __init__(self, pid: int) -> None:
        self.root = psutil.Process(pid)
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                procs = [self.root, *self.root.children(recursive=True)]
                self.peak = max(self.peak, sum(_rss(p) for p in procs))
            except psutil.Error:
                pass
            self._stop.wait(0.1)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def _rss(p: psutil.Process) -> int:
    try:
        return int(p.memory_info().rss)
    except psutil.Error:
        return 0


def _curve(args: argparse.Namespace) -> list[str]:
    opts = br.PlanOptions(reproducible=True, solution_limit=args.solution_limit, seed=0)
    lines = [
        "| orders | depots | volunteers | sub-problems | drops | delivered | unassigned "
        "| distance km | wall s | CPU s | peak MB (tree) | verifies |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|:---:|",
    ]
    rows = []
    for n in args.orders:
        sc = grown(n)
        with PeakMemory(psutil.Process().pid) as mem:
            cpu0 = cpu_seconds()
            started = time.perf_counter()
            plan = plan_partitioned(sc, DAY, "AM", opts, workers=args.workers)
            wall = time.perf_counter() - started
            cpu = cpu_seconds() - cpu0
        c = plan.summary_counts()
        ok = plan.verify(sc).ok
        rows.append((c["orders"], wall, cpu))
        lines.append(
            f"| {c['orders']} | {len(sc.depots)} | {len(sc.volunteers)} "
            f"| {plan.solver['sub_problems']} | {plan.solver['drops']} | {c['delivered']} "
            f"| {c['unassigned']} | {c['distance_m'] / 1000:.1f} | {wall:.1f} | {cpu:.1f} "
            f"| {mem.peak / 2**20:.0f} | {'yes' if ok else 'NO'} |"
        )
        print(lines[-1], file=sys.stderr, flush=True)  # progress
    x = np.log([r[0] for r in rows])
    slopes = [float(np.polyfit(x, np.log([r[k] for r in rows]), 1)[0]) for k in (1, 2)]
    lines += [
        "",
        f"Fitted (log-log least squares): wall ∝ orders^{slopes[0]:.2f}, "
        f"CPU ∝ orders^{slopes[1]:.2f}.",
    ]
    if args.png:
        _plot(rows, slopes, args)
    return lines


def cpu_seconds() -> float:
    """User + system CPU seconds of this process and its reaped children (the workers)."""
    own, kids = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def _plot(
    rows: Sequence[tuple[int, float, float]], slopes: Sequence[float], args: argparse.Namespace
) -> None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed: no plot", file=sys.stderr)
        return
    n = np.array([r[0] for r in rows], dtype=float)
    fig, ax = plt.subplots(figsize=(6, 4), dpi=110)
    for k, (name, marker) in enumerate((("wall", "o-"), ("CPU", "s-")), start=1):
        y = np.array([r[k] for r in rows])
        ax.plot(n, y, marker, label=f"{name} s (fit: orders^{slopes[k - 1]:.2f})")
    y = np.array([r[2] for r in rows])
    ax.plot(n, y[-1] * n / n[-1], "--", color="grey", label="linear, through the last CPU point")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("orders in the window")
    ax.set_ylabel("seconds")
    ax.set_title(
        f"plan_partitioned, {args.workers} workers, reproducible "
        f"(solution limit {args.solution_limit} per sub-problem)",
        fontsize=9,
    )
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    Path(args.png).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(args.png)
    print(f"wrote {args.png}", file=sys.stderr)


def _cli(args: argparse.Namespace) -> list[str]:
    folder = Path(args.folder)
    out = folder / "plan.json"
    cmd = [sys.executable, "-m", "basket_route.cli", "plan", str(folder), "--date", DAY]
    cmd += ["--window", "AM", "-o", str(out), "--quiet"]
    if args.workers:
        cmd += ["--workers", str(args.workers)]
    if args.time_limit:
        cmd += ["--time-limit", str(args.time_limit)]
    if args.drop_share:
        cmd += ["--drop-share", str(args.drop_share)]
    started = time.perf_counter()
    proc = subprocess.Popen(cmd)
    with PeakMemory(proc.pid) as mem:
        status = proc.wait()
    wall = time.perf_counter() - started
    lines = [
        f"command: {' '.join(cmd[1:])}",
        f"exit {status}, wall {wall:.1f} s, peak {mem.peak / 2**20:.0f} MB",
    ]
    if CHECKER.is_file() and status == 0:
        check = subprocess.run(
            [sys.executable, str(CHECKER), str(folder), str(out)], capture_output=True, text=True
        )
        lines += check.stdout.strip().splitlines()[-3:]
    if status == 0:
        plan = br.Plan.from_json(out)
        c = plan.summary_counts()
        lines.append(
            f"delivered {c['delivered']}/{c['orders']}, {c['distance_m'] / 1000:.1f} km, "
            f"{c['trips']} trips, solver {json.dumps(plan.solver, sort_keys=True)}"
        )
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``curve`` or ``cli`` measurement and print Markdown to stdout."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="what", required=True)
    c = sub.add_parser("curve", help="wall time against order count")
    c.add_argument("--orders", type=int, nargs="+", default=[600, 1250, 2500, 5000, 10000, 20000])
    c.add_argument("--workers", type=int, default=2)
    c.add_argument("--solution-limit", type=int, default=30)
    c.add_argument("--png", default=None, help="write the plot here (needs matplotlib)")
    e = sub.add_parser("cli", help="basket-route plan end to end: wall, peak memory, checker")
    e.add_argument("folder", help="scenario folder (plan.json is written into it)")
    e.add_argument("--workers", type=int, default=None)
    e.add_argument("--time-limit", type=float, default=None)
    e.add_argument("--drop-share", type=float, default=None)
    args = parser.parse_args(argv)
    lines = _curve(args) if args.what == "curve" else _cli(args)
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
