"""When ``plan_window`` splits a window by default (``basket_route.scale.estimate``)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

import basket_route as br
from basket_route.scale import estimate

DAY = dt.date(2020, 2, 10)
DEFAULTS = br.PlanOptions(time_limit=3.0)


@pytest.fixture()
def two_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    """Two cores, workers started by fork (as on Linux), whatever this machine is."""
    monkeypatch.setattr(estimate.os, "cpu_count", lambda: 2)
    monkeypatch.setattr(estimate, "DEFAULT_START_METHOD", "fork")


@pytest.mark.usefixtures("two_cores")
@pytest.mark.parametrize(
    ("options", "min_orders", "pays"),
    [
        pytest.param(DEFAULTS, 6, True, id="default-search"),
        pytest.param(br.PlanOptions(), 6, True, id="default-limit"),
        pytest.param(br.PlanOptions(time_limit=2.0), 6, True, id="at-the-minimum-limit"),
        pytest.param(br.PlanOptions(time_limit=1.9), 6, False, id="limit-too-short"),
        pytest.param(DEFAULTS, 7, False, id="too-few-orders"),
        pytest.param(br.PlanOptions(reproducible=True), 6, False, id="reproducible"),
        pytest.param(br.PlanOptions(time_limit=3.0, drop_share=0.5), 6, False, id="drop-share"),
        pytest.param(
            br.PlanOptions(time_limit=3.0, metaheuristic="GUIDED_LOCAL_SEARCH"),
            6,
            False,
            id="metaheuristic",
        ),
    ],
)
def test_second_search_pays_only_for_the_default_search(
    tiny: br.Scenario,
    monkeypatch: pytest.MonkeyPatch,
    options: br.PlanOptions,
    min_orders: int,
    pays: bool,
) -> None:
    """tiny has 6 AM orders: the threshold is met at 6, not at 7."""
    assert len(tiny.orders_in(DAY, "AM")) == 6
    monkeypatch.setattr(estimate, "SECOND_SEARCH_MIN_ORDERS", min_orders)
    assert estimate.second_search_pays(tiny, DAY, "AM", options) is pays
    assert estimate.split_by_default(tiny, DAY, "AM", options) is pays
    # A warm start asks for the one model.
    assert not estimate.split_by_default(tiny, DAY, "AM", options, warm_start=True)


def test_no_second_search_on_one_core(tiny: br.Scenario, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(estimate, "SECOND_SEARCH_MIN_ORDERS", 1)
    monkeypatch.setattr(estimate.os, "cpu_count", lambda: 1)
    assert not estimate.second_search_pays(tiny, DAY, "AM", DEFAULTS)


@pytest.mark.usefixtures("two_cores")
def test_no_second_search_with_spawned_workers(
    tiny: br.Scenario, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Spawned workers (macOS, Windows) import everything again, and a script without a
    main guard would fail: the default keeps the one model there."""
    monkeypatch.setattr(estimate, "SECOND_SEARCH_MIN_ORDERS", 1)
    assert estimate.second_search_pays(tiny, DAY, "AM", DEFAULTS)
    monkeypatch.setattr(estimate, "DEFAULT_START_METHOD", "spawn")
    assert not estimate.second_search_pays(tiny, DAY, "AM", DEFAULTS)


def test_unknown_window_is_a_key_error(tiny: br.Scenario) -> None:
    with pytest.raises(KeyError):
        estimate.second_search_pays(tiny, DAY, "NIGHT", DEFAULTS)


def test_default_plan_searches_a_second_way_on_the_idle_core(
    building_dir: Path, monkeypatch: pytest.MonkeyPatch, two_cores: None
) -> None:
    """With the threshold lowered to the building's window, plan_window runs both searches
    on a process pool by default and keeps the better plan; the one model on request."""
    sc = br.load_scenario(building_dir)
    monkeypatch.setattr(estimate, "SECOND_SEARCH_MIN_ORDERS", len(sc.orders_in(DAY, "AM")))
    plan = br.plan_window(sc, DAY, "AM", br.PlanOptions(time_limit=2.0))
    assert "returned a plan" in str(plan.solver["second_search"])
    assert plan.solver["sub_problems"] == 1
    assert plan.verify(sc).ok
    delivered = plan.order_ids_delivered()
    assert len(delivered) + len(plan.unassigned) == len(sc.orders_in(DAY, "AM"))
    one = br.plan_window(sc, DAY, "AM", br.PlanOptions(time_limit=2.0), partition=False)
    assert "second_search" not in one.solver
