"""The partitioned window: first pass, second pass to neighbours, merge into one Plan."""

from __future__ import annotations

import concurrent.futures as cf
import datetime as dt
import math
import os
import time
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import numpy.typing as npt

from basket_route.model import Order, Scenario, Volunteer, as_date, order_service_s
from basket_route.options import AUTO_DROPS_PER_SECOND, PlanOptions, auto_time_limit
from basket_route.plan import Plan, Route, Unassigned, UnassignedReason
from basket_route.scale.estimate import DEFAULT_MAX_DROPS, _building_drops, _by_building
from basket_route.scale.execute import Solve, _Bar, _Job, _Runner, _slots
from basket_route.scale.partition import (
    Partition,
    SubProblem,
    _partition,
    _points,
    _round_trips,
    restrict,
    solve_subproblem,
)
from basket_route.scale.portfolio import alternatives, keep_better
from basket_route.solver.batching import AUTO_HALF_MAX_DROPS, DROP_SHARE, HALF_DROP_SHARE

__all__ = ["DEFAULT_BUDGET_CAP_S", "SUB_PROBLEM_DROPS_PER_SECOND", "plan_partitioned"]

DEFAULT_BUDGET_CAP_S = 45.0
"""Cap of the default time budget of a partitioned window, seconds."""
SUB_PROBLEM_DROPS_PER_SECOND = 25
"""Drops per second of a sub-problem's share of the default budget. Slower than one model's
default (:data:`~basket_route.options.AUTO_DROPS_PER_SECOND`): sub-problems are still
improving when it ends (800 and 1,600 orders in 2 and 4 sub-problems planned 2.6 % and
1.8 % longer at one second per 40 drops; docs/benchmarks.md, "The default time limit")."""
_FIRST_PASS = 0.8  # share of the budget for the first pass; the rest is the second pass's
_RESERVE_S = 0.2  # kept back for merging
_OVERRUN_S = 0.5  # a sub-problem may overrun the deadline by this much, then it is dropped
_MIN_SECOND_S = 1.0  # no second pass with less time left than this
_NEIGHBOURS = 3  # sub-problems an unserved building is offered to, nearest first
_OFFERED = (UnassignedReason.OUT_OF_TIME, UnassignedReason.NO_VOLUNTEER)
_SEARCH_KEYS = ("drop_share", "metaheuristic", "first_solution", "status", "courier_groups")


@dataclass(frozen=True, slots=True)
class _Window:
    """What the passes share: the window's orders by building, partitions, distances."""

    scenario: Scenario
    day: dt.date
    name: str
    options: PlanOptions
    parts: tuple[Partition, ...]
    groups: Mapping[str, list[Order]]  # building → its orders of the window
    rt: npt.NDArray[np.float64]  # round trips, (sorted depots, buildings of groups)
    points: npt.NDArray[np.float64]  # buildings of groups, for "nearest cluster"

    def sub(self, part: Partition, extra: Sequence[Order] = ()) -> SubProblem:
        """The sub-problem of PART, with EXTRA orders of other partitions added."""
        sc = self.scenario
        buildings = {
            *part.building_ids,
            *(sc.households[o.household_id].building_id for o in extra),
        }
        ids = {o.order_id for b in part.building_ids for o in self.groups[b]}
        ids |= {o.order_id for o in extra}
        sub = restrict(sc, self.day, self.name, sorted(buildings), part.volunteer_ids, ids)
        return SubProblem.of(part.key, sub, self.day, self.name, self.options)


def _score(plan: Plan, orders: Mapping[str, Order]) -> tuple[int, int, float]:
    """The objective: priority orders delivered, orders delivered, minus distance."""
    ids = plan.order_ids_delivered()
    metres = sum(t.distance_m for t in plan.trips)
    return sum(orders[o].priority.is_priority for o in ids), len(ids), -metres


def _spare_s(plan: Plan, n_volunteers: int, horizon: int) -> float:
    """Volunteer-seconds of the window not spent between first departure and last return."""
    busy = sum(
        (r.trips[-1].return_ - r.trips[0].depart).total_seconds() for r in plan.routes if r.trips
    )
    return n_volunteers * horizon - busy


def _offers(w: _Window, frags: Mapping[str, Plan | str]) -> dict[str, list[Order]]:
    """Orders left unserved, by the neighbouring sub-problem they are offered to.

    Building by building, each goes to the nearest of the :data:`_NEIGHBOURS` nearest
    other sub-problems (by round trip from its depot, then by distance to its buildings)
    whose volunteers have the spare time to serve it, door-to-door ones for a sealed
    building; the estimate of that time is then reserved.
    """
    sc = w.scenario
    horizon = sc.window(w.name).length_s
    col = {b: j for j, b in enumerate(w.groups)}
    row = {d: i for i, d in enumerate(sorted(sc.depots))}
    spare = {
        p.key: _spare_s(f, len(p.volunteer_ids), horizon)
        for p in w.parts
        if isinstance(f := frags.get(p.key), Plan) and p.volunteer_ids
    }
    centre = {
        p.key: w.points[[col[b] for b in p.building_ids]].mean(0) if p.building_ids else None
        for p in w.parts
    }
    service = sc.settings.service
    out: dict[str, list[Order]] = defaultdict(list)
    for p in w.parts:
        frag = frags.get(p.key)
        if not isinstance(frag, Plan):
            continue
        unserved: dict[str, list[Order]] = defaultdict(list)
        for u in frag.unassigned:
            if u.reason in _OFFERED and u.order_id in sc.orders:
                o = sc.orders[u.order_id]
                unserved[sc.households[o.household_id].building_id].append(o)
        for b, orders in sorted(unserved.items()):
            j = col[b]

            def near(q: Partition, j: int = j) -> tuple[float, float, str]:
                c = centre[q.key]
                gap = 0.0 if c is None else float(np.linalg.norm(c - w.points[j]))
                return float(w.rt[row[q.depot_id], j]), gap, q.key

            for q in sorted((q for q in w.parts if q.key != p.key and q.key in spare), key=near)[
                :_NEIGHBOURS
            ]:
                vols = [sc.volunteers[v] for v in q.volunteer_ids]
                if sc.buildings[b].sealed:
                    vols = [v for v in vols if v.door_to_door]
                metres = w.rt[row[q.depot_id], j]
                if not vols or not math.isfinite(metres):
                    continue
                speed = min(sc.settings.speed_m_s(v.mode) for v in vols)
                trips = _building_drops(sc, b, orders, vols, share=1.0)
                need = trips * (metres / speed + service.stop_s + service.reload_s) + sum(
                    order_service_s(service, sc.buildings[b], sc.households[o.household_id])
                    for o in orders
                )
                if spare[q.key] >= need:
                    spare[q.key] -= need
                    out[q.key].extend(orders)
                    break
    return dict(out)


def _merge(
    w: _Window,
    frags: Mapping[str, Plan | str],
    moved: set[str],
    offered: Mapping[str, str],
    info: dict[str, Any],
) -> Plan:
    """One plan from the fragments: each order of the window exactly once."""
    sc = w.scenario
    routes: list[Route] = []
    unassigned = [
        Unassigned(o.order_id, UnassignedReason.INVALID, o.detail)
        for o in sc.invalid_orders_in(w.day, w.name)
    ]
    for p in w.parts:
        own = {o.order_id for b in p.building_ids for o in w.groups[b]}
        frag = frags.get(p.key)
        if isinstance(frag, str):
            detail = f"sub-problem {p.key} failed twice: {frag}"
            unassigned += [Unassigned(o, UnassignedReason.OUT_OF_TIME, detail) for o in own]
            continue
        if frag is None:
            continue
        routes.extend(frag.routes)
        for u in frag.unassigned:
            if u.order_id not in own or u.order_id in moved:
                continue
            if u.order_id in offered:
                u = replace(u, detail=f"{u.detail}; not delivered by {offered[u.order_id]} either")
            unassigned.append(u)
    return Plan(
        scenario=sc.name,
        date=w.day,
        window=w.name,
        routes=tuple(sorted(routes, key=lambda r: r.volunteer_id)),
        unassigned=tuple(sorted(unassigned, key=lambda u: u.order_id)),
        rejected=tuple(
            Unassigned(o.order_id, UnassignedReason.INVALID, o.detail) for o in sc.unplaced_orders()
        ),
        solver=info,
    )


def _without_volunteers(
    scenario: Scenario,
    part: Partition,
    building_id: str,
    order: Order,
    on_shift: Sequence[Volunteer],
    label: str,
) -> Unassigned:
    """Why ORDER of a sub-problem without volunteers is not served, before the second pass.

    ``no_volunteer`` only when nobody on shift in the whole window may serve it (as in the
    single model); otherwise the couriers went to other sub-problems, and the order is
    ``out_of_time`` unless the second pass gets it to one of them.
    """
    sealed = scenario.buildings[building_id].sealed
    if not on_shift:
        return Unassigned(
            order.order_id, UnassignedReason.NO_VOLUNTEER, f"nobody is on shift on {label}"
        )
    if sealed and not any(v.door_to_door for v in on_shift):
        return Unassigned(
            order.order_id,
            UnassignedReason.NO_VOLUNTEER,
            f"building {building_id} is sealed (door-to-door only) and no door-to-door "
            f"volunteer is on shift on {label}",
        )
    return Unassigned(
        order.order_id,
        UnassignedReason.OUT_OF_TIME,
        f"sub-problem {part.key} (depot {part.depot_id}) got none of the {len(on_shift)} "
        f"volunteers on shift on {label}",
    )


def plan_partitioned(
    scenario: Scenario,
    date: dt.date | str,
    window: str,
    options: PlanOptions | None = None,
    *,
    executor: cf.Executor | None = None,
    workers: int | None = None,
    max_drops: int | None = None,
    progress: bool = False,
    solve: Solve | None = None,
) -> Plan:
    """Plan a window as independent sub-problems, in parallel, and merge the fragments.

    Parameters
    ----------
    scenario, date, window, options
        As :func:`basket_route.plan_window`. ``options.time_limit`` bounds the whole call;
        ``options.solution_limit`` applies to each sub-problem. Default options: None,
        ``PlanOptions()``.
    executor
        Runs the sub-problems: any :class:`concurrent.futures.Executor`, e.g.
        ``distributed.Client(...).get_executor()``. Default None: a process pool of
        WORKERS processes, shut down at the end.
    workers
        Sub-problems run at once. Default None: the executor's worker count (Dask: its
        threads), or the CPU count.
    max_drops
        A depot estimated at more drops is split. Default None: :data:`DEFAULT_MAX_DROPS`
        drops of the options' size; with automatic drops (``drop_share=None``, not
        reproducible) 90 % of ``AUTO_HALF_MAX_DROPS`` half-size drops, so that every
        sub-problem can use them.
    progress
        Show a progress bar of sub-problems done on stderr (tqdm, when installed, after
        one second). Default False.
    solve
        The function mapped over the sub-problems; it must be picklable for a process
        pool. Default None: :func:`solve_subproblem`.

    Returns
    -------
    Plan
        Every order of the window on exactly one stop or in ``unassigned``.

    Raises
    ------
    KeyError
        When WINDOW is not defined in the scenario.

    Notes
    -----
    Without a time limit the budget is a default limit for each sub-problem
    (:func:`~basket_route.options.auto_time_limit`, at :data:`SUB_PROBLEM_DROPS_PER_SECOND`
    when the window is split), run WORKERS at a time, plus a quarter for the second pass,
    at most :data:`DEFAULT_BUDGET_CAP_S`; in reproducible mode each sub-problem stops on
    its solution limit instead, so plans do not depend on the executor or the number of
    workers.
    """
    started = time.perf_counter()
    opts = options or PlanOptions()
    day = as_date(date)
    scenario.window(window)
    if not scenario.depots:  # nobody can be on shift: the single model lists every order
        return solve_subproblem(SubProblem.of("-", scenario, day, window, opts))
    limit = DEFAULT_MAX_DROPS if max_drops is None else max_drops
    groups = _by_building(scenario, scenario.orders_in(day, window))
    rt = _round_trips(scenario, sorted(scenario.depots), list(groups))
    share = opts.drop_share or DROP_SHARE
    if opts.drop_share is None and not opts.reproducible and max_drops is None:
        # Automatic drops: sub-problems small enough for half-size drops (a district in
        # 16 sub-problems instead of 8 planned 2.7 % shorter in the same time). The cap
        # leaves room for the estimate's error (456 estimated, 475 made).
        share, limit = HALF_DROP_SHARE, int(0.9 * AUTO_HALF_MAX_DROPS)
    automatic = share == HALF_DROP_SHARE and opts.drop_share is None
    parts = tuple(_partition(scenario, day, window, limit, groups, rt, share))
    opts = opts.with_courier_groups_decided(one_model=len(parts) == 1)
    w = _Window(scenario, day, window, opts, parts, groups, rt, _points(scenario, list(groups), rt))
    slots = workers or (_slots(executor) if executor is not None else os.cpu_count() or 1)
    frags: dict[str, Plan | str] = {}
    jobs = []
    on_shift = [scenario.volunteers[v] for p in parts for v in p.volunteer_ids]
    for p in parts:
        if not p.building_ids or not p.volunteer_ids:
            nobody = [
                _without_volunteers(scenario, p, b, o, on_shift, f"{day} {window}")
                for b in p.building_ids
                for o in groups[b]
            ]
            frags[p.key] = Plan(scenario.name, day, window, (), tuple(nobody))
        else:
            jobs.append(_Job(w.sub(p), max(1, p.est_drops)))
    # The first pass gets each sub-problem its default limit and the second pass a quarter
    # more, unless there is only one part (no neighbour to offer anything to).
    first_share = _FIRST_PASS if len(parts) > 1 else 1.0
    total = opts.time_limit
    if total is None and not opts.reproducible:
        # One part is one model of the whole window: its default limit.
        rate = SUB_PROBLEM_DROPS_PER_SECOND if len(parts) > 1 else AUTO_DROPS_PER_SECOND
        work = sum(auto_time_limit(int(j.load), rate) for j in jobs)
        total = min(DEFAULT_BUDGET_CAP_S, work / min(slots, max(1, len(jobs))) / first_share)
    deadline = None if total is None else started + total - _RESERVE_S
    stop = None if deadline is None else deadline + _OVERRUN_S
    # Workers the sub-problems leave idle search them a second way (scale/portfolio.py).
    second_searches = alternatives(jobs, opts, slots) if automatic else []
    lanes = min(slots, max(1, len(jobs) + len(second_searches)))
    bar = _Bar(progress)
    runner = _Runner(executor, lanes, solve or solve_subproblem, bar)
    try:
        now = time.perf_counter()
        first = None if deadline is None else now + first_share * (deadline - now)
        frags.update(runner.run([*jobs, *second_searches], first, stop))
        searched_twice = keep_better(frags, lambda plan: _score(plan, scenario.orders))
        offers = _offers(w, frags)
        if deadline is not None and deadline - time.perf_counter() < _MIN_SECOND_S:
            offers = {}  # too late to plan a neighbour again
        by_key = {p.key: p for p in parts}
        second = [
            _Job(w.sub(by_key[k], extra), by_key[k].est_drops + len(extra))
            for k, extra in sorted(offers.items())
        ]
        results = runner.run(second, deadline, stop) if second else {}
    finally:
        runner.close()
        bar.close()
    moved: set[str] = set()
    offered: dict[str, str] = {}
    for key, extra in offers.items():
        ids = {o.order_id for o in extra}
        offered.update(dict.fromkeys(ids, key))
        new, old = results.get(key), frags[key]
        if (
            isinstance(new, Plan)
            and isinstance(old, Plan)
            and _score(new, scenario.orders) > _score(old, scenario.orders)
        ):
            frags[key] = new
            moved |= ids & set(new.order_ids_delivered())
    plans = [f for f in frags.values() if isinstance(f, Plan)]
    failed = sorted(k for k, f in frags.items() if isinstance(f, str))
    info: dict[str, Any] = {
        "sub_problems": len(jobs),
        "max_drops": limit,
        "drops": sum(int(f.solver.get("drops", 0)) for f in plans),
        "seed": opts.seed,
        "second_pass": (
            f"{len(offered)} orders offered to {len(offers)} sub-problems, {len(moved)} delivered"
        ),
    }
    if failed:
        info["failed"] = ", ".join(failed)
    if len(jobs) == 1 and len(plans) == 1:
        # One sub-problem (a one-depot window searched twice): say how its plan was found.
        info.update({k: plans[0].solver[k] for k in _SEARCH_KEYS if k in plans[0].solver})
    if second_searches:
        ran, kept = searched_twice
        info["second_search"] = (
            f"{len(second_searches)} sub-problems also searched with guided local search and "
            f"two-fifths drops on idle workers: {ran} returned a plan, {kept} kept"
        )
    if opts.reproducible:
        capped = failed or any("cap" in str(f.solver.get("mode", "")) for f in plans)
        info["mode"] = "reproducible" + (
            ", but a sub-problem hit its time cap: may vary" if capped else ""
        )
        info["solution_limit"] = opts.solution_limit or "default per sub-problem"
    else:
        info["mode"] = "time-limited (may vary with machine load)"
    if total is not None:
        info["time_limit_s"] = round(total, 3)
    return _merge(w, frags, moved, offered, info)
