"""Verify a plan against its scenario with the rules of the plan contract.

The same rules, tolerances and messages as the independent checker
``shared/tools/verify_plan.py``, implemented on the model objects, so that a coordinator who
edits a :class:`~basket_route.plan.Plan` by hand can check it again before couriers get it.

What a check finds is a :class:`~basket_route.verification.Verification` (and its
:class:`~basket_route.verification.PlanViolationError`); both are re-exported from here.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import os

import numpy as np
import numpy.typing as npt

from basket_route.distances import distance_matrix
from basket_route.io.scenario import load_scenario
from basket_route.model import InvalidOrder, Order, Scenario, Volunteer, order_service_s
from basket_route.plan import Plan, Route, Stop, Trip, UnassignedReason
from basket_route.verification import PlanViolationError, Verification

__all__ = [
    "CAPACITY_TOL",
    "DIST_ABS",
    "DIST_REL",
    "REPORTED_TOL",
    "TIME_TOL_S",
    "PlanViolationError",
    "Verification",
    "verify_files",
    "verify_plan",
]

TIME_TOL_S = 1.0
"""Seconds of tolerance on every timing comparison."""
CAPACITY_TOL = 1e-6
"""Tolerance of a trip's load against the volunteer's capacities (kg and bags)."""
REPORTED_TOL = 0.01
"""Tolerance of a trip's reported ``load_kg`` and ``bags`` against the sums of its orders."""
DIST_REL, DIST_ABS = 0.005, 1.0
"""A reported distance may differ from the recomputed one by 0.5 % plus 1 m."""
_EPS = 1e-6  # float noise at the exact tolerance boundary


def _early(t: dt.datetime | None, base: dt.datetime | None, seconds: float = 0.0) -> bool:
    """True when T is before BASE + SECONDS by more than the tolerance (False if one is None)."""
    if t is None or base is None:
        return False
    return (base - t).total_seconds() + seconds > TIME_TOL_S + _EPS


def _distance_off(reported: float, actual: float) -> bool:
    return abs(reported - actual) > DIST_REL * actual + DIST_ABS + _EPS


class _Checker:
    """The mutable state of one verification; :meth:`run` freezes it into a Verification."""

    def __init__(self, scenario: Scenario, plan: Plan) -> None:
        self.scn, self.plan = scenario, plan
        self.bad: list[str] = []
        self.warn: list[str] = []
        self.seen: dict[str, list[str]] = {}  # order id -> where the plan lists it
        self.delivered: list[str] = []  # order ids listed in stops
        self.wanted: dict[str, Order | InvalidOrder] = {}
        self.distance_m, self.trips, self.volunteers_used = 0.0, 0, 0
        self.start = self.end = dt.datetime.min
        self.index: dict[str, int] = {}
        self.matrix: npt.NDArray[np.float64] = np.zeros((0, 0))

    def run(self) -> Verification:
        scn, plan = self.scn, self.plan
        if scn.name and plan.scenario != scn.name:
            self.warn.append(
                f"plan: scenario {plan.scenario!r} is not scenario.toml's name {scn.name!r}"
            )
        window = scn.settings.windows.get(plan.window)
        if window is None:
            names = ", ".join(scn.settings.windows)
            self.bad.append(f"plan: window {plan.window!r} is not defined (windows: {names})")
            return self._result(set(), "")
        day = plan.date
        self.start, self.end = window.at(day), dt.datetime.combine(day, window.end)
        rows: list[Order | InvalidOrder] = [
            *scn.orders_in(day, plan.window),
            *scn.invalid_orders_in(day, plan.window),
        ]
        self.wanted = {o.order_id: o for o in rows}
        shifts = {(s.volunteer_id, s.date, s.window) for s in scn.shifts}
        if not self.wanted and not any(d == day and w == plan.window for _, d, w in shifts):
            self.warn.append(
                f"plan: the scenario has no orders and no shifts on {day} {plan.window}"
            )
        self._distances()
        used: set[str] = set()
        for route in plan.routes:
            self._route(route, (route.volunteer_id, day, plan.window) in shifts, used)
        for u in plan.unassigned:
            at = f"unassigned {u.order_id}"
            self.seen.setdefault(u.order_id, []).append("unassigned")
            if u.reason is UnassignedReason.INVALID and u.order_id in scn.orders:
                self.warn.append(f"{at}: reason 'invalid' but the order's data looks valid")
        self._accounting()
        delivered = {oid for oid in self.delivered if oid in self.wanted}
        self._summary()
        self._priority(delivered)
        return self._result(delivered, f"{day} {plan.window}")

    def _result(self, delivered: set[str], label: str) -> Verification:
        rows = [self.wanted[oid] for oid in delivered]
        priority = sum(isinstance(o, Order) and o.priority.is_priority for o in rows)
        return Verification(
            tuple(self.bad), tuple(self.warn), len(self.wanted), len(delivered), priority,
            len(self.plan.unassigned), self.trips, self.volunteers_used, self.distance_m, label,
        )  # fmt: skip

    def _distances(self) -> None:
        """One matrix over every known depot and building the plan refers to."""
        scn = self.scn
        places: dict[str, None] = {}  # an ordered set
        for route in self.plan.routes:
            vol = scn.volunteers.get(route.volunteer_id)
            if vol is not None:
                places[vol.depot_id] = None
            for trip in route.trips:
                for place in [trip.depot_id, *(s.building_id for s in trip.stops)]:
                    if place in scn.depots or place in scn.buildings:
                        places[place] = None
        self.index = {p: i for i, p in enumerate(places)}
        if places:
            self.matrix = distance_matrix(scn, list(places))

    def _time(self, t: dt.datetime, where: str, key: str) -> dt.datetime | None:
        """T as written to the plan file (whole seconds); None and a violation if zoned."""
        if t.tzinfo is not None:
            self.bad.append(f"{where}: '{key}' is not a local ISO-8601 datetime: {t.isoformat()!r}")
            return None
        return t.replace(microsecond=0)

    def _route(self, route: Route, on_shift: bool, used: set[str]) -> None:
        """Volunteer, shift, max_trips, each trip, and the reload gap between trips."""
        vid = route.volunteer_id
        vol, where = self.scn.volunteers.get(vid), f"route {vid}"
        if vol is None:
            self.bad.append(f"{where}: unknown volunteer {vid}")
        if vid in used:
            self.bad.append(f"{where}: volunteer {vid} appears in more than one route")
        used.add(vid)
        if vol is not None and not on_shift:
            self.bad.append(
                f"{where}: volunteer {vid} has no shift on {self.plan.date} {self.plan.window}"
            )
        self.trips += len(route.trips)
        self.volunteers_used += bool(route.trips)
        if vol is not None and vol.max_trips is not None and len(route.trips) > vol.max_trips:
            self.bad.append(f"{where}: {len(route.trips)} trips exceed max_trips {vol.max_trips}")
        speed = self.scn.settings.speed_m_s(vol.mode) if vol is not None else None
        spans = []
        for i, trip in enumerate(route.trips, 1):
            span = self._trip(vol, speed, trip, f"{where} trip {i}")
            if span is not None:
                spans.append(span)
        spans.sort()
        reload = self.scn.settings.service.reload_s
        for (_, ret1), (dep2, _) in itertools.pairwise(spans):
            if _early(dep2, ret1, reload):
                self.bad.append(
                    f"{where}: trip departing {dep2:%H:%M:%S} starts before previous return "
                    f"{ret1:%H:%M:%S} + reload {reload:.0f}s"
                )

    def _trip(
        self, vol: Volunteer | None, speed: float | None, trip: Trip, where: str
    ) -> tuple[dt.datetime, dt.datetime] | None:
        """Depot, stops, timing, loads, distance; (depart, return) when both are usable."""
        scn, bad = self.scn, self.bad
        depot = trip.depot_id
        if depot not in scn.depots:
            bad.append(f"{where}: unknown depot {depot}")
        elif vol is not None and depot != vol.depot_id:
            bad.append(
                f"{where}: depot {depot} is not volunteer {vol.volunteer_id}'s depot {vol.depot_id}"
            )
        home = depot if depot in scn.depots else (vol.depot_id if vol is not None else None)
        depart = self._time(trip.depart, where, "depart")
        ret = self._time(trip.return_, where, "return")
        if not trip.stops:
            self.warn.append(f"{where}: trip has no stops")
        kg, bags, total, known = 0.0, 0, 0.0, home is not None

        def travel(a: str | None, b: str | None, at: str) -> float:
            """Travel seconds from A to B (0 when unknown); adds the leg to the trip's distance."""
            nonlocal total, known
            d = None if a is None or b is None else float(self.matrix[self.index[a], self.index[b]])
            if d is not None and math.isinf(d):
                bad.append(f"{at}: no path from {a} to {b} (unreachable)")
                d = None
            known, total = known and d is not None, total + (d or 0.0)
            return d / speed if d is not None and speed else 0.0

        pos, prev = home, depart  # where and when the courier last left
        for i, stop in enumerate(trip.stops, 1):
            at = f"{where} stop {i}"
            bid, stop_kg, stop_bags, service, due = self._stop(vol, stop, at)
            kg, bags = kg + stop_kg, bags + stop_bags
            arrive = self._time(stop.arrive, at, "arrive")
            leave = self._time(stop.depart, at, "depart")
            seconds = travel(pos, bid, at)
            if _early(arrive, prev, seconds):
                bad.append(
                    f"{at}: arrive {arrive:%H:%M:%S} is before previous departure "
                    f"{prev:%H:%M:%S} + travel {seconds:.0f}s"
                )
            if _early(leave, arrive, service):
                bad.append(
                    f"{at}: depart {leave:%H:%M:%S} is before arrive {arrive:%H:%M:%S} "
                    f"+ service {service:.0f}s"
                )
            if due is not None and _early(dt.datetime.combine(self.plan.date, due), arrive):
                bad.append(f"{at}: arrive {arrive:%H:%M:%S} is after due {due:%H:%M}")
            pos, prev = bid, leave
        seconds = travel(pos, home, f"{where} return") if trip.stops else 0.0
        if _early(ret, prev, seconds):
            bad.append(
                f"{where}: return {ret:%H:%M:%S} is before last departure {prev:%H:%M:%S} "
                f"+ travel {seconds:.0f}s"
            )
        if _early(depart, self.start):
            bad.append(
                f"{where}: depart {depart:%Y-%m-%d %H:%M:%S} is before the window start "
                f"{self.start:%H:%M}"
            )
        if _early(self.end, ret):
            bad.append(
                f"{where}: return {ret:%Y-%m-%d %H:%M:%S} is after the window end {self.end:%H:%M}"
            )
        if vol is not None:
            caps = ((kg, vol.capacity_kg, "kg"), (bags, vol.capacity_bags, "bags"))
            for load, cap, unit in caps:
                if load > cap + CAPACITY_TOL:
                    bad.append(f"{where}: load {load:g} {unit} exceeds capacity {cap:g} {unit}")
        for key, reported, load in (("load_kg", trip.load_kg, kg), ("bags", trip.bags, bags)):
            if abs(reported - load) > REPORTED_TOL:
                bad.append(f"{where}: reported {key} {reported:g} but its orders sum to {load:g}")
        if known:
            self.distance_m += total
            if _distance_off(trip.distance_m, total):
                bad.append(
                    f"{where}: reported distance_m {trip.distance_m:g} but recomputed {total:.1f}"
                )
        return (depart, ret) if depart is not None and ret is not None else None

    def _stop(
        self, vol: Volunteer | None, stop: Stop, at: str
    ) -> tuple[str | None, float, int, float, dt.time | None]:
        """Building and orders of a stop: (building id or None, kg, bags, service s, due)."""
        scn, bad = self.scn, self.bad
        bid = stop.building_id
        building = scn.buildings.get(bid)
        if building is None:
            bad.append(f"{at}: unknown building {bid}")
        elif building.sealed and vol is not None and not vol.door_to_door:
            bad.append(
                f"{at}: sealed building {bid} served by {vol.volunteer_id}, who is not door_to_door"
            )
        kg, bags, service, due = 0.0, 0, scn.settings.service.stop_s, None
        for oid in stop.order_ids:
            self.seen.setdefault(oid, []).append(at)
            self.delivered.append(oid)
            invalid = scn.invalid_orders.get(oid)
            if invalid is not None:
                bad.append(
                    f"{at}: order {oid} has invalid data ({invalid.detail}) but is delivered"
                )
            order = scn.orders.get(oid)
            if order is None:
                continue  # unknown ids are reported by _accounting
            hh = scn.households[order.household_id]
            if building is not None and hh.building_id != bid:
                bad.append(f"{at}: order {oid} belongs to building {hh.building_id}, not {bid}")
            kg, bags = kg + order.weight_kg, bags + order.bags
            if building is None:
                service += scn.settings.service.order_s
            else:
                service += order_service_s(scn.settings.service, building, hh)
            if order.due is not None:
                due = order.due if due is None else min(due, order.due)
        return (bid if building is not None else None), kg, bags, service, due

    def _accounting(self) -> None:
        """Every order of the window exactly once; no unknown ids, none of another window."""
        day, window = self.plan.date, self.plan.window
        for oid, places in self.seen.items():
            order = self.scn.orders.get(oid) or self.scn.invalid_orders.get(oid)
            if order is None:
                self.bad.append(f"order {oid}: unknown order id ({places[0]})")
            elif oid not in self.wanted and order.date is not None:  # unreadable date: allowed
                self.bad.append(
                    f"order {oid}: belongs to {order.date} {order.window}, not {day} {window} "
                    f"({places[0]})"
                )
            if len(places) > 1:
                self.bad.append(f"order {oid}: appears {len(places)} times ({'; '.join(places)})")
        for oid in self.wanted:
            if oid not in self.seen:
                self.bad.append(
                    f"order {oid}: missing from the plan (neither in a stop nor unassigned)"
                )

    def _summary(self) -> None:
        """The plan's summary must match its routes, and its distance the recomputed total."""
        reported = self.plan.summary_counts()
        expected = {
            "orders": len(self.wanted),
            "delivered": len(self.delivered),
            "unassigned": len(self.plan.unassigned),
            "trips": self.trips,
            "volunteers_used": self.volunteers_used,
        }
        for key, want in expected.items():
            if reported[key] != want:
                self.bad.append(f"summary: {key} is {reported[key]:g}, plan has {want}")
        if _distance_off(reported["distance_m"], self.distance_m):
            self.bad.append(
                f"summary: distance_m {reported['distance_m']:g} but recomputed total is "
                f"{self.distance_m:.1f}"
            )

    def _priority(self, delivered: set[str]) -> None:
        """Warn when a priority order is out_of_time while a normal one of its building is served."""
        building = {
            oid: self.scn.households[o.household_id].building_id
            for oid, o in self.wanted.items()
            if isinstance(o, Order)
        }
        normals: dict[str, list[str]] = {}  # building id -> normal orders delivered there
        for oid in sorted(delivered):
            if isinstance(o := self.wanted[oid], Order) and not o.priority.is_priority:
                normals.setdefault(building[oid], []).append(oid)
        for u in self.plan.unassigned:
            order, oid = self.wanted.get(u.order_id), u.order_id
            if u.reason is not UnassignedReason.OUT_OF_TIME or oid in delivered:
                continue
            if isinstance(order, Order) and order.priority.is_priority and building[oid] in normals:
                self.warn.append(
                    f"priority: {order.priority.value} order {oid} is unassigned (out_of_time) "
                    f"while normal order(s) {', '.join(normals[building[oid]])} of building "
                    f"{building[oid]} are delivered"
                )


def verify_plan(scenario: Scenario, plan: Plan) -> Verification:
    """Check PLAN against SCENARIO with every rule of the plan contract.

    Parameters
    ----------
    scenario
        The scenario the plan was made for.
    plan
        The plan, e.g. as read by :meth:`Plan.from_json` and edited with
        :func:`dataclasses.replace`.

    Returns
    -------
    Verification
        ``ok`` is True when there is no violation; the counts and the distance are
        recomputed from the scenario.

    Raises
    ------
    ValueError
        When a depot or building of the plan has no coordinates and the scenario has no
        ``paths.csv`` (a hand-built scenario; loaded ones always have them).

    Notes
    -----
    The rules, tolerances (:data:`TIME_TOL_S`, :data:`CAPACITY_TOL`, :data:`REPORTED_TOL`,
    :data:`DIST_REL`, :data:`DIST_ABS`) and message texts are those of the independent
    checker ``shared/tools/verify_plan.py``. Times are checked as the plan file states them,
    to the whole second. The orders of the window include invalid rows whose date could not
    be read but whose window is the plan's.

    Examples
    --------
    >>> import basket_route as br  # doctest: +SKIP
    >>> br.verify_plan(scenario, plan).raise_if_invalid()  # doctest: +SKIP
    """
    return _Checker(scenario, plan).run()


def verify_files(
    scenario_dir: str | os.PathLike[str], plan_path: str | os.PathLike[str]
) -> Verification:
    """Load a scenario folder and a plan file, and verify the plan.

    Parameters
    ----------
    scenario_dir
        The scenario folder (FORMATS.md, section 1).
    plan_path
        The plan JSON file (FORMATS.md, section 2).

    Returns
    -------
    Verification

    Raises
    ------
    ScenarioError
        When the scenario folder cannot be read.
    PlanFormatError
        When the plan file is not a plan of the contract's format.
    """
    return verify_plan(load_scenario(scenario_dir), Plan.from_json(plan_path))
