"""Tests of basket_route.options.PlanOptions: validation, overrides and the TOML reader."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from basket_route.options import PlanOptions, auto_time_limit, default_solution_limit


def test_defaults() -> None:
    """The documented defaults: auto time limit, time-limited mode, seed 0, PCI + ILS."""
    opts = PlanOptions()
    assert opts.time_limit is None
    assert opts.reproducible is False
    assert opts.solution_limit is None
    assert opts.seed == 0
    assert opts.first_solution == "PARALLEL_CHEAPEST_INSERTION"
    assert opts.metaheuristic == "ITERATED_LOCAL_SEARCH"
    assert opts.log is False


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        # time_limit must be a finite number of seconds > 0
        ({"time_limit": 0}, "time_limit"),
        ({"time_limit": -1.0}, "time_limit"),
        ({"time_limit": math.nan}, "time_limit"),
        ({"time_limit": math.inf}, "time_limit"),
        # solution_limit must be an integer >= 1
        ({"solution_limit": 0}, "solution_limit"),
        ({"solution_limit": -3}, "solution_limit"),
        ({"solution_limit": 2.5}, "solution_limit"),
        # seed must be an integer >= 0
        ({"seed": -1}, "seed"),
        ({"seed": 1.5}, "seed"),
        ({"seed": "1"}, "seed"),
        # strategy names must be OR-Tools enum names
        ({"first_solution": "FASTEST_POSSIBLE"}, "first_solution"),
        ({"first_solution": "path_cheapest_arc"}, "first_solution"),  # case matters
        ({"metaheuristic": "SIMULATED_QUENCHING"}, "metaheuristic"),
        ({"metaheuristic": ""}, "metaheuristic"),
        # courier_groups is a bool, not a truthy value
        ({"courier_groups": "yes"}, "courier_groups"),
        ({"courier_groups": 1}, "courier_groups"),
    ],
)
def test_bad_values_raise_value_error(kwargs: dict[str, object], match: str) -> None:
    """Every out-of-range option raises ValueError naming the option."""
    with pytest.raises(ValueError, match=match):
        PlanOptions(**kwargs)  # type: ignore[arg-type]


def test_good_values_accepted() -> None:
    """Boundary values that are allowed: tiny time limit, solution limit 1, seed 0, other names."""
    opts = PlanOptions(
        time_limit=0.01,
        solution_limit=1,
        seed=0,
        first_solution="PATH_CHEAPEST_ARC",
        metaheuristic="TABU_SEARCH",
        reproducible=True,
    )
    assert opts.time_limit == 0.01
    assert opts.solution_limit == 1


def test_frozen() -> None:
    """Options are immutable: changing a field raises."""
    opts = PlanOptions()
    with pytest.raises(AttributeError):
        opts.seed = 3  # type: ignore[misc]


def test_with_overrides_ignores_none() -> None:
    """None overrides keep the current value; the others replace it."""
    base = PlanOptions(time_limit=5.0, seed=3, reproducible=True)
    out = base.with_overrides(time_limit=None, seed=None, reproducible=None)
    assert out == base
    out = base.with_overrides(time_limit=2.0, seed=None, reproducible=False)
    assert out.time_limit == 2.0
    assert out.seed == 3  # None kept the old value
    assert out.reproducible is False  # False is not None: applied
    assert base.time_limit == 5.0  # the original is unchanged


def test_with_overrides_validates() -> None:
    """An override is validated like a constructor argument."""
    with pytest.raises(ValueError, match="seed"):
        PlanOptions().with_overrides(seed=-2)


def test_from_toml_empty_file_gives_defaults(tmp_path: Path) -> None:
    """An empty TOML file (and one without a [plan] table) gives the defaults."""
    empty = tmp_path / "empty.toml"
    empty.write_text("", encoding="utf-8")
    assert PlanOptions.from_toml(empty) == PlanOptions()
    other = tmp_path / "other.toml"
    other.write_text('name = "x"\n[windows.AM]\nstart = "09:00"\n', encoding="utf-8")
    assert PlanOptions.from_toml(other) == PlanOptions()


def test_from_toml_reads_plan_table(tmp_path: Path) -> None:
    """Keys of the [plan] table set the options; missing keys keep their defaults."""
    path = tmp_path / "plan.toml"
    path.write_text(
        '[plan]\ntime_limit = 2.5\nseed = 7\nreproducible = true\nmetaheuristic = "TABU_SEARCH"\n',
        encoding="utf-8",
    )
    opts = PlanOptions.from_toml(path)
    assert opts == PlanOptions(
        time_limit=2.5, seed=7, reproducible=True, metaheuristic="TABU_SEARCH"
    )


def test_from_toml_unknown_key(tmp_path: Path) -> None:
    """An unknown [plan] key raises ValueError naming it and the known keys."""
    path = tmp_path / "plan.toml"
    path.write_text("[plan]\ntime_limt = 2\n", encoding="utf-8")
    with pytest.raises(ValueError, match="time_limt") as info:
        PlanOptions.from_toml(path)
    assert "time_limit" in str(info.value)  # the known keys are listed


def test_from_toml_bad_value(tmp_path: Path) -> None:
    """A known key with an out-of-range value raises ValueError."""
    path = tmp_path / "plan.toml"
    path.write_text("[plan]\nseed = -4\n", encoding="utf-8")
    with pytest.raises(ValueError, match="seed"):
        PlanOptions.from_toml(path)


def test_from_toml_wrong_type_is_value_error(tmp_path: Path) -> None:
    """A [plan] value of the wrong type (a string for time_limit) raises ValueError."""
    path = tmp_path / "plan.toml"
    path.write_text('[plan]\ntime_limit = "fast"\n', encoding="utf-8")
    with pytest.raises(ValueError, match="time_limit"):
        PlanOptions.from_toml(path)


def test_from_toml_syntax_error_is_value_error(tmp_path: Path) -> None:
    """A TOML syntax error surfaces as a ValueError (tomllib.TOMLDecodeError)."""
    path = tmp_path / "plan.toml"
    path.write_text("[plan\nseed = 1\n", encoding="utf-8")
    with pytest.raises(ValueError):
        PlanOptions.from_toml(path)


@pytest.mark.parametrize(
    ("n_drops", "expected"),
    [
        (0, 0.5),  # floor
        (40, 1.0),  # n / 40
        (310, 7.75),  # n / 40: a compound window
        (10_000, 60.0),  # ceiling
    ],
)
def test_auto_time_limit(n_drops: int, expected: float) -> None:
    """The automatic time limit grows with the drops, between 0.5 and 60 s."""
    assert auto_time_limit(n_drops) == expected


def test_default_solution_limit() -> None:
    """Reproducible mode explores 30 + drops // 4 solutions by default."""
    assert default_solution_limit(0) == 30
    assert default_solution_limit(150) == 67


@pytest.mark.parametrize(
    ("options", "one_model", "expected"),
    [
        (PlanOptions(), True, False),  # the default limit
        (PlanOptions(time_limit=60), True, True),
        (PlanOptions(time_limit=60), False, False),  # a split window
        (PlanOptions(time_limit=60, reproducible=True), True, False),  # a safety cap only
        (PlanOptions(time_limit=10, courier_groups=True), False, True),  # asked for
        (PlanOptions(time_limit=60, courier_groups=False), True, False),  # turned off
    ],
)
def test_courier_groups_decided(options: PlanOptions, one_model: bool, expected: bool) -> None:
    """None (the default) becomes True or False; True and False are kept."""
    assert PlanOptions().courier_groups is None
    assert options.with_courier_groups_decided(one_model).courier_groups is expected
