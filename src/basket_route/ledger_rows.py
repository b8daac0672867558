"""Row-level writes of the delivery ledger, each inside a write transaction its caller holds.

An order's current state (table ``orders``) is always that of its latest event (table
``events``): :func:`append_event` writes both, :func:`refresh_states` recomputes the state
after events were removed. :func:`insert_plan` stores a plan's JSON; :func:`later_planned`
names the windows planned after a start, which a write must not go back on.
:class:`basket_route.ledger.Ledger` opens the transactions.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from typing import Any

from basket_route.ledger_records import LedgerError, OrderState
from basket_route.ledger_schema import timestamp
from basket_route.plan import Plan

__all__ = ["append_event", "insert_plan", "later_planned", "refresh_states"]


def later_planned(cur: sqlite3.Cursor, start: str) -> list[str]:
    """The windows (``"date window"``) planned to start after START, in time order."""
    rows = cur.execute(
        "SELECT date || ' ' || window FROM windows WHERE start > ? ORDER BY start", (start,)
    )
    return [r[0] for r in rows]


def append_event(
    cur: sqlite3.Cursor, oid: str, day: str, window: str, phase: str,
    state: OrderState, reason: str | None = None, detail: str | None = None, **kw: Any,
) -> None:  # fmt: skip
    """Append an event (KW: plan_id, volunteer, trip, arrive, priority); update the order."""
    volunteer = kw.get("volunteer")
    cur.execute(
        "INSERT INTO events (order_id, date, window, phase, plan_id, state, reason, detail,"
        " volunteer_id, trip, arrive, priority) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (oid, day, window, phase, kw.get("plan_id"), state.value, reason, detail, volunteer,
         kw.get("trip"), kw.get("arrive"), kw.get("priority")),
    )  # fmt: skip
    door = int(phase == "record" and reason == "failed_at_door")
    cur.execute(
        "UPDATE orders SET state = ?, reason = ?, detail = ?, state_date = ?, "
        "state_window = ?, volunteer_id = ?, door_failures = door_failures + ? "
        "WHERE order_id = ?",
        (state.value, reason, detail, day, window, volunteer, door, oid),
    )
    if cur.rowcount != 1:
        raise LedgerError(f"order {oid} is not in the ledger (internal error)")


def refresh_states(cur: sqlite3.Cursor, order_ids: Iterable[str]) -> None:
    """Set each order's current state from its latest remaining event."""
    for oid in order_ids:
        cur.execute(
            "UPDATE orders SET (state, reason, detail, state_date, state_window, "
            "volunteer_id) = (SELECT state, reason, detail, date, window, volunteer_id "
            "FROM events WHERE order_id = ?1 ORDER BY event_id DESC LIMIT 1), "
            "door_failures = (SELECT COUNT(*) FROM events WHERE order_id = ?1 AND "
            "phase = 'record' AND reason = 'failed_at_door') WHERE order_id = ?1",
            (oid,),
        )


def insert_plan(
    cur: sqlite3.Cursor, plan: Plan, kind: str, without: str | None, at: str | None
) -> int:
    """Store PLAN's JSON as a ``plan`` or ``replan`` (KIND) of its window; its plan_id."""
    cur.execute(
        "INSERT INTO plans (date, window, kind, without, at, created, json) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        (plan.date.isoformat(), plan.window, kind, without, at, timestamp(), plan.to_json()),
    )
    plan_id = cur.lastrowid
    if plan_id is None:  # pragma: no cover - sqlite always sets it after an INSERT
        raise LedgerError("plan id not assigned")
    return plan_id
