"""Recombination: the routes of every solution a search visits, and the best plan they make.

OR-Tools' searches walk through thousands of feasible solutions and hand back one. Each of
those solutions is made of routes that are feasible on their own (one vehicle's visits,
or one courier's chain of trips), so any choice of them that visits every node once is a
feasible plan too. :class:`RoutePool` keeps the cheapest ordering of every distinct route
of the solutions within 2 % of the best so far (reading the others costs search time and
their routes are rarely chosen), and :meth:`RoutePool.combine` picks the cheapest such choice with a set-partitioning
model (SCIP, through OR-Tools' linear solver wrapper): the "SP" step of ILS-SP
(Subramanian, Uchoa and Ochi, *A hybrid algorithm for a class of vehicle routing
problems*, Computers & Operations Research 40, 2013). Measured in docs/benchmarks.md,
"Recombining the routes a search visited".

The pool reads solutions through an OR-Tools solution callback, the one Python callback
the routing core installs: it only reads values, and it catches everything, because an
exception inside a callback is swallowed by OR-Tools (``../shared/RELIABILITY.md``). If
reading ever fails the pool stops collecting and the search's own result stands.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ortools.linear_solver import pywraplp

from basket_route.solver.encoding import Encoded
from basket_route.solver.routing_problem import RoutingProblem, evaluate_routes

__all__ = ["RoutePool", "recombination_seconds"]

# A column: the visit sets of a unit's trips (one set for a lone vehicle).
_Key = tuple[frozenset[int], ...]

# The share of a time limit kept for the set-partitioning model, and its cap: SCIP
# solved benchmark pools of 920-1,750 routes in 0.35-0.40 s (docs/benchmarks.md).
_SHARE = 0.05
_MAX_S = 0.5
# Solutions costing more than this share above the best so far are not read.
_NEAR = 0.02


def recombination_seconds(time_limit: float) -> float:
    """Seconds of a TIME_LIMIT kept for :meth:`RoutePool.combine`."""
    return min(_MAX_S, _SHARE * time_limit)


@dataclass(frozen=True, slots=True)
class _Column:
    unit: int
    routes: tuple[tuple[int, ...], ...]
    cost: int


class RoutePool:
    """Distinct routes of the solutions an OR-Tools search reaches, by vehicle class.

    A *unit* is what a column fills: one courier's chain of trips, or one vehicle that
    is in no chain. Lone vehicles with the same description (depots, capacities, travel
    mode, time bounds, and the visits that may use them) are one class and share their
    columns; a chain is a class of its own.

    Parameters
    ----------
    problem
        The problem searched.
    model
        Its OR-Tools model in the chain encoding (the reload encoding is not supported:
        :meth:`attach` then does nothing).
    """

    def __init__(self, problem: RoutingProblem, model: Encoded) -> None:
        self._problem = problem
        self._model = model
        chained = {v for chain in problem.chains for v in chain}
        units = [tuple(chain) for chain in problem.chains]
        units += [(v,) for v in range(len(problem.vehicles)) if v not in chained]
        self._units: list[tuple[int, ...]] = units
        allowed_by_vehicle: dict[int, list[int]] = {}
        for node, allowed in enumerate(problem.allowed_vehicles or ()):
            for v in allowed or ():
                allowed_by_vehicle.setdefault(v, []).append(node)
        classes: dict[Any, int] = {}
        self._class_of_unit: list[int] = []
        for u, unit in enumerate(units):
            if len(unit) > 1 or unit[0] in chained:
                signature: Any = ("unit", u)
            else:
                v = unit[0]
                signature = (problem.vehicles[v], tuple(allowed_by_vehicle.get(v, ())))
            self._class_of_unit.append(classes.setdefault(signature, len(classes)))
        self._columns: dict[tuple[int, _Key], _Column] = {}
        self._seen: set[tuple[int, tuple[tuple[int, ...], ...]]] = set()
        self._distance: list[list[int]] = problem.distance.tolist()  # fast scalar reads
        self._nexts: list[Any] = []
        self._starts: list[int] = []
        self._node_of: list[int] = []
        self._cost: Any = None
        self._best = float("inf")
        self.solutions = 0
        """Solutions read so far."""
        self.broken = ""
        """Why the pool stopped collecting (empty while it works)."""

    def __len__(self) -> int:
        return len(self._columns)

    def attach(self) -> None:
        """Read every solution the model's next searches find (before they start)."""
        if self._model.reload:
            return
        routing, manager = self._model.routing, self._model.manager
        # Looked up once: the callback runs for every solution (thousands in 10 s), and
        # each OR-Tools call from Python costs about a microsecond.
        self._nexts = [routing.NextVar(i) for i in range(routing.Size())]
        self._starts = [routing.Start(v) for v in range(routing.vehicles())]
        self._node_of = [manager.IndexToNode(i) for i in range(routing.Size())]
        self._cost = routing.CostVar()
        routing.AddAtSolutionCallback(self._record)

    def _record(self) -> None:
        if self.broken:
            return
        try:
            cost = self._cost.Value()
            self._best = min(self._best, cost)
            if cost > self._best * (1 + _NEAR):
                return  # far from the best: its routes are unlikely to be chosen
            nexts, node_of, size = self._nexts, self._node_of, len(self._nexts)
            routes: list[tuple[int, ...]] = []
            for start in self._starts:
                index = nexts[start].Value()
                nodes = []
                while index < size:  # end nodes are numbered after every other index
                    nodes.append(node_of[index])
                    index = nexts[index].Value()
                routes.append(tuple(nodes))
            self.add(routes)
            self.solutions += 1
        except BaseException as exc:  # OR-Tools would swallow it silently
            self.broken = f"{type(exc).__name__}: {exc}"

    def add(self, routes: Sequence[Sequence[int]]) -> None:
        """Add the routes of one feasible solution (visit nodes per vehicle)."""
        for u, unit in enumerate(self._units):
            trips = tuple(tuple(routes[v]) for v in unit)
            if not any(trips) or (u, trips) in self._seen:
                continue  # a search changes a few routes per solution: most are known
            self._seen.add((u, trips))
            key = (self._class_of_unit[u], tuple(frozenset(t) for t in trips))
            cost = sum(self._trip_cost(v, t) for v, t in zip(unit, trips, strict=True))
            known = self._columns.get(key)
            if known is None or cost < known.cost:
                self._columns[key] = _Column(u, trips, cost)

    def _trip_cost(self, v: int, trip: Sequence[int]) -> int:
        if not trip:
            return 0
        vehicle = self._problem.vehicles[v]
        row = self._distance
        cost = row[vehicle.start][trip[0]] + row[trip[-1]][vehicle.end]
        return cost + sum(row[a][b] for a, b in itertools.pairwise(trip))

    def combine(
        self, incumbent: Sequence[Sequence[int]], seconds: float
    ) -> tuple[list[list[int]], int] | None:
        """The cheapest plan made of pooled routes, if it costs less than INCUMBENT.

        Parameters
        ----------
        incumbent
            The search's best routes (visit nodes per vehicle); added to the pool, and
            the set-partitioning model's starting solution.
        seconds
            SCIP's time limit.

        Returns
        -------
        tuple or None
            Routes per vehicle and their objective (arc costs plus the penalties of the
            visits left out), or None when nothing cheaper was found (or SCIP is missing).
        """
        self.add(incumbent)
        bound = evaluate_routes(self._problem, incumbent)[1]
        # SCIP: CBC took 1.7 times as long on these pools, CP-SAT with one worker did not
        # prove their optimum in 20 s (docs/benchmarks.md).
        solver = pywraplp.Solver.CreateSolver("SCIP")
        if solver is None or not self._columns:
            return None
        problem = self._problem
        columns = list(self._columns.items())
        chosen = [solver.BoolVar(f"c{k}") for k in range(len(columns))]
        covering: dict[int, list[Any]] = {i: [] for i in problem.visits}
        by_class: dict[int, list[Any]] = {}
        for ((klass, trips), _), x in zip(columns, chosen, strict=True):
            by_class.setdefault(klass, []).append(x)
            for trip in trips:
                for i in trip:
                    covering[i].append(x)
        objective = [column.cost * x for (_, column), x in zip(columns, chosen, strict=True)]
        penalty_of = problem.penalties
        for i, xs in covering.items():
            optional = penalty_of is not None and penalty_of[i] >= 0
            if optional:
                skipped = solver.BoolVar(f"u{i}")
                objective.append(int(penalty_of[i]) * skipped)  # type: ignore[index]
                solver.Add(solver.Sum(xs) + skipped == 1)
            elif xs:
                solver.Add(solver.Sum(xs) == 1)
            else:
                return None  # a mandatory visit no pooled route covers
        units_in_class: dict[int, int] = {}
        for klass in self._class_of_unit:
            units_in_class[klass] = units_in_class.get(klass, 0) + 1
        for klass, xs in by_class.items():
            solver.Add(solver.Sum(xs) <= units_in_class[klass])
        solver.Minimize(solver.Sum(objective))
        held = {(self._class_of_unit[u], self._key(u, incumbent)) for u in range(len(self._units))}
        solver.SetHint(chosen, [1.0 if key in held else 0.0 for key, _ in columns])
        solver.SetTimeLimit(max(1, int(seconds * 1000)))
        if solver.Solve() not in (pywraplp.Solver.OPTIMAL, pywraplp.Solver.FEASIBLE):
            return None
        cost = round(solver.Objective().Value())
        if cost >= bound:
            return None
        picked = [c for (_, c), x in zip(columns, chosen, strict=True) if x.solution_value() > 0.5]
        return self._as_routes(picked), cost

    def _key(self, u: int, routes: Sequence[Sequence[int]]) -> _Key:
        return tuple(frozenset(routes[v]) for v in self._units[u])

    def _as_routes(self, picked: Sequence[_Column]) -> list[list[int]]:
        """The PICKED columns placed on units of their class (their own unit first)."""
        routes: list[list[int]] = [[] for _ in self._problem.vehicles]
        free: dict[int, list[int]] = {}
        for u in range(len(self._units)):
            free.setdefault(self._class_of_unit[u], []).append(u)
        placed: list[tuple[_Column, int]] = []
        waiting = []
        for column in picked:
            pool = free[self._class_of_unit[column.unit]]
            if column.unit in pool:
                pool.remove(column.unit)
                placed.append((column, column.unit))
            else:
                waiting.append(column)
        for column in waiting:
            placed.append((column, free[self._class_of_unit[column.unit]].pop(0)))
        for column, u in placed:
            for v, trip in zip(self._units[u], column.routes, strict=True):
                routes[v] = list(trip)
        return routes
