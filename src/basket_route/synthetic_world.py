"""Where a synthetic scenario happens: depots, buildings and streets, by scenario size.

Internal to :mod:`basket_route.scenarios`. A layout (one per size in :data:`LAYOUTS`)
places the depots and buildings and decides how many households and orders the world
holds; :func:`street_paths` lays a street grid over it. The people living and working in it come
from :mod:`basket_route.synthetic_people`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike

if TYPE_CHECKING:  # pandas is imported where used: ~0.4 s of start-up
    import pandas as pd

__all__ = ["LAYOUTS", "World", "street_paths"]

_PLACES = (
    "青湖", "花半里", "幸福里", "锦绣", "翠竹", "阳光", "和平", "桂花", "紫荆", "东湖", "南苑",
    "梧桐", "丽水", "春晖", "百步亭", "新华",
)  # fmt: skip


# ----------------------------------------------------------------------------- layout


@dataclass(slots=True)
class _Buildings:
    """Building columns plus what later stages need (number in its name, units per floor)."""

    ids: list[str]
    names: list[str]
    numbers: list[int]
    x: np.ndarray[Any, np.dtype[np.float64]]
    y: np.ndarray[Any, np.dtype[np.float64]]
    floors: list[int]
    units_per_floor: list[int]
    sealed: list[bool]
    group: list[int]  # index of the community (depot) the building belongs to

    def frame(self) -> pd.DataFrame:
        import pandas as pd

        return pd.DataFrame(
            {
                "building_id": self.ids,
                "name": self.names,
                "x_m": np.round(self.x, 1),
                "y_m": np.round(self.y, 1),
                "floors": np.array(self.floors, dtype=np.int64),
                "elevator": np.array([f > 7 for f in self.floors], dtype=bool),
                "sealed": np.array(self.sealed, dtype=bool),
            }
        )


@dataclass(slots=True)
class World:
    """What the size-specific layout decides; every later stage is shared."""

    size: str
    name: str
    depots: pd.DataFrame
    buildings: _Buildings
    households: int  # target number of households
    orders_per_window: tuple[int, int]  # inclusive range of orders per window
    sealed_orders: tuple[int, int] | None  # per window, for the one sealed building


def _depots(ids: list[str], names: list[str], x: ArrayLike, y: ArrayLike) -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame(
        {
            "depot_id": ids,
            "name": names,
            "x_m": np.round(np.asarray(x, dtype=float), 1),
            "y_m": np.round(np.asarray(y, dtype=float), 1),
        }
    )


def _layout_building(rng: np.random.Generator, seed: int) -> World:
    place = str(rng.choice(_PLACES))
    number = int(rng.integers(1, 21))
    bx, by = 400.0 + rng.uniform(-20, 20), 350.0 + rng.uniform(-20, 20)
    radius, angle = rng.uniform(260, 340), rng.uniform(0, 2 * math.pi)
    depots = _depots(
        ["D1"],
        [f"{place}社区服务中心"],
        [bx + radius * math.cos(angle)],
        [by + radius * math.sin(angle)],
    )
    buildings = _Buildings(
        ids=["B001"],
        names=[f"{number}号楼"],
        numbers=[number],
        x=np.array([bx]),
        y=np.array([by]),
        floors=[18],
        units_per_floor=[11],
        sealed=[True],
        group=[0],
    )
    name = f"{place}{number}号楼封控 (synthetic building, seed {seed})"
    return World("building", name, depots, buildings, 183, (55, 65), None)


def _layout_compound(rng: np.random.Generator, seed: int) -> World:
    place = str(rng.choice(_PLACES))
    cols, rows = 6, 5
    n = cols * rows
    c = np.tile(np.arange(cols), rows)
    r = np.repeat(np.arange(rows), cols)
    x = 50.0 + 100.0 * c + rng.uniform(-12, 12, n)
    y = 70.0 + 95.0 * r + rng.uniform(-12, 12, n)
    tower = rng.random(n) < 0.3
    floors = np.where(tower, rng.choice([11, 14, 18], n), rng.choice([5, 6, 6, 6, 7], n))
    upf = np.where(tower, rng.integers(4, 9, n), rng.integers(8, 13, n))
    walkups = np.flatnonzero(~tower)
    sealed_at = int(rng.choice(walkups)) if walkups.size else 0
    floors[sealed_at] = 6
    upf[sealed_at] = max(int(upf[sealed_at]), 10)
    sealed = [i == sealed_at for i in range(n)]
    depots = _depots(["D1"], [f"{place}小区南门物资点"], [300.0 + rng.uniform(-40, 40)], [15.0])
    buildings = _Buildings(
        ids=[f"B{i + 1:03d}" for i in range(n)],
        names=[f"{i + 1}号楼" for i in range(n)],
        numbers=list(range(1, n + 1)),
        x=x,
        y=y,
        floors=[int(f) for f in floors],
        units_per_floor=[int(u) for u in upf],
        sealed=sealed,
        group=[0] * n,
    )
    target = int(rng.integers(1760, 1841))
    name = f"{place}小区 (synthetic compound, seed {seed})"
    return World("compound", name, depots, buildings, target, (540, 660), (20, 30))


def _layout_district(rng: np.random.Generator, seed: int) -> World:
    n_depots, n_buildings = 8, 400
    names = [str(p) for p in rng.choice(_PLACES, n_depots, replace=False)]
    dx = 500.0 + 1000.0 * (np.arange(n_depots) % 4) + rng.uniform(-150, 150, n_depots)
    dy = 750.0 + 1500.0 * (np.arange(n_depots) // 4) + rng.uniform(-200, 200, n_depots)
    depots = _depots(
        [f"D{i + 1}" for i in range(n_depots)], [f"{p}社区服务中心" for p in names], dx, dy
    )
    counts = rng.multinomial(n_buildings - 40 * n_depots, [1 / n_depots] * n_depots) + 40
    group = np.repeat(np.arange(n_depots), counts)
    cx = 500.0 + 1000.0 * (group % 4)
    cy = 750.0 + 1500.0 * (group // 4)
    x = dx[group] + rng.normal(0, 230, n_buildings)
    y = dy[group] + rng.normal(0, 280, n_buildings)
    outside = (np.abs(x - cx) > 480) | (np.abs(y - cy) > 730)
    while outside.any():  # redraw buildings outside their community's cell
        k = int(outside.sum())
        x[outside] = dx[group][outside] + rng.normal(0, 230, k)
        y[outside] = dy[group][outside] + rng.normal(0, 280, k)
        outside = (np.abs(x - cx) > 480) | (np.abs(y - cy) > 730)
    # keep buildings at least 25 m from their depot (push outwards along the same bearing)
    ox, oy = x - dx[group], y - dy[group]
    dist = np.hypot(ox, oy)
    near = dist < 25.0
    bearing = np.where(dist > 0, np.arctan2(oy, ox), rng.uniform(0, 2 * math.pi, n_buildings))
    x = np.where(near, dx[group] + 25.0 * np.cos(bearing), x)
    y = np.where(near, dy[group] + 25.0 * np.sin(bearing), y)
    kind = rng.choice(3, n_buildings, p=[0.55, 0.25, 0.2])
    floors = np.select(
        [kind == 0, kind == 1],
        [rng.choice([5, 6, 6, 7], n_buildings), np.full(n_buildings, 11)],
        rng.choice([18, 24, 26, 33], n_buildings),
    )
    upf = np.select(
        [kind == 0, kind == 1],
        [rng.integers(6, 11, n_buildings), rng.integers(4, 9, n_buildings)],
        rng.integers(4, 7, n_buildings),
    )
    sealed = np.zeros(n_buildings, dtype=bool)
    sealed[rng.choice(n_buildings, round(0.05 * n_buildings), replace=False)] = True
    numbers: list[int] = []
    for g in range(n_depots):
        numbers.extend(int(k) + 1 for k in rng.permutation(int(counts[g])))
    buildings = _Buildings(
        ids=[f"B{i + 1:03d}" for i in range(n_buildings)],
        names=[f"{names[g]}{k}号楼" for g, k in zip(group, numbers, strict=True)],
        numbers=numbers,
        x=x,
        y=y,
        floors=[int(f) for f in floors],
        units_per_floor=[int(u) for u in upf],
        sealed=[bool(s) for s in sealed],
        group=[int(g) for g in group],
    )
    target = int(rng.integers(23500, 24501))
    name = f"{names[0]}街道 (synthetic district, seed {seed})"
    return World("district", name, depots, buildings, target, (7600, 8400), None)


LAYOUTS = {
    "building": _layout_building,
    "compound": _layout_compound,
    "district": _layout_district,
}


# ----------------------------------------------------------------------------- paths


def street_paths(rng: np.random.Generator, world: World) -> pd.DataFrame:
    """A jittered street grid with a few blocked streets (kept connected) plus connectors."""
    import pandas as pd

    place_ids = world.depots["depot_id"].tolist() + world.buildings.ids
    px = np.concatenate([world.depots["x_m"].to_numpy(dtype=float), np.round(world.buildings.x, 1)])
    py = np.concatenate([world.depots["y_m"].to_numpy(dtype=float), np.round(world.buildings.y, 1)])
    spacing = float(rng.uniform(80, 120))
    margin = 0.5 * spacing
    x0, y0 = float(px.min()) - margin, float(py.min()) - margin
    n_cols = max(2, math.ceil((float(px.max()) + margin - x0) / spacing) + 1)
    n_rows = max(2, math.ceil((float(py.max()) + margin - y0) / spacing) + 1)
    width = max(2, len(str(max(n_rows, n_cols) - 1)))
    r = np.repeat(np.arange(n_rows), n_cols)
    c = np.tile(np.arange(n_cols), n_rows)
    jx = np.round(x0 + c * spacing + rng.uniform(-0.1, 0.1, r.size) * spacing, 1)
    jy = np.round(y0 + r * spacing + rng.uniform(-0.1, 0.1, r.size) * spacing, 1)
    junctions = [f"J{i:0{width}d}_{j:0{width}d}" for i, j in zip(r, c, strict=True)]
    edges = [(k, k + 1) for k in range(r.size) if c[k] + 1 < n_cols]
    edges += [(k, k + n_cols) for k in range(r.size) if r[k] + 1 < n_rows]
    # random spanning tree (Kruskal over shuffled edges) + most of the remaining streets
    parent = list(range(r.size))

    def root(k: int) -> int:
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    keep = rng.random(len(edges)) < 0.9
    for e in rng.permutation(len(edges)):
        a, b = root(edges[e][0]), root(edges[e][1])
        if a != b:
            parent[a] = b
            keep[e] = True
    rows: list[tuple[str, str, float]] = []
    for (a, b), kept in zip(edges, keep, strict=True):
        if kept:
            length = round(math.hypot(jx[b] - jx[a], jy[b] - jy[a]), 1)
            rows.append((junctions[a], junctions[b], length))
    for pid, x, y in zip(place_ids, px, py, strict=True):
        d = np.hypot(jx - x, jy - y)
        k = int(np.argmin(d))
        rows.append((pid, junctions[k], max(1.0, round(float(d[k]), 1))))
    frame = pd.DataFrame(rows, columns=["from", "to", "length_m"])
    frame["length_m"] = frame["length_m"].astype(np.float64)
    return frame
