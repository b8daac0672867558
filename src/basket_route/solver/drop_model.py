"""Drops → the routing problem of a window, and the routing answer → timed trips.

:func:`build_drop_model` turns a window's drops into a
:class:`~basket_route.solver.routing_problem.RoutingProblem` (one node per depot and per
drop, a chain of trip-vehicles per volunteer); :func:`retime` reads the solver's routes
back as :class:`~basket_route.plan.Route` objects, every trip at its earliest times.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from basket_route import units
from basket_route.plan import Route, Stop, Trip
from basket_route.solver.batching import Drop
from basket_route.solver.problem import WindowProblem
from basket_route.solver.routing import RoutingProblem, RoutingResult, RoutingVehicle

__all__ = ["DropModel", "build_drop_model", "retime", "trips_per_volunteer"]


@dataclass(frozen=True, slots=True)
class DropModel:
    """The routing problem built from drops, and how to read its answer back.

    Attributes
    ----------
    problem
        The routing problem.
    depot_nodes
        Depot ids; node i < ``len(depot_nodes)`` is depot ``depot_nodes[i]``.
    drops
        Node ``len(depot_nodes) + j`` is ``drops[j]``.
    vehicle_owner
        The volunteer index of each vehicle (trip).
    chains
        Volunteer index → its vehicles, in trip order.
    """

    problem: RoutingProblem
    depot_nodes: tuple[str, ...]
    drops: tuple[Drop, ...]
    vehicle_owner: tuple[int, ...]
    chains: dict[int, tuple[int, ...]]


def trips_per_volunteer(problem: WindowProblem, drops: Sequence[Drop]) -> dict[int, int]:
    """How many trip-vehicles to give each volunteer.

    Each drop's load is shared among the volunteers who may carry it in proportion to their
    capacity; a volunteer gets twice the trips that share needs, plus one, within what the
    window's time and ``max_trips`` allow. Too few trips would leave orders out; too many
    slow the search down.
    """
    vols = problem.volunteers
    need: dict[int, float] = dict.fromkeys(range(len(vols)), 0.0)
    for d in drops:
        caps = {v: min(vols[v].capacity_kg, 1e6) for v in d.volunteers}
        bag_caps = {v: min(float(vols[v].capacity_bags), 1e6) for v in d.volunteers}
        total, total_bags = sum(caps.values()), sum(bag_caps.values())
        for v in d.volunteers:
            # trips of v needed for its share of this drop, by kg and by bags
            need[v] += max(d.weight_kg / total, d.bags / total_bags)
    idx = problem.index
    reload = units.seconds(problem.scenario.settings.service.reload_s)
    out = {}
    for v, vol in enumerate(vols):
        carried = [d for d in drops if v in d.volunteers]
        if not carried:
            continue
        depot = idx[vol.depot_id]
        travel = problem.travel_s[vol.mode]
        shortest = min(
            int(travel[depot, idx[d.building_id]] + travel[idx[d.building_id], depot]) + d.service_s
            for d in carried
        )
        by_time = (problem.horizon + reload) // max(1, shortest + reload)
        trips = min(len(carried), max(1, by_time), 2 * math.ceil(need[v]) + 1)
        if vol.max_trips is not None:
            trips = min(trips, vol.max_trips)
        out[v] = max(1, trips)
    return out


def build_drop_model(problem: WindowProblem, drops: Sequence[Drop], seed: int = 0) -> DropModel:
    """The routing problem of DROPS: a node per depot, then one per drop; trip-vehicles.

    Parameters
    ----------
    problem
        The window problem the drops were made from.
    drops
        The drops to route (:func:`~basket_route.solver.batching.make_drops`).
    seed
        0 keeps the drops' order; another value shuffles the drop nodes with it (OR-Tools
        routing has no seed: the node order steers its search). Default 0.

    Returns
    -------
    DropModel
        Each volunteer's trips are a chain of vehicles (:func:`trips_per_volunteer`);
        a drop may ride only on the trips of the volunteers who may carry it; leaving a
        drop out costs more than any distance, a priority order more than all others.
    """
    sc = problem.scenario
    idx = problem.index
    vols = problem.volunteers
    trips = trips_per_volunteer(problem, drops)
    if seed:
        # OR-Tools routing has no seed; the order of the nodes steers its search instead.
        order = np.random.default_rng(seed).permutation(len(drops))
        drops = [drops[i] for i in order]
    depot_nodes = tuple(sorted({vols[v].depot_id for v in trips}))
    n_dep = len(depot_nodes)
    place = np.array(
        [idx[p] for p in depot_nodes] + [idx[d.building_id] for d in drops], dtype=np.int64
    )
    n = len(place)
    is_drop = np.arange(n) >= n_dep
    same_place = place[:, None] == place[None, :]
    stop_s = units.seconds(sc.settings.service.stop_s)
    service = np.array([0] * n_dep + [d.service_s for d in drops], dtype=np.int64)
    horizon = problem.horizon
    big = horizon + 1
    modes = sorted({vols[v].mode for v in trips})
    durations = []
    for mode in modes:
        base = problem.travel_s[mode][np.ix_(place, place)].astype(np.int64)
        # Leaving a building costs the stop's fixed time once, however many drops it had.
        leave = np.where(is_drop[:, None] & ~same_place, stop_s, 0)
        transit = np.where(base >= big, big, base + service[:, None] + leave)
        durations.append(np.minimum(transit, units.MAX_VALUE).astype(np.int64))
    finite = problem.distance_m[np.ix_(place, place)]
    max_d = float(np.max(finite[np.isfinite(finite)], initial=0.0))
    big_d = int(min(units.MAX_VALUE, math.ceil(max_d) * 10 + 1))
    distance = np.where(
        np.isfinite(finite), np.rint(np.where(np.isfinite(finite), finite, 0)), big_d
    ).astype(np.int64)
    demands = np.zeros((n, 2), dtype=np.int64)
    tw = np.zeros((n, 2), dtype=np.int64)
    tw[:, 1] = horizon
    for j, d in enumerate(drops):
        demands[n_dep + j] = (d.grams, d.bags)
        if d.due_s is not None:
            tw[n_dep + j, 1] = min(horizon, d.due_s)
    vehicles: list[RoutingVehicle] = []
    owner: list[int] = []
    chains: dict[int, tuple[int, ...]] = {}
    for v in sorted(trips):
        vol = vols[v]
        node = depot_nodes.index(vol.depot_id)
        cap = (units.capacity_grams(vol.capacity_kg), units.capacity_count(vol.capacity_bags))
        first = len(vehicles)
        for _ in range(trips[v]):
            vehicles.append(RoutingVehicle(node, node, cap, modes.index(vol.mode), 0, horizon))
            owner.append(v)
        chains[v] = tuple(range(first, len(vehicles)))
    # Lexicographic objective through penalties: one order outweighs any distance, one
    # priority order outweighs all normal orders together.
    per_order = (len(drops) + len(vehicles) + 1) * max(1, math.ceil(max_d)) + 1
    per_priority = per_order * (sum(len(d.order_ids) for d in drops) + 1)
    penalties = np.full(n, -1, dtype=np.int64)
    allowed: list[tuple[int, ...] | None] = [None] * n
    for j, d in enumerate(drops):
        value = len(d.order_ids) * per_order + d.priority_orders * per_priority
        penalties[n_dep + j] = min(units.MAX_VALUE, value)
        allowed[n_dep + j] = tuple(x for v in d.volunteers if v in chains for x in chains[v])
    gap = units.seconds(sc.settings.service.reload_s)
    routing = RoutingProblem(
        distance=distance,
        durations=tuple(durations),
        demands=demands,
        time_windows=tw,
        vehicles=tuple(vehicles),
        penalties=penalties,
        allowed_vehicles=tuple(allowed),
        chains=tuple(chains[v] for v in sorted(chains)),
        gaps=tuple(gap for _ in chains),
    )
    return DropModel(routing, depot_nodes, tuple(drops), tuple(owner), chains)


def retime(
    problem: WindowProblem, model: DropModel, result: RoutingResult
) -> tuple[list[Route], list[Drop]]:
    """The solver's routes as volunteers' trips at their earliest times.

    Times are computed in the solver's integer units; consecutive drops at one building
    become one stop.

    Parameters
    ----------
    problem
        The window problem.
    model
        The model the routes answer (:func:`build_drop_model`).
    result
        The routing core's result for ``model.problem``.

    Returns
    -------
    tuple of (list of Route, list of Drop)
        The routes, by volunteer id, and the drops that could not be kept (a safety net:
        the solver's own schedule satisfied the same constraints, so this is normally
        empty).
    """
    sc = problem.scenario
    idx = problem.index
    n_dep = len(model.depot_nodes)
    stop_s = units.seconds(sc.settings.service.stop_s)
    reload = units.seconds(sc.settings.service.reload_s)
    horizon = problem.horizon
    orders = {o.order_id: o for o in problem.orders}
    routes: list[Route] = []
    lost: list[Drop] = []
    for v in sorted(model.chains):
        vol = problem.volunteers[v]
        travel = problem.travel_s[vol.mode]
        depot = idx[vol.depot_id]
        # The chain constraints keep used trips in vehicle order.
        used = [(result.start_times[k], k) for k in model.chains[v] if result.routes[k]]
        free = 0
        trips: list[Trip] = []
        for _, k in used:
            drops = [model.drops[node - n_dep] for node in result.routes[k]]
            groups: list[list[Drop]] = []
            for d in drops:
                if groups and groups[-1][0].building_id == d.building_id:
                    groups[-1].append(d)
                else:
                    groups.append([d])
            kept: list[tuple[list[Drop], int, int]] = []
            t, here = free, depot
            for group in groups:
                b = idx[group[0].building_id]
                arrive = t + int(travel[here, b])
                leave = arrive + stop_s + sum(d.service_s for d in group)
                dues = [d.due_s for d in group if d.due_s is not None]
                back = leave + int(travel[b, depot])
                if (dues and arrive > min(dues)) or back > horizon:
                    lost.extend(group)
                    continue
                kept.append((group, arrive, leave))
                t, here = leave, b
            if not kept:
                continue
            back_s = t + int(travel[here, depot])
            trips.append(_trip(problem, vol.depot_id, free, back_s, kept, orders))
            free = back_s + reload
        if trips:
            routes.append(Route(vol.volunteer_id, tuple(trips)))
    routes.sort(key=lambda r: r.volunteer_id)
    return routes, lost


def _trip(
    problem: WindowProblem,
    depot_id: str,
    depart: int,
    back: int,
    stops: Sequence[tuple[list[Drop], int, int]],
    orders: dict[str, Any],
) -> Trip:
    idx = problem.index
    at = problem.window.at
    path = [idx[depot_id], *(idx[g[0].building_id] for g, _, _ in stops), idx[depot_id]]
    distance = float(sum(problem.distance_m[a, b] for a, b in itertools.pairwise(path)))
    made = []
    for group, arrive, leave in stops:
        ids = tuple(o for d in group for o in d.order_ids)
        made.append(
            Stop(group[0].building_id, at(problem.date, arrive), at(problem.date, leave), ids)
        )
    all_ids = [o for s in made for o in s.order_ids]
    return Trip(
        depot_id=depot_id,
        depart=at(problem.date, depart),
        return_=at(problem.date, back),
        distance_m=distance,
        load_kg=sum(orders[o].weight_kg for o in all_ids),
        bags=sum(orders[o].bags for o in all_ids),
        stops=tuple(made),
    )
