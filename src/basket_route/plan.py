"""The plan: plain frozen data with a stable JSON form (``basket_route.plan/1``).

A Plan can be written, read back, edited by a coordinator with :func:`dataclasses.replace`,
and checked again with :meth:`Plan.verify`. Reading the JSON back, with every key and type
checked, is in :mod:`basket_route.plan_reader`.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from basket_route.exceptions import PlanFormatError

if TYPE_CHECKING:  # pandas is imported where used: ~0.4 s of start-up
    import pandas as pd

    from basket_route.model import Scenario
    from basket_route.verification import Verification

__all__ = [
    "PLAN_FORMAT",
    "Placement",
    "Plan",
    "Route",
    "Stop",
    "Trip",
    "Unassigned",
    "UnassignedReason",
]

PLAN_FORMAT = "basket_route.plan/1"


class Placement(NamedTuple):
    """Where an order is in a plan: its volunteer, trip, stop and place, counted from 0."""

    volunteer_id: str
    trip: int
    stop: int
    position: int


class UnassignedReason(StrEnum):
    """Why an order is not on a trip; the values are the contract's reason strings."""

    NO_CAPACITY = "no_capacity"
    NO_VOLUNTEER = "no_volunteer"
    UNREACHABLE = "unreachable"
    OUT_OF_TIME = "out_of_time"
    INVALID = "invalid"


@dataclass(frozen=True, slots=True)
class Stop:
    """A building visited on a trip and the orders handed over there."""

    building_id: str
    arrive: dt.datetime
    depart: dt.datetime
    order_ids: tuple[str, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "order_ids", tuple(self.order_ids))
        if self.depart < self.arrive:
            raise ValueError(
                f"stop at {self.building_id}: depart {self.depart} is before arrive {self.arrive}"
            )
        if not self.order_ids:
            raise ValueError(f"stop at {self.building_id}: order_ids must not be empty")


@dataclass(frozen=True, slots=True)
class Trip:
    """One round from the depot and back: load, distance, stops in visiting order."""

    depot_id: str
    depart: dt.datetime
    return_: dt.datetime
    distance_m: float
    load_kg: float
    bags: int
    stops: tuple[Stop, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "stops", tuple(self.stops))
        if self.return_ < self.depart:
            raise ValueError(
                f"trip from {self.depot_id}: return {self.return_} is before depart {self.depart}"
            )

    @property
    def order_ids(self) -> tuple[str, ...]:
        """Every order of the trip, in visiting order."""
        return tuple(o for s in self.stops for o in s.order_ids)

    @property
    def duration_s(self) -> float:
        """Seconds from departure to return."""
        return (self.return_ - self.depart).total_seconds()


@dataclass(frozen=True, slots=True)
class Route:
    """All trips of one volunteer in the window, in time order."""

    volunteer_id: str
    trips: tuple[Trip, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "trips", tuple(self.trips))


@dataclass(frozen=True, slots=True)
class Unassigned:
    """An order that is on no trip, with the reason and a human-readable detail."""

    order_id: str
    reason: UnassignedReason
    detail: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "reason", UnassignedReason(self.reason))


def _iso(t: dt.datetime) -> str:
    return t.replace(microsecond=0).isoformat(timespec="seconds")


@dataclass(frozen=True, slots=True)
class Plan:
    """The plan of one collection window.

    Parameters
    ----------
    scenario
        The scenario's name.
    date, window
        The window planned.
    routes
        One route per volunteer with at least one trip, by volunteer id.
    unassigned
        Every order of the window that is not on a trip, with its reason.
    rejected
        Order rows of the scenario that belong to no defined window (an extension of
        the contract: written under the extra key ``"rejected"``).
    solver
        Facts about the search (limits, status, seed); written under ``"solver"``.
    """

    scenario: str
    date: dt.date
    window: str
    routes: tuple[Route, ...]
    unassigned: tuple[Unassigned, ...]
    rejected: tuple[Unassigned, ...] = ()
    solver: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "routes", tuple(self.routes))
        object.__setattr__(self, "unassigned", tuple(self.unassigned))
        object.__setattr__(self, "rejected", tuple(self.rejected))
        # An order listed twice is a violation reported by verify(), not a construction
        # error: coordinators must be able to load a wrongly edited plan to see what is wrong.

    # ------------------------------------------------------------------ views

    @property
    def trips(self) -> list[Trip]:
        """Every trip of every route."""
        return [t for r in self.routes for t in r.trips]

    def placements(self) -> dict[str, Placement]:
        """Where each delivered order is: volunteer, trip, stop and place in the stop."""
        return {
            oid: Placement(r.volunteer_id, t, s, p)
            for r in self.routes
            for t, trip in enumerate(r.trips)
            for s, stop in enumerate(trip.stops)
            for p, oid in enumerate(stop.order_ids)
        }

    def order_ids_delivered(self) -> list[str]:
        """Every delivered order id, route by route, in visiting order."""
        return [o for r in self.routes for t in r.trips for o in t.order_ids]

    def summary_counts(self) -> dict[str, Any]:
        """The ``summary`` object of the plan JSON."""
        delivered = len(self.order_ids_delivered())
        return {
            "orders": delivered + len(self.unassigned),
            "delivered": delivered,
            "unassigned": len(self.unassigned),
            "distance_m": round(sum(t.distance_m for t in self.trips), 1),
            "volunteers_used": sum(1 for r in self.routes if r.trips),
            "trips": len(self.trips),
        }

    def summary(self) -> str:
        """A fixed-width text summary: totals, then one line per volunteer, then reasons."""
        c = self.summary_counts()
        lines = [
            f"Plan {self.scenario or '(unnamed)'} — {self.date} {self.window}",
            f"  orders {c['orders']:>6}   delivered {c['delivered']:>6}   unassigned {c['unassigned']:>5}",
            f"  trips  {c['trips']:>6}   volunteers {c['volunteers_used']:>5}   distance {c['distance_m'] / 1000:>8.2f} km",
        ]
        if self.routes:
            lines.append(
                f"  {'volunteer':<12}{'trips':>6}{'orders':>8}{'kg':>9}{'km':>8}  {'first out':>9}  {'last back':>9}"
            )
        for r in self.routes:
            if not r.trips:
                continue
            n_orders = sum(len(t.order_ids) for t in r.trips)
            kg = sum(t.load_kg for t in r.trips)
            km = sum(t.distance_m for t in r.trips) / 1000
            lines.append(
                f"  {r.volunteer_id:<12}{len(r.trips):>6}{n_orders:>8}{kg:>9.1f}{km:>8.2f}  "
                f"{r.trips[0].depart:%H:%M:%S}  {r.trips[-1].return_:%H:%M:%S}"
            )
        reasons: dict[str, int] = {}
        for u in self.unassigned:
            reasons[u.reason.value] = reasons.get(u.reason.value, 0) + 1
        if reasons:
            lines.append(
                "  unassigned: " + ", ".join(f"{k} {v}" for k, v in sorted(reasons.items()))
            )
        if self.rejected:
            lines.append(f"  rejected rows (no such window): {len(self.rejected)}")
        if self.solver:
            lines.append("  solver: " + ", ".join(f"{k}={v}" for k, v in self.solver.items()))
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def to_frame(self) -> pd.DataFrame:
        """One row per order of the window, indexed by ``order_id``.

        Columns: status (delivered/unassigned), volunteer_id, trip (1-based), stop
        (1-based), building_id, arrive, reason, detail.
        """
        import pandas as pd

        records: list[dict[str, Any]] = []
        for r in self.routes:
            for ti, t in enumerate(r.trips, 1):
                for si, s in enumerate(t.stops, 1):
                    for oid in s.order_ids:
                        records.append(
                            {
                                "order_id": oid,
                                "status": "delivered",
                                "volunteer_id": r.volunteer_id,
                                "trip": ti,
                                "stop": si,
                                "building_id": s.building_id,
                                "arrive": s.arrive,
                                "reason": None,
                                "detail": None,
                            }
                        )
        for u in self.unassigned:
            records.append(
                {
                    "order_id": u.order_id,
                    "status": "unassigned",
                    "volunteer_id": None,
                    "trip": None,
                    "stop": None,
                    "building_id": None,
                    "arrive": None,
                    "reason": u.reason.value,
                    "detail": u.detail,
                }
            )
        columns = [
            "order_id",
            "status",
            "volunteer_id",
            "trip",
            "stop",
            "building_id",
            "arrive",
            "reason",
            "detail",
        ]
        frame = pd.DataFrame.from_records(records, columns=columns)
        frame["trip"] = frame["trip"].astype("Int64")
        frame["stop"] = frame["stop"].astype("Int64")
        return frame.set_index("order_id")

    # ------------------------------------------------------------------ JSON

    def to_dict(self) -> dict[str, Any]:
        """The plan as the JSON object of the contract (plus the extension keys)."""
        out: dict[str, Any] = {
            "format": PLAN_FORMAT,
            "scenario": self.scenario,
            "date": self.date.isoformat(),
            "window": self.window,
            "routes": [
                {
                    "volunteer_id": r.volunteer_id,
                    "trips": [
                        {
                            "depot_id": t.depot_id,
                            "depart": _iso(t.depart),
                            "return": _iso(t.return_),
                            "distance_m": round(t.distance_m, 1),
                            "load_kg": round(t.load_kg, 3),
                            "bags": t.bags,
                            "stops": [
                                {
                                    "building_id": s.building_id,
                                    "arrive": _iso(s.arrive),
                                    "depart": _iso(s.depart),
                                    "order_ids": list(s.order_ids),
                                }
                                for s in t.stops
                            ],
                        }
                        for t in r.trips
                    ],
                }
                for r in self.routes
            ],
            "unassigned": [
                {"order_id": u.order_id, "reason": u.reason.value, "detail": u.detail}
                for u in self.unassigned
            ],
            "summary": self.summary_counts(),
        }
        if self.rejected:
            out["rejected"] = [
                {"order_id": u.order_id, "reason": u.reason.value, "detail": u.detail}
                for u in self.rejected
            ]
        if self.solver:
            out["solver"] = dict(self.solver)
        return out

    def to_json(self, path: str | os.PathLike[str] | None = None) -> str:
        """The plan JSON text; with PATH also written there atomically (temp file + rename)."""
        text = json.dumps(self.to_dict(), ensure_ascii=False, indent=2) + "\n"
        if path is not None:
            atomic_write_text(Path(path), text)
        return text

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Plan:
        """Read a plan JSON object; :class:`PlanFormatError` says what is wrong and where."""
        from basket_route.plan_reader import plan_from_dict  # it imports this module

        return plan_from_dict(data)

    @classmethod
    def from_json(cls, path: str | os.PathLike[str]) -> Plan:
        """Read a plan file (UTF-8, BOM tolerated)."""
        try:
            data = json.loads(Path(path).read_bytes().decode("utf-8-sig"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise PlanFormatError(f"{path}: not valid UTF-8 JSON ({exc})") from exc
        return cls.from_dict(data)

    def verify(self, scenario: Scenario) -> Verification:
        """Check this plan against SCENARIO with the contract's rules.

        Returns
        -------
        Verification
            ``ok`` is True when there is no violation; ``violations`` and ``warnings`` list
            what was found, each naming the route, trip, stop or order.
        """
        from basket_route.verify import verify_plan

        return verify_plan(scenario, self)


def atomic_write_text(path: Path, text: str) -> None:
    """Write TEXT to PATH atomically: temp file in the same folder, fsync, ``os.replace``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
