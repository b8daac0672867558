"""Plan views."""

from __future__ import annotations

import basket_route as br
from basket_route.plan import Placement


def test_placements_name_every_delivered_order() -> None:
    """Each delivered order maps to its volunteer, trip, stop and place in the stop."""
    scenario = br.synthetic("building", seed=0)
    plan = br.plan_window(
        scenario, "2020-02-10", "AM", br.PlanOptions(reproducible=True, solution_limit=30)
    )
    where = plan.placements()
    assert sorted(where) == sorted(plan.order_ids_delivered())
    for oid, p in where.items():
        assert isinstance(p, Placement)
        route = next(r for r in plan.routes if r.volunteer_id == p.volunteer_id)
        assert route.trips[p.trip].stops[p.stop].order_ids[p.position] == oid
