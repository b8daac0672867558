"""The delivery ledger's file: its SQLite schema, the schema version, and opening a file.

:func:`connect` opens a ledger file, creates the tables of :data:`SCHEMA` in a new one and
refuses a file that is not a ledger or has another :data:`SCHEMA_VERSION`;
:class:`basket_route.ledger.Ledger` reads and writes it through that connection.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
from pathlib import Path

from basket_route.ledger_records import LedgerError

__all__ = ["SCHEMA", "SCHEMA_VERSION", "TABLES", "connect", "timestamp"]

SCHEMA_VERSION = 1
"""The ledger schema this version of basket_route reads and writes."""

SCHEMA = """
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
"""The statements that create a ledger's tables in a new (empty) file."""

TABLES = ("events", "meta", "orders", "plans", "scenarios", "shifts", "trips", "windows")
"""The tables of a ledger: a file without all of them is not one."""


def timestamp() -> str:
    """The current local time as the ledger stores it (ISO 8601, to the second)."""
    return dt.datetime.now().isoformat(timespec="seconds")


def connect(path: str | os.PathLike[str], *, create: bool) -> sqlite3.Connection:
    """Open the ledger file PATH (``":memory:"``: one in memory) and check that it is a ledger.

    A new (empty) file gets the tables of :data:`SCHEMA` and the schema version, in one
    transaction. The connection is in autocommit mode: each write opens its own transaction.

    Raises
    ------
    LedgerError
        When the file is not a basket_route ledger, or its schema version is not
        :data:`SCHEMA_VERSION`, or it does not exist and CREATE is False.
    """
    where = str(path)
    if where != ":memory:" and not Path(path).exists() and not create:
        raise LedgerError(f"{where}: no such ledger file")
    if where != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(where, isolation_level=None, timeout=30.0)
    try:
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA synchronous = FULL")
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise LedgerError(f"{where}: not a basket_route ledger ({exc})") from None
    tables.discard("sqlite_sequence")
    if not tables:
        conn.executescript(
            "BEGIN IMMEDIATE;" + SCHEMA + "INSERT INTO meta VALUES ('schema_version', "
            f"'{SCHEMA_VERSION}'), ('created', '{timestamp()}'); COMMIT;"
        )
    elif not tables >= set(TABLES):
        conn.close()
        raise LedgerError(
            f"{where}: not a basket_route ledger (tables {sorted(tables)[:5]}, "
            f"expected {list(TABLES)})"
        )
    row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    version = str(row[0]) if row else None
    if version != str(SCHEMA_VERSION):
        conn.close()
        raise LedgerError(
            f"{where}: ledger schema version {version!r}; this basket_route reads "
            f"version {SCHEMA_VERSION} (use the basket_route that wrote it)"
        )
    return conn
