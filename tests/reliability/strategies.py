"""Hypothesis strategies: small valid scenarios as scenario-file tables.

A :class:`Tables` is what a scenario folder holds: one DataFrame of strings per CSV file
and the text of ``scenario.toml``. It can be written as a folder (for the independent
checker) or turned into a :class:`~basket_route.Scenario` directly, and edited first
(add a volunteer, remove an order) to compare two plans.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from hypothesis import strategies as st

import basket_route as br

DAY = "2020-02-10"
VOLUNTEER_COLUMNS = [
    "volunteer_id",
    "name",
    "depot_id",
    "mode",
    "capacity_kg",
    "capacity_bags",
    "door_to_door",
    "max_trips",
]


@dataclass(frozen=True)
class Tables:
    """The files of a scenario folder: CSV tables (all cells text) and scenario.toml."""

    frames: dict[str, pd.DataFrame]
    toml: str = field(default="")

    def scenario(self) -> br.Scenario:
        """The scenario these tables describe (same checks as reading the folder)."""
        return br.scenario_from_frames(self.frames, tomllib.loads(self.toml))

    def write(self, folder: Path) -> Path:
        """Write the tables as a scenario folder and return it."""
        folder.mkdir(parents=True, exist_ok=True)
        for name, frame in self.frames.items():
            frame.to_csv(folder / name, index=False)
        (folder / "scenario.toml").write_text(self.toml, encoding="utf-8")
        return folder

    def with_volunteer(self, row: dict[str, str]) -> Tables:
        """These tables plus volunteer ROW, on shift in the AM window of DAY."""
        frames = dict(self.frames)
        frames["volunteers.csv"] = pd.concat(
            [frames["volunteers.csv"], pd.DataFrame([row], columns=VOLUNTEER_COLUMNS)],
            ignore_index=True,
        )
        shift = pd.DataFrame([{"volunteer_id": row["volunteer_id"], "date": DAY, "window": "AM"}])
        frames["shifts.csv"] = pd.concat([frames["shifts.csv"], shift], ignore_index=True)
        return Tables(frames, self.toml)

    def without_order(self, order_id: str) -> Tables:
        """These tables without order ORDER_ID."""
        frames = dict(self.frames)
        orders = frames["orders.csv"]
        frames["orders.csv"] = orders[orders["order_id"] != order_id].reset_index(drop=True)
        return Tables(frames, self.toml)


def _text(values: Sequence[object]) -> list[str]:
    return [str(v) for v in values]


@st.composite
def volunteer_rows(draw: st.DrawFn, volunteer_id: str, depots: list[str]) -> dict[str, str]:
    """One volunteers.csv row: any depot, mode, capacities (empty = unlimited), skills."""
    return {
        "volunteer_id": volunteer_id,
        "name": volunteer_id,
        "depot_id": draw(st.sampled_from(depots)),
        "mode": draw(st.sampled_from(["walk", "cart", "ebike"])),
        "capacity_kg": draw(st.sampled_from(["8", "15", "25", ""])),
        "capacity_bags": draw(st.sampled_from(["3", "5", "8", ""])),
        "door_to_door": draw(st.sampled_from(["true", "false"])),
        "max_trips": draw(st.sampled_from(["", "", "1", "2"])),
    }


def _paths(
    draw: st.DrawFn, places: dict[str, tuple[int, int]], buildings: list[str]
) -> pd.DataFrame:
    """A walking graph: a junction per building, each hung off an earlier node; some
    buildings are left without an edge (unreachable) and some edges are one-way."""
    nodes = [p for p in places if p not in buildings]  # the depots
    rows = []
    at = dict(places)
    for b in buildings:
        if draw(st.integers(0, 9)) == 0:
            continue  # disconnected building
        junction = f"J{b}"
        x, y = places[b]
        at[junction] = (x + draw(st.integers(-60, 60)), y + draw(st.integers(-60, 60)))
        parent = draw(st.sampled_from(nodes))
        for a, c in ((parent, junction), (junction, b)):
            straight = math.dist(at[a], at[c])
            length = round(straight * draw(st.sampled_from([0.0, 1.0, 1.2, 1.5])), 1)
            rows.append({"from": a, "to": c, "length_m": str(length), "oneway": "false"})
        nodes += [junction, b]
    one_way = draw(st.booleans())
    if rows and one_way:
        rows[-1]["oneway"] = "true"  # a one-way last edge: maybe no way back
    return pd.DataFrame(rows, columns=["from", "to", "length_m", "oneway"])


@st.composite
def tables(draw: st.DrawFn) -> Tables:
    """Random valid scenario tables: 1-2 depots, 1-4 buildings (some sealed), 0-12 AM orders
    of 2020-02-10 with priorities and due times, 0-4 volunteers, sometimes a walking graph."""
    n_dep = draw(st.integers(1, 2))
    depots = [f"D{i + 1}" for i in range(n_dep)]
    places = {"D1": (0, 0)}
    if n_dep == 2:
        places["D2"] = (draw(st.integers(-900, 900)), draw(st.integers(-900, 900)))
    n_b = draw(st.integers(1, 4))
    buildings = [f"B{i + 1}" for i in range(n_b)]
    floors = [draw(st.integers(1, 12)) for _ in buildings]
    for b in buildings:
        places[b] = (draw(st.integers(-800, 800)), draw(st.integers(-800, 800)))
    homes = []
    for b, top in zip(buildings, floors, strict=True):
        for k in range(draw(st.integers(1, 3))):
            homes.append((f"H{b[1:]}{k}", b, draw(st.integers(1, top))))
    n_o = draw(st.integers(0, 12))
    order_rows = [
        {
            "order_id": f"O{i:02d}",
            "household_id": draw(st.sampled_from(homes))[0],
            "date": DAY,
            "window": "AM",
            "weight_kg": str(draw(st.sampled_from([0.5, 2, 5.5, 9, 14, 30]))),
            "bags": str(draw(st.integers(1, 4))),
            "priority": draw(st.sampled_from(["normal", "normal", "urgent", "medicine"])),
            "due": draw(st.sampled_from(["", "", "09:20", "10:30", "11:59"])),
        }
        for i in range(n_o)
    ]
    n_v = draw(st.sampled_from([2, 1, 3, 4, 2, 0]))  # nobody at all now and then
    vol_rows = [draw(volunteer_rows(f"V{i + 1}", depots)) for i in range(n_v)]
    on_shift = [v["volunteer_id"] for v in vol_rows if draw(st.integers(0, 6)) > 0]
    frames = {
        "depots.csv": pd.DataFrame(
            {
                "depot_id": depots,
                "x_m": _text([places[d][0] for d in depots]),
                "y_m": _text([places[d][1] for d in depots]),
            }
        ),
        "buildings.csv": pd.DataFrame(
            {
                "building_id": buildings,
                "x_m": _text([places[b][0] for b in buildings]),
                "y_m": _text([places[b][1] for b in buildings]),
                "floors": _text(floors),
                "elevator": [draw(st.sampled_from(["true", "false"])) for _ in buildings],
                "sealed": [draw(st.sampled_from(["true", "false", "false"])) for _ in buildings],
            }
        ),
        "households.csv": pd.DataFrame(
            {
                "household_id": [h for h, _, _ in homes],
                "building_id": [b for _, b, _ in homes],
                "floor": _text([f for _, _, f in homes]),
            }
        ),
        "orders.csv": pd.DataFrame(
            order_rows,
            columns=[
                "order_id",
                "household_id",
                "date",
                "window",
                "weight_kg",
                "bags",
                "priority",
                "due",
            ],
        ),
        "volunteers.csv": pd.DataFrame(vol_rows, columns=VOLUNTEER_COLUMNS),
        "shifts.csv": pd.DataFrame(
            {
                "volunteer_id": on_shift,
                "date": [DAY] * len(on_shift),
                "window": ["AM"] * len(on_shift),
            },
            columns=["volunteer_id", "date", "window"],
        ),
    }
    if draw(st.integers(0, 3)) == 0:
        frames["paths.csv"] = _paths(draw, places, buildings)
    end = draw(st.sampled_from(["09:45", "10:30", "12:00"]))
    toml = f'name = "hypothesis"\n[windows.AM]\nstart = "09:00"\nend = "{end}"\n'
    return Tables(frames, toml)
