"""Timing of ``plan_window`` on the synthetic scenarios, AM window of 2020-02-10.

No test asserts a time: machines differ and the default search stops on wall time.
Each test checks only that every plan verifies and accounts for every order once; the
plan's quality (delivered, distance, trips) goes to ``benchmark.extra_info`` so it can
be read next to the timing in ``--benchmark-json`` output. See docs/benchmarks.md.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

import basket_route as br

DAY = dt.date(2020, 2, 10)
WINDOW = "AM"
ROUNDS = 3

# Fixed whole-call limits worth timing: the 1 s target for `building`; for
# `compound` a short limit and the 10 s target (the default is about 12.4 s).
FIXED_LIMITS = [("building", 1.0), ("compound", 2.0), ("compound", 10.0)]


def window_order_ids(scenario: br.Scenario) -> set[str]:
    """Every order id of the benchmarked window, valid or not, read from the scenario."""
    valid = {o.order_id for o in scenario.orders.values() if o.date == DAY and o.window == WINDOW}
    invalid = {o.order_id for o in scenario.invalid_orders_in(DAY, WINDOW)}
    return valid | invalid


def check_plan(plan: br.Plan, scenario: br.Scenario) -> None:
    """The plan verifies and every order of the window is delivered or unassigned, once."""
    check = plan.verify(scenario)
    assert check.ok, str(check)
    listed = plan.order_ids_delivered() + [u.order_id for u in plan.unassigned]
    assert len(listed) == len(set(listed)), "an order is listed twice"
    assert set(listed) == window_order_ids(scenario)
    counts = plan.summary_counts()
    assert counts["orders"] == counts["delivered"] + counts["unassigned"] == len(listed)


def run(benchmark: Any, scenario: br.Scenario, **kwargs: Any) -> list[br.Plan]:
    """Time ROUNDS calls of plan_window, check every plan, record the last one's quality."""
    plans: list[br.Plan] = []

    def plan_once() -> None:
        plans.append(br.plan_window(scenario, DAY, WINDOW, seed=0, **kwargs))

    benchmark.pedantic(plan_once, rounds=ROUNDS, iterations=1)
    assert len(plans) == ROUNDS
    for plan in plans:
        check_plan(plan, scenario)
    counts = [p.summary_counts() for p in plans]
    last = counts[-1]
    benchmark.extra_info.update(
        {
            "orders": last["orders"],
            "delivered": last["delivered"],
            "unassigned": last["unassigned"],
            "distance_m": last["distance_m"],
            "trips": last["trips"],
            "delivered_per_round": [c["delivered"] for c in counts],
            "distance_m_per_round": [c["distance_m"] for c in counts],
            "drops": plans[-1].solver.get("drops"),
            "status": plans[-1].solver.get("status"),
            "time_limit_s": plans[-1].solver.get("time_limit_s"),
        }
    )
    return plans


@pytest.mark.parametrize("name", ["building", "compound"])
def test_plan_window_default(benchmark: Any, request: pytest.FixtureRequest, name: str) -> None:
    """Default options: the search time grows with the number of drops."""
    benchmark.group = f"{name} AM"
    scenario: br.Scenario = request.getfixturevalue(name)
    run(benchmark, scenario)


@pytest.mark.parametrize(("name", "time_limit"), FIXED_LIMITS)
def test_plan_window_time_limit(
    benchmark: Any, request: pytest.FixtureRequest, name: str, time_limit: float
) -> None:
    """A fixed limit in seconds for the whole plan_window call."""
    benchmark.group = f"{name} AM"
    scenario: br.Scenario = request.getfixturevalue(name)
    run(benchmark, scenario, time_limit=time_limit)
