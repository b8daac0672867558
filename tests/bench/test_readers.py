"""Tests of basket_route.bench.readers and .evaluate against the stored benchmark files.

The strongest check here is :func:`test_best_known_routes_reproduce_stated_cost`: every
published best-known solution must re-score, under the instance's distance convention, to
exactly the cost printed in its ``.sol`` file and in ``bks.csv``. That validates the reader
(coordinates, demands, windows, service times, node numbering) and the evaluator together
against numbers we did not compute.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from basket_route.bench import (
    Convention,
    evaluate,
    find_instances,
    read_bks_csv,
    read_instance,
    read_solution,
    to_routing_problem,
)
from basket_route.bench.evaluate import arc_distance
from basket_route.bench.readers import Instance, core_fleet, distance_matrix

# name, customers, capacity, fleet limit (None: CVRP, unlimited), convention
EXPECTED = [
    ("C101", 100, 200, 25, Convention.DIMACS),
    ("C105", 100, 200, 25, Convention.DIMACS),
    ("C201", 100, 700, 25, Convention.DIMACS),
    ("R101", 100, 200, 25, Convention.DIMACS),
    ("R102", 100, 200, 25, Convention.DIMACS),
    ("R201", 100, 1000, 25, Convention.DIMACS),
    ("RC101", 100, 200, 25, Convention.DIMACS),
    ("RC105", 100, 200, 25, Convention.DIMACS),
    ("RC201", 100, 1000, 25, Convention.DIMACS),
    ("C1_2_1", 200, 200, 50, Convention.DIMACS),
    ("R1_2_1", 200, 200, 50, Convention.DIMACS),
    ("RC1_2_1", 200, 200, 50, Convention.DIMACS),
    ("R2_2_1", 200, 1000, 50, Convention.DIMACS),
    ("X-n101-k25", 100, 206, None, Convention.NINT),
    ("X-n153-k22", 152, 144, None, Convention.NINT),
    ("X-n204-k19", 203, 836, None, Convention.NINT),
    ("X-n251-k28", 250, 69, None, Convention.NINT),
]
NAMES = [e[0] for e in EXPECTED]


@pytest.fixture(scope="module")
def found(bench_data: Path) -> dict[str, Path]:
    """Every instance file under the stored benchmark folder, by name."""
    return find_instances(bench_data)


def test_find_instances_lists_each_stored_instance_once(found: dict[str, Path]) -> None:
    """The 17 instances are found once each; the .vrp copy wins over the Solomon .txt one."""
    assert sorted(found) == sorted(NAMES)
    assert found["R1_2_1"].suffix == ".vrp"


@pytest.mark.parametrize(("name", "customers", "capacity", "fleet", "convention"), EXPECTED)
def test_read_instance_dimensions(
    found: dict[str, Path],
    name: str,
    customers: int,
    capacity: int,
    fleet: int | None,
    convention: Convention,
) -> None:
    """Dimension, capacity, fleet limit and convention match the file headers."""
    inst = read_instance(found[name])
    assert inst.name == name
    assert inst.n_customers == customers
    assert inst.capacity == capacity
    assert inst.fleet == fleet
    assert inst.convention is convention
    assert inst.has_time_windows == (convention is Convention.DIMACS)
    assert inst.demand[0] == 0
    assert inst.service[0] == 0
    assert inst.distance.shape == (customers + 1, customers + 1)
    assert not inst.distance.flags.writeable


def test_solomon_units_are_tenths(found: dict[str, Path]) -> None:
    """C101: service 90 → 900 tenths, depot open [0, 1236] → [0, 12360], first customer
    (45, 68) is floor(10 · sqrt(5² + 18²)) = floor(186.81) = 186 tenths from the depot (40, 50).
    """
    inst = read_instance(found["C101"])
    assert inst.service[1] == 900
    assert inst.time_windows is not None
    assert inst.time_windows[0].tolist() == [0, 12360]
    assert inst.time_windows[1].tolist() == [9120, 9670]
    assert inst.distance[0, 1] == 186


@pytest.mark.parametrize("name", NAMES)
def test_best_known_routes_reproduce_stated_cost(
    bench_data: Path, found: dict[str, Path], name: str
) -> None:
    """The published best-known routes are feasible and cost exactly what .sol and bks.csv say."""
    inst = read_instance(found[name])
    routes, stated = read_solution(found[name].with_suffix(".sol"))
    ev = evaluate(inst, routes)
    assert ev.violations == ()
    assert ev.feasible
    assert ev.cost == pytest.approx(stated, abs=1e-9)
    bks = read_bks_csv(bench_data / "bks.csv")[name]
    assert ev.cost == pytest.approx(bks.cost, abs=1e-9)
    assert ev.vehicles == bks.vehicles


@pytest.mark.parametrize("name", ["c1_2_1", "r1_2_1", "rc1_2_1", "r2_2_1"])
def test_solomon_text_matches_vrplib_copy(bench_data: Path, name: str) -> None:
    """The G&H instances in Solomon text format read to the same data as their .vrp copies."""
    txt = read_instance(bench_data / "gh200_solomon_txt" / f"{name}.txt")
    vrp = read_instance(bench_data / "gh200_vrplib" / f"{name.upper()}.vrp")
    assert txt.name == vrp.name == name.upper()
    assert (txt.capacity, txt.fleet, txt.convention) == (vrp.capacity, vrp.fleet, vrp.convention)
    for field in ("coords", "demand", "time_windows", "service", "distance"):
        assert np.array_equal(getattr(txt, field), getattr(vrp, field)), field


def test_find_instances_reads_a_lone_solomon_text(bench_data: Path, tmp_path: Path) -> None:
    """A folder holding only a Solomon .txt instance yields it under its upper-case name."""
    shutil.copy(bench_data / "gh200_solomon_txt" / "r1_2_1.txt", tmp_path)
    (tmp_path / "notes.txt").write_text("not an instance\n")
    assert list(find_instances(tmp_path)) == ["R1_2_1"]


def test_read_bks_csv_keeps_distance_rows_only(bench_data: Path) -> None:
    """bks.csv has 17 distance rows; the vehicles-first rows (another convention) are dropped."""
    bks = read_bks_csv(bench_data / "bks.csv")
    assert sorted(bks) == sorted(NAMES)
    assert bks["R101"].cost == 1637.7
    assert bks["R101"].vehicles == 20
    assert "truncated" in bks["R101"].convention


# (a, b, dimacs tenths, nint)
ARCS = [
    ((0, 0), (3, 4), 50, 5),  # exact
    ((0, 0), (1, 1), 14, 1),  # 1.414…
    ((0, 0), (1, 2), 22, 2),  # 2.236…
    ((0, 0), (2, 3), 36, 4),  # 3.605… rounds up
    ((0.0, 0.0), (0.5, 0.0), 5, 1),  # non-integer coordinates: float path, 0.5 rounds up
]


@pytest.mark.parametrize(("a", "b", "tenths", "nint"), ARCS)
def test_distance_conventions_by_hand(
    a: tuple[float, float], b: tuple[float, float], tenths: int, nint: int
) -> None:
    """Matrix and scalar paths agree with hand-computed truncated and rounded distances."""
    coords = np.array([a, b], dtype=np.float64)
    assert distance_matrix(coords, Convention.DIMACS)[0, 1] == tenths
    assert distance_matrix(coords, Convention.NINT)[0, 1] == nint
    inst = Instance(
        name="t",
        path=Path("t"),
        convention=Convention.DIMACS,
        coords=coords,
        demand=np.zeros(2, dtype=np.int64),
        capacity=1,
        fleet=None,
        time_windows=None,
        service=np.zeros(2, dtype=np.int64),
        distance=distance_matrix(coords, Convention.DIMACS),
    )
    assert arc_distance(inst, 0, 1) == tenths


@pytest.mark.parametrize("name", ["R101", "X-n204-k19"])
def test_matrix_agrees_with_scalar_path(found: dict[str, Path], name: str) -> None:
    """The vectorised distance matrix equals the evaluator's scalar isqrt on every arc."""
    inst = read_instance(found[name])
    n = inst.coords.shape[0]
    scalar = np.array([[arc_distance(inst, i, j) for j in range(n)] for i in range(n)])
    assert np.array_equal(scalar, inst.distance)


def test_evaluate_names_each_violation(found: dict[str, Path]) -> None:
    """Broken versions of C101's best-known routes are reported with what broke."""
    inst = read_instance(found["C101"])
    routes, _ = read_solution(found["C101"].with_suffix(".sol"))
    missing = [r[1:] if i == 0 else r for i, r in enumerate(routes)]
    assert evaluate(inst, missing).violations == ("missing customers (1): 5",)
    doubled = [*routes, [routes[0][0]]]
    assert any("more than once (1): 5×2" in v for v in evaluate(inst, doubled).violations)
    merged = [routes[0] + routes[1], *routes[2:]]
    assert any(v.startswith("over capacity") for v in evaluate(inst, merged).violations)
    reversed_ = [list(reversed(routes[0])), *routes[1:]]
    assert any(v.startswith("late arrivals") for v in evaluate(inst, reversed_).violations)
    singles = [[c] for r in routes for c in r]
    ev = evaluate(inst, singles)
    assert "100 routes > fleet limit 25" in ev.violations
    assert not ev.feasible
    assert evaluate(inst, [[0, 101], *routes]).violations[0] == "unknown nodes (2): 0, 101"


def test_to_routing_problem_vrptw(found: dict[str, Path]) -> None:
    """Durations are service at the from-node plus distance; windows and fleet as in the file."""
    inst = read_instance(found["R101"])
    problem = to_routing_problem(inst)
    assert len(problem.vehicles) == 25
    assert problem.penalties is None
    assert np.array_equal(problem.distance, inst.distance)
    expected = inst.service[:, None] + inst.distance
    assert np.array_equal(problem.durations[0], expected)
    assert inst.time_windows is not None
    assert np.array_equal(problem.time_windows, inst.time_windows)
    veh = problem.vehicles[0]
    assert (veh.earliest_start, veh.latest_end) == tuple(inst.time_windows[0])
    assert veh.capacities == (200,)


def test_to_routing_problem_cvrp_fleet_and_penalty(found: dict[str, Path]) -> None:
    """CVRP gets k + slack vehicles and an open horizon; a penalty makes visits optional."""
    inst = read_instance(found["X-n101-k25"])
    assert inst.min_routes == 25
    assert core_fleet(inst) == 28
    problem = to_routing_problem(inst, penalty=1000)
    assert len(problem.vehicles) == 28
    assert problem.penalties is not None
    assert problem.penalties[0] == -1
    assert set(problem.penalties[1:].tolist()) == {1000}
    horizon = problem.vehicles[0].latest_end
    assert horizon > int(inst.distance.max(axis=1).sum())
    assert np.all(problem.time_windows == [0, horizon])


def test_to_routing_problem_order(found: dict[str, Path]) -> None:
    """ORDER renumbers the nodes; it must be a permutation keeping the depot at 0."""
    inst = read_instance(found["C101"])
    n = inst.coords.shape[0]
    order = np.r_[0, np.arange(n - 1, 0, -1)]
    problem = to_routing_problem(inst, order=order)
    assert problem.distance[1, 2] == inst.distance[n - 1, n - 2]
    assert problem.demands[1, 0] == inst.demand[n - 1]
    with pytest.raises(ValueError, match=r"permutation of the nodes with order\[0\] == 0"):
        to_routing_problem(inst, order=np.arange(1, n + 1) % n)


def test_instance_rejects_bad_capacity(found: dict[str, Path]) -> None:
    """A zero capacity is refused, naming the field and the value."""
    inst = read_instance(found["C101"])
    fields = {f: getattr(inst, f) for f in Instance.__slots__}
    fields["capacity"] = 0
    with pytest.raises(ValueError, match="C101: capacity must be > 0, got 0"):
        Instance(**fields)
