"""Second searches on idle workers (``basket_route.scale.portfolio``)."""

from __future__ import annotations

import concurrent.futures as cf
import datetime as dt
import threading
from dataclasses import replace
from pathlib import Path

import pytest

import basket_route as br
from basket_route import scale
from basket_route.scale import portfolio
from basket_route.scale.execute import _Job
from basket_route.scale.partition import SubProblem, solve_subproblem

DAY = dt.date(2020, 2, 10)
DEFAULTS = br.PlanOptions(time_limit=2.0)


def _jobs(sc: br.Scenario, loads: dict[str, float], options: br.PlanOptions) -> list[_Job]:
    return [_Job(SubProblem.of(k, sc, DAY, "AM", options), load) for k, load in loads.items()]


def test_second_searches_fill_idle_slots_largest_first(tiny: br.Scenario) -> None:
    """One second search per idle slot, for the largest sub-problems, with guided local
    search and two-fifths drops; sub-problems too big for them get none."""
    loads = {"a": 100.0, "b": 300.0, "c": 200.0, "d": portfolio.AUTO_HALF_MAX_DROPS + 1.0}
    jobs = _jobs(tiny, loads, DEFAULTS)
    second = portfolio.alternatives(jobs, DEFAULTS, slots=6)
    assert [j.sub.key for j in second] == ["b+gls", "c+gls"]
    assert all(j.sub.options.metaheuristic == "GUIDED_LOCAL_SEARCH" for j in second)
    assert all(j.sub.options.drop_share == 0.4 for j in second)
    assert all(j.sub.options.time_limit == DEFAULTS.time_limit for j in second)
    assert [j.load for j in second] == [300.0, 200.0]
    assert portfolio.alternatives(jobs, DEFAULTS, slots=4) == []  # no idle slot


@pytest.mark.parametrize(
    "options",
    [
        br.PlanOptions(reproducible=True, solution_limit=30),
        br.PlanOptions(time_limit=2.0, drop_share=0.5),
        br.PlanOptions(time_limit=2.0, metaheuristic="GUIDED_LOCAL_SEARCH"),
    ],
    ids=["reproducible", "drop-share-given", "metaheuristic-given"],
)
def test_no_second_search_when_the_options_choose(
    tiny: br.Scenario, options: br.PlanOptions
) -> None:
    """The second search replaces only the defaults: options the caller set are kept."""
    assert portfolio.alternatives(_jobs(tiny, {"a": 10.0}, options), options, slots=4) == []


def _plan(tiny: br.Scenario, label: str) -> br.Plan:
    return br.Plan(tiny.name, DAY, "AM", (), (), solver={"label": label})


@pytest.mark.parametrize(
    ("own", "other", "kept", "counts"),
    [
        (1.0, 2.0, "other", (1, 1)),  # the second search scores higher
        (2.0, 1.0, "own", (1, 0)),
        (2.0, 2.0, "own", (1, 0)),  # a tie keeps the first search's plan
        ("failed", 1.0, "other", (1, 1)),
        (1.0, "failed", "own", (0, 0)),
    ],
)
def test_keep_better(
    tiny: br.Scenario,
    own: float | str,
    other: float | str,
    kept: str,
    counts: tuple[int, int],
) -> None:
    """Each sub-problem keeps the higher-scoring plan, and the second search's entry goes."""
    scores = {"own": own, "other": other}
    results: dict[str, br.Plan | str] = {
        k: v if isinstance(scores[label], str) else _plan(tiny, label)
        for k, label, v in [("p", "own", "own failed"), ("p+gls", "other", "other failed")]
    }
    results["q"] = _plan(tiny, "untouched")

    def score(plan: br.Plan) -> tuple[float, ...]:
        return (float(scores[str(plan.solver["label"])]),)

    assert portfolio.keep_better(results, score) == counts
    assert sorted(results) == ["p", "q"]
    p = results["p"]
    assert (p.solver["label"] if isinstance(p, br.Plan) else p.split()[0]) == kept


def test_one_depot_window_on_two_workers_keeps_the_better_search(building_dir: Path) -> None:
    """A one-depot window on two workers is searched both ways in the same time; the plan
    returned is the better of the two, whole and verified, and says so."""
    sc = br.load_scenario(building_dir)
    seen: dict[str, br.Plan] = {}
    lock = threading.Lock()

    def solve(sub: SubProblem) -> br.Plan:
        plan = solve_subproblem(sub)
        with lock:
            seen[sub.key] = plan
        return plan

    with cf.ThreadPoolExecutor(2) as pool:
        plan = scale.plan_partitioned(sc, DAY, "AM", DEFAULTS, executor=pool, solve=solve)
    (key,) = [k for k in seen if not k.endswith(portfolio.ALTERNATIVE_SUFFIX)]
    first, second = seen[key], seen[key + portfolio.ALTERNATIVE_SUFFIX]
    assert second.solver["metaheuristic"] == "GUIDED_LOCAL_SEARCH"
    assert second.solver["drop_share"] == 0.4
    assert first.solver["drop_share"] != 0.4  # the automatic choice
    assert "1 returned a plan" in str(plan.solver["second_search"])
    distance = {k: p.summary_counts()["distance_m"] for k, p in seen.items()}
    delivered = {k: len(p.order_ids_delivered()) for k, p in seen.items()}
    best = max(seen, key=lambda k: (delivered[k], -distance[k]))
    assert plan.summary_counts()["distance_m"] == pytest.approx(distance[best])
    # One sub-problem: the plan says how the kept one was found (its own on a tie).
    rank = {k: (delivered[k], -distance[k]) for k in seen}
    kept = second if rank[key + portfolio.ALTERNATIVE_SUFFIX] > rank[key] else first
    for name in ("drop_share", "metaheuristic", "first_solution", "status"):
        assert plan.solver[name] == kept.solver[name], name
    assert plan.verify(sc).ok


def test_no_second_search_without_an_idle_worker(building_dir: Path) -> None:
    """One worker: one search, as before."""
    sc = br.load_scenario(building_dir)
    with cf.ThreadPoolExecutor(1) as pool:
        plan = scale.plan_partitioned(
            sc, DAY, "AM", replace(DEFAULTS, time_limit=1.0), executor=pool
        )
    assert "second_search" not in plan.solver
    assert plan.verify(sc).ok
