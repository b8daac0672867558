"""Tests of basket_route.verify: a hand-timed plan passes, and each hand-edited defect is caught.

The scenario is planar with ``detour = 1`` and walking at 3.6 km/h = 1 m/s, so that every
travel time in seconds equals the distance in metres:

    D1 (0, 0)   B1 (300, 0)   B2 (300, 400), sealed, no lift   B3 (0, 500)   D2 (1000, 0)
    D1-B1 300 m, B1-B2 400 m, B2-D1 500 m, D1-B3 500 m.

Service (defaults): stop 120 s, order 30 s, floor 45 s per floor above ground (sealed
building without a lift), reload 300 s.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import importlib.util
import json
import math
import re
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from types import ModuleType
from typing import Any

import pandas as pd
import pytest

from basket_route.io.scenario import scenario_from_frames
from basket_route.model import Scenario
from basket_route.plan import Plan, Route, Stop, Trip, Unassigned, UnassignedReason
from basket_route.verify import PlanViolationError, Verification, verify_files, verify_plan

CHECKER = Path(__file__).resolve().parents[2] / "shared" / "tools" / "verify_plan.py"
DAY = dt.date(2020, 2, 10)
SETTINGS_TOML = 'name = "Test Estate"\n[distance]\ndetour = 1.0\n[modes]\nwalk = 3.6\n'
SETTINGS = {"name": "Test Estate", "distance": {"detour": 1.0}, "modes": {"walk": 3.6}}
WEIGHTS = {"O4": (8.0, 2), "O5": (13.0, 1), "O8": (1.0, 4)}  # kg, bags of orders moved around


def _frame(columns: str, *rows: tuple[Any, ...]) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=columns.split())


def _frames() -> dict[str, pd.DataFrame]:
    return {
        "depots.csv": _frame(
            "depot_id name x_m y_m", ("D1", "North gate", 0.0, 0.0), ("D2", "South gate", 1e3, 0.0)
        ),
        "buildings.csv": _frame(
            "building_id name x_m y_m floors elevator sealed",
            ("B1", "Block 1", 300.0, 0.0, 6, False, False),
            ("B2", "Block 2", 300.0, 400.0, 6, False, True),
            ("B3", "Block 3", 0.0, 500.0, 3, False, False),
        ),
        "households.csv": _frame(
            "household_id building_id unit floor members vulnerable",
            ("H1", "B1", "1-201", 2, 2, ""),
            ("H2", "B1", "1-301", 3, 1, "elderly_alone"),
            ("H3", "B2", "2-401", 4, 3, "chronic_meds"),
            ("H4", "B3", "3-101", 1, 2, ""),
            ("H5", "B3", "3-201", 2, 4, ""),
            ("H6", "B3", "3-301", 3, 1, ""),
        ),
        "orders.csv": _frame(
            "order_id household_id date window weight_kg bags priority due",
            ("O1", "H1", "2020-02-10", "AM", 8.0, 2, "normal", None),
            ("O2", "H2", "2020-02-10", "AM", 6.0, 1, "urgent", "09:30"),
            ("O3", "H3", "2020-02-10", "AM", 5.0, 1, "medicine", None),
            ("O4", "H4", "2020-02-10", "AM", 8.0, 2, "normal", "09:45"),
            ("O5", "H5", "2020-02-10", "AM", 13.0, 1, "normal", None),
            ("O6", "H6", "2020-02-10", "AM", 0.0, 1, "normal", None),  # invalid: weight 0
            ("O7", "H6", "2020-02-10", "AM", 40.0, 1, "normal", None),  # heavier than anyone
            ("O8", "H6", "2020-02-10", "AM", 1.0, 4, "normal", None),
            ("O9", "H1", "2020-02-11", "AM", 3.0, 1, "normal", None),  # another date
        ),
        "volunteers.csv": _frame(
            "volunteer_id name depot_id mode capacity_kg capacity_bags door_to_door max_trips",
            ("V1", "Li", "D1", "walk", 20.0, 5, True, 2),
            ("V2", "Wang", "D1", "walk", 20.0, 5, False, math.nan),
            ("V3", "Zhao", "D1", "walk", 20.0, 5, False, math.nan),
        ),
        "shifts.csv": _frame(
            "volunteer_id date window",
            ("V1", "2020-02-10", "AM"),
            ("V2", "2020-02-10", "AM"),
            ("V3", "2020-02-11", "AM"),  # not on the plan's window
        ),
    }


def at(hms: str) -> dt.datetime:
    """HH:MM:SS on the plan's day."""
    return dt.datetime.combine(DAY, dt.time.fromisoformat(hms))


GOOD = Plan(
    "Test Estate",
    DAY,
    "AM",
    (
        Route(
            "V1",
            (
                # depart 09:00:00; D1->B1 300 m = 300 s -> arrive 09:05:00;
                # B1 service 120 + 2 x 30 = 180 s -> depart 09:08:00 (O2 due 09:30);
                # B1->B2 400 s -> arrive 09:14:40; B2 sealed, no lift, H3 on floor 4:
                # 120 + 30 + 45 x 3 = 285 s -> depart 09:19:25; B2->D1 500 s -> 09:27:45.
                # 300 + 400 + 500 = 1200 m; 8 + 6 + 5 = 19 kg of 20; 2 + 1 + 1 = 4 bags of 5.
                Trip(
                    "D1",
                    at("09:00:00"),
                    at("09:27:45"),
                    1200.0,
                    19.0,
                    4,
                    (
                        Stop("B1", at("09:05:00"), at("09:08:00"), ("O1", "O2")),
                        Stop("B2", at("09:14:40"), at("09:19:25"), ("O3",)),
                    ),
                ),
                # depart 09:27:45 + reload 300 s = 09:32:45; D1->B3 500 s -> 09:41:05
                # (O4 due 09:45); service 120 + 30 = 150 s -> 09:43:35, waits 30 s more ->
                # depart 09:44:05; B3->D1 500 s -> 09:52:25. 1000 m, 8 kg, 2 bags.
                Trip(
                    "D1",
                    at("09:32:45"),
                    at("09:52:25"),
                    1000.0,
                    8.0,
                    2,
                    (Stop("B3", at("09:41:05"), at("09:44:05"), ("O4",)),),
                ),
            ),
        ),
        Route(
            "V2",
            (
                # depart 09:00:00; D1->B3 500 s -> 09:08:20; 120 + 2 x 30 = 180 s -> 09:11:20;
                # B3->D1 500 s -> 09:19:40. 1000 m; 13 + 1 = 14 kg; 1 + 4 = 5 bags of 5.
                Trip(
                    "D1",
                    at("09:00:00"),
                    at("09:19:40"),
                    1000.0,
                    14.0,
                    5,
                    (Stop("B3", at("09:08:20"), at("09:11:20"), ("O5", "O8")),),
                ),
            ),
        ),
    ),
    (
        Unassigned("O6", UnassignedReason.INVALID, "weight_kg must be > 0"),
        Unassigned("O7", UnassignedReason.NO_CAPACITY, "40.0 kg > largest capacity 20.0 kg"),
    ),
)


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    """Three buildings (one sealed), two depots, eight orders of 2020-02-10 AM, three volunteers."""
    return scenario_from_frames(_frames(), SETTINGS)


@pytest.fixture(scope="module")
def scenario_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same scenario written as a scenario folder (CSV files and scenario.toml)."""
    folder = tmp_path_factory.mktemp("scenario")
    for name, frame in _frames().items():
        frame.to_csv(folder / name, index=False)
    (folder / "scenario.toml").write_text(SETTINGS_TOML, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def checker() -> ModuleType | None:
    """The independent checker shared/tools/verify_plan.py, or None when it is not there."""
    if not CHECKER.is_file():
        return None
    spec = importlib.util.spec_from_file_location("_independent_verify_plan", CHECKER)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


# ----------------------------------------------------------------------------- plan edits


def _set_trip(plan: Plan, r: int, t: int, trip: Trip) -> Plan:
    trips = list(plan.routes[r].trips)
    trips[t] = trip
    routes = list(plan.routes)
    routes[r] = replace(routes[r], trips=tuple(trips))
    return replace(plan, routes=tuple(routes))


def _edit_trip(plan: Plan, r: int, t: int, **changes: Any) -> Plan:
    return _set_trip(plan, r, t, replace(plan.routes[r].trips[t], **changes))


def _edit_stop(plan: Plan, r: int, t: int, s: int, **changes: Any) -> Plan:
    stops = list(plan.routes[r].trips[t].stops)
    stops[s] = replace(stops[s], **changes)
    return _edit_trip(plan, r, t, stops=tuple(stops))


def _shifted(trip: Trip, seconds: float) -> Trip:
    """TRIP with every time moved by SECONDS."""
    d = dt.timedelta(seconds=seconds)
    stops = tuple(replace(s, arrive=s.arrive + d, depart=s.depart + d) for s in trip.stops)
    return replace(trip, depart=trip.depart + d, return_=trip.return_ + d, stops=stops)


def _shift(plan: Plan, r: int, t: int, seconds: float) -> Plan:
    return _set_trip(plan, r, t, _shifted(plan.routes[r].trips[t], seconds))


def _move(plan: Plan, oid: str) -> Plan:
    """Move OID from V2's only stop (B3) to V1's second trip (also at B3), loads updated.

    V1's stop at B3 waits 30 s, which covers the 30 s of one more order.
    """
    kg, bags = WEIGHTS[oid]
    src = plan.routes[1].trips[0]
    src_ids = tuple(o for o in src.stops[0].order_ids if o != oid)
    plan = _edit_stop(plan, 1, 0, 0, order_ids=src_ids)
    plan = _edit_trip(plan, 1, 0, load_kg=src.load_kg - kg, bags=src.bags - bags)
    dst = plan.routes[0].trips[1]
    plan = _edit_stop(plan, 0, 1, 0, order_ids=(*dst.stops[0].order_ids, oid))
    return _edit_trip(plan, 0, 1, load_kg=dst.load_kg + kg, bags=dst.bags + bags)


def _with_duplicate(plan: Plan) -> Plan:
    """PLAN with O1 also unassigned. Plan refuses that at construction, so the field is set
    afterwards, as code editing the object in place could; the verifier must still see it."""
    twice = replace(plan)
    extra = Unassigned("O1", UnassignedReason.OUT_OF_TIME)
    object.__setattr__(twice, "unassigned", (*plan.unassigned, extra))
    return twice


def _swap_volunteers(plan: Plan) -> Plan:
    v1, v2 = plan.routes
    return replace(plan, routes=(replace(v1, volunteer_id="V2"), replace(v2, volunteer_id="V1")))


def _swap_o1_o4(plan: Plan) -> Plan:
    """O1 (B1, 8 kg, 2 bags) and O4 (B3, 8 kg, 2 bags) swapped between V1's trips, in one
    step (a plan with an order twice cannot be built)."""
    first, second = plan.routes[0].trips
    first = replace(first, stops=(replace(first.stops[0], order_ids=("O4", "O2")), first.stops[1]))
    second = replace(second, stops=(replace(second.stops[0], order_ids=("O1",)),))
    return replace(plan, routes=(replace(plan.routes[0], trips=(first, second)), plan.routes[1]))


def _third_trip(plan: Plan) -> Plan:
    """V2's trip given to V1 as a third trip: 09:52:25 + reload 300 s = 09:57:25 = 09:00:00
    + 3445 s; V2's route dropped. Only max_trips is broken."""
    v1 = plan.routes[0]
    extra = _shifted(plan.routes[1].trips[0], 3445)
    return replace(plan, routes=(replace(v1, trips=(*v1.trips, extra)),))


Edit = Callable[[Plan], Plan]

DEFECTS = [
    # O7 dropped from unassigned: silently lost.
    pytest.param(
        lambda p: replace(p, unassigned=p.unassigned[:1]),
        r"order O7: missing from the plan",
        id="missing-order",
    ),
    # O1 both delivered and unassigned.
    pytest.param(_with_duplicate, r"order O1: appears 2 times", id="order-twice"),
    # O5 (13 kg) moved onto V1's second trip: 8 + 13 = 21 kg > 20 kg.
    pytest.param(
        lambda p: _move(p, "O5"),
        r"route V1 trip 2: load 21 kg exceeds capacity 20 kg",
        id="over-capacity-kg",
    ),
    # O8 (4 bags) moved onto V1's second trip: 2 + 4 = 6 bags > 5 bags.
    pytest.param(
        lambda p: _move(p, "O8"),
        r"route V1 trip 2: load 6 bags exceeds capacity 5 bags",
        id="over-capacity-bags",
    ),
    # Arrives at B1 at 09:04:00, but 09:00:00 + 300 s travel is 09:05:00.
    pytest.param(
        lambda p: _edit_stop(p, 0, 0, 0, arrive=at("09:04:00")),
        r"route V1 trip 1 stop 1: arrive 09:04:00 is before previous departure 09:00:00 "
        r"\+ travel 300s",
        id="travel-too-short",
    ),
    # Leaves B1 at 09:07:00, but 09:05:00 + 180 s service is 09:08:00.
    pytest.param(
        lambda p: _edit_stop(p, 0, 0, 0, depart=at("09:07:00")),
        r"route V1 trip 1 stop 1: depart 09:07:00 is before arrive 09:05:00 \+ service 180s",
        id="service-too-short",
    ),
    # Leaves sealed B2 at 09:18:00, but door-to-door to floor 4 needs 285 s (until 09:19:25).
    pytest.param(
        lambda p: _edit_stop(p, 0, 0, 1, depart=at("09:18:00")),
        r"route V1 trip 1 stop 2: depart 09:18:00 is before arrive 09:14:40 \+ service 285s",
        id="door-to-door-service-too-short",
    ),
    # V1's second trip 5 min later: arrives at B3 09:46:05, O4 is due 09:45.
    pytest.param(
        lambda p: _shift(p, 0, 1, 300),
        r"route V1 trip 2 stop 1: arrive 09:46:05 is after due 09:45",
        id="due-missed",
    ),
    # V2's trip 9900 s later: back at 09:19:40 + 2:45:00 = 12:04:40, after the window.
    pytest.param(
        lambda p: _shift(p, 1, 0, 9900),
        r"route V2 trip 1: return 2020-02-10 12:04:40 is after the window end 12:00",
        id="return-after-window-end",
    ),
    # V2's trip 10 min earlier: departs 08:50:00, before the window.
    pytest.param(
        lambda p: _shift(p, 1, 0, -600),
        r"route V2 trip 1: depart 2020-02-10 08:50:00 is before the window start 09:00",
        id="depart-before-window-start",
    ),
    # Back at D1 at 09:18:00, but leaving B3 09:11:20 + 500 s is 09:19:40.
    pytest.param(
        lambda p: _edit_trip(p, 1, 0, return_=at("09:18:00")),
        r"route V2 trip 1: return 09:18:00 is before last departure 09:11:20 \+ travel 500s",
        id="travel-back-too-short",
    ),
    # V1's second trip 60 s earlier: 09:31:45 < 09:27:45 + 300 s reload.
    pytest.param(
        lambda p: _shift(p, 0, 1, -60),
        r"route V1: trip departing 09:31:45 starts before previous return 09:27:45 "
        r"\+ reload 300s",
        id="reload-gap-too-short",
    ),
    # V1's second trip 15 min earlier: departs 09:17:45 while the first is still out.
    pytest.param(
        lambda p: _shift(p, 0, 1, -900),
        r"route V1: trip departing 09:17:45 starts before previous return 09:27:45",
        id="trips-overlap",
    ),
    # V2 starts from D2, not their depot D1.
    pytest.param(
        lambda p: _edit_trip(p, 1, 0, depot_id="D2"),
        r"route V2 trip 1: depot D2 is not volunteer V2's depot D1",
        id="wrong-depot",
    ),
    # V3 exists (depot D1, same capacities) but works 2020-02-11 only.
    pytest.param(
        lambda p: replace(p, routes=(p.routes[0], replace(p.routes[1], volunteer_id="V3"))),
        r"route V3: volunteer V3 has no shift on 2020-02-10 AM",
        id="volunteer-not-on-shift",
    ),
    # V9 is not in volunteers.csv.
    pytest.param(
        lambda p: replace(p, routes=(p.routes[0], replace(p.routes[1], volunteer_id="V9"))),
        r"route V9: unknown volunteer V9",
        id="unknown-volunteer",
    ),
    # Both routes given to V1.
    pytest.param(
        lambda p: replace(p, routes=(p.routes[0], replace(p.routes[1], volunteer_id="V1"))),
        r"route V1: volunteer V1 appears in more than one route",
        id="volunteer-twice",
    ),
    # Routes swapped: V2 (not door-to-door) would carry O3 into sealed B2.
    pytest.param(
        _swap_volunteers,
        r"route V2 trip 1 stop 2: sealed building B2 served by V2, who is not door_to_door",
        id="sealed-without-door-to-door",
    ),
    # O1 (B1) and O4 (B3) swapped: same weight, bags and service, wrong buildings.
    pytest.param(
        _swap_o1_o4,
        r"route V1 trip 1 stop 1: order O4 belongs to building B3, not B1",
        id="order-at-wrong-building",
    ),
    # V1 gets a third trip; max_trips is 2.
    pytest.param(_third_trip, r"route V1: 3 trips exceed max_trips 2", id="max-trips-exceeded"),
    # 1300 m reported for 1200 m (tolerance 0.5 % + 1 m = 7 m).
    pytest.param(
        lambda p: _edit_trip(p, 0, 0, distance_m=1300.0),
        r"route V1 trip 1: reported distance_m 1300 but recomputed 1200\.0",
        id="reported-distance-wrong",
    ),
    # 15 kg reported for 13 + 1 = 14 kg.
    pytest.param(
        lambda p: _edit_trip(p, 1, 0, load_kg=15.0),
        r"route V2 trip 1: reported load_kg 15 but its orders sum to 14",
        id="reported-load-wrong",
    ),
    # O6 (weight 0, invalid) delivered with O4 at B3.
    pytest.param(
        lambda p: _edit_stop(
            replace(p, unassigned=p.unassigned[1:]), 0, 1, 0, order_ids=("O4", "O6")
        ),
        r"route V1 trip 2 stop 1: order O6 has invalid data \(.*weight_kg.*\) but is delivered",
        id="invalid-order-delivered",
    ),
    # O99 does not exist.
    pytest.param(
        lambda p: _edit_stop(p, 0, 1, 0, order_ids=("O4", "O99")),
        r"order O99: unknown order id \(route V1 trip 2 stop 1\)",
        id="unknown-order-id",
    ),
    # O9 is an order of 2020-02-11.
    pytest.param(
        lambda p: replace(
            p, unassigned=(*p.unassigned, Unassigned("O9", UnassignedReason.OUT_OF_TIME))
        ),
        r"order O9: belongs to 2020-02-11 AM, not 2020-02-10 AM \(unassigned\)",
        id="order-of-another-date",
    ),
    # NOON is not a window of the scenario.
    pytest.param(
        lambda p: replace(p, window="NOON"),
        r"plan: window 'NOON' is not defined \(windows: AM, PM\)",
        id="window-undefined",
    ),
]


# ----------------------------------------------------------------------------- tests


def test_good_plan_passes(scenario: Scenario) -> None:
    """The hand-timed plan has no violation or warning, and the figures are recomputed."""
    result = verify_plan(scenario, GOOD)
    assert result.ok, str(result)
    assert result.warnings == ()
    counts = (result.orders, result.delivered, result.priority_delivered, result.unassigned)
    assert counts == (8, 6, 2, 2)  # O1-O8; O6, O7 unassigned; O2 urgent, O3 medicine
    assert (result.trips, result.volunteers_used) == (3, 2)
    assert result.distance_m == pytest.approx(1200 + 1000 + 1000)
    assert str(result).splitlines()[0] == "OK: 2020-02-10 AM, 0 violation(s), 0 warning(s)"
    result.raise_if_invalid()
    assert GOOD.verify(scenario) == result


def test_good_plan_passes_independent_checker(
    scenario_dir: Path, checker: ModuleType | None, tmp_path: Path
) -> None:
    """Written to files, the plan passes verify_files and the independent checker alike."""
    plan_path = tmp_path / "plan.json"
    GOOD.to_json(plan_path)
    ours = verify_files(scenario_dir, plan_path)
    assert ours.ok, str(ours)
    if checker is None:
        pytest.skip(f"independent checker not found at {CHECKER}")
    theirs = checker.run(scenario_dir, plan_path)
    assert theirs.violations == [] and theirs.warnings == []
    assert checker.as_text(theirs) == str(ours)


@pytest.mark.parametrize(("edit", "match"), DEFECTS)
def test_defect_is_a_violation(
    scenario: Scenario,
    scenario_dir: Path,
    checker: ModuleType | None,
    edit: Edit,
    match: str,
) -> None:
    """Each hand edit of the good plan breaks one rule; the violation says which and where.

    The independent checker, when present, reports the same text for the same plan file.
    """
    plan = edit(GOOD)
    result = verify_plan(scenario, plan)
    assert not result.ok
    assert any(re.search(match, v) for v in result.violations), str(result)
    if checker is not None:
        theirs = checker.verify(checker.load_scenario(scenario_dir), json.loads(plan.to_json()))
        assert any(re.search(match, v) for v in theirs.violations), checker.as_text(theirs)


def test_raise_if_invalid_lists_violations(scenario: Scenario) -> None:
    """raise_if_invalid raises a ValueError subclass that names the violations."""
    result = verify_plan(scenario, replace(GOOD, unassigned=()))
    with pytest.raises(PlanViolationError, match=r"(?s)2020-02-10 AM has \d+ violation.*O6"):
        result.raise_if_invalid()
    assert issubclass(PlanViolationError, ValueError)
    assert str(result).startswith("FAIL: 2020-02-10 AM")
    assert "\nVIOLATION order O7: missing from the plan" in str(result)


def test_error_lists_at_most_twenty() -> None:
    """A PlanViolationError message lists the first 20 violations and counts the rest."""
    error = PlanViolationError([f"v{i}" for i in range(25)], "2020-02-10 AM")
    lines = str(error).splitlines()
    assert lines[0] == "plan 2020-02-10 AM has 25 violation(s):"
    assert len(lines) == 22 and lines[-1].endswith("… and 5 more")
    assert len(error.violations) == 25


def test_priority_left_out_while_normal_served_warns(scenario: Scenario) -> None:
    """O2 (urgent) out_of_time while O1 (normal) of the same building B1 is delivered: a
    warning, not a violation. B1's stop keeps its times (waiting is allowed)."""
    plan = _edit_stop(GOOD, 0, 0, 0, order_ids=("O1",))
    plan = _edit_trip(plan, 0, 0, load_kg=13.0, bags=3)  # 19 - 6 kg, 4 - 1 bags
    plan = replace(
        plan, unassigned=(*plan.unassigned, Unassigned("O2", UnassignedReason.OUT_OF_TIME))
    )
    result = verify_plan(scenario, plan)
    assert result.ok, str(result)
    assert result.warnings == (
        "priority: urgent order O2 is unassigned (out_of_time) while normal order(s) O1 of "
        "building B1 are delivered",
    )
    assert result.priority_delivered == 1


def test_invalid_reason_on_valid_order_warns(scenario: Scenario) -> None:
    """Reason ``invalid`` on an order whose data is fine is a warning."""
    plan = replace(
        GOOD, unassigned=(GOOD.unassigned[0], Unassigned("O7", UnassignedReason.INVALID, "?"))
    )
    result = verify_plan(scenario, plan)
    assert result.ok
    assert result.warnings == ("unassigned O7: reason 'invalid' but the order's data looks valid",)


def test_unreachable_leg(scenario: Scenario) -> None:
    """With paths.csv, a building without a path is unreachable, and its trip's distance is
    not counted."""
    frames = _frames()
    frames["paths.csv"] = _frame("from to length_m", ("D1", "B1", 300.0), ("D1", "B3", 500.0))
    with_paths = scenario_from_frames(frames, SETTINGS)  # B2 has no path at all
    result = verify_plan(with_paths, GOOD)
    assert "route V1 trip 1 stop 2: no path from B1 to B2 (unreachable)" in result.violations
    assert "route V1 trip 1 return: no path from B2 to D1 (unreachable)" in result.violations
    assert result.distance_m == pytest.approx(2000.0)  # trips 2 and 3 only


def test_zoned_time_is_a_violation(scenario: Scenario) -> None:
    """A time with a zone cannot be compared with the window: a violation, not a crash."""
    utc = dt.UTC
    plan = _edit_stop(
        GOOD,
        1,
        0,
        0,
        arrive=at("09:08:20").replace(tzinfo=utc),
        depart=at("09:11:20").replace(tzinfo=utc),
    )
    result = verify_plan(scenario, plan)
    assert "route V2 trip 1 stop 1: 'arrive' is not a local ISO-8601 datetime" in "\n".join(
        result.violations
    )


def test_sub_second_times_are_checked_as_written(scenario: Scenario) -> None:
    """Times are checked to the second, as the plan file states them."""
    plan = _edit_stop(GOOD, 0, 0, 0, arrive=at("09:05:00") + dt.timedelta(microseconds=900_000))
    assert verify_plan(scenario, plan).ok


def test_verification_is_frozen(scenario: Scenario) -> None:
    """A Verification is immutable data with a JSON-ready form."""
    result = verify_plan(scenario, GOOD)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.orders = 0  # type: ignore[misc]
    data = result.to_dict()
    assert data["ok"] is True and data["distance_m"] == 3200.0 and data["orders"] == 8
    assert isinstance(result, Verification)
