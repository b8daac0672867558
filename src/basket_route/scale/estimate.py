"""How big a window is: drops estimated per building, before any sub-problem is built.

Kept small and cheap to import: :func:`basket_route.plan_window` asks :func:`is_large` on
every call.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Sequence

from basket_route.model import Order, Scenario, Volunteer, as_date
from basket_route.solver.batching import DROP_SHARE

__all__ = ["DEFAULT_MAX_DROPS", "MULTI_DEPOT_MIN_ORDERS", "is_large", "several_depots"]

DEFAULT_MAX_DROPS = 1500
"""A window or depot estimated at more drops than this is split (``max_drops``)."""

MULTI_DEPOT_MIN_ORDERS = 200
"""A time-limited window of at least this many orders, with volunteers on shift at two
depots or more, is split into per-depot sub-problems (:func:`several_depots`). On district
samples of two depots, per-depot sub-problems solved one after the other planned shorter
than one model in less time: 29.90 km against 31.74 (300 orders), 37.84 against 39.23
(400), 55.82 against 56.66 (600), with the one model started at home (``construct``;
31.35, 42.62 and 59.90 km before); docs/benchmarks.md, "One model or one per depot"."""


def _caps(vols: Sequence[Volunteer]) -> tuple[float, float]:
    kg = min((v.capacity_kg for v in vols), default=math.inf)
    return kg, min((float(v.capacity_bags) for v in vols), default=math.inf)


def _est_drops(orders: Sequence[Order], caps: tuple[float, float], share: float) -> int:
    """Drops the orders of one building need: SHARE of the smallest trip that may carry them."""
    caps = (caps[0] * share, caps[1] * share)
    kg, bags = sum(o.weight_kg for o in orders), sum(o.bags for o in orders)
    need = [math.ceil(t / c) for t, c in ((kg, caps[0]), (bags, caps[1])) if math.isfinite(c)]
    return min(len(orders), max(1, *need)) if orders else 0


def _building_drops(
    scenario: Scenario,
    bid: str,
    orders: Sequence[Order],
    vols: Sequence[Volunteer],
    share: float = DROP_SHARE,
) -> int:
    sealed = scenario.buildings[bid].sealed
    able = [v for v in vols if v.door_to_door or not sealed]
    return _est_drops(orders, _caps(able or vols), share)


def _by_building(scenario: Scenario, orders: Sequence[Order]) -> dict[str, list[Order]]:
    out: dict[str, list[Order]] = defaultdict(list)
    for o in orders:
        out[scenario.households[o.household_id].building_id].append(o)
    return dict(sorted(out.items()))


def is_large(
    scenario: Scenario,
    date: dt.date | str,
    window: str,
    max_drops: int | None,
    drop_share: float = DROP_SHARE,
) -> bool:
    """Whether the window is estimated at more than MAX_DROPS drops (default 1,500) of
    size DROP_SHARE (see :class:`~basket_route.options.PlanOptions`).

    Raises
    ------
    KeyError
        When WINDOW is not defined in the scenario.
    """
    scenario.window(window)
    limit = DEFAULT_MAX_DROPS if max_drops is None else max_drops
    day = as_date(date)
    orders = scenario.orders_in(day, window)
    if len(orders) <= limit:  # a drop holds at least one order
        return False
    vols = scenario.volunteers_on_shift(day, window)
    groups = _by_building(scenario, orders)
    drops = (_building_drops(scenario, b, os_, vols, drop_share) for b, os_ in groups.items())
    return sum(drops) > limit


def several_depots(scenario: Scenario, date: dt.date | str, window: str) -> bool:
    """Whether the window has at least :data:`MULTI_DEPOT_MIN_ORDERS` orders and volunteers
    on shift at two depots or more: then per-depot sub-problems plan shorter than one model.

    Raises
    ------
    KeyError
        When WINDOW is not defined in the scenario.
    """
    scenario.window(window)
    day = as_date(date)
    if len(scenario.orders_in(day, window)) < MULTI_DEPOT_MIN_ORDERS:
        return False
    return len({v.depot_id for v in scenario.volunteers_on_shift(day, window)}) >= 2
