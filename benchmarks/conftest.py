"""Shared fixtures of the pytest-benchmark suite: the synthetic scenarios, built once.

Run with ``make bench`` (``pytest benchmarks --benchmark-enable --benchmark-only``).
"""

from __future__ import annotations

import pytest

import basket_route as br


@pytest.fixture(scope="session")
def building() -> br.Scenario:
    """The built-in ``building`` scenario, seed 0 (one block, about 60 orders a window)."""
    return br.synthetic("building", seed=0)


@pytest.fixture(scope="session")
def compound() -> br.Scenario:
    """The built-in ``compound`` scenario, seed 0 (about 600 orders a window)."""
    return br.synthetic("compound", seed=0)
