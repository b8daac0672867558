"""Households: who is in quarantine on a date, the vulnerable, and each household's orders.

Thin questions over the model and the ledger; no solver logic.

A household's quarantine runs from ``quarantine_start`` to ``quarantine_end`` (both
inclusive, FORMATS.md). A missing start means "since before the period", a missing end
"until further notice". The households of a **sealed** building share the building's dates:
the earliest start and the latest end any of its households gives (a building stays sealed
while anybody in it is in quarantine); when none of them gives an end, it has none.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING

from basket_route.model import Household, Order, Scenario

if TYPE_CHECKING:  # pandas is imported where used: ~0.4 s of start-up
    import pandas as pd

    from basket_route.ledger import Ledger

__all__ = [
    "QuarantinePeriod",
    "ended_quarantine",
    "in_quarantine",
    "order_history",
    "quarantine_periods",
    "vulnerable_households",
    "vulnerable_served",
]


@dataclass(frozen=True, slots=True)
class QuarantinePeriod:
    """The days a household is in quarantine, both ends inclusive; None = open.

    Parameters
    ----------
    start
        First day, or None (since before the period). Default None.
    end
        Last day, or None (until further notice). Default None.
    """

    start: dt.date | None = None
    end: dt.date | None = None

    def __post_init__(self) -> None:
        if self.start is not None and self.end is not None and self.end < self.start:
            raise ValueError(f"end must not be before start {self.start} (got {self.end!r})")

    def contains(self, day: dt.date) -> bool:
        """True when DAY is inside the period."""
        return (self.start is None or self.start <= day) and (self.end is None or day <= self.end)

    def ended_before(self, day: dt.date) -> bool:
        """True when the period ended before DAY (its last day is earlier)."""
        return self.end is not None and self.end < day


def _own(h: Household) -> QuarantinePeriod:
    return QuarantinePeriod(h.quarantine_start, h.quarantine_end)


def quarantine_periods(scenario: Scenario) -> Mapping[str, QuarantinePeriod]:
    """The quarantine period of every household, sealed buildings' shared dates applied.

    Returns
    -------
    Mapping[str, QuarantinePeriod]
        Household id → period (read-only).
    """
    members: dict[str, list[Household]] = {}
    for h in scenario.households.values():
        if scenario.buildings[h.building_id].sealed:
            members.setdefault(h.building_id, []).append(h)
    shared: dict[str, QuarantinePeriod] = {}
    for bid, group in members.items():
        starts = [h.quarantine_start for h in group if h.quarantine_start is not None]
        ends = [h.quarantine_end for h in group if h.quarantine_end is not None]
        open_end = not ends or any(
            h.quarantine_end is None and h.quarantine_start is not None for h in group
        )
        shared[bid] = QuarantinePeriod(
            min(starts) if starts else None, None if open_end else max(ends)
        )
    return MappingProxyType(
        {
            hid: shared[h.building_id] if h.building_id in shared else _own(h)
            for hid, h in scenario.households.items()
        }
    )


def ended_quarantine(scenario: Scenario, orders: Iterable[Order], day: dt.date) -> dict[str, str]:
    """The ORDERS to cancel on DAY because their household's quarantine has ended.

    Returns
    -------
    dict of str to str
        order_id → why, e.g. ``"household H12's quarantine ended on 2020-02-14"``.
    """
    periods = quarantine_periods(scenario)
    out = {}
    for o in orders:
        period = periods[o.household_id]
        if period.ended_before(day):
            out[o.order_id] = f"household {o.household_id}'s quarantine ended on {period.end}"
    return out


def in_quarantine(scenario: Scenario, day: dt.date | str) -> list[str]:
    """The ids of the households in quarantine on DAY, sorted."""
    date = day if isinstance(day, dt.date) else dt.date.fromisoformat(day)
    return sorted(hid for hid, p in quarantine_periods(scenario).items() if p.contains(date))


def vulnerable_households(scenario: Scenario, day: dt.date | str | None = None) -> pd.DataFrame:
    """Households with at least one ``vulnerable`` flag (e.g. ``elderly_alone``).

    Parameters
    ----------
    scenario
        The scenario.
    day
        Keep only households in quarantine on that day. Default None: all.

    Returns
    -------
    pandas.DataFrame
        Indexed by household_id: building_id, unit, floor, members, flags (``;``-joined).
        Contacts (name, phone) are personal data and are not included.
    """
    import pandas as pd

    periods = quarantine_periods(scenario)
    date = (
        None if day is None else (day if isinstance(day, dt.date) else dt.date.fromisoformat(day))
    )
    rows = [
        {
            "household_id": h.household_id,
            "building_id": h.building_id,
            "unit": h.unit,
            "floor": h.floor,
            "members": h.members,
            "flags": ";".join(h.vulnerable),
        }
        for h in sorted(scenario.households.values(), key=lambda h: h.household_id)
        if h.vulnerable and (date is None or periods[h.household_id].contains(date))
    ]
    columns = ["household_id", "building_id", "unit", "floor", "members", "flags"]
    return pd.DataFrame(rows, columns=columns).set_index("household_id")


def vulnerable_served(scenario: Scenario, ledger: Ledger, day: dt.date | str) -> pd.DataFrame:
    """Were the vulnerable households in quarantine on DAY served that day?

    Returns
    -------
    pandas.DataFrame
        :func:`vulnerable_households` for DAY plus: ``delivered_today`` (orders delivered on
        DAY), ``pending`` (orders carried over or planned, not yet delivered),
        ``served_today`` (bool) and ``last_delivery`` (date of the latest delivery or None).
        A vulnerable household with nothing delivered today and something pending is the
        one to phone.
    """
    date = day if isinstance(day, dt.date) else dt.date.fromisoformat(day)
    frame = vulnerable_households(scenario, date)
    orders = ledger.orders()
    mine = orders[orders["household_id"].isin(frame.index)]
    delivered = mine[mine["state"] == "delivered"]
    today = delivered[delivered["state_date"] == date.isoformat()]
    pending = mine[mine["state"].isin(["planned", "carried_over"])]
    frame["delivered_today"] = (
        today.groupby("household_id").size().reindex(frame.index, fill_value=0).astype("int64")
    )
    frame["pending"] = (
        pending.groupby("household_id").size().reindex(frame.index, fill_value=0).astype("int64")
    )
    frame["served_today"] = frame["delivered_today"] > 0
    last = delivered.groupby("household_id")["state_date"].max()
    frame["last_delivery"] = [
        dt.date.fromisoformat(str(last[h])) if h in last.index else None for h in frame.index
    ]
    return frame


def order_history(ledger: Ledger, household_id: str | None = None) -> pd.DataFrame:
    """Every state of every order of a household (or of all households), in time order.

    Parameters
    ----------
    ledger
        The delivery ledger.
    household_id
        The household. Default None: all households.

    Returns
    -------
    pandas.DataFrame
        One row per event: order_id, household_id, date, window, phase (plan, replan,
        record), state (planned, delivered, failed, carried_over, cancelled), reason,
        detail, volunteer_id.
    """
    events = ledger.events()
    if household_id is not None:
        events = events[events["household_id"] == household_id]
    columns = [
        "order_id",
        "household_id",
        "date",
        "window",
        "phase",
        "state",
        "reason",
        "detail",
        "volunteer_id",
    ]
    return events[columns].reset_index(drop=True)
