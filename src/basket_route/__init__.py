"""basket_route: plan grocery and medicine deliveries to households in lockdown.

Orders of each building are grouped into drops that fit a courier's trip, drops are
assigned to the volunteers on shift and every trip is routed from the supply depot with
Google OR-Tools; every order ends on a timed trip or in ``unassigned`` with its reason.
"""

from __future__ import annotations

from basket_route.exceptions import PlanFormatError as PlanFormatError
from basket_route.exceptions import ScenarioError as ScenarioError
from basket_route.exceptions import ScenarioWarning as ScenarioWarning
from basket_route.households import QuarantinePeriod as QuarantinePeriod
from basket_route.households import in_quarantine as in_quarantine
from basket_route.households import order_history as order_history
from basket_route.households import quarantine_periods as quarantine_periods
from basket_route.households import vulnerable_households as vulnerable_households
from basket_route.households import vulnerable_served as vulnerable_served
from basket_route.io.intake import Intake as Intake
from basket_route.io.intake import UnparsedLine as UnparsedLine
from basket_route.io.intake import parse_chat as parse_chat
from basket_route.io.intake import read_chat as read_chat
from basket_route.io.intake_excel import read_orders_excel as read_orders_excel
from basket_route.io.items import ItemTable as ItemTable
from basket_route.io.scenario import load_scenario as load_scenario
from basket_route.io.scenario import scenario_from_frames as scenario_from_frames
from basket_route.io.sheets import building_manifests as building_manifests
from basket_route.io.sheets import chat_text as chat_text
from basket_route.io.sheets import courier_sheets as courier_sheets
from basket_route.io.sheets import write_sheets as write_sheets
from basket_route.ledger import Ledger as Ledger
from basket_route.ledger import LedgerError as LedgerError
from basket_route.ledger import OrderState as OrderState
from basket_route.ledger import scenario_fingerprint as scenario_fingerprint
from basket_route.maps import plan_map as plan_map
from basket_route.maps import write_map as write_map
from basket_route.model import Building as Building
from basket_route.model import Depot as Depot
from basket_route.model import Household as Household
from basket_route.model import InvalidOrder as InvalidOrder
from basket_route.model import Order as Order
from basket_route.model import PathEdge as PathEdge
from basket_route.model import Priority as Priority
from basket_route.model import Scenario as Scenario
from basket_route.model import ServiceTimes as ServiceTimes
from basket_route.model import Settings as Settings
from basket_route.model import Shift as Shift
from basket_route.model import Volunteer as Volunteer
from basket_route.model import Window as Window
from basket_route.operation import Operation as Operation
from basket_route.operation import Outcome as Outcome
from basket_route.operation import OutcomeStatus as OutcomeStatus
from basket_route.operation import read_outcomes as read_outcomes
from basket_route.options import PlanOptions as PlanOptions
from basket_route.plan import Plan as Plan
from basket_route.plan import Route as Route
from basket_route.plan import Stop as Stop
from basket_route.plan import Trip as Trip
from basket_route.plan import Unassigned as Unassigned
from basket_route.plan import UnassignedReason as UnassignedReason
from basket_route.scenarios import synthetic as synthetic
from basket_route.scenarios import write_synthetic as write_synthetic
from basket_route.solver.pipeline import plan_window as plan_window
from basket_route.stats import ServiceStats as ServiceStats
from basket_route.stats import service_stats as service_stats
from basket_route.verify import Verification as Verification
from basket_route.verify import verify_plan as verify_plan
from basket_route.volunteers import RestRule as RestRule
from basket_route.volunteers import trip_capacity as trip_capacity
from basket_route.volunteers import workload as workload


def __getattr__(name: str) -> str:
    """``__version__``, read from the installed metadata on first use: importing
    ``importlib.metadata`` costs about 60 ms of every start-up otherwise."""
    if name != "__version__":
        raise AttributeError(f"module 'basket_route' has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        found = version("basket-route")
    except PackageNotFoundError:  # running from a source tree that is not installed
        found = "0+unknown"
    globals()["__version__"] = found
    return found


__all__ = [
    "Building",
    "Depot",
    "Household",
    "Intake",
    "InvalidOrder",
    "ItemTable",
    "Ledger",
    "LedgerError",
    "Operation",
    "Order",
    "OrderState",
    "Outcome",
    "OutcomeStatus",
    "PathEdge",
    "Plan",
    "PlanFormatError",
    "PlanOptions",
    "Priority",
    "QuarantinePeriod",
    "RestRule",
    "Route",
    "Scenario",
    "ScenarioError",
    "ScenarioWarning",
    "ServiceStats",
    "ServiceTimes",
    "Settings",
    "Shift",
    "Stop",
    "Trip",
    "Unassigned",
    "UnassignedReason",
    "UnparsedLine",
    "Verification",
    "Volunteer",
    "Window",
    "__version__",
    "building_manifests",
    "chat_text",
    "courier_sheets",
    "in_quarantine",
    "load_scenario",
    "order_history",
    "parse_chat",
    "plan_map",
    "plan_window",
    "quarantine_periods",
    "read_chat",
    "read_orders_excel",
    "read_outcomes",
    "scenario_fingerprint",
    "scenario_from_frames",
    "service_stats",
    "synthetic",
    "trip_capacity",
    "verify_plan",
    "vulnerable_households",
    "vulnerable_served",
    "workload",
    "write_map",
    "write_sheets",
    "write_synthetic",
]
