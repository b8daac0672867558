"""Run solvers on benchmark instances, re-score every solution, compare with best-known.

Protocol (what ``basket-route bench`` does): for every instance × time limit × seed ×
solver, one sequential solve; the returned routes are re-scored by
:func:`~basket_route.bench.evaluate.evaluate` (the solver's own objective is never used),
and the gap is ``100 * (cost - bks) / bks`` against the ``distance`` row of ``bks.csv``
(or, when an instance has none, the cost stated in its ``.sol`` file).

Solvers:

* ``basket_route``: the routing core (:func:`~basket_route.solver.routing.solve_routing`
  with its default search, ``PARALLEL_CHEAPEST_INSERTION`` + ``ITERATED_LOCAL_SEARCH``,
  ending with the recombination of the routes the search reached from
  ``RECOMBINE_MIN_LIMIT_S``), every visit mandatory;
* ``basket_route_recombine`` and ``basket_route_ils``: the same with recombination at
  every time limit, or at none (``SearchParams.recombine`` True or False);
* ``basket_route_optional``: the same, every visit optional with a large penalty
  (100 × the longest arc), the usual way to make OR-Tools' first solution easier;
* ``basket_route_gls``: the routing core with guided local search from the cheapest of
  several first solutions (the default before iterated local search), for comparison;
* the peers of :mod:`basket_route.bench.peers`: ``ortools``, ``pyvrp``, ``vroom``.

Seeds: the routing core has no random seed, so seed N > 0 renumbers the customers with a
random permutation drawn from ``numpy.random.default_rng(N)`` before the problem is built
(OR-Tools' heuristics break ties by node index) and maps the routes back; seed 0 keeps the
file order. The plain OR-Tools peer gets the same permutation; PyVRP gets the seed
itself; VROOM is deterministic and ignores it.
"""

from __future__ import annotations

import csv
import math
import platform
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path

import numpy as np
import numpy.typing as npt

from basket_route.bench.evaluate import evaluate
from basket_route.bench.peers import PEERS, PeerResult, available
from basket_route.bench.readers import (
    BestKnown,
    Instance,
    find_instances,
    read_bks_csv,
    read_instance,
    read_solution,
    to_routing_problem,
)
from basket_route.solver.routing import ITERATED_LOCAL_SEARCH, SearchParams, solve_routing

__all__ = [
    "CORE_SOLVERS",
    "CSV_COLUMNS",
    "BenchReport",
    "BenchRow",
    "node_order",
    "read_csv",
    "run_bench",
    "run_one",
    "solve_core",
    "versions",
    "write_csv",
]

CORE_SOLVERS: tuple[str, ...] = (
    "basket_route",
    "basket_route_recombine",
    "basket_route_ils",
    "basket_route_optional",
    "basket_route_gls",
)
"""Our solver variants; the peers are the keys of :data:`basket_route.bench.peers.PEERS`."""
PENALTY_FACTOR = 100
"""Penalty of an unvisited customer in ``basket_route_optional``, times the longest arc."""

CSV_COLUMNS: tuple[str, ...] = (
    "instance",
    "solver",
    "time_limit_s",
    "seed",
    "feasible",
    "cost",
    "bks_cost",
    "gap_pct",
    "vehicles",
    "bks_vehicles",
    "wall_s",
    "cpu_s",
    "customers",
    "status",
    "violations",
)


@dataclass(frozen=True, slots=True)
class BenchRow:
    """One solve, re-scored. ``cost`` and ``gap_pct`` are None when infeasible.

    ``wall_s`` is the solve's wall time as the solver function measured it (model building
    included); ``cpu_s`` is the CPU time this process used meanwhile. On a shared machine
    ``cpu_s`` well below ``wall_s`` means the time-limited search got only part of a core.
    """

    instance: str
    solver: str
    time_limit_s: float
    seed: int
    feasible: bool
    cost: float | None
    bks_cost: float | None
    gap_pct: float | None
    vehicles: int
    bks_vehicles: int | None
    wall_s: float
    cpu_s: float
    customers: int
    status: str
    violations: str


@dataclass(frozen=True, slots=True)
class BenchReport:
    """All rows of a run, plus notes (skipped solvers, missing best-known values)."""

    rows: tuple[BenchRow, ...]
    notes: tuple[str, ...] = field(default=())


def node_order(n: int, seed: int) -> npt.NDArray[np.int64]:
    """The node renumbering of SEED: identity for 0, else a random customer permutation."""
    order = np.arange(n, dtype=np.int64)
    if seed != 0:
        order[1:] = np.random.default_rng(seed).permutation(np.arange(1, n, dtype=np.int64))
    return order


def solve_core(
    instance: Instance,
    time_limit: float,
    seed: int = 0,
    *,
    optional: bool = False,
    metaheuristic: str = ITERATED_LOCAL_SEARCH,
    recombine: bool | None = None,
) -> PeerResult:
    """Solve INSTANCE with the routing core; routes come back in instance numbering.

    Parameters
    ----------
    instance
        The instance.
    time_limit
        Seconds of search (``SearchParams.time_limit``).
    seed
        Node renumbering, see :func:`node_order`. Default 0 (file order).
    optional
        Make every visit optional with penalty ``PENALTY_FACTOR`` × the longest arc.
        Default False (mandatory).
    metaheuristic
        ``SearchParams.metaheuristic``. Default ``"ITERATED_LOCAL_SEARCH"``.
    recombine
        ``SearchParams.recombine``. Default None (the routing core's default: from
        ``RECOMBINE_MIN_LIMIT_S``).
    """
    started = time.perf_counter()
    order = node_order(instance.coords.shape[0], seed)
    penalty = PENALTY_FACTOR * int(instance.distance.max()) if optional else None
    problem = to_routing_problem(instance, order=order, penalty=penalty)
    params = SearchParams(time_limit=time_limit, metaheuristic=metaheuristic, recombine=recombine)
    result = solve_routing(problem, params)
    routes = tuple(tuple(int(order[k]) for k in r) for r in result.routes)
    status = f"{result.first_solution or 'none'}: {result.status}"
    if result.recombination:
        status += f"; recombination: {result.recombination}"
    return PeerResult(routes, status, time.perf_counter() - started)


def _solve_ortools_permuted(instance: Instance, time_limit: float, seed: int) -> PeerResult:
    """The plain OR-Tools peer on the instance renumbered by SEED."""
    order = node_order(instance.coords.shape[0], seed)
    if seed == 0:
        return PEERS["ortools"][1](instance, time_limit, seed)
    ix = np.ix_(order, order)
    permuted = Instance(
        name=instance.name,
        path=instance.path,
        convention=instance.convention,
        coords=instance.coords[order],
        demand=instance.demand[order],
        capacity=instance.capacity,
        fleet=instance.fleet,
        time_windows=None if instance.time_windows is None else instance.time_windows[order],
        service=instance.service[order],
        distance=instance.distance[ix],
    )
    out = PEERS["ortools"][1](permuted, time_limit, seed)
    routes = tuple(tuple(int(order[k]) for k in r) for r in out.routes)
    return PeerResult(routes, out.status, out.wall_s)


def _solver_function(name: str) -> Callable[[Instance, float, int], PeerResult]:
    if name == "basket_route":
        return lambda inst, t, s: solve_core(inst, t, s)
    if name == "basket_route_recombine":
        return lambda inst, t, s: solve_core(inst, t, s, recombine=True)
    if name == "basket_route_ils":
        return lambda inst, t, s: solve_core(inst, t, s, recombine=False)
    if name == "basket_route_optional":
        return lambda inst, t, s: solve_core(inst, t, s, optional=True)
    if name == "basket_route_gls":
        return lambda inst, t, s: solve_core(inst, t, s, metaheuristic="GUIDED_LOCAL_SEARCH")
    if name == "ortools":
        return _solve_ortools_permuted
    return PEERS[name][1]


def run_one(
    instance: Instance, solver: str, time_limit: float, seed: int, bks: BestKnown | None
) -> BenchRow:
    """Run SOLVER once on INSTANCE, re-score its routes and compare them with BKS."""
    cpu_started = time.process_time()
    out = _solver_function(solver)(instance, time_limit, seed)
    cpu_s = time.process_time() - cpu_started
    ev = evaluate(instance, out.routes)
    gap = None
    if ev.feasible and bks is not None:
        gap = round(100.0 * (ev.cost - bks.cost) / bks.cost, 3)
    return BenchRow(
        instance=instance.name,
        solver=solver,
        time_limit_s=time_limit,
        seed=seed,
        feasible=ev.feasible,
        cost=round(ev.cost, 6) if ev.feasible else None,
        bks_cost=None if bks is None else bks.cost,
        gap_pct=gap,
        vehicles=ev.vehicles,
        bks_vehicles=None if bks is None else bks.vehicles,
        wall_s=round(out.wall_s, 3),
        cpu_s=round(cpu_s, 3),
        customers=instance.n_customers,
        status=out.status,
        violations="; ".join(ev.violations),
    )


def _best_known(data_dir: Path, paths: dict[str, Path]) -> tuple[dict[str, BestKnown], list[str]]:
    """bks.csv's distance rows (first bks.csv found under DATA_DIR), else the .sol costs."""
    notes: list[str] = []
    table: dict[str, BestKnown] = {}
    csvs = sorted(data_dir.rglob("bks.csv"))
    if csvs:
        table = read_bks_csv(csvs[0])
    else:
        notes.append(f"no bks.csv under {data_dir}: gaps use the costs of the .sol files")
    for name, path in paths.items():
        if name in table:
            continue
        sol = path.with_suffix(".sol")
        if sol.exists():
            routes, cost = read_solution(sol)
            table[name] = BestKnown(cost, len(routes), "", str(sol.name))
        else:
            notes.append(f"{name}: no best-known value (no bks.csv row, no .sol): no gap")
    return table, notes


def _select(found: dict[str, Path], names: Sequence[str] | None) -> dict[str, Path]:
    if not names:
        return found
    by_upper = {k.upper(): k for k in found}
    unknown = [n for n in names if n.upper() not in by_upper]
    if unknown:
        shown = ", ".join(repr(u) for u in unknown[:5]) + (", …" if len(unknown) > 5 else "")
        raise ValueError(f"instances not found: {shown}; available: {', '.join(found)}")
    return {by_upper[n.upper()]: found[by_upper[n.upper()]] for n in names}


def run_bench(
    data_dir: str | Path,
    *,
    instances: Sequence[str] | None = None,
    solvers: Sequence[str] = ("basket_route",),
    time_limits: Iterable[float] = (10.0,),
    seeds: Iterable[int] = (0,),
    progress: Callable[[BenchRow], None] | None = None,
) -> BenchReport:
    """Run every solver on every selected instance, sequentially, and re-score the results.

    Parameters
    ----------
    data_dir
        Folder searched (recursively) for instances and ``bks.csv``.
    instances
        Instance names (case-insensitive). Default None: every instance found.
    solvers
        Solver names: :data:`CORE_SOLVERS` and the peers. Unavailable peers are skipped
        with a note. Default ``("basket_route",)``.
    time_limits
        Seconds per solve. Default ``(10.0,)``.
    seeds
        Seeds (see the module notes). Default ``(0,)``.
    progress
        Called with each row as soon as it is measured. Default None.

    Returns
    -------
    BenchReport

    Raises
    ------
    ValueError
        Unknown solver or instance names, no instance found, a bad time limit.
    """
    data_dir = Path(data_dir)
    known = (*CORE_SOLVERS, *PEERS)
    bad = [s for s in solvers if s not in known]
    if bad:
        raise ValueError(f"unknown solvers {bad}; choose from {list(known)}")
    limits = list(time_limits)
    if not limits or not all(math.isfinite(t) and t > 0 for t in limits):
        raise ValueError(f"time limits must be > 0 seconds, got {limits}")
    found = find_instances(data_dir)
    if not found:
        raise ValueError(f"no .vrp or Solomon .txt instance under {data_dir}")
    selected = _select(found, instances)
    bks, notes = _best_known(data_dir, selected)
    runnable = []
    for s in dict.fromkeys(solvers):
        reason = available(s) if s in PEERS else None
        if reason is None:
            runnable.append(s)
        else:
            notes.append(reason)
    rows: list[BenchRow] = []
    for name, path in selected.items():
        instance = read_instance(path)
        for limit in limits:
            for seed in seeds:
                for solver in runnable:
                    row = run_one(instance, solver, limit, seed, bks.get(name))
                    rows.append(row)
                    if progress is not None:
                        progress(row)
    return BenchReport(tuple(rows), tuple(notes))


def write_csv(rows: Iterable[BenchRow], path: str | Path) -> Path:
    """Write ROWS with the columns :data:`CSV_COLUMNS` (empty cells for None)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=CSV_COLUMNS)
        writer.writeheader()
        for row in rows:
            writer.writerow({k: ("" if v is None else v) for k, v in asdict(row).items()})
    tmp.replace(path)
    return path


def read_csv(path: str | Path) -> list[BenchRow]:
    """Rows written by :func:`write_csv` (to re-render or merge runs)."""

    def opt_float(text: str) -> float | None:
        return float(text) if text != "" else None

    rows = []
    with Path(path).open(newline="", encoding="utf-8") as fh:
        for d in csv.DictReader(fh):
            rows.append(
                BenchRow(
                    instance=d["instance"],
                    solver=d["solver"],
                    time_limit_s=float(d["time_limit_s"]),
                    seed=int(d["seed"]),
                    feasible=d["feasible"] == "True",
                    cost=opt_float(d["cost"]),
                    bks_cost=opt_float(d["bks_cost"]),
                    gap_pct=opt_float(d["gap_pct"]),
                    vehicles=int(d["vehicles"]),
                    bks_vehicles=int(d["bks_vehicles"]) if d["bks_vehicles"] else None,
                    wall_s=float(d["wall_s"]),
                    cpu_s=float(d["cpu_s"]),
                    customers=int(d["customers"]),
                    status=d["status"],
                    violations=d["violations"],
                )
            )
    return rows


def versions() -> dict[str, str]:
    """Versions of Python and of each solver package (``-`` when not installed)."""
    out = {"python": platform.python_version()}
    for dist in ("basket-route", "ortools", "pyvrp", "pyvroom", "vrplib", "numpy"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[dist] = "-"
    return out
