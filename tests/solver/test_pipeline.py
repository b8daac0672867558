"""plan_window end to end: reasons, multi-trip, skills, due times, reproducibility, checker."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import basket_route as br
import basket_route.solver.search as search_module
from basket_route.solver import batching
from tests.helpers import assert_accounted, run_checker, tiny_frames, tiny_settings, write_frames

DAY = "2020-02-10"
REPRO_OPTIONS = br.PlanOptions(reproducible=True, solution_limit=30)
REPRO = br.PlanOptions(reproducible=True, solution_limit=50)


def _plan(scenario: br.Scenario, window: str = "AM", day: str = DAY) -> br.Plan:
    plan = br.plan_window(scenario, day, window, REPRO)
    check = plan.verify(scenario)
    assert check.ok, str(check)
    assert_accounted(scenario, plan)
    return plan


def _scenario(frames: dict[str, pd.DataFrame], **extra: pd.DataFrame) -> br.Scenario:
    return br.scenario_from_frames({**frames, **extra}, tiny_settings())


def _reasons(plan: br.Plan) -> dict[str, str]:
    return {u.order_id: u.reason.value for u in plan.unassigned}


def test_tiny_morning_delivers_everything(tiny: br.Scenario, tmp_path: Path) -> None:
    """All six AM orders are delivered and the plan passes both verifiers."""
    plan = _plan(tiny)
    assert sorted(plan.order_ids_delivered()) == ["O1", "O2", "O3", "O4", "O5", "O6"]
    assert plan.unassigned == ()
    assert run_checker(Path(tiny.source), plan, tmp_path)["ok"] is True


def test_sealed_building_served_only_door_to_door(tiny: br.Scenario) -> None:
    """B1 is sealed: its orders (O1, O2) ride only with V1, the door-to-door volunteer."""
    plan = _plan(tiny)
    for route in plan.routes:
        for trip in route.trips:
            for stop in trip.stops:
                if stop.building_id == "B1":
                    assert route.volunteer_id == "V1"


def test_due_time_met(tiny: br.Scenario) -> None:
    """O2 is medicine due 10:00: it arrives by then."""
    plan = _plan(tiny)
    arrive = next(s.arrive for t in plan.trips for s in t.stops if "O2" in s.order_ids)
    assert arrive <= dt.datetime(2020, 2, 10, 10, 0)


def test_service_time_door_to_door_without_lift(tiny: br.Scenario) -> None:
    """A stop's service is stop_s + Σ(order_s + floor_s × (floor − 1)) in a sealed walk-up."""
    plan = _plan(tiny)
    stop = next(s for t in plan.trips for s in t.stops if s.building_id == "B1")
    floors = {"O1": 1, "O2": 4}
    expected = 120 + sum(30 + 45 * (floors[o] - 1) for o in stop.order_ids)
    assert (stop.depart - stop.arrive).total_seconds() == expected


def test_multi_trip_when_capacity_forces_it() -> None:
    """One 10 kg courier and three 6 kg orders: three trips, separated by the reload time."""
    f = tiny_frames()
    f["orders"] = f["orders.csv"]
    orders = pd.DataFrame(
        {
            "order_id": ["A", "B", "C"],
            "household_id": ["H3", "H5", "H6"],
            "date": DAY,
            "window": "AM",
            "weight_kg": "6",
            "bags": "1",
            "priority": "normal",
            "due": "",
        }
    )
    vols = f["volunteers.csv"].copy()
    vols.loc[vols.volunteer_id == "V2", ["capacity_kg", "max_trips"]] = ["10", ""]
    shifts = pd.DataFrame({"volunteer_id": ["V2"], "date": [DAY], "window": ["AM"]})
    del f["orders"]
    sc = _scenario({**f, "orders.csv": orders, "volunteers.csv": vols, "shifts.csv": shifts})
    plan = _plan(sc)
    (route,) = plan.routes
    assert len(route.trips) == 3
    for a, b in zip(route.trips, route.trips[1:], strict=False):
        assert (b.depart - a.return_).total_seconds() >= 300


def _with_order(
    weight: str = "3", household: str = "H3", due: str = "", bags: str = "1"
) -> dict[str, pd.DataFrame]:
    f = tiny_frames()
    extra = pd.DataFrame(
        [
            {
                "order_id": "X",
                "household_id": household,
                "date": DAY,
                "window": "AM",
                "weight_kg": weight,
                "bags": bags,
                "priority": "normal",
                "due": due,
            }
        ]
    )
    f["orders.csv"] = pd.concat([f["orders.csv"], extra], ignore_index=True)
    return f


def _unreachable_paths() -> pd.DataFrame:
    # B3 hangs off J9, which nothing else reaches.
    return pd.DataFrame(
        {
            "from": ["D1", "J1", "J1", "J1", "B3"],
            "to": ["J1", "B1", "B2", "J2", "J9"],
            "length_m": ["100", "250", "320", "50", "40"],
        }
    )


@pytest.mark.parametrize(
    ("frames", "extra", "order", "reason", "detail"),
    [
        # heavier than any courier on shift (V1, V2 carry 15 kg)
        (_with_order(weight="40"), {}, "X", "no_capacity", "largest capacity 15.0 kg"),
        # more bags than anyone carries
        (_with_order(bags="9"), {}, "X", "no_capacity", "bags"),
        # due one minute after the start: the walk alone takes longer
        (_with_order(due="09:01"), {}, "X", "out_of_time", "due 09:01 cannot be met"),
        # a row with a non-numeric weight is invalid, named by file/row/column
        (_with_order(weight="heavy"), {}, "X", "invalid", "orders.csv row 10 column weight_kg"),
        # an unknown household is invalid
        (_with_order(household="H99"), {}, "X", "invalid", "unknown household"),
        # B3 cannot be reached on the walking graph
        (tiny_frames(), {"paths.csv": _unreachable_paths()}, "O5", "unreachable", "no path"),
    ],
)
def test_unassigned_reasons(
    frames: dict[str, pd.DataFrame],
    extra: dict[str, pd.DataFrame],
    order: str,
    reason: str,
    detail: str,
) -> None:
    """Each reason of the contract, with a detail that says why; the rest is still delivered."""
    sc = _scenario(frames, **extra)
    plan = _plan(sc)
    unassigned = {u.order_id: u for u in plan.unassigned}
    assert unassigned[order].reason.value == reason
    assert detail in unassigned[order].detail
    assert len(plan.order_ids_delivered()) >= 4


def test_no_volunteer_for_sealed_building() -> None:
    """Without V1 on shift nobody may enter sealed B1: its orders are no_volunteer."""
    f = tiny_frames()
    f["shifts.csv"] = f["shifts.csv"][f["shifts.csv"].volunteer_id != "V1"]
    plan = _plan(_scenario(f))
    reasons = _reasons(plan)
    assert reasons["O1"] == reasons["O2"] == "no_volunteer"
    assert "sealed" in next(u.detail for u in plan.unassigned if u.order_id == "O1")


def test_nobody_on_shift_still_gives_a_plan() -> None:
    """A window with orders and no shift: a plan with every order no_volunteer, no exception."""
    f = tiny_frames()
    f["shifts.csv"] = f["shifts.csv"].iloc[0:0]
    plan = _plan(_scenario(f))
    assert plan.routes == ()
    assert set(_reasons(plan).values()) == {"no_volunteer"}


def test_overloaded_window_loses_nothing(building_dir: Path, tmp_path: Path) -> None:
    """Two couriers with two trips each cannot carry a building's morning: some orders are
    out_of_time, every order is still accounted for and priority orders go first."""
    sc = br.load_scenario(building_dir)
    keep = sorted(
        {
            s.volunteer_id
            for s in sc.shifts
            if s.date == dt.date(2020, 2, 10)
            and s.window == "AM"
            and sc.volunteers[s.volunteer_id].door_to_door
        }
    )[:2]
    shifts = tuple(s for s in sc.shifts if s.volunteer_id in keep)
    vols = {k: v for k, v in sc.volunteers.items()}
    for k in keep:
        vols[k] = br.Volunteer(
            **{**{f: getattr(vols[k], f) for f in vols[k].__slots__}, "max_trips": 2}
        )
    import dataclasses

    sc = dataclasses.replace(sc, shifts=shifts, volunteers=vols)
    plan = _plan(sc)
    reasons = _reasons(plan)
    assert "out_of_time" in reasons.values()
    priority = {o.order_id for o in sc.orders_in(plan.date, "AM") if o.priority.is_priority}
    delivered = set(plan.order_ids_delivered())
    assert priority <= delivered, "priority orders must be served before normal ones"
    assert run_checker(building_dir, plan, tmp_path)["ok"] is True


def test_single_trip_couriers_recombine_and_the_plan_verifies(
    building_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Couriers of one trip each: a search of RECOMBINE_MIN_LIMIT_S or more ends with
    recombination (threshold lowered here to keep the test short), the plan says so in
    ``solver["recombination"]``, loses nothing and passes the independent checker."""
    monkeypatch.setattr(search_module, "RECOMBINE_MIN_LIMIT_S", 0.1)
    sc = br.load_scenario(building_dir)
    one_trip = {
        k: br.Volunteer(**{**{f: getattr(v, f) for f in v.__slots__}, "max_trips": 1})
        for k, v in sc.volunteers.items()
    }
    sc = replace(sc, volunteers=one_trip)
    options = br.PlanOptions(time_limit=1.0)
    plan = br.plan_window(sc, DAY, "AM", options, partition=False)
    assert "recombination" in plan.solver, plan.solver
    assert plan.verify(sc).ok
    assert_accounted(sc, plan)
    assert run_checker(building_dir, plan, tmp_path)["ok"] is True


@pytest.mark.parametrize("window", ["AM", "PM"])
def test_building_plan_passes_independent_checker(
    building_dir: Path, window: str, tmp_path: Path
) -> None:
    """The built-in story: the whole window is delivered and the checker agrees."""
    sc = br.load_scenario(building_dir)
    plan = _plan(sc, window)
    assert plan.unassigned == ()
    assert run_checker(building_dir, plan, tmp_path)["ok"] is True


@pytest.mark.parametrize("fixture", ["compound_dir", "compound_paths_dir"])
def test_compound_plan_passes_independent_checker(
    fixture: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """~600 orders, straight lines and walking graph: every order delivered, checker agrees."""
    folder = request.getfixturevalue(fixture)
    sc = br.load_scenario(folder)
    plan = br.plan_window(sc, DAY, "AM", br.PlanOptions(reproducible=True, solution_limit=30))
    assert plan.verify(sc).ok
    assert_accounted(sc, plan)
    assert len(plan.unassigned) == 0
    result = run_checker(folder, plan, tmp_path)
    assert result["ok"] is True, result["violations"]


def test_reproducible_mode_is_byte_identical(building_dir: Path) -> None:
    """Same input, same seed, reproducible mode: the same JSON, byte for byte."""
    sc = br.load_scenario(building_dir)
    texts = {br.plan_window(sc, DAY, "AM", seed=7, reproducible=True).to_json() for _ in range(2)}
    assert len(texts) == 1


def test_time_limited_plan_says_it_may_vary(tiny: br.Scenario) -> None:
    """The default mode is time-limited and the plan says so."""
    plan = br.plan_window(tiny, DAY, "AM", time_limit=0.5)
    assert "may vary" in plan.solver["mode"]


def test_unknown_window_names_defined_windows(tiny: br.Scenario) -> None:
    """Asking for an undefined window lists the defined ones."""
    with pytest.raises(KeyError, match=r"window 'NOON' not in \['AM', 'PM'\]"):
        br.plan_window(tiny, DAY, "NOON")


def test_plan_json_round_trip(tiny: br.Scenario) -> None:
    """A plan read back from its JSON is equal and writes the same text."""
    plan = _plan(tiny)
    again = br.Plan.from_dict(__import__("json").loads(plan.to_json()))
    assert again.to_json() == plan.to_json()


def test_to_frame_indexed_by_order(tiny: br.Scenario) -> None:
    """to_frame has one row per order of the window, indexed by order_id."""
    frame = _plan(tiny).to_frame()
    assert frame.index.name == "order_id"
    assert sorted(frame.index) == ["O1", "O2", "O3", "O4", "O5", "O6"]
    assert set(frame["status"]) == {"delivered"}


@st.composite
def small_scenarios(draw: st.DrawFn) -> br.Scenario:
    """Random valid scenarios: 1-4 buildings, 1-12 orders, 0-3 volunteers."""
    n_b = draw(st.integers(1, 4))
    buildings = pd.DataFrame(
        {
            "building_id": [f"B{i}" for i in range(n_b)],
            "x_m": [str(draw(st.integers(-800, 800))) for _ in range(n_b)],
            "y_m": [str(draw(st.integers(-800, 800))) for _ in range(n_b)],
            "floors": "6",
            "elevator": [draw(st.sampled_from(["true", "false"])) for _ in range(n_b)],
            "sealed": [draw(st.sampled_from(["true", "false", "false"])) for _ in range(n_b)],
        }
    )
    households = pd.DataFrame(
        {
            "household_id": [f"H{i}" for i in range(n_b * 2)],
            "building_id": [f"B{i // 2}" for i in range(n_b * 2)],
            "floor": [str(draw(st.integers(1, 6))) for _ in range(n_b * 2)],
        }
    )
    n_o = draw(st.integers(1, 12))
    orders = pd.DataFrame(
        {
            "order_id": [f"O{i:02d}" for i in range(n_o)],
            "household_id": [f"H{draw(st.integers(0, n_b * 2 - 1))}" for _ in range(n_o)],
            "date": DAY,
            "window": "AM",
            "weight_kg": [str(draw(st.sampled_from([0.5, 2, 5.5, 9, 14, 30]))) for _ in range(n_o)],
            "bags": [str(draw(st.integers(1, 4))) for _ in range(n_o)],
            "priority": [
                draw(st.sampled_from(["normal", "normal", "urgent", "medicine"]))
                for _ in range(n_o)
            ],
            "due": [draw(st.sampled_from(["", "", "09:20", "10:30"])) for _ in range(n_o)],
        }
    )
    n_v = draw(st.integers(0, 3))
    volunteers = pd.DataFrame(
        {
            "volunteer_id": [f"V{i}" for i in range(n_v)],
            "depot_id": "D1",
            "mode": [draw(st.sampled_from(["walk", "cart", "ebike"])) for _ in range(n_v)],
            "capacity_kg": [str(draw(st.sampled_from([8, 15, 25]))) for _ in range(n_v)],
            "capacity_bags": [str(draw(st.integers(3, 8))) for _ in range(n_v)],
            "door_to_door": [draw(st.sampled_from(["true", "false"])) for _ in range(n_v)],
            "max_trips": [draw(st.sampled_from(["", "1", "2"])) for _ in range(n_v)],
        },
        columns=[
            "volunteer_id",
            "depot_id",
            "mode",
            "capacity_kg",
            "capacity_bags",
            "door_to_door",
            "max_trips",
        ],
    )
    shifts = pd.DataFrame({"volunteer_id": volunteers["volunteer_id"], "date": DAY, "window": "AM"})
    depots = pd.DataFrame({"depot_id": ["D1"], "x_m": ["0"], "y_m": ["0"]})
    frames = {
        "depots.csv": depots,
        "buildings.csv": buildings,
        "households.csv": households,
        "orders.csv": orders,
        "volunteers.csv": volunteers,
        "shifts.csv": shifts,
    }
    return br.scenario_from_frames(frames, {"windows": {"AM": {"start": "09:00", "end": "10:00"}}})


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_scenarios())
def test_property_every_plan_verifies_and_loses_nothing(scenario: br.Scenario) -> None:
    """For random small scenarios, the plan verifies and every order appears exactly once."""
    plan = br.plan_window(scenario, DAY, "AM", br.PlanOptions(reproducible=True, solution_limit=20))
    assert plan.verify(scenario).ok, str(plan.verify(scenario))
    assert_accounted(scenario, plan)
    again = br.plan_window(
        scenario, DAY, "AM", br.PlanOptions(reproducible=True, solution_limit=20)
    )
    assert again.to_json() == plan.to_json()


def test_write_frames_helper_round_trip(tmp_path: Path) -> None:
    """The tests' own folder writer gives a scenario equal to the frames one."""
    folder = write_frames(tmp_path / "s", tiny_frames())
    assert br.load_scenario(folder).orders == _scenario(tiny_frames()).orders


@pytest.mark.parametrize("share", [1.0, 0.5, 0.25])
def test_drop_share_changes_drops_not_validity(building_dir: Path, share: float) -> None:
    """Smaller drops mean more of them; every plan still verifies and loses nothing."""
    sc = br.load_scenario(building_dir)
    plan = br.plan_window(
        sc, DAY, "AM", br.PlanOptions(reproducible=True, solution_limit=30, drop_share=share)
    )
    assert plan.verify(sc).ok
    assert_accounted(sc, plan)
    whole = br.plan_window(
        sc, DAY, "AM", br.PlanOptions(reproducible=True, solution_limit=30, drop_share=1.0)
    )
    assert plan.solver["drops"] >= whole.solver["drops"]
    if share < 1.0:
        assert plan.solver["drops"] > whole.solver["drops"]


@pytest.mark.parametrize(("cap", "expected"), [(400, 0.5), (5, 1.0)])
def test_auto_drop_share(
    building_dir: Path, monkeypatch: pytest.MonkeyPatch, cap: int, expected: float
) -> None:
    """By default drops are half-size, or whole-trip when more than AUTO_HALF_MAX_DROPS
    half-size ones would be needed; the plan is the one of that share, and says it."""
    monkeypatch.setattr(batching, "AUTO_HALF_MAX_DROPS", cap)
    monkeypatch.setattr(batching, "AUTO_HALF_MAX_DROPS_REPRODUCIBLE", cap)
    sc = br.load_scenario(building_dir)
    options = br.PlanOptions(reproducible=True, solution_limit=30)
    assert options.drop_share is None
    auto = br.plan_window(sc, DAY, "AM", options)
    fixed = br.plan_window(sc, DAY, "AM", replace(options, drop_share=expected))
    assert auto.solver["drop_share"] == expected
    assert auto.to_json() == fixed.to_json()


def test_auto_drop_share_in_reproducible_mode(
    building_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reproducible mode has its own bound on half-size drops (its search runs to a
    solution count): above it, whole-trip drops."""
    sc = br.load_scenario(building_dir)
    plan = br.plan_window(sc, DAY, "AM", REPRO_OPTIONS)
    assert plan.solver["drop_share"] == 0.5
    monkeypatch.setattr(batching, "AUTO_HALF_MAX_DROPS_REPRODUCIBLE", 5)
    plan = br.plan_window(sc, DAY, "AM", REPRO_OPTIONS)
    assert plan.solver["drop_share"] == 1.0
    assert plan.solver["mode"] == "reproducible"


@pytest.mark.parametrize(("time_limit", "expected"), [(0.1, 1.0), (2.0, 0.5)])
def test_auto_drop_share_follows_the_time_limit(
    building_dir: Path, time_limit: float, expected: float
) -> None:
    """Half-size drops need time: at most HALF_DROPS_PER_SECOND of them per second of the
    limit (about 28 here: whole-trip drops at 0.1 s, half-size at 2 s)."""
    sc = br.load_scenario(building_dir)
    plan = br.plan_window(sc, DAY, "AM", br.PlanOptions(time_limit=time_limit))
    half = int(time_limit * batching.HALF_DROPS_PER_SECOND)
    assert plan.solver["drop_share"] == expected, (plan.solver["drops"], half)
    assert plan.verify(sc).ok


@pytest.mark.parametrize("share", [0.0, -0.5, 1.5, "half"])
def test_drop_share_out_of_range(share: object) -> None:
    """drop_share must be a number in (0, 1]."""
    with pytest.raises(ValueError, match="drop_share must be in"):
        br.PlanOptions(drop_share=share)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("bound", "options", "expected"),
    [
        (400, br.PlanOptions(time_limit=1.5), "ITERATED_LOCAL_SEARCH"),
        (2, br.PlanOptions(time_limit=1.5), "GUIDED_LOCAL_SEARCH"),
        # about 28 drops in 0.4 s of search: more than 40 a second
        (400, br.PlanOptions(time_limit=0.6, drop_share=0.5), "GUIDED_LOCAL_SEARCH"),
        (400, REPRO_OPTIONS, "GUIDED_LOCAL_SEARCH"),
        (2, br.PlanOptions(time_limit=1.5, metaheuristic="TABU_SEARCH"), "TABU_SEARCH"),
    ],
)
def test_big_chained_models_run_guided_local_search(
    building_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    bound: int,
    options: br.PlanOptions,
    expected: str,
) -> None:
    """ILS gives way to guided local search on chained models of more than
    CHAINED_ILS_MAX_DROPS drops or CHAINED_ILS_DROPS_PER_SECOND per second of search (and
    in reproducible mode); another metaheuristic the caller asked for is kept. The plan
    says which ran and delivers every order."""
    from basket_route.solver import pipeline

    monkeypatch.setattr(pipeline, "CHAINED_ILS_MAX_DROPS", bound)
    sc = br.load_scenario(building_dir)
    plan = br.plan_window(sc, DAY, "AM", options)
    assert plan.solver["metaheuristic"] == expected
    assert plan.solver["drops"] > bound or bound == 400
    assert plan.verify(sc).ok
    assert not plan.unassigned


@pytest.mark.parametrize(("time_limit", "shares"), [(0.1, [1.0]), (1.0, [1.0, 0.5])])
def test_half_size_drops_not_made_when_they_could_not_be_used(
    building_dir: Path, monkeypatch: pytest.MonkeyPatch, time_limit: float, shares: list[float]
) -> None:
    """Packing costs time: when even 1.5 half-size drops per whole-trip drop would exceed
    the bound, only whole-trip drops are packed."""
    made: list[float] = []
    make_drops = batching.make_drops

    def spy(problem: object, eligible: object, share: float = 1.0) -> object:
        made.append(share)
        return make_drops(problem, eligible, share)  # type: ignore[arg-type]

    monkeypatch.setattr(batching, "make_drops", spy)
    sc = br.load_scenario(building_dir)
    plan = br.plan_window(sc, DAY, "AM", br.PlanOptions(time_limit=time_limit))
    assert made == shares
    assert plan.solver["drop_share"] == shares[-1]


def test_solution_limited_search_starts_at_a_local_optimum(compound_dir: Path) -> None:
    """Reproducible mode descends to a local optimum before counting solutions: one
    solution is already as short as a greedy descent run to its end. (It used to be the
    constructive start: 57.9 km against 51.7 km on this window; a bigger window stopped
    at 133 km where the time-limited search planned 73 km.)"""
    sc = br.load_scenario(compound_dir)
    one = br.plan_window(sc, DAY, "AM", br.PlanOptions(reproducible=True, solution_limit=1))
    descent = br.plan_window(
        sc, DAY, "AM", br.PlanOptions(time_limit=5.0, metaheuristic="GREEDY_DESCENT")
    )
    assert one.solver["drops"] == descent.solver["drops"]
    assert descent.solver["status"] == "ROUTING_SUCCESS"  # it reached its local optimum
    assert one.summary_counts()["distance_m"] <= descent.summary_counts()["distance_m"]
    assert one.solver["mode"] == "reproducible"


@pytest.mark.parametrize(
    ("bound", "options", "split"),
    [
        (10, br.PlanOptions(time_limit=1.0), True),
        (400, br.PlanOptions(time_limit=1.0), False),
        (10, br.PlanOptions(time_limit=1.0, drop_share=0.5), False),  # the 1,500 bound
        (10, REPRO_OPTIONS, False),
    ],
)
def test_automatic_drops_split_windows_too_big_for_half_size_drops(
    building_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    bound: int,
    options: br.PlanOptions,
    split: bool,
) -> None:
    """With automatic drops a window estimated at more than AUTO_HALF_MAX_DROPS half-size
    drops is split into sub-problems (as one model it would get whole-trip drops)."""
    from basket_route.scale import estimate
    from basket_route.scale import window as scale_window

    def spy(*args: object, **kwargs: object) -> br.Plan:
        raise RuntimeError("split")

    monkeypatch.setattr(estimate, "AUTO_HALF_MAX_DROPS", bound)
    monkeypatch.setattr(scale_window, "plan_partitioned", spy)
    sc = br.load_scenario(building_dir)
    if split:
        with pytest.raises(RuntimeError, match="split"):
            br.plan_window(sc, DAY, "AM", options)
    else:
        assert br.plan_window(sc, DAY, "AM", options).verify(sc).ok


@pytest.mark.parametrize(
    ("courier_groups", "default_from_s", "used"),
    [
        (True, 60.0, True),  # asked for
        (None, 2.0, True),  # by default, from a limit of GROUPS_DEFAULT_MIN_LIMIT_S
        (None, 60.0, False),  # by default, under it
        (False, 2.0, False),  # turned off
    ],
)
def test_compound_plan_ends_with_courier_groups(
    compound_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    courier_groups: bool | None,
    default_from_s: float,
    used: bool,
) -> None:
    """Asked for, or by default from a long enough limit, courier groups end a
    time-limited plan of a chained window (here from a 1 s limit on, not 8 s); the plan
    says so, and the checker agrees with it."""
    from basket_route.solver import decompose

    monkeypatch.setattr(decompose, "GROUPS_MIN_LIMIT_S", 1.0)
    monkeypatch.setattr(decompose, "WHOLE_SEARCH_S", 1.2)
    monkeypatch.setattr(decompose, "GROUPS_DEFAULT_MIN_LIMIT_S", default_from_s)
    sc = br.load_scenario(compound_dir)
    options = br.PlanOptions(time_limit=2.5, courier_groups=courier_groups)
    plan = br.plan_window(sc, DAY, "AM", options, partition=False)
    assert ("courier_groups" in plan.solver) == used
    if used:
        tried = int(plan.solver["courier_groups"].split(" of ")[1].split()[0])
        assert tried >= 1
    assert len(plan.unassigned) == 0
    result = run_checker(compound_dir, plan, tmp_path)
    assert result["ok"] is True, result["violations"]
