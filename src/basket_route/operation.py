"""A quarantine period: windows day after day, carry-over, drop-outs, and the ledger.

For each window, :class:`Operation` builds a *window scenario* with
:func:`dataclasses.replace`: the window's new orders, plus every order carried over from
earlier windows (same ``order_id``, re-dated to this window, ``normal`` raised to ``urgent``,
its ``due`` dropped) and orders that arrived after their own window was planned; minus the
orders of households whose quarantine has ended (cancelled, with the reason); with the
shifts of the volunteers the rest rule lets work. :func:`~basket_route.plan_window` plans it
unchanged, the plan is verified against it, and the ledger records the result: so every
order of the window appears exactly once in the window's plan, and nothing carried over is
ever dropped silently.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path

import pandas as pd

from basket_route.households import ended_quarantine
from basket_route.io.tables import decode, normalise_id, parse_csv_text
from basket_route.ledger import (
    Ledger,
    LedgerError,
    OrderState,
    ReceivedOrder,
    ShiftStatus,
    scenario_fingerprint,
)
from basket_route.model import InvalidOrder, Order, Priority, Scenario, Shift, Window, as_date
from basket_route.options import PlanOptions
from basket_route.plan import Plan, Route, Trip, Unassigned, UnassignedReason
from basket_route.solver.pipeline import plan_window
from basket_route.volunteers import RestRule, crew, free_times

__all__ = ["Operation", "Outcome", "OutcomeStatus", "read_outcomes"]

DEFAULT_MAX_DOOR_ATTEMPTS = 3


class OutcomeStatus(StrEnum):
    """What really happened to an order that was on a trip."""

    DELIVERED = "delivered"
    FAILED = "failed"  # at the door: nobody answered, refused…; tried again next window
    CANCELLED = "cancelled"  # not wanted any more


@dataclass(frozen=True, slots=True)
class Outcome:
    """The outcome of one order on a trip, e.g. ``Outcome("O17", "failed", "no answer")``.

    Parameters
    ----------
    order_id
        The order.
    status
        ``delivered``, ``failed`` (at the door) or ``cancelled``.
    reason
        Free text, e.g. ``"no answer"``. Default ``""``.
    """

    order_id: str
    status: OutcomeStatus
    reason: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.order_id, str) or not self.order_id.strip():
            raise ValueError(f"order_id must be a non-empty string (got {self.order_id!r})")
        try:
            object.__setattr__(self, "status", OutcomeStatus(self.status))
        except ValueError:
            allowed = [s.value for s in OutcomeStatus]
            raise ValueError(f"status {self.status!r} not in {allowed}") from None


Outcomes = Mapping[str, "str | Outcome | tuple[str, str]"] | Iterable[Outcome] | pd.DataFrame | None


def read_outcomes(path: str | os.PathLike[str]) -> tuple[Outcome, ...]:
    """Read an outcomes CSV: ``order_id,status[,reason]``, one row per order not as planned.

    The file follows the scenario files' rules (UTF-8 with or without BOM, or GBK).

    Raises
    ------
    ValueError
        Naming the file, row and column of every bad cell, or a missing column.
    """
    file = Path(path)
    text, _ = decode(file.read_bytes(), file.name)
    table = parse_csv_text(text, file.name)
    missing = [c for c in ("order_id", "status") if c not in table.columns]
    if missing:
        raise ValueError(f"{file.name}: missing column(s) {missing} (found {list(table.columns)})")
    out: list[Outcome] = []
    errors: list[str] = []
    seen: dict[str, int] = {}
    for row in table.rows:
        oid = normalise_id(row.get("order_id") or "")
        status = (row.get("status") or "").lower()
        where = f"{file.name} row {row.line}"
        if not oid:
            errors.append(f"{where} column order_id: empty")
        elif oid in seen:
            errors.append(f"{where} column order_id: {oid!r} repeats row {seen[oid]}")
        elif status not in set(OutcomeStatus):
            allowed = [s.value for s in OutcomeStatus]
            errors.append(f"{where} column status: {status!r} not in {allowed}")
        else:
            seen[oid] = row.line
            out.append(Outcome(oid, OutcomeStatus(status), row.get("reason") or ""))
    if errors:
        raise ValueError("\n".join(errors[:20]))
    return tuple(out)


def outcome_map(outcomes: Outcomes) -> dict[str, tuple[str, str]]:
    """OUTCOMES (None, a mapping, Outcome objects or a DataFrame) as id → (status, reason)."""
    if outcomes is None:
        return {}
    items: list[Outcome] = []
    if isinstance(outcomes, pd.DataFrame):
        reasons = outcomes["reason"] if "reason" in outcomes else pd.Series("", outcomes.index)
        for oid, status, reason in zip(outcomes["order_id"], outcomes["status"], reasons,
                                       strict=True):  # fmt: skip
            items.append(Outcome(str(oid), status, "" if pd.isna(reason) else str(reason)))
    elif isinstance(outcomes, Mapping):
        for oid, value in outcomes.items():
            if isinstance(value, Outcome):
                items.append(replace(value, order_id=oid))
            elif isinstance(value, tuple):
                items.append(Outcome(oid, OutcomeStatus(value[0]), value[1]))
            else:
                items.append(Outcome(oid, OutcomeStatus(value)))
    else:
        items = list(outcomes)
    out: dict[str, tuple[str, str]] = {}
    for o in items:
        if o.order_id in out:
            raise ValueError(f"order {o.order_id} has more than one outcome")
        out[o.order_id] = (o.status.value, o.reason)
    return out


@dataclass(frozen=True, slots=True)
class _Intake:
    """What a window receives: its scenario and what the ledger must learn with its plan."""

    scenario: Scenario
    received: tuple[ReceivedOrder, ...]
    closed: tuple[tuple[str, OrderState, str, str], ...]
    priorities: Mapping[str, str]
    shifts: tuple[tuple[str, ShiftStatus, str], ...]


def _raised(priority: Priority) -> Priority:
    return Priority.URGENT if priority is Priority.NORMAL else priority


class Operation:
    """A quarantine operation: plan windows in turn, record outcomes, carry over, re-plan.

    Parameters
    ----------
    scenario
        The scenario (it may grow between calls: orders added later join the next window).
    ledger
        A :class:`~basket_route.Ledger` or the path of its SQLite file (created if needed).
    options
        How to plan each window. Default None: ``PlanOptions()``.
    rest
        The rest rule. Default None: the rule stored in the ledger, or no rule.
    max_door_attempts
        Failures at the door after which an order is given up (``failed``). Default None:
        the value stored in the ledger, or 3.

    Raises
    ------
    LedgerError
        When the ledger belongs to another scenario, or orders it holds changed in the
        scenario (the message lists them).

    Examples
    --------
    >>> import basket_route as br
    >>> op = br.Operation(br.synthetic("building", days=1), ":memory:",
    ...                   options=br.PlanOptions(reproducible=True, solution_limit=10))
    >>> for day, window in op.windows("2020-02-10", days=1):
    ...     op.record(op.plan(day, window))
    True
    True
    >>> br.service_stats(op.ledger).totals()["pending"]
    0
    """

    def __init__(
        self,
        scenario: Scenario,
        ledger: Ledger | str | os.PathLike[str],
        *,
        options: PlanOptions | None = None,
        rest: RestRule | None = None,
        max_door_attempts: int | None = None,
    ) -> None:
        if max_door_attempts is not None and (
            isinstance(max_door_attempts, bool)
            or not isinstance(max_door_attempts, int)
            or max_door_attempts < 1
        ):
            raise ValueError(
                f"max_door_attempts must be an integer >= 1 (got {max_door_attempts!r})"
            )
        self.scenario = scenario
        self.ledger = ledger if isinstance(ledger, Ledger) else Ledger(ledger)
        self.options = options or PlanOptions()
        self.fingerprint = scenario_fingerprint(scenario)
        self._check_compatible()
        self.ledger.bind_scenario(scenario.name, self.fingerprint, scenario.source)
        stored = self.ledger.meta("rest_rule")
        self.rest = rest or (RestRule.from_json(stored) if stored else RestRule())
        if stored != self.rest.to_json():
            self.ledger.set_meta("rest_rule", self.rest.to_json())
        attempts = self.ledger.meta("max_door_attempts")
        self.max_door_attempts = max_door_attempts or int(attempts or DEFAULT_MAX_DOOR_ATTEMPTS)
        if attempts != str(self.max_door_attempts):
            self.ledger.set_meta("max_door_attempts", str(self.max_door_attempts))

    def __repr__(self) -> str:
        return f"Operation({self.scenario.name!r}, {self.ledger!r}, rest={self.rest})"

    def _check_compatible(self) -> None:
        problems = []
        for oid, stored in self.ledger.received_orders().items():
            if not stored.valid:
                continue
            now = self.scenario.orders.get(oid)
            if now is None:
                problems.append(f"order {oid} is in the ledger but no longer in the scenario")
            elif not stored.same_order(ReceivedOrder.of(now, self.scenario)):
                problems.append(f"order {oid} changed since it was received")
        if problems:
            raise LedgerError(
                f"{self.ledger.path}: the scenario does not match the ledger's history "
                f"({len(problems)} problem(s)): " + "; ".join(problems[:5])
            )

    # ------------------------------------------------------------------ windows

    def windows(
        self, start: dt.date | str | None = None, days: int | None = None
    ) -> list[tuple[dt.date, str]]:
        """The (date, window) pairs of DAYS days from START, windows of a day by start time.

        Parameters
        ----------
        start
            First day. Default None: the scenario's first date.
        days
            Number of days. Default None: up to the scenario's last date.
        """
        dates = self.scenario.dates()
        if not dates and (start is None or days is None):
            return []
        first = as_date(start) if start is not None else dates[0]
        n = days if days is not None else (dates[-1] - first).days + 1
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise ValueError(f"days must be an integer >= 0 (got {days!r})")
        names = sorted(self.scenario.settings.windows.values(), key=lambda w: w.start)
        return [(first + dt.timedelta(days=i), w.name) for i in range(n) for w in names]

    def _start(self, order: Order | InvalidOrder) -> dt.datetime | None:
        window = self.scenario.settings.windows.get(order.window or "")
        if window is None or order.date is None:
            return None
        return window.at(order.date)

    def _intake(self, day: dt.date, window: str) -> _Intake:
        sc = self.scenario
        start = sc.window(window).at(day)
        known = self.ledger.received_orders()
        first = self.ledger.first_start() or start
        orders: dict[str, Order] = {}
        received: list[ReceivedOrder] = []
        closed: list[tuple[str, OrderState, str, str]] = []
        taken: list[tuple[Order, bool]] = []  # (order, late or carried over)
        for o in sorted(sc.orders.values(), key=lambda o: o.order_id):
            at = self._start(o)
            if o.order_id in known or at is None or not first <= at <= start:
                continue
            received.append(ReceivedOrder.of(o, sc))
            taken.append((o, at < start))
        # the compatibility check keeps every valid order of the ledger in the scenario
        taken += [(sc.orders[oid], True) for oid in self.ledger.carried_over() if oid in sc.orders]
        ended = ended_quarantine(sc, (o for o, _ in taken), day)
        for o, late in taken:
            if o.order_id in ended:
                closed.append(
                    (o.order_id, OrderState.CANCELLED, "quarantine_ended", ended[o.order_id])
                )
            elif late:
                orders[o.order_id] = replace(
                    o, date=day, window=window, due=None, priority=_raised(o.priority)
                )
            else:
                orders[o.order_id] = o
        invalid: dict[str, InvalidOrder] = {}
        for inv in sorted(sc.invalid_orders.values(), key=lambda o: o.order_id):
            if inv.order_id in known:
                continue
            at = self._start(inv)
            here = inv.window == window and (inv.date is None or inv.date == day)
            if inv.window not in sc.settings.windows or here:
                invalid[inv.order_id] = inv  # listed by the plan (rejected / unassigned)
            elif at is not None and first <= at < start:
                closed.append((inv.order_id, OrderState.FAILED, "invalid", inv.detail))
            else:
                continue
            received.append(ReceivedOrder.of(inv, sc))
        allowed, rested = crew(sc, day, window, self.rest, self.ledger.worked())
        shifts = tuple(Shift(v, day, window) for v in allowed)
        scenario = replace(sc, orders=orders, invalid_orders=invalid, shifts=shifts)
        return _Intake(
            scenario,
            tuple(received),
            tuple(closed),
            {oid: o.priority.value for oid, o in orders.items()},
            tuple((v, ShiftStatus.RESTED, rested[v]) for v in sorted(rested)),
        )

    def window_scenario(self, date: dt.date | str, window: str) -> Scenario:
        """The scenario the plan of DATE and WINDOW is (or would now be) made from.

        Its orders are the window's new orders plus the carried-over ones, re-dated; its
        shifts those of the volunteers the rest rule lets work. Useful to verify a plan.
        """
        return self._intake(as_date(date), window).scenario

    def plan(self, date: dt.date | str, window: str) -> Plan:
        """Plan DATE and WINDOW and write the plan to the ledger.

        When the window is planned already (a resumed run), its stored plan is returned
        and nothing is planned again.

        Returns
        -------
        Plan
            Lists every order of the window scenario exactly once: new orders, carried-over
            ones (with their original ids) and invalid rows.

        Raises
        ------
        KeyError
            When WINDOW is not defined.
        LedgerError
            When a later window is planned already (windows are planned in time order).
        RuntimeError
            When the plan fails verification (an internal error; nothing is written).
        """
        day = as_date(date)
        w = self.scenario.window(window)
        if self.ledger.window_status(day, window) is not None:
            return self.ledger.plans(day, window)[0]
        intake = self._intake(day, window)
        plan = plan_window(intake.scenario, day, window, self.options)
        check = plan.verify(intake.scenario)
        if not check.ok:
            raise RuntimeError(f"internal error: the plan of {day} {window} fails:\n{check}")
        working = {r.volunteer_id for r in plan.routes if r.trips}
        on = [s.volunteer_id for s in intake.scenario.shifts]
        status = {v: ShiftStatus.WORKED if v in working else ShiftStatus.STANDBY for v in on}
        self.ledger.add_plan(
            plan,
            start=w.at(day),
            fingerprint=self.fingerprint,
            rest_rule=self.rest.to_json(),
            received=intake.received,
            closed=intake.closed,
            priorities=intake.priorities,
            shifts=[*((v, s, "") for v, s in status.items()), *intake.shifts],
        )
        return plan

    def record(self, plan: Plan, outcomes: Outcomes = None) -> bool:
        """Record what happened in PLAN's window.

        Parameters
        ----------
        plan
            A plan returned by :meth:`plan` (its date and window are recorded, with any
            re-plan made since).
        outcomes
            The orders that were not delivered as planned: a mapping id → status (or
            ``(status, reason)`` or :class:`Outcome`), Outcome objects, or a DataFrame with
            columns order_id, status[, reason]. Default None: everything on a trip was
            delivered as planned. A ``failed`` order is carried over to the next window
            (until it has failed ``max_door_attempts`` times).

        Returns
        -------
        bool
            False when the window was recorded already with the same outcomes.
        """
        return self.ledger.record(
            plan.date, plan.window, outcome_map(outcomes), max_door_attempts=self.max_door_attempts
        )

    def run(
        self,
        start: dt.date | str | None = None,
        days: int | None = None,
        *,
        outcomes: Callable[[Plan], Outcomes] | None = None,
        progress: Callable[[dt.date, str, Plan | None], None] | None = None,
    ) -> list[Plan]:
        """Plan and record every window of DAYS days from START; resumes a partial run.

        Windows recorded already are skipped; a window planned but not recorded (a run
        killed in between) is recorded from its stored plan.

        Parameters
        ----------
        start, days
            As :meth:`windows`.
        outcomes
            Called with each plan; returns its outcomes (see :meth:`record`). Default None:
            everything delivered as planned.
        progress
            Called after each window with (date, window, plan), plan None when skipped.

        Returns
        -------
        list of Plan
            The plans of the windows planned or recorded by this call.
        """
        done = []
        for day, window in self.windows(start, days):
            if self.ledger.window_status(day, window) == "recorded":
                if progress is not None:
                    progress(day, window, None)
                continue
            plan = self.plan(day, window)
            self.record(plan, None if outcomes is None else outcomes(plan))
            done.append(plan)
            if progress is not None:
                progress(day, window, plan)
        return done

    # ------------------------------------------------------------------ drop-outs

    def replan(
        self,
        date: dt.date | str,
        window: str,
        without: str | Sequence[str],
        at: dt.time | str | None = None,
    ) -> Plan:
        """Re-plan what volunteers who dropped out had not yet delivered, on the others.

        Parameters
        ----------
        date, window
            A window planned and not recorded yet.
        without
            The volunteer(s) who dropped out.
        at
            When they dropped out (``"15:30"``): stops they reached before it count as
            delivered, later ones are re-planned. Default None: the window's start.

        Returns
        -------
        Plan
            A supplementary plan of the same window listing exactly the re-planned orders:
            on new trips of volunteers of the crew (after the trips they already have), or
            unassigned — those are carried over to the next window. Empty when there was
            nothing to re-plan.

        Raises
        ------
        LedgerError
            When the window is not planned or is recorded already.
        ValueError
            When a volunteer is unknown or AT is not inside the window.
        """
        day = as_date(date)
        w = self.scenario.window(window)
        status = self.ledger.window_status(day, window)
        if status != "planned":
            state = "not planned" if status is None else "recorded already"
            raise LedgerError(f"{day} {window} is {state}: only a planned window can be re-planned")
        gone = [without] if isinstance(without, str) else sorted(set(without))
        unknown = [v for v in gone if v not in self.scenario.volunteers]
        if unknown or not gone:
            raise ValueError(f"without must name known volunteers (unknown: {unknown})")
        end = dt.datetime.combine(day, w.end)
        when = w.at(day)
        if at is not None:
            when = dt.datetime.combine(
                day, at if isinstance(at, dt.time) else dt.time.fromisoformat(at)
            )
            if not w.at(day) <= when < end:
                raise ValueError(
                    f"at {when:%H:%M} is not inside window {window} ({w.start:%H:%M}-{w.end:%H:%M})"
                )
        moved = sorted(
            oid
            for oid, (vid, arrive) in self.ledger.assigned(day, window).items()
            if vid in gone and arrive >= when
        )
        trips = self.ledger.trips()
        trips = trips[(trips["date"] == day.isoformat()) & (trips["window"] == window)]
        theirs = trips[trips["volunteer_id"].isin(gone) & (trips["back"] > when.isoformat())]
        if not moved and theirs.empty:  # nothing left to take over: re-planning is a no-op
            return Plan(self.scenario.name, day, window, (), (), solver={"replan": "nothing to do"})
        plan = self._takeover(day, w, when, gone, moved, trips)
        note = f"{', '.join(gone)} dropped out at {when:%H:%M}"
        self.ledger.add_replan(plan, without=gone, at=when, moved=moved, note=note)
        return plan

    def _takeover(
        self,
        day: dt.date,
        w: Window,
        when: dt.datetime,
        gone: Sequence[str],
        moved: Sequence[str],
        trips: pd.DataFrame,
    ) -> Plan:
        """Plan MOVED on the rest of the crew, each volunteer once free of their own trips.

        Passes at increasing start times: at each, the volunteers free by then (last return
        plus reload) plan what is left in the rest of the window.
        """
        sc = self.scenario
        shifts = self.ledger.shifts()
        on = shifts[
            (shifts["date"] == day.isoformat())
            & (shifts["window"] == w.name)
            & shifts["status"].isin([ShiftStatus.WORKED.value, ShiftStatus.STANDBY.value])
        ]
        crew_ids = sorted(set(on["volunteer_id"]) - set(gone))
        reload = dt.timedelta(seconds=sc.settings.service.reload_s)
        times = free_times(trips, crew_ids, when, sc.settings.service.reload_s)
        free = {v: f for v, (f, _) in times.items()}
        made = {v: n for v, (_, n) in times.items()}
        end = dt.datetime.combine(day, w.end)
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
                derived = self._pass_scenario(day, w, t, remaining, pool, made)
                part = plan_window(derived, day, w.name, self.options)
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
            w.name,
            _merge_routes(routes),
            tuple(left),
            solver={"replan_without": ",".join(gone), "at": f"{when:%H:%M}", "passes": passes},
        )

    def _pass_scenario(
        self,
        day: dt.date,
        w: Window,
        t: dt.datetime,
        orders: Mapping[str, Order],
        pool: Iterable[str],
        made: Mapping[str, int],
    ) -> Scenario:
        sc = self.scenario
        windows = dict(sc.settings.windows)
        windows[w.name] = Window(w.name, t.time(), w.end)
        settings = replace(sc.settings, windows=windows)
        dated = {}
        for oid, o in orders.items():
            late = (o.date, o.window) != (day, w.name)
            due = None if late or o.due is None or o.due <= t.time() else o.due
            prio = _raised(o.priority) if late else o.priority
            dated[oid] = replace(o, date=day, window=w.name, due=due, priority=prio)
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
            shifts=tuple(Shift(v, day, w.name) for v in sorted(pool)),
        )


def _merge_routes(routes: Iterable[Route]) -> tuple[Route, ...]:
    by: dict[str, list[Trip]] = {}
    for r in routes:
        by.setdefault(r.volunteer_id, []).extend(r.trips)
    return tuple(
        Route(v, tuple(sorted(trips, key=lambda t: t.depart))) for v, trips in sorted(by.items())
    )
