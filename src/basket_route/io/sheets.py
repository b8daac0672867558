"""Courier sheets: what volunteers and drop points hold in their hands.

One row per delivered order, in visiting order: courier, trip, stop (building, drop
point), then the households of the stop floor by floor. The same rows are written as a
printable HTML page per courier (A4), CSV, Excel (optional ``openpyxl``) and a short text
to paste into a chat group; a per-building manifest lists what arrives at each drop point.

Household names and phone numbers are personal data: they appear only when
``with_contacts=True``. Every user string is neutralised before it leaves: spreadsheet
formula triggers get a leading ``'`` (CSV and Excel), HTML is escaped, file names are
slugified (``docs/formats.md``, "Courier sheets").
"""

from __future__ import annotations

import csv
import datetime as dt
import importlib
import io
import os
import re
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from basket_route.io.sanitise import clean_text, neutralise_cell, slugify
from basket_route.model import Priority, Scenario
from basket_route.plan import Plan, atomic_write_text

if TYPE_CHECKING:  # pandas is imported where used: ~0.4 s of start-up
    import pandas as pd

__all__ = [
    "SHEET_COLUMNS",
    "building_manifests",
    "chat_text",
    "courier_sheets",
    "write_sheets",
    "write_sheets_xlsx",
]

SHEET_COLUMNS: tuple[str, ...] = (
    "volunteer_id", "volunteer", "trip", "trip_depart", "trip_return", "stop", "arrive",
    "building_id", "building", "drop", "unit", "floor", "bags", "weight_kg", "order_id",
    "priority", "medicine", "door_to_door", "due",
)  # fmt: skip
"""Columns of :func:`courier_sheets` (``name`` and ``phone`` follow with contacts)."""

_CONTACT_COLUMNS = ("name", "phone")
_SHEET_FORMATS = ("html", "csv", "txt", "xlsx")


# ----------------------------------------------------------------------------- rows


def _check_plan(plan: Plan, scenario: Scenario) -> None:
    """Every delivered order known, once, of the plan's window, at its own building."""
    problems: list[str] = []
    seen: set[str] = set()
    for route in plan.routes:
        if route.volunteer_id not in scenario.volunteers:
            problems.append(f"unknown volunteer {route.volunteer_id}")
        for trip in route.trips:
            for stop in trip.stops:
                if stop.building_id not in scenario.buildings:
                    problems.append(f"unknown building {stop.building_id}")
                for oid in stop.order_ids:
                    order = scenario.orders.get(oid)
                    if oid in seen:
                        problems.append(f"order {oid} is delivered twice")
                    seen.add(oid)
                    if order is None:
                        problems.append(f"unknown order {oid}")
                    elif (order.date, order.window) != (plan.date, plan.window):
                        problems.append(f"order {oid} belongs to {order.date} {order.window}")
                    elif scenario.households[order.household_id].building_id != stop.building_id:
                        problems.append(f"order {oid} is not for building {stop.building_id}")
    if problems:
        shown = "; ".join(problems[:5]) + ("; …" if len(problems) > 5 else "")
        raise ValueError(f"the plan does not match the scenario ({len(problems)}): {shown}")


def _drop_text(scenario: Scenario, building_id: str) -> str:
    building = scenario.buildings[building_id]
    if not building.sealed:
        return "drop point"
    return "door to door (lift)" if building.elevator else "door to door (stairs)"


def courier_sheets(plan: Plan, scenario: Scenario, *, with_contacts: bool = False) -> pd.DataFrame:
    """One row per delivered order, in visiting order, for the courier sheets.

    Parameters
    ----------
    plan
        The plan of one window.
    scenario
        The scenario the plan was made for.
    with_contacts
        Add the households' ``name`` and ``phone`` columns. Default False: personal data
        is shown only on request.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`SHEET_COLUMNS` (+ ``name``, ``phone``). Rows follow routes by
        volunteer, trips and stops in visiting order, and within a stop the households
        floor by floor (then by unit), the order a courier walks a building.

    Raises
    ------
    ValueError
        When the plan names an order, building or volunteer the scenario does not know,
        an order of another window, or an order twice.
    """
    import pandas as pd

    _check_plan(plan, scenario)
    records: list[dict[str, Any]] = []
    for route in plan.routes:
        volunteer = scenario.volunteers[route.volunteer_id]
        for ti, trip in enumerate(route.trips, 1):
            for si, stop in enumerate(trip.stops, 1):
                building = scenario.buildings[stop.building_id]
                orders = [scenario.orders[o] for o in stop.order_ids]
                homes = {o.order_id: scenario.households[o.household_id] for o in orders}
                orders.sort(key=lambda o: (homes[o.order_id].floor, homes[o.order_id].unit))
                for order in orders:
                    home = homes[order.order_id]
                    record: dict[str, Any] = {
                        "volunteer_id": route.volunteer_id,
                        "volunteer": volunteer.name,
                        "trip": ti,
                        "trip_depart": trip.depart,
                        "trip_return": trip.return_,
                        "stop": si,
                        "arrive": stop.arrive,
                        "building_id": building.building_id,
                        "building": building.name or building.building_id,
                        "drop": _drop_text(scenario, building.building_id),
                        "unit": home.unit,
                        "floor": home.floor,
                        "bags": order.bags,
                        "weight_kg": order.weight_kg,
                        "order_id": order.order_id,
                        "priority": order.priority.value,
                        "medicine": order.priority is Priority.MEDICINE,
                        "door_to_door": building.sealed,
                        "due": order.due.strftime("%H:%M") if order.due else "",
                    }
                    if with_contacts:
                        record["name"] = home.name or ""
                        record["phone"] = home.phone or ""
                    records.append(record)
    columns = list(SHEET_COLUMNS) + (list(_CONTACT_COLUMNS) if with_contacts else [])
    return pd.DataFrame.from_records(records, columns=columns)


def building_manifests(
    plan: Plan, scenario: Scenario, *, with_contacts: bool = False
) -> pd.DataFrame:
    """What arrives at each building's drop point: one row per delivered order.

    Parameters
    ----------
    plan, scenario, with_contacts
        As :func:`courier_sheets`.

    Returns
    -------
    pandas.DataFrame
        The rows of :func:`courier_sheets`, sorted by building, arrival time, floor and
        unit.
    """
    rows = courier_sheets(plan, scenario, with_contacts=with_contacts)
    return rows.sort_values(
        ["building_id", "arrive", "floor", "unit", "order_id"], kind="stable"
    ).reset_index(drop=True)


def unassigned_rows(plan: Plan, scenario: Scenario) -> list[dict[str, str]]:
    """The orders PLAN leaves undelivered: order_id, building, unit, priority, reason, detail."""
    out = []
    for u in plan.unassigned:
        order = scenario.orders.get(u.order_id)
        home = scenario.households.get(order.household_id) if order else None
        building = scenario.buildings.get(home.building_id) if home else None
        out.append(
            {
                "order_id": u.order_id,
                "building": (building.name or building.building_id) if building else "",
                "unit": home.unit if home else "",
                "priority": order.priority.value if order else "",
                "reason": u.reason.value,
                "detail": u.detail,
            }
        )
    return out


# ----------------------------------------------------------------------------- CSV and text


def _csv_text(frame: pd.DataFrame) -> str:
    """FRAME as CSV text with a BOM (Excel opens it as UTF-8) and neutralised cells."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(frame.columns)
    for values in frame.itertuples(index=False, name=None):
        writer.writerow([_csv_cell(v) for v in values])
    return "\ufeff" + buffer.getvalue()


def _csv_cell(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(timespec="seconds")
    return neutralise_cell(value)


def order_flags(row: pd.Series, *, door_to_door: bool = True) -> list[str]:
    """Short flags of one sheet row: MEDICINE or URGENT, ``due HH:MM``, D2D (door to door)."""
    flags = []
    if row["medicine"]:
        flags.append("MEDICINE")
    elif row["priority"] == Priority.URGENT.value:
        flags.append("URGENT")
    if row["due"]:
        flags.append(f"due {row['due']}")
    if door_to_door and row["door_to_door"]:
        flags.append("D2D")
    return flags


def trip_load(rows: pd.DataFrame, trip: object) -> tuple[int, float]:
    """(bags, kg) of TRIP in the sheet ROWS of one courier."""
    sub = rows[rows["trip"] == trip]
    return int(sub["bags"].sum()), float(sub["weight_kg"].sum())


def chat_text(
    plan: Plan, scenario: Scenario, volunteer_id: str, *, with_contacts: bool = False
) -> str:
    """A short plain text of one courier's trips, to paste into a chat group.

    Parameters
    ----------
    plan, scenario, with_contacts
        As :func:`courier_sheets`.
    volunteer_id
        The courier.

    Returns
    -------
    str
        A header line, one line per trip and stop, one line per order
        (unit, floor, bags, kg, order id, flags). Control characters are removed.

    Raises
    ------
    KeyError
        When VOLUNTEER_ID has no trip in the plan.
    """
    rows = courier_sheets(plan, scenario, with_contacts=with_contacts)
    return _chat(plan, rows[rows["volunteer_id"] == volunteer_id], volunteer_id, with_contacts)


def _bags(n: object) -> str:
    return f"{n} bag" if n == 1 else f"{n} bags"


def _chat(plan: Plan, rows: pd.DataFrame, volunteer_id: str, with_contacts: bool) -> str:
    if rows.empty:
        raise KeyError(f"volunteer {volunteer_id!r} has no trip in this plan")
    lines = [
        f"【{volunteer_id} {rows['volunteer'].iloc[0]}】{plan.date} {plan.window}: "
        f"{rows['trip'].max()} trip(s), {len(rows)} orders, {rows['bags'].sum()} bags"
    ]
    for (trip, stop), group in rows.groupby(["trip", "stop"], sort=True):
        first = group.iloc[0]
        if stop == 1:
            bags, kg = trip_load(rows, trip)
            lines.append(
                f"Trip {trip} {first['trip_depart']:%H:%M}-{first['trip_return']:%H:%M} "
                f"({_bags(bags)}, {kg:.1f} kg)"
            )
        lines.append(f" {stop}. {first['arrive']:%H:%M} {first['building']} — {first['drop']}")
        for _, row in group.iterrows():
            flags = " ".join(order_flags(row, door_to_door=False))
            contact = f" {row['name']} {row['phone']}" if with_contacts else ""
            lines.append(
                f"   {row['unit']} {row['floor']}F {_bags(row['bags'])} {row['weight_kg']:g} kg "
                f"{row['order_id']}{' ' + flags if flags else ''}{contact}"
            )
    return clean_text("\n".join(lines)) + "\n"


# ----------------------------------------------------------------------------- Excel


def write_sheets_xlsx(
    plan: Plan, scenario: Scenario, path: str | os.PathLike[str], *, with_contacts: bool = False
) -> Path:
    """Write the courier sheets as an Excel workbook (needs the ``sheets`` extra).

    One worksheet per courier, then ``Buildings`` (the manifests) and ``Unassigned``.
    Every user string is written as a string cell (never a formula) and neutralised.

    Parameters
    ----------
    plan, scenario, with_contacts
        As :func:`courier_sheets`.
    path
        The ``.xlsx`` file; written through a temporary file and renamed.

    Returns
    -------
    pathlib.Path

    Raises
    ------
    ImportError
        When openpyxl is not installed (``pip install 'basket-route[sheets]'``).
    """
    import pandas as pd

    openpyxl = _openpyxl()
    rows = courier_sheets(plan, scenario, with_contacts=with_contacts)
    book = openpyxl.Workbook()
    book.remove(book.active)
    used: set[str] = set()
    tables: list[tuple[str, pd.DataFrame]] = [
        (f"{vid} {mine.iloc[0]['volunteer']}", mine)
        for vid, mine in rows.groupby("volunteer_id", sort=False)
    ]
    tables.append(("Buildings", building_manifests(plan, scenario, with_contacts=with_contacts)))
    tables.append(("Unassigned", pd.DataFrame(unassigned_rows(plan, scenario))))
    for title, frame in tables:
        sheet = book.create_sheet(_sheet_title(title, used))
        _fill(sheet, frame)
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    try:
        book.save(tmp)
        os.replace(tmp, target)
    finally:
        Path(tmp).unlink(missing_ok=True)
    return target


def _openpyxl() -> Any:
    """The openpyxl module (untyped), or ImportError naming the extra to install."""
    try:
        return importlib.import_module("openpyxl")
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("Excel files need openpyxl: pip install 'basket-route[sheets]'") from exc


def _sheet_title(text: str, used: set[str]) -> str:
    base = re.sub(r"[\[\]:*?/\\']", "_", clean_text(text)).strip()[:28] or "Sheet"
    title, k = base, 2
    while title.lower() in used:
        title, k = f"{base[:25]}~{k}", k + 1
    used.add(title.lower())
    return title


def _fill(sheet: Any, frame: pd.DataFrame) -> None:
    sheet.append([str(c) for c in frame.columns])
    for r, values in enumerate(frame.itertuples(index=False, name=None), start=2):
        for c, value in enumerate(values, start=1):
            cell = sheet.cell(row=r, column=c)
            if isinstance(value, bool | int | float):
                cell.value = value
            elif isinstance(value, dt.datetime):
                cell.value = value.strftime("%H:%M")
            else:
                cell.value = neutralise_cell(value)
                cell.data_type = "s"  # a string cell, never a formula
    sheet.freeze_panes = "A2"


# ----------------------------------------------------------------------------- writer


def write_sheets(
    plan: Plan,
    scenario: Scenario,
    folder: str | os.PathLike[str],
    *,
    with_contacts: bool = False,
    formats: Sequence[str] | None = None,
) -> list[Path]:
    """Write every courier sheet of PLAN into FOLDER.

    Files: ``sheets.html`` (couriers, building manifests, unassigned), ``sheets.csv``,
    ``manifests.csv``, ``unassigned.csv``, ``chat.txt`` (every courier) and
    ``chat/<courier>.txt`` (one per courier, slugified names), ``sheets.xlsx``. The plan
    is checked against the scenario before any file is opened; each file is written
    atomically.

    Parameters
    ----------
    plan, scenario, with_contacts
        As :func:`courier_sheets`.
    folder
        Created when needed.
    formats
        Any of ``"html"``, ``"csv"``, ``"txt"``, ``"xlsx"``. Default None: all, with
        ``xlsx`` only when openpyxl is installed.

    Returns
    -------
    list of pathlib.Path
        The files written.

    Raises
    ------
    ValueError
        On an unknown format, or a plan that does not match the scenario.
    ImportError
        When ``xlsx`` is asked for and openpyxl is missing.
    """
    import pandas as pd

    wanted = _formats(formats)
    rows = courier_sheets(plan, scenario, with_contacts=with_contacts)  # checks the plan
    out = Path(folder)
    written: list[Path] = []

    def put(name: str, text: str) -> None:
        atomic_write_text(out / name, text)
        written.append(out / name)

    if "html" in wanted:
        from basket_route.io.sheets_html import sheets_html

        put("sheets.html", sheets_html(plan, scenario, with_contacts=with_contacts))
    if "csv" in wanted:
        put("sheets.csv", _csv_text(rows))
        put(
            "manifests.csv",
            _csv_text(building_manifests(plan, scenario, with_contacts=with_contacts)),
        )
        columns = ["order_id", "building", "unit", "priority", "reason", "detail"]
        put(
            "unassigned.csv",
            _csv_text(pd.DataFrame(unassigned_rows(plan, scenario), columns=columns)),
        )
    if "txt" in wanted:
        texts = {
            str(v): _chat(plan, mine, str(v), with_contacts)
            for v, mine in rows.groupby("volunteer_id", sort=False)
        }
        put("chat.txt", "\n".join(texts.values()))
        for vid, text in texts.items():
            put(f"chat/{slugify(vid, 'courier')}.txt", text)
    if "xlsx" in wanted:
        written.append(
            write_sheets_xlsx(plan, scenario, out / "sheets.xlsx", with_contacts=with_contacts)
        )
    return written


def _formats(formats: Iterable[str] | None) -> set[str]:
    if formats is None:
        try:
            _openpyxl()
        except ImportError:
            return {"html", "csv", "txt"}
        return set(_SHEET_FORMATS)
    wanted = {f.strip().lower() for f in formats if f.strip()}
    unknown = sorted(wanted - set(_SHEET_FORMATS))
    if unknown:
        raise ValueError(f"sheet format(s) {unknown} not in {list(_SHEET_FORMATS)}")
    return wanted
