"""Output safety: every file basket_route writes is replaced atomically, and user text
cannot become a spreadsheet formula or live HTML in any export.

Already covered elsewhere, not repeated here: the plan file's fsync failure, leftover
temp files and rename (``tests/test_cli.py``), the ledger's rollback of a failed write
(``tests/test_ledger.py``), one fixed set of hostile names in the sheets
(``tests/io/test_sheets.py``) and in the map (``tests/test_maps.py``).

Added here: one table of *all* file writers, each failing at ``os.replace``; hostile text
drawn by hypothesis in every free-text field, through every CSV, Excel and HTML export;
and the CSV exports outside the courier sheets (chat intake, ``basket-route stats``).
"""

from __future__ import annotations

import csv
import datetime as dt
import html.parser
import io
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import basket_route as br
from basket_route.cli import main
from tests.helpers import DATA, TINY, tiny_frames, tiny_settings
from tests.reliability.common import REPRO

sheets = pytest.importorskip("basket_route.io.sheets", reason="courier sheets not built yet")

DAY = dt.date(2020, 2, 10)
TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\0")
"""First characters that make a spreadsheet cell a formula (OWASP), after leading spaces."""
HOSTILE = (
    '=HYPERLINK("http://evil.example","click")',
    "+86 138 0000 0000",
    "-2+3",
    "@SUM(A1:A9)",
    "\t=1+1",
    "\r=1+1",
    "  =1+1",
    "<img src=x onerror=alert(1)>",
    "<script>alert(1)</script>",
    '"><svg onload=alert(1)>',
    "`${alert(1)}`",
    "javascript:alert(1)",
    "&lt;b&gt;",
    "王女士 <b>",
)
TEXT = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=30))
ALLOWED_TAGS = {
    "html", "head", "meta", "title", "style", "body", "section", "h1", "h2", "p",
    "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
"""Every element the printable sheets may contain: no script, image, link or form."""


def _hostile_scenario(texts: list[str]) -> br.Scenario:
    """tiny with TEXTS (cycled) as every volunteer, building and household name, phone, unit."""
    frames = tiny_frames()
    cycle = iter(texts * 20)
    for file, columns in (
        ("volunteers.csv", ["name"]),
        ("buildings.csv", ["name"]),
        ("households.csv", ["name", "phone", "unit"]),
    ):
        frame = frames[file]
        for column in columns:
            frame[column] = [next(cycle) for _ in range(len(frame))]
    return br.scenario_from_frames(frames, tiny_settings())


class _Markup(html.parser.HTMLParser):
    """Collects the tags and attributes of a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: set[str] = set()
        self.attributes: set[str] = set()
        self.attr_values: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        for name, value in attrs:
            self.attributes.add(name)
            self.attr_values.append(value or "")


def _assert_inert_html(page: str) -> None:
    parser = _Markup()
    parser.feed(page)
    assert parser.tags <= ALLOWED_TAGS, parser.tags - ALLOWED_TAGS
    assert not any(a.startswith("on") for a in parser.attributes), parser.attributes
    assert not {"href", "src", "action"} & parser.attributes
    assert not any("javascript:" in v.lower() for v in parser.attr_values)


def _assert_no_formula_cells(cells: list[str], where: str) -> None:
    live = [c for c in cells if c.lstrip(" ").startswith(TRIGGERS)]
    assert not live, f"{where}: {live[:5]}"


def _csv_cells(path: Path) -> list[str]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return [c for row in csv.reader(fh) for c in row]


# --------------------------------------------------------------------------- injection


@settings(
    max_examples=int(os.environ.get("BASKET_ROUTE_FUZZ_EXAMPLES", "25")) // 2 or 1,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(st.lists(TEXT, min_size=3, max_size=12))
def test_hostile_text_is_inert_in_every_sheet(texts: list[str]) -> None:
    """Any text in names, phones and units: no CSV or Excel cell starts a formula, and the
    HTML page has no element or attribute beyond the sheet's own (no script, no handler)."""
    scenario = _hostile_scenario(texts)
    plan = br.plan_window(scenario, DAY, "AM", REPRO)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        written = br.write_sheets(plan, scenario, out, with_contacts=True)
        for path in written:
            if path.suffix == ".csv":
                _assert_no_formula_cells(_csv_cells(path), path.name)
            elif path.suffix == ".html":
                _assert_inert_html(path.read_text(encoding="utf-8"))
            elif path.suffix == ".xlsx":
                openpyxl = pytest.importorskip("openpyxl")
                book = openpyxl.load_workbook(path)
                for ws in book.worksheets:
                    cells = [c for row in ws.iter_rows() for c in row]
                    assert not [c.coordinate for c in cells if c.data_type == "f"], ws.title
                    text = [c.value for c in cells if isinstance(c.value, str)]
                    _assert_no_formula_cells(text, f"{path.name}:{ws.title}")


def test_chat_intake_csv_is_neutralised(tmp_path: Path) -> None:
    """Orders read from a chat list and written as orders.csv: formula text is neutralised."""
    scenario = br.load_scenario(DATA / "chat" / "scenario")
    text = '2月10日上午\n1. 3栋1202 =HYPERLINK("http://evil") 鸡蛋2盒\n2. 3栋1101 @SUM 大米10斤\n'
    intake = br.parse_chat(text, scenario)
    path = intake.to_csv(tmp_path / "orders.csv")
    _assert_no_formula_cells(_csv_cells(path), path.name)


def test_stats_csv_is_neutralised(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`basket-route stats --format csv --by volunteer` on a ledger whose volunteer id is a
    formula: no cell of the CSV starts a formula (it used to come out live)."""
    pytest.importorskip("basket_route.ledger", reason="the ledger is not built yet")
    frames = tiny_frames()
    evil = '=HYPERLINK("http://evil.example","x")'
    for file in ("volunteers.csv", "shifts.csv"):
        frames[file]["volunteer_id"] = frames[file]["volunteer_id"].replace("V2", evil)
    folder = tmp_path / "scenario"
    folder.mkdir()
    for name, frame in frames.items():
        frame.to_csv(folder / name, index=False)
    (folder / "scenario.toml").write_text((TINY / "scenario.toml").read_text(encoding="utf-8"))
    book = tmp_path / "ops.sqlite"
    search = ["--reproducible", "--solution-limit", "30", "--metaheuristic", "GREEDY_DESCENT"]
    assert main(["run", str(folder), "--ledger", str(book), *search]) == 0
    capsys.readouterr()
    assert main(["stats", str(book), "--format", "csv", "--by", "volunteer"]) == 0
    cells = [c for row in csv.reader(io.StringIO(capsys.readouterr().out)) for c in row]
    assert any(evil in c for c in cells), "the hostile id must be in the export"
    _assert_no_formula_cells(cells, "stats --format csv")


# --------------------------------------------------------------------------- atomicity

Writer = Callable[[br.Plan, br.Scenario, Path], None]


def _write_plan(plan: br.Plan, scenario: br.Scenario, out: Path) -> None:
    plan.to_json(out / "plan.json")


def _write_sheets(plan: br.Plan, scenario: br.Scenario, out: Path) -> None:
    br.write_sheets(plan, scenario, out, formats=["html", "csv", "txt"])


def _write_xlsx(plan: br.Plan, scenario: br.Scenario, out: Path) -> None:
    pytest.importorskip("openpyxl")
    sheets.write_sheets_xlsx(plan, scenario, out / "sheets.xlsx")


def _write_map(plan: br.Plan, scenario: br.Scenario, out: Path) -> None:
    pytest.importorskip("folium")
    br.write_map(plan, scenario, out / "map.html", tiles=None)


def _write_intake(plan: br.Plan, scenario: br.Scenario, out: Path) -> None:
    chat = br.load_scenario(DATA / "chat" / "scenario")
    lines = (DATA / "chat" / "jielong_2020-02-10_AM.txt").read_text(encoding="utf-8").splitlines()
    keep = len(lines) if plan.window == "AM" else len(lines) // 2  # two different versions
    br.parse_chat("\n".join(lines[:keep]), chat).to_csv(out / "orders.csv")


WRITERS: dict[str, Writer] = {
    "plan-json": _write_plan,  # Plan.to_json
    "sheets-html-csv-txt": _write_sheets,  # write_sheets: 6+ files
    "sheets-xlsx": _write_xlsx,  # write_sheets_xlsx: its own temp file
    "map-html": _write_map,  # write_map
    "intake-csv": _write_intake,  # Intake.to_csv
}


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


@pytest.fixture(scope="module")
def two_plans() -> tuple[br.Scenario, br.Plan, br.Plan]:
    """tiny and two different plans of it (AM, PM): the old and the new content."""
    scenario = br.load_scenario(TINY)
    return (
        scenario,
        br.plan_window(scenario, DAY, "AM", REPRO),
        br.plan_window(scenario, DAY, "PM", REPRO),
    )


@pytest.mark.parametrize(
    ("writer", "fail_at"),
    [
        *((w, 1) for w in WRITERS),  # the first rename fails: nothing may change
        ("sheets-html-csv-txt", 3),  # the third of several renames fails: a mix, each whole
    ],
)
def test_failed_rename_leaves_each_file_old_or_new_and_no_temp(
    writer: str,
    fail_at: int,
    two_plans: tuple[br.Scenario, br.Plan, br.Plan],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """os.replace fails during a rewrite: the writer raises, every file is whole (its old or
    its new bytes, never a mix or a truncation), and no temporary file is left behind."""
    scenario, old, new = two_plans
    write = WRITERS[writer]
    out = tmp_path / "out"
    write(old, scenario, out)
    before = _snapshot(out)
    write(new, scenario, tmp_path / "new")
    after = _snapshot(tmp_path / "new")
    assert before != after, "the two versions must differ for the test to mean anything"
    real_replace = os.replace
    calls = {"n": 0}

    def flaky_replace(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        calls["n"] += 1
        if calls["n"] >= fail_at:
            raise OSError("rename failed (test)")
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", flaky_replace)
    with pytest.raises(OSError, match="rename failed"):
        write(new, scenario, out)
    monkeypatch.undo()
    now = _snapshot(out)
    assert set(now) == set(before), f"temp or stray files: {set(now) ^ set(before)}"
    for name, data in now.items():
        assert data in (before[name], after.get(name)), f"{name} is neither old nor new"
    if fail_at == 1:
        assert now == before
