"""A quarantine period: windows day after day, carry-over, drop-outs, and the ledger.

For each window, :class:`Operation` builds the *window scenario*
(:mod:`basket_route.window_scenario`: the window's new orders, the carried-over and late
ones re-dated, minus those of ended quarantines, with the crew the rest rule lets work).
:func:`~basket_route.plan_window` plans it unchanged, the plan is verified against it, and
the ledger records the result: so every order of the window appears exactly once in the
window's plan, and nothing carried over is ever dropped silently. Drop-outs are re-planned
by :mod:`basket_route.takeover`; the outcome records (:mod:`basket_route.outcomes`) are
re-exported here.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Sequence

from basket_route.ledger import (
    Ledger,
    LedgerError,
    ReceivedOrder,
    ShiftStatus,
    scenario_fingerprint,
)
from basket_route.model import Scenario, as_date
from basket_route.options import PlanOptions
from basket_route.outcomes import Outcome, Outcomes, OutcomeStatus, read_outcomes
from basket_route.outcomes import outcome_map as outcome_map
from basket_route.plan import Plan
from basket_route.solver.pipeline import plan_window
from basket_route.takeover import plan_takeover
from basket_route.volunteers import RestRule
from basket_route.window_scenario import window_intake

__all__ = ["Operation", "Outcome", "OutcomeStatus", "read_outcomes"]

DEFAULT_MAX_DOOR_ATTEMPTS = 3


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

    def window_scenario(self, date: dt.date | str, window: str) -> Scenario:
        """The scenario the plan of DATE and WINDOW is (or would now be) made from.

        Its orders are the window's new orders plus the carried-over ones, re-dated; its
        shifts those of the volunteers the rest rule lets work. Useful to verify a plan.
        """
        return window_intake(self.scenario, self.ledger, self.rest, as_date(date), window).scenario

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
        intake = window_intake(self.scenario, self.ledger, self.rest, day, window)
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
        plan = plan_takeover(
            self.scenario, self.ledger, self.options, day, w, when, gone, moved, trips
        )
        note = f"{', '.join(gone)} dropped out at {when:%H:%M}"
        self.ledger.add_replan(plan, without=gone, at=when, moved=moved, note=note)
        return plan
