"""What the delivery ledger records: order and shift states, received orders, fingerprints.

The states an order and a rostered volunteer can be in, an order as it entered the ledger
(:class:`ReceivedOrder`), the fingerprint that ties a ledger to its scenario, and the error
a ledger raises. Nothing here touches a file; every name is re-exported from
:mod:`basket_route.ledger`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, fields, is_dataclass
from enum import Enum, StrEnum
from typing import Any

from basket_route.model import InvalidOrder, Order, Scenario

__all__ = [
    "LedgerError",
    "OrderState",
    "ReceivedOrder",
    "ShiftStatus",
    "scenario_fingerprint",
]


class LedgerError(ValueError):
    """A ledger cannot be used or a write would break its history; the message says why."""


class OrderState(StrEnum):
    """The state of an order in the ledger."""

    PLANNED = "planned"
    CARRIED_OVER = "carried_over"
    DELIVERED = "delivered"
    FAILED = "failed"
    CANCELLED = "cancelled"


class ShiftStatus(StrEnum):
    """What a rostered volunteer did in a window."""

    WORKED = "worked"  # at least one trip
    STANDBY = "standby"  # on the crew, not needed
    RESTED = "rested"  # left out by the rest rule
    DROPPED_OUT = "dropped_out"  # dropped out before delivering anything


@dataclass(frozen=True, slots=True)
class ReceivedOrder:
    """An order as it entered the ledger: its original data (None where unreadable)."""

    order_id: str
    valid: bool
    household_id: str | None = None
    building_id: str | None = None
    date: dt.date | None = None
    window: str | None = None
    weight_kg: float | None = None
    bags: int | None = None
    priority: str | None = None
    due: dt.time | None = None

    @classmethod
    def of(cls, order: Order | InvalidOrder, scenario: Scenario) -> ReceivedOrder:
        """The ledger row of ORDER (a valid order or an invalid row) of SCENARIO."""
        if isinstance(order, InvalidOrder):
            return cls(order.order_id, False, date=order.date, window=order.window)
        building = scenario.households[order.household_id].building_id
        return cls(
            order.order_id, True, order.household_id, building, order.date, order.window,
            order.weight_kg, order.bags, order.priority.value, order.due,
        )  # fmt: skip

    def same_order(self, other: ReceivedOrder) -> bool:
        """True when both describe the same order (the building may have been renamed)."""
        keys = ("valid", "household_id", "date", "window", "weight_kg", "bags", "priority", "due")
        return all(getattr(self, k) == getattr(other, k) for k in keys)


def _canon(obj: Any) -> Any:
    if is_dataclass(obj) and not isinstance(obj, type):
        skip = {"source", "row"}  # where it was read from is not what it is
        return {f.name: _canon(getattr(obj, f.name)) for f in fields(obj) if f.name not in skip}
    if isinstance(obj, Mapping):
        return {str(k): _canon(v) for k, v in sorted(obj.items())}
    if isinstance(obj, list | tuple):
        return [_canon(v) for v in obj]
    if isinstance(obj, Enum):
        return obj.value
    if isinstance(obj, dt.date | dt.time):
        return obj.isoformat()
    if isinstance(obj, float):
        return repr(obj)
    return obj


def scenario_fingerprint(scenario: Scenario) -> str:
    """SHA-256 of the scenario's content (not of where it was read from), 16 hex digits.

    Two scenarios with the same settings, places, people, orders and shifts have the same
    fingerprint, whatever folder or row order they were read from.
    """
    data = _canon(scenario)
    data["shifts"] = sorted(json.dumps(s, sort_keys=True) for s in data["shifts"])
    text = json.dumps(data, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
