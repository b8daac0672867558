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
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, fields, is_dataclass
from enum import Enum, StrEnum
from pathlib import Path
from typing import Any, Self

import pandas as pd

from basket_route.model import InvalidOrder, Order, Scenario
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

SCHEMA_VERSION = 1
"""The ledger schema this version of basket_route reads and writes."""

_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE scenarios (fingerprint TEXT PRIMARY KEY, name TEXT NOT NULL, source TEXT NOT NULL,
    first_seen TEXT NOT NULL);
CREATE TABLE windows (date TEXT NOT NULL, window TEXT NOT NULL, start TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('planned', 'recorded')), fingerprint TEXT NOT NULL,
    rest_rule TEXT NOT NULL, planned_at TEXT NOT NULL, recorded_at TEXT,
    PRIMARY KEY (date, window));
CREATE TABLE plans (plan_id INTEGER PRIMARY KEY AUTOINCREMENT, date TEXT NOT NULL,
    window TEXT NOT NULL, kind TEXT NOT NULL CHECK (kind IN ('plan', 'replan')),
    without TEXT, at TEXT, created TEXT NOT NULL, json TEXT NOT NULL);
CREATE TABLE orders (order_id TEXT PRIMARY KEY, household_id TEXT, building_id TEXT, date TEXT,
    window TEXT, weight_kg REAL, bags INTEGER, priority TEXT, due TEXT, valid INTEGER NOT NULL,
    received_date TEXT NOT NULL, received_window TEXT NOT NULL, state TEXT NOT NULL,
    reason TEXT, detail TEXT, state_date TEXT, state_window TEXT, volunteer_id TEXT,
    door_failures INTEGER NOT NULL DEFAULT 0);
CREATE TABLE events (event_id INTEGER PRIMARY KEY AUTOINCREMENT,
    order_id TEXT NOT NULL REFERENCES orders (order_id), date TEXT NOT NULL,
    window TEXT NOT NULL, phase TEXT NOT NULL CHECK (phase IN ('plan', 'replan', 'record')),
    plan_id INTEGER, state TEXT NOT NULL, reason TEXT, detail TEXT, volunteer_id TEXT,
    trip INTEGER, arrive TEXT, priority TEXT);
CREATE INDEX events_by_order ON events (order_id);
CREATE INDEX events_by_window ON events (date, window);
CREATE TABLE trips (plan_id INTEGER NOT NULL, volunteer_id TEXT NOT NULL, trip INTEGER NOT NULL,
    date TEXT NOT NULL, window TEXT NOT NULL, depart TEXT NOT NULL, back TEXT NOT NULL,
    distance_m REAL NOT NULL, load_kg REAL NOT NULL, bags INTEGER NOT NULL,
    orders INTEGER NOT NULL, cut_at TEXT, PRIMARY KEY (plan_id, volunteer_id, trip));
CREATE TABLE shifts (date TEXT NOT NULL, window TEXT NOT NULL, volunteer_id TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('worked', 'standby', 'rested', 'dropped_out')),
    detail TEXT NOT NULL DEFAULT '', PRIMARY KEY (date, window, volunteer_id));
"""
_TABLES = ("events", "meta", "orders", "plans", "scenarios", "shifts", "trips", "windows")


class LedgerError(ValueError):
    """A ledger cannot be used or a write would break its history; the message says why."""


class OrderState(StrEnum):
    """The state of an order in the ledger."""

    PLANNED = "planned"
    CARRIED_OVER = "carried_over"
    DELIVERED = "delivered"
    FAILED = "failed"
    CANCELLED = "cancelled"


class ShiftStatus(StrEnum):
    """What a rostered volunteer did in a window."""

    WORKED = "worked"  # at least one trip
    STANDBY = "standby"  # on the crew, not needed
    RESTED = "rested"  # left out by the rest rule
    DROPPED_OUT = "dropped_out"  # dropped out before delivering anything


@dataclass(frozen=True, slots=True)
class ReceivedOrder:
    """An order as it entered the ledger: its original data (None where unreadable)."""

    order_id: str
    valid: bool
    household_id: str | None = None
    building_id: str | None = None
    date: dt.date | None = None
    window: str | None = None
    weight_kg: float | None = None
    bags: int | None = None
    priority: str | None = None
    due: dt.time | None = None

    @classmethod
    def of(cls, order: Order | InvalidOrder, scenario: Scenario) -> ReceivedOrder:
        """The ledger row of ORDER (a valid order or an invalid row) of SCENARIO."""
        if isinstance(order, InvalidOrder):
            return cls(order.order_id, False, date=order.date, window=order.window)
        building = scenario.households[order.household_id].building_id
        return cls(
            order.order_id, True, order.household_id, building, order.date, order.window,
            order.weight_kg, order.bags, order.priority.value, order.due,
        )  # fmt: skip

    def same_order(self, other: ReceivedOrder) -> bool:
        """True when both describe the same order (the building may have been renamed)."""
        keys = ("valid", "household_id", "date", "window", "weight_kg", "bags", "priority", "due")
        return all(getattr(self, k) == getattr(other, k) for k in keys)


def _canon(obj: Any) -> Any:
    if is_dataclass(obj) and not isinstance(obj, type):
        skip = {"source", "row"}  # where it was read from is not what it is
        return {f.name: _canon(getattr(obj, f.name)) for f in fields(obj) if f.name not in skip}
    if isinstance(obj, Mapping):
        return {str(k): _canon(v) for k, v in sorted(obj.items())}
    if isinstance(obj, list | tuple):
        return [_canon(v) for v in obj]
    if isinstance(obj, Enum):
        return obj.value
    if isinstance(obj, dt.date | dt.time):
        return obj.isoformat()
    if isinstance(obj, float):
        return repr(obj)
    return obj


def scenario_fingerprint(scenario: Scenario) -> str:
    """SHA-256 of the scenario's content (not of where it was read from), 16 hex digits.

    Two scenarios with the same settings, places, people, orders and shifts have the same
    fingerprint, whatever folder or row order they were read from.
    """
    data = _canon(scenario)
    data["shifts"] = sorted(json.dumps(s, sort_keys=True) for s in data["shifts"])
    text = json.dumps(data, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


class _Unchanged(Exception):
    """Raised inside a transaction to roll back a write that would change nothing."""


def _iso(value: dt.date | dt.time | None) -> str | None:
    return None if value is None else value.isoformat()


def _now() -> str:
    return dt.datetime.now().isoformat(timespec="seconds")


class Ledger:
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
        where = str(path)
        if where != ":memory:" and not self.path.exists() and not create:
            raise LedgerError(f"{where}: no such ledger file")
        if where != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(where, isolation_level=None, timeout=30.0)
        try:
            self._conn.execute("PRAGMA foreign_keys = ON")
            self._conn.execute("PRAGMA synchronous = FULL")
            tables = {
                r[0]
                for r in self._conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            }
        except sqlite3.DatabaseError as exc:
            self._conn.close()
            raise LedgerError(f"{where}: not a basket_route ledger ({exc})") from None
        tables.discard("sqlite_sequence")
        if not tables:
            self._conn.executescript(
                "BEGIN IMMEDIATE;" + _SCHEMA + "INSERT INTO meta VALUES ('schema_version', "
                f"'{SCHEMA_VERSION}'), ('created', '{_now()}'); COMMIT;"
            )
        elif not tables >= set(_TABLES):
            self._conn.close()
            raise LedgerError(
                f"{where}: not a basket_route ledger (tables {sorted(tables)[:5]}, "
                f"expected {list(_TABLES)})"
            )
        version = self.meta("schema_version")
        if version != str(SCHEMA_VERSION):
            self._conn.close()
            raise LedgerError(
                f"{where}: ledger schema version {version!r}; this basket_route reads "
                f"version {SCHEMA_VERSION} (use the basket_route that wrote it)"
            )

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

    def _rows(self, sql: str, args: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return list(self._conn.execute(sql, args))

    def _frame(self, sql: str, args: Sequence[Any] = ()) -> pd.DataFrame:
        cur = self._conn.execute(sql, args)
        columns = [d[0] for d in cur.description]
        return pd.DataFrame(cur.fetchall(), columns=columns, dtype=object)

    def meta(self, key: str) -> str | None:
        """A value of the ``meta`` table (schema_version, scenario_name, …), or None."""
        row = self._rows("SELECT value FROM meta WHERE key = ?", (key,))
        return str(row[0][0]) if row else None

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
                (fingerprint, name, source, _now()),
            )

    def received_orders(self) -> dict[str, ReceivedOrder]:
        """Every order in the ledger with its original data, by id."""
        out = {}
        for r in self._rows(
            "SELECT order_id, valid, household_id, building_id, date, window, weight_kg, bags,"
            " priority, due FROM orders"
        ):
            out[r[0]] = ReceivedOrder(
                r[0], bool(r[1]), r[2], r[3],
                dt.date.fromisoformat(r[4]) if r[4] else None, r[5], r[6], r[7], r[8],
                dt.time.fromisoformat(r[9]) if r[9] else None,
            )  # fmt: skip
        return out

    # ------------------------------------------------------------------ windows

    def window_status(self, day: dt.date, window: str) -> str | None:
        """``"planned"``, ``"recorded"`` or None (not planned) for DAY and WINDOW."""
        row = self._rows(
            "SELECT status FROM windows WHERE date = ? AND window = ?", (day.isoformat(), window)
        )
        return str(row[0][0]) if row else None

    def first_start(self) -> dt.datetime | None:
        """When the first planned window starts (the start of the operation), or None."""
        row = self._rows("SELECT MIN(start) FROM windows")
        return dt.datetime.fromisoformat(row[0][0]) if row and row[0][0] else None

    def carried_over(self) -> list[str]:
        """Ids of the orders waiting to be planned again (state carried_over), sorted."""
        return [r[0] for r in self._rows(
            "SELECT order_id FROM orders WHERE state = 'carried_over' ORDER BY order_id"
        )]  # fmt: skip

    def worked(self) -> list[tuple[str, dt.date]]:
        """(volunteer_id, date) of every window worked, for the rest rule."""
        rows = self._rows("SELECT volunteer_id, date FROM shifts WHERE status = 'worked'")
        return [(str(v), dt.date.fromisoformat(d)) for v, d in rows]

    def assigned(self, day: dt.date, window: str) -> dict[str, tuple[str, dt.datetime]]:
        """Orders on a trip of DAY and WINDOW, outcome not recorded: id → (volunteer, arrive)."""
        rows = self._rows(
            "SELECT order_id, events.volunteer_id, arrive FROM orders JOIN events USING (order_id) "
            "WHERE orders.state = 'planned' AND orders.state_date = ? AND orders.state_window = ?"
            " AND events.event_id = (SELECT MAX(event_id) FROM events e WHERE e.order_id = "
            "orders.order_id)",
            (day.isoformat(), window),
        )
        return {r[0]: (r[1], dt.datetime.fromisoformat(r[2])) for r in rows}

    def plans(self, day: dt.date, window: str) -> list[Plan]:
        """Every plan of DAY and WINDOW: the window's plan, then any re-plans, in order."""
        rows = self._rows(
            "SELECT json FROM plans WHERE date = ? AND window = ? ORDER BY plan_id",
            (day.isoformat(), window),
        )
        return [Plan.from_dict(json.loads(r[0])) for r in rows]

    # ------------------------------------------------------------------ writes

    def _later_planned(self, cur: sqlite3.Cursor, start: str) -> list[str]:
        rows = cur.execute(
            "SELECT date || ' ' || window FROM windows WHERE start > ? ORDER BY start", (start,)
        )
        return [r[0] for r in rows]

    def _event(
        self, cur: sqlite3.Cursor, oid: str, day: str, window: str, phase: str,
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

    def _refresh(self, cur: sqlite3.Cursor, order_ids: Iterable[str]) -> None:
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

    def _stops(self, cur: sqlite3.Cursor, plan: Plan, plan_id: int, phase: str,
               priorities: Mapping[str, str]) -> None:  # fmt: skip
        day = plan.date.isoformat()
        for route in plan.routes:
            for k, trip in enumerate(route.trips, 1):
                for stop in trip.stops:
                    for oid in stop.order_ids:
                        self._event(
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

    def _insert_plan(
        self, cur: sqlite3.Cursor, plan: Plan, kind: str, without: str | None, at: str | None
    ) -> int:
        cur.execute(
            "INSERT INTO plans (date, window, kind, without, at, created, json) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (plan.date.isoformat(), plan.window, kind, without, at, _now(), plan.to_json()),
        )
        plan_id = cur.lastrowid
        if plan_id is None:  # pragma: no cover - sqlite always sets it after an INSERT
            raise LedgerError("plan id not assigned")
        return plan_id

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
            later = self._later_planned(cur, start.isoformat())
            if later:
                raise LedgerError(
                    f"{day} {window} starts before {later[0]}, which is planned already: "
                    "windows are planned in time order"
                )
            cur.execute(
                "INSERT INTO windows VALUES (?, ?, ?, 'planned', ?, ?, ?, NULL)",
                (day, window, start.isoformat(), fingerprint, rest_rule, _now()),
            )
            plan_id = self._insert_plan(cur, plan, "plan", None, None)
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
                self._event(cur, oid, day, window, "plan", state, reason, detail)
            self._stops(cur, plan, plan_id, "plan", priorities or {})
            for u in (*plan.unassigned, *plan.rejected):
                invalid = u.reason is UnassignedReason.INVALID
                state = OrderState.FAILED if invalid else OrderState.CARRIED_OVER
                self._event(
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
            plan_id = self._insert_plan(cur, plan, "replan", ",".join(without), at.isoformat())
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
                self._event(
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
                self._refresh(cur, [r[0] for r in old])
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
                        self._event(cur, oid, d, w, "record", OrderState.DELIVERED, volunteer=vid)
                    elif status_ == "cancelled":
                        self._event(cur, oid, d, w, "record", OrderState.CANCELLED, "cancelled",
                                    why or "cancelled", volunteer=vid)  # fmt: skip
                    else:
                        n = int(failures.get(oid, 0)) + 1
                        final = n >= max_door_attempts
                        state = OrderState.FAILED if final else OrderState.CARRIED_OVER
                        detail = (
                            f"{why or 'failed at the door'} (attempt {n} of {max_door_attempts}"
                        )
                        detail += "; given up)" if final else ")"
                        self._event(cur, oid, d, w, "record", state, "failed_at_door", detail,
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
                later = self._later_planned(cur, start)
                if status == "recorded" and later:
                    raise LedgerError(
                        f"{d} {w} was recorded with other outcomes and {later[0]} is planned "
                        "already (it carries this window's failures): its outcomes can no "
                        "longer change"
                    )
                cur.execute(
                    "UPDATE windows SET status = 'recorded', recorded_at = ? "
                    "WHERE date = ? AND window = ?",
                    (_now(), d, w),
                )
        except _Unchanged:
            return False
        return True

    # ------------------------------------------------------------------ reading

    def windows(self) -> pd.DataFrame:
        """Planned windows in time order: date, window, start, status, plans, recorded_at."""
        return self._frame(
            "SELECT w.date, w.window, w.start, w.status, (SELECT COUNT(*) FROM plans p WHERE "
            "p.date = w.date AND p.window = w.window) AS plans, w.rest_rule, w.fingerprint, "
            "w.planned_at, w.recorded_at FROM windows w ORDER BY w.start"
        )

    def orders(self) -> pd.DataFrame:
        """Every order with its original data and current state, by order_id."""
        frame = self._frame("SELECT * FROM orders ORDER BY order_id")
        return frame.astype({"weight_kg": "float64", "valid": "bool", "door_failures": "int64"})

    def events(self) -> pd.DataFrame:
        """Every state of every order in time order (event_id), with household and weight."""
        frame = self._frame(
            "SELECT e.*, o.household_id, o.building_id, o.weight_kg, o.due, "
            "o.date AS order_date, o.window AS order_window, w.start AS window_start "
            "FROM events e JOIN orders o USING (order_id) "
            "JOIN windows w ON w.date = e.date AND w.window = e.window ORDER BY e.event_id"
        )
        return frame.astype({"weight_kg": "float64"})

    def trips(self) -> pd.DataFrame:
        """Every trip made (or planned) with its minutes; a trip cut by a drop-out ends there."""
        frame = self._frame("SELECT * FROM trips ORDER BY date, depart, volunteer_id")
        depart = pd.to_datetime(frame["depart"])
        back = pd.to_datetime(frame["back"])
        cut = pd.to_datetime(frame["cut_at"].where(frame["cut_at"].notna(), frame["back"]))
        frame["minutes"] = ((back.where(back < cut, cut) - depart).dt.total_seconds() / 60).astype(
            "float64"
        )
        return frame.astype({"distance_m": "float64", "load_kg": "float64"})

    def shifts(self) -> pd.DataFrame:
        """Every rostered volunteer of every planned window: status and detail."""
        return self._frame(
            "SELECT s.* FROM shifts s JOIN windows w USING (date, window) "
            "ORDER BY w.start, s.volunteer_id"
        )

    def carried(self) -> pd.DataFrame:
        """Orders carried to a door (delivered or failed there): volunteer, window, weight."""
        frame = self._frame(
            "SELECT e.volunteer_id, e.date, e.window, e.order_id, e.state, o.weight_kg "
            "FROM events e JOIN orders o USING (order_id) WHERE e.phase = 'record' "
            "AND e.state != 'cancelled' ORDER BY e.event_id"
        )
        return frame.astype({"weight_kg": "float64"})
