"""The solvers a coordinator could pick instead of basket_route, on the same instances.

Each peer gets exactly the integer data the routing core gets (the instance's convention:
distances, times = distances, service times, windows, capacity, the same number of
vehicles) and returns routes in the instance's node numbering; the runner re-scores them
with :func:`basket_route.bench.evaluate.evaluate`, never trusting a solver's objective.

* ``ortools``: plain OR-Tools, its own small model as the OR-Tools VRPTW guide builds it
  (distance arc cost, time dimension with waiting, capacity dimension, every customer
  mandatory), ``PATH_CHEAPEST_ARC`` + ``GUIDED_LOCAL_SEARCH``. Transits are registered as
  matrices, not Python callbacks, so the search is not slowed by the interpreter.
* ``pyvrp``: PyVRP's ``solve`` with ``MaxRuntime`` (hybrid genetic search).
* ``vroom``: pyvroom, exploration level 5 (the VROOM default), one thread, with the time
  limit as its timeout (VROOM usually stops well before it).

PyVRP and VROOM are optional (``pip install 'basket-route[bench]'``); :func:`available`
says which can run here.
"""

from __future__ import annotations

import datetime as dt
import importlib
import importlib.util
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from basket_route.bench.readers import Instance, core_fleet
from basket_route.solver.encoding import solution_routes
from basket_route.units import MAX_VALUE

__all__ = ["PEERS", "PeerResult", "available", "solve_ortools", "solve_pyvrp", "solve_vroom"]

_VROOM_EXPLORATION = 5


@dataclass(frozen=True, slots=True)
class PeerResult:
    """Routes (customer nodes per route, instance numbering), a status text and wall time."""

    routes: tuple[tuple[int, ...], ...]
    status: str
    wall_s: float


def _windows(instance: Instance) -> tuple[np.ndarray[Any, Any], int, int]:
    """Time windows for every node and the depot's [open, close] (CVRP: a safe horizon)."""
    n = instance.coords.shape[0]
    if instance.time_windows is not None:
        tw = np.asarray(instance.time_windows, dtype=np.int64)
        return tw, int(tw[0, 0]), int(tw[0, 1])
    horizon = int(
        min(MAX_VALUE, int((instance.service[:, None] + instance.distance).max(axis=1).sum()) + 1)
    )
    return np.tile(np.array([0, horizon], dtype=np.int64), (n, 1)), 0, horizon


def solve_ortools(instance: Instance, time_limit: float, seed: int = 0) -> PeerResult:
    """Plain OR-Tools: PATH_CHEAPEST_ARC + GUIDED_LOCAL_SEARCH, every customer mandatory.

    Parameters
    ----------
    instance
        The instance.
    time_limit
        Search time in seconds.
    seed
        Unused: the search is deterministic for a given model (see the runner's node
        permutation for seeds). Default 0.

    Returns
    -------
    PeerResult
        Empty routes and status ``no solution (...)`` when the search finds none.
    """
    del seed
    started = time.perf_counter()
    n = instance.coords.shape[0]
    m = core_fleet(instance)
    tw, open_, close = _windows(instance)
    manager = pywrapcp.RoutingIndexManager(n, m, 0)
    routing = pywrapcp.RoutingModel(manager)
    dist = routing.RegisterTransitMatrix(instance.distance.tolist())
    routing.SetArcCostEvaluatorOfAllVehicles(dist)
    travel = (instance.service[:, None] + instance.distance).tolist()
    routing.AddDimension(routing.RegisterTransitMatrix(travel), close, close, False, "time")
    time_dim = routing.GetDimensionOrDie("time")
    for node in range(1, n):
        time_dim.CumulVar(manager.NodeToIndex(node)).SetRange(int(tw[node, 0]), int(tw[node, 1]))
    for v in range(m):
        time_dim.CumulVar(routing.Start(v)).SetRange(open_, close)
        time_dim.CumulVar(routing.End(v)).SetRange(open_, close)
    demand = routing.RegisterUnaryTransitVector([int(x) for x in instance.demand])
    routing.AddDimensionWithVehicleCapacity(demand, 0, [instance.capacity] * m, True, "load")
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC
    params.local_search_metaheuristic = (
        routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    )
    params.time_limit.FromMilliseconds(max(1, int(time_limit * 1000)))
    solution = routing.SolveWithParameters(params)
    status = str(routing_enums_pb2.RoutingSearchStatus.Value.Name(routing.status()))
    if solution is None:
        return PeerResult((), f"no solution ({status})", time.perf_counter() - started)
    routes = solution_routes(manager, routing, solution)
    return PeerResult(tuple(routes), status, time.perf_counter() - started)


def solve_pyvrp(instance: Instance, time_limit: float, seed: int = 0) -> PeerResult:
    """PyVRP (>= 0.14) with ``MaxRuntime(time_limit)`` and SEED.

    Raises
    ------
    ImportError
        When PyVRP is not installed.
    """
    pyvrp = importlib.import_module("pyvrp")
    stop = importlib.import_module("pyvrp.stop")
    started = time.perf_counter()
    n = instance.coords.shape[0]
    tw, open_, close = _windows(instance)
    locations = [pyvrp.Location(x=float(x), y=float(y)) for x, y in instance.coords]
    clients = [
        pyvrp.Client(
            location=i,
            delivery=[int(instance.demand[i])],
            service_duration=int(instance.service[i]),
            tw_early=int(tw[i, 0]),
            tw_late=int(tw[i, 1]),
        )
        for i in range(1, n)
    ]
    depots = [pyvrp.Depot(location=0, tw_early=open_, tw_late=close)]
    vehicle_types = [
        pyvrp.VehicleType(
            num_available=core_fleet(instance),
            capacity=[instance.capacity],
            tw_early=open_,
            tw_late=close,
        )
    ]
    matrix = np.asarray(instance.distance, dtype=np.int64)
    data = pyvrp.ProblemData(locations, clients, depots, vehicle_types, [matrix], [matrix])
    result = pyvrp.solve(data, stop.MaxRuntime(time_limit), seed=seed, display=False)
    best = result.best
    routes = tuple(
        tuple(int(clients[a.idx].location) for a in route if a.is_client())
        for route in best.routes()
    )
    status = f"feasible={best.is_feasible()} iterations={result.num_iterations}"
    return PeerResult(routes, status, time.perf_counter() - started)


def solve_vroom(instance: Instance, time_limit: float, seed: int = 0) -> PeerResult:
    """VROOM via pyvroom: exploration level 5, one thread, TIME_LIMIT as the timeout.

    SEED is unused (VROOM is deterministic).

    Raises
    ------
    ImportError
        When pyvroom is not installed.
    """
    del seed
    vroom = importlib.import_module("vroom")
    started = time.perf_counter()
    n = instance.coords.shape[0]
    tw, open_, close = _windows(instance)
    if int(instance.distance.max()) >= 2**32 or close >= 2**32:
        return PeerResult((), "skipped: values exceed VROOM's uint32", 0.0)
    problem = vroom.Input()
    problem.set_durations_matrix(
        profile="car", matrix_input=np.asarray(instance.distance, dtype=np.uint32)
    )
    for v in range(core_fleet(instance)):
        problem.add_vehicle(
            vroom.Vehicle(
                id=v,
                start=0,
                end=0,
                capacity=[instance.capacity],
                time_window=vroom.TimeWindow(open_, close),
            )
        )
    problem.add_job(
        [
            vroom.Job(
                id=i,
                location=i,
                default_service=int(instance.service[i]),
                delivery=[int(instance.demand[i])],
                time_windows=[vroom.TimeWindow(int(tw[i, 0]), int(tw[i, 1]))],
            )
            for i in range(1, n)
        ]
    )
    solution = problem.solve(
        exploration_level=_VROOM_EXPLORATION,
        nb_threads=1,
        timeout=dt.timedelta(seconds=time_limit),
    )
    out: dict[str, Any] = solution.to_dict()
    routes = tuple(
        tuple(int(step["id"]) for step in route["steps"] if step["type"] == "job")
        for route in out["routes"]
    )
    status = f"unassigned={len(out.get('unassigned', []))}"
    return PeerResult(routes, status, time.perf_counter() - started)


PEERS: dict[str, tuple[str | None, Callable[[Instance, float, int], PeerResult]]] = {
    "ortools": (None, solve_ortools),
    "pyvrp": ("pyvrp", solve_pyvrp),
    "vroom": ("vroom", solve_vroom),
}
"""Peer name → (module it needs, or None; solve function)."""


def available(name: str) -> str | None:
    """None when peer NAME can run here, else the reason it cannot (a missing package)."""
    module = PEERS[name][0]
    if module is not None and importlib.util.find_spec(module) is None:
        return (
            f"{name} skipped: package '{module}' not installed (pip install 'basket-route[bench]')"
        )
    return None
