"""Courier sheets: content, order, personal data and injection-safe exports."""

from __future__ import annotations

import csv
import io
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

import basket_route as br
from basket_route.io.sanitise import html_text, neutralise_cell, slugify
from basket_route.io.sheets import SHEET_COLUMNS
from basket_route.io.sheets_html import sheets_html
from tests import chromium
from tests.helpers import tiny_frames, tiny_settings

EVIL_NAME = '=HYPERLINK("http://evil.example","click")'
EVIL_SCRIPT = "<script>alert(1)</script>"
EVIL_IMG = "<img src=x onerror=alert(1)>"
EVIL_JS = "`${alert(1)}`"


@pytest.fixture(scope="module")
def building() -> tuple[br.Scenario, br.Plan]:
    """The built-in sealed building and its first morning, planned in reproducible mode."""
    scenario = br.synthetic("building", seed=0)
    plan = br.plan_window(scenario, "2020-02-10", "AM", br.PlanOptions(reproducible=True))
    return scenario, plan


@pytest.fixture(scope="module")
def hostile() -> tuple[br.Scenario, br.Plan]:
    """The tiny scenario with formula, script and markup in names, phones and buildings."""
    frames = tiny_frames()
    homes = frames["households.csv"]
    homes.loc[homes["household_id"] == "H1", "name"] = EVIL_NAME
    homes.loc[homes["household_id"] == "H2", "name"] = EVIL_SCRIPT
    homes.loc[homes["household_id"] == "H3", "phone"] = "+86 138 0000 0003"
    homes.loc[homes["household_id"] == "H5", "name"] = "@SUM(A1:A9)"
    volunteers = frames["volunteers.csv"]
    volunteers.loc[volunteers["volunteer_id"] == "V1", "name"] = EVIL_IMG
    buildings = frames["buildings.csv"]
    buildings.loc[buildings["building_id"] == "B1", "name"] = EVIL_JS + EVIL_IMG
    scenario = br.scenario_from_frames(frames, tiny_settings())
    plan = br.plan_window(scenario, "2020-02-10", "AM", br.PlanOptions(reproducible=True))
    return scenario, plan


def test_every_delivered_order_once_in_visiting_order(
    building: tuple[br.Scenario, br.Plan],
) -> None:
    """Each delivered order is on one row; rows follow routes, trips and stops, floors up."""
    scenario, plan = building
    rows = br.courier_sheets(plan, scenario)
    assert Counter(rows["order_id"]) == Counter(plan.order_ids_delivered())
    assert rows["order_id"].is_unique
    expected = [
        (r.volunteer_id, ti, si, s.building_id)
        for r in plan.routes
        for ti, t in enumerate(r.trips, 1)
        for si, s in enumerate(t.stops, 1)
    ]
    seen = list(
        dict.fromkeys(
            zip(rows["volunteer_id"], rows["trip"], rows["stop"], rows["building_id"], strict=True)
        )
    )
    assert seen == expected
    for (_, _, _), group in rows.groupby(["volunteer_id", "trip", "stop"], sort=False):
        assert list(group["floor"]) == sorted(group["floor"])
    stop_of = {
        o: (r.volunteer_id, s.building_id)
        for r in plan.routes
        for t in r.trips
        for s in t.stops
        for o in s.order_ids
    }
    for row in rows.itertuples():
        assert stop_of[row.order_id] == (row.volunteer_id, row.building_id)
        order = scenario.orders[row.order_id]
        assert row.weight_kg == order.weight_kg and row.bags == order.bags
        assert row.medicine == (order.priority is br.Priority.MEDICINE)
    assert rows["door_to_door"].all()  # the building is sealed


def test_manifest_lists_each_order_of_the_building(
    building: tuple[br.Scenario, br.Plan],
) -> None:
    """The drop-point manifest has every delivered order once, by arrival time."""
    scenario, plan = building
    manifest = br.building_manifests(plan, scenario)
    assert sorted(manifest["order_id"]) == sorted(plan.order_ids_delivered())
    assert list(manifest["arrive"]) == sorted(manifest["arrive"])


def test_contacts_are_absent_by_default(
    building: tuple[br.Scenario, br.Plan], tmp_path: Path
) -> None:
    """No household name or phone in any file unless with_contacts is given."""
    scenario, plan = building
    delivered = {scenario.orders[o].household_id for o in plan.order_ids_delivered()}
    names = {scenario.households[h].name for h in delivered}
    phones = {scenario.households[h].phone for h in delivered}
    files = br.write_sheets(plan, scenario, tmp_path / "plain")
    assert {f.name for f in files} >= {"sheets.html", "sheets.csv", "chat.txt"}
    text = "".join(f.read_text(encoding="utf-8") for f in files if f.suffix != ".xlsx")
    if (tmp_path / "plain" / "sheets.xlsx").exists():  # with the 'sheets' extra
        text += _xlsx_text(tmp_path / "plain" / "sheets.xlsx")
    assert not any(p in text for p in phones)
    assert not any(n in text for n in names if n)
    assert "name" not in br.courier_sheets(plan, scenario).columns
    br.write_sheets(plan, scenario, tmp_path / "contacts", with_contacts=True, formats=["csv"])
    with_contacts = (tmp_path / "contacts" / "sheets.csv").read_text(encoding="utf-8-sig")
    assert all(p in with_contacts for p in phones)


def _xlsx_text(path: Path) -> str:
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.load_workbook(path, read_only=True)
    return " ".join(
        str(v) for ws in book.worksheets for r in ws.iter_rows(values_only=True) for v in r
    )


def test_formula_and_markup_are_neutralised(
    hostile: tuple[br.Scenario, br.Plan], tmp_path: Path
) -> None:
    """=HYPERLINK, @SUM and +86 get a leading ' in CSV and Excel; HTML has no live markup."""
    scenario, plan = hostile
    delivered = set(plan.order_ids_delivered())
    assert {"O1", "O2", "O3", "O5"} <= delivered
    br.write_sheets(plan, scenario, tmp_path, with_contacts=True)
    with (tmp_path / "sheets.csv").open(encoding="utf-8-sig", newline="") as fh:
        cells = [c for row in csv.reader(fh) for c in row]
    assert "'" + EVIL_NAME in cells and EVIL_NAME not in cells
    assert "'@SUM(A1:A9)" in cells and "'+86 138 0000 0003" in cells
    assert not any(c.startswith(("=", "+", "@")) for c in cells)
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.load_workbook(tmp_path / "sheets.xlsx")
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    assert not cell.value.startswith(("=", "+", "-", "@")), cell.value
    page = (tmp_path / "sheets.html").read_text(encoding="utf-8")
    for raw in (EVIL_SCRIPT, EVIL_IMG, "<img", "<script", "${"):
        assert raw not in page
    assert html_text(EVIL_IMG) in page and "Content-Security-Policy" in page


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),  # formula
        ("+86 138", "'+86 138"),  # phone with country code
        ("-2", "'-2"),  # minus starts a formula too
        ("@SUM(A1)", "'@SUM(A1)"),  # Lotus-style function
        ("\t=1", "'\t=1"),  # tab before the formula
        ("\r=1", "'\r=1"),  # carriage return
        (" =1", "' =1"),  # leading space does not hide it
        ("19-1202", "19-1202"),  # a unit is left alone
        ("王女士", "王女士"),  # plain text is left alone
        (None, ""),  # missing
    ],
)
def test_neutralise_cell(value: str | None, expected: str) -> None:
    """Formula triggers as first character get a single quote; other text is unchanged."""
    assert neutralise_cell(value) == expected


@pytest.mark.parametrize(
    "text",
    [
        "../../etc/passwd",  # path traversal
        "CON",  # Windows device name
        "王伟",  # nothing ASCII left
        "a/b\\c",  # separators
        "",  # empty
        ".hidden",  # dot file
    ],
)
def test_slugify_is_a_safe_file_name(text: str) -> None:
    """Slugs are non-empty, ASCII, without separators, not hidden, not device names."""
    slug = slugify(text, "courier")
    assert slug and slug.isascii() and "/" not in slug and "\\" not in slug
    assert not slug.startswith((".", "-")) and slug.split(".")[0].upper() != "CON"
    assert ".." not in slug


def test_slugify_keeps_plain_ids_and_separates_lossy_ones() -> None:
    """An ASCII id is its own slug; two CJK names never share one."""
    assert slugify("V001") == "V001"
    assert slugify("王伟") != slugify("李娜")


def test_chat_text_is_short_and_complete(building: tuple[br.Scenario, br.Plan]) -> None:
    """Each courier's chat text lists all their orders and stays short enough to paste."""
    scenario, plan = building
    for route in plan.routes:
        text = br.chat_text(plan, scenario, route.volunteer_id)
        assert len(text) < 2000
        for oid in (o for t in route.trips for o in t.order_ids):
            assert text.count(oid) == 1
    with pytest.raises(KeyError, match="no trip"):
        br.chat_text(plan, scenario, "V999")


def test_plan_of_another_scenario_is_refused(
    building: tuple[br.Scenario, br.Plan], hostile: tuple[br.Scenario, br.Plan], tmp_path: Path
) -> None:
    """Sheets are not written for a plan whose orders the scenario does not know."""
    _, plan = building
    scenario, _ = hostile
    with pytest.raises(ValueError, match="does not match the scenario"):
        br.write_sheets(plan, scenario, tmp_path)
    assert not tmp_path.joinpath("sheets.html").exists()
    with pytest.raises(ValueError, match="sheet format"):
        br.write_sheets(plan, scenario, tmp_path, formats=["pdf"])


def test_unassigned_orders_are_listed(tmp_path: Path) -> None:
    """An order nobody can carry appears on the 'not delivered' page and in unassigned.csv."""
    frames = tiny_frames()
    orders = frames["orders.csv"]
    orders.loc[orders["order_id"] == "O3", "weight_kg"] = "99"
    scenario = br.scenario_from_frames(frames, tiny_settings())
    plan = br.plan_window(scenario, "2020-02-10", "AM", br.PlanOptions(reproducible=True))
    assert [u.order_id for u in plan.unassigned] == ["O3"]
    br.write_sheets(plan, scenario, tmp_path, formats=["html", "csv"])
    page = (tmp_path / "sheets.html").read_text(encoding="utf-8")
    assert "Not delivered in this window (1)" in page and "no_capacity" in page
    left = pd.read_csv(tmp_path / "unassigned.csv", encoding="utf-8-sig")
    assert list(left["order_id"]) == ["O3"] and list(left["reason"]) == ["no_capacity"]


def test_sheets_print_one_a4_page_per_courier(
    hostile: tuple[br.Scenario, br.Plan], tmp_path: Path
) -> None:
    """Printed from Chromium: one page per courier and per building, on A4."""
    scenario, plan = hostile
    page = tmp_path / "sheets.html"
    page.write_text(sheets_html(plan, scenario), encoding="utf-8")
    buildings = {s.building_id for t in plan.trips for s in t.stops}
    assert chromium.pdf_pages(page, tmp_path) == len(plan.routes) + len(buildings)
    assert "size: A4" in page.read_text(encoding="utf-8")


def test_csv_has_bom_and_spec_columns(
    building: tuple[br.Scenario, br.Plan], tmp_path: Path
) -> None:
    """sheets.csv opens as UTF-8 in Excel (BOM) and has the documented columns."""
    scenario, plan = building
    br.write_sheets(plan, scenario, tmp_path, formats=["csv"])
    raw = (tmp_path / "sheets.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    header = next(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert tuple(header) == SHEET_COLUMNS
