"""The ledger: schema version, transactions, idempotent recording, history, outcomes files."""

from __future__ import annotations

import dataclasses
import datetime as dt
import sqlite3
from pathlib import Path

import pandas as pd
import pytest

import basket_route as br
from tests.helpers import tiny_frames, tiny_settings

D1 = dt.date(2020, 2, 10)
# GREEDY_DESCENT stops at a local optimum (guided local search would run to its time cap
# on one-drop windows).
REPRO = br.PlanOptions(reproducible=True, solution_limit=30, metaheuristic="GREEDY_DESCENT")


def op_for(scenario: br.Scenario, path: Path | str = ":memory:", **kw: object) -> br.Operation:
    """An Operation with reproducible planning."""
    return br.Operation(scenario, path, options=REPRO, **kw)  # type: ignore[arg-type]


def test_new_ledger_stores_schema_version(tmp_path: Path) -> None:
    """A new file gets the current schema version and reopens cleanly."""
    path = tmp_path / "ops.sqlite"
    with br.Ledger(path) as ledger:
        assert ledger.meta("schema_version") == str(br.ledger.SCHEMA_VERSION)
    with br.Ledger(path, create=False) as ledger:
        assert ledger.windows().empty


def test_other_schema_version_is_refused(tmp_path: Path) -> None:
    """A ledger written with another schema version is not read (nor damaged)."""
    path = tmp_path / "ops.sqlite"
    br.Ledger(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    with pytest.raises(br.LedgerError, match="ledger schema version '99'; this basket_route"):
        br.Ledger(path)


@pytest.mark.parametrize(
    ("content", "match"),
    [
        (b"order_id,status\nO1,delivered\n" * 40, "not a basket_route ledger"),  # a CSV file
        (None, r"not a basket_route ledger \(tables \['notes'\]"),  # another app's SQLite
    ],
)
def test_foreign_files_are_refused(tmp_path: Path, content: bytes | None, match: str) -> None:
    """A file that is not a ledger is refused with a clear message."""
    path = tmp_path / "x.sqlite"
    if content is None:
        with sqlite3.connect(path) as conn:
            conn.execute("CREATE TABLE notes (text TEXT)")
    else:
        path.write_bytes(content)
    with pytest.raises(br.LedgerError, match=match):
        br.Ledger(path)


def test_missing_file_without_create(tmp_path: Path) -> None:
    """create=False does not create a ledger (a typo in `stats` must not make a file)."""
    with pytest.raises(br.LedgerError, match="no such ledger file"):
        br.Ledger(tmp_path / "typo.sqlite", create=False)
    assert not (tmp_path / "typo.sqlite").exists()


def test_recording_again_is_idempotent(tiny: br.Scenario) -> None:
    """The same outcomes twice: the second call changes nothing, not even event ids."""
    op = op_for(tiny)
    plan = op.plan(D1, "AM")
    outcomes = {"O3": ("failed", "no answer")}
    assert op.record(plan, outcomes) is True
    before = op.ledger.events()
    assert op.record(plan, outcomes) is False
    pd.testing.assert_frame_equal(op.ledger.events(), before)
    o3 = op.ledger.orders().set_index("order_id").loc["O3"]
    assert (o3["state"], o3["door_failures"]) == ("carried_over", 1)
    assert o3["detail"] == "no answer (attempt 1 of 3)"


def test_outcomes_change_until_the_next_window_is_planned(tiny: br.Scenario) -> None:
    """Correcting a window's outcomes is allowed until its carry-over has been planned."""
    op = op_for(tiny)
    am = op.plan(D1, "AM")
    op.record(am, {"O3": "failed"})
    assert op.record(am, None) is True  # corrected: O3 was delivered after all
    orders = op.ledger.orders().set_index("order_id")
    assert (orders.loc["O3", "state"], orders.loc["O3", "door_failures"]) == ("delivered", 0)
    op.plan(D1, "PM")
    with pytest.raises(br.LedgerError, match="2020-02-10 PM is planned already"):
        op.record(am, {"O3": "failed"})
    assert op.record(am, None) is False  # the same outcomes are still fine


def test_outcome_for_an_order_not_on_a_trip(tiny: br.Scenario) -> None:
    """Outcomes name orders on the window's trips; anything else is refused, listed."""
    op = op_for(tiny)
    plan = op.plan(D1, "AM")
    with pytest.raises(br.LedgerError, match="not on a trip of 2020-02-10 AM: O7, X1"):
        op.record(plan, {"O7": "delivered", "X1": "failed"})
    with pytest.raises(br.LedgerError, match="2020-02-10 PM is not planned"):
        op.ledger.record(D1, "PM", {})


def test_a_failed_write_leaves_the_last_committed_state(
    tiny: br.Scenario, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An error in the middle of writing a plan rolls the whole window back."""
    op = op_for(tiny)

    def boom(*args: object, **kwargs: object) -> None:
        raise OSError("disk unplugged")

    monkeypatch.setattr(br.Ledger, "_stops", boom)
    with pytest.raises(OSError, match="disk unplugged"):
        op.plan(D1, "AM")
    assert op.ledger.windows().empty
    assert op.ledger.orders().empty
    monkeypatch.undo()
    plan = op.plan(D1, "AM")  # nothing half-written blocks the retry
    assert len(plan.order_ids_delivered()) == 6


def test_windows_are_planned_in_time_order(tiny: br.Scenario) -> None:
    """Planning a window before one already planned is refused."""
    op = op_for(tiny)
    op.plan(D1, "PM")
    with pytest.raises(br.LedgerError, match="starts before 2020-02-10 PM"):
        op.plan(D1, "AM")


def test_door_failures_until_given_up(tiny: br.Scenario) -> None:
    """With 2 attempts, an order failing twice at the door is failed for good, with why."""
    f = tiny_frames()
    f["shifts.csv"] = pd.DataFrame(
        [("V1", "2020-02-10", "AM"), ("V1", "2020-02-10", "PM")],
        columns=["volunteer_id", "date", "window"],
    )
    op = op_for(br.scenario_from_frames(f, tiny_settings()), max_door_attempts=2)
    op.record(op.plan(D1, "AM"), {"O6": ("failed", "no answer")})
    pm = op.plan(D1, "PM")
    assert "O6" in pm.order_ids_delivered()
    op.record(pm, {"O6": ("failed", "still no answer")})
    o6 = op.ledger.orders().set_index("order_id").loc["O6"]
    assert (o6["state"], o6["reason"]) == ("failed", "failed_at_door")
    assert o6["detail"] == "still no answer (attempt 2 of 2; given up)"
    assert br.service_stats(op.ledger).totals()["failed"] == 1


def test_fingerprint_is_content_not_location(tiny: br.Scenario) -> None:
    """Where a scenario was read from does not matter; a changed weight does."""
    fp = br.scenario_fingerprint(tiny)
    assert br.scenario_fingerprint(dataclasses.replace(tiny, source="elsewhere")) == fp
    heavier = dict(tiny.orders)
    heavier["O1"] = dataclasses.replace(heavier["O1"], weight_kg=7.0)
    assert br.scenario_fingerprint(dataclasses.replace(tiny, orders=heavier)) != fp


def test_ledger_belongs_to_one_scenario(tiny: br.Scenario, tmp_path: Path) -> None:
    """Another scenario, or a scenario whose recorded orders changed, is refused."""
    path = tmp_path / "ops.sqlite"
    op_for(tiny, path).plan(D1, "AM")
    renamed = dataclasses.replace(tiny, settings=dataclasses.replace(tiny.settings, name="Other"))
    with pytest.raises(br.LedgerError, match="belongs to scenario 'Tiny compound', not 'Other'"):
        op_for(renamed, path)
    changed = dict(tiny.orders)
    changed["O1"] = dataclasses.replace(changed["O1"], weight_kg=7.0)
    with pytest.raises(br.LedgerError, match="order O1 changed since it was received"):
        op_for(dataclasses.replace(tiny, orders=changed), path)


def test_orders_added_late_join_the_next_window(tiny: br.Scenario, tmp_path: Path) -> None:
    """An order added to the morning after it was planned comes with the afternoon."""
    path = tmp_path / "ops.sqlite"
    op = op_for(tiny, path)
    op.record(op.plan(D1, "AM"))
    grown = dict(tiny.orders)
    grown["O9"] = dataclasses.replace(tiny.orders["O3"], order_id="O9")
    grown_op = op_for(dataclasses.replace(tiny, orders=grown), path)
    scenario = grown_op.window_scenario(D1, "PM")
    assert scenario.orders["O9"].priority is br.Priority.URGENT  # late: raised
    assert scenario.orders["O9"].window == "PM"
    pm = grown_op.plan(D1, "PM")
    assert "O9" in pm.order_ids_delivered()


def test_read_outcomes(tmp_path: Path) -> None:
    """order_id,status[,reason], GBK accepted; reasons optional; ids normalised."""
    path = tmp_path / "outcomes.csv"
    path.write_bytes("order_id,status,reason\nO1,failed,无人应答\n Ｏ2 ,Cancelled,\n".encode("gbk"))
    assert br.read_outcomes(path) == (
        br.Outcome("O1", br.OutcomeStatus.FAILED, "无人应答"),
        br.Outcome("O2", br.OutcomeStatus.CANCELLED, ""),
    )


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("order_id,status\nO1,lost\n", r"outcomes.csv row 2 column status: 'lost' not in"),  # bad
        (
            "order_id,status\nO1,failed\nO1,delivered\n",
            "row 3 column order_id: 'O1' repeats",
        ),  # twice
        ("order_id,reason\nO1,x\n", r"missing column\(s\) \['status'\]"),  # no status column
    ],
)
def test_read_outcomes_errors_name_file_row_column(tmp_path: Path, text: str, match: str) -> None:
    """Every bad outcomes row is reported with its file, row and column."""
    path = tmp_path / "outcomes.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match=match):
        br.read_outcomes(path)
