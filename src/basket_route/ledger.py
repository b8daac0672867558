"""The delivery ledger: what a quarantine operation planned and what really happened.

One SQLite file (stdlib :mod:`sqlite3`) holds the scenario's fingerprint, every plan (its
JSON), every order with its state over time, every trip and every volunteer shift.
Statistics are computed from it (:mod:`basket_route.stats`).

Every write is one transaction (``BEGIN IMMEDIATE`` … ``COMMIT`` with SQLite's rollback
journal), so a process killed mid-write leaves the last committed state; recording a window
again with the same outcomes changes nothing; the schema version is stored and checked.

Order states: ``planned`` (on a trip, outcome not recorded yet), ``carried_over`` (not
served in a window, waiting for the next one), ``delivered``, ``failed`` (given up, with a
reason) and ``cancelled`` (with a reason). The first two are *pending*; at any time
``received = delivered + pending + cancelled + failed``.

The file and its schema are in :mod:`basket_route.ledger_schema`, the states and records it
stores in :mod:`basket_route.ledger_records`, its queries in :mod:`basket_route.ledger_queries`
(the base of :class:`Ledger`) and its row-level writes in :mod:`basket_route.ledger_rows`;
this module is the public one: import the names of ``__all__`` from here.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Self

from basket_route.ledger_queries import LedgerQueries
from basket_route.ledger_records import (
    LedgerError,
    OrderState,
    ReceivedOrder,
    ShiftStatus,
    scenario_fingerprint,
)
from basket_route.ledger_rows import append_event, insert_plan, later_planned, refresh_states
from basket_route.ledger_schema import SCHEMA_VERSION, connect, timestamp
from basket_route.plan import Plan, UnassignedReason

__all__ = [
    "SCHEMA_VERSION",
    "Ledger",
    "LedgerError",
    "OrderState",
    "ReceivedOrder",
    "ShiftStatus",
    "scenario_fingerprint",
]


class _Unchanged(Exception):
    """Raised inside a transaction to roll back a write that would change nothing."""


def _iso(value: dt.date | dt.time | None) -> str | None:
    return None if value is None else value.isoformat()


class Ledger(LedgerQueries):
    """The delivery log of a quarantine operation, in one SQLite file.

    Parameters
    ----------
    path
        The ledger file; ``":memory:"`` for a ledger that lives as long as the object.
    create
        Create the file when it does not exist. Default True.

    Raises
    ------
    LedgerError
        When the file is not a basket_route ledger, or its schema version is not
        :data:`SCHEMA_VERSION`, or it does not exist and CREATE is False.

    Notes
    -----
    :class:`~basket_route.Operation` writes the ledger; the reading methods return pandas
    DataFrames. The file can be opened with any SQLite tool; its tables are ``meta``,
    ``scenarios``, ``windows``, ``plans``, ``orders`` (current state), ``events`` (every
    state of every order), ``trips`` and ``shifts``.
    """

    def __init__(self, path: str | os.PathLike[str], *, create: bool = True) -> None:
        self.path = Path(path) if str(path) != ":memory:" else Path(":memory:")
        self._conn = connect(path, create=create)

    def __repr__(self) -> str:
        return f"Ledger({str(self.path)!r})"

    def close(self) -> None:
        """Close the file (every write is already committed)."""
        self._conn.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ low level

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Cursor]:
        """One write transaction: committed at the end, rolled back on any exception."""
        cur = self._conn.cursor()
        cur.execute("BEGIN IMMEDIATE")
        try:
            yield cur
        except BaseException:
            cur.execute("ROLLBACK")
            raise
        cur.execute("COMMIT")

    def set_meta(self, key: str, value: str) -> None:
        """Set a value of the ``meta`` table (one transaction)."""
        with self._tx() as cur:
            cur.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    # ------------------------------------------------------------------ scenario

    def bind_scenario(self, name: str, fingerprint: str, source: str) -> None:
        """Record that scenario NAME with FINGERPRINT is (now) used with this ledger.

        Raises
        ------
        LedgerError
            When the ledger belongs to a scenario of another name.
        """
        known = self.meta("scenario_name")
        if known is not None and known != name:
            raise LedgerError(
                f"{self.path}: this ledger belongs to scenario {known!r}, not {name!r}; "
                "use another ledger file"
            )
        with self._tx() as cur:
            cur.execute("INSERT OR IGNORE INTO meta VALUES ('scenario_name', ?)", (name,))
            cur.execute("INSERT OR REPLACE INTO meta VALUES ('fingerprint', ?)", (fingerprint,))
            cur.execute(
                "INSERT OR IGNORE INTO scenarios VALUES (?, ?, ?, ?)",
                (fingerprint, name, source, timestamp()),
            )

    # ------------------------------------------------------------------ writes

    def _stops(self, cur: sqlite3.Cursor, plan: Plan, plan_id: int, phase: str,
               priorities: Mapping[str, str]) -> None:  # fmt: skip
        day = plan.date.isoformat()
        for route in plan.routes:
            for k, trip in enumerate(route.trips, 1):
                for stop in trip.stops:
                    for oid in stop.order_ids:
                        append_event(
                            cur, oid, day, plan.window, phase, OrderState.PLANNED,
                            plan_id=plan_id, volunteer=route.volunteer_id, trip=k,
                            arrive=stop.arrive.isoformat(), priority=priorities.get(oid),
                        )  # fmt: skip
                cur.execute(
                    "INSERT INTO trips VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)",
                    (plan_id, route.volunteer_id, k, day, plan.window, trip.depart.isoformat(),
                     trip.return_.isoformat(), trip.distance_m, trip.load_kg, trip.bags,
                     len(trip.order_ids)),
                )  # fmt: skip

    def add_plan(
        self,
        plan: Plan,
        *,
        start: dt.datetime,
        fingerprint: str,
        rest_rule: str,
        received: Sequence[ReceivedOrder],
        closed: Sequence[tuple[str, OrderState, str, str]] = (),
        priorities: Mapping[str, str] | None = None,
        shifts: Sequence[tuple[str, ShiftStatus, str]] = (),
    ) -> None:
        """Write the plan of a window, in one transaction.

        Parameters
        ----------
        plan
            The window's plan.
        start
            When the window starts (windows are planned in time order).
        fingerprint, rest_rule
            The scenario's fingerprint and the rest rule's JSON in force.
        received
            Orders that enter the ledger with this window.
        closed
            (order_id, state, reason, detail) decided before planning: orders cancelled
            (quarantine ended) or failed (invalid rows that belong to no plan).
        priorities
            The priority each order of the plan was planned with. Default None.
        shifts
            (volunteer_id, status, detail) of every volunteer rostered for the window.

        Raises
        ------
        LedgerError
            When the window is planned already, a later window is, or an order of the
            plan is unknown to the ledger.
        """
        day, window = plan.date.isoformat(), plan.window
        with self._tx() as cur:
            if self.window_status(plan.date, window) is not None:
                raise LedgerError(f"{day} {window} is planned already")
            later = later_planned(cur, start.isoformat())
            if later:
                raise LedgerError(
                    f"{day} {window} starts before {later[0]}, which is planned already: "
                    "windows are planned in time order"
                )
            cur.execute(
                "INSERT INTO windows VALUES (?, ?, ?, 'planned', ?, ?, ?, NULL)",
                (day, window, start.isoformat(), fingerprint, rest_rule, timestamp()),
            )
            plan_id = insert_plan(cur, plan, "plan", None, None)
            cur.executemany(
                "INSERT INTO orders (order_id, household_id, building_id, date, window, "
                "weight_kg, bags, priority, due, valid, received_date, received_window, state) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'planned')",
                [
                    (r.order_id, r.household_id, r.building_id, _iso(r.date), r.window,
                     r.weight_kg, r.bags, r.priority, _iso(r.due), int(r.valid), day, window)
                    for r in received
                ],
            )  # fmt: skip
            for oid, state, reason, detail in closed:
                append_event(cur, oid, day, window, "plan", state, reason, detail)
            self._stops(cur, plan, plan_id, "plan", priorities or {})
            for u in (*plan.unassigned, *plan.rejected):
                invalid = u.reason is UnassignedReason.INVALID
                state = OrderState.FAILED if invalid else OrderState.CARRIED_OVER
                append_event(
                    cur, u.order_id, day, window, "plan", state, u.reason.value, u.detail,
                    plan_id=plan_id, priority=(priorities or {}).get(u.order_id),
                )  # fmt: skip
            cur.executemany(
                "INSERT INTO shifts VALUES (?, ?, ?, ?, ?)",
                [(day, window, v, s.value, d) for v, s, d in shifts],
            )

    def add_replan(
        self,
        plan: Plan,
        *,
        without: Sequence[str],
        at: dt.datetime,
        moved: Sequence[str],
        note: str,
    ) -> None:
        """Write a mid-window re-plan after volunteers WITHOUT dropped out AT, in one transaction.

        Parameters
        ----------
        plan
            The supplementary plan: the MOVED orders on the remaining volunteers' trips,
            or unassigned (then carried over).
        without
            The volunteers who dropped out: their trips from AT on are removed, a trip
            under way at AT is cut there, and their shift is ``dropped_out`` when nothing
            of theirs remains.
        at
            When they dropped out.
        moved
            The orders taken from them (they must be planned on their trips).
        note
            Appended to the detail of orders the re-plan could not place.
        """
        day, window = plan.date.isoformat(), plan.window
        with self._tx() as cur:
            if self.window_status(plan.date, window) != "planned":
                raise LedgerError(f"{day} {window} is not planned or is recorded already")
            plan_id = insert_plan(cur, plan, "replan", ",".join(without), at.isoformat())
            when = at.isoformat()
            for vid in without:
                args = (day, window, vid)
                cur.execute(
                    "DELETE FROM trips WHERE date = ? AND window = ? AND volunteer_id = ? "
                    "AND depart >= ?",
                    (*args, when),
                )
                cur.execute(
                    "UPDATE trips SET cut_at = ? WHERE date = ? AND window = ? AND "
                    "volunteer_id = ? AND back > ?",
                    (when, *args, when),
                )
                left = cur.execute(
                    "SELECT COUNT(*) FROM trips WHERE date = ? AND window = ? AND volunteer_id = ?",
                    args,
                ).fetchone()[0]
                status = ShiftStatus.WORKED if left else ShiftStatus.DROPPED_OUT
                cur.execute(
                    "INSERT OR REPLACE INTO shifts VALUES (?, ?, ?, ?, ?)",
                    (*args, status.value, f"dropped out at {at:%H:%M}"),
                )
            assigned = self.assigned(plan.date, window)
            stray = [o for o in moved if o not in assigned]
            listed = [*plan.order_ids_delivered(), *(u.order_id for u in plan.unassigned)]
            if stray or sorted(listed) != sorted(moved):
                raise LedgerError(
                    f"the re-plan of {day} {window} must list exactly the moved orders, each "
                    f"planned there (not planned: {stray[:5]})"
                )
            self._stops(cur, plan, plan_id, "replan", {})
            for u in plan.unassigned:
                append_event(
                    cur, u.order_id, day, window, "replan", OrderState.CARRIED_OVER,
                    u.reason.value, f"{u.detail}; {note}" if u.detail else note, plan_id=plan_id,
                )  # fmt: skip
            for route in plan.routes:
                if route.trips:
                    cur.execute(
                        "INSERT INTO shifts VALUES (?, ?, ?, 'worked', '') ON CONFLICT DO "
                        "UPDATE SET status = 'worked'",
                        (day, window, route.volunteer_id),
                    )

    def record(
        self,
        day: dt.date,
        window: str,
        outcomes: Mapping[str, tuple[str, str]],
        *,
        max_door_attempts: int | None = None,
    ) -> bool:
        """Record what happened to the orders on the trips of DAY and WINDOW (one transaction).

        Parameters
        ----------
        day, window
            The window, which must be planned.
        outcomes
            order_id → (status, reason) for orders that were *not* delivered as planned:
            status ``failed`` (at the door; carried over to the next window, or failed for
            good at the MAX_DOOR_ATTEMPTS-th failure) or ``cancelled``; ``delivered`` is
            allowed too. Every other order on a trip is delivered.
        max_door_attempts
            Failures at the door after which an order is given up. Default None: the
            value stored in the ledger (``meta``), or 3.

        Returns
        -------
        bool
            False when the window was recorded already with the same outcomes (nothing
            changed), True otherwise.

        Raises
        ------
        LedgerError
            When the window is not planned, an outcome names an order that is not on a
            trip of the window, or the window's outcomes would change after a later window
            was planned (its carry-over is already planned).
        """
        d, w = day.isoformat(), window
        if max_door_attempts is None:
            max_door_attempts = int(self.meta("max_door_attempts") or 3)
        try:
            with self._tx() as cur:
                status = self.window_status(day, window)
                if status is None:
                    raise LedgerError(f"{d} {w} is not planned: plan it before recording it")
                old = sorted(cur.execute(
                    "SELECT order_id, state, reason, detail, volunteer_id FROM events "
                    "WHERE date = ? AND window = ? AND phase = 'record'", (d, w),
                ).fetchall())  # fmt: skip
                cur.execute(
                    "DELETE FROM events WHERE date = ? AND window = ? AND phase = 'record'", (d, w)
                )
                refresh_states(cur, [r[0] for r in old])
                assigned = self.assigned(day, window)
                stray = sorted(set(outcomes) - set(assigned))
                if stray:
                    raise LedgerError(
                        f"outcomes for orders that are not on a trip of {d} {w}: "
                        + ", ".join(stray[:5])
                        + (" …" if len(stray) > 5 else "")
                    )
                failures = dict(cur.execute(
                    "SELECT order_id, door_failures FROM orders WHERE state = 'planned'"
                ).fetchall())  # fmt: skip
                for oid in sorted(assigned):
                    vid = assigned[oid][0]
                    status_, why = outcomes.get(oid, ("delivered", ""))
                    if status_ == "delivered":
                        append_event(cur, oid, d, w, "record", OrderState.DELIVERED, volunteer=vid)
                    elif status_ == "cancelled":
                        append_event(cur, oid, d, w, "record", OrderState.CANCELLED, "cancelled",
                                     why or "cancelled", volunteer=vid)  # fmt: skip
                    else:
                        n = int(failures.get(oid, 0)) + 1
                        final = n >= max_door_attempts
                        state = OrderState.FAILED if final else OrderState.CARRIED_OVER
                        detail = (
                            f"{why or 'failed at the door'} (attempt {n} of {max_door_attempts}"
                        )
                        detail += "; given up)" if final else ")"
                        append_event(cur, oid, d, w, "record", state, "failed_at_door", detail,
                                     volunteer=vid)  # fmt: skip
                new = sorted(cur.execute(
                    "SELECT order_id, state, reason, detail, volunteer_id FROM events "
                    "WHERE date = ? AND window = ? AND phase = 'record'", (d, w),
                ).fetchall())  # fmt: skip
                if status == "recorded" and new == old:
                    raise _Unchanged
                start = cur.execute(
                    "SELECT start FROM windows WHERE date = ? AND window = ?", (d, w)
                ).fetchone()[0]
                later = later_planned(cur, start)
                if status == "recorded" and later:
                    raise LedgerError(
                        f"{d} {w} was recorded with other outcomes and {later[0]} is planned "
                        "already (it carries this window's failures): its outcomes can no "
                        "longer change"
                    )
                cur.execute(
                    "UPDATE windows SET status = 'recorded', recorded_at = ? "
                    "WHERE date = ? AND window = ?",
                    (timestamp(), d, w),
                )
        except _Unchanged:
            return False
        return True
