"""Service statistics: hand-computed totals, per window/day, fairness, report, chart."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import sys
from pathlib import Path

import pandas as pd
import pytest

import basket_route as br

D1 = dt.date(2020, 2, 10)
# GREEDY_DESCENT stops at a local optimum (guided local search would run to its time cap
# on one-drop windows).
REPRO = br.PlanOptions(reproducible=True, solution_limit=30, metaheuristic="GREEDY_DESCENT")


@pytest.fixture(scope="module")
def day_one(tiny: br.Scenario) -> tuple[br.Operation, br.Plan]:
    """Tiny day: in the morning O3 fails at the door (no answer) and O5 is cancelled;
    V3 delivers the afternoon's O7 and O8 and the carried-over O3."""
    op = br.Operation(tiny, ":memory:", options=REPRO)
    am = op.plan(D1, "AM")
    op.record(am, {"O3": ("failed", "no answer"), "O5": ("cancelled", "bought elsewhere")})
    pm = op.plan(D1, "PM")
    op.record(pm)
    return op, am


def test_totals_hand_computed(day_one: tuple[br.Operation, br.Plan]) -> None:
    """8 orders: 7 delivered, O5 cancelled; 6 households served once each."""
    op, am = day_one
    t = br.service_stats(op.ledger).totals()
    assert (t["orders_received"], t["delivered"], t["pending"]) == (8, 7, 0)
    assert (t["cancelled"], t["failed"], t["carry_overs"]) == (1, 0, 1)
    assert t["households_served"] == 6  # H1 H2 H4 H6 in the morning, H3 H5 after
    assert t["household_deliveries"] == 6  # H3 got O7 and O3 in the same window
    assert t["volunteer_windows"] == sum(1 for r in am.routes if r.trips) + 1  # + V3
    assert t["kg_delivered"] == pytest.approx(6.5 + 3.0 + 4.5 + 2.0 + 5.0 + 7.5 + 8.0)
    assert t["due_orders"] == 1  # O2, medicine due 10:00, delivered in its window
    assert t["on_time_rate"] == 1.0
    assert t["deliveries_by_day"] == {"2020-02-10": 7}


def test_by_window_and_by_day(day_one: tuple[br.Operation, br.Plan]) -> None:
    """Per window: AM 6 new, 4 delivered, 1 failed at the door (carried), 1 cancelled;
    PM 2 new + 1 carried in, 3 delivered; nothing pending at the end."""
    stats = br.service_stats(day_one[0].ledger)
    win = stats.by_window()
    am, pm = win.loc[("2020-02-10", "AM")], win.loc[("2020-02-10", "PM")]
    assert (am["orders_received"], am["delivered"], am["failed_at_door"]) == (6, 4, 1)
    assert (am["carried_over"], am["cancelled"], am["pending"]) == (1, 1, 1)
    assert (pm["orders_received"], pm["carried_in"], pm["planned"], pm["delivered"]) == (2, 1, 3, 3)
    assert pm["pending"] == 0
    day = stats.by_day()
    assert day.loc["2020-02-10", "households_served"] == 6
    assert day.loc["2020-02-10", "cum_delivered"] == 7
    assert day.loc["2020-02-10", "on_time_rate"] == 1.0


def test_fairness_hand_computed() -> None:
    """Minutes 30, 30, 60: mean 40, CV √200/40 = 0.354, Gini 60 / (3 × 120) = 0.167."""
    empty = br.service_stats(br.Ledger(":memory:"))
    shifts = pd.DataFrame(
        {
            "date": ["2020-02-10"] * 4,
            "window": ["AM", "AM", "AM", "PM"],
            "volunteer_id": ["A", "B", "C", "A"],
            "status": ["worked"] * 4,
            "detail": "",
        }
    )
    trips = pd.DataFrame({"volunteer_id": ["A", "B", "C"], "minutes": [60.0, 30.0, 30.0]})
    carried = pd.DataFrame({"volunteer_id": ["A"], "weight_kg": [2.5]})
    stats = dataclasses.replace(empty, shifts=shifts, trips=trips, carried=carried)
    fair = stats.fairness()
    assert fair["volunteers"] == 3
    assert fair["minutes_mean"] == 40.0
    assert fair["minutes_cv"] == round(200**0.5 / 40, 3)
    assert fair["minutes_gini"] == round(60 / 360, 3)
    assert (fair["windows_min"], fair["windows_max"]) == (1.0, 2.0)
    assert stats.by_volunteer().loc["A", "kg"] == 2.5


def test_report_in_both_languages(day_one: tuple[br.Operation, br.Plan]) -> None:
    """The narrative carries the same figures in Chinese and English."""
    stats = br.service_stats(day_one[0].ledger)
    en, zh = stats.report("en"), stats.report("zh")
    assert en.startswith("By 10 Feb, 8 orders received and 7 deliveries made to 6 households")
    assert "1 cancelled, 0 failed." in en
    assert zh.startswith("截至2月10日，共接收订单8单，提供配送服务7次，服务隔离家庭6户")
    assert "准时送达率100.0%" in zh
    with pytest.raises(ValueError, match=r"lang 'fr' not in \['en', 'zh'\]"):
        stats.report("fr")


def test_json_ready(day_one: tuple[br.Operation, br.Plan]) -> None:
    """to_dict() is plain JSON; totals reconcile; deliveries_by_day also at the top."""
    data = json.loads(json.dumps(br.service_stats(day_one[0].ledger).to_dict()))
    t = data["totals"]
    assert t["orders_received"] == t["delivered"] + t["pending"] + t["cancelled"] + t["failed"]
    assert data["deliveries_by_day"] == t["deliveries_by_day"] == {"2020-02-10": 7}
    assert data["by_day"][0]["date"] == "2020-02-10"


def test_empty_ledger() -> None:
    """A new ledger has zero totals and says nothing is planned yet."""
    stats = br.service_stats(br.Ledger(":memory:"))
    assert stats.totals()["orders_received"] == 0
    assert stats.totals()["on_time_rate"] is None
    assert stats.report("en") == "Nothing planned yet."
    assert stats.by_day().empty


def test_chart_is_written(day_one: tuple[br.Operation, br.Plan], tmp_path: Path) -> None:
    """A PNG is written when matplotlib is installed."""
    pytest.importorskip("matplotlib")
    out = br.service_stats(day_one[0].ledger).chart(tmp_path / "charts" / "stats.png")
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_chart_without_matplotlib(
    day_one: tuple[br.Operation, br.Plan], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without matplotlib the error says which extra to install."""
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(ImportError, match=r"pip install 'basket-route\[charts\]'"):
        br.service_stats(day_one[0].ledger).chart(tmp_path / "stats.png")
