"""Invariants of plan_window on random small valid scenarios (hypothesis).

For every scenario drawn by :func:`tests.reliability.strategies.tables`:

- the plan passes the library's verifier and ``../shared/tools/verify_plan.py``, every
  order of the window is on one stop or unassigned, and the same seed gives the same plan;
- adding a volunteer on shift never lowers the number of delivered orders by more than
  :data:`VOLUNTEER_NOISE` (the solver is a heuristic: more couriers change its search);
- removing an order never makes a feasible plan infeasible: the old plan without that
  order still verifies (always), and a window that was fully delivered stays fully
  delivered (up to :data:`REMOVAL_NOISE`; a counterexample is kept as a strict xfail).

The two bounds were measured with ``python tests/reliability/test_properties.py N``
(see ``docs/reliability.md``). Examples are derandomized so CI sees the same scenarios on
every run; ``BASKET_ROUTE_PROPERTY_EXAMPLES`` raises their number.
"""

from __future__ import annotations

import io
import itertools
import os
import sys
import tempfile
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import basket_route as br
from basket_route.distances import distance_matrix
from tests.reliability.common import REPRO, check_plan, check_with_checker
from tests.reliability.strategies import DAY, Tables, tables, volunteer_rows

VOLUNTEER_NOISE = 2
"""Largest drop in delivered orders seen when one volunteer is added (docs/reliability.md:
8 of 4,050 random scenarios lost 1 or 2 orders; with 200 solutions instead of 20 the one
examined delivered more than before)."""
REMOVAL_NOISE = 2
"""Largest number of orders left undelivered after removing one order from a window whose
plan delivered everything (docs/reliability.md: 3 of 810 such windows left 1 or 2; see
:func:`test_removing_an_order_counterexample`)."""

EXAMPLES = int(os.environ.get("BASKET_ROUTE_PROPERTY_EXAMPLES", "30"))
PROPERTY = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def _plan(scenario: br.Scenario) -> br.Plan:
    return br.plan_window(scenario, DAY, "AM", REPRO)


def _delivered(plan: br.Plan) -> int:
    return len(plan.order_ids_delivered())


def plan_without(plan: br.Plan, scenario: br.Scenario, order_id: str) -> br.Plan:
    """PLAN with ORDER_ID taken off its stop; loads and distances recomputed for SCENARIO.

    Times are kept: a courier who skips a stop arrives early and waits, which the contract
    allows (the direct leg is never longer than the detour, by the triangle inequality).
    """
    orders = scenario.orders
    routes = []
    for route in plan.routes:
        trips = []
        for trip in route.trips:
            stops = []
            for stop in trip.stops:
                kept = tuple(o for o in stop.order_ids if o != order_id)
                if kept:
                    stops.append(replace(stop, order_ids=kept))
            if not stops:
                continue
            path = [trip.depot_id, *(s.building_id for s in stops), trip.depot_id]
            places = sorted(set(path))
            dist = distance_matrix(scenario, places)
            at = {p: i for i, p in enumerate(places)}
            ids = [o for s in stops for o in s.order_ids]
            trips.append(
                replace(
                    trip,
                    stops=tuple(stops),
                    load_kg=sum(orders[o].weight_kg for o in ids),
                    bags=sum(orders[o].bags for o in ids),
                    distance_m=float(sum(dist[at[a], at[b]] for a, b in itertools.pairwise(path))),
                )
            )
        if trips:
            routes.append(replace(route, trips=tuple(trips)))
    unassigned = tuple(u for u in plan.unassigned if u.order_id != order_id)
    return replace(plan, routes=tuple(routes), unassigned=unassigned)


# --------------------------------------------------------------------------- properties


@PROPERTY
@given(tables())
def test_plan_verifies_accounts_and_repeats(t: Tables) -> None:
    """Both verifiers accept the plan, every order is accounted for once, and planning the
    same scenario again with the same seed gives the same JSON, byte for byte."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = t.write(Path(tmp) / "scenario")
        scenario = br.load_scenario(folder)
        plan = _plan(scenario)
        check_plan(scenario, plan)
        check_with_checker(folder, plan, Path(tmp))
        assert _plan(scenario).to_json() == plan.to_json()


@PROPERTY
@given(tables(), st.data())
def test_adding_a_volunteer_costs_at_most_noise(t: Tables, data: st.DataObject) -> None:
    """One more volunteer on shift: the new plan verifies and delivers at least
    (delivered before − VOLUNTEER_NOISE) orders."""
    depots = list(t.frames["depots.csv"]["depot_id"])
    extra = data.draw(volunteer_rows("VX", depots), label="added volunteer")
    before = _plan(t.scenario())
    bigger = t.with_volunteer(extra).scenario()
    after = _plan(bigger)
    check_plan(bigger, after)
    assert _delivered(after) >= _delivered(before) - VOLUNTEER_NOISE, (
        _delivered(before),
        _delivered(after),
    )


@PROPERTY
@given(tables(), st.data())
def test_removing_an_order_keeps_plans_feasible(t: Tables, data: st.DataObject) -> None:
    """Without one order: the old plan minus that order verifies; the new plan verifies;
    when the old plan delivered everything, so does the new one (up to REMOVAL_NOISE)."""
    scenario = t.scenario()
    ids = sorted(scenario.orders)
    if not ids:
        return
    removed = data.draw(st.sampled_from(ids), label="removed order")
    before = _plan(scenario)
    smaller = t.without_order(removed).scenario()
    derived = plan_without(before, smaller, removed)
    check = derived.verify(smaller)
    assert check.ok, str(check)
    after = _plan(smaller)
    check_plan(smaller, after)
    if not before.unassigned:
        assert len(after.unassigned) <= REMOVAL_NOISE, [u.order_id for u in after.unassigned]


COUNTEREXAMPLE = {
    "depots.csv": "depot_id,x_m,y_m\nD1,0,0\n",
    "buildings.csv": "building_id,x_m,y_m,floors,elevator,sealed\nB1,194,72,5,true,false\n",
    "households.csv": "household_id,building_id,floor\nH10,B1,5\nH11,B1,4\n",
    "orders.csv": (
        "order_id,household_id,date,window,weight_kg,bags,priority,due\n"
        "O00,H11,2020-02-10,AM,9,4,normal,10:30\n"
        "O01,H10,2020-02-10,AM,5.5,1,normal,09:20\n"
        "O02,H11,2020-02-10,AM,14,1,normal,\n"
        "O03,H11,2020-02-10,AM,0.5,1,normal,09:20\n"
        "O04,H11,2020-02-10,AM,9,2,medicine,10:30\n"
    ),
    "volunteers.csv": (
        "volunteer_id,name,depot_id,mode,capacity_kg,capacity_bags,door_to_door,max_trips\n"
        "V1,V1,D1,walk,15,8,false,1\nV2,V2,D1,walk,25,3,false,\nV3,V3,D1,ebike,8,3,true,1\n"
    ),
    "shifts.csv": "volunteer_id,date,window\nV1,2020-02-10,AM\nV2,2020-02-10,AM\nV3,2020-02-10,AM\n",
}
"""Found by the removal property (hypothesis, 4,000 examples): one building, 5 orders,
three couriers, a 45-minute morning. All 5 are delivered; without O02, O00 is not."""


def test_removing_an_order_counterexample() -> None:
    """The window above stays fully delivered when order O02 is removed.

    Was a strict xfail: the earliest-free constructive start gave V1 - the only courier
    who can carry O00 - the medicine drop O04 that V2 could carry, and guided local search
    in reproducible mode never moved it. The constructive starts now include one that
    waits for the bigger courier, and the cheapest start is kept."""
    frames = {
        name: pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
        for name, text in COUNTEREXAMPLE.items()
    }
    toml = '[windows.AM]\nstart = "09:00"\nend = "09:45"\n'
    t = Tables(frames, toml)
    assert not _plan(t.scenario()).unassigned
    smaller = t.without_order("O02").scenario()
    after = _plan(smaller)
    check_plan(smaller, after)
    assert not after.unassigned, [(u.order_id, u.detail) for u in after.unassigned]


# --------------------------------------------------------------------------- measurement


def measure(examples: int) -> None:
    """Print how many orders adding a volunteer / removing an order cost, over EXAMPLES
    random scenarios (the figures behind VOLUNTEER_NOISE and REMOVAL_NOISE)."""
    added: Counter[int] = Counter()
    removed: Counter[int] = Counter()
    worst: list[str] = []

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(tables(), st.data())
    def run(t: Tables, data: st.DataObject) -> None:
        scenario = t.scenario()
        before = _plan(scenario)
        depots = list(t.frames["depots.csv"]["depot_id"])
        extra = data.draw(volunteer_rows("VX", depots))
        loss = _delivered(before) - _delivered(_plan(t.with_volunteer(extra).scenario()))
        added[loss] += 1
        if loss > 0:
            worst.append(f"+volunteer {extra}: {loss} fewer of {len(scenario.orders)}")
        if scenario.orders and not before.unassigned:
            gone = data.draw(st.sampled_from(sorted(scenario.orders)))
            left = len(_plan(t.without_order(gone).scenario()).unassigned)
            removed[left] += 1

    run()
    print(f"{sum(added.values())} scenarios")
    print(f"adding a volunteer, delivered before - after: {dict(sorted(added.items()))}")
    print(
        f"removing an order from a fully delivered window, unassigned after: "
        f"{dict(sorted(removed.items()))}"
    )
    for line in worst[:10]:
        print("  " + line)


if __name__ == "__main__":
    measure(int(sys.argv[1]) if len(sys.argv) > 1 else 400)
