"""Who lives and works in a synthetic scenario: households, orders, volunteers, shifts.

Internal to :mod:`basket_route.scenarios`. Each generator takes its own random stream(s) and
the :class:`~basket_route.synthetic_world.World` laid out by
:mod:`basket_route.synthetic_world`, and returns one table of the scenario folder.
"""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from basket_route.synthetic_world import World

if TYPE_CHECKING:  # pandas is imported where used: ~0.4 s of start-up
    import pandas as pd

__all__ = ["WINDOWS", "households_frame", "orders_frame", "shifts_frame", "volunteers_frame"]

WINDOWS: dict[str, dict[str, str]] = {
    "AM": {"start": "09:00", "end": "12:00"},
    "PM": {"start": "14:00", "end": "18:00"},
}

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
_FLAGS = (
    ("elderly_alone", 0.06),
    ("chronic_meds", 0.07),
    ("disabled", 0.02),
    ("infant", 0.03),
    ("pregnant", 0.015),
)


# ----------------------------------------------------------------------------- households


def _full_names(rng: np.random.Generator, n: int) -> list[str]:
    surnames = rng.integers(0, len(_SURNAMES), n)
    given = rng.integers(0, len(_GIVEN), n)
    return [_SURNAMES[s] + _GIVEN[g] for s, g in zip(surnames, given, strict=True)]


def _phones(rng: np.random.Generator, n: int) -> list[str]:
    return [f"138{int(d):08d}" for d in rng.choice(100_000_000, n, replace=False)]


def households_frame(rng: np.random.Generator, world: World) -> pd.DataFrame:
    """``households.csv``: the households of WORLD's buildings, with their vulnerable flags."""
    import pandas as pd

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


def orders_frame(
    rngs: list[np.random.Generator],
    world: World,
    households: pd.DataFrame,
    dates: list[datetime.date],
) -> pd.DataFrame:
    """``orders.csv``: each window's orders of HOUSEHOLDS on DATES, one random stream per date."""
    import pandas as pd

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
        for window in WINDOWS:
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
        open_h, open_m = (int(p) for p in WINDOWS[batch.window]["start"].split(":"))
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


def _volunteer_plan(rng: np.random.Generator, world: World) -> list[tuple[int, str, bool]]:
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


def volunteers_frame(rng: np.random.Generator, world: World) -> pd.DataFrame:
    """``volunteers.csv``: WORLD's volunteers with their mode, carry limits and training."""
    import pandas as pd

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


def shifts_frame(
    rngs: list[np.random.Generator],
    world: World,
    volunteers: pd.DataFrame,
    dates: list[datetime.date],
) -> pd.DataFrame:
    """``shifts.csv``: which of VOLUNTEERS work which window on DATES, one random stream per date."""
    import pandas as pd

    ids = volunteers["volunteer_id"].to_numpy(dtype=object)
    d2d = volunteers["door_to_door"].to_numpy(dtype=bool)
    depot = volunteers["depot_id"].to_numpy(dtype=object)
    groups = [np.flatnonzero(depot == d) for d in world.depots["depot_id"]]
    rows: list[tuple[str, str, str]] = []
    for day, rng in zip(dates, rngs, strict=True):
        for window in WINDOWS:
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
