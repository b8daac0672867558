"""Benchmark instances (Solomon, Gehring & Homberger, CVRPLIB X) in their own conventions.

A published best-known cost is only comparable under the convention it was computed with
(see ``shared/data/benchmarks/README.md``):

* **VRPTW** (Solomon, G&H; CVRPLIB/DIMACS): Euclidean distance *truncated* to one decimal,
  and travel time equal to that distance. In integers: ``d = floor(10 * euclid)``, with time
  windows and service times multiplied by 10 ("tenths").
* **CVRP** (CVRPLIB X, TSPLIB ``EUC_2D``): Euclidean distance rounded to the nearest integer.

This module reads the files (through the ``vrplib`` package, an optional dependency of the
``bench`` extra), builds the integer distance matrix of the convention, and turns an
instance into a :class:`~basket_route.solver.routing.RoutingProblem` for the routing core.
Node 0 is always the depot; customers are 1..n-1 in file order, the numbering of CVRPLIB
``.sol`` files.
"""

from __future__ import annotations

import csv
import importlib
import math
import re
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from basket_route.solver.routing import RoutingProblem, RoutingVehicle
from basket_route.units import MAX_VALUE

__all__ = [
    "BestKnown",
    "Convention",
    "Instance",
    "core_fleet",
    "distance_matrix",
    "find_instances",
    "read_bks_csv",
    "read_instance",
    "read_solution",
    "to_routing_problem",
]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

_SOLOMON_MARKERS = ("VEHICLE", "CUSTOMER")


class Convention(StrEnum):
    """How distances (and times) are made integer, as the best-known costs assume."""

    DIMACS = "dimacs"
    """Euclidean truncated to one decimal; integer unit = 0.1; times scaled by 10 too."""
    NINT = "nint"
    """Euclidean rounded to the nearest integer (TSPLIB ``EUC_2D``); unit = 1."""

    @property
    def scale(self) -> int:
        """Integer units per published unit (10 for DIMACS tenths, 1 for NINT)."""
        return 10 if self is Convention.DIMACS else 1


@dataclass(frozen=True, slots=True)
class Instance:
    """One benchmark instance in the integer units of its convention.

    Parameters
    ----------
    name
        Instance name as in ``bks.csv`` (e.g. ``"R101"``, ``"X-n101-k25"``).
    path
        The file it was read from.
    convention
        The distance convention of its best-known cost.
    coords
        ``(n, 2)`` coordinates; row 0 is the depot.
    demand
        ``(n,)`` demand; 0 at the depot.
    capacity
        Vehicle capacity.
    fleet
        Fleet limit (``VEHICLES``), or None when the set has none (CVRP: unlimited).
    time_windows
        ``(n, 2)`` [ready, due] in scaled units (row 0: the depot's opening hours), or None
        for CVRP.
    service
        ``(n,)`` service times in scaled units; 0 at the depot.
    distance
        ``(n, n)`` arc distances in scaled units (see :func:`distance_matrix`).
    """

    name: str
    path: Path
    convention: Convention
    coords: FloatArray
    demand: IntArray
    capacity: int
    fleet: int | None
    time_windows: IntArray | None
    service: IntArray
    distance: IntArray

    def __post_init__(self) -> None:
        n = self.coords.shape[0]
        if self.coords.shape != (n, 2) or n < 2:
            raise ValueError(f"{self.name}: coords must have shape (n, 2), n >= 2")
        for field_name in ("demand", "service"):
            if getattr(self, field_name).shape != (n,):
                raise ValueError(f"{self.name}: {field_name} must have shape ({n},)")
        if self.time_windows is not None and self.time_windows.shape != (n, 2):
            raise ValueError(f"{self.name}: time_windows must have shape ({n}, 2)")
        if self.distance.shape != (n, n):
            raise ValueError(f"{self.name}: distance must have shape ({n}, {n})")
        if self.capacity <= 0:
            raise ValueError(f"{self.name}: capacity must be > 0, got {self.capacity!r}")
        for arr in (self.coords, self.demand, self.service, self.distance, self.time_windows):
            if arr is not None:
                arr.flags.writeable = False

    @property
    def n_customers(self) -> int:
        """Number of customers (nodes other than the depot)."""
        return int(self.coords.shape[0]) - 1

    @property
    def has_time_windows(self) -> bool:
        """True for VRPTW instances."""
        return self.time_windows is not None

    @property
    def min_routes(self) -> int:
        """A lower bound on the number of routes: ``k`` of an ``-kNN`` name, or by capacity."""
        by_load = math.ceil(int(self.demand.sum()) / self.capacity)
        match = re.search(r"-k(\d+)$", self.name)
        return max(by_load, int(match.group(1)) if match else 0)


@dataclass(frozen=True, slots=True)
class BestKnown:
    """A best-known distance from ``bks.csv`` (published units, e.g. 827.3)."""

    cost: float
    vehicles: int
    convention: str
    source: str


def _optional(module: str) -> Any:
    """Import an optional dependency, or raise ImportError naming the extra."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise ImportError(
            f"the benchmark readers need the '{module}' package: pip install 'basket-route[bench]'"
        ) from exc


def distance_matrix(coords: FloatArray, convention: Convention) -> IntArray:
    """Integer distances between all coordinate pairs under CONVENTION.

    Integral coordinates (all the stored sets) are handled exactly with integer square
    roots: ``floor(10 * sqrt(s)) = isqrt(100 s)`` and ``nint(sqrt(s))``, ``s = dx² + dy²``,
    so no floating-point edge case can move a distance by one unit.

    Parameters
    ----------
    coords
        ``(n, 2)`` coordinates.
    convention
        DIMACS (tenths, truncated) or NINT (nearest integer).

    Returns
    -------
    numpy.ndarray
        ``(n, n)`` int64 matrix with a zero diagonal.
    """
    if np.all(coords == np.round(coords)) and np.abs(coords).max() < 2**20:
        xy = coords.astype(np.int64)
        diff = xy[:, None, :] - xy[None, :, :]
        sq: IntArray = (diff**2).sum(axis=2)
        if convention is Convention.DIMACS:
            return _isqrt(100 * sq)
        root = _isqrt(sq)
        # nint: round up when s > (r + 1/2)², i.e. 4s > (2r + 1)² (never a tie for integers).
        rounded: IntArray = root + (4 * sq > (2 * root + 1) ** 2).astype(np.int64)
        return rounded
    delta = coords[:, None, :] - coords[None, :, :]
    euclid = np.hypot(delta[:, :, 0], delta[:, :, 1])
    shifted = 10 * euclid + 1e-9 if convention is Convention.DIMACS else euclid + 0.5
    out: IntArray = np.floor(shifted).astype(np.int64)
    return out


def _isqrt(values: IntArray) -> IntArray:
    """Element-wise integer square root (floor), exact for values below 2**52."""
    root = np.floor(np.sqrt(values.astype(np.float64))).astype(np.int64)
    root -= (root * root > values).astype(np.int64)
    root += ((root + 1) * (root + 1) <= values).astype(np.int64)
    return root


def _scaled(values: npt.ArrayLike, scale: int, what: str, name: str) -> IntArray:
    raw = np.asarray(values, dtype=np.float64) * scale
    rounded = np.round(raw)
    if not np.allclose(raw, rounded, atol=1e-6):
        raise ValueError(f"{name}: {what} are not multiples of 1/{scale}")
    return rounded.astype(np.int64)


def read_instance(path: str | Path) -> Instance:
    """Read a VRPLIB (``.vrp``: CVRP or CVRPTW) or Solomon-text (``.txt``) instance.

    Parameters
    ----------
    path
        The instance file. ``.txt`` files are read as Solomon text, anything else as VRPLIB.

    Returns
    -------
    Instance
        Under the DIMACS convention when the file has time windows, NINT otherwise.

    Raises
    ------
    ImportError
        When the ``vrplib`` package is not installed.
    ValueError
        When the file is not a single-depot CVRP/VRPTW instance.
    """
    vrplib = _optional("vrplib")
    path = Path(path)
    fmt = "solomon" if path.suffix.lower() == ".txt" else "vrplib"
    data: dict[str, Any] = vrplib.read_instance(
        path, instance_format=fmt, compute_edge_weights=False
    )
    name = str(data.get("name", path.stem)).strip()
    if fmt == "solomon":
        name = name.upper()  # "r1_2_1" in the file; "R1_2_1" in bks.csv and the .vrp copy
    coords = np.asarray(data["node_coord"], dtype=np.float64)
    n = coords.shape[0]
    depots = np.asarray(data.get("depot", [0])).ravel()
    if depots.tolist() != [0]:
        raise ValueError(f"{name}: expected one depot at node 0, got {depots.tolist()}")
    demand = np.asarray(data.get("demand", np.zeros(n)), dtype=np.int64).ravel()
    has_tw = "time_window" in data
    convention = Convention.DIMACS if has_tw else Convention.NINT
    scale = convention.scale
    service_raw = np.broadcast_to(np.asarray(data.get("service_time", 0), dtype=float), (n,))
    service = _scaled(service_raw, scale, "service times", name)
    service[0] = 0  # the depot has no service time (VRPLIB gives one value for all nodes)
    windows = _scaled(data["time_window"], scale, "time windows", name) if has_tw else None
    fleet = int(data["vehicles"]) if "vehicles" in data else None
    return Instance(
        name=name,
        path=path,
        convention=convention,
        coords=coords,
        demand=demand,
        capacity=int(data["capacity"]),
        fleet=fleet,
        time_windows=windows,
        service=service,
        distance=distance_matrix(coords, convention),
    )


def read_solution(path: str | Path) -> tuple[list[list[int]], float]:
    """Routes (customer numbers, depot = 0) and stated cost of a CVRPLIB ``.sol`` file.

    Raises
    ------
    ImportError
        When the ``vrplib`` package is not installed.
    """
    vrplib = _optional("vrplib")
    sol: dict[str, Any] = vrplib.read_solution(Path(path))
    return [[int(c) for c in r] for r in sol["routes"]], float(sol["cost"])


def read_bks_csv(path: str | Path) -> dict[str, BestKnown]:
    """The ``objective_kind = distance`` rows of a ``bks.csv``, by instance name.

    The ``vehicles_first_hierarchical`` rows use another convention (vehicles first, exact
    distances) and are not comparable with a distance objective, so they are left out.
    """
    out: dict[str, BestKnown] = {}
    with Path(path).open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row.get("objective_kind") == "distance":
                out[row["instance"]] = BestKnown(
                    cost=float(row["bks_cost"]),
                    vehicles=int(row["bks_vehicles"]),
                    convention=row.get("distance_convention", ""),
                    source=row.get("source", ""),
                )
    return out


def _is_solomon_text(path: Path) -> bool:
    try:
        head = path.read_text(encoding="utf-8", errors="replace")[:400].upper()
    except OSError:
        return False
    return all(marker in head for marker in _SOLOMON_MARKERS)


def find_instances(data_dir: str | Path) -> dict[str, Path]:
    """Instance files under DATA_DIR, by name (``.vrp`` files and Solomon ``.txt`` files).

    When the same instance is stored in both formats (names equal ignoring case), the
    ``.vrp`` file is kept: that is where the ``.sol`` of the best-known routes lives.

    Returns
    -------
    dict
        Name (the file stem of a ``.vrp``, upper-cased stem of a ``.txt``) → path, sorted.
    """
    root = Path(data_dir)
    found: dict[str, Path] = {p.stem: p for p in sorted(root.rglob("*.vrp"))}
    known = {name.upper() for name in found}
    for p in sorted(root.rglob("*.txt")):
        if p.stem.upper() not in known and _is_solomon_text(p):
            found[p.stem.upper()] = p
            known.add(p.stem.upper())
    return dict(sorted(found.items()))


def core_fleet(instance: Instance) -> int:
    """Vehicles given to the solvers: the fleet limit, else the route lower bound + slack.

    CVRP has no fleet limit; OR-Tools needs a vehicle count, and each idle vehicle slows its
    search, so CVRP instances get ``k + max(2, ceil(k / 10))`` vehicles, ``k`` =
    :attr:`Instance.min_routes` (the BKS of the stored X instances use at most ``k + 1``).
    """
    if instance.fleet is not None:
        return instance.fleet
    k = instance.min_routes
    return min(instance.n_customers, k + max(2, math.ceil(k / 10)))


def to_routing_problem(
    instance: Instance,
    *,
    order: npt.ArrayLike | None = None,
    penalty: int | None = None,
    fleet: int | None = None,
) -> RoutingProblem:
    """The routing core's problem for INSTANCE: distance objective, one trip per vehicle.

    Parameters
    ----------
    instance
        The instance.
    order
        Node permutation (``order[k]`` = instance node placed at problem node k; ``order[0]``
        must be 0). Default None: file order. Used to vary the core's input with a seed.
    penalty
        None (default): every visit mandatory. Otherwise the cost of leaving a customer out.
    fleet
        Number of vehicles. Default None: :func:`core_fleet`.

    Returns
    -------
    RoutingProblem
        ``durations[0][i, j] = service[i] + distance[i, j]`` (times equal distances), time
        windows from the instance (CVRP: none, a horizon bounding every route), the depot's
        window as each vehicle's start/end bounds, capacity as one dimension.
    """
    n = instance.coords.shape[0]
    perm = np.arange(n) if order is None else np.asarray(order, dtype=np.int64)
    if sorted(perm.tolist()) != list(range(n)) or perm[0] != 0:
        raise ValueError("order must be a permutation of the nodes with order[0] == 0")
    dist = instance.distance[np.ix_(perm, perm)].astype(np.int64)
    durations = (instance.service[perm][:, None] + dist).astype(np.int64)
    if instance.time_windows is not None:
        windows = instance.time_windows[perm].astype(np.int64)
        start, end = (int(x) for x in instance.time_windows[0])
    else:
        horizon = int(min(MAX_VALUE, int(durations.max(axis=1).sum()) + 1))
        windows = np.tile(np.array([0, horizon], dtype=np.int64), (n, 1))
        start, end = 0, horizon
    m = core_fleet(instance) if fleet is None else fleet
    vehicles = tuple(
        RoutingVehicle(
            start=0, end=0, capacities=(instance.capacity,), earliest_start=start, latest_end=end
        )
        for _ in range(m)
    )
    penalties = None
    if penalty is not None:
        penalties = np.full(n, penalty, dtype=np.int64)
        penalties[0] = -1
    return RoutingProblem(
        distance=dist,
        durations=(durations,),
        demands=instance.demand[perm].astype(np.int64).reshape(n, 1),
        time_windows=windows,
        vehicles=vehicles,
        penalties=penalties,
    )
