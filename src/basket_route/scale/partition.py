"""Partitions and sub-problems: which building and volunteer goes where, and the inputs.

A building belongs to a depot (its ``depot_id``, else the nearest by round-trip travel
distance); a depot estimated at more than ``max_drops`` drops is split by weighted k-means
over its buildings. A :class:`SubProblem` is the picklable part of a scenario one worker
needs; :func:`solve_subproblem` plans it with the single-model solver.

References
----------
Lloyd, S. P. (1982). Least squares quantization in PCM. *IEEE Transactions on Information
Theory* 28(2), 129–137 (k-means).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

import networkx as nx
import numpy as np
import numpy.typing as npt

from basket_route.distances import EARTH_RADIUS_M, distance_matrix, walking_graph
from basket_route.model import (
    Building,
    CoordinateSystem,
    Depot,
    Household,
    Order,
    PathEdge,
    Scenario,
    ServiceTimes,
    Settings,
    Shift,
    Volunteer,
    Window,
    as_date,
)
from basket_route.options import PlanOptions
from basket_route.plan import Plan
from basket_route.scale.estimate import (
    DEFAULT_MAX_DROPS,
    _building_drops,
    _by_building,
)
from basket_route.solver.batching import DROP_SHARE

__all__ = [
    "Partition",
    "SubProblem",
    "assign_depots",
    "partition_window",
    "restrict",
    "solve_subproblem",
]


@dataclass(frozen=True, slots=True)
class Partition:
    """One sub-problem's share of a window: a depot (or a cluster of its buildings).

    ``key`` is the depot id, or ``"D1/2"`` for cluster 2 of depot D1; ``est_drops`` is
    the estimated number of drops of its orders.
    """

    key: str
    depot_id: str
    building_ids: tuple[str, ...]
    volunteer_ids: tuple[str, ...]
    est_drops: int


def _round_trips(
    scenario: Scenario, depots: Sequence[str], buildings: Sequence[str]
) -> npt.NDArray[np.float64]:
    """Metres depot → building → depot, shape (depots, buildings); inf without a path."""
    if scenario.paths is None:
        m = distance_matrix(scenario, [*depots, *buildings])
        n = len(depots)
        return np.asarray(m[:n, n:] + m[n:, :n].T, dtype=np.float64)
    graph = walking_graph(scenario)
    back_graph = graph.reverse(copy=False)
    out = np.full((len(depots), len(buildings)), np.inf)
    for i, d in enumerate(depots):
        if d not in graph:
            continue
        there = nx.single_source_dijkstra_path_length(graph, d, weight="length_m")
        back = nx.single_source_dijkstra_path_length(back_graph, d, weight="length_m")
        for j, b in enumerate(buildings):
            if b in there and b in back:
                out[i, j] = there[b] + back[b]
    return out


def assign_depots(scenario: Scenario, building_ids: Sequence[str]) -> dict[str, str]:
    """The depot of each building: its ``depot_id`` column, else the nearest depot.

    Nearest is by round-trip travel distance (the walking graph when there is one); ties
    and buildings no depot reaches go to the first depot by id.
    """
    return _homes(
        scenario, building_ids, _round_trips(scenario, sorted(scenario.depots), building_ids)
    )


def _homes(
    scenario: Scenario, building_ids: Sequence[str], rt: npt.NDArray[np.float64]
) -> dict[str, str]:
    depots = sorted(scenario.depots)
    nearest = np.argmin(rt, axis=0) if depots else []
    return {
        b: scenario.buildings[b].depot_id or depots[int(k)]
        for b, k in zip(building_ids, nearest, strict=True)
    }


def _points(
    scenario: Scenario, buildings: Sequence[str], rt: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    """Planar points of BUILDINGS for clustering: metres, or distances to each depot."""
    coords = [scenario.buildings[b].coord for b in buildings]
    if all(c is not None for c in coords) and coords:
        xy = np.array(coords, dtype=np.float64)
        if scenario.coordinates is CoordinateSystem.WGS84:  # local equirectangular metres
            lat = np.radians(xy[:, 0])
            xy = np.column_stack([np.radians(xy[:, 1]) * np.cos(lat.mean()), lat]) * EARTH_RADIUS_M
        return xy
    finite = np.isfinite(rt)  # landmarks: round trips to every depot
    return np.asarray(np.where(finite, rt, 2 * np.max(rt[finite], initial=1.0)).T)


def _kmeans(
    points: npt.NDArray[np.float64], weights: npt.NDArray[np.float64], k: int
) -> npt.NDArray[np.intp]:
    """Weighted k-means, deterministic (farthest-point start, at most 50 Lloyd steps)."""
    w = weights + 1e-9
    d = ((points - (points * w[:, None]).sum(0) / w.sum()) ** 2).sum(1)
    chosen = [int(np.argmax(d))]
    d = ((points - points[chosen[0]]) ** 2).sum(1)
    while len(chosen) < k:
        chosen.append(int(np.argmax(d * w)))
        d = np.minimum(d, ((points - points[chosen[-1]]) ** 2).sum(1))
    centres = points[chosen].copy()
    labels = np.zeros(len(points), dtype=np.intp)
    for step in range(50):
        new = ((points[:, None, :] - centres[None]) ** 2).sum(2).argmin(1)
        if step > 0 and np.array_equal(new, labels):
            break
        labels = new
        for c in range(k):
            m = labels == c
            if m.any():
                centres[c] = (points[m] * w[m, None]).sum(0) / w[m].sum()
    return labels


def _split(points: npt.NDArray[np.float64], loads: Sequence[int], limit: int) -> list[list[int]]:
    """Clusters (lists of indices) of at most LIMIT load each, where k-means allows."""
    w = np.asarray(loads, dtype=np.float64)
    k = max(2, math.ceil(w.sum() / max(1, limit)))
    while True:
        labels = _kmeans(points, w, min(k, len(points)))
        groups = [[int(i) for i in np.flatnonzero(labels == c)] for c in range(k)]
        groups = [g for g in groups if g]
        if k >= len(points) or max(w[g].sum() for g in groups) <= limit:
            return sorted(groups)
        k += 1


def _share(
    vols: Sequence[Volunteer], loads: Sequence[int], sealed: Sequence[int]
) -> list[list[str]]:
    """Volunteers per cluster in proportion to load (capacity per trip as the measure).

    Door-to-door volunteers go first to the clusters with sealed buildings, until each has
    the capacity its sealed load calls for; everyone else then fills each cluster up to
    its share of the total load.
    """
    given: list[list[str]] = [[] for _ in loads]
    cap = np.zeros(len(loads))
    total_load = max(1, sum(loads))

    def power(v: Volunteer) -> float:
        return min(v.capacity_kg, 1e3)

    def give(v: Volunteer, c: int) -> None:
        given[c].append(v.volunteer_id)
        cap[c] += power(v)

    ranked = sorted(vols, key=lambda v: (-power(v), v.volunteer_id))
    d2d = [v for v in ranked if v.door_to_door]
    need = sum(map(power, vols)) * np.asarray(sealed, dtype=np.float64) / total_load
    while d2d and np.max(need - cap) > 0:
        give(d2d[0], int(np.argmax(need - cap)))
        d2d.pop(0)
    share = np.asarray(loads, dtype=np.float64) / total_load
    for v in [v for v in ranked if v in d2d or not v.door_to_door]:
        give(v, int(np.argmax(share * (cap.sum() + power(v)) - cap)))
    return [sorted(g) for g in given]


def partition_window(
    scenario: Scenario,
    date: dt.date | str,
    window: str,
    max_drops: int | None = None,
    drop_share: float = DROP_SHARE,
) -> list[Partition]:
    """Split a window into sub-problems: one per depot, or per cluster of a large depot.

    Parameters
    ----------
    scenario
        The scenario.
    date, window
        The window to split.
    max_drops
        A depot estimated at more drops is split by k-means over its buildings. Default
        None: :data:`DEFAULT_MAX_DROPS`.
    drop_share
        The drop size the estimate assumes (``PlanOptions.drop_share``). Default
        :data:`~basket_route.solver.batching.DROP_SHARE`.

    Returns
    -------
    list of Partition
        Sorted by key; every building with an order of the window is in exactly one, every
        volunteer on shift in exactly one (their depot's). Depots with neither are left out.
    """
    day = as_date(date)
    groups = _by_building(scenario, scenario.orders_in(day, window))
    rt = _round_trips(scenario, sorted(scenario.depots), list(groups))
    return _partition(scenario, day, window, max_drops, groups, rt, drop_share)


def _partition(
    scenario: Scenario,
    day: dt.date,
    window: str,
    max_drops: int | None,
    groups: Mapping[str, list[Order]],
    rt: npt.NDArray[np.float64],
    drop_share: float = DROP_SHARE,
) -> list[Partition]:
    """:func:`partition_window` from the orders by building and the depot round trips."""
    limit = DEFAULT_MAX_DROPS if max_drops is None else max_drops
    vols = scenario.volunteers_on_shift(day, window)
    buildings = list(groups)
    home = _homes(scenario, buildings, rt)
    points = _points(scenario, buildings, rt)
    out: list[Partition] = []
    for depot in sorted(scenario.depots):
        idx = [i for i, b in enumerate(buildings) if home[b] == depot]
        dvols = [v for v in vols if v.depot_id == depot]
        loads = [
            _building_drops(scenario, buildings[i], groups[buildings[i]], dvols, drop_share)
            for i in idx
        ]
        if not idx and not dvols:
            continue
        if sum(loads) <= limit or len(idx) < 2:
            ids = tuple(buildings[i] for i in idx)
            out.append(
                Partition(depot, depot, ids, tuple(v.volunteer_id for v in dvols), sum(loads))
            )
            continue
        clusters = _split(points[idx], loads, limit)
        c_loads = [sum(loads[j] for j in c) for c in clusters]
        sealed = [
            sum(loads[j] for j in c if scenario.buildings[buildings[idx[j]]].sealed)
            for c in clusters
        ]
        for n, (c, shared) in enumerate(zip(clusters, _share(dvols, c_loads, sealed), strict=True)):
            ids = tuple(sorted(buildings[idx[j]] for j in c))
            out.append(Partition(f"{depot}/{n + 1}", depot, ids, tuple(shared), c_loads[n]))
    return out


def restrict(
    scenario: Scenario,
    date: dt.date | str,
    window: str,
    building_ids: Sequence[str],
    volunteer_ids: Sequence[str],
    order_ids: Iterable[str] | None = None,
) -> Scenario:
    """The part of SCENARIO that one sub-problem needs, for one window.

    Parameters
    ----------
    scenario
        The scenario.
    date, window
        The window: only its orders and shifts are kept.
    building_ids, volunteer_ids
        The buildings and volunteers kept (with the volunteers' depots and the households
        of the buildings that have orders).
    order_ids
        The orders kept. Default None: every valid order of the window in those buildings.

    Returns
    -------
    Scenario
        Built with :func:`dataclasses.replace`; no invalid orders, ``depot_id`` of the
        buildings cleared (the depots kept are the volunteers').
    """
    day = as_date(date)
    keep = set(building_ids)
    pool = (
        scenario.orders_in(day, window)
        if order_ids is None
        else [scenario.orders[o] for o in sorted(set(order_ids)) if o in scenario.orders]
    )
    orders = [
        o
        for o in pool
        if o.date == day
        and o.window == window
        and scenario.households[o.household_id].building_id in keep
    ]
    vols = [scenario.volunteers[v] for v in sorted(volunteer_ids)]
    homes = {o.household_id for o in orders}
    return replace(
        scenario,
        depots={d: scenario.depots[d] for d in sorted({v.depot_id for v in vols})},
        buildings={b: replace(scenario.buildings[b], depot_id=None) for b in sorted(keep)},
        households={h: scenario.households[h] for h in sorted(homes)},
        orders={o.order_id: o for o in orders},
        volunteers={v.volunteer_id: v for v in vols},
        shifts=tuple(Shift(v.volunteer_id, day, window) for v in vols),
        invalid_orders={},
    )


@dataclass(frozen=True, slots=True)
class SubProblem:
    """A picklable sub-problem: the parts of a :class:`Scenario`, a window and options.

    ``attempt`` counts retries (so that an executor that caches pure calls runs a retry).
    """

    key: str
    date: dt.date
    window: str
    options: PlanOptions
    settings: tuple[str, tuple[Window, ...], ServiceTimes, float, tuple[tuple[str, float], ...]]
    depots: tuple[Depot, ...]
    buildings: tuple[Building, ...]
    households: tuple[Household, ...]
    orders: tuple[Order, ...]
    volunteers: tuple[Volunteer, ...]
    paths: tuple[PathEdge, ...] | None
    coordinates: CoordinateSystem
    attempt: int = 0

    @classmethod
    def of(
        cls, key: str, sub: Scenario, date: dt.date, window: str, options: PlanOptions
    ) -> SubProblem:
        """The sub-problem of a restricted scenario SUB (see :func:`restrict`)."""
        s = sub.settings
        return cls(
            key,
            date,
            window,
            options,
            (s.name, tuple(s.windows.values()), s.service, s.detour, tuple(s.modes.items())),
            tuple(sub.depots.values()),
            tuple(sub.buildings.values()),
            tuple(sub.households.values()),
            tuple(sub.orders.values()),
            tuple(sub.volunteers.values()),
            sub.paths,
            sub.coordinates,
        )

    def scenario(self) -> Scenario:
        """The sub-scenario, rebuilt (and validated again)."""
        name, windows, service, detour, modes = self.settings
        settings = Settings(
            name=name,
            windows={w.name: w for w in windows},
            service=service,
            detour=detour,
            modes=dict(modes),
        )
        return Scenario(
            settings=settings,
            depots={d.depot_id: d for d in self.depots},
            buildings={b.building_id: b for b in self.buildings},
            households={h.household_id: h for h in self.households},
            orders={o.order_id: o for o in self.orders},
            volunteers={v.volunteer_id: v for v in self.volunteers},
            shifts=tuple(Shift(v.volunteer_id, self.date, self.window) for v in self.volunteers),
            paths=self.paths,
            coordinates=self.coordinates,
        )


def solve_subproblem(sub: SubProblem) -> Plan:
    """Plan one sub-problem with the single-model solver (runs in the worker)."""
    from basket_route.solver.pipeline import plan_window

    return plan_window(sub.scenario(), sub.date, sub.window, sub.options, partition=False)
