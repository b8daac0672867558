"""Shared test helpers: tiny scenario tables, the independent checker, plan invariants."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

import basket_route as br

DATA = Path(__file__).resolve().parent / "data"
TINY = DATA / "tiny"
CHECKER = Path(__file__).resolve().parents[2] / "shared" / "tools" / "verify_plan.py"
FILES = (
    "depots.csv",
    "buildings.csv",
    "households.csv",
    "orders.csv",
    "volunteers.csv",
    "shifts.csv",
)


def tiny_frames() -> dict[str, pd.DataFrame]:
    """The tiny scenario's tables as DataFrames of strings, to edit in tests."""
    return {f: pd.read_csv(TINY / f, dtype=str, keep_default_na=False) for f in FILES}


def tiny_settings() -> dict[str, object]:
    """The tiny scenario's scenario.toml content."""
    import tomllib

    return tomllib.loads((TINY / "scenario.toml").read_text(encoding="utf-8"))


def write_frames(
    folder: Path, frames: dict[str, pd.DataFrame], toml_text: str | None = None
) -> Path:
    """Write FRAMES (and scenario.toml) as a scenario folder."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in frames.items():
        frame.to_csv(folder / name, index=False)
    (folder / "scenario.toml").write_text(
        toml_text
        if toml_text is not None
        else (TINY / "scenario.toml").read_text(encoding="utf-8"),
        encoding="utf-8",
    )
    return folder


def run_checker(scenario_dir: Path, plan: br.Plan, tmp_path: Path) -> dict[str, object]:
    """Run the independent checker on PLAN; skip when ../shared is absent."""
    if not CHECKER.is_file():
        pytest.skip(f"independent checker not found at {CHECKER}")
    plan_file = tmp_path / f"plan-{plan.date}-{plan.window}.json"
    plan.to_json(plan_file)
    proc = subprocess.run(
        [sys.executable, str(CHECKER), str(scenario_dir), str(plan_file), "--json"],
        capture_output=True,
        text=True,
        check=False,
    )
    result: dict[str, object] = json.loads(proc.stdout.splitlines()[-1])
    return result


def assert_accounted(scenario: br.Scenario, plan: br.Plan) -> None:
    """Every order of the plan's window is on exactly one stop or unassigned, and no other."""
    wanted = {o.order_id for o in scenario.orders_in(plan.date, plan.window)}
    wanted |= {o.order_id for o in scenario.invalid_orders_in(plan.date, plan.window)}
    listed = Counter(plan.order_ids_delivered() + [u.order_id for u in plan.unassigned])
    assert set(listed) == wanted
    assert all(n == 1 for n in listed.values()), [o for o, n in listed.items() if n > 1]
