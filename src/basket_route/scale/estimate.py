"""How big a window is: drops estimated per building, before any sub-problem is built.

Kept small and cheap to import: :func:`basket_route.plan_window` asks :func:`is_large` on
every call.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import sys
from collections import defaultdict
from collections.abc import Sequence

from basket_route.model import Order, Scenario, Volunteer, as_date
from basket_route.options import PlanOptions
from basket_route.solver.batching import AUTO_HALF_MAX_DROPS, DROP_SHARE, HALF_DROP_SHARE

__all__ = [
    "DEFAULT_MAX_DROPS",
    "DEFAULT_START_METHOD",
    "MULTI_DEPOT_MIN_ORDERS",
    "SECOND_SEARCH_MIN_LIMIT_S",
    "SECOND_SEARCH_MIN_ORDERS",
    "is_large",
    "second_search_pays",
    "several_depots",
    "split_by_default",
]

DEFAULT_MAX_DROPS = 1500
"""A window or depot estimated at more drops than this is split (``max_drops``)."""

DEFAULT_START_METHOD = "fork" if sys.platform == "linux" else "spawn"
"""How the default process pool starts its workers (:mod:`multiprocessing`): ``"fork"`` on
Linux (in milliseconds, and scripts need no ``if __name__ == "__main__"`` guard),
``"spawn"`` elsewhere, as Python does."""

MULTI_DEPOT_MIN_ORDERS = 200
"""A time-limited window of at least this many orders, with volunteers on shift at two
depots or more, is split into per-depot sub-problems (:func:`several_depots`). On district
samples of two depots, per-depot sub-problems solved one after the other planned shorter
than one model in less time: 29.90 km against 31.74 (300 orders), 37.84 against 39.23
(400), 55.82 against 56.66 (600), with the one model started at home (``construct``;
31.35, 42.62 and 59.90 km before); docs/benchmarks.md, "One model or one per depot"."""


SECOND_SEARCH_MIN_ORDERS = 200
"""A window of at least this many orders, planned with the default search on a machine of
two cores or more, runs on a process pool so that a second search uses the idle core
(:func:`second_search_pays`, :mod:`basket_route.scale.portfolio`). Six compound windows
(559-644 orders), mean km against one process: 52.58 / 53.48 at 2 s, 51.69 / 52.31 at
5 s, 51.68 / 52.01 at 10 s, 50.99 / 51.04 at 60 s (docs/benchmarks.md, "A second search
by default on two cores"). The bound is that of :data:`MULTI_DEPOT_MIN_ORDERS`; smaller
one-depot windows were not measured."""

SECOND_SEARCH_MIN_LIMIT_S = 2.0
"""No second search by default under this time limit: starting the pool takes a share of
it (a 1 s limit ran to 1.24 s)."""


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


def second_search_pays(
    scenario: Scenario, date: dt.date | str, window: str, options: PlanOptions
) -> bool:
    """Whether the window is planned on a pool of processes by default, so that an idle
    core searches it a second way: the default search (``options.default_search``) with
    no time limit or one of at least :data:`SECOND_SEARCH_MIN_LIMIT_S`, at least
    :data:`SECOND_SEARCH_MIN_ORDERS` orders, two cores or more, and workers started by
    ``fork`` (:data:`DEFAULT_START_METHOD`: Linux).

    Raises
    ------
    KeyError
        When WINDOW is not defined in the scenario.
    """
    scenario.window(window)
    if not options.default_search or (os.cpu_count() or 1) < 2:
        return False
    if DEFAULT_START_METHOD != "fork":
        # Spawned workers import everything again, out of a short limit (not measured on
        # such a machine), and a script without a main guard would fail: not worth a
        # second search's 1 %.
        return False
    if options.time_limit is not None and options.time_limit < SECOND_SEARCH_MIN_LIMIT_S:
        return False
    return len(scenario.orders_in(as_date(date), window)) >= SECOND_SEARCH_MIN_ORDERS


def split_by_default(
    scenario: Scenario,
    date: dt.date | str,
    window: str,
    options: PlanOptions,
    max_drops: int | None = None,
    *,
    warm_start: bool = False,
) -> bool:
    """Whether :func:`basket_route.plan_window` splits the window into sub-problems when
    not told (``partition=None``, no executor).

    A window is split when it is large (:func:`is_large`); and, unless the mode is
    reproducible or a WARM_START asks for the one model, when it has several depots
    (:func:`several_depots`) or when a second search pays (:func:`second_search_pays`).

    Raises
    ------
    KeyError
        When WINDOW is not defined in the scenario.
    """
    share, most = options.drop_share or DROP_SHARE, max_drops
    if options.drop_share is None and not options.reproducible and max_drops is None:
        # Automatic drops: a window of more half-size drops than one model takes is split.
        # As one model it would get whole-trip drops and plan far longer: 1,600 orders,
        # 210.7 km in 18 s as one model, 144.2 km in 16.3 s in 4 sub-problems.
        share, most = HALF_DROP_SHARE, AUTO_HALF_MAX_DROPS
    if is_large(scenario, date, window, most, share):
        return True
    if warm_start or options.reproducible:
        return False
    return several_depots(scenario, date, window) or second_search_pays(
        scenario, date, window, options
    )
