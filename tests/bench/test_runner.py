"""Tests of basket_route.bench.runner, .peers, .report and the ``bench`` subcommand.

Solves are on C101 (100 customers, clustered, easy) with short wall-time limits: the brief
asks for a 1 s solve, and the peers expose only wall-time stops.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

import basket_route.bench.peers as peers
from basket_route.bench import Instance, evaluate, find_instances, read_instance
from basket_route.bench.report import markdown
from basket_route.bench.runner import (
    CSV_COLUMNS,
    BenchReport,
    BenchRow,
    node_order,
    read_csv,
    run_bench,
    solve_core,
    write_csv,
)
from basket_route.cli import main

REQUIRED = {
    "instance",
    "solver",
    "time_limit_s",
    "feasible",
    "cost",
    "bks_cost",
    "gap_pct",
    "vehicles",
    "wall_s",
}


@pytest.fixture(scope="module")
def c101(bench_data: Path) -> Instance:
    """Solomon C101: 100 clustered customers, fleet 25, best-known 827.3 with 10 routes."""
    return read_instance(find_instances(bench_data)["C101"])


def test_core_solves_c101_feasibly_in_one_second(c101: Instance) -> None:
    """A 1 s solve of C101 by the routing core passes the independent evaluator."""
    out = solve_core(c101, 1.0)
    ev = evaluate(c101, out.routes)
    assert ev.feasible, ev.violations
    assert 827.3 <= ev.cost < 827.3 * 1.15
    assert ev.vehicles <= 25


def test_seeded_renumbering_maps_routes_back(c101: Instance) -> None:
    """With seed 3 the customers are permuted for the core and the routes mapped back."""
    order = node_order(101, 3)
    assert order[0] == 0
    assert sorted(order.tolist()) == list(range(101))
    assert not np.array_equal(order, np.arange(101))
    assert np.array_equal(node_order(101, 0), np.arange(101))
    out = solve_core(c101, 0.5, seed=3)
    assert evaluate(c101, out.routes).feasible


def test_optional_variant_serves_everyone(c101: Instance) -> None:
    """With optional visits and a large penalty the core still serves every customer."""
    out = solve_core(c101, 0.5, optional=True)
    assert evaluate(c101, out.routes).feasible


def test_recombine_variant_is_feasible_and_says_what_it_did(c101: Instance) -> None:
    """``basket_route_recombine`` ends with recombination; its plan passes the evaluator."""
    out = solve_core(c101, 1.0, recombine=True)
    assert evaluate(c101, out.routes).feasible
    assert "; recombination: " in out.status and " routes of " in out.status
    assert "recombination" not in solve_core(c101, 0.5).status


@pytest.mark.parametrize("peer", ["ortools", "pyvrp", "vroom"])
def test_peer_solution_is_feasible(c101: Instance, peer: str) -> None:
    """Each installed peer returns routes that our evaluator accepts on C101."""
    if peers.available(peer) is not None:
        pytest.skip(str(peers.available(peer)))
    out = peers.PEERS[peer][1](c101, 0.5, 0)
    ev = evaluate(c101, out.routes)
    assert ev.feasible, (out.status, ev.violations)


def test_missing_peer_is_skipped_with_a_note(
    bench_data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A peer whose package is missing is not run; the report says why."""
    monkeypatch.setattr(peers.importlib.util, "find_spec", lambda name: None)
    report = run_bench(bench_data, instances=["C101"], solvers=["vroom"], time_limits=[0.1])
    assert report.rows == ()
    assert report.notes == (
        "vroom skipped: package 'vroom' not installed (pip install 'basket-route[bench]')",
    )


def test_run_bench_rejects_unknown_names(bench_data: Path) -> None:
    """Unknown solvers and instances are refused, listing what exists."""
    with pytest.raises(ValueError, match=r"unknown solvers \['gurobi'\]; choose from"):
        run_bench(bench_data, solvers=["gurobi"])
    with pytest.raises(ValueError, match=r"instances not found: 'Z999'; available: C101, C105"):
        run_bench(bench_data, instances=["Z999"])
    with pytest.raises(ValueError, match="time limits must be > 0 seconds"):
        run_bench(bench_data, time_limits=[0])


def test_cli_bench_writes_csv_and_markdown(bench_data: Path, tmp_path: Path) -> None:
    """`basket-route bench DATA --instances c101 --time-limit 1` writes one basket_route row."""
    out = tmp_path / "res" / "results.csv"
    args = ["--instances", "c101", "--time-limit", "1", "-o", str(out), "--quiet"]
    status = main(["bench", str(bench_data), *args])
    assert status == 0
    with out.open(newline="") as fh:
        reader = csv.DictReader(fh)
        assert set(reader.fieldnames or ()) >= REQUIRED
        rows = list(reader)
    assert len(rows) == 1
    row = rows[0]
    assert (row["instance"], row["solver"], row["time_limit_s"]) == ("C101", "basket_route", "1.0")
    assert row["feasible"] == "True"
    assert float(row["bks_cost"]) == 827.3
    assert float(row["gap_pct"]) == pytest.approx(
        100 * (float(row["cost"]) - 827.3) / 827.3, abs=1e-3
    )
    report = out.with_suffix(".md").read_text()
    assert "| basket_route | 1 | 1 | 1 |" in report
    assert "basket-route bench" in report


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--instances", "Z999"], "instances not found: 'Z999'"),  # unknown instance
        (["--time-limit", "ten"], "expected numbers separated by commas"),  # bad number
    ],
)
def test_cli_bench_bad_input(
    bench_data: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    message: str,
) -> None:
    """Bad arguments exit with status 2 and say what is wrong; no CSV is written."""
    out = tmp_path / "r.csv"
    try:
        status = main(["bench", str(bench_data), *args, "-o", str(out)])
    except SystemExit as exc:  # argparse type errors exit 2 from the parser
        status = int(exc.code or 0)
    assert status == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_cli_bench_missing_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A data folder that does not exist is reported (exit 2)."""
    status = main(["bench", str(tmp_path / "nope"), "-o", str(tmp_path / "r.csv")])
    assert status == 2
    assert "data folder not found" in capsys.readouterr().err


def _row(solver: str, instance: str, gap: float | None, limit: float = 10.0) -> BenchRow:
    feasible = gap is not None
    return BenchRow(
        instance=instance,
        solver=solver,
        time_limit_s=limit,
        seed=0,
        feasible=feasible,
        cost=100.0 * (1 + gap / 100) if gap is not None else None,
        bks_cost=100.0,
        gap_pct=gap,
        vehicles=3,
        bks_vehicles=3,
        wall_s=10.0,
        cpu_s=9.5,
        customers=10,
        status="ok",
        violations="" if feasible else "missing customers (10): 1, 2",
    )


def test_report_compares_on_common_instances() -> None:
    """The 'common' mean uses only instances every solver solved; failures show as ✗."""
    rows = [
        _row("a", "I1", 1.0),
        _row("b", "I1", 3.0),
        _row("a", "I2", 5.0),
        _row("b", "I2", None),
    ]
    text = markdown(BenchReport(tuple(rows), ("a note",)), "Header")
    assert text.startswith("Header\n\n* a note\n")
    assert "| a | 10 | 2 | 2 | 3.00 | 5.00 | 1.00 (1) | 10.00 | 9.50 |" in text
    assert "| b | 10 | 2 | 1 | 3.00 | 3.00 | 3.00 (1) | 10.00 | 9.50 |" in text
    assert "| I2 | 0 | 100 (3) | +5.00 (3) | ✗ missing customers (10) |" in text


def test_write_csv_leaves_none_empty(tmp_path: Path) -> None:
    """None values (cost and gap of an infeasible run) are written as empty cells."""
    path = write_csv([_row("a", "I1", None)], tmp_path / "r.csv")
    with path.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == list(CSV_COLUMNS)
    assert rows[0]["cost"] == rows[0]["gap_pct"] == ""
    assert rows[0]["feasible"] == "False"


def test_csv_round_trip(tmp_path: Path) -> None:
    """read_csv gives back exactly the rows write_csv wrote, None values included."""
    rows = [_row("a", "I1", None), _row("b", "I1", 2.5, limit=1.0)]
    assert read_csv(write_csv(rows, tmp_path / "r.csv")) == rows
