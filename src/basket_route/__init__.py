"""basket_route: plan grocery and medicine deliveries to households in lockdown.

Orders of each building are grouped into drops that fit a courier's trip, drops are
assigned to the volunteers on shift and every trip is routed from the supply depot with
Google OR-Tools; every order ends on a timed trip or in ``unassigned`` with its reason.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from basket_route.exceptions import PlanFormatError as PlanFormatError
from basket_route.exceptions import ScenarioError as ScenarioError
from basket_route.exceptions import ScenarioWarning as ScenarioWarning
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
from basket_route.verify import Verification as Verification
from basket_route.verify import verify_plan as verify_plan

try:
    __version__ = version("basket-route")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0+unknown"

__all__ = [
    "Building",
    "Depot",
    "Household",
    "Intake",
    "InvalidOrder",
    "ItemTable",
    "Order",
    "PathEdge",
    "Plan",
    "PlanFormatError",
    "PlanOptions",
    "Priority",
    "Route",
    "Scenario",
    "ScenarioError",
    "ScenarioWarning",
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
    "load_scenario",
    "parse_chat",
    "plan_map",
    "plan_window",
    "read_chat",
    "read_orders_excel",
    "scenario_from_frames",
    "synthetic",
    "verify_plan",
    "write_map",
    "write_sheets",
    "write_synthetic",
]
