"""An independent evaluator of benchmark solutions, in the instance's own convention.

Every solution a solver returns (ours or a peer's) is re-scored here from the coordinates,
not from any matrix a solver was given, and not trusting the solver's objective: each
customer served exactly once, route loads within capacity, service starting inside each
time window (waiting allowed), return to the depot before it closes, at most ``fleet``
routes. The tests check it against the published best-known routes (``.sol`` files), whose
stated costs it must reproduce exactly.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from basket_route.bench.readers import Convention, Instance

__all__ = ["Evaluation", "arc_distance", "evaluate"]

_MAX_LISTED = 5


@dataclass(frozen=True, slots=True)
class Evaluation:
    """The verdict on one solution.

    Attributes
    ----------
    feasible
        True when no violation was found.
    cost_units
        Total distance in integer units of the convention (tenths for VRPTW).
    cost
        Total distance in published units (``cost_units / scale``).
    vehicles
        Number of non-empty routes.
    violations
        Human-readable violations, at most a few of each kind (with counts).
    """

    feasible: bool
    cost_units: int
    cost: float
    vehicles: int
    violations: tuple[str, ...]


def arc_distance(instance: Instance, i: int, j: int) -> int:
    """Distance from node I to node J in integer units, from the coordinates (scalar path)."""
    (xi, yi), (xj, yj) = instance.coords[i], instance.coords[j]
    dx, dy = float(xi) - float(xj), float(yi) - float(yj)
    if dx.is_integer() and dy.is_integer():
        sq = int(dx) ** 2 + int(dy) ** 2
        if instance.convention is Convention.DIMACS:
            return math.isqrt(100 * sq)
        root = math.isqrt(sq)
        return root + 1 if 4 * sq > (2 * root + 1) ** 2 else root
    euclid = math.hypot(dx, dy)
    if instance.convention is Convention.DIMACS:
        return math.floor(10 * euclid + 1e-9)
    return math.floor(euclid + 0.5)


def _listed(kind: str, items: Sequence[str]) -> str:
    shown = ", ".join(items[:_MAX_LISTED]) + (", …" if len(items) > _MAX_LISTED else "")
    return f"{kind} ({len(items)}): {shown}"


def evaluate(instance: Instance, routes: Sequence[Sequence[int]]) -> Evaluation:
    """Score ROUTES (customer node numbers per route, depot 0 omitted) on INSTANCE.

    Parameters
    ----------
    instance
        The instance the routes claim to solve.
    routes
        One sequence of customer nodes (1..n-1) per route; empty routes are ignored.

    Returns
    -------
    Evaluation
        Cost is always computed (over the valid nodes) so that infeasible solutions can be
        inspected; ``feasible`` says whether it counts.
    """
    n = instance.coords.shape[0]
    used = [list(r) for r in routes if len(r) > 0]
    bad_nodes = sorted({c for r in used for c in r if not 0 < c < n})
    counts = Counter(c for r in used for c in r if 0 < c < n)
    missing = [str(c) for c in range(1, n) if counts[c] == 0]
    repeated = [f"{c}×{k}" for c, k in sorted(counts.items()) if k > 1]
    over_cap: list[str] = []
    late: list[str] = []
    late_back: list[str] = []
    total = 0
    tw = instance.time_windows
    for r, route in enumerate(used):
        nodes = [c for c in route if 0 < c < n]
        load = sum(int(instance.demand[c]) for c in nodes)
        if load > instance.capacity:
            over_cap.append(f"route {r}: {load} > {instance.capacity}")
        prev = 0
        t = int(tw[0, 0]) if tw is not None else 0
        for c in [*nodes, 0]:
            d = arc_distance(instance, prev, c)
            total += d
            t += int(instance.service[prev]) + d
            if tw is not None:
                if c == 0:
                    if t > int(tw[0, 1]):
                        late_back.append(f"route {r} back at {t} > {int(tw[0, 1])}")
                else:
                    t = max(t, int(tw[c, 0]))
                    if t > int(tw[c, 1]):
                        late.append(f"{c} at {t} > {int(tw[c, 1])}")
            prev = c
    violations = []
    for kind, items in (
        ("unknown nodes", [str(c) for c in bad_nodes]),
        ("missing customers", missing),
        ("customers served more than once", repeated),
        ("over capacity", over_cap),
        ("late arrivals", late),
        ("late returns to the depot", late_back),
    ):
        if items:
            violations.append(_listed(kind, items))
    if instance.fleet is not None and len(used) > instance.fleet:
        violations.append(f"{len(used)} routes > fleet limit {instance.fleet}")
    scale = instance.convention.scale
    return Evaluation(
        feasible=not violations,
        cost_units=total,
        cost=total / scale,
        vehicles=len(used),
        violations=tuple(violations),
    )
