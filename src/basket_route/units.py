"""Solver units: OR-Tools works in int64, so every quantity is scaled and rounded here, once.

- time: whole **seconds**, rounded *up* so that a plan feasible in solver units is feasible
  in exact arithmetic (the real trip is never longer than the planned one);
- distance: whole **metres** for the arc cost (reported distances are recomputed in floats);
- weight: whole **grams**, rounded *up* so that loads never exceed capacities.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import numpy.typing as npt

from basket_route.exceptions import ScalingWarning

__all__ = [
    "GRAMS_PER_KG",
    "MAX_VALUE",
    "capacity_count",
    "capacity_grams",
    "ceil_int",
    "grams",
    "seconds",
]

MAX_VALUE: int = 2**40
"""Largest value handed to OR-Tools for one arc or one quantity.

Sums over a few thousand arcs must stay far below int64's 9.2e18; 2**40 (about 1.1e12)
leaves that margin. Larger values are clipped with a :class:`ScalingWarning`.
"""

GRAMS_PER_KG: int = 1000


def ceil_int(value: float) -> int:
    """VALUE rounded up to an int, clipped to :data:`MAX_VALUE` with a warning."""
    if not math.isfinite(value):
        raise ValueError(f"cannot convert non-finite value {value!r} to solver units")
    result = math.ceil(value - 1e-9)  # 29.9999999 from float noise is 30, not 31
    if result > MAX_VALUE:
        warnings.warn(f"value {value!r} clipped to {MAX_VALUE}", ScalingWarning, stacklevel=2)
        return MAX_VALUE
    return int(result)


def seconds(value: float) -> int:
    """A duration in whole seconds, rounded up."""
    return ceil_int(value)


def grams(kg: float) -> int:
    """A weight in whole grams, rounded up."""
    return ceil_int(kg * GRAMS_PER_KG)


def capacity_grams(kg: float) -> int:
    """A capacity in whole grams, rounded *down* (loads round up): never over capacity."""
    if math.isinf(kg):
        return MAX_VALUE
    return int(min(MAX_VALUE, math.floor(kg * GRAMS_PER_KG + 1e-9)))


def capacity_count(count: float) -> int:
    """A count capacity (bags) as an int; unlimited becomes :data:`MAX_VALUE`."""
    return MAX_VALUE if math.isinf(count) else int(min(MAX_VALUE, count))


def ceil_matrix(values: npt.NDArray[np.float64], big: int) -> npt.NDArray[np.int64]:
    """Element-wise ceiling of a float matrix as int64; inf (no path) becomes BIG."""
    out = np.full(values.shape, big, dtype=np.int64)
    finite = np.isfinite(values)
    clipped = np.minimum(np.ceil(values[finite] - 1e-9), MAX_VALUE)
    out[finite] = clipped.astype(np.int64)
    return out
