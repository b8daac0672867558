"""The reading side of the delivery ledger: queries that only SELECT and build results.

:class:`LedgerQueries` is the base of :class:`basket_route.ledger.Ledger`, which opens the
file and writes it. The queries answer what planning and recording need (a window's status,
the orders on its trips, the carry-over, who worked when) and return whole tables as pandas
DataFrames for the statistics (:mod:`basket_route.stats`).
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from basket_route.ledger_records import ReceivedOrder
from basket_route.plan import Plan

if TYPE_CHECKING:  # pandas is imported where used: ~0.4 s of start-up
    import pandas as pd

__all__ = ["LedgerQueries"]


class LedgerQueries:
    """The queries of a ledger on its open connection; none of them writes.

    :class:`~basket_route.ledger.Ledger` sets ``path`` and ``_conn`` when it opens the
    file. Inside one of its write transactions the queries see what the transaction wrote.
    """

    path: Path
    _conn: sqlite3.Connection

    # ------------------------------------------------------------------ low level

    def _rows(self, sql: str, args: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return list(self._conn.execute(sql, args))

    def _frame(self, sql: str, args: Sequence[Any] = ()) -> pd.DataFrame:
        import pandas as pd

        cur = self._conn.execute(sql, args)
        columns = [d[0] for d in cur.description]
        return pd.DataFrame(cur.fetchall(), columns=columns, dtype=object)

    def meta(self, key: str) -> str | None:
        """A value of the ``meta`` table (schema_version, scenario_name, …), or None."""
        row = self._rows("SELECT value FROM meta WHERE key = ?", (key,))
        return str(row[0][0]) if row else None

    # ------------------------------------------------------------------ scenario

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

    # ------------------------------------------------------------------ whole tables

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
        import pandas as pd

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
