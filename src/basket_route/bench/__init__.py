"""Quality benchmarks: published VRP instances, best-known costs and peer solvers.

``basket-route bench`` (:mod:`basket_route.bench.cli`) runs :func:`run_bench`; see
``docs/benchmarks.md`` for the protocol and the measured tables. Reading instances needs
the ``vrplib`` package and the PyVRP and VROOM peers need ``pyvrp`` and ``pyvroom``: all
three are in the ``bench`` extra.
"""

from basket_route.bench.evaluate import Evaluation as Evaluation
from basket_route.bench.evaluate import evaluate as evaluate
from basket_route.bench.readers import BestKnown as BestKnown
from basket_route.bench.readers import Convention as Convention
from basket_route.bench.readers import Instance as Instance
from basket_route.bench.readers import find_instances as find_instances
from basket_route.bench.readers import read_bks_csv as read_bks_csv
from basket_route.bench.readers import read_instance as read_instance
from basket_route.bench.readers import read_solution as read_solution
from basket_route.bench.readers import to_routing_problem as to_routing_problem
from basket_route.bench.runner import BenchReport as BenchReport
from basket_route.bench.runner import BenchRow as BenchRow
from basket_route.bench.runner import run_bench as run_bench

__all__ = [
    "BenchReport",
    "BenchRow",
    "BestKnown",
    "Convention",
    "Evaluation",
    "Instance",
    "evaluate",
    "find_instances",
    "read_bks_csv",
    "read_instance",
    "read_solution",
    "run_bench",
    "to_routing_problem",
]
