"""Taking over after drop-outs: re-plan a window's orders on the rest of its crew.

When volunteers drop out of a planned window, the orders they had not yet delivered are
planned again on the others, each volunteer once free of the trips they already have.
:meth:`~basket_route.Operation.replan` checks the request and records the result.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from basket_route.ledger import Ledger, ShiftStatus
from basket_route.model import Order, Scenario, Shift, Window
from basket_route.options import PlanOptions
from basket_route.plan import Plan, Route, Trip, Unassigned, UnassignedReason
from basket_route.solver.pipeline import plan_window
from basket_route.volunteers import free_times
from basket_route.window_scenario import raised_priority

if TYPE_CHECKING:  # pandas is imported where used: ~0.4 s of start-up
    import pandas as pd

__all__ = ["plan_takeover"]


def plan_takeover(
    scenario: Scenario,
    ledger: Ledger,
    options: PlanOptions,
    day: dt.date,
    window: Window,
    when: dt.datetime,
    gone: Sequence[str],
    moved: Sequence[str],
    trips: pd.DataFrame,
) -> Plan:
    """Plan MOVED on the rest of the crew, each volunteer once free of their own trips.

    Passes at increasing start times: at each, the volunteers free by then (last return
    plus reload) plan what is left in the rest of the window.

    Parameters
    ----------
    scenario, ledger, options
        The operation's scenario, ledger and planning options.
    day, window
        The window.
    when
        When the volunteers GONE dropped out.
    gone
        The volunteers who dropped out.
    moved
        The orders to re-plan.
    trips
        The window's trips in the ledger.

    Returns
    -------
    Plan
        A supplementary plan of the window listing exactly MOVED: on new trips, or
        unassigned.
    """
    sc = scenario
    shifts = ledger.shifts()
    on = shifts[
        (shifts["date"] == day.isoformat())
        & (shifts["window"] == window.name)
        & shifts["status"].isin([ShiftStatus.WORKED.value, ShiftStatus.STANDBY.value])
    ]
    crew_ids = sorted(set(on["volunteer_id"]) - set(gone))
    reload = dt.timedelta(seconds=sc.settings.service.reload_s)
    times = free_times(trips, crew_ids, when, sc.settings.service.reload_s)
    free = {v: f for v, (f, _) in times.items()}
    made = {v: n for v, (_, n) in times.items()}
    end = dt.datetime.combine(day, window.end)
    remaining = {oid: sc.orders[oid] for oid in moved}
    routes: list[Route] = []
    unassigned: dict[str, Unassigned] = {}
    t, passes, tried = when, 0, frozenset[str]()
    while remaining and t < end:
        pool = frozenset(
            v
            for v in crew_ids
            if free[v] <= t and (sc.volunteers[v].max_trips or made[v] + 1) > made[v]
        )
        if pool and pool != tried:
            tried, passes = pool, passes + 1
            derived = _pass_scenario(sc, day, window, t, remaining, pool, made)
            part = plan_window(derived, day, window.name, options)
            check = part.verify(derived)
            if not check.ok:
                raise RuntimeError(f"internal error: the re-plan fails:\n{check}")
            for r in part.routes:
                if r.trips:
                    routes.append(r)
                    free[r.volunteer_id] = r.trips[-1].return_ + reload
                    made[r.volunteer_id] += len(r.trips)
            for oid in part.order_ids_delivered():
                remaining.pop(oid, None)
            unassigned = {u.order_id: u for u in part.unassigned}
        t = min((f for f in free.values() if f > t), default=end)
    left = []
    for oid in sorted(remaining):
        u = unassigned.get(oid)
        if u is None:
            why = "nobody else on the crew is free before the window ends"
            u = Unassigned(oid, UnassignedReason.NO_VOLUNTEER, why)
        left.append(u)
    return Plan(
        sc.name,
        day,
        window.name,
        _merge_routes(routes),
        tuple(left),
        solver={"replan_without": ",".join(gone), "at": f"{when:%H:%M}", "passes": passes},
    )


def _pass_scenario(
    sc: Scenario,
    day: dt.date,
    window: Window,
    t: dt.datetime,
    orders: Mapping[str, Order],
    pool: Iterable[str],
    made: Mapping[str, int],
) -> Scenario:
    windows = dict(sc.settings.windows)
    windows[window.name] = Window(window.name, t.time(), window.end)
    settings = replace(sc.settings, windows=windows)
    dated = {}
    for oid, o in orders.items():
        late = (o.date, o.window) != (day, window.name)
        due = None if late or o.due is None or o.due <= t.time() else o.due
        prio = raised_priority(o.priority) if late else o.priority
        dated[oid] = replace(o, date=day, window=window.name, due=due, priority=prio)
    vols = dict(sc.volunteers)
    for v in pool:
        cap = sc.volunteers[v].max_trips
        if cap is not None:
            vols[v] = replace(sc.volunteers[v], max_trips=cap - made[v])
    return replace(
        sc,
        settings=settings,
        orders=dated,
        invalid_orders={},
        volunteers=vols,
        shifts=tuple(Shift(v, day, window.name) for v in sorted(pool)),
    )


def _merge_routes(routes: Iterable[Route]) -> tuple[Route, ...]:
    by: dict[str, list[Trip]] = {}
    for r in routes:
        by.setdefault(r.volunteer_id, []).extend(r.trips)
    return tuple(
        Route(v, tuple(sorted(trips, key=lambda t: t.depart))) for v, trips in sorted(by.items())
    )
