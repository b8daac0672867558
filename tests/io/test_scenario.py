"""Tests of the scenario reader (``basket_route.io.scenario``): bad inputs and format quirks.

The inputs live in ``tests/data/bad/<CaseName>/``. Each folder is a copy of
``tests/data/tiny`` with exactly one file changed, added or removed, as the tables below
describe (``STRUCTURAL``: the whole scenario is rejected; ``BAD_ORDERS``: one order row is
invalid, the rest loads; ``TOLERATED``: an unusual but valid file that must load exactly
like tiny). ``test_corpus_is_current`` checks that the folders match the tables. After
editing tiny or a table, rewrite the corpus with::

    PYTHONPATH=src .venv/bin/python tests/io/test_scenario.py

A case whose ``bug`` is set documents a known reader bug: it runs as
``xfail(strict=True)``, so fixing the bug turns it into a failure until the mark is removed.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import filecmp
import io
import re
import shutil
import sys
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from basket_route.exceptions import Defect, ScenarioError
from basket_route.io.scenario import load_scenario, scenario_from_frames
from basket_route.model import Scenario

DATA = Path(__file__).resolve().parents[1] / "data"
TINY = DATA / "tiny"
BAD = DATA / "bad"

Patch = Callable[[bytes | None], bytes | None]
"""How a bad folder's file differs from tiny's: old bytes (None: absent) → new bytes (None: removed)."""


# --------------------------------------------------------------------------- patches


def _on_text(edit: Callable[[str], str]) -> Patch:
    def patch(data: bytes | None) -> bytes:
        assert data is not None, "the patch needs an existing file"
        return edit(data.decode("utf-8")).encode("utf-8")

    return patch


def append(*lines: str) -> Patch:
    """Add LINES at the end of the file (tiny's files end with a newline)."""
    return _on_text(lambda text: text + "".join(line + "\n" for line in lines))


def replace(old: str, new: str) -> Patch:
    """Replace the only occurrence of OLD by NEW."""

    def edit(text: str) -> str:
        assert text.count(old) == 1, f"{old!r} must occur exactly once"
        return text.replace(old, new)

    return _on_text(edit)


def replace_bytes(old: bytes, new: bytes) -> Patch:
    """Replace the only occurrence of the bytes OLD by the bytes NEW."""

    def patch(data: bytes | None) -> bytes:
        assert data is not None and data.count(old) == 1, f"{old!r} must occur exactly once"
        return data.replace(old, new)

    return patch


def reshape(edit: Callable[[list[list[str]]], list[list[str]]], newline: str = "\n") -> Patch:
    """Apply EDIT to the rows of cells (header first) and write them back, unquoted."""

    def on_text(text: str) -> str:
        rows = edit(list(csv.reader(io.StringIO(text))))
        return "".join(",".join(row) + newline for row in rows)

    return _on_text(on_text)


def drop_column(name: str) -> Patch:
    """Remove the column NAME (header and cells)."""

    def edit(rows: list[list[str]]) -> list[list[str]]:
        i = rows[0].index(name)
        return [row[:i] + row[i + 1 :] for row in rows]

    return reshape(edit)


def rename_column(old: str, new: str) -> Patch:
    """Rename the header OLD to NEW, cells unchanged."""
    return reshape(lambda rows: [[new if c == old else c for c in rows[0]], *rows[1:]])


def put(content: str | bytes) -> Patch:
    """Replace (or create) the file with CONTENT; text is written as UTF-8."""
    data = content.encode("utf-8") if isinstance(content, str) else content
    return lambda _old: data


def remove() -> Patch:
    """Delete the file."""
    return lambda _old: None


def reencode(encoding: str, bom: bytes = b"", tabs: bool = False, newline: str = "\n") -> Patch:
    """Re-encode the file (optionally tab-separated, other line endings, a BOM in front)."""

    def patch(data: bytes | None) -> bytes:
        assert data is not None
        rows = list(csv.reader(io.StringIO(data.decode("utf-8"))))
        text = "".join(("\t" if tabs else ",").join(row) + newline for row in rows)
        return bom + text.encode(encoding)

    return patch


PATHS = "from,to,length_m\nD1,B1,300\nD1,B2,400\nB2,B3,300\n"
"""A valid walking graph for tiny; a bad edge appended to it is line 5 of paths.csv."""

LATLON_BUILDINGS = (
    "building_id,name,lat,lon,floors,elevator,sealed\n"
    "B1,1号楼,30.5000,114.3000,6,false,true\n"
    "B2,2号楼,30.5036,114.3030,12,true,false\n"
    "B3,3号楼,30.5036,114.3060,12,true,false\n"
)


# --------------------------------------------------------------------------- the tables


@dataclass(frozen=True)
class Structural:
    """A folder that must be rejected with a ScenarioError naming FILE, ROW and COLUMN."""

    file: str  # the file that differs from tiny; the defect must name it
    patch: Patch
    row: int | None  # line in the file (header = 1), None for a whole-file / TOML defect
    column: str | None  # column or TOML key at fault
    match: str  # regular expression searched in str(ScenarioError)
    bug: str | None = None  # known reader bug → xfail(strict=True)


STRUCTURAL: dict[str, Structural] = {
    # orders.csv without its required weight_kg column: the header (row 1) is at fault.
    "OrdersMissingWeightColumn": Structural(
        "orders.csv", drop_column("weight_kg"), 1, "weight_kg", r"missing column\(s\) weight_kg"
    ),
    # buildings.csv without building_id: nothing else can be checked against it.
    "BuildingsMissingIdColumn": Structural(
        "buildings.csv", drop_column("building_id"), 1, "building_id", r"missing column"
    ),
    # capacity_kg twice in the header (pandas would silently rename one to capacity_kg.1).
    "DuplicateColumnHeader": Structural(
        "volunteers.csv",
        rename_column("capacity_bags", "capacity_kg"),
        1,
        "capacity_kg",
        r"duplicate column",
    ),
    # D1 listed a second time.
    "DuplicateDepotId": Structural(
        "depots.csv", append("D1,第二服务点,50,50"), 3, "depot_id", r"duplicate"
    ),
    # B3 listed a second time.
    "DuplicateBuildingId": Structural(
        "buildings.csv",
        append("B3,3号楼副楼,320,420,6,false,false"),
        5,
        "building_id",
        r"duplicate",
    ),
    # H6 listed a second time, in another unit.
    "DuplicateHouseholdId": Structural(
        "households.csv",
        append("H6,B3,3-602,6,1,,赵先生,13800000007"),
        8,
        "household_id",
        r"duplicate household_id",
    ),
    # V3 listed a second time.
    "DuplicateVolunteerId": Structural(
        "volunteers.csv",
        append("V3,Cart D,D1,cart,30,10,false,"),
        5,
        "volunteer_id",
        r"duplicate volunteer_id",
    ),
    # A building whose id is the depot's id D1: one id, two places.
    "BuildingIdIsDepotId": Structural(
        "buildings.csv",
        append("D1,服务中心楼,0,0,3,false,false"),
        5,
        "building_id",
        r"already a depot_id",
    ),
    # Household H7 lives in building B9, which does not exist.
    "HouseholdUnknownBuilding": Structural(
        "households.csv", append("H7,B9,9-101,1,1,,,"), 8, "building_id", r"unknown building_id"
    ),
    # Volunteer V4 starts from depot D9, which does not exist.
    "VolunteerUnknownDepot": Structural(
        "volunteers.csv",
        append("V4,Walker D,D9,walk,15,5,false,"),
        5,
        "depot_id",
        r"unknown depot_id",
    ),
    # Volunteer V4 rides a "scooter", not a key of [modes].
    "VolunteerUnknownMode": Structural(
        "volunteers.csv",
        append("V4,Rider D,D1,scooter,15,5,false,"),
        5,
        "mode",
        r"mode not in",
    ),
    # A shift for volunteer V9, who does not exist.
    "ShiftUnknownVolunteer": Structural(
        "shifts.csv", append("V9,2020-02-10,AM"), 5, "volunteer_id", r"unknown volunteer_id"
    ),
    # A shift in window NOON, which scenario.toml does not define.
    "ShiftUnknownWindow": Structural(
        "shifts.csv", append("V1,2020-02-10,NOON"), 5, "window", r"window not in"
    ),
    # paths.csv with an edge of length -5 m.
    "PathNegativeLength": Structural(
        "paths.csv", put(PATHS + "B1,B3,-5\n"), 5, "length_m", r"length_m must be >= 0"
    ),
    # paths.csv with an edge from B3 to itself.
    "PathSelfLoop": Structural("paths.csv", put(PATHS + "B3,B3,10\n"), 5, "to", r"self-loop"),
    # paths.csv with a length that is a word.
    "PathNonNumericLength": Structural(
        "paths.csv", put(PATHS + "B1,B3,far\n"), 5, "length_m", r"expected a number"
    ),
    # Depots in planar x_m,y_m but buildings in lat,lon: reported at the first lat,lon row.
    "MixedCoordinateSystems": Structural(
        "buildings.csv", put(LATLON_BUILDINGS), 2, None, r"mixed coordinate systems"
    ),
    # [windows.PM] ends at 13:00, before it starts at 14:00.
    "TomlWindowEndBeforeStart": Structural(
        "scenario.toml",
        replace('end = "18:00"', 'end = "13:00"'),
        None,
        "windows.PM",
        r"must be after start",
    ),
    # [distance] detour = 0.5: paths cannot be shorter than straight lines.
    "TomlDetourBelowOne": Structural(
        "scenario.toml",
        append("", "[distance]", "detour = 0.5"),
        None,
        "distance.detour",
        r"must be a number >= 1",
    ),
    # [modes] walk = 0: a speed of zero.
    "TomlModeSpeedZero": Structural(
        "scenario.toml",
        append("", "[modes]", "walk = 0"),
        None,
        "modes.walk",
        r"must be a number > 0",
    ),
    # Unterminated string on line 1 of scenario.toml.
    "TomlSyntaxError": Structural(
        "scenario.toml",
        replace('name = "Tiny compound"', 'name = "Tiny compound'),
        1,
        None,
        r"not valid TOML",
    ),
    # An array nested 1000 deep (adversarial input): tomllib raises RecursionError.
    "TomlDeepNesting": Structural(
        "scenario.toml",
        append("deep = " + "[" * 1000 + "]" * 1000),
        None,
        None,
        r"scenario\.toml",
    ),
    # shifts.csv is not in the folder.
    "ShiftsFileMissing": Structural("shifts.csv", remove(), None, None, r"missing from scenario"),
    # volunteers.csv has zero bytes: no header row.
    "VolunteersFileEmpty": Structural("volunteers.csv", put(b""), 1, None, r"empty"),
    # Volunteer V4 can carry 0 kg.
    "CapacityZero": Structural(
        "volunteers.csv",
        append("V4,Walker D,D1,walk,0,5,false,"),
        5,
        "capacity_kg",
        r"capacity_kg must be > 0",
    ),
    # Volunteer V4 can carry "abc" kg.
    "CapacityNotNumber": Structural(
        "volunteers.csv",
        append("V4,Walker D,D1,walk,abc,5,false,"),
        5,
        "capacity_kg",
        r"expected a number",
    ),
    # Household H7 on floor 0 (floors start at 1 = ground).
    "HouseholdFloorZero": Structural(
        "households.csv", append("H7,B1,1-001,0,1,,,"), 8, "floor", r"floor must be an integer"
    ),
    # Household H7 on floor 7 of B1, which has 6 floors.
    "HouseholdFloorAboveBuilding": Structural(
        "households.csv", append("H7,B1,1-701,7,1,,,"), 8, "floor", r"has 6 floors"
    ),
    # Building B4 with 0 floors.
    "BuildingFloorsZero": Structural(
        "buildings.csv",
        append("B4,4号楼,600,0,0,false,false"),
        5,
        "floors",
        r"floors must be an integer >= 1",
    ),
    # Bytes FF FE FA in a name on line 4: invalid in UTF-8 and in GB18030 (strict).
    "UndecodableBytes": Structural(
        "households.csv",
        replace_bytes("张女士".encode(), b"\xff\xfe\xfa"),
        4,
        None,
        r"not UTF-8 or GBK/GB18030",
    ),
    # Building B4 without coordinates, and no paths.csv to place it.
    "MissingCoordinatesNoPaths": Structural(
        "buildings.csv",
        append("B4,4号楼,,,3,false,false"),
        5,
        "x_m",
        r"no coordinates",
    ),
    # Line 4 of households.csv has 9 cells under an 8-column header.
    "RowMoreCellsThanHeader": Structural(
        "households.csv",
        replace("张女士,13800000003", "张女士,13800000003,多余"),
        4,
        None,
        r"row has 9 cells but the header has 8",
    ),
    # A volunteer id of 201 characters.
    "IdLongerThan200": Structural(
        "volunteers.csv",
        append("V" + "9" * 200 + ",Long,D1,walk,15,5,false,"),
        5,
        "volunteer_id",
        r"id longer than 200 characters",
    ),
}


@dataclass(frozen=True)
class BadOrder:
    """A folder whose orders.csv has one bad row: it must load, the order must be invalid."""

    patch: Patch  # applied to orders.csv
    order_id: str
    row: int  # InvalidOrder.row
    details: tuple[str, ...]  # regular expressions, each searched in InvalidOrder.detail
    unplaced: bool = False  # the order belongs to no defined window
    bug: str | None = None


def _at(column: str, value: str, row: int = 10) -> tuple[str, ...]:
    """Detail patterns: orders.csv, ROW, COLUMN and VALUE (a regular expression) named."""
    return (r"orders\.csv", rf"\brow {row}\b", rf"\bcolumn {column}\b", rf"\(value '?{value}'?\)")


def _order(*cells: str) -> Patch:
    """Append order O9 (line 10 of orders.csv) with CELLS after order_id."""
    return append(",".join(["O9", *cells]))


BAD_ORDERS: dict[str, BadOrder] = {
    # O9 is for household H9, which does not exist.
    "OrderUnknownHousehold": BadOrder(
        _order("H9", "2020-02-10", "AM", "3.0", "1", "normal", ""),
        "O9",
        10,
        _at("household_id", "H9"),
    ),
    # O9 weighs 0 kg.
    "OrderWeightZero": BadOrder(
        _order("H1", "2020-02-10", "AM", "0", "1", "normal", ""),
        "O9",
        10,
        _at("weight_kg", r"0(\.0)?"),
    ),
    # O9 weighs -1 kg.
    "OrderWeightNegative": BadOrder(
        _order("H1", "2020-02-10", "AM", "-1", "1", "normal", ""),
        "O9",
        10,
        _at("weight_kg", r"-1(\.0)?"),
    ),
    # O9 weighs NaN kg.
    "OrderWeightNaN": BadOrder(
        _order("H1", "2020-02-10", "AM", "NaN", "1", "normal", ""),
        "O9",
        10,
        _at("weight_kg", "NaN"),
    ),
    # O9 weighs infinitely much.
    "OrderWeightInf": BadOrder(
        _order("H1", "2020-02-10", "AM", "inf", "1", "normal", ""),
        "O9",
        10,
        _at("weight_kg", "inf"),
    ),
    # O9 weighs "abc".
    "OrderWeightNotNumber": BadOrder(
        _order("H1", "2020-02-10", "AM", "abc", "1", "normal", ""),
        "O9",
        10,
        _at("weight_kg", "abc"),
    ),
    # O9 has 0 bags.
    "OrderBagsZero": BadOrder(
        _order("H1", "2020-02-10", "AM", "3.0", "0", "normal", ""),
        "O9",
        10,
        _at("bags", "0"),
    ),
    # O9 is for 30 February.
    "OrderBadDate": BadOrder(
        _order("H1", "2020-02-30", "AM", "3.0", "1", "normal", ""),
        "O9",
        10,
        _at("date", "2020-02-30"),
    ),
    # O9 is for window NOON, which scenario.toml does not define: it belongs to no window.
    "OrderUnknownWindow": BadOrder(
        _order("H1", "2020-02-10", "NOON", "3.0", "1", "normal", ""),
        "O9",
        10,
        _at("window", "NOON"),
        unplaced=True,
    ),
    # O9 has priority "vip".
    "OrderUnknownPriority": BadOrder(
        _order("H1", "2020-02-10", "AM", "3.0", "1", "vip", ""),
        "O9",
        10,
        _at("priority", "vip"),
    ),
    # O9 is due at 25:00.
    "OrderBadDue": BadOrder(
        _order("H1", "2020-02-10", "AM", "3.0", "1", "normal", "25:00"),
        "O9",
        10,
        _at("due", "25:00"),
    ),
    # O9 is due at 99999999999999999999:00 (int too large for datetime.time).
    "OrderDueHugeHour": BadOrder(
        _order("H1", "2020-02-10", "AM", "3.0", "1", "normal", "99999999999999999999:00"),
        "O9",
        10,
        _at("due", "99999999999999999999:00"),
    ),
    # O9 is due at 08:30, before window AM starts at 09:00.
    "OrderDueBeforeWindow": BadOrder(
        _order("H1", "2020-02-10", "AM", "3.0", "1", "normal", "08:30"),
        "O9",
        10,
        _at("due", "08:30"),
    ),
    # O3 pasted twice (rows 4 and 10): one invalid order, neither row is planned.
    "OrderDuplicateId": BadOrder(
        append("O3,H3,2020-02-10,PM,1.0,1,normal,"),
        "O3",
        4,
        (r"orders\.csv", r"duplicate order_id", r"\brows 4 and 10\b"),
    ),
    # O3 pasted three times (rows 4, 10 and 11): the detail must name all three rows.
    "OrderTriplicateId": BadOrder(
        append("O3,H3,2020-02-10,PM,1.0,1,normal,", "O3,H3,2020-02-10,PM,2.0,1,normal,"),
        "O3",
        4,
        (r"orders\.csv", r"duplicate order_id", r"\b4\b.*\b10\b.*\b11\b"),
    ),
}


@dataclass(frozen=True)
class Tolerated:
    """A folder with an unusual but valid file: it must load exactly like tiny."""

    file: str
    patch: Patch
    check: Callable[[Scenario], bool]  # a spot check on top of "same content as tiny"
    bug: str | None = None


def _upper_header(rows: list[list[str]]) -> list[list[str]]:
    return [[c.upper() for c in rows[0]], *rows[1:]]


def _reversed_columns(rows: list[list[str]]) -> list[list[str]]:
    return [row[::-1] for row in rows]


def _extra_columns(rows: list[list[str]]) -> list[list[str]]:
    head, *body = rows
    return [
        ["备注", *head, "notes"],
        *(["楼下放门卫", *r, f"note {i}"] for i, r in enumerate(body)),
    ]


def _bool_spellings(rows: list[list[str]]) -> list[list[str]]:
    # tiny: B1 elevator false, sealed true; B2 and B3 elevator true, sealed false.
    spelled = {"B1": ("No", "YES"), "B2": ("1", "0"), "B3": ("True", "nO")}
    head, *body = rows
    assert head[-2:] == ["elevator", "sealed"]
    return [head, *([*r[:-2], *spelled[r[0]]] for r in body)]


def _full_width_ids(rows: list[list[str]]) -> list[list[str]]:
    full = str.maketrans("HB0123456789", "ＨＢ０１２３４５６７８９")
    head, *body = rows
    return [head, *([r[0].translate(full), r[1].translate(full), *r[2:]] for r in body)]


TOLERATED: dict[str, Tolerated] = {
    # buildings.csv saved as GBK without BOM (Excel on Chinese Windows).
    "GbkNoBom": Tolerated(
        "buildings.csv",
        reencode("gbk"),
        lambda s: [b.name for b in s.buildings.values()] == ["1号楼", "2号楼", "3号楼"],
    ),
    # depots.csv saved as UTF-8 with BOM: the BOM must not stick to "depot_id".
    "Utf8Bom": Tolerated(
        "depots.csv", reencode("utf-8", bom=b"\xef\xbb\xbf"), lambda s: list(s.depots) == ["D1"]
    ),
    # orders.csv with CRLF line endings: no "\r" may stick to the last cell (due).
    "CrlfLineEndings": Tolerated(
        "orders.csv",
        reencode("utf-8", newline="\r\n"),
        lambda s: s.orders["O2"].due == dt.time(10, 0),
    ),
    # orders.csv ending with blank lines and an Excel-style row of empty cells.
    "TrailingBlankLines": Tolerated(
        "orders.csv", append("", ",,,,,,,", "", "  "), lambda s: len(s.orders) == 8
    ),
    # households.csv with unknown columns before and after the known ones.
    "ExtraUnknownColumns": Tolerated(
        "households.csv", reshape(_extra_columns), lambda s: s.households["H2"].name == "李先生"
    ),
    # orders.csv with its columns in reverse order.
    "ShuffledColumns": Tolerated(
        "orders.csv", reshape(_reversed_columns), lambda s: s.orders["O5"].weight_kg == 12.0
    ),
    # orders.csv with upper-case header names (ORDER_ID, ...).
    "UpperCaseHeaders": Tolerated(
        "orders.csv", reshape(_upper_header), lambda s: s.orders["O4"].priority == "urgent"
    ),
    # buildings.csv booleans spelled YES / No / 1 / 0 / True / nO.
    "BooleanSpellings": Tolerated(
        "buildings.csv",
        reshape(_bool_spellings),
        lambda s: (s.buildings["B1"].sealed, s.buildings["B2"].elevator) == (True, True),
    ),
    # households.csv ids with full-width letters and digits: "Ｈ1" is H1, "Ｂ1" is B1.
    "FullWidthIds": Tolerated(
        "households.csv",
        reshape(_full_width_ids),
        lambda s: list(s.households) == ["H1", "H2", "H3", "H4", "H5", "H6"],
    ),
    # orders.csv as Excel "Unicode Text": UTF-16 LE with BOM, tab-separated, CRLF.
    "Utf16TabSeparated": Tolerated(
        "orders.csv",
        reencode("utf-16-le", bom=b"\xff\xfe", tabs=True, newline="\r\n"),
        lambda s: s.orders["O8"].weight_kg == 7.5,
    ),
}

CASES: dict[str, Structural | BadOrder | Tolerated] = {**STRUCTURAL, **BAD_ORDERS, **TOLERATED}


def _file_of(case: Structural | BadOrder | Tolerated) -> str:
    return "orders.csv" if isinstance(case, BadOrder) else case.file


def _params(table: Mapping[str, Structural | BadOrder | Tolerated]) -> list[Any]:
    """The case names of TABLE as pytest params; a case with a known bug is a strict xfail."""
    return [
        pytest.param(
            name,
            id=name,
            marks=[pytest.mark.xfail(strict=True, reason=f"reader bug: {case.bug}")]
            if case.bug
            else [],
        )
        for name, case in table.items()
    ]


def write_case(name: str, target: Path) -> None:
    """Write the folder of case NAME to TARGET: tiny with the case's patch applied."""
    case = CASES[name]
    shutil.copytree(TINY, target)
    path = target / _file_of(case)
    new = case.patch(path.read_bytes() if path.exists() else None)
    if new is None:
        path.unlink()
    else:
        path.write_bytes(new)


def write_corpus(root: Path = BAD) -> None:
    """(Re)write every case folder under ROOT."""
    for name in CASES:
        shutil.rmtree(root / name, ignore_errors=True)
        write_case(name, root / name)


# --------------------------------------------------------------------------- helpers


def _content(scenario: Scenario) -> dict[str, Any]:
    """Everything a scenario holds except where it was read from."""
    fields = dataclasses.fields(scenario)
    return {f.name: getattr(scenario, f.name) for f in fields if f.name != "source"}


def _defect_at(exc: ScenarioError, file: str, row: int | None, column: str | None) -> Defect:
    hits = [d for d in exc.defects if (d.file, d.row, d.column) == (file, row, column)]
    assert hits, f"no defect at {file} row {row} column {column}; got {list(exc.defects)}"
    return hits[0]


# --------------------------------------------------------------------------- tests


def test_corpus_is_current(tmp_path: Path) -> None:
    """Each folder under tests/data/bad is tiny plus its table patch, and nothing else is there."""
    assert sorted(p.name for p in BAD.iterdir() if p.is_dir()) == sorted(CASES)
    for name in CASES:
        write_case(name, tmp_path / name)
        expected = sorted(p.name for p in (tmp_path / name).iterdir())
        assert sorted(p.name for p in (BAD / name).iterdir()) == expected, name
        _, mismatch, errors = filecmp.cmpfiles(tmp_path / name, BAD / name, expected, False)
        assert not mismatch and not errors, f"{name}: {mismatch or errors} differ; see docstring"


def test_tiny_loads() -> None:
    """The reference scenario loads cleanly: 8 valid orders, nothing invalid."""
    scenario = load_scenario(TINY)
    assert len(scenario.orders) == 8
    assert not scenario.invalid_orders
    assert scenario.buildings["B1"].name == "1号楼"


@pytest.mark.parametrize("name", _params(STRUCTURAL))
def test_structural_defect_is_reported(name: str) -> None:
    """A structural defect raises ScenarioError naming its file, row, column and problem."""
    case = STRUCTURAL[name]
    with pytest.raises(ScenarioError, match=case.match) as info:
        load_scenario(BAD / name)
    exc = info.value
    assert (exc.file, exc.row, exc.column) == (case.file, case.row, case.column), exc.defects
    text = str(exc.defects[0])
    assert text.startswith(case.file)
    if case.row is not None:
        assert f" row {case.row}" in text
    if case.column is not None:
        assert f" column {case.column}" in text
    assert text in str(exc)


def test_duplicate_column_is_named_once() -> None:
    """The duplicate-header message names the repeated column once, not once per copy."""
    with pytest.raises(ScenarioError) as info:
        load_scenario(BAD / "DuplicateColumnHeader")
    assert info.value.defects[0].message.count("capacity_kg") == 1


def test_defects_in_several_files_are_reported_together(tmp_path: Path) -> None:
    """Defects in four files (toml, households, volunteers, paths) come in one ScenarioError."""
    parts = {
        "scenario.toml": "TomlDetourBelowOne",
        "households.csv": "HouseholdUnknownBuilding",
        "volunteers.csv": "VolunteerUnknownDepot",
        "paths.csv": "PathNegativeLength",
    }
    folder = tmp_path / "many"
    shutil.copytree(TINY, folder)
    for file, name in parts.items():
        shutil.copy(BAD / name / file, folder / file)
    with pytest.raises(ScenarioError) as info:
        load_scenario(folder)
    exc = info.value
    assert len(exc.defects) >= 3
    for name in parts.values():
        case = STRUCTURAL[name]
        _defect_at(exc, case.file, case.row, case.column)
    assert str(exc).startswith(f"{len(exc.defects)} defect(s)")


@pytest.mark.parametrize("name", _params(BAD_ORDERS))
def test_bad_order_row_is_invalid_not_fatal(name: str) -> None:
    """A bad order row loads as an InvalidOrder whose detail names file, row, column, value."""
    case = BAD_ORDERS[name]
    scenario = load_scenario(BAD / name)
    invalid = scenario.invalid_orders[case.order_id]
    assert invalid.row == case.row
    for pattern in case.details:
        assert re.search(pattern, invalid.detail), f"{pattern!r} not in {invalid.detail!r}"
    assert case.order_id not in scenario.orders
    assert set(scenario.orders) == {f"O{i}" for i in range(1, 9)} - {case.order_id}
    assert list(scenario.invalid_orders) == [case.order_id]
    unplaced = [o.order_id for o in scenario.unplaced_orders()]
    assert unplaced == ([case.order_id] if case.unplaced else [])


@pytest.mark.parametrize("name", _params(TOLERATED))
def test_tolerated_format_loads_like_tiny(name: str) -> None:
    """An unusual encoding or layout loads to the same content as tiny, names intact."""
    case = TOLERATED[name]
    scenario = load_scenario(BAD / name)
    assert case.check(scenario)
    assert _content(scenario) == _content(load_scenario(TINY))


def test_gbk_file_is_not_utf8() -> None:
    """The GBK corpus file really is GBK: strict UTF-8 fails on it, so the fallback is tested."""
    data = (BAD / "GbkNoBom" / "buildings.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    assert "1号楼" in data.decode("gbk")


def test_undecodable_bytes_fail_both_encodings() -> None:
    """The bytes of UndecodableBytes fail strict UTF-8 and strict GB18030 decoding."""
    data = (BAD / "UndecodableBytes" / "households.csv").read_bytes()
    for encoding in ("utf-8", "gb18030"):
        with pytest.raises(UnicodeDecodeError):
            data.decode(encoding)


# --------------------------------------------------------------------------- frames


def _tiny_frames(as_text: bool) -> dict[str, pd.DataFrame]:
    options: dict[str, Any] = {"dtype": str, "keep_default_na": False} if as_text else {}
    return {p.name: pd.read_csv(p, **options) for p in sorted(TINY.glob("*.csv"))}


def _tiny_settings() -> dict[str, Any]:
    return tomllib.loads((TINY / "scenario.toml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("as_text", [True, False], ids=["str-cells", "inferred-dtypes"])
def test_frames_give_same_scenario_as_folder(as_text: bool) -> None:
    """scenario_from_frames on tiny's tables (text or pandas-typed cells) equals load_scenario."""
    from_frames = scenario_from_frames(_tiny_frames(as_text), _tiny_settings())
    from_folder = load_scenario(TINY)
    assert dict(from_frames.orders) == dict(from_folder.orders)
    assert dict(from_frames.households) == dict(from_folder.households)
    assert dict(from_frames.volunteers) == dict(from_folder.volunteers)
    assert _content(from_frames) == _content(from_folder)


def test_frames_report_row_as_position_plus_two() -> None:
    """A bad frame row at 0-based position i is reported as row i + 2, like a file line."""
    frames = _tiny_frames(as_text=True)
    frames["orders.csv"].loc[2, "weight_kg"] = "abc"  # O3
    scenario = scenario_from_frames(frames, _tiny_settings())
    assert scenario.invalid_orders["O3"].row == 4
    assert "orders.csv row 4 column weight_kg" in scenario.invalid_orders["O3"].detail

    frames = _tiny_frames(as_text=True)
    frames["volunteers.csv"].loc[1, "depot_id"] = "D9"  # V2
    with pytest.raises(ScenarioError, match=r"volunteers\.csv row 3 column depot_id"):
        scenario_from_frames(frames, _tiny_settings())


def _with_nat(frames: dict[str, pd.DataFrame]) -> None:
    frames["households.csv"]["quarantine_start"] = pd.NaT


def _with_timestamps(frames: dict[str, pd.DataFrame]) -> None:
    for file in ("orders.csv", "shifts.csv"):
        frames[file]["date"] = pd.to_datetime(frames[file]["date"])


@pytest.mark.parametrize(
    "edit",
    [
        pytest.param(
            _with_nat,
            id="NaT-is-missing",
        ),
        pytest.param(
            _with_timestamps,
            id="datetime64-dates",
        ),
    ],
)
def test_frames_accept_pandas_dates_and_missing(
    edit: Callable[[dict[str, pd.DataFrame]], None],
) -> None:
    """Frames with pandas-native cells (NaT for missing, datetime64 dates) load like tiny."""
    frames = _tiny_frames(as_text=False)
    edit(frames)
    assert _content(scenario_from_frames(frames, _tiny_settings())) == _content(load_scenario(TINY))


# --------------------------------------------------------------------------- fuzz

_CELL = st.one_of(
    st.sampled_from(["", "O1", "H1", "B1", "V1", "D1", "AM", "PM", "2020-02-10", "10:00"]),
    st.sampled_from(["6.5", "0", "-1", "nan", "inf", "1e400", "true", "Ｈ1", "号", "walk"]),
    st.text(alphabet='0123456789:.-+eEnaifNAMPHOV号 ,"\r\n\t\x00\ufeff', max_size=14),
)
_HEADERS = {
    "orders.csv": ["order_id", "household_id", "date", "window", "weight_kg", "bags", "due"],
    "households.csv": ["household_id", "building_id", "unit", "floor", "members", "vulnerable"],
    "buildings.csv": ["building_id", "name", "x_m", "y_m", "lat", "floors", "elevator", "sealed"],
    "volunteers.csv": ["volunteer_id", "depot_id", "mode", "capacity_kg", "capacity_bags"],
}


@st.composite
def _csv_like(draw: st.DrawFn, file: str) -> str:
    """A header of (mostly) real column names, then rows of plausible and hostile cells."""
    names = _HEADERS[file]
    header = draw(st.permutations(names).flatmap(lambda p: st.sampled_from([p, p[:-1], p[1:]])))
    header = [*header, *draw(st.lists(st.sampled_from(["x", "", "ORDER_ID"]), max_size=2))]
    rows = draw(st.lists(st.lists(_CELL, max_size=len(header) + 1), max_size=6))
    return "\n".join(",".join(row) for row in [header, *rows])


_TOML_VALUE = st.one_of(
    st.sampled_from(['"09:00"', '"12:00"', '"25:00"', '"9"', "09:30:00", "1979-05-27", "true"]),
    st.sampled_from(["[]", "{}", '{ start = "10:00" }', "inf", "nan", "-0.0", '""']),
    st.integers(-(10**20), 10**20).map(str),
    st.floats().map(repr),
)
_TOML_KEY = st.sampled_from(
    ["name", "start", "end", "stop_s", "floor_s", "detour", "walk", "van", "AM", "x"]
)
_TOML_SECTION = st.sampled_from(
    ["", "windows.AM", "windows.PM", "windows.X", "windows", "service", "distance", "modes"]
)


@st.composite
def _toml_like(draw: st.DrawFn) -> str:
    """Sections and keys of scenario.toml with plausible and hostile values."""
    lines = []
    for section in draw(st.lists(_TOML_SECTION, max_size=4, unique=True)):
        if section:
            lines.append(f"[{section}]")
        for key in draw(st.lists(_TOML_KEY, max_size=3, unique=True)):
            lines.append(f"{key} = {draw(_TOML_VALUE)}")
    return "\n".join(lines)


_FUZZ: dict[str, tuple[str, st.SearchStrategy[bytes]]] = {
    "orders-bytes": ("orders.csv", st.binary(max_size=300)),
    "orders-text": (
        "orders.csv",
        st.text(max_size=300).map(lambda t: t.encode("utf-8", "replace")),
    ),
    "orders-csv": ("orders.csv", _csv_like("orders.csv").map(str.encode)),
    "households-csv": ("households.csv", _csv_like("households.csv").map(str.encode)),
    "buildings-csv": ("buildings.csv", _csv_like("buildings.csv").map(str.encode)),
    "volunteers-csv": ("volunteers.csv", _csv_like("volunteers.csv").map(str.encode)),
    "toml-bytes": ("scenario.toml", st.binary(max_size=300)),
    "toml-text": (
        "scenario.toml",
        st.text(max_size=300).map(lambda t: t.encode("utf-8", "replace")),
    ),
    "toml-like": ("scenario.toml", _toml_like().map(str.encode)),
}
_FUZZ_BUGS: dict[str, str] = {}  # kind -> known reader bug (strict xfail)


@pytest.mark.parametrize(
    "kind",
    [
        pytest.param(
            k,
            marks=[pytest.mark.xfail(strict=True, reason=f"reader bug: {_FUZZ_BUGS[k]}")]
            if k in _FUZZ_BUGS
            else [],
        )
        for k in _FUZZ
    ],
)
@settings(
    max_examples=200,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_fuzzed_file_gives_scenario_or_scenario_error(
    kind: str, data: st.DataObject, tmp_path: Path
) -> None:
    """Random content in one file of tiny either loads or raises ScenarioError, nothing else."""
    file, strategy = _FUZZ[kind]
    folder = tmp_path / "fuzz"
    if not folder.exists():
        shutil.copytree(TINY, folder)
    (folder / file).write_bytes(data.draw(strategy, label=file))
    try:
        load_scenario(folder)
    except ScenarioError as exc:
        assert exc.defects and all(isinstance(d, Defect) for d in exc.defects)
        assert str(exc)


if __name__ == "__main__":
    write_corpus()
    print(f"wrote {len(CASES)} case folders under {BAD}", file=sys.stderr)
