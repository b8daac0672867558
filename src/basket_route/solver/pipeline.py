"""plan_window: scenario, date, window → Plan. One function, each stage a call.

screen (certain reasons) → drops (batching) → routing problem (drop_model) →
OR-Tools search (routing core) → trips re-timed at the earliest (drop_model) → Plan, where every order
of the window is on a stop or in ``unassigned`` with its reason.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from concurrent.futures import Executor
from typing import Any

from basket_route.model import Scenario, as_date
from basket_route.options import PlanOptions, auto_time_limit, default_solution_limit
from basket_route.plan import Plan, Route, Unassigned, UnassignedReason
from basket_route.solver.batching import (
    Drop,
    auto_drops,
    make_drops,
)
from basket_route.solver.drop_model import build_drop_model, retime
from basket_route.solver.problem import WindowProblem, build_window_problem, screen
from basket_route.solver.routing import ITERATED_LOCAL_SEARCH, SearchParams, solve_routing
from basket_route.solver.warm import warm_routes

__all__ = ["plan_window"]

_RESERVE_S = 0.15  # kept back from the search for building the plan
REPRODUCIBLE_FAILURE_LIMIT = 20_000
"""Failed moves after which a reproducible search stops even short of its solution limit."""
REPRODUCIBLE_METAHEURISTIC = "GUIDED_LOCAL_SEARCH"
"""Reproducible mode runs this instead of ``ITERATED_LOCAL_SEARCH``: OR-Tools' ILS loop
stops only at its time limit when every perturbation fails (it does when the recreate step
breaks a courier's trip chain), so a solution limit alone cannot end it. So do chained
models of more than :data:`CHAINED_ILS_MAX_DROPS` drops, or of more than
:data:`CHAINED_ILS_DROPS_PER_SECOND` per second of search."""
CHAINED_ILS_MAX_DROPS = 400
"""Largest chained (multi-trip) model searched by ILS. ILS cannot start from our routes: it
rebuilds them by insertion, which does not see chains and grows steeply with the drops
(about 1 s for 317 drops; a 10 s search of 871 drops ran 102 s). Guided local search
starts from the routes themselves: on 450 whole-trip drops it planned 205.1 km where ILS
planned 222.7 km in the same 18 s (196.5 against 202.2 km in an earlier pair of runs;
docs/benchmarks.md)."""
CHAINED_ILS_DROPS_PER_SECOND = 40
"""ILS also needs time: chained models of more drops than this per second of search run
guided local search. Six compound windows (291-340 half-size drops): at 5 s guided local
search planned 52.25 km on average against ILS's 52.60; at 10 s ILS 52.03 against 52.12,
and ILS keeps improving to 60 s."""


def _dropped_detail(problem: WindowProblem, drop: Drop) -> str:
    w = problem.window
    if drop.due_s is not None:
        due = problem.window.at(problem.date, drop.due_s)
        return f"could not be delivered to {drop.building_id} by {due:%H:%M} with the volunteers on shift"
    return f"could not fit in window {w.name} ({w.start:%H:%M}-{w.end:%H:%M}) with the volunteers on shift"


def plan_window(
    scenario: Scenario,
    date: dt.date | str,
    window: str,
    options: PlanOptions | None = None,
    *,
    time_limit: float | None = None,
    seed: int | None = None,
    reproducible: bool | None = None,
    executor: Executor | None = None,
    max_drops: int | None = None,
    partition: bool | None = None,
    progress: bool = False,
    warm_start: Plan | None = None,
) -> Plan:
    """Plan one collection window: drops, trips for the volunteers on shift, reasons.

    Parameters
    ----------
    scenario
        The scenario (see :func:`basket_route.load_scenario`).
    date
        The day, a :class:`datetime.date` or an ISO string.
    window
        The window's name, e.g. ``"AM"``.
    options
        Planning options. Default None: ``PlanOptions()``.
    time_limit, seed, reproducible
        Shortcuts that override the same fields of OPTIONS when given. Default None.
    executor
        Solve the window as independent sub-problems (per depot) on this
        :class:`concurrent.futures.Executor`, e.g. ``distributed.Client(...).get_executor()``;
        see :func:`basket_route.scale.plan_partitioned`. Default None: one model, unless
        the window is large or has several depots (see PARTITION).
    max_drops
        A window (or depot) estimated at more drops is split into sub-problems, solved on
        a process pool when no EXECUTOR is given. Default None: 1,500; with automatic
        drops (``drop_share=None``, not reproducible) 400 half-size drops, the most one
        model takes (:data:`~basket_route.solver.batching.AUTO_HALF_MAX_DROPS`).
    partition
        True: always split into sub-problems; False: never (one model). Default None:
        split when EXECUTOR is given, when the window is large, or when it is time-limited,
        has no WARM_START, at least 200 orders and volunteers on shift at two depots or
        more (:func:`basket_route.scale.estimate.several_depots`: per-depot sub-problems
        planned 1.5-6 % shorter there), or when the default search of a window of at
        least 200 orders can use a second core on Linux
        (:func:`basket_route.scale.estimate.second_search_pays`: the idle core searches it
        a second way, the better plan is kept). Split windows without an EXECUTOR run on a
        process pool.
    progress
        Show a progress bar of sub-problems done (split windows only). Default False.
    warm_start
        An earlier plan to start the search from, so that couriers keep their trips: this
        window's (planned again with late orders or more time) or another window's (its
        couriers on the same buildings); see :mod:`basket_route.solver.warm`. It is used
        only when it costs no more than the constructive start (measured: rarely with late
        orders, never with the previous window's plan; docs/benchmarks.md); ``plan.solver["warm_start"]`` says what it
        placed, ``plan.solver["first_solution"]`` whether it was used. Ignored, with a
        note, when the window is split into sub-problems. Default None.

    Returns
    -------
    Plan
        Every order of the window is on exactly one stop or in ``plan.unassigned``.

    Raises
    ------
    KeyError
        When WINDOW is not defined in the scenario.
    ValueError
        When DATE is not a date or an option is out of range.

    Notes
    -----
    The default stops the search on wall time, so plans may vary with machine load; use
    ``reproducible=True`` for byte-identical plans from the same input and seed.

    Examples
    --------
    >>> import basket_route as br
    >>> scenario = br.synthetic("building", seed=0)
    >>> plan = br.plan_window(scenario, "2020-02-10", "AM", reproducible=True)
    >>> plan.verify(scenario).ok
    True
    """
    started = time.perf_counter()
    opts = (options or PlanOptions()).with_overrides(
        time_limit=time_limit, seed=seed, reproducible=reproducible
    )
    day = as_date(date)
    if partition is not False:
        # scale calls back with partition=False
        from basket_route.scale.estimate import split_by_default

        one_model_asked = warm_start is not None
        if (
            partition
            or executor is not None
            or split_by_default(scenario, day, window, opts, max_drops, warm_start=one_model_asked)
        ):
            from basket_route.scale.window import plan_partitioned

            split = plan_partitioned(
                scenario,
                day,
                window,
                opts,
                executor=executor,
                max_drops=max_drops,
                progress=progress,
            )
            if warm_start is None:
                return split
            note = "ignored: the window was split into sub-problems"
            return dataclasses.replace(split, solver={**split.solver, "warm_start": note})
    problem = build_window_problem(scenario, day, window)
    eligible, unassigned = screen(problem)
    if opts.drop_share is None:
        drops, share = auto_drops(problem, eligible, opts.time_limit, opts.reproducible)
    else:
        drops, share = make_drops(problem, eligible, opts.drop_share), opts.drop_share
    unassigned += [
        Unassigned(o.order_id, UnassignedReason.INVALID, o.detail) for o in problem.invalid
    ]
    limit = opts.time_limit if opts.time_limit is not None else auto_time_limit(len(drops))
    info: dict[str, Any] = {"drops": len(drops), "drop_share": share, "seed": opts.seed}
    routes: list[Route] = []
    if drops:
        model = build_drop_model(problem, drops, opts.seed)
        initial = None
        if warm_start is not None:
            initial, placed = warm_routes(
                problem,
                model.problem,
                model.drops,
                len(model.depot_nodes),
                model.chains,
                warm_start,
            )
            info["warm_start"] = f"{placed} of {len(drops)} drops placed as in the given plan"
        search_s = max(0.05, limit - (time.perf_counter() - started) - _RESERVE_S)
        solution_limit = None
        if opts.reproducible:
            solution_limit = opts.solution_limit or default_solution_limit(len(drops))
            if opts.time_limit is None:  # only a safety cap: the solution limit should stop first
                search_s = max(60.0, 20 * auto_time_limit(len(drops)))
        metaheuristic = opts.metaheuristic
        ils_too_slow = bool(model.problem.chains) and len(drops) > min(
            CHAINED_ILS_MAX_DROPS, CHAINED_ILS_DROPS_PER_SECOND * search_s
        )
        if metaheuristic == ITERATED_LOCAL_SEARCH and (opts.reproducible or ils_too_slow):
            metaheuristic = REPRODUCIBLE_METAHEURISTIC
        params = SearchParams(
            time_limit=search_s,
            solution_limit=solution_limit,
            failure_limit=REPRODUCIBLE_FAILURE_LIMIT if opts.reproducible else None,
            first_solution=opts.first_solution,
            metaheuristic=metaheuristic,
            log=opts.log,
            multi_trip=opts.multi_trip,
            courier_groups=bool(opts.with_courier_groups_decided(one_model=True).courier_groups),
        )
        result = solve_routing(model.problem, params, initial_routes=initial)
        routes, _lost = retime(problem, model, result)  # lost drops are re-listed below
        served = {o for r in routes for t in r.trips for o in t.order_ids}
        for d in model.drops:
            if d.order_ids[0] not in served:
                detail = _dropped_detail(problem, d)
                if not result.solved:
                    detail += f" (the solver found no solution: {result.status})"
                unassigned += [
                    Unassigned(o, UnassignedReason.OUT_OF_TIME, detail) for o in d.order_ids
                ]
        info.update(
            {
                "vehicles": len(model.problem.vehicles),
                "status": result.status,
                "first_solution": result.first_solution or "none",
                "metaheuristic": metaheuristic,
                "multi_trip": opts.multi_trip,
            }
        )
        if result.groups.tried:
            info["courier_groups"] = f"{result.groups.improved} of {result.groups.tried} improved"
        if result.recombination:
            info["recombination"] = result.recombination
        if opts.reproducible:
            capped = result.wall_s >= 0.98 * search_s
            mode = (
                "reproducible"
                if not capped
                else "reproducible, but the time cap was reached: may vary"
            )
            info.update({"mode": mode, "solution_limit": solution_limit})
        else:
            info.update(
                {
                    "mode": "time-limited (may vary with machine load)",
                    "time_limit_s": round(limit, 3),
                }
            )
    rejected = [
        Unassigned(o.order_id, UnassignedReason.INVALID, o.detail)
        for o in scenario.unplaced_orders()
    ]
    return Plan(
        scenario=scenario.name,
        date=day,
        window=window,
        routes=tuple(routes),
        unassigned=tuple(sorted(unassigned, key=lambda u: u.order_id)),
        rejected=tuple(rejected),
        solver=info,
    )
