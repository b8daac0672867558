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
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from basket_route.io.toml_writer import toml_document as _toml_document
from basket_route.synthetic_people import (
    WINDOWS,
    households_frame,
    orders_frame,
    shifts_frame,
    volunteers_frame,
)
from basket_route.synthetic_world import LAYOUTS, street_paths

if TYPE_CHECKING:  # pandas is imported where used: ~0.4 s of start-up
    import pandas as pd

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
_SERVICE = {"stop_s": 120, "order_s": 30, "floor_s": 45, "lift_s": 60, "reload_s": 300}
_MODES = {"walk": 4.5, "cart": 3.5, "ebike": 12.0, "van": 20.0}
_DETOUR = 1.3
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
    world = LAYOUTS[size](layout_rng, seed)
    households = households_frame(people_rng, world)
    orders = orders_frame(order_rngs, world, households, dates)
    volunteers = volunteers_frame(crew_rng, world)
    shifts = shifts_frame(shift_rngs, world, volunteers, dates)
    frames: dict[str, pd.DataFrame] = {
        "depots.csv": world.depots,
        "buildings.csv": world.buildings.frame(),
        "households.csv": households,
        "orders.csv": orders,
        "volunteers.csv": volunteers,
        "shifts.csv": shifts,
    }
    if paths:
        frames["paths.csv"] = street_paths(paths_rng, world)
    settings: dict[str, Any] = {
        "name": world.name,
        "windows": {w: dict(span) for w, span in WINDOWS.items()},
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


# ----------------------------------------------------------------------------- helpers


def _csv_ready(frame: pd.DataFrame) -> pd.DataFrame:
    """FRAME with boolean columns as ``true``/``false`` text (the contract's spelling)."""
    import pandas as pd

    bools = [c for c in frame.columns if pd.api.types.is_bool_dtype(frame[c])]
    if not bools:
        return frame
    out = frame.copy()
    for column in bools:
        out[column] = np.where(out[column].to_numpy(dtype=bool), "true", "false")
    return out


def _start_date(start: str | datetime.date) -> datetime.date:
    if isinstance(start, datetime.datetime):
        return start.date()
    if isinstance(start, datetime.date):
        return start
    try:
        return datetime.date.fromisoformat(str(start))
    except ValueError:
        raise ValueError(f"start must be an ISO date like '2020-02-10', got {start!r}") from None
