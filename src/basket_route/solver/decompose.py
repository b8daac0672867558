"""Courier groups re-solved: large-neighbourhood search around OR-Tools on chained problems.

OR-Tools' search on a whole compound window stalls: guided local search finds its best
plan within 2-5 s and then holds it, and iterated local search improves slowly. Here the
plan is improved a few couriers at a time instead. A *group* is the couriers whose
visits lie nearest to one visit chosen at random, plus couriers with no work yet (so
that work can move to someone idle). Their visits, every trip-vehicle of their chains and
the optional visits left out that they may serve make a small problem of its own: the
objective (arc costs plus the penalties of visits left out) and every constraint
(capacities, time windows, chains, who may carry what) split by courier, so a better plan
of the group is a better plan of the window. Guided local search solves the group from
its current routes for a short burst, and the routes are replaced only when they cost
less.

This is POPMUSIC (Taillard and Voß 2002) with groups of couriers as parts, in the spirit
of the decomposition phases of large-scale VRP heuristics (Santini, Schneider, Vidal and
Vigo 2023). ``PlanOptions.courier_groups`` turns it on or off; by default it runs for a
window planned as one model with a limit of 60 s or more (:func:`groups_by_default`). At
60 s it planned 0.48 % shorter on ten compound windows none of its settings was chosen on
(8 of 10 shorter); at 10 and 30 s no shorter on windows held out (docs/benchmarks.md,
"Courier groups").

References
----------
Taillard, É. D., and Voß, S. (2002). POPMUSIC — Partial optimization metaheuristic under
special intensification conditions. In *Essays and Surveys in Metaheuristics*, 613–629.

Santini, A., Schneider, M., Vidal, T., and Vigo, D. (2023). Decomposition strategies for
vehicle routing heuristics. *INFORMS Journal on Computing* 35(3), 543–559.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from basket_route.solver.encoding import Routes
from basket_route.solver.routing_problem import RoutingProblem, evaluate_routes

__all__ = [
    "GROUPS_DEFAULT_MIN_LIMIT_S",
    "CourierGroup",
    "GroupReport",
    "courier_group",
    "couriers",
    "group_seconds",
    "groups_by_default",
    "improve_by_groups",
]

GROUP_COURIERS = 5
"""Couriers with work in a group: the nearest to the group's seed visit."""
GROUP_IDLE = 2
"""Couriers with no work added to each group (at random), so that work can move to them."""
BURST_S = 2.0
"""Seconds of guided local search per group. Probes on six compound windows, 60 s: groups
of 3 couriers with 0.5 s bursts, 4 with 1 s, 6 with 2 s and 8 with 3 s all planned
51.00-51.15 km mean (guided local search alone 51.21); 5 + 2 idle with 2 s 50.89."""

GROUPS_MIN_LIMIT_S = 8.0
"""Shortest time limit that leaves time to courier groups (at 5 s, 3 s of guided local
search then 2 s of groups planned 52.13 km mean on six compound windows, against 51.82
for 5 s of guided local search)."""
GROUPS_DEFAULT_MIN_LIMIT_S = 60.0
"""Time limit from which a window planned as one model uses courier groups unless told
otherwise (``PlanOptions.courier_groups=None``). At 60 s they planned shorter on 8 of 10
compound windows none of their settings was chosen on (0.48 % on average) and 0.3 % on
the ten before; at 10 and 30 s no shorter on windows they were not tuned on, at 120 s the
same mean on six windows (docs/benchmarks.md, "Courier groups")."""
WHOLE_SEARCH_S = 5.0
WHOLE_SEARCH_VISITS_PER_S = 70.0
"""The whole-problem search gets half the limit, at most 5 s or one second per 70 visits
(5 s for a compound window's 350 drops), before courier groups take over."""

SolveGroup = Callable[[RoutingProblem, list[list[int]], float], "Routes | None"]
"""Solve a group's problem from its routes within the seconds given: feasible routes, or
None when nothing came back."""


@dataclass(frozen=True, slots=True)
class CourierGroup:
    """One group as a problem of its own, and how it maps back to the whole problem.

    Attributes
    ----------
    problem
        The group's problem: its nodes and trip-vehicles only.
    vehicles
        The whole problem's vehicle index of each of the group's vehicles.
    nodes
        The whole problem's node index of each of the group's nodes.
    routes
        The group's current routes, in the group's node indices.
    """

    problem: RoutingProblem
    vehicles: tuple[int, ...]
    nodes: tuple[int, ...]
    routes: tuple[tuple[int, ...], ...]


@dataclass(frozen=True, slots=True)
class GroupReport:
    """What the groups did: how many were solved and how many were kept."""

    tried: int = 0
    improved: int = 0


def groups_by_default(time_limit: float | None, one_model: bool) -> bool:
    """Whether a window uses courier groups when its options leave it open.

    Parameters
    ----------
    time_limit
        The window's time limit in seconds; None for the default limit (never long
        enough) or reproducible mode.
    one_model
        True when the window is planned as one model (with or without a second search on
        an idle worker), False when it is split into sub-problems (two district samples at
        60 s: one 1.6 % longer with groups, one 0.4 % shorter; docs/benchmarks.md).

    Returns
    -------
    bool
        True for one model with a limit of at least :data:`GROUPS_DEFAULT_MIN_LIMIT_S`.
    """
    return one_model and time_limit is not None and time_limit >= GROUPS_DEFAULT_MIN_LIMIT_S


def group_seconds(problem: RoutingProblem, time_limit: float | None) -> float:
    """Seconds of TIME_LIMIT left to courier groups after the whole-problem search (0: none).

    Groups need chains, more couriers than one group holds, and a time limit of
    ``GROUPS_MIN_LIMIT_S`` or more; the whole-problem search then gets half the limit, at
    most ``WHOLE_SEARCH_S`` or one second per ``WHOLE_SEARCH_VISITS_PER_S`` visits.
    """
    if (
        time_limit is None
        or time_limit < GROUPS_MIN_LIMIT_S
        or len(problem.chains) <= GROUP_COURIERS + GROUP_IDLE
    ):
        return 0.0
    visits = len(problem.visits)
    return time_limit - min(time_limit / 2, max(WHOLE_SEARCH_S, visits / WHOLE_SEARCH_VISITS_PER_S))


def couriers(problem: RoutingProblem) -> tuple[tuple[int, ...], ...]:
    """The vehicles of each courier: the chains of a chained problem (vehicles outside
    every chain are nobody's and keep their routes), else one vehicle each."""
    if problem.chains:
        return problem.chains
    return tuple((v,) for v in range(len(problem.vehicles)))


def courier_group(problem: RoutingProblem, routes: Routes, chains: Sequence[int]) -> CourierGroup:
    """The problem of the couriers CHAINS (indices into :func:`couriers`) with ROUTES.

    The group holds every trip-vehicle of those couriers, the visits on their routes, and
    the optional visits no route serves that one of them may carry.
    """
    units = couriers(problem)
    vehicles = [v for c in chains for v in units[c]]
    new_vehicle = {v: i for i, v in enumerate(vehicles)}
    visited = {x for r in routes for x in r}
    allowed = problem.allowed_vehicles or (None,) * problem.distance.shape[0]

    def carriers(node: int) -> tuple[int, ...] | None:
        """The group's vehicles that may visit NODE (None: any)."""
        who = allowed[node]
        return None if who is None else tuple(new_vehicle[v] for v in who if v in new_vehicle)

    left_out = [i for i in problem.visits if i not in visited and carriers(i) != ()]
    nodes = sorted(
        {problem.vehicles[v].start for v in vehicles}
        | {problem.vehicles[v].end for v in vehicles}
        | {x for v in vehicles for x in routes[v]}
        | set(left_out)
    )
    index = {n: i for i, n in enumerate(nodes)}
    grid = np.ix_(nodes, nodes)
    sub_allowed = None
    if problem.allowed_vehicles is not None:
        sub_allowed = tuple(carriers(n) for n in nodes)
    sub = RoutingProblem(
        distance=problem.distance[grid].copy(),
        durations=tuple(d[grid].copy() for d in problem.durations),
        demands=problem.demands[nodes].copy(),
        time_windows=problem.time_windows[nodes].copy(),
        vehicles=tuple(
            dataclasses.replace(
                problem.vehicles[v],
                start=index[problem.vehicles[v].start],
                end=index[problem.vehicles[v].end],
            )
            for v in vehicles
        ),
        penalties=None if problem.penalties is None else problem.penalties[nodes].copy(),
        allowed_vehicles=sub_allowed,
        chains=tuple(tuple(new_vehicle[v] for v in problem.chains[c]) for c in chains)
        if problem.chains
        else (),
        gaps=tuple(problem.gaps[c] for c in chains) if problem.chains else (),
    )
    return CourierGroup(
        sub,
        tuple(vehicles),
        tuple(nodes),
        tuple(tuple(index[x] for x in routes[v]) for v in vehicles),
    )


def improve_by_groups(
    problem: RoutingProblem,
    routes: Routes,
    solve: SolveGroup,
    deadline: float,
    *,
    seed: int = 0,
    group_couriers: int = GROUP_COURIERS,
    group_idle: int = GROUP_IDLE,
    burst_s: float = BURST_S,
) -> tuple[list[tuple[int, ...]], GroupReport]:
    """ROUTES improved group by group until DEADLINE (a ``time.perf_counter()`` value).

    Parameters
    ----------
    problem
        A chained problem; vehicles outside every chain keep their routes.
    routes
        A feasible plan: visit nodes per vehicle.
    solve
        Solves a group's problem from its routes (see ``SolveGroup``).
    deadline
        No group is started after it, and none runs past it.
    seed
        Seeds the choice of groups.
    group_couriers, group_idle, burst_s
        Couriers with work per group, idle couriers added to each, seconds per group.

    Returns
    -------
    routes, report
        The improved plan (never costlier than ROUTES) and what the groups did.
    """
    current = [tuple(r) for r in routes]
    rng = np.random.default_rng(seed)
    tried = improved = 0
    units = couriers(problem)
    chains = range(len(units))
    while (left := deadline - time.perf_counter()) > min(burst_s, 0.5):
        busy = [c for c in chains if any(current[v] for v in units[c])]
        visited = [x for c in busy for v in units[c] for x in current[v]]
        if not visited:
            break
        pick = visited[int(rng.integers(len(visited)))]
        nearest = _nearest(problem, units, current, busy, pick, group_couriers)
        idle = [c for c in chains if c not in busy]
        extra = rng.permutation(len(idle))[:group_idle]
        group = courier_group(problem, current, [*nearest, *(idle[int(i)] for i in extra)])
        before = evaluate_routes(group.problem, group.routes)[1]
        result = solve(group.problem, [list(r) for r in group.routes], min(burst_s, left))
        tried += 1
        if result is not None and evaluate_routes(group.problem, result)[1] < before:
            improved += 1
            for i, v in enumerate(group.vehicles):
                current[v] = tuple(group.nodes[x] for x in result[i])
    return current, GroupReport(tried, improved)


def _nearest(
    problem: RoutingProblem,
    units: Sequence[Sequence[int]],
    routes: Sequence[tuple[int, ...]],
    busy: Sequence[int],
    visit: int,
    k: int,
) -> tuple[int, ...]:
    """The K couriers of BUSY whose visits come nearest to VISIT, nearest first."""
    near = problem.distance[visit]
    gap = {c: min(int(near[x]) for v in units[c] for x in routes[v]) for c in busy}
    return tuple(sorted(busy, key=gap.__getitem__)[:k])
