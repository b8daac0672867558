"""The window problem and its screening: which volunteer could serve which order, and why not.

Screening decides the *certain* reasons before any solver runs (``no_volunteer``,
``unreachable``, ``no_capacity`` and an ``out_of_time`` that no single trip could beat),
checking each order alone against each courier on shift, in the solver's own integer units.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from basket_route import units
from basket_route.distances import distance_matrix
from basket_route.model import InvalidOrder, Order, Scenario, Volunteer, Window, order_service_s
from basket_route.plan import Unassigned, UnassignedReason

__all__ = ["WindowProblem", "build_window_problem", "screen"]


@dataclass(frozen=True, slots=True)
class WindowProblem:
    """The orders, volunteers and matrices of one window, in canonical order.

    ``places`` lists the depots of the volunteers on shift, then the buildings with orders,
    each sorted by id; ``distance_m`` and ``travel_s`` are indexed by it. ``travel_s`` maps a
    mode to whole seconds rounded up, with ``horizon + 1`` where there is no path.
    """

    scenario: Scenario
    date: dt.date
    window: Window
    orders: tuple[Order, ...]
    invalid: tuple[InvalidOrder, ...]
    volunteers: tuple[Volunteer, ...]
    places: tuple[str, ...]
    distance_m: npt.NDArray[np.float64]
    travel_s: Mapping[str, npt.NDArray[np.int64]]
    service_s: Mapping[str, float]

    @property
    def horizon(self) -> int:
        """The window's length in seconds: every trip lies within [0, horizon]."""
        return self.window.length_s

    @property
    def index(self) -> dict[str, int]:
        """Place id → row of the matrices."""
        return {p: i for i, p in enumerate(self.places)}

    def building_of(self, order: Order) -> str:
        """The building of ORDER's household."""
        return self.scenario.households[order.household_id].building_id

    def due_s(self, order: Order) -> int | None:
        """ORDER's due time in whole seconds after the window start, or None."""
        if order.due is None:
            return None
        start = dt.datetime.combine(self.date, self.window.start)
        return int((dt.datetime.combine(self.date, order.due) - start).total_seconds())


def build_window_problem(scenario: Scenario, day: dt.date, window_name: str) -> WindowProblem:
    """Collect the orders, volunteers and matrices of DAY and WINDOW_NAME.

    Raises
    ------
    KeyError
        When the window is not defined in the scenario (the message lists those that are).
    """
    window = scenario.window(window_name)
    orders = tuple(scenario.orders_in(day, window_name))
    volunteers = tuple(scenario.volunteers_on_shift(day, window_name))
    depots = sorted({v.depot_id for v in volunteers})
    buildings = sorted({scenario.households[o.household_id].building_id for o in orders})
    places = (*depots, *buildings)
    dist = distance_matrix(scenario, places) if places else np.zeros((0, 0))
    big = window.length_s + 1  # longer than the window: the solver can never use it
    travel = {}
    for mode in sorted({v.mode for v in volunteers}):
        secs = units.ceil_matrix(dist / scenario.settings.speed_m_s(mode), big)
        secs = np.minimum(secs, big)
        secs.flags.writeable = False
        travel[mode] = secs
    service = {
        o.order_id: order_service_s(
            scenario.settings.service,
            scenario.buildings[scenario.households[o.household_id].building_id],
            scenario.households[o.household_id],
        )
        for o in orders
    }
    return WindowProblem(
        scenario=scenario,
        date=day,
        window=window,
        orders=orders,
        invalid=tuple(scenario.invalid_orders_in(day, window_name)),
        volunteers=volunteers,
        places=places,
        distance_m=dist,
        travel_s=travel,
        service_s=service,
    )


def _fmt_kg(x: float) -> str:
    return "unlimited" if x == float("inf") else f"{x:.1f} kg"


def screen(problem: WindowProblem) -> tuple[dict[str, tuple[int, ...]], list[Unassigned]]:
    """Which volunteers (indices into ``problem.volunteers``) could serve each order alone.

    Returns
    -------
    eligible
        order_id → indices of volunteers that pass every check, for orders that some
        volunteer can serve.
    unassigned
        One :class:`Unassigned` per order that nobody can serve, with the first check that
        ruled out every volunteer: skill (``no_volunteer``), path (``unreachable``),
        capacity (``no_capacity``), time (``out_of_time``).
    """
    sc = problem.scenario
    idx = problem.index
    stop_s = units.seconds(sc.settings.service.stop_s)
    horizon = problem.horizon
    label = f"{problem.date} {problem.window.name}"
    eligible: dict[str, tuple[int, ...]] = {}
    out: list[Unassigned] = []
    vols = list(enumerate(problem.volunteers))
    for order in problem.orders:
        bid = problem.building_of(order)
        building = sc.buildings[bid]
        if not vols:
            out.append(
                Unassigned(
                    order.order_id, UnassignedReason.NO_VOLUNTEER, f"nobody is on shift on {label}"
                )
            )
            continue
        cands = [(i, v) for i, v in vols if v.door_to_door] if building.sealed else vols
        if not cands:
            out.append(
                Unassigned(
                    order.order_id,
                    UnassignedReason.NO_VOLUNTEER,
                    f"building {bid} is sealed (door-to-door only) and no door-to-door volunteer is on shift on {label}",
                )
            )
            continue
        b = idx[bid]
        reach = [
            (i, v)
            for i, v in cands
            if np.isfinite(problem.distance_m[idx[v.depot_id], b])
            and np.isfinite(problem.distance_m[b, idx[v.depot_id]])
        ]
        if not reach:
            depots = ", ".join(sorted({v.depot_id for _, v in cands}))
            out.append(
                Unassigned(
                    order.order_id,
                    UnassignedReason.UNREACHABLE,
                    f"no path between depot(s) {depots} and building {bid}",
                )
            )
            continue
        fits = [
            (i, v)
            for i, v in reach
            if order.weight_kg <= v.capacity_kg + 1e-9 and order.bags <= v.capacity_bags
        ]
        if not fits:
            max_kg = max(v.capacity_kg for _, v in reach)
            max_bags = max(v.capacity_bags for _, v in reach)
            if order.weight_kg > max_kg + 1e-9:
                detail = f"{order.weight_kg:.1f} kg > largest capacity {_fmt_kg(max_kg)}"
            elif order.bags > max_bags:
                detail = f"{order.bags} bags > largest capacity {max_bags:g} bags"
            else:
                detail = f"{order.weight_kg:.1f} kg and {order.bags} bags fit no single courier"
            out.append(Unassigned(order.order_id, UnassignedReason.NO_CAPACITY, detail))
            continue
        due = problem.due_s(order)
        service = stop_s + units.seconds(problem.service_s[order.order_id])
        timely = []
        best_arrive, best_round = horizon * 10, horizon * 10
        for i, v in fits:
            d = idx[v.depot_id]
            go, back = int(problem.travel_s[v.mode][d, b]), int(problem.travel_s[v.mode][b, d])
            best_arrive, best_round = min(best_arrive, go), min(best_round, go + service + back)
            if (due is None or go <= due) and go + service + back <= horizon:
                timely.append(i)
        if not timely:
            if due is not None and best_arrive > due:
                detail = f"due {order.due:%H:%M} cannot be met: the fastest courier needs {best_arrive / 60:.0f} min to reach {bid}"
            else:
                detail = f"a single trip to {bid} takes {best_round / 60:.0f} min, longer than window {problem.window.name} ({horizon / 60:.0f} min)"
            out.append(Unassigned(order.order_id, UnassignedReason.OUT_OF_TIME, detail))
            continue
        eligible[order.order_id] = tuple(timely)
    return eligible, out
