"""Tests of basket_route.solver.batching: the multi-dimensional bin packing of orders."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from basket_route.solver.batching import pack

Sizes = list[tuple[int, ...]]


def _first_fit(sizes: Sequence[tuple[int, ...]], capacity: tuple[int, ...]) -> list[list[int]]:
    """Plain first fit in the given order (first-fit decreasing when SIZES is sorted)."""
    bins: list[list[int]] = []
    loads: list[list[int]] = []
    for i, size in enumerate(sizes):
        for b, load in enumerate(loads):
            if all(load[k] + size[k] <= capacity[k] for k in range(len(capacity))):
                bins[b].append(i)
                load[:] = [load[k] + size[k] for k in range(len(capacity))]
                break
        else:
            bins.append([i])
            loads.append(list(size))
    return bins


def _fits(
    sizes: Sequence[tuple[int, ...]], members: Sequence[int], capacity: tuple[int, ...]
) -> bool:
    return all(sum(sizes[i][k] for i in members) <= capacity[k] for k in range(len(capacity)))


def _optimum(sizes: Sequence[tuple[int, ...]], capacity: tuple[int, ...]) -> int:
    """The fewest bins, by brute force over every assignment of items to bins."""
    n = len(sizes)
    for n_bins in range(1, n + 1):
        for assignment in itertools.product(range(n_bins), repeat=n):
            groups = [[i for i in range(n) if assignment[i] == b] for b in range(n_bins)]
            if all(_fits(sizes, g, capacity) for g in groups):
                return n_bins
    return 0


def _assert_valid(
    sizes: Sequence[tuple[int, ...]], capacity: tuple[int, ...], bins: list[list[int]]
) -> None:
    """Every item exactly once, no empty bin, every bin within capacity on every dimension."""
    items = sorted(i for b in bins for i in b)
    assert items == list(range(len(sizes)))
    assert all(bins), "empty bin"
    for b in bins:
        assert _fits(sizes, b, capacity), (b, [sizes[i] for i in b], capacity)


@pytest.mark.parametrize(
    ("sizes", "capacity"),
    [
        ([], (10,)),  # nothing to pack
        ([(3,)], (10,)),  # one item
        ([(10,), (10,), (10,)], (10,)),  # each item fills a bin
        ([(2, 1), (2, 1), (2, 1), (2, 1)], (10, 2)),  # the second dimension binds
        ([(0, 1), (5, 0), (5, 0), (0, 1)], (5, 1)),  # complementary dimensions
        ([(1, 1, 300), (1, 1, 300), (1, 1, 300)], (50, 10, 600)),  # service time binds
        ([(0,), (0,), (0,)], (0,)),  # zero capacity, zero sizes
    ],
)
def test_pack_valid(sizes: Sizes, capacity: tuple[int, ...]) -> None:
    """Hand cases: every item once, bins within capacity, the optimum number of bins."""
    bins = pack(sizes, capacity)
    _assert_valid(sizes, capacity, bins)
    assert len(bins) == _optimum(sizes, capacity)


def test_ffd_hard_case_cp_sat_beats_first_fit() -> None:
    """Sizes 4, 4, 3, 3, 3, 3 in bins of 10: first-fit decreasing needs 3, two suffice.

    FFD: {4, 4}, {3, 3, 3}, {3}. Optimum: {4, 3, 3} twice (brute force confirms).
    """
    sizes: Sizes = [(4,), (4,), (3,), (3,), (3,), (3,)]
    capacity = (10,)
    assert len(_first_fit(sizes, capacity)) == 3
    assert _optimum(sizes, capacity) == 2
    bins = pack(sizes, capacity)
    _assert_valid(sizes, capacity, bins)
    assert len(bins) == 2


def test_ffd_hard_case_two_dimensions() -> None:
    """(kg, bags) items 7/1, 6/2, 3/1, 2/2 in bins of 10 kg and 3 bags.

    First fit: {7/1, 3/1}, {6/2}, {2/2} (2/2 fits neither: 12 kg, 4 bags): 3 bins, though
    first fit on either dimension alone needs only 2. Optimum: {7/1, 2/2}, {6/2, 3/1}.
    """
    sizes: Sizes = [(7, 1), (6, 2), (3, 1), (2, 2)]
    capacity = (10, 3)
    assert len(_first_fit(sizes, capacity)) == 3
    assert _optimum(sizes, capacity) == 2
    bins = pack(sizes, capacity)
    _assert_valid(sizes, capacity, bins)
    assert len(bins) == 2


def test_pack_deterministic() -> None:
    """The same input gives the same bins, on the first-fit and on the CP-SAT path."""
    cases: list[tuple[Sizes, tuple[int, ...]]] = [
        ([(4,), (4,), (3,), (3,), (3,), (3,)], (10,)),  # CP-SAT path
        ([(7, 2), (3, 1), (5, 5), (1, 1), (2, 3)], (10, 6)),
        ([(i % 7 + 1, i % 3 + 1) for i in range(40)], (12, 5)),
    ]
    for sizes, capacity in cases:
        first = pack(sizes, capacity)
        assert all(pack(sizes, capacity) == first for _ in range(3))


def test_pack_bins_in_order_of_first_item() -> None:
    """pack's docstring: bins in order of their first item, also after CP-SAT improves FF.

    Sizes 1, 1, 2, 2, 2, 2 in bins of 3: first fit gives {1, 1}, {2}, {2}, {2}, {2} (5 bins);
    the optimum is 4 bins ({1, 2} twice, {2}, {2}), listed by first item.
    """
    sizes: Sizes = [(1,), (1,), (2,), (2,), (2,), (2,)]
    bins = pack(sizes, (3,))
    _assert_valid(sizes, (3,), bins)
    assert len(bins) == _optimum(sizes, (3,)) == 4
    assert bins == sorted(bins, key=lambda b: b[0])


@st.composite
def instances(draw: st.DrawFn) -> tuple[Sizes, tuple[int, ...]]:
    """1-3 dimensions, capacities 1-20, up to 10 items that each fit alone."""
    k = draw(st.integers(1, 3))
    capacity = tuple(draw(st.integers(1, 20)) for _ in range(k))
    item = st.tuples(*(st.integers(0, c) for c in capacity))
    sizes = draw(st.lists(item, max_size=10))
    return sizes, capacity


@settings(max_examples=50, deadline=None)
@given(instances())
def test_pack_property(instance: tuple[Sizes, tuple[int, ...]]) -> None:
    """Every item exactly once, capacity respected, never worse than first fit, never below
    the volume lower bound; within each bin the items keep their given order."""
    sizes, capacity = instance
    bins = pack(sizes, capacity)
    _assert_valid(sizes, capacity, bins)
    assert len(bins) <= len(_first_fit(sizes, capacity))
    lower = max(-(-sum(s[k] for s in sizes) // capacity[k]) for k in range(len(capacity)))
    assert len(bins) >= lower
    assert all(b == sorted(b) for b in bins)
    assert pack(sizes, capacity) == bins  # deterministic
