"""The run, stats, record and replan subcommands, and resuming a killed run."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

import basket_route as br
from basket_route.cli import main
from tests.helpers import TINY

# Reproducible and quick: GREEDY_DESCENT stops at a local optimum.
SEARCH = ["--reproducible", "--solution-limit", "30", "--metaheuristic", "GREEDY_DESCENT"]


def run_cli(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    """Run the command in this process: (exit status, stdout, stderr)."""
    status = main([str(a) for a in args])
    out = capsys.readouterr()
    return status, out.out, out.err


@pytest.fixture
def tiny_ledger(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """The tiny scenario's day planned and recorded by `basket-route run`."""
    ledger = tmp_path / "ops.sqlite"
    status, out, _ = run_cli(capsys, "run", TINY, "--ledger", ledger, *SEARCH)
    assert status == 0, out
    return ledger


def test_run_then_stats_json(tiny_ledger: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`stats --format json` prints one object whose totals reconcile."""
    status, out, _ = run_cli(capsys, "stats", tiny_ledger, "--format", "json")
    assert status == 0
    data = json.loads(out)
    t = data["totals"]
    assert t["orders_received"] == 8
    assert t["orders_received"] == t["delivered"] + t["pending"] + t["cancelled"] + t["failed"]
    assert (t["households_served"], t["volunteer_windows"]) == (6, 3)
    assert t["deliveries_by_day"] == data["deliveries_by_day"] == {"2020-02-10": 8}
    assert data["report"].startswith("By 10 Feb, 8 orders received")


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--format", "table"], "totals: orders_received 8, delivered 8"),  # text table
        (["--format", "csv", "--by", "window"], "date,window,orders_received"),  # CSV rows
        (["--format", "md", "--lang", "zh"], "截至2月10日，共接收订单8单"),  # Markdown + 中文
        (["--format", "table", "--by", "volunteer"], "volunteer_id"),  # workload table
    ],
)
def test_stats_formats(
    tiny_ledger: Path, capsys: pytest.CaptureFixture[str], args: list[str], expected: str
) -> None:
    """Each format prints what it promises."""
    status, out, _ = run_cli(capsys, "stats", tiny_ledger, *args)
    assert status == 0
    assert expected in out


def test_stats_chart(tiny_ledger: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--chart writes a PNG next to the table."""
    pytest.importorskip("matplotlib")
    status, _, err = run_cli(capsys, "stats", tiny_ledger, "--chart", tmp_path / "s.png")
    assert status == 0
    assert "wrote" in err
    assert (tmp_path / "s.png").stat().st_size > 1000


def test_record_outcomes_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Plan only, then record an outcomes CSV; the same file again changes nothing."""
    ledger = tmp_path / "ops.sqlite"
    assert run_cli(capsys, "run", TINY, "--ledger", ledger, "--no-record", *SEARCH)[0] == 0
    outcomes = tmp_path / "outcomes.csv"
    outcomes.write_text("order_id,status,reason\nO3,failed,no answer\n", encoding="utf-8")
    args = ("record", ledger, "--date", "2020-02-10", "--window", "AM", "--outcomes", outcomes)
    status, out, _ = run_cli(capsys, *args)
    assert status == 0
    assert out.strip() == "recorded 2020-02-10 AM: carried_over 1, delivered 5"
    status, out, _ = run_cli(capsys, *args)
    assert "recorded already with the same outcomes: unchanged" in out
    t = br.service_stats(ledger).totals()
    assert (t["pending"], t["planned"], t["carried_over"]) == (3, 2, 1)  # PM not recorded yet


def test_replan_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """V2 drops out before the morning: its orders go to V1, the plan file lists them."""
    ledger = tmp_path / "ops.sqlite"
    assert run_cli(capsys, "run", TINY, "--ledger", ledger, "--no-record", *SEARCH)[0] == 0
    out_file = tmp_path / "replan.json"
    args = ["replan", TINY, "--ledger", ledger, "--date", "2020-02-10", "--window", "AM"]
    status, out, _ = run_cli(capsys, *args, "--without", "V2", "-o", out_file, *SEARCH)
    assert status == 0
    plan = br.Plan.from_json(out_file)
    moved = plan.order_ids_delivered() + [u.order_id for u in plan.unassigned]
    assert "re-planned" in out
    assert len(moved) > 0
    assert {r.volunteer_id for r in plan.routes} <= {"V1"}
    status, out, _ = run_cli(capsys, *args, "--without", "V2", *SEARCH)
    assert "nothing to re-plan" in out


REPLAN_NOON = ["--date", "2020-02-10", "--window", "NOON", "--without", "V1"]


@pytest.mark.parametrize(
    ("args", "match"),
    [
        (["stats", "missing.sqlite"], "no such ledger file"),  # typo in the ledger name
        (["record", "{ledger}", "--date", "2020-02-11", "--window", "AM"], "not planned"),  # day
        (["record", "{ledger}", "--date", "10/02/2020", "--window", "AM"], "10/02/2020"),  # date
        (
            ["replan", str(TINY), "--ledger", "{ledger}", *REPLAN_NOON],
            "window 'NOON' not in",
        ),  # unknown window
    ],
)
def test_errors_exit_2_with_a_message(
    tiny_ledger: Path, capsys: pytest.CaptureFixture[str], args: list[str], match: str
) -> None:
    """Bad input gives exit status 2 and one line on stderr, never a traceback."""
    status, _, err = run_cli(capsys, *[a.replace("{ledger}", str(tiny_ledger)) for a in args])
    assert status == 2
    assert match in err
    assert "Traceback" not in err


def recorded(ledger: Path) -> int:
    """Windows recorded so far (0 while the file is being created)."""
    try:
        with sqlite3.connect(ledger, timeout=5) as conn:
            return int(
                conn.execute("SELECT COUNT(*) FROM windows WHERE status = 'recorded'").fetchone()[0]
            )
    except sqlite3.Error:
        return 0


def test_killed_run_resumes_without_duplicates(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`basket-route run` killed (SIGKILL) after a few windows and run again ends with the
    same deliveries as an uninterrupted run: nothing delivered twice, nothing lost."""
    scenario = br.write_synthetic(tmp_path / "scenario", "building", seed=0, days=6)
    args = ["run", str(scenario), "--from", "2020-02-10", "--days", "6", "--max-per-day", "1"]
    reference = tmp_path / "reference.sqlite"
    assert run_cli(capsys, *args, "--ledger", reference, *SEARCH)[0] == 0
    ledger = tmp_path / "ops.sqlite"
    cmd = [sys.executable, "-m", "basket_route.cli", *args, "--ledger", str(ledger), *SEARCH]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while recorded(ledger) < 3 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL, "the run ended before it could be killed"
    done = recorded(ledger)
    assert 3 <= done < 12
    status, out, _ = run_cli(capsys, *args, "--ledger", ledger, *SEARCH)
    assert status == 0
    assert out.count("recorded already") >= done
    cols = ["order_id", "state", "state_date", "state_window", "volunteer_id"]
    got, want = br.Ledger(ledger).orders()[cols], br.Ledger(reference).orders()[cols]
    pd.testing.assert_frame_equal(got, want)
    events = br.Ledger(ledger).events()
    delivered = events[events["state"] == "delivered"]
    assert delivered["order_id"].is_unique
    assert len(delivered) == br.service_stats(ledger).totals()["delivered"]
