"""Fuzzing the readers for a bounded budget: only the documented exception may come out.

``tests/io/test_scenario.py`` already fuzzes orders, households, buildings, volunteers and
scenario.toml with random bytes, random text and CSV-like text, through ``load_scenario``
only. This module adds what that leaves out:

- **mutations of real files**: each of tiny's files (and a walking graph) with bytes
  inserted, deleted, replaced or lines duplicated, from a dictionary of hostile tokens.
  ``load_scenario`` may only raise ScenarioError, and when the folder still loads, every
  window with orders must plan, verify and account for every order (nothing may escape
  ``plan_window`` either);
- **DataFrames** with hostile cell objects (NaN, inf, huge ints, bytes, timestamps, lists)
  through ``scenario_from_frames``: only ScenarioError;
- **plan JSON** (the reader behind ``basket-route verify``): a valid plan with one value
  replaced by any JSON value; ``Plan.from_dict`` may only raise PlanFormatError and
  ``verify_plan`` must return a verdict.

The budget is ``BASKET_ROUTE_FUZZ_EXAMPLES`` examples per parameter (default 25;
derandomized, so CI sees the same inputs every run). Raise it for a longer campaign, e.g.
``BASKET_ROUTE_FUZZ_EXAMPLES=2000 pytest tests/reliability/test_fuzz.py``.
"""

from __future__ import annotations

import copy
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import basket_route as br
from basket_route.exceptions import ScalingWarning
from tests.helpers import TINY, tiny_frames, tiny_settings
from tests.reliability.common import check_plan, windows_to_plan

EXAMPLES = int(os.environ.get("BASKET_ROUTE_FUZZ_EXAMPLES", "25"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
FAST = br.PlanOptions(reproducible=True, solution_limit=5)
PATHS = b"from,to,length_m,oneway\nD1,J1,100,\nJ1,B1,250,\nJ1,B2,320,\nB2,B3,300,true\n"

TOKENS: tuple[bytes, ...] = (
    b",", b"\n", b"\r\n", b"\r", b'"', b"'", b"\x00", b"\xff", b"\xef\xbb\xbf", b"\t", b" ",
    b"=", b"[", b"]", b"{", b"}", b"#", b"-1", b"0", b"nan", b"inf", b"-inf", b"1e999",
    b"1e-300", b"99999999999999999999", b"true", b"yes", b"D1", b"B1", b"B3", b"H1", b"V1",
    b"O1", b"J1", b"AM", b"PM", b"2020-02-10", b"2020-02-30", b"9999-12-31", b"09:00",
    b"24:00", b"99:99", "号".encode(), "号".encode("gbk"), "Ｈ１".encode(), b"\xe5\x8f",
)  # fmt: skip
"""Bytes a mutation inserts: separators, quotes, encodings, numbers, ids, dates, times."""


# --------------------------------------------------------------------------- mutations


@st.composite
def mutated(draw: st.DrawFn, data: bytes) -> bytes:
    """DATA after 1-4 mutations: insert, delete, replace, duplicate a line, truncate."""
    for _ in range(draw(st.integers(1, 4))):
        n = len(data)
        at = draw(st.integers(0, n))
        op = draw(st.sampled_from(["insert", "delete", "replace", "line", "truncate"]))
        token = draw(st.sampled_from(TOKENS))
        if op == "insert":
            data = data[:at] + token + data[at:]
        elif op == "delete":
            data = data[:at] + data[at + draw(st.integers(1, 12)) :]
        elif op == "replace":
            data = data[:at] + token + data[at + len(token) :]
        elif op == "line":
            lines = data.split(b"\n")
            i = draw(st.integers(0, len(lines) - 1))
            lines.insert(i, lines[i])
            data = b"\n".join(lines)
        elif draw(st.integers(0, 3)) == 0:  # truncation is rare: it mostly empties the file
            data = data[:at]
    return data


def _plan_every_window(scenario: br.Scenario) -> None:
    for day, window in windows_to_plan(scenario):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ScalingWarning)
            plan = br.plan_window(scenario, day, window, FAST)
        check_plan(scenario, plan)


def _load_or_scenario_error(folder: Path) -> br.Scenario | None:
    try:
        return br.load_scenario(folder)
    except br.ScenarioError as exc:
        assert exc.defects and exc.file, exc
        assert str(exc)
        return None


MUTATED_FILES = (
    "depots.csv",
    "buildings.csv",
    "households.csv",
    "orders.csv",
    "volunteers.csv",
    "shifts.csv",
    "paths.csv",
    "scenario.toml",
)


@pytest.mark.parametrize("file", MUTATED_FILES)  # one mutated file per folder, the rest tiny
@FUZZ
@given(data=st.data())
def test_mutated_file_loads_and_plans_or_is_a_scenario_error(
    file: str, data: st.DataObject
) -> None:
    """A mutated scenario file: ScenarioError, or every window plans and verifies."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "scenario"
        shutil.copytree(TINY, folder)
        original = PATHS if file == "paths.csv" else (folder / file).read_bytes()
        (folder / file).write_bytes(data.draw(mutated(original), label=file))
        scenario = _load_or_scenario_error(folder)
        if scenario is not None:
            _plan_every_window(scenario)


# --------------------------------------------------------------------------- frames

_HOSTILE_CELLS = st.one_of(
    st.none(),
    st.sampled_from([math.nan, math.inf, -math.inf, -0.0, 0, -1, 10**30, 2**63, True, False]),
    st.sampled_from([pd.NaT, pd.Timestamp("2020-02-10"), pd.Timestamp("2020-02-10 09:30")]),
    st.sampled_from([b"B1", "", " ", "Ｈ1", "H1\u200b", "AM", "2020-02-10", "10:00", "1e999"]),
    st.sampled_from([["H1"], {"a": 1}, (1, 2), 3.5, 1e-300]),
    st.text(max_size=6),
)


@pytest.mark.parametrize(
    "file",
    [
        "depots.csv",  # depot ids and coordinates
        "buildings.csv",  # floors, booleans, coordinates
        "households.csv",  # references to buildings, floors
        "orders.csv",  # the lenient reader: bad rows become invalid orders
        "volunteers.csv",  # capacities, modes, depots
        "shifts.csv",  # dates and windows
    ],
)
@FUZZ
@given(data=st.data())
def test_hostile_frame_cells_give_scenario_or_scenario_error(
    file: str, data: st.DataObject
) -> None:
    """scenario_from_frames with hostile Python objects in cells and odd column names:
    a scenario (which then plans) or a ScenarioError, nothing else."""
    frames = tiny_frames()
    frame = frames[file].astype(object)
    for _ in range(data.draw(st.integers(1, 4), label="cells")):
        row = data.draw(st.integers(0, len(frame) - 1), label="row")
        col = data.draw(st.sampled_from(list(frame.columns)), label="column")
        cell = data.draw(_HOSTILE_CELLS, label="cell")
        frame.iat[row, list(frame.columns).index(col)] = cell  # noqa: PD009 - one cell, even a list
    if data.draw(st.integers(0, 4), label="rename") == 0:
        old = data.draw(st.sampled_from(list(frame.columns)))
        new = data.draw(st.sampled_from(["", " ", "ORDER_ID", 7, "floor", "x_m", "lat"]))
        frame = frame.rename(columns={old: new})
    frames[file] = frame
    try:
        scenario = br.scenario_from_frames(frames, tiny_settings())
    except br.ScenarioError as exc:  # the defect may surface in a file that refers to it
        assert exc.defects and exc.file in frames, exc
        return
    _plan_every_window(scenario)


# --------------------------------------------------------------------------- plan JSON


@pytest.fixture(scope="module")
def tiny_plan() -> dict[str, Any]:
    """A valid plan of tiny's morning as its JSON object (every key of the contract)."""
    scenario = br.load_scenario(TINY)
    plan = br.plan_window(scenario, "2020-02-10", "AM", FAST)
    data: dict[str, Any] = json.loads(plan.to_json())
    data["unassigned"] = [{"order_id": "O9", "reason": "invalid", "detail": "x"}]
    data["rejected"] = [{"order_id": "O10", "reason": "invalid", "detail": "y"}]
    return data


def _paths_of(obj: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every key/index path inside a JSON value."""
    out = [prefix]
    if isinstance(obj, dict):
        for k, v in obj.items():
            out += _paths_of(v, (*prefix, k))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            out += _paths_of(v, (*prefix, i))
    return out


_JSON = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(2**70), 2**70),
        st.floats(allow_nan=True, allow_infinity=True),
        st.sampled_from(["", "x", "2020-02-10", "2020-02-10T09:00:00", "9999-12-31T23:59:59",
                         "0001-01-01T00:00:00", "O1", "B1", "D1", "V1", "invalid", "AM"]),
    ),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=6,
)  # fmt: skip


def _edit(plan: dict[str, Any], path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    out = copy.deepcopy(plan)
    node = out
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return out


@settings(FUZZ, max_examples=10 * EXAMPLES)  # ~5 ms an example: ten times the budget
@given(data=st.data())
def test_plan_json_with_any_value_anywhere(tiny_plan: dict[str, Any], data: st.DataObject) -> None:
    """A plan JSON object with one value replaced by any JSON value: PlanFormatError, or a
    Plan that verify_plan judges (a verdict, never an exception)."""
    paths = _paths_of(tiny_plan)
    top = [p for p in paths if len(p) <= 1]  # the keys of the contract, drawn half the time
    path = data.draw(st.sampled_from(top) | st.sampled_from(paths), label="path")
    edited = _edit(tiny_plan, path, data.draw(_JSON, label="value"))
    try:
        plan = br.Plan.from_dict(edited)
    except br.PlanFormatError:
        return
    br.verify_plan(br.load_scenario(TINY), plan)


@pytest.mark.parametrize(
    ("path", "value"),
    [
        pytest.param(("solver",), 5, id="solver-int"),  # dict(5): TypeError
        pytest.param(("solver",), None, id="solver-null"),  # dict(None): TypeError
        pytest.param(("rejected",), 5, id="rejected-int"),  # iterating 5: TypeError
        pytest.param(("routes", 0, "trips", 0, "bags"), math.inf, id="bags-Infinity"),  # Overflow
    ],
)
def test_plan_json_wrong_type_is_a_format_error(
    tiny_plan: dict[str, Any], path: tuple[Any, ...], value: object
) -> None:
    """A value of the wrong type (JSON null, a number, Infinity) is a PlanFormatError (these
    four raised TypeError / OverflowError before)."""
    with pytest.raises(br.PlanFormatError):
        br.Plan.from_dict(_edit(tiny_plan, path, value))


def test_verify_command_rejects_malformed_plan_cleanly(
    tiny_plan: dict[str, Any], tmp_path: Path
) -> None:
    """``basket-route verify`` on a plan with a wrongly typed key: exit 2, no traceback (it
    used to print a TypeError traceback and exit 1, "violations")."""
    bad = tmp_path / "plan.json"
    bad.write_text(json.dumps({**tiny_plan, "solver": 5}), encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "basket_route.cli", "verify", str(TINY), str(bad)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
