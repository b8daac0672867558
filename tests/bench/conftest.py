"""Fixtures of the benchmark tests: the stored instance folder, skipped when absent."""

from __future__ import annotations

from pathlib import Path

import pytest

BENCH_DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "benchmarks"
"""``shared/data/benchmarks`` beside the repository (tests/bench → tests → repo → its parent)."""


@pytest.fixture(scope="session")
def bench_data() -> Path:
    """The stored benchmark folder (Solomon, G&H 200, CVRPLIB X, bks.csv); skip when absent.

    Reading ``.vrp`` files needs the ``vrplib`` package (``dev`` and ``bench`` extras).
    """
    if not (BENCH_DATA / "bks.csv").is_file():
        pytest.skip(f"benchmark data not found at {BENCH_DATA}")
    pytest.importorskip("vrplib", reason="the benchmark readers need vrplib (bench extra)")
    return BENCH_DATA
