"""Volunteers: the rest rule, availability, trip capacity and person-time, hand-computed."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

import basket_route as br
from tests.helpers import tiny_frames, tiny_settings

D1, D2 = dt.date(2020, 2, 10), dt.date(2020, 2, 11)
# GREEDY_DESCENT stops at a local optimum: guided local search never reaches the solution
# limit on a one-drop window and would run to its 60 s safety cap.
REPRO = br.PlanOptions(reproducible=True, solution_limit=30, metaheuristic="GREEDY_DESCENT")


def sealed_two_days() -> br.Scenario:
    """Tiny scenario, 2 days: one sealed-building order per window, V1 (door-to-door) on
    every window, V2 on the mornings, V3 on the afternoons (neither may enter B1)."""
    f = tiny_frames()
    f["orders.csv"] = pd.DataFrame(
        {
            "order_id": ["O1", "O2", "O3", "O4"],
            "household_id": ["H1", "H2", "H1", "H2"],
            "date": ["2020-02-10", "2020-02-10", "2020-02-11", "2020-02-11"],
            "window": ["AM", "PM", "AM", "PM"],
            "weight_kg": ["2.0", "3.0", "4.0", "1.0"],
            "bags": "1",
            "priority": "normal",
            "due": "",
        }
    )
    rows = [("V1", d, w) for d in ("2020-02-10", "2020-02-11") for w in ("AM", "PM")]
    rows += [("V2", d, "AM") for d in ("2020-02-10", "2020-02-11")]
    rows += [("V3", d, "PM") for d in ("2020-02-10", "2020-02-11")]
    f["shifts.csv"] = pd.DataFrame(rows, columns=["volunteer_id", "date", "window"])
    return br.scenario_from_frames(f, tiny_settings())


def run(scenario: br.Scenario, rule: br.RestRule) -> br.Operation:
    """Plan and record every window of SCENARIO under RULE in an in-memory ledger."""
    op = br.Operation(scenario, ":memory:", options=REPRO, rest=rule)
    op.run()
    return op


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"max_windows_per_day": 0}, "max_windows_per_day must be an integer >= 1"),  # zero
        ({"max_windows_per_week": -2}, "max_windows_per_week must be an integer >= 1"),  # < 0
        ({"max_windows_per_day": 1.5}, r"got 1\.5"),  # not an integer
        ({"max_windows_per_day": True}, "got True"),  # a bool is not a count
    ],
)
def test_rest_rule_rejects_bad_limits(kwargs: dict[str, object], match: str) -> None:
    """Limits are integers >= 1 (or None); the message names the field and the value."""
    with pytest.raises(ValueError, match=match):
        br.RestRule(**kwargs)  # type: ignore[arg-type]


def test_rest_rule_counts_the_day_and_a_rolling_week() -> None:
    """Hand-counted: the week is the planned day and the 6 days before it, not 7 before."""
    rule = br.RestRule(max_windows_per_day=2, max_windows_per_week=3)
    worked = [("V1", D1), ("V1", D1), ("V1", D1 + dt.timedelta(days=3)), ("V2", D1)]
    assert rule.check("V1", worked, D1) == "2 window(s) worked on 2020-02-10 (at most 2 a day)"
    day6 = D1 + dt.timedelta(days=6)  # D1 is still inside its week: 3 windows
    assert rule.check("V1", worked, day6) == (
        "3 window(s) worked from 2020-02-10 to 2020-02-16 (at most 3 in 7 days)"
    )
    assert rule.check("V1", worked, D1 + dt.timedelta(days=7)) is None  # D1 has left the week
    assert rule.check("V2", worked, D1) is None
    allowed, rested = rule.split(["V1", "V2", "V3"], worked, D1)
    assert allowed == ["V2", "V3"]
    assert list(rested) == ["V1"]
    assert br.RestRule.from_json(rule.to_json()) == rule
    assert not br.RestRule().active


def test_rest_rule_one_window_a_day_in_an_operation() -> None:
    """At most 1 a day: V1 works each morning and rests each afternoon, so the sealed
    afternoon orders wait (no_volunteer) for the next morning, with raised priority."""
    op = run(sealed_two_days(), br.RestRule(max_windows_per_day=1))
    shifts = op.ledger.shifts().set_index(["date", "window", "volunteer_id"])["status"]
    assert shifts[("2020-02-10", "AM", "V1")] == "worked"
    assert shifts[("2020-02-10", "PM", "V1")] == "rested"
    assert shifts[("2020-02-11", "AM", "V1")] == "worked"
    assert shifts[("2020-02-11", "PM", "V1")] == "rested"
    assert shifts[("2020-02-10", "AM", "V2")] == "standby"
    morning = op.ledger.plans(D2, "AM")[0]
    assert sorted(morning.order_ids_delivered()) == ["O2", "O3"]  # O2 carried from D1 PM
    events = op.ledger.events()
    o2 = events[(events["order_id"] == "O2") & (events["state"] == "planned")]
    assert o2["priority"].tolist() == ["urgent"]
    orders = op.ledger.orders().set_index("order_id")
    assert orders.loc["O4", "state"] == "carried_over"
    assert orders.loc["O4", "reason"] == "no_volunteer"


def test_rest_rule_one_window_a_week_in_an_operation() -> None:
    """At most 1 in 7 days: V1 works the first morning only; three orders stay pending."""
    op = run(sealed_two_days(), br.RestRule(max_windows_per_week=1))
    t = br.service_stats(op.ledger).totals()
    assert (t["delivered"], t["pending"], t["volunteer_windows"]) == (1, 3, 1)
    shifts = op.ledger.shifts()
    detail = shifts[(shifts["date"] == "2020-02-11") & (shifts["volunteer_id"] == "V1")]
    assert set(detail["status"]) == {"rested"}
    assert "at most 1 in 7 days" in detail["detail"].iloc[0]


def test_person_time_hand_computed() -> None:
    """V1's person-time under 1 window a day, computed by hand from FORMATS.md's timing.

    D1 (0, 0) to B1 (300, 0): 300 m × detour 1.3 / (4.5 km/h = 1.25 m/s) = 312 s each way.
    Day 1 AM, O1 (H1, floor 1): 312 + stop 120 + order 30 + 312 = 774 s.
    Day 2 AM, O3 (H1) and O2 (H2, floor 4, no lift): 312 + 120 + 30 + (30 + 45 × 3) + 312
    = 939 s. Orders 3, kg 2.0 + 4.0 + 3.0 = 9.0; windows worked 2, rested 2.
    """
    op = run(sealed_two_days(), br.RestRule(max_windows_per_day=1))
    load = br.workload(op.ledger)
    v1 = load.loc["V1"]
    assert v1["windows"] == 2
    assert v1["rested"] == 2
    assert v1["standby"] == 0
    assert v1["trips"] == 2
    assert v1["minutes"] == round((774 + 939) / 60, 1)  # minutes to 0.1
    assert v1["orders"] == 3
    assert v1["kg"] == pytest.approx(9.0)
    assert load.loc["V2", "standby"] == 2  # on the morning crews, never needed
    assert load.loc["V3", "windows"] == 0
    assert br.service_stats(op.ledger).by_volunteer().equals(load)


def test_available_and_trip_capacity(tiny: br.Scenario) -> None:
    """The tiny morning has V1 (15 kg, 5 bags) and V2 (15 kg, 5 bags, max 3 trips)."""
    assert [v.volunteer_id for v in br.volunteers.available(tiny, "2020-02-10", "AM")] == [
        "V1",
        "V2",
    ]
    cap = br.trip_capacity(tiny, D1, "AM")
    assert cap.loc["V2", "max_trips"] == 3
    assert pd.isna(cap.loc["V1", "max_trips"])
    assert bool(cap.loc["V1", "door_to_door"])
    assert cap.attrs["kg_per_round"] == 30.0
    assert cap.attrs["bags_per_round"] == 10.0
    with pytest.raises(KeyError, match="window 'NOON' not in"):
        br.trip_capacity(tiny, D1, "NOON")
