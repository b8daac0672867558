"""Tests of the synthetic scenario generator (basket_route.scenarios)."""

from __future__ import annotations

import datetime
import math
import re
import sys
import tomllib
from pathlib import Path

import networkx as nx
import pandas as pd
import pytest

from basket_route.scenarios import (
    SIZES,
    ScenarioTables,
    _toml_document,
    synthetic_tables,
    write_synthetic,
)

TOOLS = Path(__file__).resolve().parents[2] / "shared" / "tools"

COLUMNS = {
    "depots.csv": ["depot_id", "name", "x_m", "y_m"],
    "buildings.csv": ["building_id", "name", "x_m", "y_m", "floors", "elevator", "sealed"],
    "households.csv": [
        "household_id",
        "building_id",
        "unit",
        "floor",
        "members",
        "vulnerable",
        "name",
        "phone",
    ],
    "orders.csv": [
        "order_id",
        "household_id",
        "date",
        "window",
        "weight_kg",
        "bags",
        "priority",
        "due",
    ],
    "volunteers.csv": [
        "volunteer_id",
        "name",
        "depot_id",
        "mode",
        "capacity_kg",
        "capacity_bags",
        "door_to_door",
        "max_trips",
    ],
    "shifts.csv": ["volunteer_id", "date", "window"],
    "paths.csv": ["from", "to", "length_m"],
}
ID_PATTERNS = {
    "building": {"D": r"D[1-8]", "B": r"B\d{3}", "H": r"H\d{4}", "V": r"V\d{3}"},
    "compound": {"D": r"D[1-8]", "B": r"B\d{3}", "H": r"H\d{4}", "V": r"V\d{3}"},
    "district": {"D": r"D[1-8]", "B": r"B\d{3}", "H": r"H\d{5}", "V": r"V\d{3}"},
}
WINDOW_SPAN_S = {"AM": (9 * 3600, 12 * 3600), "PM": (14 * 3600, 18 * 3600)}
SPEED_M_S = {"walk": 4.5 / 3.6, "cart": 3.5 / 3.6, "ebike": 12.0 / 3.6}


@pytest.fixture(scope="module")
def tables() -> dict[str, ScenarioTables]:
    """Seed-0 tables of every size with paths (district: its default single day)."""
    return {size: synthetic_tables(size, 0, paths=True) for size in SIZES}


def clock_s(text: str) -> int:
    """Seconds of the day of an 'HH:MM' text."""
    hours, minutes = text.split(":")
    return int(hours) * 3600 + int(minutes) * 60


def merged_orders(t: ScenarioTables) -> pd.DataFrame:
    """Orders with their household's building, floor and the building's sealed flag."""
    f = t.frames
    households = f["households.csv"][["household_id", "building_id", "floor"]]
    buildings = f["buildings.csv"][["building_id", "sealed", "elevator", "x_m", "y_m"]]
    return f["orders.csv"].merge(households, on="household_id").merge(buildings, on="building_id")


def on_shift(t: ScenarioTables) -> pd.DataFrame:
    """Shifts joined with the volunteers' rows."""
    return t.frames["shifts.csv"].merge(t.frames["volunteers.csv"], on="volunteer_id")


# ----------------------------------------------------------------------------- arguments


def test_unknown_size_lists_allowed_sizes() -> None:
    """An unknown size is a ValueError naming every allowed size."""
    with pytest.raises(
        ValueError, match=r"size 'city' not in \['building', 'compound', 'district'\]"
    ):
        synthetic_tables("city")


@pytest.mark.parametrize("days", [0, -3])
def test_days_must_be_positive(days: int) -> None:
    """days < 1 is a ValueError."""
    with pytest.raises(ValueError, match="days"):
        synthetic_tables("building", days=days)


def test_bad_start_date() -> None:
    """A start that is not an ISO date is a ValueError."""
    with pytest.raises(ValueError, match="start"):
        synthetic_tables("building", start="10/02/2020")


def test_days_and_start_set_the_dates() -> None:
    """Orders and shifts cover exactly `days` consecutive days from `start`."""
    t = synthetic_tables("building", 3, days=2, start=datetime.date(2022, 4, 1))
    expected = ["2022-04-01", "2022-04-02"]
    assert sorted(t.frames["orders.csv"]["date"].unique()) == expected
    assert sorted(t.frames["shifts.csv"]["date"].unique()) == expected
    assert t.frames["orders.csv"]["order_id"].iloc[0].startswith("O20220401AM")


@pytest.mark.parametrize(("size", "days"), [("building", 10), ("compound", 10), ("district", 1)])
def test_default_days(size: str, days: int, tables: dict[str, ScenarioTables]) -> None:
    """Default horizon: 10 days for building and compound, 1 for district; AM and PM daily."""
    orders = tables[size].frames["orders.csv"]
    assert orders["date"].nunique() == days
    assert orders.groupby("date")["window"].nunique().eq(2).all()


# ----------------------------------------------------------------------------- schema


@pytest.mark.parametrize("size", SIZES)
def test_columns_per_spec(size: str, tables: dict[str, ScenarioTables]) -> None:
    """Every frame has exactly the contract's columns, in the documented order."""
    frames = tables[size].frames
    assert set(frames) == set(COLUMNS)
    for name, frame in frames.items():
        assert list(frame.columns) == COLUMNS[name], name


def test_paths_only_when_asked() -> None:
    """paths.csv is generated only with paths=True."""
    assert "paths.csv" not in synthetic_tables("building", days=1).frames


@pytest.mark.parametrize("size", SIZES)
def test_settings_content(size: str, tables: dict[str, ScenarioTables]) -> None:
    """Settings carry the documented windows, service times, detour and speeds."""
    s = tables[size].settings
    assert isinstance(s["name"], str)
    assert s["name"]
    assert s["windows"] == {
        "AM": {"start": "09:00", "end": "12:00"},
        "PM": {"start": "14:00", "end": "18:00"},
    }
    assert s["service"] == {
        "stop_s": 120,
        "order_s": 30,
        "floor_s": 45,
        "lift_s": 60,
        "reload_s": 300,
    }
    assert s["distance"] == {"detour": 1.3}
    assert s["modes"] == {"walk": 4.5, "cart": 3.5, "ebike": 12.0, "van": 20.0}


@pytest.mark.parametrize("size", SIZES)
def test_ids_unique_padded_and_naturally_sorted(
    size: str, tables: dict[str, ScenarioTables]
) -> None:
    """Ids are unique, zero-padded (string order = numeric order) and sorted."""
    f = tables[size].frames
    pattern = ID_PATTERNS[size]
    for name, column, key in [
        ("depots.csv", "depot_id", "D"),
        ("buildings.csv", "building_id", "B"),
        ("households.csv", "household_id", "H"),
        ("volunteers.csv", "volunteer_id", "V"),
    ]:
        ids = f[name][column]
        assert ids.is_unique, name
        assert ids.str.fullmatch(pattern[key]).all(), name
        assert ids.tolist() == sorted(ids, key=lambda i: int(i[1:])), name
        assert ids.tolist() == sorted(ids), name
    orders = f["orders.csv"]
    assert orders["order_id"].is_unique
    expected = "O" + orders["date"].str.replace("-", "") + orders["window"]
    assert (orders["order_id"].str[: len("O20200210AM")] == expected).all()
    assert orders["order_id"].str.fullmatch(r"O\d{8}(AM|PM)\d{4,}").all()
    assert not f["shifts.csv"].duplicated().any()


@pytest.mark.parametrize("size", SIZES)
def test_references_resolve(size: str, tables: dict[str, ScenarioTables]) -> None:
    """household->building, order->household, volunteer->depot, shift->volunteer all resolve."""
    f = tables[size].frames
    assert f["households.csv"]["building_id"].isin(f["buildings.csv"]["building_id"]).all()
    assert f["orders.csv"]["household_id"].isin(f["households.csv"]["household_id"]).all()
    assert f["volunteers.csv"]["depot_id"].isin(f["depots.csv"]["depot_id"]).all()
    assert f["shifts.csv"]["volunteer_id"].isin(f["volunteers.csv"]["volunteer_id"]).all()
    assert set(f["shifts.csv"]["window"]) <= set(tables[size].settings["windows"])
    assert set(f["volunteers.csv"]["mode"]) <= set(tables[size].settings["modes"])


@pytest.mark.parametrize("size", SIZES)
def test_value_domains(size: str, tables: dict[str, ScenarioTables]) -> None:
    """Cells hold values of the documented kinds and ranges."""
    f = tables[size].frames
    for name in ("depots.csv", "buildings.csv"):
        for column in ("x_m", "y_m"):
            values = f[name][column]
            assert (values.round(1) == values).all()
    b = f["buildings.csv"]
    assert (b["elevator"] == (b["floors"] > 7)).all()
    assert b["name"].str.fullmatch(r".*\d+号楼").all()
    h = f["households.csv"].merge(b[["building_id", "floors"]], on="building_id")
    assert h["floor"].between(1, h["floors"]).all()
    assert h["members"].between(1, 5).all()
    assert h["unit"].str.fullmatch(r"\d+-\d+\d\d").all()
    assert (h["unit"].str.split("-").str[1].str[:-2].astype(int) == h["floor"]).all()
    assert h["phone"].str.fullmatch(r"138\d{8}").all()
    assert h["phone"].is_unique
    assert not h.duplicated(["building_id", "unit"]).any()
    assert h["name"].str.fullmatch(r"\w(先生|女士|奶奶|爷爷)").all()
    flags = h["vulnerable"].dropna().str.split(";").explode()
    assert flags.str.fullmatch(r"[a-z_]+").all()
    assert 0.02 < h["vulnerable"].notna().mean() < 0.4  # mostly empty

    o = f["orders.csv"]
    assert o["window"].isin(["AM", "PM"]).all()
    assert o["date"].map(lambda d: datetime.date.fromisoformat(d).isoformat() == d).all()
    assert (o["weight_kg"] > 0).all()
    assert (o["weight_kg"] <= 8.0).all()
    assert (o["weight_kg"].round(1) == o["weight_kg"]).all()
    assert o["bags"].between(1, 3).all()
    assert o["priority"].isin(["normal", "urgent", "medicine"]).all()
    assert not o.duplicated(["household_id", "date", "window"]).any()  # once per window
    due = o["due"].dropna()
    assert due.str.fullmatch(r"\d\d:\d\d").all()
    medicine = o[o["priority"] == "medicine"]
    assert medicine["due"].notna().all()
    starts = medicine["window"].map(lambda w: WINDOW_SPAN_S[w][0])
    lead = medicine["due"].map(clock_s) - starts
    assert lead.between(60 * 60, 120 * 60).all()

    v = f["volunteers.csv"]
    assert v["mode"].isin(["walk", "cart", "ebike"]).all()
    assert (v["capacity_kg"] > 0).all()
    assert (v["capacity_bags"] >= 1).all()
    assert v["door_to_door"].dtype == bool
    trips = v["max_trips"].dropna()
    assert (trips >= 1).all()
    assert len(trips) < 0.25 * len(v)  # mostly empty
    # every order fits into some volunteer's single trip
    assert o["weight_kg"].max() <= v["capacity_kg"].min()
    assert o["bags"].max() <= v["capacity_bags"].min()


@pytest.mark.parametrize("size", SIZES)
def test_priority_mix(size: str, tables: dict[str, ScenarioTables]) -> None:
    """About 5 % medicine and 5 % urgent orders overall."""
    share = tables[size].frames["orders.csv"]["priority"].value_counts(normalize=True)
    assert 0.02 < share["medicine"] < 0.09
    assert 0.02 < share["urgent"] < 0.09


# ----------------------------------------------------------------------------- sizes


def test_building_targets(tables: dict[str, ScenarioTables]) -> None:
    """One sealed 18-floor building of 183 households, 250-350 m from its one depot."""
    t = tables["building"]
    f = t.frames
    d, b = f["depots.csv"], f["buildings.csv"]
    assert len(d) == 1
    assert len(b) == 1
    assert b.loc[0, "floors"] == 18
    assert bool(b.loc[0, "elevator"])
    assert bool(b.loc[0, "sealed"])
    dist = math.hypot(d.loc[0, "x_m"] - b.loc[0, "x_m"], d.loc[0, "y_m"] - b.loc[0, "y_m"])
    assert 250 <= dist <= 350
    assert len(f["households.csv"]) == 183
    per_window = f["orders.csv"].groupby(["date", "window"]).size()
    assert per_window.between(55, 65).all()
    assert len(per_window) == 20
    v = f["volunteers.csv"]
    assert len(v) == 12
    assert (v["mode"] == "walk").all()
    assert int(v["door_to_door"].sum()) == 8
    assert v["capacity_kg"].between(15, 25).all()
    assert v["capacity_bags"].between(6, 8).all()
    shifts = on_shift(t).groupby(["date", "window"])
    assert shifts.size().between(8, 10).all()
    assert (shifts["door_to_door"].sum() >= 5).all()
    assert len(shifts) == 20


def test_compound_targets(tables: dict[str, ScenarioTables]) -> None:
    """~30 buildings over ~600 x 500 m, ~1,800 households, ~600 orders and ~40 volunteers."""
    t = tables["compound"]
    f = t.frames
    b = f["buildings.csv"]
    assert len(f["depots.csv"]) == 1
    assert 28 <= len(b) <= 32
    assert b["x_m"].max() - b["x_m"].min() <= 650
    assert b["y_m"].max() - b["y_m"].min() <= 550
    sealed = b[b["sealed"]]
    assert len(sealed) == 1
    assert sealed["floors"].tolist() == [6]
    assert not sealed["elevator"].any()
    assert 1700 <= len(f["households.csv"]) <= 1900
    o = merged_orders(t)
    per_window = o.groupby(["date", "window"]).size()
    assert per_window.between(540, 660).all()
    sealed_per_window = o[o["sealed"]].groupby(["date", "window"]).size()
    assert len(sealed_per_window) == len(per_window)
    assert sealed_per_window.between(20, 30).all()
    v = f["volunteers.csv"]
    assert 38 <= len(v) <= 42
    assert set(v["mode"]) == {"walk", "cart"}
    assert v["door_to_door"].sum() in range(8, 11)
    walk, cart = v[v["mode"] == "walk"], v[v["mode"] == "cart"]
    assert walk["capacity_kg"].between(15, 20).all()
    assert walk["capacity_bags"].between(6, 8).all()
    assert cart["capacity_kg"].between(35, 45).all()
    assert cart["capacity_bags"].between(12, 15).all()
    shifts = on_shift(t).groupby(["date", "window"])
    assert shifts.size().between(35, 40).all()
    assert (shifts["door_to_door"].sum() >= 4).all()


def test_district_counts(tables: dict[str, ScenarioTables]) -> None:
    """8 communities, ~400 buildings (~5 % sealed), ~8,000 orders per window, ~400 volunteers."""
    t = tables["district"]
    f = t.frames
    d, b, v = f["depots.csv"], f["buildings.csv"], f["volunteers.csv"]
    assert len(d) == 8
    assert 380 <= len(b) <= 420
    assert 0.03 <= b["sealed"].mean() <= 0.07
    assert b["x_m"].max() - b["x_m"].min() <= 4200
    assert b["y_m"].max() - b["y_m"].min() <= 3200
    per_window = f["orders.csv"].groupby(["date", "window"]).size()
    assert per_window.between(7600, 8400).all()
    assert 380 <= len(v) <= 420
    assert set(v["mode"]) == {"walk", "cart", "ebike"}
    assert set(v["depot_id"]) == set(d["depot_id"])
    d2d = on_shift(t).groupby(["date", "window", "depot_id"])["door_to_door"].sum()
    assert len(d2d) == 2 * 8
    assert (d2d >= 2).all()  # door-to-door volunteers on shift in every community


def greedy_delivered(t: ScenarioTables, day: str, window: str, time_share: float) -> float:
    """Share of one window's orders a naive greedy planner delivers in TIME_SHARE of the window.

    Couriers leave whenever they are free (reload between trips) and take the most pressing
    order they may serve (sealed buildings need door-to-door volunteers) plus, from that
    building and then the nearest others (at most three stops), whatever still fits. A trip
    is made only if it returns in time and reaches every due order by its due time. Travel
    is straight line x detour; service times as in FORMATS.md.
    """
    f = t.frames
    service = t.settings["service"]
    detour = t.settings["distance"]["detour"]
    places = {
        row.building_id: (row.x_m, row.y_m, bool(row.sealed), bool(row.elevator))
        for row in f["buildings.csv"].itertuples()
    }
    depots = {row.depot_id: (row.x_m, row.y_m) for row in f["depots.csv"].itertuples()}
    orders = merged_orders(t)
    orders = orders[(orders["date"] == day) & (orders["window"] == window)]
    start, end = WINDOW_SPAN_S[window]
    end = start + time_share * (end - start)
    rank = {"medicine": 0, "urgent": 1, "normal": 2}
    waiting: dict[str, list[tuple[int, float, float, int, float]]] = {}
    for o in orders.itertuples():
        _, _, sealed, elevator = places[o.building_id]
        door = (
            0
            if not sealed
            else service["lift_s"]
            if elevator
            else service["floor_s"] * (o.floor - 1)
        )
        due = clock_s(o.due) if isinstance(o.due, str) else math.inf
        waiting.setdefault(o.building_id, []).append(
            (rank[o.priority], due, o.weight_kg, o.bags, service["order_s"] + door)
        )
    for queue in waiting.values():
        queue.sort()
    crew = on_shift(t)
    crew = crew[(crew["date"] == day) & (crew["window"] == window)]
    free = {row.volunteer_id: float(start) for row in crew.itertuples()}
    info = {row.volunteer_id: row for row in crew.itertuples()}
    trips = dict.fromkeys(free, 0)
    delivered = 0

    def dist(a: tuple[float, float], b: str) -> float:
        return math.hypot(a[0] - places[b][0], a[1] - places[b][1]) * detour

    while free:
        vid = min(free, key=lambda k: (free[k], k))
        v = info[vid]
        home = depots[v.depot_id]
        allowed = [b for b, q in waiting.items() if q and (v.door_to_door or not places[b][2])]
        if not allowed or (not pd.isna(v.max_trips) and trips[vid] >= v.max_trips):
            del free[vid]
            continue
        speed = SPEED_M_S[v.mode]
        clock = free[vid] + (service["reload_s"] if trips[vid] else 0)
        pos, kg, bags, taken = home, 0.0, 0, []
        first = min(allowed, key=lambda b: (waiting[b][0][:2], dist(home, b)))
        stops = [first, *sorted((b for b in allowed if b != first), key=lambda b: dist(home, b))]
        ok = True
        for b in stops[:3]:
            picked = []
            for o in waiting[b]:
                if kg + o[2] <= v.capacity_kg and bags + o[3] <= v.capacity_bags:
                    picked.append(o)
                    kg, bags = kg + o[2], bags + o[3]
            if not picked:
                break
            clock += dist(pos, b) / speed
            ok = ok and all(clock <= o[1] for o in picked)
            clock += service["stop_s"] + sum(o[4] for o in picked)
            pos = places[b][:2]
            taken.append((b, picked))
        clock += math.hypot(pos[0] - home[0], pos[1] - home[1]) * detour / speed
        if not ok or clock > end:
            del free[vid]
            continue
        for b, picked in taken:
            for o in picked:
                waiting[b].remove(o)
            delivered += len(picked)
        free[vid], trips[vid] = clock, trips[vid] + 1
    return delivered / len(orders)


@pytest.mark.parametrize("size", ["building", "compound"])
def test_windows_comfortably_deliverable(size: str, tables: dict[str, ScenarioTables]) -> None:
    """Every window is fully delivered by a naive greedy planner in 75 % of its time."""
    t = tables[size]
    windows = t.frames["orders.csv"][["date", "window"]].drop_duplicates()
    for day, window in windows.itertuples(index=False):
        assert greedy_delivered(t, day, window, 0.75) == 1.0, (day, window)


# ----------------------------------------------------------------------------- determinism


@pytest.mark.parametrize("size", ["building", "compound"])
def test_same_seed_same_tables(size: str, tables: dict[str, ScenarioTables]) -> None:
    """The same arguments give equal frames and settings."""
    again = synthetic_tables(size, 0, paths=True)
    assert again.settings == tables[size].settings
    for name, frame in tables[size].frames.items():
        pd.testing.assert_frame_equal(again.frames[name], frame, obj=name)


@pytest.mark.parametrize("size", ["building", "compound"])
def test_other_seed_other_tables(size: str, tables: dict[str, ScenarioTables]) -> None:
    """A different seed gives different orders, households and coordinates."""
    other = synthetic_tables(size, 1, paths=True)
    for name in ("orders.csv", "households.csv", "depots.csv", "volunteers.csv", "paths.csv"):
        assert not other.frames[name].equals(tables[size].frames[name]), name


@pytest.mark.parametrize("size", ["building", "compound"])
def test_longer_horizon_extends_shorter(size: str, tables: dict[str, ScenarioTables]) -> None:
    """days and paths change only what depends on them: the first days stay the same."""
    short = synthetic_tables(size, 0, days=2)
    full = tables[size].frames
    for name in ("depots.csv", "buildings.csv", "households.csv", "volunteers.csv"):
        pd.testing.assert_frame_equal(short.frames[name], full[name], obj=name)
    for name in ("orders.csv", "shifts.csv"):
        head = full[name][full[name]["date"] <= "2020-02-11"].reset_index(drop=True)
        pd.testing.assert_frame_equal(short.frames[name], head, obj=name)


def test_files_byte_identical(tmp_path: Path) -> None:
    """Writing the same scenario twice gives byte-identical files."""
    a = write_synthetic(tmp_path / "a", "compound", 7, days=2, paths=True)
    b = write_synthetic(tmp_path / "b", "compound", 7, days=2, paths=True)
    names = sorted(p.name for p in a.iterdir())
    assert names == sorted(p.name for p in b.iterdir())
    assert "scenario.toml" in names
    for name in names:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


# ----------------------------------------------------------------------------- files


@pytest.mark.parametrize("size", SIZES)
def test_write_round_trip_independent_checker(size: str, tmp_path: Path) -> None:
    """Written folders are read back by the independent stdlib checker with the same content."""
    if not (TOOLS / "verify_plan.py").is_file():
        pytest.skip(f"independent checker not found at {TOOLS / 'verify_plan.py'}")
    sys.path.insert(0, str(TOOLS))
    try:
        import verify_plan
    finally:
        sys.path.remove(str(TOOLS))
    t = synthetic_tables(size, 5, days=1, paths=True)
    folder = t.write(tmp_path / "scenario")
    assert folder == tmp_path / "scenario"
    scn = verify_plan.load_scenario(folder)
    f = t.frames
    assert scn.name == t.settings["name"]
    assert set(scn.windows) == {"AM", "PM"}
    assert scn.service["floor_s"] == 45
    assert scn.modes["ebike"] == 12.0
    assert scn.depots == set(f["depots.csv"]["depot_id"])
    assert len(scn.buildings) == len(f["buildings.csv"])
    sealed = {bid for bid, bld in scn.buildings.items() if bld.sealed}
    assert sealed == set(f["buildings.csv"].loc[f["buildings.csv"]["sealed"], "building_id"])
    assert len(scn.households) == len(f["households.csv"])
    assert len(scn.orders) == len(f["orders.csv"])
    assert all(order.problem is None for order in scn.orders.values())
    medicine = [o for o in scn.orders.values() if o.priority == "medicine"]
    assert medicine
    assert all(o.due is not None for o in medicine)
    assert len(scn.volunteers) == len(f["volunteers.csv"])
    d2d = {vid for vid, vol in scn.volunteers.items() if vol.door_to_door}
    v = f["volunteers.csv"]
    assert d2d == set(v.loc[v["door_to_door"], "volunteer_id"])
    assert len(scn.shifts) == len(f["shifts.csv"])
    for depot in scn.depots:
        assert all(scn.distance(depot, bid) is not None for bid in scn.buildings)
    text = (folder / "scenario.toml").read_text(encoding="utf-8")
    assert tomllib.loads(text) == dict(t.settings)
    assert not (folder / "households.csv").read_bytes().startswith(b"\xef\xbb\xbf")


def test_csv_text_spelling(tmp_path: Path) -> None:
    """Booleans are written true/false, missing cells empty, integers without '.0'."""
    folder = write_synthetic(tmp_path, "building", 2, days=1)
    buildings = (folder / "buildings.csv").read_text(encoding="utf-8").splitlines()
    assert buildings[1].endswith(",18,true,true")
    volunteers = (folder / "volunteers.csv").read_text(encoding="utf-8")
    assert re.search(r",(true|false),(\d+)?$", volunteers.splitlines()[1])
    assert ".0\n" not in volunteers
    assert "\r" not in volunteers


def test_write_removes_stale_paths(tmp_path: Path) -> None:
    """Rewriting a folder without paths removes a paths.csv of an earlier scenario."""
    write_synthetic(tmp_path, "building", 0, days=1, paths=True)
    assert (tmp_path / "paths.csv").is_file()
    write_synthetic(tmp_path, "building", 1, days=1)
    assert not (tmp_path / "paths.csv").exists()


def test_write_rejects_path_like_frame_names(tmp_path: Path) -> None:
    """A frame name must be a plain *.csv file name (nothing is written outside the folder)."""
    t = synthetic_tables("building", days=1)
    bad = ScenarioTables(t.settings, {"../orders.csv": t.frames["orders.csv"]})
    with pytest.raises(ValueError, match="file name"):
        bad.write(tmp_path / "s")
    assert not (tmp_path / "orders.csv").exists()


def test_toml_escaping_round_trip() -> None:
    """Strings with quotes, backslashes, newlines and control characters survive tomllib."""
    settings = {
        "name": 'He said "封控"\\ \n\ttab\x01\x7f end',
        "flag": True,
        "windows": {"Night shift": {"start": "20:00", "end": "23:30"}},
        "service": {"stop_s": 120, "detour": 1.25},
        "empty": {},
    }
    assert tomllib.loads(_toml_document(settings)) == settings


# ----------------------------------------------------------------------------- paths


@pytest.mark.parametrize("size", SIZES)
def test_paths_graph_connected(size: str, tables: dict[str, ScenarioTables]) -> None:
    """The street graph is connected and every building is reachable from every depot."""
    f = tables[size].frames
    p = f["paths.csv"]
    assert (p["length_m"] >= 1.0).all()
    assert (p["length_m"].round(1) == p["length_m"]).all()
    graph = nx.from_pandas_edgelist(p, "from", "to", edge_attr="length_m")
    assert nx.is_connected(graph)
    depots = f["depots.csv"]["depot_id"].tolist()
    buildings = f["buildings.csv"]["building_id"].tolist()
    assert set(depots) | set(buildings) <= set(graph.nodes)
    reach = nx.node_connected_component(graph, depots[0])
    assert set(buildings) <= reach
    junctions = [n for n in graph.nodes if n not in set(depots) | set(buildings)]
    assert all(re.fullmatch(r"J\d{2,}_\d{2,}", j) for j in junctions)
    # depots and buildings hang off the grid: one edge each, to a junction
    for place in depots + buildings:
        assert graph.degree(place) == 1
        assert next(iter(graph.neighbors(place))) in junctions


def test_paths_lengths_match_geometry(tables: dict[str, ScenarioTables]) -> None:
    """Grid spacing is ~80-120 m and a shortest path is at least the straight line."""
    t = tables["compound"]
    f = t.frames
    p = f["paths.csv"]
    grid = p[p["from"].str.startswith("J") & p["to"].str.startswith("J")]
    assert grid["length_m"].between(55, 150).all()
    graph = nx.from_pandas_edgelist(p, "from", "to", edge_attr="length_m")
    depot = f["depots.csv"].iloc[0]
    lengths = nx.single_source_dijkstra_path_length(graph, depot["depot_id"], weight="length_m")
    for row in f["buildings.csv"].itertuples():
        straight = math.hypot(row.x_m - depot["x_m"], row.y_m - depot["y_m"])
        assert straight - 0.5 <= lengths[row.building_id] <= 3 * straight + 300
