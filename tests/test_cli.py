"""Tests of the ``basket-route`` command: exit codes, messages, files written.

Most tests call :func:`basket_route.cli.main` in-process (fast, output captured with
capsys); a few run the installed console script in a subprocess, which is what users run:
the independent checker's agreement, the absence of tracebacks, and the wall-time contract
of ``--time-limit``.

Exit codes: 0 ok, 1 violations, 2 bad input.
"""

from __future__ import annotations

import csv
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

import basket_route
from basket_route import cli
from basket_route.plan import Plan

TINY = Path(__file__).resolve().parent / "data" / "tiny"
CHECKER = Path(__file__).resolve().parents[2] / "shared" / "tools" / "verify_plan.py"
DAY = "2020-02-10"
SCENARIO_FILES = (
    "scenario.toml",
    "depots.csv",
    "buildings.csv",
    "households.csv",
    "orders.csv",
    "volunteers.csv",
    "shifts.csv",
)


def _command() -> list[str]:
    """The installed console script, or ``python -m basket_route.cli`` when it is absent."""
    beside = Path(sys.executable).with_name("basket-route")
    if beside.is_file():
        return [str(beside)]
    found = shutil.which("basket-route")
    if found:
        return [found]
    return [sys.executable, "-m", "basket_route.cli"]


def _run(capsys: pytest.CaptureFixture[str], *argv: str | Path) -> tuple[int, str, str]:
    """main(ARGV) in-process: (exit status, stdout, stderr)."""
    capsys.readouterr()  # drop anything printed before
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def _plan_args(scenario: Path, output: Path, *extra: str) -> list[str | Path]:
    return ["plan", scenario, "--date", DAY, "--window", "AM", "-o", output, *extra]


def _checker(scenario: Path, plan: Path) -> subprocess.CompletedProcess[str]:
    """Run the independent checker with --json; skip when ../shared is absent."""
    if not CHECKER.is_file():
        pytest.skip(f"independent checker not found at {CHECKER}")
    return subprocess.run(
        [sys.executable, str(CHECKER), str(scenario), str(plan), "--json"],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def _drop_column(folder: Path, file: str, column: str) -> None:
    """Rewrite FOLDER/FILE without COLUMN."""
    path = folder / file
    with open(path, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    i = rows[0].index(column)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([r[:i] + r[i + 1 :] for r in rows])


@pytest.fixture(scope="module")
def tiny_plan(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A reproducible plan of the tiny scenario's AM window, written once by the CLI."""
    out = tmp_path_factory.mktemp("tiny_plan") / "plan.json"
    code = cli.main([str(a) for a in _plan_args(TINY, out, "--reproducible", "--quiet")])
    assert code == 0
    return out


# --------------------------------------------------------------------------- basics


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    """--version prints the package version and exits 0."""
    code, out, _ = _run(capsys, "--version")
    assert code == 0
    assert out.strip() == basket_route.__version__
    assert re.match(r"^\d+(\.\d+)*", out.strip())


def test_no_command_prints_help(capsys: pytest.CaptureFixture[str]) -> None:
    """Without a command: the help text and exit 2."""
    code, out, _ = _run(capsys)
    assert code == 2
    assert "plan" in out and "verify" in out


def test_demo(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """demo --out DIR writes DIR/scenario and DIR/plan.json, prints the summary, exits 0."""
    out_dir = tmp_path / "demo"
    code, out, err = _run(capsys, "demo", "--out", out_dir)
    assert code == 0, err
    for name in SCENARIO_FILES:
        assert (out_dir / "scenario" / name).is_file(), name
    data = json.loads((out_dir / "plan.json").read_text(encoding="utf-8"))
    assert data["format"] == "basket_route.plan/1"
    assert (data["date"], data["window"]) == (DAY, "AM")
    assert "Plan " in out and "delivered" in out and "wrote" in out
    assert f"{data['summary']['delivered']:>6}" in out  # the summary's figures
    code, out, _ = _run(capsys, "verify", out_dir / "scenario", out_dir / "plan.json")
    assert code == 0, out


# --------------------------------------------------------------------------- plan


def test_plan_prints_summary(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """plan writes the file and prints the summary (orders, delivered) and where it wrote."""
    output = tmp_path / "plan.json"
    code, out, err = _run(capsys, *_plan_args(TINY, output))
    assert code == 0, err
    assert output.is_file()
    assert "Tiny compound" in out
    assert re.search(r"orders\s+6", out)
    assert f"wrote {output}" in out


def test_plan_quiet_prints_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--quiet: nothing on stdout, the file still written."""
    output = tmp_path / "plan.json"
    code, out, _ = _run(capsys, *_plan_args(TINY, output, "--quiet"))
    assert code == 0
    assert out == ""
    assert output.is_file()


def test_plan_warm_start(
    tiny_plan: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--warm-start PLAN starts from an earlier plan and says so in the plan's solver."""
    output = tmp_path / "again.json"
    code, _, err = _run(capsys, *_plan_args(TINY, output, "--warm-start", tiny_plan, "--quiet"))
    assert code == 0, err
    solver = json.loads(output.read_text(encoding="utf-8"))["solver"]
    assert "drops placed as in the given plan" in solver["warm_start"]


@pytest.mark.parametrize(
    ("extra", "expected"),
    [((), None), (("--courier-groups",), True), (("--no-courier-groups",), False)],
)
def test_plan_courier_groups_flag(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    extra: tuple[str, ...],
    expected: bool,
) -> None:
    """--courier-groups / --no-courier-groups set PlanOptions.courier_groups (default None:
    decided by the time limit); the plan is written."""
    from basket_route.solver import pipeline

    seen: list[Any] = []
    real = pipeline.plan_window

    def spy(*args: Any, **kwargs: Any) -> Plan:
        seen.append(args[3])
        return real(*args, **kwargs)

    monkeypatch.setattr(pipeline, "plan_window", spy)
    output = tmp_path / "plan.json"
    code, _, err = _run(capsys, *_plan_args(TINY, output, *extra, "--quiet"))
    assert code == 0, err
    assert [o.courier_groups for o in seen] == [expected]
    assert output.is_file()


def test_replan_takes_courier_groups() -> None:
    """replan (the operation commands' search options) takes --courier-groups too."""
    argv = ["replan", "sc", "--ledger", "l.db", "--date", DAY, "--window", "AM", "--without", "V1"]
    parser = cli.build_parser()
    assert parser.parse_args([*argv, "--courier-groups"]).courier_groups is True
    assert parser.parse_args([*argv, "--no-courier-groups"]).courier_groups is False
    assert parser.parse_args(argv).courier_groups is None


@pytest.mark.parametrize("content", [None, "not json {", '{"format": "something else"}'])
def test_plan_bad_warm_start(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str | None
) -> None:
    """A missing or malformed --warm-start file: exit 2, its name in the message, no plan."""
    bad = tmp_path / "earlier.json"
    if content is not None:
        bad.write_text(content, encoding="utf-8")
    output = tmp_path / "plan.json"
    code, _, err = _run(capsys, *_plan_args(TINY, output, "--warm-start", bad))
    assert code == 2
    assert "earlier.json" in err
    assert not output.exists()


def test_plan_passes_verify(tiny_plan: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The written plan passes `verify` (exit 0, OK) and every AM order is accounted for."""
    code, out, _ = _run(capsys, "verify", TINY, tiny_plan)
    assert code == 0, out
    assert out.startswith("OK")
    plan = Plan.from_json(tiny_plan)
    listed = sorted(plan.order_ids_delivered() + [u.order_id for u in plan.unassigned])
    assert listed == ["O1", "O2", "O3", "O4", "O5", "O6"]


def test_plan_passes_independent_checker(tiny_plan: Path) -> None:
    """The independent checker (shared/tools/verify_plan.py) accepts the plan."""
    proc = _checker(TINY, tiny_plan)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert json.loads(proc.stdout)["ok"] is True


def test_subprocess_plan_then_checker(tmp_path: Path) -> None:
    """The installed command, run for real: exit 0, summary on stdout, plan accepted by the
    independent checker."""
    output = tmp_path / "plan.json"
    proc = subprocess.run(
        [*_command(), *map(str, _plan_args(TINY, output))],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "Tiny compound" in proc.stdout
    check = _checker(TINY, output)
    assert check.returncode == 0, check.stdout + check.stderr


def test_reproducible_is_byte_identical(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--reproducible --seed 1 twice on the tiny scenario: byte-identical plan files."""
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    for output in (first, second):
        code, _, err = _run(capsys, *_plan_args(TINY, output, "--reproducible", "--seed", "1"))
        assert code == 0, err
    assert first.read_bytes() == second.read_bytes()
    assert json.loads(first.read_text(encoding="utf-8"))["solver"]["seed"] == 1


def test_time_limit_bounds_whole_command(tmp_path: Path) -> None:
    """--time-limit 2 on the compound scenario: the whole command ends within 2 × 1.1 + 1 s.

    The contract is that --time-limit bounds the whole command, not only the search.
    """
    scenario = basket_route.write_synthetic(tmp_path / "compound", "compound", seed=0)
    output = tmp_path / "plan.json"
    argv = [*_command(), *map(str, _plan_args(scenario, output, "--time-limit", "2", "--quiet"))]
    cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.run(argv, capture_output=True, text=True, check=False, timeout=120)
    elapsed = time.perf_counter() - started
    cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (cpu_after.ru_utime + cpu_after.ru_stime) - (cpu_before.ru_utime + cpu_before.ru_stime)
    assert proc.returncode == 0, proc.stderr
    assert output.is_file()
    assert elapsed <= 2 * 1.1 + 1, (
        f"took {elapsed:.2f} s wall ({cpu:.2f} s CPU; load average {os.getloadavg()[0]:.1f} "
        f"on {os.cpu_count()} CPUs)"
    )


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("file", "column"),
    [
        ("orders.csv", "weight_kg"),  # a required order column
        ("households.csv", "building_id"),  # a required household column
        ("shifts.csv", "window"),  # a required shift column
        ("depots.csv", "depot_id"),  # an id column
    ],
)
def test_broken_scenario_exit_2(
    file: str, column: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A required column removed: exit 2, stderr names file, row and column, no plan written."""
    scenario = shutil.copytree(TINY, tmp_path / "scenario")
    _drop_column(scenario, file, column)
    output = tmp_path / "plan.json"
    code, _, err = _run(capsys, *_plan_args(scenario, output))
    assert code == 2
    assert file in err
    assert "row" in err
    assert column in err
    assert "Traceback" not in err
    assert not output.exists()


def test_broken_value_names_row(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A bad cell: exit 2 and the message gives file, line number, column and value."""
    scenario = shutil.copytree(TINY, tmp_path / "scenario")
    path = scenario / "volunteers.csv"
    text = path.read_text(encoding="utf-8").replace(
        "V2,Walker B,D1,walk,15,", "V2,Walker B,D1,walk,heavy,"
    )
    path.write_text(text, encoding="utf-8")
    code, _, err = _run(capsys, *_plan_args(scenario, tmp_path / "plan.json"))
    assert code == 2
    assert "volunteers.csv row 3 column capacity_kg" in err
    assert "heavy" in err


def test_broken_scenario_subprocess_no_traceback(tmp_path: Path) -> None:
    """The real command on a broken scenario: exit 2, a one-line reason, no traceback."""
    scenario = shutil.copytree(TINY, tmp_path / "scenario")
    _drop_column(scenario, "orders.csv", "weight_kg")
    proc = subprocess.run(
        [*_command(), *map(str, _plan_args(scenario, tmp_path / "plan.json"))],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "orders.csv" in proc.stderr and "weight_kg" in proc.stderr


def test_missing_scenario_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A scenario folder that does not exist: exit 2 with its name."""
    code, _, err = _run(capsys, *_plan_args(tmp_path / "nowhere", tmp_path / "plan.json"))
    assert code == 2
    assert "nowhere" in err


def test_unknown_window(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An unknown window: exit 2, stderr lists the defined windows, no file written."""
    output = tmp_path / "plan.json"
    argv = ["plan", TINY, "--date", DAY, "--window", "EVENING", "-o", output]
    code, _, err = _run(capsys, *argv)
    assert code == 2
    assert "EVENING" in err
    assert "AM" in err and "PM" in err
    assert "Traceback" not in err
    assert not output.exists()


@pytest.mark.parametrize(
    "day",
    [
        "2020-13-10",  # month 13
        "2020-02-30",  # 30 February
        "10/02/2020",  # not ISO
        "tomorrow",  # not a date
    ],
)
def test_bad_date(day: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A date that is not an ISO date: exit 2, stderr quotes it, no file written."""
    output = tmp_path / "plan.json"
    code, _, err = _run(capsys, "plan", TINY, "--date", day, "--window", "AM", "-o", output)
    assert code == 2
    assert day in err
    assert not output.exists()


def test_date_without_orders_is_fine(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A valid date with no orders and no shifts: an empty plan, exit 0."""
    output = tmp_path / "plan.json"
    code, _, err = _run(
        capsys, "plan", TINY, "--date", "2020-02-11", "--window", "AM", "-o", output
    )
    assert code == 0, err
    data = json.loads(output.read_text(encoding="utf-8"))
    assert data["routes"] == [] and data["unassigned"] == []


def test_output_is_a_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """-o naming an existing directory: exit 2 with a message naming it, no traceback."""
    target = tmp_path / "out"
    target.mkdir()
    code, _, err = _run(capsys, *_plan_args(TINY, target, "--quiet"))
    assert code == 2
    assert "out" in err


# --------------------------------------------------------------------------- verify


def _tamper(plan_path: Path, target: Path) -> str:
    """Copy the plan with one order removed from a stop of two or more; return its id."""
    data: dict[str, Any] = json.loads(plan_path.read_text(encoding="utf-8"))
    for route in data["routes"]:
        for trip in route["trips"]:
            for stop in trip["stops"]:
                if len(stop["order_ids"]) >= 2:
                    removed: str = stop["order_ids"].pop()
                    target.write_text(json.dumps(data), encoding="utf-8")
                    return removed
    pytest.fail("the tiny plan has no stop with two orders")


def test_verify_tampered_plan(
    tiny_plan: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An order deleted from a stop: verify exits 1 and prints the violation naming it."""
    bad = tmp_path / "bad.json"
    removed = _tamper(tiny_plan, bad)
    code, out, _ = _run(capsys, "verify", TINY, bad)
    assert code == 1
    assert out.startswith("FAIL")
    violations = [line for line in out.splitlines() if line.startswith("VIOLATION")]
    assert any(f"order {removed}" in v and "missing" in v for v in violations), out


def test_verify_tampered_plan_json(
    tiny_plan: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """verify --json on the tampered plan: exit 1, ok false, the violation listed."""
    bad = tmp_path / "bad.json"
    removed = _tamper(tiny_plan, bad)
    code, out, _ = _run(capsys, "verify", "--json", TINY, bad)
    assert code == 1
    result = json.loads(out)
    assert result["ok"] is False
    assert any(removed in v for v in result["violations"])


def test_tampered_plan_rejected_by_checker(tiny_plan: Path, tmp_path: Path) -> None:
    """The independent checker agrees: exit 1 on the tampered plan."""
    bad = tmp_path / "bad.json"
    removed = _tamper(tiny_plan, bad)
    proc = _checker(TINY, bad)
    assert proc.returncode == 1
    assert any(removed in v for v in json.loads(proc.stdout)["violations"])


def test_verify_json_ok(tiny_plan: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """verify --json prints one parseable JSON object with "ok": true for a good plan."""
    code, out, _ = _run(capsys, "verify", "--json", TINY, tiny_plan)
    assert code == 0
    result = json.loads(out)
    assert result["ok"] is True
    assert result["violations"] == []
    assert result["orders"] == 6


def test_verify_not_a_plan(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A JSON file that is not a plan: exit 2 and a message, no traceback."""
    bad = tmp_path / "bad.json"
    bad.write_text('{"hello": 1}', encoding="utf-8")
    code, _, err = _run(capsys, "verify", TINY, bad)
    assert code == 2
    assert "format" in err


def test_verify_missing_plan_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """verify on a plan file that does not exist: exit 2 naming it."""
    code, _, err = _run(capsys, "verify", TINY, tmp_path / "missing.json")
    assert code == 2
    assert "missing.json" in err


# --------------------------------------------------------------------------- atomic write


def test_no_leftover_temp_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """After plan, the output folder holds the plan file and nothing else."""
    folder = tmp_path / "out"
    folder.mkdir()
    code, _, _ = _run(capsys, *_plan_args(TINY, folder / "plan.json", "--quiet"))
    assert code == 0
    assert sorted(p.name for p in folder.iterdir()) == ["plan.json"]


def test_existing_plan_replaced_whole(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An existing, longer plan file is replaced by a new file (rename), not rewritten in place.

    A hard link to the old file keeps the old bytes: readers that opened the old file
    never see a half-written one.
    """
    folder = tmp_path / "out"
    folder.mkdir()
    output = folder / "plan.json"
    junk = "x" * 100_000
    output.write_text(junk, encoding="utf-8")
    keep = tmp_path / "old-link.json"
    os.link(output, keep)
    old_inode = output.stat().st_ino
    code, _, _ = _run(capsys, *_plan_args(TINY, output, "--quiet"))
    assert code == 0
    text = output.read_text(encoding="utf-8")
    assert json.loads(text)["format"] == "basket_route.plan/1"  # whole, no junk tail
    assert output.stat().st_ino != old_inode
    assert keep.read_text(encoding="utf-8") == junk
    assert sorted(p.name for p in folder.iterdir()) == ["plan.json"]


def test_failed_plan_keeps_existing_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A command that fails (unknown window) leaves an existing plan file untouched."""
    output = tmp_path / "plan.json"
    output.write_text("previous plan", encoding="utf-8")
    code, _, _ = _run(capsys, "plan", TINY, "--date", DAY, "--window", "XX", "-o", output)
    assert code == 2
    assert output.read_text(encoding="utf-8") == "previous plan"


def test_crash_during_write_keeps_old_file(
    tiny_plan: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failure while writing (fsync raises) keeps the old file and removes the temp file."""
    import basket_route.plan as plan_module

    plan = Plan.from_json(tiny_plan)
    folder = tmp_path / "out"
    folder.mkdir()
    output = folder / "plan.json"
    output.write_text("previous plan", encoding="utf-8")

    def broken_fsync(fd: int) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(plan_module.os, "fsync", broken_fsync)
    with pytest.raises(OSError, match="disk full"):
        plan.to_json(output)
    assert output.read_text(encoding="utf-8") == "previous plan"
    assert sorted(p.name for p in folder.iterdir()) == ["plan.json"]


# --------------------------------------------------------------------------- in-process time


def test_time_limit_in_process(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """main([... --time-limit 3]) in a process that has run for a while still searches ~2.5 s."""
    age = cli._process_age_s()
    if age < 4:
        time.sleep(4 - age)
    output = tmp_path / "plan.json"
    code, _, err = _run(capsys, *_plan_args(TINY, output, "--time-limit", "3", "--quiet"))
    assert code == 0, err
    solver = json.loads(output.read_text(encoding="utf-8"))["solver"]
    assert solver["time_limit_s"] >= 2.0
