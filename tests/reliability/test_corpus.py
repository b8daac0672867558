"""The bad-input corpus: each defect gives a ScenarioError that names file, row and column,
or plans (one per window with orders) that verify and account for every order.

Two sources, one parametrised test (:func:`test_defect_is_rejected_or_planned`):

- every folder of ``tests/data/bad/`` (written by ``tests/io/test_scenario.py``, whose
  tables ``STRUCTURAL``, ``BAD_ORDERS`` and ``TOLERATED`` give the expected outcome of each
  folder; a folder that none of them describes fails :func:`test_every_folder_has_an_expectation`);
- the cases of :data:`GENERATED` below, written into ``tmp_path`` at test time: tiny with
  one or more files patched. They are not committed under ``tests/data/bad/`` because
  ``test_corpus_is_current`` there pins that folder to its own tables, and the scale cases
  (100,000 orders, a 10 MB note, 1 MB ids) are too big to commit.

Whatever the outcome, no exception other than ScenarioError may escape ``load_scenario``
and none at all may escape ``plan_window``. A case with a known bug carries ``bug=...``
and runs as ``xfail(strict=True)``.

``python tests/reliability/test_corpus.py`` prints the corpus as the markdown table of
``docs/reliability.md``; ``python tests/reliability/test_corpus.py write DIR`` writes the
generated cases as folders under DIR to look at them.
"""

from __future__ import annotations

import re
import shutil
import sys
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

import basket_route as br
from basket_route.exceptions import ScalingWarning
from tests.io.test_scenario import (
    BAD,
    BAD_ORDERS,
    STRUCTURAL,
    TINY,
    TOLERATED,
    Patch,
    append,
    put,
    reencode,
    remove,
    replace,
    reshape,
)
from tests.reliability.common import REPRO, check_plan, check_with_checker, windows_to_plan

ALL = "all"
"""``Planned.delivered``: every order of the planned windows that is not in ``reasons``."""


# --------------------------------------------------------------------------- expectations


@dataclass(frozen=True)
class Rejected:
    """load_scenario raises a ScenarioError whose first defect is at FILE, ROW, COLUMN."""

    file: str
    row: int | None
    column: str | None
    match: str  # regular expression searched in str(ScenarioError)

    def describe(self) -> str:
        """One line for the docs table."""
        where = self.file + (f" row {self.row}" if self.row else "")
        where += f" column {self.column}" if self.column else ""
        return f"ScenarioError at {where}"


@dataclass(frozen=True)
class Planned:
    """The scenario loads; every window with orders plans, verifies and lists each order once."""

    reasons: Mapping[str, str] = field(default_factory=dict)  # order_id → reason
    delivered: tuple[str, ...] | str = ()  # these orders are on a stop; ALL: all but reasons
    some_reasons: frozenset[str] = frozenset()  # reasons that appear at least once
    rejected: tuple[str, ...] = ()  # order rows of no window, under the plan's "rejected"
    checker: bool = False  # also run the independent checker on each plan
    options: br.PlanOptions = REPRO
    check: Callable[[br.Scenario], bool] | None = None  # a spot check on the scenario

    def describe(self) -> str:
        """One line for the docs table."""
        parts = [f"{o} {r}" for o, r in sorted(self.reasons.items())]
        parts += sorted(self.some_reasons)
        parts += [f"{o} rejected (no window)" for o in self.rejected]
        if self.delivered == ALL:
            parts.append("the rest delivered" if parts else "all delivered")
        return "plan: " + ", ".join(parts) if parts else "plan"


Expect = Rejected | Planned


@dataclass(frozen=True)
class Case:
    """A generated defect: tiny with FILES patched (bytes → bytes, None = absent/removed)."""

    kind: str  # defect class, a row of the docs table
    files: Mapping[str, Patch]
    expect: Expect
    bug: str | None = None  # known bug → xfail(strict=True)


# --------------------------------------------------------------------------- patches


def _pad_cells(rows: list[list[str]]) -> list[list[str]]:
    return [[f"  {c} " for c in row] for row in rows]


def _gbk_first_line(data: bytes | None) -> bytes:
    """Line 2 (H1) re-encoded as GBK, the other lines left in UTF-8."""
    assert data is not None
    head, first, rest = data.decode("utf-8").split("\n", 2)
    return (head + "\n").encode() + (first + "\n").encode("gbk") + rest.encode()


MOJIBAKE_HOUSEHOLDS = (
    b"household_id,building_id,unit,floor,members,vulnerable,name,phone\n"
    + "H1,B1,1-101,1,2,,王女士,\n".encode("gbk")
    + "H2,B1,1-401,4,1,,李四,\n".encode()
    + b"H3,B2,2-1201,12,3,,,\nH4,B2,2-302,3,2,,,\nH5,B3,3-501,5,4,,,\nH6,B3,3-601,6,1,,,\n"
)
"""H1's name in GBK, H2's in UTF-8, no other non-ASCII byte: the whole file happens to be
valid GB18030, so H2's name 李四 (UTF-8 bytes) decodes as GB18030 mojibake 鏉庡洓."""

LATLON_DEPOTS = "depot_id,name,lat,lon\nD1,社区服务中心,30.4964,114.2970\n"
LATLON_BUILDINGS = (
    "building_id,name,lat,lon,floors,elevator,sealed\n"
    "B1,1号楼,95.0,114.3000,6,false,true\n"
    "B2,2号楼,30.5036,114.3030,12,true,false\n"
    "B3,3号楼,30.5036,114.3060,12,true,false\n"
)
PATHS_HEAD = "from,to,length_m\n"
PATHS = PATHS_HEAD + "D1,B1,300\nD1,B2,400\nB2,B3,300\n"
V3_ON_AM = append("V3,2020-02-10,AM")  # the cart (30 kg, 10 bags) works the morning too
UNCAPPED_V3 = replace("V3,Cart C,D1,cart,30,10,false,", "V3,Cart C,D1,cart,,,false,")


def _order(*cells: str) -> Patch:
    """Append order O9 (orders.csv line 10) with CELLS after order_id."""
    return append(",".join(["O9", *cells]))


def _with_note(size: int) -> Patch:
    """A ``note`` column; order O1's note is SIZE characters long."""

    def patch(data: bytes | None) -> bytes:
        assert data is not None
        head, first, rest = data.decode("utf-8").split("\n", 2)
        body = "".join(line + ",\n" for line in rest.splitlines())
        return f"{head},note\n{first},{'备' * 3 + 'x' * size}\n{body}".encode()

    return patch


def _orders_100k(data: bytes | None) -> bytes:
    """100,000 valid orders of 2020-02-10 AM spread over tiny's six households."""
    head = "order_id,household_id,date,window,weight_kg,bags,priority,due\n"
    rows = (
        f"X{i:06d},H{i % 6 + 1},2020-02-10,AM,{1 + (i % 7) * 0.5},1,normal,\n"
        for i in range(100_000)
    )
    return (head + "".join(rows)).encode()


def _many_columns(data: bytes | None) -> bytes:
    """households.csv with 10,000 extra columns after the known ones."""
    assert data is not None
    lines = data.decode("utf-8").splitlines()
    extra = ",".join(f"x{i}" for i in range(10_000))
    blanks = "," * 9_999
    return (
        "\n".join([f"{lines[0]},{extra}", *(f"{ln},{blanks}" for ln in lines[1:])]) + "\n"
    ).encode()


def _many_bad_volunteers(data: bytes | None) -> bytes:
    """5,000 appended volunteers with a negative capacity: 5,000 defects, one message."""
    assert data is not None
    rows = "".join(f"W{i},Bad,D1,walk,-1,5,false,\n" for i in range(5_000))
    return data + rows.encode()


# --------------------------------------------------------------------------- the generated cases

ENC, REF, RNG, TIM, GRA, INF, SCA = (
    "encoding & schema",
    "references",
    "ranges",
    "times",
    "graphs",
    "infeasibility",
    "scale",
)

GENERATED: dict[str, Case] = {
    # --- encoding and schema
    # households GBK, buildings UTF-8 with BOM, orders UTF-16 tab-separated: one encoding per file.
    "MixedEncodingsAcrossFiles": Case(
        ENC,
        {
            "households.csv": reencode("gbk"),
            "buildings.csv": reencode("utf-8", bom=b"\xef\xbb\xbf"),
            "orders.csv": reencode("utf-16-le", bom=b"\xff\xfe", tabs=True, newline="\r\n"),
        },
        Planned(delivered=ALL, check=lambda s: s.households["H2"].name == "李先生"),
    ),
    # households.csv with line 2 in GBK and the rest in UTF-8: neither decoding works.
    "MixedEncodingsInOneFile": Case(
        ENC,
        {"households.csv": _gbk_first_line},
        Rejected("households.csv", 2, None, r"not UTF-8 or GBK/GB18030"),
    ),
    # GBK and UTF-8 names in one file that happens to decode as GB18030: the UTF-8 line
    # is named instead of read as mojibake.
    "MixedEncodingsDecodeAsMojibake": Case(
        ENC,
        {"households.csv": put(MOJIBAKE_HOUSEHOLDS)},
        Rejected("households.csv", 3, None, r"mixed encodings: line 3 is UTF-8 but line 2"),
    ),
    # orders.csv without its header row: the first order is taken for the header.
    "OrdersHeaderMissing": Case(
        ENC,
        {
            "orders.csv": replace(
                "order_id,household_id,date,window,weight_kg,bags,priority,due\n", ""
            )
        },
        Rejected("orders.csv", 1, "order_id", r"missing column\(s\) order_id"),
    ),
    # orders.csv with a header and no row: nothing to deliver, an empty plan.
    "OrdersHeaderOnly": Case(
        ENC,
        {"orders.csv": put("order_id,household_id,date,window,weight_kg,bags,priority,due\n")},
        Planned(delivered=ALL),
    ),
    # orders.csv of zero bytes.
    "OrdersFileEmpty": Case(
        ENC, {"orders.csv": put(b"")}, Rejected("orders.csv", 1, None, r"empty")
    ),
    # depots.csv holding only a UTF-8 BOM.
    "BomOnlyFile": Case(
        ENC, {"depots.csv": put(b"\xef\xbb\xbf")}, Rejected("depots.csv", 1, None, r"empty")
    ),
    # Every header and cell of orders.csv padded with blanks: stripped, like tiny.
    "BlanksAroundHeaderAndCells": Case(
        ENC, {"orders.csv": reshape(_pad_cells)}, Planned(delivered=ALL)
    ),
    # weight_kg and WEIGHT_KG in one header: headers are case-insensitive, so a duplicate.
    "DuplicateColumnOtherCase": Case(
        ENC,
        {
            "orders.csv": reshape(
                lambda rows: [[*rows[0], "WEIGHT_KG"], *([*r, "1"] for r in rows[1:])]
            )
        },
        Rejected("orders.csv", 1, "weight_kg", r"duplicate column"),
    ),
    # A NUL byte inside order id O3: kept as part of the id, the order is still planned.
    "NulByteInCell": Case(
        ENC, {"orders.csv": replace("O3,H3", "O3\x00,H3")}, Planned(delivered=ALL)
    ),
    # An unterminated quote before H2's name: the reader meets the end of the file in it.
    "UnterminatedQuote": Case(
        ENC,
        {"households.csv": replace("李先生", '"李先生')},
        Rejected("households.csv", 7, None, r"malformed CSV: unexpected end of data"),
    ),
    # scenario.toml of zero bytes: every setting takes its default.
    "TomlEmpty": Case(ENC, {"scenario.toml": put(b"")}, Planned(delivered=ALL)),
    # No scenario.toml at all: defaults.
    "TomlMissing": Case(ENC, {"scenario.toml": remove()}, Planned(delivered=ALL)),
    # scenario.toml saved as GBK: decoded by the same policy as the CSV files.
    "TomlGbk": Case(
        ENC,
        {"scenario.toml": put('name = "青湖花半里"\n'.encode("gbk"))},
        Planned(delivered=ALL, check=lambda s: s.name == "青湖花半里"),
    ),
    # Unknown tables and keys in scenario.toml are ignored.
    "TomlUnknownKeys": Case(
        ENC, {"scenario.toml": append("[weather]", "rain = true")}, Planned(delivered=ALL)
    ),
    # windows = 5 instead of a table of windows.
    "TomlWindowsNotTable": Case(
        ENC,
        {"scenario.toml": put("windows = 5\n")},
        Rejected("scenario.toml", None, "windows", r"must be a table"),
    ),
    # --- references
    # Building B1 served by depot D9 (extension column depot_id), which does not exist.
    "BuildingUnknownDepot": Case(
        REF,
        {
            "buildings.csv": reshape(
                lambda rows: [
                    [*rows[0], "depot_id"],
                    *([*r, "D9" if r[0] == "B1" else "D1"] for r in rows[1:]),
                ]
            )
        },
        Rejected("buildings.csv", 2, "depot_id", r"unknown depot_id"),
    ),
    # O9 on 2020-02-11, a day nobody works.
    "OrderOnDayWithoutShift": Case(
        REF,
        {"orders.csv": _order("H3", "2020-02-11", "AM", "3", "1", "normal", "")},
        Planned(reasons={"O9": "no_volunteer"}, delivered=ALL),
    ),
    # A shift on 2020-13-01.
    "ShiftBadDate": Case(
        REF,
        {"shifts.csv": append("V1,2020-13-01,AM")},
        Rejected("shifts.csv", 5, "date", r"expected an ISO date"),
    ),
    # V1's morning shift listed twice: one shift.
    "ShiftDuplicateRow": Case(
        REF, {"shifts.csv": append("V1,2020-02-10,AM")}, Planned(delivered=ALL)
    ),
    # The walking graph goes through junctions J1, J2 that are neither depot nor building.
    "PathJunctionNodes": Case(
        REF,
        {"paths.csv": put(PATHS_HEAD + "D1,J1,100\nJ1,B1,250\nJ1,J2,50\nJ2,B2,320\nJ2,B3,400\n")},
        Planned(delivered=ALL, checker=True),
    ),
    # --- ranges
    # Volunteer V4 carries 0 bags.
    "CapacityBagsZero": Case(
        RNG,
        {"volunteers.csv": append("V4,Walker D,D1,walk,15,0,false,")},
        Rejected("volunteers.csv", 5, "capacity_bags", r"capacity_bags must be an integer >= 1"),
    ),
    # Volunteer V4 carries -5 kg.
    "CapacityNegative": Case(
        RNG,
        {"volunteers.csv": append("V4,Walker D,D1,walk,-5,5,false,")},
        Rejected("volunteers.csv", 5, "capacity_kg", r"capacity_kg must be > 0"),
    ),
    # Volunteer V4 carries NaN kg.
    "CapacityNaN": Case(
        RNG,
        {"volunteers.csv": append("V4,Walker D,D1,walk,nan,5,false,")},
        Rejected("volunteers.csv", 5, "capacity_kg", r"finite number"),
    ),
    # Volunteer V4 may make 0 trips.
    "MaxTripsZero": Case(
        RNG,
        {"volunteers.csv": append("V4,Walker D,D1,walk,15,5,false,0")},
        Rejected("volunteers.csv", 5, "max_trips", r"max_trips must be an integer >= 1"),
    ),
    # Volunteer V4 may make 1.5 trips.
    "MaxTripsFraction": Case(
        RNG,
        {"volunteers.csv": append("V4,Walker D,D1,walk,15,5,false,1.5")},
        Rejected("volunteers.csv", 5, "max_trips", r"whole number"),
    ),
    # Household H7 on floor -1.
    "HouseholdFloorNegative": Case(
        RNG,
        {"households.csv": append("H7,B1,1-001,-1,1,,,")},
        Rejected("households.csv", 8, "floor", r"floor must be an integer >= 1"),
    ),
    # Household H7 of -1 members.
    "HouseholdMembersNegative": Case(
        RNG,
        {"households.csv": append("H7,B1,1-101,1,-1,,,")},
        Rejected("households.csv", 8, "members", r"members must be an integer >= 0"),
    ),
    # Building B4 at x_m = nan.
    "CoordinateNaN": Case(
        RNG,
        {"buildings.csv": append("B4,4号楼,nan,0,3,false,false")},
        Rejected("buildings.csv", 5, "x_m", r"finite number"),
    ),
    # Building B1 at latitude 95 (depots and buildings in lat,lon).
    "LatitudeOutOfRange": Case(
        RNG,
        {"depots.csv": put(LATLON_DEPOTS), "buildings.csv": put(LATLON_BUILDINGS)},
        Rejected("buildings.csv", 2, "lat", r"latitude must be within"),
    ),
    # [service] stop_s = -5.
    "TomlServiceNegative": Case(
        RNG,
        {"scenario.toml": append("[service]", "stop_s = -5")},
        Rejected("scenario.toml", None, "service.stop_s", r"must be a number >= 0"),
    ),
    # [service] order_s = nan.
    "TomlServiceNaN": Case(
        RNG,
        {"scenario.toml": append("[service]", "order_s = nan")},
        Rejected("scenario.toml", None, "service.order_s", r"must be a number >= 0"),
    ),
    # [modes] walk = inf.
    "TomlModeSpeedInf": Case(
        RNG,
        {"scenario.toml": append("[modes]", "walk = inf")},
        Rejected("scenario.toml", None, "modes.walk", r"must be a number > 0"),
    ),
    # [modes] walk = -4.5.
    "TomlModeSpeedNegative": Case(
        RNG,
        {"scenario.toml": append("[modes]", "walk = -4.5")},
        Rejected("scenario.toml", None, "modes.walk", r"must be a number > 0"),
    ),
    # O9 weighs 1e-300 kg: one gram in solver units, delivered.
    "OrderWeightTiny": Case(
        RNG,
        {"orders.csv": _order("H3", "2020-02-10", "AM", "1e-300", "1", "normal", "")},
        Planned(delivered=ALL),
    ),
    # O9 weighs 1e300 kg.
    "OrderWeightHuge": Case(
        RNG,
        {"orders.csv": _order("H3", "2020-02-10", "AM", "1e300", "1", "normal", "")},
        Planned(reasons={"O9": "no_capacity"}, delivered=ALL),
    ),
    # O9 has 10**30 bags and the cart on shift has no bag limit (once an OverflowError).
    "OrderBagsHugeUncappedCourier": Case(
        RNG,
        {
            "volunteers.csv": UNCAPPED_V3,
            "shifts.csv": V3_ON_AM,
            "orders.csv": _order("H3", "2020-02-10", "AM", "3", "1" + "0" * 30, "normal", ""),
        },
        Planned(reasons={"O9": "invalid"}, delivered=ALL),
    ),
    # O9 has 2**41 bags, above the solver's MAX_VALUE 2**40 (once a ValueError).
    "OrderBagsAboveSolverRange": Case(
        RNG,
        {
            "volunteers.csv": UNCAPPED_V3,
            "shifts.csv": V3_ON_AM,
            "orders.csv": _order("H3", "2020-02-10", "AM", "3", str(2**41), "normal", ""),
        },
        Planned(reasons={"O9": "invalid"}, delivered=ALL),
    ),
    # Building B3 at x_m = 1e300: travel times clipped, its orders out_of_time.
    "CoordinateHuge": Case(
        RNG,
        {"buildings.csv": replace("B3,3号楼,300,400", "B3,3号楼,1e300,400")},
        Planned(
            reasons={"O5": "out_of_time", "O6": "out_of_time", "O8": "out_of_time"}, delivered=ALL
        ),
    ),
    # The cart carries 1e300 kg.
    "CapacityHuge": Case(
        RNG,
        {
            "volunteers.csv": replace("V3,Cart C,D1,cart,30", "V3,Cart C,D1,cart,1e300"),
            "shifts.csv": V3_ON_AM,
        },
        Planned(delivered=ALL),
    ),
    # [service] stop_s = 1e300: no stop fits any window.
    "ServiceTimeHuge": Case(
        RNG,
        {"scenario.toml": append("[service]", "stop_s = 1e300")},
        Planned(reasons={f"O{i}": "out_of_time" for i in range(1, 9)}),
    ),
    # B1 has 10**20 floors and H2 lives on floor 10**19 of the sealed walk-up.
    "FloorHuge": Case(
        RNG,
        {
            "buildings.csv": replace("B1,1号楼,300,0,6", "B1,1号楼,300,0," + "1" + "0" * 20),
            "households.csv": replace("H2,B1,1-401,4", "H2,B1,1-401," + "1" + "0" * 19),
        },
        Planned(reasons={"O2": "out_of_time"}, delivered=ALL),
    ),
    # --- times
    # O9 due at 23:00, long after the window ends: the due time never binds.
    "OrderDueAfterWindowEnd": Case(
        TIM,
        {"orders.csv": _order("H3", "2020-02-10", "AM", "3", "1", "normal", "23:00")},
        Planned(delivered=ALL),
    ),
    # O9 due at 09:01: nobody reaches B2 in one minute.
    "OrderDueTooSoon": Case(
        TIM,
        {"orders.csv": _order("H3", "2020-02-10", "AM", "3", "1", "normal", "09:01")},
        Planned(reasons={"O9": "out_of_time"}, delivered=ALL),
    ),
    # O9 due at 11:59:59 (seconds given).
    "OrderDueWithSeconds": Case(
        TIM,
        {"orders.csv": _order("H3", "2020-02-10", "AM", "3", "1", "normal", "11:59:59")},
        Planned(delivered=ALL),
    ),
    # O9 on 9999-12-31 PM, the cart on shift then: the last representable day.
    "OrderDateFarFuture": Case(
        TIM,
        {
            "orders.csv": _order("H3", "9999-12-31", "PM", "3", "1", "normal", ""),
            "shifts.csv": append("V3,9999-12-31,PM"),
        },
        Planned(delivered=ALL),
    ),
    # O9 on 0000-01-01, a day that does not exist: invalid, listed in every AM plan.
    "OrderDateYearZero": Case(
        TIM,
        {"orders.csv": _order("H3", "0000-01-01", "AM", "3", "1", "normal", "")},
        Planned(reasons={"O9": "invalid"}, delivered=ALL),
    ),
    # [windows.AM] starts and ends at 09:00.
    "TomlWindowZeroLength": Case(
        TIM,
        {"scenario.toml": replace('end = "12:00"', 'end = "09:00"')},
        Rejected("scenario.toml", None, "windows.AM", r"must be after start"),
    ),
    # [windows.NIGHT] from 22:00 to 02:00 (over midnight).
    "TomlWindowOverMidnight": Case(
        TIM,
        {"scenario.toml": append("[windows.NIGHT]", 'start = "22:00"', 'end = "02:00"')},
        Rejected("scenario.toml", None, "windows.NIGHT", r"must be after start"),
    ),
    # [windows.AM] start = "9am".
    "TomlWindowBadClock": Case(
        TIM,
        {"scenario.toml": replace('start = "09:00"', 'start = "9am"')},
        Rejected("scenario.toml", None, "windows.AM", r"expected a time HH:MM"),
    ),
    # H1's quarantine ends before it starts.
    "QuarantineEndBeforeStart": Case(
        TIM,
        {
            "households.csv": reshape(
                lambda rows: [
                    [*rows[0], "quarantine_start", "quarantine_end"],
                    *([*r, "2020-02-10", "2020-02-01" if r[0] == "H1" else ""] for r in rows[1:]),
                ]
            )
        },
        Rejected("households.csv", 2, "quarantine_end", r"must not be before quarantine_start"),
    ),
    # The morning lasts five minutes: no trip fits.
    "WindowTooShort": Case(
        TIM,
        {"scenario.toml": replace('end = "12:00"', 'end = "09:05"')},
        Planned(reasons={f"O{i}": "out_of_time" for i in range(1, 7)}, delivered=ALL),
    ),
    # --- graphs
    # B3 hangs off junction J9, which nothing else reaches.
    "PathDisconnectedBuilding": Case(
        GRA,
        {"paths.csv": put(PATHS_HEAD + "D1,J1,100\nJ1,B1,250\nJ1,B2,320\nB3,J9,40\n")},
        Planned(
            reasons={"O5": "unreachable", "O6": "unreachable", "O8": "unreachable"},
            delivered=ALL,
            checker=True,
        ),
    ),
    # Every edge has length 0: travel takes no time, the plan still verifies.
    "PathZeroLength": Case(
        GRA,
        {"paths.csv": put(PATHS_HEAD + "D1,B1,0\nD1,B2,0\nB2,B3,0\n")},
        Planned(delivered=ALL, checker=True),
    ),
    # No edge touches the depot: every building is unreachable.
    "PathDepotIsolated": Case(
        GRA,
        {"paths.csv": put(PATHS_HEAD + "B1,B2,500\nB2,B3,300\n")},
        Planned(reasons={f"O{i}": "unreachable" for i in range(1, 9)}, checker=True),
    ),
    # D1 → B3 is one-way and nothing leads back: B3 is unreachable (no way home).
    "PathOneWayNoReturn": Case(
        GRA,
        {"paths.csv": put("from,to,length_m,oneway\nD1,B1,300,\nD1,B2,400,\nD1,B3,500,true\n")},
        Planned(
            reasons={"O5": "unreachable", "O6": "unreachable", "O8": "unreachable"}, delivered=ALL
        ),
    ),
    # D1–B1 given twice with different lengths: the shorter counts.
    "PathParallelEdges": Case(
        GRA, {"paths.csv": put(PATHS + "B1,D1,200\n")}, Planned(delivered=ALL, checker=True)
    ),
    # paths.csv with a header and no edge: nothing is reachable.
    "PathsHeaderOnly": Case(
        GRA,
        {"paths.csv": put(PATHS_HEAD)},
        Planned(reasons={f"O{i}": "unreachable" for i in range(1, 9)}),
    ),
    # An edge of length nan.
    "PathLengthNaN": Case(
        GRA,
        {"paths.csv": put(PATHS + "B1,B3,nan\n")},
        Rejected("paths.csv", 5, "length_m", r"finite number"),
    ),
    # An edge of length 1e300: B3 is reachable but out of any window's time.
    "PathLengthHuge": Case(
        GRA,
        {"paths.csv": put(PATHS_HEAD + "D1,B1,300\nD1,B2,400\nB2,B3,1e300\n")},
        Planned(
            reasons={"O5": "out_of_time", "O6": "out_of_time", "O8": "out_of_time"}, delivered=ALL
        ),
    ),
    # paths.csv without its length_m column.
    "PathMissingLengthColumn": Case(
        GRA,
        {"paths.csv": put("from,to\nD1,B1\n")},
        Rejected("paths.csv", 1, "length_m", r"missing column"),
    ),
    # --- infeasibility
    # O9 weighs 40 kg; the morning's couriers carry 15 kg.
    "OrderHeavierThanEveryCourier": Case(
        INF,
        {"orders.csv": _order("H3", "2020-02-10", "AM", "40", "1", "normal", "")},
        Planned(reasons={"O9": "no_capacity"}, delivered=ALL, checker=True),
    ),
    # O9 has 9 bags; the morning's couriers carry 5.
    "OrderMoreBagsThanEveryCourier": Case(
        INF,
        {"orders.csv": _order("H3", "2020-02-10", "AM", "3", "9", "normal", "")},
        Planned(reasons={"O9": "no_capacity"}, delivered=ALL),
    ),
    # V1 is no longer door-to-door: nobody may enter sealed B1.
    "SealedBuildingNoDoorToDoor": Case(
        INF,
        {
            "volunteers.csv": replace(
                "V1,Walker A,D1,walk,15,5,true,", "V1,Walker A,D1,walk,15,5,false,"
            )
        },
        Planned(reasons={"O1": "no_volunteer", "O2": "no_volunteer"}, delivered=ALL, checker=True),
    ),
    # shifts.csv with a header and no row: nobody works.
    "NobodyOnShift": Case(
        INF,
        {"shifts.csv": put("volunteer_id,date,window\n")},
        Planned(reasons={f"O{i}": "no_volunteer" for i in range(1, 9)}, checker=True),
    ),
    # Both walkers carry 5 kg on one trip: some orders are too heavy, some do not fit.
    "CouriersTooFewTrips": Case(
        INF,
        {
            "volunteers.csv": replace("15,5,true,", "5,5,true,1"),
            "shifts.csv": replace("V2,2020-02-10,AM\n", ""),
        },
        Planned(
            reasons={"O1": "no_capacity", "O3": "no_capacity", "O5": "no_capacity"},
            some_reasons=frozenset({"out_of_time"}),
            checker=True,
        ),
    ),
    # The depot is 100 km away: no round trip fits a window.
    "DepotFarAway": Case(
        INF,
        {"depots.csv": replace("D1,社区服务中心,0,0", "D1,社区服务中心,100000,0")},
        Planned(reasons={f"O{i}": "out_of_time" for i in range(1, 9)}),
    ),
    # --- scale
    # 100,000 orders in one window: read, planned (split into sub-problems), all accounted.
    "Orders100k": Case(
        SCA, {"orders.csv": _orders_100k}, Planned(options=br.PlanOptions(time_limit=5))
    ),
    # A 10 MB free-text note on O1: read and ignored.
    "Note10MB": Case(SCA, {"orders.csv": _with_note(10 * 1024 * 1024)}, Planned(delivered=ALL)),
    # A 17 MB cell, above the reader's 16 MiB field limit.
    "FieldOver16MiB": Case(
        SCA,
        {"orders.csv": _with_note(17 * 1024 * 1024)},
        Rejected("orders.csv", 2, None, r"field larger than field limit"),
    ),
    # A household id of 1,000,000 characters.
    "HouseholdIdOneMillionChars": Case(
        SCA,
        {"households.csv": append("H" * 1_000_000 + ",B1,1-101,1,1,,,")},
        Rejected("households.csv", 8, "household_id", r"id longer than 200 characters"),
    ),
    # An order id of 100,000 characters.
    "OrderIdHundredThousandChars": Case(
        SCA,
        {"orders.csv": append("O" * 100_000 + ",H3,2020-02-10,AM,3,1,normal,")},
        Rejected("orders.csv", 10, "order_id", r"id longer than 200 characters"),
    ),
    # A volunteer id of exactly 200 characters, on shift: the longest id accepted.
    "IdExactly200Chars": Case(
        SCA,
        {
            "volunteers.csv": append("V" * 200 + ",Long,D1,walk,15,5,true,"),
            "shifts.csv": append("V" * 200 + ",2020-02-10,AM"),
        },
        Planned(delivered=ALL),
    ),
    # households.csv with 10,000 unknown columns.
    "TenThousandColumns": Case(SCA, {"households.csv": _many_columns}, Planned(delivered=ALL)),
    # 5,000 bad volunteer rows: one ScenarioError, its message capped.
    "FiveThousandDefects": Case(
        SCA,
        {"volunteers.csv": _many_bad_volunteers},
        Rejected("volunteers.csv", 5, "capacity_kg", r"and 4950 more defect"),
    ),
}


# --------------------------------------------------------------------------- existing folders


KIND_OF_FOLDER: dict[str, str] = {
    **dict.fromkeys(
        [
            "OrdersMissingWeightColumn", "BuildingsMissingIdColumn", "DuplicateColumnHeader",
            "TomlSyntaxError", "TomlDeepNesting", "ShiftsFileMissing", "VolunteersFileEmpty",
            "UndecodableBytes", "RowMoreCellsThanHeader", "MixedCoordinateSystems",
            "MissingCoordinatesNoPaths", "GbkNoBom", "Utf8Bom", "CrlfLineEndings",
            "TrailingBlankLines", "ExtraUnknownColumns", "ShuffledColumns", "UpperCaseHeaders",
            "BooleanSpellings", "FullWidthIds", "Utf16TabSeparated",
        ],
        ENC,
    ),
    **dict.fromkeys(
        [
            "DuplicateDepotId", "DuplicateBuildingId", "DuplicateHouseholdId",
            "DuplicateVolunteerId", "BuildingIdIsDepotId", "HouseholdUnknownBuilding",
            "VolunteerUnknownDepot", "VolunteerUnknownMode", "ShiftUnknownVolunteer",
            "ShiftUnknownWindow", "OrderUnknownHousehold", "OrderUnknownWindow",
            "OrderDuplicateId", "OrderTriplicateId", "OrderUnknownPriority",
        ],
        REF,
    ),
    **dict.fromkeys(
        [
            "CapacityZero", "CapacityNotNumber", "HouseholdFloorZero",
            "HouseholdFloorAboveBuilding", "BuildingFloorsZero", "TomlDetourBelowOne",
            "TomlModeSpeedZero", "OrderBagsZero", "OrderWeightZero", "OrderWeightNegative",
            "OrderWeightNaN", "OrderWeightInf", "OrderWeightNotNumber",
        ],
        RNG,
    ),
    **dict.fromkeys(
        [
            "TomlWindowEndBeforeStart", "OrderBadDate", "OrderBadDue", "OrderDueHugeHour",
            "OrderDueBeforeWindow",
        ],
        TIM,
    ),
    **dict.fromkeys(["PathNegativeLength", "PathSelfLoop", "PathNonNumericLength"], GRA),
    "IdLongerThan200": SCA,
}  # fmt: skip
"""The defect class of each folder of tests/data/bad (a folder missing here is reported)."""


def _existing() -> dict[str, tuple[str, Expect, str | None]]:
    """The folders of tests/data/bad with their expectation from the reader tests' tables."""
    out: dict[str, tuple[str, Expect, str | None]] = {}
    for name, s in STRUCTURAL.items():
        out[name] = (
            KIND_OF_FOLDER.get(name, "?"),
            Rejected(s.file, s.row, s.column, s.match),
            s.bug,
        )
    for name, b in BAD_ORDERS.items():
        expect = (
            Planned(rejected=(b.order_id,), delivered=ALL)
            if b.unplaced
            else Planned(reasons={b.order_id: "invalid"}, delivered=ALL)
        )
        out[name] = (KIND_OF_FOLDER.get(name, "?"), expect, b.bug)
    for name, t in TOLERATED.items():
        out[name] = (KIND_OF_FOLDER.get(name, "?"), Planned(delivered=ALL), t.bug)
    return out


EXISTING = _existing()


def _params() -> list[Any]:
    params = []
    for name, (_, _, bug) in EXISTING.items():
        marks = [pytest.mark.xfail(strict=True, reason=f"bug: {bug}")] if bug else []
        params.append(pytest.param(name, id=name, marks=marks))
    for name, case in GENERATED.items():
        marks = [pytest.mark.xfail(strict=True, reason=f"bug: {case.bug}")] if case.bug else []
        params.append(pytest.param(name, id=name, marks=marks))
    return params


def write_generated(name: str, target: Path) -> Path:
    """Write the generated case NAME as a scenario folder at TARGET (tiny, patched)."""
    shutil.copytree(TINY, target)
    for file, patch in GENERATED[name].files.items():
        path = target / file
        new = patch(path.read_bytes() if path.exists() else None)
        if new is None:
            path.unlink(missing_ok=True)
        else:
            path.write_bytes(new)
    return target


def folder_of(name: str, tmp_path: Path) -> Path:
    """The scenario folder of case NAME: its tests/data/bad folder, or a generated one."""
    if name in EXISTING:
        return BAD / name
    return write_generated(name, tmp_path / name)


def expectation(name: str) -> Expect:
    """What case NAME must give."""
    return EXISTING[name][1] if name in EXISTING else GENERATED[name].expect


# --------------------------------------------------------------------------- checks


def _check_rejected(exc: br.ScenarioError, expect: Rejected) -> None:
    assert re.search(expect.match, str(exc)), str(exc)[:2000]
    assert (exc.file, exc.row, exc.column) == (expect.file, expect.row, expect.column), [
        str(d)[:200] for d in exc.defects[:5]
    ]
    first = str(exc.defects[0])
    assert first.startswith(expect.file)
    if expect.row is not None:
        assert f" row {expect.row}" in first
    if expect.column is not None:
        assert f" column {expect.column}" in first
    assert len(str(exc)) < 20_000, "a ScenarioError message must stay readable"


def _check_planned(scenario: br.Scenario, folder: Path, expect: Planned, tmp_path: Path) -> None:
    if expect.check is not None:
        assert expect.check(scenario)
    plans: list[br.Plan] = []
    for day, window in windows_to_plan(scenario):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ScalingWarning)  # clipping huge values is the point
            try:
                plan = br.plan_window(scenario, day, window, expect.options)
            except Exception as exc:  # the contract: nothing may escape
                pytest.fail(f"plan_window({day} {window}) raised {type(exc).__name__}: {exc}")
        check_plan(scenario, plan)
        if expect.checker:
            check_with_checker(folder, plan, tmp_path)
        plans.append(plan)
    unassigned = {u.order_id: u.reason.value for p in plans for u in p.unassigned}
    delivered = {o for p in plans for o in p.order_ids_delivered()}
    for order_id, reason in expect.reasons.items():
        assert unassigned.get(order_id) == reason, (order_id, unassigned.get(order_id))
    assert expect.some_reasons <= set(unassigned.values()), unassigned
    if expect.delivered == ALL:
        listed = delivered | set(unassigned)
        assert listed - set(expect.reasons) <= delivered, {
            o: r for o, r in unassigned.items() if o not in expect.reasons
        }
    else:
        assert set(expect.delivered) <= delivered
    rejected = {u.order_id for p in plans for u in p.rejected}
    assert set(expect.rejected) <= rejected


# --------------------------------------------------------------------------- tests


def test_every_folder_has_an_expectation() -> None:
    """Each folder of tests/data/bad is described by the reader tests' tables (so it runs here)."""
    folders = sorted(p.name for p in BAD.iterdir() if p.is_dir())
    assert folders and set(folders) <= set(EXISTING), set(folders) - set(EXISTING)
    assert not set(EXISTING) & set(GENERATED), "a generated case shadows a folder"
    assert set(KIND_OF_FOLDER) == set(EXISTING), "classify new folders in KIND_OF_FOLDER"


def test_corpus_covers_every_defect_class() -> None:
    """At least 40 defects in all, and every defect class of the issue has generated cases."""
    assert len(EXISTING) + len(GENERATED) >= 40
    kinds = {case.kind for case in GENERATED.values()}
    assert kinds == {ENC, REF, RNG, TIM, GRA, INF, SCA}


@pytest.mark.parametrize("name", _params())
def test_defect_is_rejected_or_planned(name: str, tmp_path: Path) -> None:
    """ScenarioError at the expected file/row/column, or plans that verify and account for
    every order with the expected reasons; no other exception escapes."""
    folder = folder_of(name, tmp_path)
    expect = expectation(name)
    try:
        scenario = br.load_scenario(folder)
    except br.ScenarioError as exc:
        assert isinstance(expect, Rejected), f"unexpected ScenarioError: {str(exc)[:500]}"
        _check_rejected(exc, expect)
        return
    except Exception as exc:  # the contract: only ScenarioError
        pytest.fail(f"load_scenario raised {type(exc).__name__}: {str(exc)[:500]}")
    assert isinstance(expect, Planned), f"loaded, but expected {expect}"
    _check_planned(scenario, folder, expect, tmp_path)


def test_unterminated_quote_is_a_defect_of_its_file(tmp_path: Path) -> None:
    """An unterminated quote in households.csv is a defect of households.csv (it used to
    swallow H3-H6 into H2's name and blame their orders in orders.csv instead)."""
    folder = write_generated("UnterminatedQuote", tmp_path / "quote")
    with pytest.raises(br.ScenarioError) as info:
        br.load_scenario(folder)
    assert info.value.file == "households.csv"


def test_huge_value_is_not_repeated_in_messages(tmp_path: Path) -> None:
    """A 1 MB id is cut short in the ScenarioError: the message stays under 20 kB."""
    folder = write_generated("HouseholdIdOneMillionChars", tmp_path / "long")
    with pytest.raises(br.ScenarioError) as info:
        br.load_scenario(folder)
    assert len(str(info.value)) < 20_000
    assert "…" in str(info.value)


# --------------------------------------------------------------------------- docs table


def markdown_table() -> str:
    """The corpus as the markdown table of docs/reliability.md, grouped by defect class."""
    rows: list[tuple[str, str, str, str]] = []
    for name, (kind, expect, bug) in EXISTING.items():
        note = " — **xfail (bug)**" if bug else ""
        rows.append((kind, name, "tests/data/bad", expect.describe() + note))
    for name, case in GENERATED.items():
        note = " — **xfail (bug)**" if case.bug else ""
        rows.append((case.kind, name, "generated", case.expect.describe() + note))
    order = [ENC, REF, RNG, TIM, GRA, INF, SCA]
    rows.sort(key=lambda r: (order.index(r[0]), r[2] != "tests/data/bad", r[1]))
    lines = ["| defect class | case | folder | behaviour |", "|---|---|---|---|"]
    lines += [f"| {k} | `{n}` | {f} | {b} |" for k, n, f, b in rows]
    return "\n".join(lines)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "write":
        for case_name in GENERATED:
            write_generated(case_name, Path(sys.argv[2]) / case_name)
        print(f"wrote {len(GENERATED)} folders under {sys.argv[2]}", file=sys.stderr)
    else:
        print(markdown_table())
