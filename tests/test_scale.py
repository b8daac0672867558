"""District scale: partitions, picklable sub-problems, executors, second pass, faults, CLI."""

from __future__ import annotations

import concurrent.futures as cf
import datetime as dt
import os
import pickle
import threading
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import basket_route as br
from basket_route import scale
from basket_route.cli import main
from basket_route.distances import distance_matrix
from basket_route.scale import execute
from basket_route.scenarios import ScenarioTables, synthetic_tables
from tests.helpers import assert_accounted, run_checker

DAY = dt.date(2020, 2, 10)
REPRO = br.PlanOptions(reproducible=True, solution_limit=20, seed=3)


def district_sample(
    depots: tuple[str, ...] = ("D1", "D2"),
    orders: int = 90,
    volunteers: int = 10,
    paths: bool = False,
) -> ScenarioTables:
    """The synthetic district cut down: DEPOTS with their nearest buildings, ORDERS AM
    orders of 2020-02-10 and VOLUNTEERS volunteers on shift per depot (door-to-door
    ones first), one invalid order and one row of an unknown window; with PATHS, the
    district's whole street grid."""
    t = synthetic_tables("district", seed=0, paths=paths)
    f = {k: v.copy() for k, v in t.frames.items()}
    dep, bld = f["depots.csv"], f["buildings.csv"]
    gap = np.hypot(
        bld["x_m"].to_numpy()[:, None] - dep["x_m"].to_numpy()[None],
        bld["y_m"].to_numpy()[:, None] - dep["y_m"].to_numpy()[None],
    )
    bld["home"] = dep["depot_id"].to_numpy()[gap.argmin(1)]
    bld = bld[bld["home"].isin(depots)]
    hh = f["households.csv"]
    hh = hh[hh["building_id"].isin(bld["building_id"])]
    home = hh.merge(bld[["building_id", "home"]], on="building_id").set_index("household_id")
    od = f["orders.csv"]
    od = od[(od["date"] == DAY.isoformat()) & (od["window"] == "AM")]
    od = od[od["household_id"].isin(home.index)].sample(frac=1.0, random_state=0)
    od = od.assign(home=home.loc[od["household_id"], "home"].to_numpy())
    od = od.groupby("home").head(orders).drop(columns="home").sort_values("order_id")
    bad = od.iloc[:2].copy()
    bad["order_id"] = ["X-BAD-WEIGHT", "X-NO-WINDOW"]
    bad["weight_kg"] = ["-1", "2.0"]
    bad["window"] = ["AM", "NOON"]
    od = pd.concat([od.astype(str), bad.astype(str)], ignore_index=True)
    sh = f["shifts.csv"]
    on = set(sh[(sh["date"] == DAY.isoformat()) & (sh["window"] == "AM")]["volunteer_id"])
    vol = f["volunteers.csv"]
    vol = vol[vol["depot_id"].isin(depots) & vol["volunteer_id"].isin(on)]
    vol = vol.sort_values(
        ["depot_id", "door_to_door", "volunteer_id"], ascending=[True, False, True]
    )
    vol = vol.groupby("depot_id").head(volunteers).sort_values("volunteer_id")
    sh = sh[sh["volunteer_id"].isin(vol["volunteer_id"]) & (sh["date"] == DAY.isoformat())]
    frames = {
        "depots.csv": dep[dep["depot_id"].isin(depots)],
        "buildings.csv": bld.drop(columns="home"),
        "households.csv": hh,
        "orders.csv": od,
        "volunteers.csv": vol,
        "shifts.csv": sh[sh["window"] == "AM"],
    }
    if paths:
        frames["paths.csv"] = f["paths.csv"]
    return ScenarioTables(t.settings, frames)


@pytest.fixture(scope="module")
def sample_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """2 depots of the district, 90 AM orders and 10 volunteers each, 1 invalid, 1 rejected."""
    return district_sample().write(tmp_path_factory.mktemp("district_sample"))


@pytest.fixture(scope="module")
def sample(sample_dir: Path) -> br.Scenario:
    """The district sample, loaded."""
    return br.load_scenario(sample_dir)


def _check(scenario: br.Scenario, plan: br.Plan) -> None:
    check = plan.verify(scenario)
    assert check.ok, str(check)
    assert_accounted(scenario, plan)


# ----------------------------------------------------------------------------- partitions


def test_partition_covers_each_building_and_volunteer_once(sample: br.Scenario) -> None:
    """One partition per depot; every building with orders and every volunteer once."""
    parts = scale.partition_window(sample, DAY, "AM")
    assert [p.key for p in parts] == ["D1", "D2"]
    buildings = Counter(b for p in parts for b in p.building_ids)
    wanted = {sample.households[o.household_id].building_id for o in sample.orders_in(DAY, "AM")}
    assert set(buildings) == wanted and set(buildings.values()) == {1}
    vols = [v for p in parts for v in p.volunteer_ids]
    assert sorted(vols) == [v.volunteer_id for v in sample.volunteers_on_shift(DAY, "AM")]
    for p in parts:
        assert {sample.volunteers[v].depot_id for v in p.volunteer_ids} == {p.depot_id}


def test_depot_id_column_overrides_nearest(sample: br.Scenario) -> None:
    """A building with a depot_id is served by that depot, however far it is."""
    home = scale.assign_depots(sample, sorted(sample.buildings))
    bid = next(b for b, d in sorted(home.items()) if d == "D1")
    moved = replace(sample.buildings[bid], depot_id="D2")
    sc = replace(sample, buildings={**sample.buildings, bid: moved})
    assert scale.assign_depots(sc, [bid]) == {bid: "D2"}


def test_large_depot_is_split_and_volunteers_shared(sample: br.Scenario) -> None:
    """With max_drops 20 each depot splits into clusters of at most ~20 estimated drops;
    volunteers are shared (each once) and a cluster with sealed buildings gets a
    door-to-door volunteer."""
    parts = scale.partition_window(sample, DAY, "AM", max_drops=20)
    assert len(parts) > 2
    assert all("/" in p.key for p in parts)
    vols = [v for p in parts for v in p.volunteer_ids]
    assert len(vols) == len(set(vols)) == len(sample.volunteers_on_shift(DAY, "AM"))
    for p in parts:
        if any(sample.buildings[b].sealed for b in p.building_ids):
            assert any(sample.volunteers[v].door_to_door for v in p.volunteer_ids), p.key
        if len(p.building_ids) > 1:
            assert p.est_drops <= 20 or len(p.building_ids) < 3


def test_is_large_counts_estimated_drops(sample: br.Scenario) -> None:
    """A window is large when its estimated drops exceed max_drops."""
    assert not scale.is_large(sample, DAY, "AM", None)
    assert scale.is_large(sample, DAY, "AM", 10)
    with pytest.raises(KeyError, match="NOON"):
        scale.is_large(sample, DAY, "NOON", None)


def test_subproblem_pickles_and_rebuilds(sample: br.Scenario) -> None:
    """A sub-problem survives pickling; its scenario has only its partition's parts."""
    part = scale.partition_window(sample, DAY, "AM")[0]
    sub_sc = scale.restrict(sample, DAY, "AM", part.building_ids, part.volunteer_ids)
    sub = scale.SubProblem.of(part.key, sub_sc, DAY, "AM", REPRO)
    back = pickle.loads(pickle.dumps(sub)).scenario()
    assert set(back.buildings) == set(part.building_ids)
    assert set(back.volunteers) == set(part.volunteer_ids)
    assert set(back.depots) == {"D1"}
    assert back.invalid_orders == {}
    assert [o.order_id for o in back.orders_in(DAY, "AM")] == [
        o.order_id for o in sub_sc.orders_in(DAY, "AM")
    ]


def test_walking_graph_and_no_coordinates(tmp_path: Path) -> None:
    """With paths.csv depots are chosen along the streets; buildings without coordinates
    are clustered by their distances to the depots. The split plan verifies."""
    sc = br.load_scenario(district_sample(orders=40, volunteers=6, paths=True).write(tmp_path))
    buildings = sorted(sc.buildings)
    m = distance_matrix(sc, ["D1", "D2", *buildings])  # shortest paths along the streets
    round_trip = m[:2, 2:] + m[2:, :2].T
    expected = {
        b: ("D1", "D2")[int(k)] for b, k in zip(buildings, round_trip.argmin(0), strict=True)
    }
    assert scale.assign_depots(sc, buildings) == expected
    blind = {b: replace(x, coord=None) for b, x in sc.buildings.items()}
    parts = scale.partition_window(replace(sc, buildings=blind), DAY, "AM", max_drops=10)
    assert len(parts) > 2
    assert sorted(b for p in parts for b in p.building_ids) == sorted(
        {sc.households[o.household_id].building_id for o in sc.orders_in(DAY, "AM")}
    )
    with cf.ThreadPoolExecutor(2) as pool:
        plan = br.plan_window(sc, DAY, "AM", REPRO, executor=pool, max_drops=10)
    _check(sc, plan)


# ----------------------------------------------------------------------------- planning


def test_partitioned_plan_verifies_and_lists_every_order_once(
    sample: br.Scenario, sample_dir: Path, tmp_path: Path
) -> None:
    """The merged plan passes both verifiers; the invalid order is listed once, the
    row of an unknown window is rejected once."""
    with cf.ThreadPoolExecutor(2) as pool:
        plan = br.plan_window(sample, DAY, "AM", REPRO, executor=pool)
    _check(sample, plan)
    assert plan.solver["sub_problems"] == 2
    assert [u.order_id for u in plan.unassigned if u.reason == "invalid"] == ["X-BAD-WEIGHT"]
    assert [u.order_id for u in plan.rejected] == ["X-NO-WINDOW"]
    assert plan.summary_counts()["delivered"] > 150
    result = run_checker(sample_dir, plan, tmp_path)
    assert result["ok"], result


def test_small_window_keeps_the_single_model(sample: br.Scenario) -> None:
    """Without an executor a small window is one model (no sub-problem in the facts)."""
    plan = br.plan_window(sample, DAY, "AM", REPRO)
    assert "sub_problems" not in plan.solver


def test_time_limit_bounds_the_whole_call(sample: br.Scenario) -> None:
    """A split window on the default process pool respects time_limit (+10 % + 1 s)."""
    started = time.perf_counter()
    plan = br.plan_window(sample, DAY, "AM", time_limit=3.0, max_drops=20)
    wall = time.perf_counter() - started
    _check(sample, plan)
    assert plan.solver["sub_problems"] > 2
    assert wall <= 3.0 * 1.1 + 1.0


def test_second_pass_moves_orders_to_a_neighbour(sample: br.Scenario) -> None:
    """D2 keeps one walker: the orders it cannot serve go to D1 (spare volunteers),
    which delivers some of them; each order still appears exactly once."""
    d2 = sorted(v for v, x in sample.volunteers.items() if x.depot_id == "D2")
    shifts = tuple(s for s in sample.shifts if s.volunteer_id not in d2[1:])
    sc = replace(sample, shifts=shifts)
    with cf.ThreadPoolExecutor(2) as pool:
        plan = scale.plan_partitioned(sc, DAY, "AM", REPRO, executor=pool)
    _check(sc, plan)
    offered, _, moved = plan.solver["second_pass"].partition(", ")
    assert not offered.startswith("0 ") and not moved.startswith("0 "), plan.solver
    d2_buildings = {
        b for p in scale.partition_window(sc, DAY, "AM") if p.key == "D2" for b in p.building_ids
    }
    d1_routes = [r for r in plan.routes if sc.volunteers[r.volunteer_id].depot_id == "D1"]
    assert any(s.building_id in d2_buildings for r in d1_routes for t in r.trips for s in t.stops)


# ----------------------------------------------------------------------------- faults


_CALLS: Counter[str] = Counter()
_RELEASE = threading.Event()


def _flaky(sub: scale.SubProblem) -> br.Plan:
    """Raises on the first attempt of D1 only."""
    _CALLS[sub.key] += 1
    if sub.key == "D1" and sub.attempt == 0:
        raise RuntimeError("injected fault")
    return scale.solve_subproblem(sub)


def _broken(sub: scale.SubProblem) -> br.Plan:
    """D1 always raises."""
    if sub.key == "D1":
        raise RuntimeError("injected fault")
    return scale.solve_subproblem(sub)


def _stuck(sub: scale.SubProblem) -> br.Plan:
    """D1 never answers in time."""
    if sub.key == "D1":
        _RELEASE.wait(30)
    return scale.solve_subproblem(sub)


def _crash(sub: scale.SubProblem) -> br.Plan:
    """D1 kills its worker process."""
    if sub.key == "D1":
        os._exit(3)
    return scale.solve_subproblem(sub)


def test_fault_is_retried_once(sample: br.Scenario) -> None:
    """A sub-problem that raises once is run again and its orders are planned."""
    _CALLS.clear()
    with cf.ThreadPoolExecutor(2) as pool:
        plan = scale.plan_partitioned(sample, DAY, "AM", REPRO, executor=pool, solve=_flaky)
    _check(sample, plan)
    assert _CALLS["D1"] == 2 and _CALLS["D2"] == 1
    assert "failed" not in plan.solver


def test_fault_twice_lists_orders_unassigned(sample: br.Scenario) -> None:
    """A sub-problem that raises twice: its orders are out_of_time with the error; the
    other depot is planned and the plan is complete."""
    with cf.ThreadPoolExecutor(2) as pool:
        plan = scale.plan_partitioned(sample, DAY, "AM", REPRO, executor=pool, solve=_broken)
    _check(sample, plan)
    assert plan.solver["failed"] == "D1"
    d1 = [u for u in plan.unassigned if "sub-problem D1 failed twice" in u.detail]
    assert len(d1) == 90 and {u.reason for u in d1} == {br.UnassignedReason.OUT_OF_TIME}
    assert "injected fault" in d1[0].detail
    assert plan.summary_counts()["delivered"] > 60


def test_timeout_is_retried_then_reported(
    sample: br.Scenario, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A sub-problem that overruns its time is abandoned, retried once, then reported."""
    monkeypatch.setattr(execute, "_GRACE_S", 0.2)
    monkeypatch.setattr(execute._Runner, "_cap", lambda self, job: 0.5)
    _RELEASE.clear()
    pool = cf.ThreadPoolExecutor(3)
    try:
        plan = scale.plan_partitioned(sample, DAY, "AM", REPRO, executor=pool, solve=_stuck)
    finally:
        _RELEASE.set()
        pool.shutdown()
    _check(sample, plan)
    assert plan.solver["failed"] == "D1"
    detail = next(u.detail for u in plan.unassigned if "failed twice" in u.detail)
    assert detail.count("no result after") == 2


def test_stuck_sub_problem_does_not_break_the_time_limit(
    sample: br.Scenario, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With a time limit, nothing is waited for past it: D1 hangs, the call still
    returns within time_limit + 10 % + 1 s, with D2 planned."""
    _RELEASE.clear()
    pool = cf.ThreadPoolExecutor(3)
    try:
        started = time.perf_counter()
        opts = replace(REPRO, time_limit=2.0)
        plan = scale.plan_partitioned(sample, DAY, "AM", opts, executor=pool, solve=_stuck)
        assert time.perf_counter() - started <= 2.0 * 1.1 + 1.0
    finally:
        _RELEASE.set()
        pool.shutdown()
    _check(sample, plan)
    assert plan.solver["failed"] == "D1"
    assert plan.summary_counts()["delivered"] > 60


def test_open_executor_does_not_wait_for_abandoned_work() -> None:
    """Leaving ``open_executor(workers=N)`` ends work a time limit abandoned instead of
    waiting for it (the CLI's --workers plan returned only when it ended)."""
    started = time.perf_counter()
    with execute.open_executor(workers=1) as pool:
        assert pool is not None
        pool.submit(time.sleep, 60)
        time.sleep(0.5)
    assert time.perf_counter() - started < 20


def test_dead_worker_process_is_survived(sample: br.Scenario) -> None:
    """A worker that dies breaks the default process pool: it is renewed, D2 is still
    planned and D1's orders are reported."""
    plan = scale.plan_partitioned(sample, DAY, "AM", REPRO, workers=2, solve=_crash)
    _check(sample, plan)
    assert plan.solver["failed"] == "D1"
    assert any("BrokenProcessPool" in u.detail for u in plan.unassigned)


# ----------------------------------------------------------------------------- Dask


def test_local_cluster_and_default_executor_give_equal_plans(sample: br.Scenario) -> None:
    """Reproducible mode: a Dask LocalCluster (2 workers, loopback) and the default
    process pool give the same plan, byte for byte."""
    distributed = pytest.importorskip(
        "distributed", reason="dask[distributed] is not installed (extra 'scale')"
    )
    default = br.plan_window(sample, DAY, "AM", REPRO, partition=True)
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=False,
            protocol="tcp://",  # over loopback: the sub-problems are really serialised
            host="127.0.0.1",
            dashboard_address=None,
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        dask = br.plan_window(sample, DAY, "AM", REPRO, executor=client.get_executor())
    _check(sample, dask)
    assert dask.to_json() == default.to_json()


def test_progress_bar_is_quiet_off_a_terminal(
    sample: br.Scenario, capsys: pytest.CaptureFixture[str]
) -> None:
    """progress=True draws a tqdm bar on a terminal only: captured stderr stays clean."""
    pytest.importorskip("tqdm", reason="tqdm is not installed (extra 'scale')")
    with cf.ThreadPoolExecutor(2) as pool:
        plan = br.plan_window(sample, DAY, "AM", REPRO, executor=pool, progress=True)
    _check(sample, plan)
    assert capsys.readouterr().err == ""


# ----------------------------------------------------------------------------- CLI


def test_cli_workers(sample_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`plan --workers 2` writes a verified plan of 2 sub-problems."""
    out = tmp_path / "plan.json"
    argv = ["plan", str(sample_dir), "--date", "2020-02-10", "--window", "AM", "-o", str(out)]
    assert main([*argv, "--workers", "2", "--time-limit", "4", "--quiet"]) == 0
    plan = br.Plan.from_json(out)
    assert plan.solver["sub_problems"] == 2
    assert main([*argv, "--workers", "0"]) == 2
    assert "workers must be an integer >= 1" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("options", "max_drops", "expected"),
    [
        (br.PlanOptions(time_limit=2.0), None, (0.5, 360)),  # automatic drops
        (br.PlanOptions(time_limit=2.0, drop_share=1.0), None, (1.0, 1500)),
        (br.PlanOptions(time_limit=2.0), 800, (1.0, 800)),  # the caller's bound
        (REPRO, None, (1.0, 1500)),  # reproducible mode keeps whole-trip sub-problems
    ],
)
def test_automatic_drops_split_into_half_drop_sub_problems(
    sample: br.Scenario,
    monkeypatch: pytest.MonkeyPatch,
    options: br.PlanOptions,
    max_drops: int | None,
    expected: tuple[float, int],
) -> None:
    """With automatic drops a split window is cut into sub-problems of at most 90 % of
    AUTO_HALF_MAX_DROPS half-size drops, so that each can use them."""
    from basket_route.scale import window as scale_window

    seen: list[tuple[float, int]] = []

    def spy(*args: object) -> list[object]:
        seen.append((args[-1], args[3]))  # type: ignore[arg-type]
        raise RuntimeError("stop here")

    monkeypatch.setattr(scale_window, "_partition", spy)
    with pytest.raises(RuntimeError, match="stop here"):
        scale.plan_partitioned(sample, DAY, "AM", options, max_drops=max_drops)
    assert seen == [expected]


@pytest.mark.parametrize(
    ("depots", "rate"),
    [
        (("D1", "D2"), scale.SUB_PROBLEM_DROPS_PER_SECOND),  # split: sub-problems' rate
        (("D1",), br.options.AUTO_DROPS_PER_SECOND),  # one part: one model's default
    ],
)
def test_default_budget_rate_depends_on_the_split(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, depots: tuple[str, ...], rate: float
) -> None:
    """Without a time limit, a split window's budget gives each sub-problem one second per
    SUB_PROBLEM_DROPS_PER_SECOND drops; a window of one part gets one model's default."""
    from basket_route.scale import window as scale_window

    scenario = br.load_scenario(district_sample(depots=depots).write(tmp_path))
    rates: list[float] = []

    def spy(n_drops: int, drops_per_second: float = -1.0) -> float:
        rates.append(drops_per_second)
        return 0.5  # keep the test short

    monkeypatch.setattr(scale_window, "auto_time_limit", spy)
    plan = scale.plan_partitioned(scenario, DAY, "AM", br.PlanOptions(), workers=1)
    assert rates == [rate] * len(depots)
    assert plan.solver["sub_problems"] == len(depots)
    _check(scenario, plan)


@pytest.mark.parametrize(("depots", "expected"), [(("D1", "D2"), False), (("D1",), True)])
def test_courier_groups_by_default_only_for_one_part(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, depots: tuple[str, ...], expected: bool
) -> None:
    """PlanOptions.courier_groups=None is decided before the sub-problems are sent: on from
    GROUPS_DEFAULT_MIN_LIMIT_S for a window of one part, off for a split window (groups
    were measured on one model only); the second search gets the same."""
    from basket_route.solver import decompose

    monkeypatch.setattr(decompose, "GROUPS_DEFAULT_MIN_LIMIT_S", 1.0)
    scenario = br.load_scenario(district_sample(depots=depots).write(tmp_path))
    seen: list[bool | None] = []

    def spy(sub: scale.SubProblem) -> br.Plan:
        seen.append(sub.options.courier_groups)
        return scale.solve_subproblem(sub)

    options = br.PlanOptions(time_limit=1.5)
    with cf.ThreadPoolExecutor(2) as pool:
        plan = scale.plan_partitioned(scenario, DAY, "AM", options, executor=pool, solve=spy)
    assert seen and set(seen) == {expected}
    _check(scenario, plan)


@pytest.mark.parametrize("solve", [None, "failing"])
@pytest.mark.parametrize("door_to_door", ["true", "false"])
def test_parts_without_volunteers_say_no_volunteer_only_when_nobody_may_serve(
    tmp_path: Path, door_to_door: str, solve: str | None
) -> None:
    """tiny split into one-drop parts (some get buildings but no volunteer), solved or
    with a solver that always fails: an order is ``no_volunteer`` only when the single
    model says so too - sealed B1 with no door-to-door volunteer on shift - never because
    the split gave its part no volunteer."""
    import shutil

    from tests.helpers import TINY

    def failing(sub: scale.SubProblem) -> br.Plan:
        raise RuntimeError("sub-problem solver down (test)")

    folder = tmp_path / "tiny"
    shutil.copytree(TINY, folder)
    vols = pd.read_csv(folder / "volunteers.csv", dtype=str, keep_default_na=False)
    vols["door_to_door"] = door_to_door
    vols.to_csv(folder / "volunteers.csv", index=False)
    scenario = br.load_scenario(folder)
    with cf.ThreadPoolExecutor(2) as pool:
        plan = scale.plan_partitioned(
            scenario,
            DAY,
            "AM",
            REPRO,
            executor=pool,
            max_drops=1,
            solve=failing if solve else None,
        )
    assert_accounted(scenario, plan)
    single = br.plan_window(scenario, DAY, "AM", REPRO)
    nobody = {u.order_id for u in single.unassigned if u.reason.value == "no_volunteer"}
    assert bool(nobody) == (door_to_door == "false")
    blamed = {u.order_id for u in plan.unassigned if u.reason.value == "no_volunteer"}
    assert blamed <= nobody
    if solve is None:
        assert blamed == nobody


@pytest.mark.parametrize(
    ("min_orders", "options", "warm", "split"),
    [
        (50, br.PlanOptions(time_limit=3.0), False, True),
        (50, REPRO, False, False),  # reproducible mode keeps the one model
        (50, br.PlanOptions(time_limit=3.0), True, False),  # so does a warm start
        (None, br.PlanOptions(time_limit=3.0), False, False),  # 182 orders: too few
    ],
)
def test_windows_of_several_depots_are_planned_per_depot(
    sample: br.Scenario,
    monkeypatch: pytest.MonkeyPatch,
    min_orders: int | None,
    options: br.PlanOptions,
    warm: bool,
    split: bool,
) -> None:
    """A time-limited window of MULTI_DEPOT_MIN_ORDERS orders or more with volunteers at
    two depots is planned in per-depot sub-problems by default (they plan shorter than
    one model); the plan accounts for every order either way."""
    from basket_route.scale import estimate

    assert len({v.depot_id for v in sample.volunteers_on_shift(DAY, "AM")}) == 2
    if min_orders is not None:
        monkeypatch.setattr(estimate, "MULTI_DEPOT_MIN_ORDERS", min_orders)
    start = br.plan_window(sample, DAY, "AM", REPRO, partition=False) if warm else None
    plan = br.plan_window(sample, DAY, "AM", options, warm_start=start)
    assert ("sub_problems" in plan.solver) == split
    if split:
        assert plan.solver["sub_problems"] == 2
    assert_accounted(sample, plan)
    assert plan.verify(sample).ok
