"""Volunteers: who is available in a window, what a trip can carry, rest and person-time.

Thin questions over the model and the ledger; no solver logic. The rest rule is what a
coordinator sets so that nobody works every window of a ten-day quarantine:
:class:`~basket_route.Operation` leaves a volunteer off the crew of a window when working it
would break the rule.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from basket_route.model import Scenario, Volunteer

if TYPE_CHECKING:  # pandas is imported where used: ~0.4 s of start-up
    import pandas as pd

    from basket_route.ledger import Ledger

__all__ = [
    "RestRule",
    "available",
    "crew",
    "free_times",
    "trip_capacity",
    "workload",
    "workload_from",
]

WEEK_DAYS = 7
"""The rest rule's week: the day being planned and the six days before it (rolling)."""


@dataclass(frozen=True, slots=True)
class RestRule:
    """How much one volunteer may work: at most N windows a day and M a week.

    Parameters
    ----------
    max_windows_per_day
        Windows a volunteer may work on one date. None: no daily limit. Default None.
    max_windows_per_week
        Windows a volunteer may work in any 7 consecutive days (the day planned and the 6
        days before it). None: no weekly limit. Default None.

    Notes
    -----
    A volunteer *works* a window when the window's plan gives them at least one trip; a
    volunteer on shift who was not needed (standby) has not worked it. Windows are planned
    in time order, so the count for a window includes the earlier windows of its day.

    Examples
    --------
    >>> import datetime as dt
    >>> rule = RestRule(max_windows_per_day=1)
    >>> rule.check("V1", [("V1", dt.date(2020, 2, 10))], dt.date(2020, 2, 10))
    '1 window(s) worked on 2020-02-10 (at most 1 a day)'
    >>> rule.check("V1", [("V1", dt.date(2020, 2, 10))], dt.date(2020, 2, 11)) is None
    True
    """

    max_windows_per_day: int | None = None
    max_windows_per_week: int | None = None

    def __post_init__(self) -> None:
        for name in ("max_windows_per_day", "max_windows_per_week"):
            value = getattr(self, name)
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, int) or value < 1
            ):
                raise ValueError(f"{name} must be an integer >= 1 or None (got {value!r})")

    @property
    def active(self) -> bool:
        """True when the rule limits anything."""
        return self.max_windows_per_day is not None or self.max_windows_per_week is not None

    def check(
        self, volunteer_id: str, worked: Iterable[tuple[str, dt.date]], day: dt.date
    ) -> str | None:
        """Why VOLUNTEER_ID may not work another window on DAY, or None when they may.

        Parameters
        ----------
        volunteer_id
            The volunteer.
        worked
            (volunteer_id, date) of every window worked so far, by anybody.
        day
            The date of the window to be planned.

        Returns
        -------
        str or None
            The reason (naming the count and the limit), or None.
        """
        first = day - dt.timedelta(days=WEEK_DAYS - 1)
        dates = [d for v, d in worked if v == volunteer_id and first <= d <= day]
        today = sum(d == day for d in dates)
        if self.max_windows_per_day is not None and today >= self.max_windows_per_day:
            return f"{today} window(s) worked on {day} (at most {self.max_windows_per_day} a day)"
        if self.max_windows_per_week is not None and len(dates) >= self.max_windows_per_week:
            return (
                f"{len(dates)} window(s) worked from {first} to {day} "
                f"(at most {self.max_windows_per_week} in 7 days)"
            )
        return None

    def split(
        self, candidates: Sequence[str], worked: Iterable[tuple[str, dt.date]], day: dt.date
    ) -> tuple[list[str], dict[str, str]]:
        """Split CANDIDATES into those who may work on DAY and those who must rest (with why).

        Returns
        -------
        (list of str, dict of str to str)
            The allowed volunteer ids in the given order, and rested id → reason.
        """
        history = list(worked)
        allowed: list[str] = []
        rested: dict[str, str] = {}
        for vid in candidates:
            reason = self.check(vid, history, day)
            if reason is None:
                allowed.append(vid)
            else:
                rested[vid] = reason
        return allowed, rested

    def to_json(self) -> str:
        """The rule as a JSON object (stored in the ledger with each window)."""
        return json.dumps(
            {
                "max_windows_per_day": self.max_windows_per_day,
                "max_windows_per_week": self.max_windows_per_week,
            },
            sort_keys=True,
        )

    @classmethod
    def from_json(cls, text: str) -> RestRule:
        """The rule from :meth:`to_json`'s text."""
        data: Mapping[str, Any] = json.loads(text)
        return cls(data.get("max_windows_per_day"), data.get("max_windows_per_week"))

    def __str__(self) -> str:
        parts = []
        if self.max_windows_per_day is not None:
            parts.append(f"at most {self.max_windows_per_day} window(s) a day")
        if self.max_windows_per_week is not None:
            parts.append(f"at most {self.max_windows_per_week} in 7 days")
        return ", ".join(parts) or "no rest rule"


def available(scenario: Scenario, day: dt.date | str, window: str) -> list[Volunteer]:
    """The volunteers with a shift on DAY and WINDOW, sorted by id.

    Raises
    ------
    KeyError
        When WINDOW is not defined in the scenario.
    """
    scenario.window(window)
    date = day if isinstance(day, dt.date) else dt.date.fromisoformat(day)
    return scenario.volunteers_on_shift(date, window)


def crew(
    scenario: Scenario,
    day: dt.date,
    window: str,
    rule: RestRule,
    worked: Iterable[tuple[str, dt.date]],
) -> tuple[list[str], dict[str, str]]:
    """Who works DAY's WINDOW: the volunteers on shift that RULE lets work, and who rests.

    Parameters
    ----------
    scenario, day, window
        The window.
    rule
        The rest rule.
    worked
        (volunteer_id, date) of every window worked so far (see ``Ledger.worked``).

    Returns
    -------
    (list of str, dict of str to str)
        The crew's ids, sorted, and rested id → reason.
    """
    rostered = [v.volunteer_id for v in available(scenario, day, window)]
    return rule.split(rostered, worked, day)


def free_times(
    trips: pd.DataFrame, volunteers: Iterable[str], when: dt.datetime, reload_s: float
) -> dict[str, tuple[dt.datetime, int]]:
    """When each of VOLUNTEERS is free in a window, and how many trips they have made.

    Parameters
    ----------
    trips
        The window's trips (columns volunteer_id and back, as ``Ledger.trips``).
    volunteers
        The volunteers asked about.
    when
        The earliest time of interest.
    reload_s
        Seconds at the depot between two trips.

    Returns
    -------
    dict
        id → (free from: last return + reload, not before WHEN; trips in the window).
    """
    out = {}
    for vid in volunteers:
        mine = trips[trips["volunteer_id"] == vid]
        last = max((dt.datetime.fromisoformat(b) for b in mine["back"]), default=None)
        free = when if last is None else max(when, last + dt.timedelta(seconds=reload_s))
        out[vid] = (free, len(mine))
    return out


def trip_capacity(scenario: Scenario, day: dt.date | str, window: str) -> pd.DataFrame:
    """What the volunteers on shift can carry: one row per volunteer, indexed by id.

    Columns: mode, capacity_kg and capacity_bags (per trip), max_trips (per window, <NA>
    when unlimited), door_to_door. The frame's ``attrs`` hold the totals per trip:
    ``kg_per_round`` and ``bags_per_round`` (every volunteer out once).
    """
    import pandas as pd

    vols = available(scenario, day, window)
    frame = pd.DataFrame(
        {
            "volunteer_id": [v.volunteer_id for v in vols],
            "mode": [v.mode for v in vols],
            "capacity_kg": pd.Series([v.capacity_kg for v in vols], dtype="float64"),
            "capacity_bags": pd.Series([float(v.capacity_bags) for v in vols], dtype="float64"),
            "max_trips": pd.array([v.max_trips for v in vols], dtype="Int64"),
            "door_to_door": pd.Series([v.door_to_door for v in vols], dtype="bool"),
        }
    ).set_index("volunteer_id")
    frame.attrs["kg_per_round"] = float(frame["capacity_kg"].sum())
    frame.attrs["bags_per_round"] = float(frame["capacity_bags"].sum())
    return frame


_WORKLOAD_COLUMNS = ["windows", "standby", "rested", "trips", "minutes", "orders", "kg"]


def workload(ledger: Ledger) -> pd.DataFrame:
    """Person-time per volunteer from the ledger: one row per volunteer ever rostered.

    Columns
    -------
    windows
        Windows worked (at least one trip).
    standby
        Windows on the crew without a trip.
    rested
        Windows left out by the rest rule.
    trips, minutes
        Trips made and minutes on them (depart to return; a trip cut short by a drop-out
        counts until the drop-out time).
    orders, kg
        Orders carried and their weight: delivered or attempted at the door, as recorded.

    Returns
    -------
    pandas.DataFrame
        Indexed by volunteer_id, sorted.
    """
    return workload_from(ledger.shifts(), ledger.trips(), ledger.carried())


def workload_from(shifts: pd.DataFrame, trips: pd.DataFrame, carried: pd.DataFrame) -> pd.DataFrame:
    """:func:`workload` from the ledger's shifts, trips and carried tables."""
    import pandas as pd

    status: Counter[tuple[str, str]] = Counter(
        zip(shifts["volunteer_id"], shifts["status"], strict=True)
    )
    ids = sorted(
        set(shifts["volunteer_id"]) | set(trips["volunteer_id"]) | set(carried["volunteer_id"])
    )
    rows = []
    for vid in ids:
        mine = trips[trips["volunteer_id"] == vid]
        load = carried[carried["volunteer_id"] == vid]
        rows.append(
            {
                "volunteer_id": vid,
                "windows": status[(vid, "worked")],
                "standby": status[(vid, "standby")],
                "rested": status[(vid, "rested")],
                "trips": len(mine),
                "minutes": round(float(mine["minutes"].sum()), 1),
                "orders": len(load),
                "kg": round(float(load["weight_kg"].sum()), 1),
            }
        )
    frame = pd.DataFrame(rows, columns=["volunteer_id", *_WORKLOAD_COLUMNS])
    return frame.set_index("volunteer_id").astype(
        {"windows": "int64", "standby": "int64", "rested": "int64", "trips": "int64"}
    )
