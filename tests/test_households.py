"""Households: quarantine periods (sealed buildings share them), cancellations, the vulnerable."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

import basket_route as br
from tests.helpers import tiny_frames, tiny_settings

D1, D2 = dt.date(2020, 2, 10), dt.date(2020, 2, 11)
# GREEDY_DESCENT stops at a local optimum (guided local search would run to its time cap
# on one-drop windows).
REPRO = br.PlanOptions(reproducible=True, solution_limit=30, metaheuristic="GREEDY_DESCENT")


def quarantined() -> br.Scenario:
    """Tiny scenario over 2 days with quarantine dates.

    B1 is sealed: H1 gives 2020-02-01..2020-02-10 and H2 none, so both share them.
    H3 (B2, not sealed) ends on 2020-02-10; H5 starts on 2020-02-11; H4 and H6 have none.
    Orders: O1 (H1), O7 (H3, an afternoon without volunteers) on day 1; O3 (H1), O4 (H2),
    O6 (H4) on day 2 morning. Only V1 (door-to-door) and V2 work, on the mornings.
    """
    f = tiny_frames()
    hh = f["households.csv"]
    hh["quarantine_start"] = ["2020-02-01", "", "", "", "2020-02-11", ""]
    hh["quarantine_end"] = ["2020-02-10", "", "2020-02-10", "", "", ""]
    f["orders.csv"] = pd.DataFrame(
        {
            "order_id": ["O1", "O7", "O3", "O4", "O6"],
            "household_id": ["H1", "H3", "H1", "H2", "H4"],
            "date": ["2020-02-10", "2020-02-10", "2020-02-11", "2020-02-11", "2020-02-11"],
            "window": ["AM", "PM", "AM", "AM", "AM"],
            "weight_kg": "2.0",
            "bags": "1",
            "priority": "normal",
            "due": "",
        }
    )
    rows = [(v, d, "AM") for v in ("V1", "V2") for d in ("2020-02-10", "2020-02-11")]
    f["shifts.csv"] = pd.DataFrame(rows, columns=["volunteer_id", "date", "window"])
    return br.scenario_from_frames(f, tiny_settings())


@pytest.fixture(scope="module")
def operation() -> br.Operation:
    """The quarantined scenario planned and recorded for its two days."""
    op = br.Operation(quarantined(), ":memory:", options=REPRO)
    op.run()
    return op


def test_period_validation_and_bounds() -> None:
    """Both ends are inclusive; None is open; an end before the start is refused."""
    p = br.QuarantinePeriod(D1, D2)
    assert p.contains(D1)
    assert p.contains(D2)
    assert not p.contains(D2 + dt.timedelta(days=1))
    assert p.ended_before(D2 + dt.timedelta(days=1))
    assert not p.ended_before(D2)
    assert br.QuarantinePeriod().contains(D1)
    with pytest.raises(ValueError, match="end must not be before start 2020-02-11"):
        br.QuarantinePeriod(D2, D1)


def test_sealed_building_shares_its_dates() -> None:
    """H2 has no dates of its own but lives in sealed B1, so it takes H1's dates."""
    periods = br.quarantine_periods(quarantined())
    assert periods["H2"] == br.QuarantinePeriod(dt.date(2020, 2, 1), D1)
    assert periods["H1"] == periods["H2"]
    assert periods["H3"] == br.QuarantinePeriod(None, D1)  # not sealed: its own dates
    assert periods["H4"] == br.QuarantinePeriod()
    assert br.in_quarantine(quarantined(), D1) == ["H1", "H2", "H3", "H4", "H6"]
    assert br.in_quarantine(quarantined(), "2020-02-11") == ["H4", "H5", "H6"]


def test_open_end_in_a_sealed_building_keeps_it_sealed() -> None:
    """One household of a sealed building without an end keeps every household in."""
    f = tiny_frames()
    f["households.csv"]["quarantine_start"] = ["2020-02-01", "2020-02-03", "", "", "", ""]
    f["households.csv"]["quarantine_end"] = ["2020-02-10", "", "", "", "", ""]
    periods = br.quarantine_periods(br.scenario_from_frames(f, tiny_settings()))
    assert periods["H1"] == br.QuarantinePeriod(dt.date(2020, 2, 1), None)


def test_orders_after_quarantine_are_cancelled_not_lost(operation: br.Operation) -> None:
    """O3 and O4 (B1 ended on 02-10) and the carried-over O7 (H3 ended) are cancelled
    with the reason; the day-2 plan lists only O6; every order is accounted for."""
    orders = operation.ledger.orders().set_index("order_id")
    for oid in ("O3", "O4", "O7"):
        assert orders.loc[oid, "state"] == "cancelled"
        assert orders.loc[oid, "reason"] == "quarantine_ended"
    assert "quarantine ended on 2020-02-10" in orders.loc["O4", "detail"]
    plan = operation.ledger.plans(D2, "AM")[0]
    assert plan.order_ids_delivered() == ["O6"]
    assert plan.unassigned == ()
    t = br.service_stats(operation.ledger).totals()
    assert (t["orders_received"], t["delivered"], t["cancelled"], t["pending"]) == (5, 2, 3, 0)


def test_vulnerable_households_hide_contacts(tiny: br.Scenario) -> None:
    """Flags are listed; names and phones (personal data) are not."""
    frame = br.vulnerable_households(tiny)
    assert list(frame.index) == ["H2", "H4", "H6"]
    assert frame.loc["H4", "flags"] == "chronic_meds"
    assert "phone" not in frame.columns
    assert "name" not in frame.columns


def test_vulnerable_served_today(operation: br.Operation) -> None:
    """On day 1 elderly H2 (B1) had no order: not served, nothing pending."""
    frame = br.vulnerable_served(operation.scenario, operation.ledger, D1)
    assert list(frame.index) == ["H2", "H4", "H6"]
    assert not frame.loc["H2", "served_today"]
    assert frame.loc["H2", "pending"] == 0
    day2 = br.vulnerable_served(operation.scenario, operation.ledger, D2)
    assert bool(day2.loc["H4", "served_today"])  # O6 delivered on day 2
    assert day2.loc["H4", "last_delivery"] == D2
    assert "H2" not in day2.index  # B1's quarantine ended on day 1


def test_order_history_in_time_order(operation: br.Operation) -> None:
    """H3's only order was carried over (no afternoon volunteer), then cancelled."""
    history = br.order_history(operation.ledger, "H3")
    assert history["state"].tolist() == ["carried_over", "cancelled"]
    assert history["reason"].tolist() == ["no_volunteer", "quarantine_ended"]
    assert len(br.order_history(operation.ledger)) >= 7
