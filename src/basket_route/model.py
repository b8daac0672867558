"""The domain model: frozen dataclasses, each validated when it is constructed.

Messages name the field at fault, as the scenario files name their columns, so that the
reader can point at file, row and column. Edit objects with :func:`dataclasses.replace`.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Any

__all__ = [
    "Building",
    "CoordinateSystem",
    "Depot",
    "Household",
    "InvalidFieldError",
    "InvalidOrder",
    "Order",
    "PathEdge",
    "Priority",
    "Scenario",
    "ServiceTimes",
    "Settings",
    "Shift",
    "Volunteer",
    "Window",
    "as_date",
]


class InvalidFieldError(ValueError):
    """A model field holds a value outside its domain; ``field`` names it."""

    def __init__(self, field_name: str, value: object, message: str) -> None:
        self.field = field_name
        self.value = value
        super().__init__(f"{field_name} {message} (got {value!r})")


def _require(ok: bool, field_name: str, value: object, message: str) -> None:
    if not ok:
        raise InvalidFieldError(field_name, value, message)


def _finite(value: float) -> bool:
    return isinstance(value, int | float) and math.isfinite(value)


def _text_id(field_name: str, value: object) -> None:
    _require(
        isinstance(value, str) and value.strip() != "",
        field_name,
        value,
        "must be a non-empty string",
    )


class Priority(StrEnum):
    """How much an order matters when not everything can be delivered."""

    NORMAL = "normal"
    URGENT = "urgent"
    MEDICINE = "medicine"

    @property
    def is_priority(self) -> bool:
        """True for the classes the objective serves first (urgent, medicine)."""
        return self is not Priority.NORMAL


class CoordinateSystem(StrEnum):
    """How the coordinates of a scenario are given."""

    PLANAR = "planar"  # (x_m, y_m), Euclidean metres
    WGS84 = "wgs84"  # (lat, lon), great-circle distances


@dataclass(frozen=True, slots=True)
class Window:
    """A named collection/delivery window of one day, e.g. AM 09:00–12:00."""

    name: str
    start: dt.time
    end: dt.time

    def __post_init__(self) -> None:
        _text_id("name", self.name)
        _require(self.end > self.start, "end", self.end, f"must be after start {self.start}")

    @property
    def length_s(self) -> int:
        """The window's length in whole seconds."""
        return _seconds_of_day(self.end) - _seconds_of_day(self.start)

    def at(self, day: dt.date, offset_s: float = 0.0) -> dt.datetime:
        """The local datetime OFFSET_S seconds after this window starts on DAY."""
        return dt.datetime.combine(day, self.start) + dt.timedelta(seconds=offset_s)


def _seconds_of_day(t: dt.time) -> int:
    return t.hour * 3600 + t.minute * 60 + t.second


@dataclass(frozen=True, slots=True)
class ServiceTimes:
    """Service durations in seconds (FORMATS.md, ``[service]``)."""

    stop_s: float = 120.0
    order_s: float = 30.0
    floor_s: float = 45.0
    lift_s: float = 60.0
    reload_s: float = 300.0

    def __post_init__(self) -> None:
        for name in ("stop_s", "order_s", "floor_s", "lift_s", "reload_s"):
            value = getattr(self, name)
            _require(_finite(value) and value >= 0, name, value, "must be a finite number >= 0")


DEFAULT_WINDOWS: Mapping[str, tuple[str, str]] = MappingProxyType(
    {"AM": ("09:00", "12:00"), "PM": ("14:00", "18:00")}
)
DEFAULT_MODES: Mapping[str, float] = MappingProxyType(
    {"walk": 4.5, "cart": 3.5, "ebike": 12.0, "van": 20.0}
)


def _default_windows() -> Mapping[str, Window]:
    return MappingProxyType(
        {
            n: Window(n, dt.time.fromisoformat(s), dt.time.fromisoformat(e))
            for n, (s, e) in DEFAULT_WINDOWS.items()
        }
    )


@dataclass(frozen=True, slots=True)
class Settings:
    """The settings of ``scenario.toml``, defaults included."""

    name: str = ""
    windows: Mapping[str, Window] = field(default_factory=_default_windows)
    service: ServiceTimes = field(default_factory=ServiceTimes)
    detour: float = 1.3
    modes: Mapping[str, float] = field(
        default_factory=lambda: MappingProxyType(dict(DEFAULT_MODES))
    )

    def __post_init__(self) -> None:
        _require(isinstance(self.name, str), "name", self.name, "must be a string")
        _require(len(self.windows) > 0, "windows", self.windows, "must define at least one window")
        for key, window in self.windows.items():
            _require(
                key == window.name, "windows", key, f"key differs from window name {window.name!r}"
            )
        _require(_finite(self.detour) and self.detour >= 1.0, "detour", self.detour, "must be >= 1")
        for mode, speed in self.modes.items():
            _require(
                _finite(speed) and speed > 0, f"modes.{mode}", speed, "must be a speed > 0 km/h"
            )
        object.__setattr__(self, "windows", MappingProxyType(dict(self.windows)))
        object.__setattr__(self, "modes", MappingProxyType(dict(self.modes)))

    def speed_m_s(self, mode: str) -> float:
        """The speed of MODE in metres per second."""
        return self.modes[mode] / 3.6


@dataclass(frozen=True, slots=True)
class Depot:
    """A supply point couriers start from and reload at. ``coord`` is (x_m, y_m) or (lat, lon)."""

    depot_id: str
    name: str = ""
    coord: tuple[float, float] | None = None

    def __post_init__(self) -> None:
        _text_id("depot_id", self.depot_id)
        _check_coord(self.coord)


def _check_coord(coord: tuple[float, float] | None) -> None:
    if coord is not None:
        _require(
            len(coord) == 2 and all(_finite(c) for c in coord),
            "coord",
            coord,
            "must be 2 finite numbers",
        )


@dataclass(frozen=True, slots=True)
class Building:
    """Where drops happen. A sealed building is served door-to-door only.

    ``depot_id`` is an optional extension column: the depot that serves the building.
    """

    building_id: str
    name: str = ""
    coord: tuple[float, float] | None = None
    floors: int = 1
    elevator: bool = False
    sealed: bool = False
    depot_id: str | None = None

    def __post_init__(self) -> None:
        _text_id("building_id", self.building_id)
        _check_coord(self.coord)
        _require(
            isinstance(self.floors, int) and self.floors >= 1,
            "floors",
            self.floors,
            "must be an integer >= 1",
        )


@dataclass(frozen=True, slots=True)
class Household:
    """Who lives where. ``name`` and ``phone`` are personal data, shown only on request."""

    household_id: str
    building_id: str
    unit: str = ""
    floor: int = 1
    members: int = 1
    vulnerable: tuple[str, ...] = ()
    name: str | None = None
    phone: str | None = None
    quarantine_start: dt.date | None = None
    quarantine_end: dt.date | None = None

    def __post_init__(self) -> None:
        _text_id("household_id", self.household_id)
        _text_id("building_id", self.building_id)
        _require(
            isinstance(self.floor, int) and self.floor >= 1,
            "floor",
            self.floor,
            "must be an integer >= 1",
        )
        _require(
            isinstance(self.members, int) and self.members >= 0,
            "members",
            self.members,
            "must be an integer >= 0",
        )
        if self.quarantine_start is not None and self.quarantine_end is not None:
            _require(
                self.quarantine_end >= self.quarantine_start,
                "quarantine_end",
                self.quarantine_end,
                f"must not be before quarantine_start {self.quarantine_start}",
            )


@dataclass(frozen=True, slots=True)
class Order:
    """A valid order of one household for one date and window."""

    order_id: str
    household_id: str
    date: dt.date
    window: str
    weight_kg: float
    bags: int = 1
    priority: Priority = Priority.NORMAL
    due: dt.time | None = None
    row: int | None = None

    def __post_init__(self) -> None:
        _text_id("order_id", self.order_id)
        _text_id("household_id", self.household_id)
        _text_id("window", self.window)
        _require(
            _finite(self.weight_kg) and self.weight_kg > 0,
            "weight_kg",
            self.weight_kg,
            "must be a finite number > 0",
        )
        _require(
            isinstance(self.bags, int) and self.bags >= 1,
            "bags",
            self.bags,
            "must be an integer >= 1",
        )
        object.__setattr__(self, "priority", Priority(self.priority))


@dataclass(frozen=True, slots=True)
class InvalidOrder:
    """An order row whose data is wrong; it is reported ``invalid``, never dropped.

    ``date`` and ``window`` are None when they could not be read.
    """

    order_id: str
    date: dt.date | None
    window: str | None
    detail: str
    row: int | None = None


@dataclass(frozen=True, slots=True)
class Volunteer:
    """A courier: depot, mode (a key of ``[modes]``), capacities per trip, skills."""

    volunteer_id: str
    depot_id: str
    mode: str = "walk"
    capacity_kg: float = math.inf
    capacity_bags: int | float = math.inf
    door_to_door: bool = False
    max_trips: int | None = None
    name: str = ""

    def __post_init__(self) -> None:
        _text_id("volunteer_id", self.volunteer_id)
        _text_id("depot_id", self.depot_id)
        _text_id("mode", self.mode)
        _require(
            not math.isnan(self.capacity_kg) and self.capacity_kg > 0,
            "capacity_kg",
            self.capacity_kg,
            "must be > 0",
        )
        bags = self.capacity_bags
        _require(
            bags == math.inf or (isinstance(bags, int) and bags >= 1),
            "capacity_bags",
            bags,
            "must be an integer >= 1",
        )
        if self.max_trips is not None:
            _require(
                isinstance(self.max_trips, int) and self.max_trips >= 1,
                "max_trips",
                self.max_trips,
                "must be an integer >= 1",
            )


@dataclass(frozen=True, slots=True)
class Shift:
    """A volunteer works one window of one date."""

    volunteer_id: str
    date: dt.date
    window: str


@dataclass(frozen=True, slots=True)
class PathEdge:
    """An edge of the walking graph, metres; undirected unless ``oneway``."""

    source: str
    target: str
    length_m: float
    oneway: bool = False

    def __post_init__(self) -> None:
        _text_id("from", self.source)
        _text_id("to", self.target)
        _require(
            _finite(self.length_m) and self.length_m >= 0,
            "length_m",
            self.length_m,
            "must be a finite number >= 0",
        )


def _frozen_map(items: Iterable[tuple[str, Any]]) -> Mapping[str, Any]:
    return MappingProxyType(dict(items))


@dataclass(frozen=True, slots=True)
class Scenario:
    """Everything a service centre knows: settings, places, people, orders, shifts.

    Build one with :func:`basket_route.load_scenario` (a folder) or
    :func:`basket_route.scenario_from_frames` (DataFrames); both check every reference.
    Construction here checks that the references resolve, so a hand-built Scenario is as
    safe as a loaded one.
    """

    settings: Settings
    depots: Mapping[str, Depot]
    buildings: Mapping[str, Building]
    households: Mapping[str, Household]
    orders: Mapping[str, Order]
    volunteers: Mapping[str, Volunteer]
    shifts: tuple[Shift, ...]
    invalid_orders: Mapping[str, InvalidOrder] = field(default_factory=lambda: MappingProxyType({}))
    paths: tuple[PathEdge, ...] | None = None
    coordinates: CoordinateSystem = CoordinateSystem.PLANAR
    source: str = ""

    def __post_init__(self) -> None:
        for name in ("depots", "buildings", "households", "orders", "volunteers", "invalid_orders"):
            object.__setattr__(self, name, _frozen_map(getattr(self, name).items()))
        object.__setattr__(self, "shifts", tuple(self.shifts))
        if self.paths is not None:
            object.__setattr__(self, "paths", tuple(self.paths))
        problems = list(self._dangling())
        if problems:
            raise ValueError("scenario references do not resolve: " + "; ".join(problems[:10]))

    def _dangling(self) -> Iterable[str]:
        for b in self.buildings.values():
            if b.depot_id is not None and b.depot_id not in self.depots:
                yield f"building {b.building_id}: unknown depot {b.depot_id}"
        for h in self.households.values():
            if h.building_id not in self.buildings:
                yield f"household {h.household_id}: unknown building {h.building_id}"
        for o in self.orders.values():
            if o.household_id not in self.households:
                yield f"order {o.order_id}: unknown household {o.household_id}"
            if o.window not in self.settings.windows:
                yield f"order {o.order_id}: unknown window {o.window}"
        for v in self.volunteers.values():
            if v.depot_id not in self.depots:
                yield f"volunteer {v.volunteer_id}: unknown depot {v.depot_id}"
            if v.mode not in self.settings.modes:
                yield f"volunteer {v.volunteer_id}: unknown mode {v.mode}"
        for s in self.shifts:
            if s.volunteer_id not in self.volunteers:
                yield f"shift: unknown volunteer {s.volunteer_id}"
            if s.window not in self.settings.windows:
                yield f"shift: unknown window {s.window}"
        overlap = set(self.depots) & set(self.buildings)
        if overlap:
            yield f"ids used for both a depot and a building: {sorted(overlap)[:5]}"

    @property
    def name(self) -> str:
        """The scenario's name from ``scenario.toml``."""
        return self.settings.name

    def window(self, name: str) -> Window:
        """The window called NAME; KeyError listing the defined windows otherwise."""
        try:
            return self.settings.windows[name]
        except KeyError:
            raise KeyError(f"window {name!r} not in {sorted(self.settings.windows)}") from None

    def orders_in(self, day: dt.date, window: str) -> list[Order]:
        """The valid orders of DAY and WINDOW, sorted by order_id (canonical order)."""
        return sorted(
            (o for o in self.orders.values() if o.date == day and o.window == window),
            key=lambda o: o.order_id,
        )

    def invalid_orders_in(self, day: dt.date, window: str) -> list[InvalidOrder]:
        """Invalid order rows that belong to DAY and WINDOW, sorted by order_id.

        A row whose date could not be read but whose window is WINDOW is included: it might
        belong here, and listing it is better than losing it.
        """
        return sorted(
            (
                o
                for o in self.invalid_orders.values()
                if o.window == window and (o.date is None or o.date == day)
            ),
            key=lambda o: o.order_id,
        )

    def unplaced_orders(self) -> list[InvalidOrder]:
        """Invalid order rows that belong to no defined window (their window is unknown)."""
        return sorted(
            (o for o in self.invalid_orders.values() if o.window not in self.settings.windows),
            key=lambda o: o.order_id,
        )

    def volunteers_on_shift(self, day: dt.date, window: str) -> list[Volunteer]:
        """Volunteers with a shift on DAY and WINDOW, sorted by volunteer_id."""
        ids = {s.volunteer_id for s in self.shifts if s.date == day and s.window == window}
        return [self.volunteers[v] for v in sorted(ids)]

    def dates(self) -> list[dt.date]:
        """Every date that has an order or a shift, sorted."""
        days = {o.date for o in self.orders.values()} | {s.date for s in self.shifts}
        return sorted(days)


def as_date(value: dt.date | str) -> dt.date:
    """VALUE as a date: a date, a datetime (its date) or an ISO ``YYYY-MM-DD`` string.

    Raises
    ------
    ValueError
        When VALUE is none of those, naming the value.
    """
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ValueError(f"date {value!r} is not an ISO date YYYY-MM-DD") from None


def order_service_s(service: ServiceTimes, building: Building, household: Household) -> float:
    """Seconds to hand over one order: ``order_s`` plus door-to-door time for a sealed building."""
    if not building.sealed:
        return service.order_s
    if building.elevator:
        return service.order_s + service.lift_s
    return service.order_s + service.floor_s * (household.floor - 1)
