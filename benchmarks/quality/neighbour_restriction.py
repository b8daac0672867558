"""OR-Tools' neighbour-restricted local search, operator by operator, on a plain CVRP.

    python benchmarks/quality/neighbour_restriction.py ../shared/data/benchmarks

Standard library and OR-Tools only (no basket_route), so that it runs under any OR-Tools
version: ``pip install ortools==9.11.4210`` in a fresh venv and run it again.

``RoutingSearchParameters.ls_operator_neighbors_ratio`` below 1 should make the relocate,
exchange, cross and two-opt operators look at each node's nearest nodes only (granular
neighbourhoods), which is faster and, in the literature, about as good. This script
builds the plainest model there is — X-n204-k19 of CVRPLIB, one capacity dimension, every
vehicle alike, no basket_route code in the model — starts every run from
PARALLEL_CHEAPEST_INSERTION and runs greedy descent with one operator switched on (and with
OR-Tools' default set), once with every node as a neighbour and once with the nearest
20 % (at least 20). It prints the cost each run ends with and the OR-Tools version.

Measured (docs/reliability.md, "Neighbour-restricted operators"): with OR-Tools 9.10 and
9.11 the restricted default operator set improves the start a little more than the
unrestricted one in the same time; with 9.12 to 9.15 it returns the start untouched.
So the routing core never sets the ratio.
"""

from __future__ import annotations

import argparse
import math
import re
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

from ortools.constraint_solver import pywrapcp, routing_enums_pb2
from ortools.util import optional_boolean_pb2

OPERATORS: tuple[str | tuple[str, ...], ...] = (
    "use_relocate",
    "use_exchange",
    "use_cross",
    "use_two_opt",
    "use_or_opt",
    "use_relocate_expensive_chain",
    # or-opt ignores the neighbour lists and improves alone; with relocate beside it?
    ("use_or_opt", "use_relocate"),
)


@dataclass(frozen=True)
class Instance:
    """A CVRPLIB instance: rounded Euclidean distances (VRPLIB's convention)."""

    distance: list[list[int]]
    demand: list[int]
    capacity: int
    vehicles: int


def read_cvrp(path: Path) -> Instance:
    """Read a CVRPLIB ``.vrp`` file (depot first); vehicles: the ``kN`` of its name."""
    section, capacity = "", 0
    coords: list[tuple[float, float]] = []
    demand: list[int] = []
    for line in path.read_text().splitlines():
        words = line.replace(":", " ").split()
        if not words:
            continue
        if words[0] == "CAPACITY":
            capacity = int(words[1])
        elif words[0].endswith("_SECTION") or words[0] == "EOF":
            section = words[0]
        elif section == "NODE_COORD_SECTION":
            coords.append((float(words[1]), float(words[2])))
        elif section == "DEMAND_SECTION":
            demand.append(int(words[1]))
    distance = [[round(math.dist(a, b)) for b in coords] for a in coords]
    found = re.search(r"-k(\d+)", path.stem)
    return Instance(distance, demand, capacity, int(found.group(1)) if found else len(coords))


def descend(
    instance: Instance, operator: str | tuple[str, ...] | None, ratio: float, seconds: float
) -> int:
    """Cost after greedy descent with OPERATOR only (a tuple: those; None: the default set)."""
    vehicles = instance.vehicles
    manager = pywrapcp.RoutingIndexManager(len(instance.distance), vehicles, 0)
    model = pywrapcp.RoutingModel(manager)
    model.SetArcCostEvaluatorOfAllVehicles(model.RegisterTransitMatrix(instance.distance))
    model.AddDimensionWithVehicleCapacity(
        model.RegisterUnaryTransitVector(instance.demand),
        0,
        [instance.capacity] * vehicles,
        True,
        "load",
    )
    search = pywrapcp.DefaultRoutingSearchParameters()
    search.first_solution_strategy = (
        routing_enums_pb2.FirstSolutionStrategy.PARALLEL_CHEAPEST_INSERTION
    )
    search.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GREEDY_DESCENT
    search.time_limit.FromMilliseconds(int(seconds * 1000))
    if operator is not None:
        for field in search.local_search_operators.DESCRIPTOR.fields:
            on = field.name in ((operator,) if isinstance(operator, str) else operator)
            value = optional_boolean_pb2.BOOL_TRUE if on else optional_boolean_pb2.BOOL_FALSE
            setattr(search.local_search_operators, field.name, value)
    if ratio < 1:
        search.ls_operator_neighbors_ratio = ratio
        search.ls_operator_min_neighbors = 20
    solution = model.SolveWithParameters(search)
    return int(solution.ObjectiveValue())


def main() -> None:
    """Print the Markdown table of the module docstring."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path)
    parser.add_argument("--instance", default="X-n204-k19")
    parser.add_argument("--ratio", type=float, nargs="+", default=[0.2])
    parser.add_argument("--seconds", type=float, default=1.0)
    args = parser.parse_args()
    instance = read_cvrp(next(args.data.rglob(f"{args.instance}.vrp")))
    start = descend(instance, "use_make_active", 1.0, args.seconds)  # moves nothing here
    print(f"OR-Tools {version('ortools')}, {args.instance}, start {start}")
    print()
    print("| operator | every node | " + " | ".join(f"nearest {r:.0%}" for r in args.ratio) + " |")
    print("|---|---:|" + "---:|" * len(args.ratio))
    for operator in (*OPERATORS, None):
        cells = [descend(instance, operator, r, args.seconds) for r in (1.0, *args.ratio)]
        name = " + ".join(operator) if isinstance(operator, tuple) else operator
        print(f"| {name or 'default set'} | " + " | ".join(map(str, cells)) + " |", flush=True)


if __name__ == "__main__":
    main()
