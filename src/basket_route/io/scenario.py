"""Scenario folder → :class:`~basket_route.model.Scenario`, with row-level errors.

Two kinds of defect (see docs/formats.md):

- **structure** (missing columns, duplicate ids, dangling references, bad settings, mixed
  coordinate systems, undecodable files): all are collected and raised together in one
  :class:`~basket_route.exceptions.ScenarioError`;
- **a bad order row** never blocks the rest: the order becomes an
  :class:`~basket_route.model.InvalidOrder` (reported ``invalid`` in plans) whose detail
  names file, row, column and value.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import re
import tomllib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd

from basket_route.exceptions import Defect, ScenarioError
from basket_route.io.tables import Row, Table, decode, normalise_id, read_table, table_from_frame
from basket_route.model import (
    DEFAULT_MODES,
    DEFAULT_WINDOWS,
    Building,
    CoordinateSystem,
    Depot,
    Household,
    InvalidFieldError,
    InvalidOrder,
    Order,
    PathEdge,
    Priority,
    Scenario,
    ServiceTimes,
    Settings,
    Shift,
    Volunteer,
    Window,
)

__all__ = ["FILES", "load_scenario", "scenario_from_frames"]

T = TypeVar("T")

FILES: Mapping[str, tuple[str, ...]] = {
    "depots.csv": ("depot_id",),
    "buildings.csv": ("building_id",),
    "households.csv": ("household_id", "building_id"),
    "orders.csv": ("order_id", "household_id", "date", "window", "weight_kg"),
    "volunteers.csv": ("volunteer_id", "depot_id", "mode"),
    "shifts.csv": ("volunteer_id", "date", "window"),
}
"""Required files of a scenario folder and their required columns (paths.csv is optional)."""

OPTIONAL_FILES = ("paths.csv",)
PATH_COLUMNS = ("from", "to", "length_m")
MAX_ID_CHARS = 200
_BOOLS = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}
_ID_COLUMNS = {
    "depot_id",
    "building_id",
    "household_id",
    "order_id",
    "volunteer_id",
    "from",
    "to",
}


class _CellError(ValueError):
    """A cell cannot be read; the message says what was expected."""


def _bool(text: str) -> bool:
    try:
        return _BOOLS[text.lower()]
    except KeyError:
        raise _CellError("expected true/false/1/0/yes/no") from None


def _number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise _CellError("expected a number") from None
    if not math.isfinite(value):
        raise _CellError("expected a finite number")
    return value


def _integer(text: str) -> int:
    value = _number(text)
    if value != int(value):
        raise _CellError("expected a whole number")
    return int(value)


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise _CellError("expected an ISO date YYYY-MM-DD") from None


def _clock(text: str) -> dt.time:
    parts = text.split(":")
    try:
        if len(parts) not in (2, 3) or not all(p.isdigit() for p in parts):
            raise ValueError(text)
        hms = [int(p) for p in parts] + [0]
        return dt.time(hms[0], hms[1], hms[2])
    except (ValueError, OverflowError):
        raise _CellError("expected a time HH:MM") from None


def _identity(text: str) -> str:
    return text


class _Reader:
    """Collects defects while cells are read; knows the file being read."""

    def __init__(self) -> None:
        self.defects: list[Defect] = []

    def add(
        self, file: str, row: int | None, column: str | None, value: object, message: str
    ) -> None:
        self.defects.append(Defect(file, row, column, value, message))

    def cell(
        self,
        table: Table,
        row: Row,
        column: str,
        parse: Callable[[str], T],
        default: T | None = None,
        *,
        required: bool = False,
    ) -> T | None:
        """Parse ROW[COLUMN]; record a defect and return DEFAULT when it is bad or missing."""
        text = row.get(column)
        if text is None:
            if required:
                self.add(table.file, row.line, column, None, f"{column} is required")
            return default
        if column in _ID_COLUMNS or column.endswith("_id"):
            text = normalise_id(text)
            if len(text) > MAX_ID_CHARS:
                self.add(
                    table.file, row.line, column, text, f"id longer than {MAX_ID_CHARS} characters"
                )
                return default
        try:
            return parse(text)
        except _CellError as exc:
            self.add(table.file, row.line, column, text, str(exc))
            return default

    def build(self, table: Table, row: Row, make: Callable[..., T], *args: Any) -> T | None:
        """Construct MAKE(*ARGS); a field it rejects becomes a defect at that column."""
        try:
            return make(*args)
        except InvalidFieldError as exc:
            self.add(table.file, row.line, exc.field, exc.value, str(exc))
            return None

    def unique(
        self, table: Table, column: str, taken: Mapping[str, object], ident: str, row: Row
    ) -> bool:
        if ident in taken:
            self.add(table.file, row.line, column, ident, f"duplicate {column}")
            return False
        return True

    def require_columns(self, table: Table, columns: tuple[str, ...]) -> bool:
        missing = [c for c in columns if c not in table.columns]
        if missing:
            shown = ", ".join(missing[:5]) + (", …" if len(missing) > 5 else "")
            self.add(
                table.file,
                1,
                missing[0],
                None,
                f"missing column(s) {shown}; the header has {', '.join(table.columns[:8]) or 'nothing'}",
            )
        return not missing


# --------------------------------------------------------------------------- settings


def _settings(raw: Mapping[str, Any], rd: _Reader) -> Settings:
    file = "scenario.toml"

    def number(section: str, key: str, default: float, low: float, strict: bool = False) -> float:
        table = raw.get(section, {})
        value = table.get(key, default) if isinstance(table, Mapping) else default
        ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
        if not ok or value < low or (strict and value == low):
            rel = ">" if strict else ">="
            rd.add(file, None, f"{section}.{key}", value, f"must be a number {rel} {low:g}")
            return default
        return float(value)

    windows: dict[str, Window] = {}
    raw_windows = raw.get("windows", {})
    if not isinstance(raw_windows, Mapping):
        rd.add(file, None, "windows", raw_windows, "must be a table of named windows")
        raw_windows = {}
    spans = {n: {"start": s, "end": e} for n, (s, e) in DEFAULT_WINDOWS.items()}
    for name, span in raw_windows.items():
        spans[name] = {**spans.get(name, {}), **span} if isinstance(span, Mapping) else span
    for name, span in spans.items():
        if not isinstance(span, Mapping) or "start" not in span or "end" not in span:
            rd.add(file, None, f"windows.{name}", span, 'needs start and end, e.g. start = "09:00"')
            continue
        try:
            start, end = (
                v if isinstance(v, dt.time) else _clock(str(v))
                for v in (span["start"], span["end"])
            )
            windows[name] = Window(name, start, end)
        except (_CellError, InvalidFieldError) as exc:
            rd.add(file, None, f"windows.{name}", dict(span), str(exc))
    service = ServiceTimes(
        **{k: number("service", k, getattr(ServiceTimes(), k), 0.0) for k in ServiceTimes.__slots__}
    )
    modes = dict(DEFAULT_MODES)
    raw_modes = raw.get("modes", {})
    if isinstance(raw_modes, Mapping):
        for mode in raw_modes:
            speed = number("modes", mode, math.nan, 0.0, strict=True)
            if math.isfinite(speed):  # a bad speed is a recorded defect, not a mode
                modes[str(mode)] = speed
    else:
        rd.add(file, None, "modes", raw_modes, "must be a table of speeds in km/h")
    detour = number("distance", "detour", 1.3, 1.0)
    name = raw.get("name", "")
    if not isinstance(name, str):
        rd.add(file, None, "name", name, "must be a string")
        name = str(name)
    if not windows:  # every window was bad: defects are recorded, keep reading the rest
        return Settings(name=name, service=service, detour=detour, modes=modes)
    return Settings(name=name, windows=windows, service=service, detour=detour, modes=modes)


def _read_toml(folder: Path, rd: _Reader) -> Mapping[str, Any]:
    path = folder / "scenario.toml"
    if not path.is_file():
        return {}
    try:
        text, _ = decode(path.read_bytes(), "scenario.toml")
        return tomllib.loads(text)
    except ScenarioError as exc:
        rd.defects.extend(exc.defects)
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"at line (\d+)", str(exc))
        line = getattr(exc, "lineno", None) or (int(found.group(1)) if found else None)
        rd.add("scenario.toml", line, None, None, f"not valid TOML: {exc}")
    except RecursionError:
        rd.add("scenario.toml", None, None, None, "not valid TOML: nested too deeply")
    return {}


# --------------------------------------------------------------------------- places


def _coord(
    table: Table, row: Row, rd: _Reader
) -> tuple[CoordinateSystem | None, tuple[float, float] | None]:
    if row.get("x_m") is not None or row.get("y_m") is not None:
        x = rd.cell(table, row, "x_m", _number, required=True)
        y = rd.cell(table, row, "y_m", _number, required=True)
        return CoordinateSystem.PLANAR, (x, y) if x is not None and y is not None else None
    if row.get("lat") is not None or row.get("lon") is not None:
        lat = rd.cell(table, row, "lat", _number, required=True)
        lon = rd.cell(table, row, "lon", _number, required=True)
        if lat is not None and not -90 <= lat <= 90:
            rd.add(table.file, row.line, "lat", lat, "latitude must be within [-90, 90]")
            lat = None
        if lon is not None and not -180 <= lon <= 180:
            rd.add(table.file, row.line, "lon", lon, "longitude must be within [-180, 180]")
            lon = None
        return CoordinateSystem.WGS84, (lat, lon) if lat is not None and lon is not None else None
    return None, None


def _places(
    tables: Mapping[str, Table], rd: _Reader, has_paths: bool
) -> tuple[dict[str, Depot], dict[str, Building], CoordinateSystem]:
    systems: dict[CoordinateSystem, tuple[str, int]] = {}
    depots: dict[str, Depot] = {}
    buildings: dict[str, Building] = {}
    for file in ("depots.csv", "buildings.csv"):
        table = tables[file]
        key = "depot_id" if file == "depots.csv" else "building_id"
        for row in table.rows:
            ident = rd.cell(table, row, key, _identity, required=True)
            system, coord = _coord(table, row, rd)
            if system is not None:
                systems.setdefault(system, (file, row.line))
            elif not has_paths:
                rd.add(
                    file,
                    row.line,
                    "x_m",
                    None,
                    "no coordinates (x_m,y_m or lat,lon) and no paths.csv",
                )
            if ident is None:
                continue
            if ident in depots or ident in buildings:
                what = "depot_id" if ident in depots else "building_id"
                rd.add(file, row.line, key, ident, f"duplicate id (already a {what})")
                continue
            name = row.get("name") or ""
            if file == "depots.csv":
                made_depot = rd.build(table, row, Depot, ident, name, coord)
                if made_depot is not None:
                    depots[ident] = made_depot
                continue
            floors = rd.cell(table, row, "floors", _integer, 1)
            elevator = rd.cell(table, row, "elevator", _bool, False)
            sealed = rd.cell(table, row, "sealed", _bool, False)
            depot_id = rd.cell(table, row, "depot_id", _identity)
            made = rd.build(
                table,
                row,
                Building,
                ident,
                name,
                coord,
                floors if floors is not None else 1,
                bool(elevator),
                bool(sealed),
                depot_id,
            )
            if made is not None:
                buildings[ident] = made
    if len(systems) > 1:
        (f1, l1), (f2, l2) = systems.values()
        rd.add(
            f2,
            l2,
            None,
            None,
            f"mixed coordinate systems: planar x_m,y_m and lat,lon (other system first at {f1} row {l1})",
        )
    for b in buildings.values():
        if b.depot_id is not None and b.depot_id not in depots:
            row_line = next(
                r.line
                for r in tables["buildings.csv"].rows
                if normalise_id(r.get("building_id") or "") == b.building_id
            )
            rd.add("buildings.csv", row_line, "depot_id", b.depot_id, "unknown depot_id")
    system = next(iter(systems), CoordinateSystem.PLANAR)
    return depots, buildings, system


# --------------------------------------------------------------------------- people


def _households(
    table: Table, rd: _Reader, buildings: Mapping[str, Building]
) -> dict[str, Household]:
    out: dict[str, Household] = {}
    for row in table.rows:
        ident = rd.cell(table, row, "household_id", _identity, required=True)
        building_id = rd.cell(table, row, "building_id", _identity, required=True)
        floor = rd.cell(table, row, "floor", _integer, 1)
        members = rd.cell(table, row, "members", _integer, 1)
        start = rd.cell(table, row, "quarantine_start", _date)
        end = rd.cell(table, row, "quarantine_end", _date)
        if (
            ident is None
            or building_id is None
            or not rd.unique(table, "household_id", out, ident, row)
        ):
            continue
        building = buildings.get(building_id)
        if building is None:
            rd.add(table.file, row.line, "building_id", building_id, "unknown building_id")
            continue
        if floor is not None and floor > building.floors:
            rd.add(
                table.file,
                row.line,
                "floor",
                floor,
                f"building {building_id} has {building.floors} floors",
            )
        vulnerable = tuple(f.strip() for f in (row.get("vulnerable") or "").split(";") if f.strip())
        made = rd.build(
            table,
            row,
            Household,
            ident,
            building_id,
            row.get("unit") or "",
            floor if floor is not None else 1,
            members if members is not None else 1,
            vulnerable,
            row.get("name"),
            row.get("phone"),
            start,
            end,
        )
        if made is not None:
            out[ident] = made
    return out


def _volunteers(
    table: Table, rd: _Reader, depots: Mapping[str, Depot], settings: Settings
) -> dict[str, Volunteer]:
    out: dict[str, Volunteer] = {}
    for row in table.rows:
        ident = rd.cell(table, row, "volunteer_id", _identity, required=True)
        depot_id = rd.cell(table, row, "depot_id", _identity, required=True)
        mode = rd.cell(table, row, "mode", _identity, required=True)
        cap_kg = rd.cell(table, row, "capacity_kg", _number, math.inf)
        cap_bags = rd.cell(table, row, "capacity_bags", _integer)
        d2d = rd.cell(table, row, "door_to_door", _bool, False)
        max_trips = rd.cell(table, row, "max_trips", _integer)
        if ident is None or depot_id is None or mode is None:
            continue
        if not rd.unique(table, "volunteer_id", out, ident, row):
            continue
        if depot_id not in depots:
            rd.add(
                table.file,
                row.line,
                "depot_id",
                depot_id,
                f"unknown depot_id (depots: {', '.join(sorted(depots)[:5])})",
            )
            continue
        if mode not in settings.modes:
            rd.add(table.file, row.line, "mode", mode, f"mode not in {sorted(settings.modes)}")
            continue
        made = rd.build(
            table,
            row,
            Volunteer,
            ident,
            depot_id,
            mode,
            cap_kg if cap_kg is not None else math.inf,
            cap_bags if cap_bags is not None else math.inf,
            bool(d2d),
            max_trips,
            row.get("name") or "",
        )
        if made is not None:
            out[ident] = made
    return out


def _shifts(
    table: Table, rd: _Reader, volunteers: Mapping[str, Volunteer], settings: Settings
) -> tuple[Shift, ...]:
    out: dict[tuple[str, dt.date, str], Shift] = {}
    for row in table.rows:
        ident = rd.cell(table, row, "volunteer_id", _identity, required=True)
        day = rd.cell(table, row, "date", _date, required=True)
        window = rd.cell(table, row, "window", _identity, required=True)
        if ident is None or day is None or window is None:
            continue
        if ident not in volunteers:
            rd.add(table.file, row.line, "volunteer_id", ident, "unknown volunteer_id")
        elif window not in settings.windows:
            rd.add(
                table.file, row.line, "window", window, f"window not in {sorted(settings.windows)}"
            )
        else:
            out.setdefault((ident, day, window), Shift(ident, day, window))
    return tuple(sorted(out.values(), key=lambda s: (s.date, s.window, s.volunteer_id)))


def _paths(table: Table, rd: _Reader) -> tuple[PathEdge, ...]:
    out = []
    for row in table.rows:
        source = rd.cell(table, row, "from", _identity, required=True)
        target = rd.cell(table, row, "to", _identity, required=True)
        length = rd.cell(table, row, "length_m", _number, required=True)
        oneway = rd.cell(table, row, "oneway", _bool, False)
        if source is None or target is None or length is None:
            continue
        if length < 0:
            rd.add(table.file, row.line, "length_m", length, "length_m must be >= 0")
            continue
        if source == target:
            rd.add(
                table.file, row.line, "to", target, f"self-loop: from and to are both {source!r}"
            )
            continue
        out.append(PathEdge(source, target, length, bool(oneway)))
    return tuple(out)


# --------------------------------------------------------------------------- orders


def _orders(
    table: Table, households: Mapping[str, Household], settings: Settings, rd: _Reader
) -> tuple[dict[str, Order], dict[str, InvalidOrder]]:
    """Orders are read leniently: a bad row becomes an InvalidOrder, never a ScenarioError."""
    valid: dict[str, Order] = {}
    invalid: dict[str, InvalidOrder] = {}
    first_row: dict[str, int] = {}
    dup_rows: dict[str, list[int]] = {}
    for row in table.rows:
        problems: list[Defect] = []
        sub = _Reader()
        ident = rd.cell(table, row, "order_id", _identity, required=True)
        if ident is None:
            continue
        household_id = sub.cell(table, row, "household_id", _identity, required=True)
        day = sub.cell(table, row, "date", _date, required=True)
        window = sub.cell(table, row, "window", _identity, required=True)
        weight = sub.cell(table, row, "weight_kg", _number, required=True)
        bags = sub.cell(table, row, "bags", _integer, 1)
        priority = sub.cell(table, row, "priority", _priority, Priority.NORMAL)
        due = sub.cell(table, row, "due", _clock)
        problems.extend(sub.defects)
        if household_id is not None and household_id not in households:
            problems.append(
                Defect(table.file, row.line, "household_id", household_id, "unknown household")
            )
        if window is not None and window not in settings.windows:
            problems.append(
                Defect(
                    table.file,
                    row.line,
                    "window",
                    window,
                    f"window not in {sorted(settings.windows)}",
                )
            )
            window_obj = None
        else:
            window_obj = settings.windows.get(window) if window is not None else None
        if weight is not None and weight <= 0:
            problems.append(
                Defect(table.file, row.line, "weight_kg", weight, "weight_kg must be > 0")
            )
        if bags is not None and bags < 1:
            problems.append(Defect(table.file, row.line, "bags", bags, "bags must be >= 1"))
        if due is not None and window_obj is not None and due <= window_obj.start:
            problems.append(
                Defect(
                    table.file,
                    row.line,
                    "due",
                    due.strftime("%H:%M"),
                    f"due is not after window {window} starts ({window_obj.start:%H:%M})",
                )
            )
        if ident in first_row:
            earlier = valid.pop(ident, None) or invalid.get(ident)
            keep_day = earlier.date if earlier is not None else None
            keep_window = earlier.window if earlier is not None else None
            dup_rows.setdefault(ident, [first_row[ident]]).append(row.line)
            *head, last = map(str, dup_rows[ident])
            rows_text = f"{', '.join(head)} and {last}"
            invalid[ident] = InvalidOrder(
                ident,
                keep_day,
                keep_window,
                f"duplicate order_id: {table.file} rows {rows_text} "
                "(a planner must not guess which row is meant)",
                first_row[ident],
            )
            continue
        first_row[ident] = row.line
        if problems:
            detail = "; ".join(str(p) for p in problems)
            invalid[ident] = InvalidOrder(ident, day, window, detail, row.line)
            continue
        assert (
            household_id is not None
            and day is not None
            and window is not None
            and weight is not None
        )
        valid[ident] = Order(
            ident,
            household_id,
            day,
            window,
            weight,
            bags or 1,
            priority or Priority.NORMAL,
            due,
            row.line,
        )
    return valid, invalid


def _priority(text: str) -> Priority:
    try:
        return Priority(text.lower())
    except ValueError:
        raise _CellError(f"priority not in {[p.value for p in Priority]}") from None


# --------------------------------------------------------------------------- entry points


def _assemble(
    tables: Mapping[str, Table], raw_settings: Mapping[str, Any], rd: _Reader, source: str
) -> Scenario:
    settings = _settings(raw_settings, rd)
    for file, columns in FILES.items():
        if file in tables and not rd.require_columns(tables[file], columns):
            tables = {k: v for k, v in tables.items() if k != file}
    paths_table = tables.get("paths.csv")
    if paths_table is not None and not rd.require_columns(paths_table, PATH_COLUMNS):
        paths_table = None
    if any(f not in tables for f in FILES):
        raise ScenarioError(rd.defects)
    depots, buildings, system = _places(tables, rd, paths_table is not None)
    households = _households(tables["households.csv"], rd, buildings)
    volunteers = _volunteers(tables["volunteers.csv"], rd, depots, settings)
    shifts = _shifts(tables["shifts.csv"], rd, volunteers, settings)
    paths = _paths(paths_table, rd) if paths_table is not None else None
    orders, invalid = _orders(tables["orders.csv"], households, settings, rd)
    if rd.defects:
        raise ScenarioError(rd.defects)
    return Scenario(
        settings=settings,
        depots=depots,
        buildings=buildings,
        households=households,
        orders=orders,
        volunteers=volunteers,
        shifts=shifts,
        invalid_orders=invalid,
        paths=paths,
        coordinates=system,
        source=source,
    )


def load_scenario(folder: str | os.PathLike[str]) -> Scenario:
    """Read a scenario folder (``../shared/spec/FORMATS.md``, section 1).

    Parameters
    ----------
    folder
        The folder holding ``scenario.toml`` (optional), the six required CSV files and
        optionally ``paths.csv``.

    Returns
    -------
    Scenario
        The validated scenario. Bad order rows are kept as ``scenario.invalid_orders``.

    Raises
    ------
    ScenarioError
        Listing every structural defect found, each with file, row, column and value.

    Examples
    --------
    >>> import basket_route as br
    >>> scenario = br.load_scenario("demo-output/scenario")  # doctest: +SKIP
    """
    path = Path(folder)
    if not path.is_dir():
        raise ScenarioError.single(str(path), None, None, None, "scenario folder does not exist")
    rd = _Reader()
    raw = _read_toml(path, rd)
    tables: dict[str, Table] = {}
    for file in (*FILES, *OPTIONAL_FILES):
        if not (path / file).is_file():
            if file in FILES:
                rd.add(file, None, None, None, f"missing from scenario folder {path}")
            continue
        try:
            tables[file] = read_table(path, file)
        except ScenarioError as exc:
            rd.defects.extend(exc.defects)
    return _assemble(tables, raw, rd, str(path))


def scenario_from_frames(
    frames: Mapping[str, pd.DataFrame],
    settings: Mapping[str, Any] | None = None,
    *,
    source: str = "<frames>",
) -> Scenario:
    """Build a scenario from DataFrames keyed by file name (``"orders.csv"``, …).

    Parameters
    ----------
    frames
        One DataFrame per scenario file, with the columns of the file contract. Row i
        (0-based) is reported as row i + 2, as if it had been read from a file.
    settings
        The content of ``scenario.toml`` as a mapping. Default None (all defaults).
    source
        A label recorded in ``Scenario.source``. Default ``"<frames>"``.

    Returns
    -------
    Scenario

    Raises
    ------
    ScenarioError
        As :func:`load_scenario`.
    """
    rd = _Reader()
    tables: dict[str, Table] = {}
    for file in (*FILES, *OPTIONAL_FILES):
        if file in frames:
            try:
                tables[file] = table_from_frame(frames[file], file)
            except ScenarioError as exc:
                rd.defects.extend(exc.defects)
        elif file in FILES:
            rd.add(file, None, None, None, "missing from frames")
    return _assemble(tables, settings or {}, rd, source)
