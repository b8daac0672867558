"""The sheets, map and intake subcommands, the demo's extras and the generated CLI page."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

import basket_route as br
from basket_route.cli import main
from tests.helpers import DATA, TINY

ROOT = Path(__file__).resolve().parents[1]
CHAT = DATA / "chat"


@pytest.fixture(scope="module")
def tiny_plan_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny scenario's morning plan, written as plan JSON."""
    scenario = br.load_scenario(TINY)
    plan = br.plan_window(scenario, "2020-02-10", "AM", br.PlanOptions(reproducible=True))
    path = tmp_path_factory.mktemp("plan") / "plan.json"
    plan.to_json(path)
    return path


def _gen_cli() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_cli", ROOT / "docs" / "gen_cli.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_sheets_command_writes_the_files(tiny_plan_file: Path, tmp_path: Path) -> None:
    """``basket-route sheets`` writes HTML, CSV, text and Excel without contacts."""
    assert main(["sheets", str(tiny_plan_file), str(TINY), "-o", str(tmp_path)]) == 0
    names = {p.name for p in tmp_path.rglob("*") if p.is_file()}
    assert {"sheets.html", "sheets.csv", "manifests.csv", "chat.txt", "V1.txt"} <= names
    assert "13800000001" not in (tmp_path / "sheets.csv").read_text(encoding="utf-8-sig")


def test_sheets_command_with_contacts_and_one_format(tiny_plan_file: Path, tmp_path: Path) -> None:
    """--with-contacts adds phones; --format limits the files."""
    args = ["sheets", str(tiny_plan_file), str(TINY), "-o", str(tmp_path)]
    assert main([*args, "--with-contacts", "--format", "csv"]) == 0
    assert not (tmp_path / "sheets.html").exists()
    assert "13800000001" in (tmp_path / "sheets.csv").read_text(encoding="utf-8-sig")


@pytest.mark.parametrize(
    "args",
    [
        ["sheets", "missing.json", str(TINY), "-o", "out"],  # no plan file
        ["sheets", "PLAN", str(CHAT / "scenario"), "-o", "out"],  # plan of another scenario
        ["sheets", "PLAN", str(TINY), "-o", "out", "--format", "pdf"],  # unknown format
        ["map", "PLAN", str(TINY), "-o", "m.html", "--tiles", "OpenStreetMap"],  # planar tiles
    ],
)
def test_bad_handout_input_exits_2(
    args: list[str], tiny_plan_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Unreadable or mismatched input: exit 2 and a one-line reason, no traceback."""
    args = [str(tiny_plan_file) if a == "PLAN" else a for a in args]
    args = [str(tmp_path / a) if a in ("out", "m.html", "missing.json") else a for a in args]
    assert main(args) == 2
    assert capsys.readouterr().err.startswith("basket-route: ")


def test_map_command(tiny_plan_file: Path, tmp_path: Path) -> None:
    """``basket-route map`` writes an HTML page with the routes."""
    pytest.importorskip("folium")
    out = tmp_path / "map.html"
    assert main(["map", str(tiny_plan_file), str(TINY), "-o", str(out), "--no-names"]) == 0
    page = out.read_text(encoding="utf-8")
    assert "L.polyline(" in page and "Walker A" not in page


def test_intake_command_reports_every_unread_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Exit 1 when lines need a person; each printed as ``line N: text — reason``."""
    out = tmp_path / "orders.csv"
    corpus = CHAT / "jielong_2020-02-10_AM.txt"
    status = main(["intake", str(corpus), "--scenario", str(CHAT / "scenario"), "-o", str(out)])
    assert status == 1
    printed = capsys.readouterr().out.splitlines()
    assert printed[0].startswith("32 orders") and "19 lines not read" in printed[0]
    unread = [p for p in printed if p.startswith("line ")]
    assert len(unread) == 19
    assert "line 28: 24. 5栋1202 赵 鸡蛋2盒 — building 5 does not exist" in unread[2]
    assert out.read_text(encoding="utf-8-sig").count("\n") == 33


def test_intake_command_clean_list_and_missing_window(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A clean list exits 0; a list without date or window exits 2 with the reason."""
    clean = tmp_path / "clean.txt"
    clean.write_text("1. 3栋1202 王 鸡蛋2盒\n2. 2栋101 李 大米1袋\n", encoding="utf-8")
    base = [
        "intake",
        str(clean),
        "--scenario",
        str(CHAT / "scenario"),
        "-o",
        str(tmp_path / "o.csv"),
    ]
    assert main([*base, "--date", "2020-02-10", "--window", "PM"]) == 0
    assert main(base) == 2
    assert "no date in the list header" in capsys.readouterr().err
    assert main([*base, "--date", "2020-02-10", "--window", "NOON"]) == 2


def test_demo_writes_sheets_and_map_next_to_the_plan(tmp_path: Path) -> None:
    """``basket-route demo`` also writes courier sheets and (with folium) a map."""
    out = tmp_path / "demo"
    assert main(["demo", "--out", str(out), "--reproducible", "--quiet"]) == 0
    assert (out / "plan.json").is_file()
    assert (out / "sheets" / "sheets.html").is_file() and (out / "sheets" / "chat.txt").is_file()
    if importlib.util.find_spec("folium") is not None:
        assert (out / "map.html").is_file()


def test_cli_reference_is_up_to_date() -> None:
    """docs/cli.md is what docs/gen_cli.py generates from the parser (run it to refresh)."""
    gen = _gen_cli()
    current = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    assert current == gen.render(), "docs/cli.md is stale: run python docs/gen_cli.py"
    for command in ("sheets", "map", "intake", "plan"):
        assert f"## {command}\n" in current
