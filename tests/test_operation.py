"""Operation: ten days of windows, carry-over, drop-outs, resume, and the accounting property."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import basket_route as br
from tests.helpers import tiny_frames, tiny_settings

D1 = dt.date(2020, 2, 10)
# GREEDY_DESCENT stops at a local optimum (guided local search would run to its time cap
# on one-drop windows).
REPRO = br.PlanOptions(reproducible=True, solution_limit=30, metaheuristic="GREEDY_DESCENT")
FINAL = {"delivered", "failed", "cancelled"}


def assert_history_sound(op: br.Operation) -> None:
    """The ledger's invariants: totals reconcile, states follow each other legally,
    every plan lists each order of its window exactly once, nothing is delivered twice."""
    totals = br.service_stats(op.ledger).totals()
    parts = totals["delivered"] + totals["pending"] + totals["cancelled"] + totals["failed"]
    assert totals["orders_received"] == parts
    events = op.ledger.events()
    delivered = Counter(events.loc[events["state"] == "delivered", "order_id"])
    assert all(n == 1 for n in delivered.values())
    windows = op.ledger.windows()
    order = {
        (d, w): i for i, (d, w) in enumerate(zip(windows["date"], windows["window"], strict=True))
    }
    for oid, group in events.groupby("order_id", sort=False):
        states = group["state"].tolist()
        assert all(s not in FINAL for s in states[:-1]), (oid, states)
        slots = [order[(d, w)] for d, w in zip(group["date"], group["window"], strict=True)]
        assert slots == sorted(slots), (oid, slots)  # never back in time
        for k, s in enumerate(states[:-1]):
            if s == "carried_over":  # carried over: planned again in a later window
                assert slots[k + 1] > slots[k], (oid, states)
    for d, w in order:
        plans = op.ledger.plans(dt.date.fromisoformat(d), w)
        first = plans[0]
        listed = Counter(
            first.order_ids_delivered() + [u.order_id for u in (*first.unassigned, *first.rejected)]
        )
        assert all(n == 1 for n in listed.values())
        here = events[(events["date"] == d) & (events["window"] == w)]
        from_plan = here[(here["phase"] == "plan") & here["plan_id"].notna()]
        assert set(listed) == set(from_plan["order_id"])  # and cancelled ones are not in it


@pytest.mark.parametrize(
    "seed",
    [
        0,  # the built-in story (README, docs/operation.md)
        1,  # another building and crew
        2,  # and another
    ],
)
def test_ten_days_reconcile(seed: int) -> None:
    """Ten days of the building scenario, 1 window a day per volunteer: every order ever
    received is delivered, carried over, cancelled or failed, and the by-day table adds up."""
    scenario = br.synthetic("building", seed=seed)
    op = br.Operation(scenario, ":memory:", options=REPRO, rest=br.RestRule(1, 6))
    op.run("2020-02-10", days=10)
    assert_history_sound(op)
    stats = br.service_stats(op.ledger)
    totals, day = stats.totals(), stats.by_day()
    assert totals["orders_received"] == len(scenario.orders) == day["orders_received"].sum()
    for key in ("delivered", "cancelled", "failed", "volunteer_windows", "trips"):
        assert day[key].sum() == totals[key], key
    assert day["pending"].iloc[-1] == totals["pending"]
    assert day["cum_delivered"].iloc[-1] == totals["delivered"]
    assert totals["deliveries_by_day"] == {d: int(n) for d, n in day["delivered"].items()}
    assert totals["carry_overs"] > 0  # the rest rule leaves afternoons short-handed


def test_carried_over_orders_keep_their_id_and_are_raised(tiny: br.Scenario) -> None:
    """A door failure in the morning is in the afternoon's plan, same id, urgent, no due."""
    f = tiny_frames()
    f["shifts.csv"] = pd.DataFrame(
        [("V1", "2020-02-10", "AM"), ("V2", "2020-02-10", "AM"), ("V3", "2020-02-10", "PM")],
        columns=["volunteer_id", "date", "window"],
    )
    op = br.Operation(br.scenario_from_frames(f, tiny_settings()), ":memory:", options=REPRO)
    op.record(op.plan(D1, "AM"), {"O3": ("failed", "no answer")})
    pm_scenario = op.window_scenario(D1, "PM")
    assert sorted(pm_scenario.orders) == ["O3", "O7", "O8"]
    assert pm_scenario.orders["O3"].priority is br.Priority.URGENT
    pm = op.plan(D1, "PM")
    assert "O3" in pm.order_ids_delivered()
    assert pm.verify(br.scenario_from_frames(f, tiny_settings())).ok is False  # O3 is not PM's
    op.record(pm)
    assert_history_sound(op)


def test_invalid_rows_fail_once_with_their_reason() -> None:
    """An unreadable weight and an unknown window are failed (reason invalid), once."""
    f = tiny_frames()
    orders = f["orders.csv"]
    orders.loc[0, "weight_kg"] = "heavy"
    orders.loc[1, "window"] = "NOON"
    op = br.Operation(br.scenario_from_frames(f, tiny_settings()), ":memory:", options=REPRO)
    op.run()
    state = op.ledger.orders().set_index("order_id")
    assert state.loc[["O1", "O2"], "state"].tolist() == ["failed", "failed"]
    assert state.loc[["O1", "O2"], "reason"].tolist() == ["invalid", "invalid"]
    assert "weight_kg" in state.loc["O1", "detail"]
    assert_history_sound(op)


def test_resume_records_the_stored_plan(tiny: br.Scenario, tmp_path: Path) -> None:
    """A run stopped between planning and recording resumes from the ledger: the stored
    plan is recorded, nothing is planned twice."""
    path = tmp_path / "ops.sqlite"
    first = br.Operation(tiny, path, options=REPRO).plan(D1, "AM")
    again = br.Operation(tiny, path, options=REPRO)
    assert again.plan(D1, "AM") == first
    done = again.run()
    assert [(p.date, p.window) for p in done] == [(D1, "AM"), (D1, "PM")]
    assert len(again.ledger.plans(D1, "AM")) == 1
    assert again.run() == []  # everything recorded: nothing to do
    assert br.service_stats(again.ledger).totals()["delivered"] == 8


def test_windows_in_day_and_start_order(tiny: br.Scenario) -> None:
    """Windows are listed day by day, in start-time order; defaults span the scenario."""
    op = br.Operation(tiny, ":memory:")
    assert op.windows() == [(D1, "AM"), (D1, "PM")]
    assert op.windows("2020-02-11", days=1) == [
        (dt.date(2020, 2, 11), "AM"),
        (dt.date(2020, 2, 11), "PM"),
    ]
    with pytest.raises(ValueError, match="days must be an integer >= 0"):
        op.windows(D1, days=-1)


@pytest.fixture(scope="module")
def building() -> br.Scenario:
    """The built-in building scenario, first day only."""
    return br.synthetic("building", seed=0, days=1)


def busiest(plan: br.Plan) -> str:
    """The volunteer carrying the most orders in PLAN."""
    return max(plan.routes, key=lambda r: sum(len(t.order_ids) for t in r.trips)).volunteer_id


def test_replan_moves_only_what_the_dropout_had_not_delivered(building: br.Scenario) -> None:
    """V drops out as they reach their middle stop: the stops V reached before stay V's;
    the rest go to others, after their own trips; the others' trips are untouched."""
    op = br.Operation(building, ":memory:", options=REPRO)
    plan = op.plan(D1, "AM")
    gone = busiest(plan)
    stops = [(s, r.volunteer_id) for r in plan.routes for t in r.trips for s in t.stops]
    theirs = [s.arrive for s, v in stops if v == gone]
    at = theirs[len(theirs) // 2]
    kept = {o for s, v in stops if v == gone and s.arrive < at for o in s.order_ids}
    moved = {o for s, v in stops if v == gone and s.arrive >= at for o in s.order_ids}
    assert kept and moved
    trips_before = op.ledger.trips()
    extra = op.replan(D1, "AM", gone, at.time())
    listed = extra.order_ids_delivered() + [u.order_id for u in extra.unassigned]
    assert sorted(listed) == sorted(moved)
    assert gone not in {r.volunteer_id for r in extra.routes}
    reload = dt.timedelta(seconds=building.settings.service.reload_s)
    for route in extra.routes:
        mine = trips_before[trips_before["volunteer_id"] == route.volunteer_id]
        backs = [dt.datetime.fromisoformat(b) for b in mine["back"]]
        # free_times: the last return plus the reload, not before AT; an idle volunteer
        # (no trip yet) is free at AT
        free = max(at, max(backs) + reload) if backs else at
        assert route.trips[0].depart >= free
    after = op.ledger.trips()
    others = trips_before[trips_before["volunteer_id"] != gone]
    pd.testing.assert_frame_equal(
        after[after["plan_id"] == 1].query("volunteer_id != @gone").reset_index(drop=True),
        others.reset_index(drop=True),
    )
    cut = after[(after["volunteer_id"] == gone)]
    assert (pd.to_datetime(cut["depart"]) < at).all()
    assert (cut["minutes"] <= (at - D1_AM).total_seconds() / 60).all()
    op.record(plan)
    state = op.ledger.orders().set_index("order_id")
    assert set(state.loc[sorted(kept), "volunteer_id"]) == {gone}
    assert gone not in set(state.loc[sorted(moved), "volunteer_id"])
    assert_history_sound(op)


D1_AM = dt.datetime(2020, 2, 10, 9, 0)


def test_replan_before_the_window_and_again(building: br.Scenario) -> None:
    """Dropping out before the start moves every order; asking again changes nothing."""
    op = br.Operation(building, ":memory:", options=REPRO)
    plan = op.plan(D1, "AM")
    gone = busiest(plan)
    theirs = next(r for r in plan.routes if r.volunteer_id == gone)
    extra = op.replan(D1, "AM", [gone])
    assert len(extra.order_ids_delivered()) + len(extra.unassigned) == sum(
        len(t.order_ids) for t in theirs.trips
    )
    shifts = op.ledger.shifts().set_index("volunteer_id")
    assert shifts.loc[gone, "status"] == "dropped_out"
    again = op.replan(D1, "AM", gone)
    assert again.routes == ()
    assert again.unassigned == ()
    assert len(op.ledger.plans(D1, "AM")) == 2  # the plan and one re-plan
    op.record(plan)
    assert gone not in set(op.ledger.carried()["volunteer_id"])
    assert_history_sound(op)


def test_replan_errors(tiny: br.Scenario) -> None:
    """Only a planned, unrecorded window; known volunteers; a time inside the window."""
    op = br.Operation(tiny, ":memory:", options=REPRO)
    with pytest.raises(br.LedgerError, match="2020-02-10 AM is not planned"):
        op.replan(D1, "AM", "V1")
    plan = op.plan(D1, "AM")
    with pytest.raises(ValueError, match=r"unknown: \['V9'\]"):
        op.replan(D1, "AM", "V9")
    with pytest.raises(ValueError, match="at 13:00 is not inside window AM"):
        op.replan(D1, "AM", "V1", "13:00")
    op.record(plan)
    with pytest.raises(br.LedgerError, match="recorded already"):
        op.replan(D1, "AM", "V1")


def three_days() -> br.Scenario:
    """Tiny scenario repeated over 3 days: 8 orders a day, V1+V2 mornings, V3 afternoons."""
    f = tiny_frames()
    base = f["orders.csv"]
    orders, shifts = [], []
    for k in range(3):
        day = (D1 + dt.timedelta(days=k)).isoformat()
        o = base.copy()
        o["order_id"] = o["order_id"] + f"d{k}"
        o["date"] = day
        orders.append(o)
        shifts += [("V1", day, "AM"), ("V2", day, "AM"), ("V3", day, "PM"), ("V1", day, "PM")]
    f["orders.csv"] = pd.concat(orders, ignore_index=True)
    f["shifts.csv"] = pd.DataFrame(shifts, columns=["volunteer_id", "date", "window"])
    return br.scenario_from_frames(f, tiny_settings())


THREE_DAYS = three_days()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    outcomes=st.lists(
        st.sampled_from(["delivered", "delivered", "failed", "cancelled"]), min_size=60, max_size=60
    ),
    attempts=st.integers(1, 3),
    per_day=st.sampled_from([None, 1, 2]),
)
def test_accounting_holds_for_random_outcomes(
    outcomes: list[str], attempts: int, per_day: int | None
) -> None:
    """Whatever happens at the doors, under any rest rule: after every window, every order
    received is delivered, pending, cancelled or failed, and no carried-over order is lost."""
    op = br.Operation(
        THREE_DAYS, ":memory:", options=REPRO, rest=br.RestRule(per_day), max_door_attempts=attempts
    )
    draws = iter(outcomes)
    for day, window in op.windows():
        plan = op.plan(day, window)
        result = {
            o: (next(draws, "delivered"), "random") for o in sorted(plan.order_ids_delivered())
        }
        op.record(plan, {o: v for o, v in result.items() if v[0] != "delivered"})
        totals = br.service_stats(op.ledger).totals()
        assert totals["orders_received"] == (
            totals["delivered"] + totals["pending"] + totals["cancelled"] + totals["failed"]
        )
    assert_history_sound(op)
    state = op.ledger.orders()
    assert set(state["order_id"]) == set(THREE_DAYS.orders)
