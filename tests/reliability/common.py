"""Helpers shared by the reliability tests: plan every window of a scenario, check a plan."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import basket_route as br
from tests.helpers import assert_accounted, run_checker

REPRO = br.PlanOptions(reproducible=True, solution_limit=20)
"""Reproducible, small search: the options of every plan these tests compare."""


def windows_to_plan(scenario: br.Scenario) -> list[tuple[dt.date, str]]:
    """Every (date, window) that has an order row (valid, or invalid with a known window).

    A scenario without any such order gets its first shift's window (or 2020-02-10 AM),
    so that an empty window is planned too. An invalid row with an unreadable date is
    listed in every plan of its window; it needs no window of its own.
    """
    wanted = {(o.date, o.window) for o in scenario.orders.values()}
    for o in scenario.invalid_orders.values():
        if o.date is not None and o.window is not None and o.window in scenario.settings.windows:
            wanted.add((o.date, o.window))
    if not wanted:
        first = min(((s.date, s.window) for s in scenario.shifts), default=None)
        wanted = {first or (dt.date(2020, 2, 10), next(iter(scenario.settings.windows)))}
    return sorted(wanted)


def check_plan(scenario: br.Scenario, plan: br.Plan) -> None:
    """The plan passes the library's verifier and lists every order of its window once."""
    check = plan.verify(scenario)
    assert check.ok, str(check)
    assert_accounted(scenario, plan)
    assert all(u.detail for u in plan.unassigned), "every unassigned order needs a detail"


def check_with_checker(folder: Path, plan: br.Plan, tmp_path: Path) -> None:
    """The independent checker (``../shared/tools/verify_plan.py``) accepts PLAN."""
    result = run_checker(folder, plan, tmp_path)
    assert result["ok"] is True, result.get("violations")
