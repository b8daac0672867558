"""Plan JSON (``basket_route.plan/1``) → :class:`~basket_route.plan.Plan`, every key checked.

A hand-edited or damaged plan file is a :class:`~basket_route.exceptions.PlanFormatError`
that names where it is wrong (``routes[0].trips[1].stops[2]: missing key 'arrive'``), never
a ``KeyError`` or ``TypeError``. Use it through :meth:`~basket_route.plan.Plan.from_dict`
and :meth:`~basket_route.plan.Plan.from_json`; the writing half is
:meth:`~basket_route.plan.Plan.to_dict`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from basket_route.exceptions import PlanFormatError
from basket_route.plan import PLAN_FORMAT, Plan, Route, Stop, Trip, Unassigned, UnassignedReason

__all__ = ["plan_from_dict"]


_T = TypeVar("_T")


def _get(obj: Any, key: str, kind: type | tuple[type, ...], where: str) -> Any:
    if not isinstance(obj, Mapping) or key not in obj:
        raise PlanFormatError(f"{where}: missing key {key!r}")
    value = obj[key]
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise PlanFormatError(
            f"{where}: {key} must be {getattr(kind, '__name__', kind)}, got {value!r}"
        )
    return value


def _whole(value: float, where: str) -> int:
    if value != int(value):
        raise PlanFormatError(f"{where}: must be a whole number, got {value!r}")
    return int(value)


def _time(obj: Any, key: str, where: str) -> dt.datetime:
    text = _get(obj, key, str, where)
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:
        raise PlanFormatError(f"{where}: {key} {text!r} is not an ISO datetime") from None


def _built(kind: Callable[..., _T], fields: tuple[Any, ...], where: str) -> _T:
    """KIND(*FIELDS), its validation error (a ValueError) as a PlanFormatError at WHERE."""
    try:
        return kind(*fields)
    except ValueError as exc:
        raise PlanFormatError(f"{where}: {exc}") from None


def _unassigned(items: Sequence[Any], where: str) -> tuple[Unassigned, ...]:
    out = []
    for i, u in enumerate(items):
        at = f"{where}[{i}]"
        reason = _get(u, "reason", str, at)
        try:
            out.append(
                Unassigned(
                    _get(u, "order_id", str, at), UnassignedReason(reason), str(u.get("detail", ""))
                )
            )
        except ValueError:
            raise PlanFormatError(
                f"{at}: reason {reason!r} not in {[r.value for r in UnassignedReason]}"
            ) from None
    return tuple(out)


def _parse_plan(data: Any) -> Plan:
    if not isinstance(data, Mapping):
        raise PlanFormatError("plan: the top level must be a JSON object")
    if data.get("format") != PLAN_FORMAT:
        raise PlanFormatError(f"plan: format is {data.get('format')!r}, expected {PLAN_FORMAT!r}")
    try:
        day = dt.date.fromisoformat(_get(data, "date", str, "plan"))
    except ValueError:
        raise PlanFormatError(f"plan: date {data.get('date')!r} is not an ISO date") from None
    routes = []
    for ri, r in enumerate(_get(data, "routes", list, "plan")):
        rw = f"routes[{ri}]"
        trips = []
        for ti, t in enumerate(_get(r, "trips", list, rw)):
            tw = f"{rw}.trips[{ti}]"
            stops = []
            for si, s in enumerate(_get(t, "stops", list, tw)):
                sw = f"{tw}.stops[{si}]"
                ids = _get(s, "order_ids", list, sw)
                if not all(isinstance(x, str) for x in ids):
                    raise PlanFormatError(f"{sw}: order_ids must be strings")
                stop = (
                    _get(s, "building_id", str, sw),
                    _time(s, "arrive", sw),
                    _time(s, "depart", sw),
                    tuple(ids),
                )
                stops.append(_built(Stop, stop, sw))
            trip = (
                _get(t, "depot_id", str, tw),
                _time(t, "depart", tw),
                _time(t, "return", tw),
                float(_get(t, "distance_m", (int, float), tw)),
                float(_get(t, "load_kg", (int, float), tw)),
                _whole(_get(t, "bags", (int, float), tw), f"{tw}.bags"),
                tuple(stops),
            )
            trips.append(_built(Trip, trip, tw))
        routes.append(Route(_get(r, "volunteer_id", str, rw), tuple(trips)))
    try:
        return Plan(
            scenario=str(data.get("scenario", "")),
            date=day,
            window=_get(data, "window", str, "plan"),
            routes=tuple(routes),
            unassigned=_unassigned(_get(data, "unassigned", list, "plan"), "unassigned"),
            rejected=_unassigned(data.get("rejected", []), "rejected"),
            solver=dict(data.get("solver", {})),
        )
    except ValueError as exc:
        raise PlanFormatError(f"plan: {exc}") from None


def plan_from_dict(data: Any) -> Plan:
    """Read a plan JSON object, as :func:`json.loads` returns it, into a Plan.

    Parameters
    ----------
    data
        The decoded JSON document: any value, so that a wrong one is reported, not raised
        as a ``TypeError``.

    Returns
    -------
    Plan

    Raises
    ------
    PlanFormatError
        When DATA is not a plan of the contract's format: the message names the key at
        fault (``routes[0].trips[1]: missing key 'depart'``); a value of the wrong type
        (``"solver": 5``, ``"bags": Infinity``) is reported the same way.
    """
    try:
        return _parse_plan(data)
    except (TypeError, OverflowError, AttributeError) as exc:  # e.g. "solver": 5, bags Infinity
        raise PlanFormatError(
            f"plan: a value has the wrong type ({type(exc).__name__}: {exc})"
        ) from None
