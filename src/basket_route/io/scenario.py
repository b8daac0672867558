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
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from basket_route.exceptions import ScenarioError
from basket_route.io.cells import _bool, _date, _identity, _integer, _number, _Reader
from basket_route.io.orders import _orders
from basket_route.io.settings import _read_toml, _settings
from basket_route.io.tables import Row, Table, normalise_id, read_table, table_from_frame
from basket_route.model import (
    Building,
    CoordinateSystem,
    Depot,
    Household,
    PathEdge,
    Scenario,
    Settings,
    Shift,
    Volunteer,
)

if TYPE_CHECKING:  # pandas is imported where used: ~0.4 s of start-up
    import pandas as pd

__all__ = ["FILES", "load_scenario", "scenario_from_frames"]

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
