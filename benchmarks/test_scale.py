"""District scale: the synthetic district (≈8k orders, 8 depots) on 1 and 2 worker processes.

No test asserts a time. Each checks that the plan verifies and lists every order once,
and records its quality in ``benchmark.extra_info``. Two kinds of run:

* default options: the time budget (printed as ``time_limit_s``) is the same for 1 and 2
  workers, so the wall time is too; what 2 workers buy is search time per sub-problem;
* reproducible mode with a fixed solution limit per sub-problem: the same work (and the
  same plan), so on an idle machine the wall time shows the speed-up of 2 workers.

``cpu_s`` in ``extra_info`` is the CPU time of the call and its worker processes: on a
shared machine it tells how much of the wall time the run actually computed.

Run with ``make bench`` or ``pytest benchmarks/test_scale.py --benchmark-enable``.
"""

from __future__ import annotations

import datetime as dt
import resource
from typing import Any

import pytest

import basket_route as br
from basket_route.scale import plan_partitioned
from tests.helpers import assert_accounted

DAY = dt.date(2020, 2, 10)


@pytest.fixture(scope="session")
def district() -> br.Scenario:
    """The built-in ``district`` scenario, seed 0 (≈8k AM orders, 400 buildings, 8 depots)."""
    return br.synthetic("district", seed=0)


def _cpu_s() -> float:
    """CPU seconds of this process and its reaped children (the pool's workers)."""
    own, kids = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def _run(benchmark: Any, scenario: br.Scenario, workers: int, options: br.PlanOptions) -> None:
    plans: list[br.Plan] = []
    cpu: list[float] = []

    def plan_once() -> None:
        before = _cpu_s()
        plans.append(plan_partitioned(scenario, DAY, "AM", options, workers=workers))
        cpu.append(_cpu_s() - before)

    benchmark.pedantic(plan_once, rounds=1, iterations=1)
    plan = plans[-1]
    check = plan.verify(scenario)
    assert check.ok, str(check)
    assert_accounted(scenario, plan)
    counts = plan.summary_counts()
    benchmark.extra_info.update(
        {
            "workers": workers,
            "cpu_s": round(cpu[-1], 2),
            "orders": counts["orders"],
            "delivered": counts["delivered"],
            "unassigned": counts["unassigned"],
            "distance_m": counts["distance_m"],
            "trips": counts["trips"],
            **{k: plan.solver.get(k) for k in ("sub_problems", "drops", "second_pass")},
            **{k: plan.solver.get(k) for k in ("time_limit_s", "solution_limit")},
        }
    )


@pytest.mark.parametrize("workers", [1, 2])
def test_district_default(benchmark: Any, district: br.Scenario, workers: int) -> None:
    """Default options: a time budget shared by the sub-problems."""
    benchmark.group = "district AM, default"
    _run(benchmark, district, workers, br.PlanOptions())


@pytest.mark.parametrize("workers", [1, 2])
def test_district_fixed_work(benchmark: Any, district: br.Scenario, workers: int) -> None:
    """Reproducible mode, 30 solutions per sub-problem: fixed work."""
    benchmark.group = "district AM, reproducible (solution limit 30)"
    _run(benchmark, district, workers, br.PlanOptions(reproducible=True, solution_limit=30))
