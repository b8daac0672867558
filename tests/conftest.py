"""Session fixtures: small named scenarios, each described in its docstring."""

from __future__ import annotations

from pathlib import Path

import pytest

import basket_route as br
from tests.helpers import TINY


@pytest.fixture(scope="session")
def tiny() -> br.Scenario:
    """1 depot, 3 buildings (B1 sealed, no lift), 6 households, 6 AM + 2 PM orders, 3 volunteers."""
    return br.load_scenario(TINY)


@pytest.fixture(scope="session")
def building_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The built-in story: one sealed building of 183 households, a dozen walkers, 10 days."""
    return br.write_synthetic(tmp_path_factory.mktemp("building"), "building", seed=0)


@pytest.fixture(scope="session")
def compound_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """~30 buildings, ~600 orders a window, ~40 volunteers, one sealed walk-up."""
    return br.write_synthetic(tmp_path_factory.mktemp("compound"), "compound", seed=0, days=1)


@pytest.fixture(scope="session")
def compound_paths_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The compound scenario with a walking graph (paths.csv) instead of straight lines."""
    return br.write_synthetic(
        tmp_path_factory.mktemp("compound_paths"), "compound", seed=0, days=1, paths=True
    )
