"""The routing core's problem: integer arrays validated once, and how to evaluate routes.

A *vehicle* here is one trip. Multi-trip couriers are **chains** of vehicles: trip k+1 of a
chain starts no earlier than trip k ends plus the chain's reload gap. How OR-Tools sees
them is :mod:`basket_route.solver.encoding`'s business; the search is in
:mod:`basket_route.solver.routing`.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from basket_route.units import MAX_VALUE

__all__ = [
    "RoutingProblem",
    "RoutingVehicle",
    "covers_mandatory",
    "evaluate_routes",
]

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class RoutingVehicle:
    """One trip-vehicle: where it starts and ends, what it carries, when it may run.

    Parameters
    ----------
    start, end
        Node indices of the start and end depots.
    capacities
        One capacity per demand dimension.
    duration_class
        Index of the duration matrix this vehicle uses (its travel mode).
    earliest_start, latest_end
        Time bounds of the trip, seconds from the horizon's origin.
    """

    start: int
    end: int
    capacities: tuple[int, ...]
    duration_class: int = 0
    earliest_start: int = 0
    latest_end: int = MAX_VALUE


@dataclass(frozen=True, slots=True)
class RoutingProblem:
    """A validated, integer-only routing problem.

    Parameters
    ----------
    distance
        ``(n, n)`` arc costs (metres for basket_route), int64, >= 0.
    durations
        One ``(n, n)`` transit matrix per duration class: the time from leaving node i's
        arrival to arriving at node j, i.e. service at i plus travel i → j. int64, >= 0.
    demands
        ``(n, k)`` demand of each node in each capacity dimension, >= 0.
    time_windows
        ``(n, 2)`` earliest and latest arrival at each node.
    vehicles
        The trip-vehicles.
    penalties
        ``(n,)`` cost of leaving node i unvisited; a negative value makes the node
        mandatory. Start/end nodes are never visits. Default None: every visit mandatory.
    allowed_vehicles
        Per node, the vehicles that may visit it, or None for any. Default None.
    chains
        Groups of vehicles that are the successive trips of one courier, in order.
    gaps
        Per chain, the minimum time between the end of one trip and the start of the next.
    """

    distance: IntArray
    durations: tuple[IntArray, ...]
    demands: IntArray
    time_windows: IntArray
    vehicles: tuple[RoutingVehicle, ...]
    penalties: IntArray | None = None
    allowed_vehicles: tuple[tuple[int, ...] | None, ...] | None = None
    chains: tuple[tuple[int, ...], ...] = ()
    gaps: tuple[int, ...] = ()
    terminals: frozenset[int] = field(init=False)

    def __post_init__(self) -> None:
        n = self.distance.shape[0] if self.distance.ndim == 2 else -1
        check(self.distance.shape == (n, n) and n >= 1, "distance must be a square matrix")
        arrays = {
            "distance": self.distance,
            "demands": self.demands,
            "time_windows": self.time_windows,
        }
        arrays.update({f"durations[{i}]": d for i, d in enumerate(self.durations)})
        if self.penalties is not None:
            arrays["penalties"] = self.penalties
        for name, arr in arrays.items():
            check(arr.dtype == np.int64, f"{name} must be int64, got {arr.dtype}")
            check(bool(np.all(arr <= MAX_VALUE)), f"{name} has values above MAX_VALUE")
            if name != "penalties":
                check(bool(np.all(arr >= 0)), f"{name} must be >= 0")
            arr.flags.writeable = False
        for i, d in enumerate(self.durations):
            check(d.shape == (n, n), f"durations[{i}] must have shape {(n, n)}")
        check(len(self.durations) >= 1, "durations needs at least one matrix")
        check(
            self.demands.ndim == 2 and self.demands.shape[0] == n,
            f"demands must have shape ({n}, k)",
        )
        check(self.time_windows.shape == (n, 2), f"time_windows must have shape ({n}, 2)")
        check(
            bool(np.all(self.time_windows[:, 0] <= self.time_windows[:, 1])),
            "time windows must have earliest <= latest",
        )
        if self.penalties is not None:
            check(self.penalties.shape == (n,), f"penalties must have shape ({n},)")
        k = self.demands.shape[1]
        check(len(self.vehicles) >= 1, "at least one vehicle is needed")
        for v, veh in enumerate(self.vehicles):
            check(
                0 <= veh.start < n and 0 <= veh.end < n,
                f"vehicle {v}: start/end outside 0..{n - 1}",
            )
            check(
                len(veh.capacities) == k,
                f"vehicle {v}: {len(veh.capacities)} capacities for {k} dimensions",
            )
            check(
                all(0 <= c <= MAX_VALUE for c in veh.capacities),
                f"vehicle {v}: capacities must be in [0, MAX_VALUE]",
            )
            check(
                0 <= veh.duration_class < len(self.durations),
                f"vehicle {v}: unknown duration_class",
            )
            check(
                0 <= veh.earliest_start <= veh.latest_end <= MAX_VALUE,
                f"vehicle {v}: bad time bounds",
            )
        terminals = frozenset(x for veh in self.vehicles for x in (veh.start, veh.end))
        object.__setattr__(self, "terminals", terminals)
        if self.allowed_vehicles is not None:
            check(len(self.allowed_vehicles) == n, f"allowed_vehicles must have {n} entries")
            m = len(self.vehicles)
            for allowed in self.allowed_vehicles:
                check(
                    allowed is None or all(0 <= a < m for a in allowed),
                    "allowed_vehicles out of range",
                )
        check(len(self.gaps) == len(self.chains), "one gap per chain")
        seen: set[int] = set()
        for chain in self.chains:
            check(len(chain) >= 1, "a chain needs at least one vehicle")
            check(all(0 <= v < len(self.vehicles) for v in chain), "chain vehicle out of range")
            check(not seen & set(chain), "a vehicle is in two chains")
            seen |= set(chain)
        check(all(0 <= g <= MAX_VALUE for g in self.gaps), "gaps must be in [0, MAX_VALUE]")

    @property
    def visits(self) -> list[int]:
        """The nodes to visit (every node that is not a vehicle's start or end)."""
        return [i for i in range(self.distance.shape[0]) if i not in self.terminals]


def check(ok: bool, message: str) -> None:
    """Raise ``ValueError(MESSAGE)`` unless OK: the validation of the routing core's inputs."""
    if not ok:
        raise ValueError(message)


def evaluate_routes(
    problem: RoutingProblem, routes: Sequence[Sequence[int]]
) -> tuple[tuple[int, ...], int]:
    """Earliest start time of every vehicle and the objective of ROUTES.

    Trips of a chain start as early as their predecessors allow; the objective is the
    arc cost plus the penalties of the optional visits left out.
    """
    m = len(problem.vehicles)
    starts = [v.earliest_start for v in problem.vehicles]
    ready = {v: problem.vehicles[v].earliest_start for v in range(m)}
    for chain, gap in zip(problem.chains, problem.gaps, strict=True):
        free = problem.vehicles[chain[0]].earliest_start
        for v in chain:
            ready[v] = max(free, problem.vehicles[v].earliest_start)
            if routes[v]:
                free = _trip_end(problem, v, routes[v], ready[v]) + gap
    cost = 0
    for v, route in enumerate(routes):
        starts[v] = ready[v]
        path = [problem.vehicles[v].start, *route, problem.vehicles[v].end] if route else []
        cost += sum(int(problem.distance[a, b]) for a, b in itertools.pairwise(path))
    visited = {x for r in routes for x in r}
    if problem.penalties is not None:
        cost += sum(
            int(problem.penalties[i])
            for i in problem.visits
            if i not in visited and problem.penalties[i] > 0
        )
    return tuple(starts), cost


def covers_mandatory(problem: RoutingProblem, routes: Sequence[Sequence[int]]) -> bool:
    """True when ROUTES visit every mandatory visit of PROBLEM."""
    visited = {x for r in routes for x in r}
    return all(
        i in visited
        for i in problem.visits
        if problem.penalties is None or problem.penalties[i] < 0
    )


def _trip_end(problem: RoutingProblem, v: int, route: Sequence[int], start: int) -> int:
    veh = problem.vehicles[v]
    dur = problem.durations[veh.duration_class]
    t, here = start, veh.start
    for node in route:
        t = max(t + int(dur[here, node]), int(problem.time_windows[node, 0]))
        here = node
    return t + int(dur[here, veh.end])
