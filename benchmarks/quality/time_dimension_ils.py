"""Does a time dimension that cannot bind slow OR-Tools' iterated local search on a CVRP?

    python benchmarks/quality/time_dimension_ils.py ../shared/data/benchmarks --with-time
    python benchmarks/quality/time_dimension_ils.py ../shared/data/benchmarks

The routing core gives every problem a time dimension, CVRPLIB instances included. This
builds a plain OR-Tools model of a CVRPLIB instance (capacity only, or with a time
dimension whose transits are the arc costs and whose horizon is never reached), runs the
routing core's ILS settings (``solver.ils.set_iterated_local_search``) from parallel
cheapest insertion for the limit on three node numberings, and prints the cost reached and
how many solutions OR-Tools reported. Result in docs/benchmarks.md ("Measured and not
adopted", the ILS operators item).
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

from neighbour_restriction import read_cvrp  # this directory
from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from basket_route.solver.ils import set_iterated_local_search


def main() -> None:
    """Solve the instance on numberings 0, 1, 2 and print one line each."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path)
    parser.add_argument("--instance", default="X-n204-k19")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--with-time", action="store_true")
    args = parser.parse_args()
    instance = read_cvrp(next(args.data.rglob(f"{args.instance}.vrp")))
    n = len(instance.distance)
    vehicles = instance.vehicles + 2
    for seed in (0, 1, 2):
        order = [0, *random.Random(seed).sample(range(1, n), n - 1)] if seed else list(range(n))
        distance = [[instance.distance[a][b] for b in order] for a in order]
        manager = pywrapcp.RoutingIndexManager(n, vehicles, 0)
        model = pywrapcp.RoutingModel(manager)
        arc = model.RegisterTransitMatrix(distance)
        model.SetArcCostEvaluatorOfAllVehicles(arc)
        demand = model.RegisterUnaryTransitVector([instance.demand[a] for a in order])
        model.AddDimensionWithVehicleCapacity(
            demand, 0, [instance.capacity] * vehicles, True, "load"
        )
        if args.with_time:
            model.AddDimensionWithVehicleTransits([arc] * vehicles, 10**9, 10**9, False, "time")
        search = pywrapcp.DefaultRoutingSearchParameters()
        search.first_solution_strategy = (
            routing_enums_pb2.FirstSolutionStrategy.PARALLEL_CHEAPEST_INSERTION
        )
        set_iterated_local_search(search)
        search.time_limit.FromMilliseconds(int(args.seconds * 1000))
        found = [0]
        model.AddAtSolutionCallback(lambda found=found: found.__setitem__(0, found[0] + 1))
        solution = model.SolveWithIteratedLocalSearch(search)
        cost = int(solution.ObjectiveValue()) if solution else None
        label = "with time dimension" if args.with_time else "capacity only"
        print(f"{args.instance} {label}, numbering {seed}: {cost}, {found[0]} solutions")


if __name__ == "__main__":
    main()
