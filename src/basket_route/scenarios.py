"""Synthetic lockdown delivery scenarios, generated deterministically from a seed.

Three sizes tell three stories:

``building``
    One 18-floor building sealed after a confirmed case: 183 households may not leave
    for 10 days, and a dozen volunteers carry their groceries door to door from the
    community service centre 250-350 m away.
``compound``
    A residential compound of 30 buildings (about 1,800 households) supplied from one
    depot at the gate by about 40 volunteers on foot or with carts; one six-floor
    walk-up is sealed.
``district``
    A district of 8 communities (about 400 buildings over 4 km x 3 km), each with its
    service centre and its own volunteers on foot, with carts or on e-bikes; about 5 % of
    the buildings are sealed.

The tables follow the scenario folder contract (``FORMATS.md`` section 1) with planar
coordinates in metres. The same arguments always give identical tables and
byte-identical files.

Examples
--------
>>> tables = synthetic_tables("building", seed=1, days=2)
>>> sorted(tables.frames)  # doctest: +NORMALIZE_WHITESPACE
['buildings.csv', 'depots.csv', 'households.csv', 'orders.csv', 'shifts.csv',
 'volunteers.csv']
"""

from __future__ import annotations

import datetime
import math
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

if TYPE_CHECKING:
    from basket_route.model import Scenario

__all__ = [
    "SIZES",
    "ScenarioTables",
    "synthetic",
    "synthetic_tables",
    "write_synthetic",
]

SIZES: tuple[str, ...] = ("building", "compound", "district")
"""The scenario sizes :func:`synthetic_tables` knows."""

_DEFAULT_DAYS = {"building": 10, "compound": 10, "district": 1}
_WINDOWS: dict[str, dict[str, str]] = {
    "AM": {"start": "09:00", "end": "12:00"},
    "PM": {"start": "14:00", "end": "18:00"},
}
_SERVICE = {"stop_s": 120, "order_s": 30, "floor_s": 45, "lift_s": 60, "reload_s": 300}
_MODES = {"walk": 4.5, "cart": 3.5, "ebike": 12.0, "van": 20.0}
_DETOUR = 1.3

# Per-trip capacities by mode: (kg low, kg high, bags low, bags high), inclusive.
_CAPACITY = {
    "walk": (15, 20, 6, 8),
    "cart": (35, 45, 12, 15),
    "ebike": (30, 50, 10, 16),
}

_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹"
    "彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
)
_GIVEN = (
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛",
    "明", "超", "霞", "平", "刚", "秀英", "桂英", "建华", "晓东", "志强", "海燕", "子涵", "欣怡",
    "浩然", "雨萱", "思远", "佳琪",
)  # fmt: skip
_PLACES = (
    "青湖", "花半里", "幸福里", "锦绣", "翠竹", "阳光", "和平", "桂花", "紫荆", "东湖", "南苑",
    "梧桐", "丽水", "春晖", "百步亭", "新华",
)  # fmt: skip
_FLAGS = (
    ("elderly_alone", 0.06),
    ("chronic_meds", 0.07),
    ("disabled", 0.02),
    ("infant", 0.03),
    ("pregnant", 0.015),
)
_FRAME_NAME = re.compile(r"[A-Za-z0-9_.-]+\.csv")


# ----------------------------------------------------------------------------- public API


@dataclass(frozen=True, slots=True)
class ScenarioTables:
    """A scenario as plain tables, ready to be written as a scenario folder.

    Attributes
    ----------
    settings : Mapping[str, Any]
        The content of ``scenario.toml`` as a plain dict: ``name``, ``windows``,
        ``service``, ``distance`` and ``modes``.
    frames : Mapping[str, pandas.DataFrame]
        One DataFrame per CSV file of the folder, keyed by file name: ``depots.csv``,
        ``buildings.csv``, ``households.csv``, ``orders.csv``, ``volunteers.csv``,
        ``shifts.csv`` and, when generated with ``paths=True``, ``paths.csv``.
    """

    settings: Mapping[str, Any]
    frames: Mapping[str, pd.DataFrame]

    def write(self, folder: str | os.PathLike[str]) -> Path:
        """Write the scenario folder: ``scenario.toml`` and one CSV per frame.

        Files are UTF-8 without BOM, with ``\\n`` line ends and no index column; booleans
        are written ``true``/``false`` and missing cells empty. The folder is created when
        needed; files of the same names are overwritten, and a ``paths.csv`` left from an
        earlier scenario is removed when these tables have none (it would otherwise
        silently become the distance model of the folder).

        Parameters
        ----------
        folder : str or os.PathLike
            The scenario folder.

        Returns
        -------
        pathlib.Path
            The folder.

        Raises
        ------
        ValueError
            When a frame name is not a plain ``*.csv`` file name.
        """
        out = Path(folder)
        for name in self.frames:
            if not _FRAME_NAME.fullmatch(name):
                raise ValueError(f"frame name {name!r} is not a plain *.csv file name")
        out.mkdir(parents=True, exist_ok=True)
        (out / "scenario.toml").write_bytes(_toml_document(self.settings).encode("utf-8"))
        for name, frame in self.frames.items():
            text = _csv_ready(frame).to_csv(index=False, lineterminator="\n")
            (out / name).write_bytes(text.encode("utf-8"))
        if "paths.csv" not in self.frames:
            (out / "paths.csv").unlink(missing_ok=True)
        return out


def synthetic_tables(
    size: str,
    seed: int = 0,
    *,
    days: int | None = None,
    paths: bool = False,
    start: str | datetime.date = "2020-02-10",
) -> ScenarioTables:
    """Generate a synthetic scenario of one of :data:`SIZES`.

    Parameters
    ----------
    size : str
        ``"building"``, ``"compound"`` or ``"district"`` (see the module docstring).
    seed : int, default 0
        Seed of ``numpy.random.default_rng``; the same arguments give identical tables.
    days : int, optional
        Number of consecutive days with orders and shifts (AM and PM windows each day).
        Default 10 for ``building`` and ``compound``, 1 for ``district``.
    paths : bool, default False
        Also generate ``paths.csv``: a street grid of junctions (``J03_07``, about
        80-120 m apart, a few blocked streets) with every depot and building joined to
        its nearest junction. The graph is connected.
    start : str or datetime.date, default "2020-02-10"
        The first day (ISO date).

    Returns
    -------
    ScenarioTables

    Raises
    ------
    ValueError
        When ``size`` is unknown, ``days`` < 1 or ``start`` is not an ISO date.
    """
    if size not in SIZES:
        raise ValueError(f"size {size!r} not in {list(SIZES)}")
    n_days = _DEFAULT_DAYS[size] if days is None else days
    if isinstance(n_days, bool) or not isinstance(n_days, int | np.integer) or n_days < 1:
        raise ValueError(f"days must be an integer >= 1, got {days!r}")
    first = _start_date(start)
    dates = [first + datetime.timedelta(days=i) for i in range(int(n_days))]
    # Independent streams per stage, and per day for orders and shifts: the people do not
    # depend on `days` or `paths`, and the first days of a longer horizon are the same.
    streams = np.random.default_rng(seed).spawn(6)
    layout_rng, people_rng, crew_rng, paths_rng = streams[:4]
    order_rngs, shift_rngs = streams[4].spawn(n_days), streams[5].spawn(n_days)
    world = _LAYOUTS[size](layout_rng, seed)
    households = _households(people_rng, world)
    orders = _orders(order_rngs, world, households, dates)
    volunteers = _volunteers(crew_rng, world)
    shifts = _shifts(shift_rngs, world, volunteers, dates)
    frames: dict[str, pd.DataFrame] = {
        "depots.csv": world.depots,
        "buildings.csv": world.buildings.frame(),
        "households.csv": households,
        "orders.csv": orders,
        "volunteers.csv": volunteers,
        "shifts.csv": shifts,
    }
    if paths:
        frames["paths.csv"] = _paths(paths_rng, world)
    settings: dict[str, Any] = {
        "name": world.name,
        "windows": {w: dict(span) for w, span in _WINDOWS.items()},
        "service": dict(_SERVICE),
        "distance": {"detour": _DETOUR},
        "modes": dict(_MODES),
    }
    return ScenarioTables(settings, frames)


def write_synthetic(
    folder: str | os.PathLike[str],
    size: str,
    seed: int = 0,
    *,
    days: int | None = None,
    paths: bool = False,
    start: str | datetime.date = "2020-02-10",
) -> Path:
    """Generate a synthetic scenario and write it as a scenario folder.

    Same as ``synthetic_tables(size, seed, ...).write(folder)``.

    Parameters
    ----------
    folder : str or os.PathLike
        The scenario folder (created when needed).
    size, seed, days, paths, start
        As :func:`synthetic_tables`.

    Returns
    -------
    pathlib.Path
        The folder.
    """
    tables = synthetic_tables(size, seed, days=days, paths=paths, start=start)
    return tables.write(folder)


def synthetic(
    size: str,
    seed: int = 0,
    *,
    days: int | None = None,
    paths: bool = False,
    start: str | datetime.date = "2020-02-10",
) -> Scenario:
    """Generate a synthetic scenario as a :class:`basket_route.model.Scenario`.

    Parameters
    ----------
    size, seed, days, paths, start
        As :func:`synthetic_tables`.

    Returns
    -------
    basket_route.model.Scenario
        Read from the tables by ``basket_route.io.scenario.scenario_from_frames``, with
        source ``"synthetic:SIZE:SEED"``.
    """
    from basket_route.io.scenario import scenario_from_frames

    tables = synthetic_tables(size, seed, days=days, paths=paths, start=start)
    return scenario_from_frames(tables.frames, tables.settings, source=f"synthetic:{size}:{seed}")


# ----------------------------------------------------------------------------- TOML writer

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_ESCAPES = {
    '"': '\\"',
    "\\": "\\\\",
    "\b": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\f": "\\f",
    "\r": "\\r",
}


def _toml_string(text: str) -> str:
    """TEXT as a TOML basic string, quotes, backslashes and control characters escaped.

    Parameters
    ----------
    text : str

    Returns
    -------
    str
    """
    out = []
    for ch in text:
        code = ord(ch)
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif code < 0x20 or code == 0x7F:
            out.append(f"\\u{code:04X}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _toml_key(key: str) -> str:
    return key if _BARE_KEY.fullmatch(key) else _toml_string(key)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        number = float(value)
        if math.isnan(number):
            return "nan"
        if math.isinf(number):
            return "inf" if number > 0 else "-inf"
        return repr(number)
    if isinstance(value, str):
        return _toml_string(value)
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, Sequence):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} value {value!r} as TOML")


def _toml_document(settings: Mapping[str, Any]) -> str:
    """SETTINGS (nested mappings of scalars) as the text of a TOML document.

    Parameters
    ----------
    settings : Mapping[str, Any]
        Keys are strings; values are strings, booleans, numbers, dates, times, lists of
        those, or nested mappings (written as ``[table.subtable]`` sections).

    Returns
    -------
    str
        The document; ``tomllib.loads`` gives SETTINGS back.

    Raises
    ------
    TypeError
        On a value TOML cannot hold.
    """
    lines: list[str] = []
    _toml_table(lines, (), settings)
    return "\n".join(lines).lstrip("\n") + "\n"


def _toml_table(lines: list[str], path: tuple[str, ...], table: Mapping[str, Any]) -> None:
    scalars = [(k, v) for k, v in table.items() if not isinstance(v, Mapping)]
    tables = [(k, v) for k, v in table.items() if isinstance(v, Mapping)]
    if path and (scalars or not tables):
        lines.extend(["", "[" + ".".join(_toml_key(p) for p in path) + "]"])
    lines.extend(f"{_toml_key(str(k))} = {_toml_value(v)}" for k, v in scalars)
    for key, sub in tables:
        _toml_table(lines, (*path, str(key)), sub)


def _csv_ready(frame: pd.DataFrame) -> pd.DataFrame:
    """FRAME with boolean columns as ``true``/``false`` text (the contract's spelling)."""
    bools = [c for c in frame.columns if pd.api.types.is_bool_dtype(frame[c])]
    if not bools:
        return frame
    out = frame.copy()
    for column in bools:
        out[column] = np.where(out[column].to_numpy(dtype=bool), "true", "false")
    return out


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
class _World:
    """What the size-specific layout decides; every later stage is shared."""

    size: str
    name: str
    depots: pd.DataFrame
    buildings: _Buildings
    households: int  # target number of households
    orders_per_window: tuple[int, int]  # inclusive range of orders per window
    sealed_orders: tuple[int, int] | None  # per window, for the one sealed building


def _start_date(start: str | datetime.date) -> datetime.date:
    if isinstance(start, datetime.datetime):
        return start.date()
    if isinstance(start, datetime.date):
        return start
    try:
        return datetime.date.fromisoformat(str(start))
    except ValueError:
        raise ValueError(f"start must be an ISO date like '2020-02-10', got {start!r}") from None


def _depots(ids: list[str], names: list[str], x: ArrayLike, y: ArrayLike) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "depot_id": ids,
            "name": names,
            "x_m": np.round(np.asarray(x, dtype=float), 1),
            "y_m": np.round(np.asarray(y, dtype=float), 1),
        }
    )


def _layout_building(rng: np.random.Generator, seed: int) -> _World:
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
    return _World("building", name, depots, buildings, 183, (55, 65), None)


def _layout_compound(rng: np.random.Generator, seed: int) -> _World:
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
    return _World("compound", name, depots, buildings, target, (540, 660), (20, 30))


def _layout_district(rng: np.random.Generator, seed: int) -> _World:
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
    return _World("district", name, depots, buildings, target, (7600, 8400), None)


_LAYOUTS = {
    "building": _layout_building,
    "compound": _layout_compound,
    "district": _layout_district,
}


# ----------------------------------------------------------------------------- people


def _full_names(rng: np.random.Generator, n: int) -> list[str]:
    surnames = rng.integers(0, len(_SURNAMES), n)
    given = rng.integers(0, len(_GIVEN), n)
    return [_SURNAMES[s] + _GIVEN[g] for s, g in zip(surnames, given, strict=True)]


def _phones(rng: np.random.Generator, n: int) -> list[str]:
    return [f"138{int(d):08d}" for d in rng.choice(100_000_000, n, replace=False)]


def _households(rng: np.random.Generator, world: _World) -> pd.DataFrame:
    b = world.buildings
    slot_building: list[int] = []
    slot_floor: list[int] = []
    slot_unit: list[int] = []
    for i, (floors, upf) in enumerate(zip(b.floors, b.units_per_floor, strict=True)):
        for floor in range(1, floors + 1):
            for unit in range(1, upf + 1):
                slot_building.append(i)
                slot_floor.append(floor)
                slot_unit.append(unit)
    n = min(world.households, int(0.97 * len(slot_building)))
    taken = np.sort(rng.choice(len(slot_building), n, replace=False))
    flags = {flag: rng.random(n) < p for flag, p in _FLAGS}
    vulnerable = [";".join(flag for flag, _ in _FLAGS if flags[flag][i]) or None for i in range(n)]
    members = rng.choice([1, 2, 3, 4, 5], n, p=[0.15, 0.3, 0.3, 0.15, 0.1])
    members = np.where(flags["elderly_alone"], 1, members)
    members = np.where(flags["infant"] & ~flags["elderly_alone"], np.maximum(members, 3), members)
    members = np.where(flags["pregnant"] & ~flags["elderly_alone"], np.maximum(members, 2), members)
    surnames = rng.integers(0, len(_SURNAMES), n)
    title_draw = rng.random(n)
    titles = np.where(
        flags["elderly_alone"],
        np.where(title_draw < 0.6, "奶奶", "爷爷"),
        np.where(title_draw < 0.5, "女士", "先生"),
    )
    width = 5 if world.size == "district" else 4
    building_of = [slot_building[s] for s in taken]
    floor_of = [slot_floor[s] for s in taken]
    return pd.DataFrame(
        {
            "household_id": [f"H{i + 1:0{width}d}" for i in range(n)],
            "building_id": [b.ids[j] for j in building_of],
            "unit": [
                f"{b.numbers[slot_building[s]]}-{slot_floor[s]}{slot_unit[s]:02d}" for s in taken
            ],
            "floor": np.array(floor_of, dtype=np.int64),
            "members": members.astype(np.int64),
            "vulnerable": vulnerable,
            "name": [_SURNAMES[s] + str(t) for s, t in zip(surnames, titles, strict=True)],
            "phone": _phones(rng, n),
        }
    )


# ----------------------------------------------------------------------------- orders


@dataclass(slots=True)
class _OrderBatch:
    """The orders of one date and window, as arrays (household positions and attributes)."""

    day: datetime.date
    window: str
    chosen: np.ndarray[Any, np.dtype[np.intp]]
    weight: np.ndarray[Any, np.dtype[np.float64]]
    bags: np.ndarray[Any, np.dtype[np.float64]]
    is_med: np.ndarray[Any, np.dtype[np.bool_]]
    is_urgent: np.ndarray[Any, np.dtype[np.bool_]]
    due_after: np.ndarray[Any, np.dtype[np.int64]]


def _orders(
    rngs: list[np.random.Generator],
    world: _World,
    households: pd.DataFrame,
    dates: list[datetime.date],
) -> pd.DataFrame:
    hh_ids = households["household_id"].to_numpy(dtype=object)
    flags = households["vulnerable"].fillna("").to_numpy(dtype=object)
    meds = np.array(["chronic_meds" in f for f in flags])
    fragile = np.array(
        [any(k in f for k in ("elderly", "infant", "disabled", "pregnant")) for f in flags]
    )
    sealed_ids = {
        bid for bid, s in zip(world.buildings.ids, world.buildings.sealed, strict=True) if s
    }
    in_sealed = households["building_id"].isin(sealed_ids).to_numpy(dtype=bool)
    sealed_pool, open_pool = np.flatnonzero(in_sealed), np.flatnonzero(~in_sealed)
    low, high = world.orders_per_window
    batches: list[_OrderBatch] = []
    for day, rng in zip(dates, rngs, strict=True):
        for window in _WINDOWS:
            total = int(rng.integers(low, high + 1))
            if world.sealed_orders is not None:
                s_low, s_high = world.sealed_orders
                n_sealed = min(int(rng.integers(s_low, s_high + 1)), sealed_pool.size)
                n_open = min(total - n_sealed, open_pool.size)
                chosen = np.concatenate(
                    [
                        rng.choice(sealed_pool, n_sealed, replace=False),
                        rng.choice(open_pool, n_open, replace=False),
                    ]
                )
            else:
                chosen = rng.choice(hh_ids.size, min(total, hh_ids.size), replace=False)
            chosen = np.sort(chosen)
            n = chosen.size
            draw = rng.random(n)
            p_med = np.where(meds[chosen], 0.25, 0.035)
            p_urgent = np.where(fragile[chosen], 0.15, 0.04)
            is_med = draw < p_med
            is_urgent = ~is_med & (draw < p_med + p_urgent)
            weight = np.clip(rng.lognormal(math.log(3.5), 0.45, n), 1.5, 8.0)
            bags = np.clip(np.rint(weight / 2.8 + rng.normal(0, 0.35, n)), 1, 3)
            weight = np.where(is_med, rng.uniform(0.2, 1.2, n), weight)
            bags = np.where(is_med, 1, bags)
            due_after = rng.integers(12, 25, n) * 5  # minutes after the window opens
            batches.append(
                _OrderBatch(day, window, chosen, weight, bags, is_med, is_urgent, due_after)
            )
    width = max(4, len(str(max(batch.chosen.size for batch in batches))))
    columns: dict[str, list[Any]] = {
        k: []
        for k in ("order_id", "household_id", "date", "window", "weight_kg", "bags", "priority")
    }
    dues: list[str | None] = []
    for batch in batches:
        open_h, open_m = (int(p) for p in _WINDOWS[batch.window]["start"].split(":"))
        stamp = batch.day.strftime("%Y%m%d")
        for k, hh in enumerate(batch.chosen):
            columns["order_id"].append(f"O{stamp}{batch.window}{k + 1:0{width}d}")
            columns["household_id"].append(hh_ids[hh])
            columns["date"].append(batch.day.isoformat())
            columns["window"].append(batch.window)
            columns["weight_kg"].append(round(float(batch.weight[k]), 1))
            columns["bags"].append(int(batch.bags[k]))
            if batch.is_med[k]:
                minutes = open_h * 60 + open_m + int(batch.due_after[k])
                columns["priority"].append("medicine")
                dues.append(f"{minutes // 60:02d}:{minutes % 60:02d}")
            else:
                columns["priority"].append("urgent" if batch.is_urgent[k] else "normal")
                dues.append(None)
    frame = pd.DataFrame(columns)
    frame["weight_kg"] = frame["weight_kg"].astype(np.float64)
    frame["bags"] = frame["bags"].astype(np.int64)
    frame["due"] = dues
    return frame


# ----------------------------------------------------------------------------- volunteers


def _volunteer_plan(rng: np.random.Generator, world: _World) -> list[tuple[int, str, bool]]:
    """(community, mode, door_to_door) per volunteer, in id order."""
    plan: list[tuple[int, str, bool]] = []
    if world.size == "building":
        d2d = np.zeros(12, dtype=bool)
        d2d[rng.choice(12, 8, replace=False)] = True
        return [(0, "walk", bool(d)) for d in d2d]
    if world.size == "compound":
        n = 40
        d2d = np.zeros(n, dtype=bool)
        d2d[rng.choice(n, int(rng.integers(8, 11)), replace=False)] = True
        walk = np.where(d2d, rng.random(n) < 0.7, rng.random(n) < 0.45)
        return [(0, "walk" if w else "cart", bool(d)) for w, d in zip(walk, d2d, strict=True)]
    groups = np.asarray(world.buildings.group)
    n_groups = len(world.depots)
    share = np.bincount(groups, minlength=n_groups) / groups.size
    total = int(rng.integers(390, 411))
    sizes = np.maximum(np.floor(share * total).astype(int), 10)
    sizes[: max(0, total - int(sizes.sum()))] += 1  # hand out the remainder
    for g, n in enumerate(sizes):
        n = int(n)
        d2d = np.zeros(n, dtype=bool)
        d2d[rng.choice(n, max(3, round(0.15 * n)), replace=False)] = True
        modes = np.where(
            d2d,
            rng.choice(["walk", "ebike"], n, p=[0.6, 0.4]),
            rng.choice(["walk", "cart", "ebike"], n, p=[0.35, 0.3, 0.35]),
        )
        plan.extend((g, str(m), bool(d)) for m, d in zip(modes, d2d, strict=True))
    return plan


def _volunteers(rng: np.random.Generator, world: _World) -> pd.DataFrame:
    plan = _volunteer_plan(rng, world)
    n = len(plan)
    kg: list[float] = []
    bags: list[int] = []
    for _, mode, _ in plan:
        kg_low, kg_high, bag_low, bag_high = _CAPACITY[mode]
        if world.size == "building":
            kg_low, kg_high = 15, 25
        kg.append(float(rng.integers(kg_low, kg_high + 1)))
        bags.append(int(rng.integers(bag_low, bag_high + 1)))
    limited = rng.random(n) < 0.1
    limits = rng.choice([6, 6, 8, 10], n)
    max_trips = pd.array(
        [
            int(t) if lim and not d2d else None
            for t, lim, (_, _, d2d) in zip(limits, limited, plan, strict=True)
        ],
        dtype="Int64",
    )
    depot_ids = world.depots["depot_id"].tolist()
    return pd.DataFrame(
        {
            "volunteer_id": [f"V{i + 1:03d}" for i in range(n)],
            "name": _full_names(rng, n),
            "depot_id": [depot_ids[g] for g, _, _ in plan],
            "mode": [m for _, m, _ in plan],
            "capacity_kg": np.array(kg, dtype=np.float64),
            "capacity_bags": np.array(bags, dtype=np.int64),
            "door_to_door": np.array([d for _, _, d in plan], dtype=bool),
            "max_trips": max_trips,
        }
    )


def _shifts(
    rngs: list[np.random.Generator],
    world: _World,
    volunteers: pd.DataFrame,
    dates: list[datetime.date],
) -> pd.DataFrame:
    ids = volunteers["volunteer_id"].to_numpy(dtype=object)
    d2d = volunteers["door_to_door"].to_numpy(dtype=bool)
    depot = volunteers["depot_id"].to_numpy(dtype=object)
    groups = [np.flatnonzero(depot == d) for d in world.depots["depot_id"]]
    rows: list[tuple[str, str, str]] = []
    for day, rng in zip(dates, rngs, strict=True):
        for window in _WINDOWS:
            on: list[np.ndarray[Any, np.dtype[np.intp]]] = []
            for members in groups:
                n = members.size
                if world.size == "building":
                    n_on, min_d2d = int(rng.integers(8, 11)), 5
                elif world.size == "compound":
                    n_on, min_d2d = int(rng.integers(35, 41)), 4
                else:
                    n_on, min_d2d = round(n * rng.uniform(0.82, 0.95)), 2
                on.append(_pick(rng, members[d2d[members]], members[~d2d[members]], n_on, min_d2d))
            for k in np.sort(np.concatenate(on)):
                rows.append((str(ids[k]), day.isoformat(), window))
    return pd.DataFrame(rows, columns=["volunteer_id", "date", "window"])


def _pick(
    rng: np.random.Generator,
    d2d: np.ndarray[Any, np.dtype[np.intp]],
    others: np.ndarray[Any, np.dtype[np.intp]],
    n_on: int,
    min_d2d: int,
) -> np.ndarray[Any, np.dtype[np.intp]]:
    """N_ON volunteers drawn at random, at least MIN_D2D of them door-to-door (when possible)."""
    n_on = min(n_on, d2d.size + others.size)
    expected = int(rng.hypergeometric(d2d.size, others.size, n_on)) if n_on else 0
    k = max(expected, min(min_d2d, d2d.size), n_on - others.size)
    k = min(k, d2d.size, n_on)
    return np.concatenate(
        [rng.choice(d2d, k, replace=False), rng.choice(others, n_on - k, replace=False)]
    )


# ----------------------------------------------------------------------------- paths


def _paths(rng: np.random.Generator, world: _World) -> pd.DataFrame:
    """A jittered street grid with a few blocked streets (kept connected) plus connectors."""
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
