"""The window scenario: what one window of a quarantine operation is planned from.

Built with :func:`dataclasses.replace` from the operation's scenario and its ledger: the
window's new orders, plus every order carried over from earlier windows (same
``order_id``, re-dated to this window, ``normal`` raised to ``urgent``, its ``due``
dropped) and orders that arrived after their own window was planned; minus the orders of
households whose quarantine has ended (cancelled, with the reason); with the shifts of the
volunteers the rest rule lets work.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, replace

from basket_route.households import ended_quarantine
from basket_route.ledger import Ledger, OrderState, ReceivedOrder, ShiftStatus
from basket_route.model import InvalidOrder, Order, Priority, Scenario, Shift
from basket_route.volunteers import RestRule, crew

__all__ = ["WindowIntake", "raised_priority", "window_intake"]


@dataclass(frozen=True, slots=True)
class WindowIntake:
    """What a window receives: its scenario and what the ledger must learn with its plan."""

    scenario: Scenario
    received: tuple[ReceivedOrder, ...]
    closed: tuple[tuple[str, OrderState, str, str], ...]
    priorities: Mapping[str, str]
    shifts: tuple[tuple[str, ShiftStatus, str], ...]


def raised_priority(priority: Priority) -> Priority:
    """PRIORITY as it is planned once its own window has passed: ``normal`` becomes ``urgent``."""
    return Priority.URGENT if priority is Priority.NORMAL else priority


def _window_start(scenario: Scenario, order: Order | InvalidOrder) -> dt.datetime | None:
    window = scenario.settings.windows.get(order.window or "")
    if window is None or order.date is None:
        return None
    return window.at(order.date)


def window_intake(
    scenario: Scenario, ledger: Ledger, rest: RestRule, day: dt.date, window: str
) -> WindowIntake:
    """The window scenario of DAY and WINDOW, with what the ledger must record with its plan.

    Parameters
    ----------
    scenario
        The operation's scenario.
    ledger
        The operation's ledger: what was received, carried over and worked so far.
    rest
        The rest rule choosing the volunteers who may work the window.
    day, window
        The window.

    Returns
    -------
    WindowIntake
        The window scenario; the orders received with it; the orders closed instead of
        planned (quarantine ended, invalid rows of past windows); the planned priorities;
        the volunteers resting.
    """
    sc = scenario
    start = sc.window(window).at(day)
    known = ledger.received_orders()
    first = ledger.first_start() or start
    orders: dict[str, Order] = {}
    received: list[ReceivedOrder] = []
    closed: list[tuple[str, OrderState, str, str]] = []
    taken: list[tuple[Order, bool]] = []  # (order, late or carried over)
    for o in sorted(sc.orders.values(), key=lambda o: o.order_id):
        at = _window_start(sc, o)
        if o.order_id in known or at is None or not first <= at <= start:
            continue
        received.append(ReceivedOrder.of(o, sc))
        taken.append((o, at < start))
    # the compatibility check keeps every valid order of the ledger in the scenario
    taken += [(sc.orders[oid], True) for oid in ledger.carried_over() if oid in sc.orders]
    ended = ended_quarantine(sc, (o for o, _ in taken), day)
    for o, late in taken:
        if o.order_id in ended:
            closed.append((o.order_id, OrderState.CANCELLED, "quarantine_ended", ended[o.order_id]))
        elif late:
            orders[o.order_id] = replace(
                o, date=day, window=window, due=None, priority=raised_priority(o.priority)
            )
        else:
            orders[o.order_id] = o
    invalid: dict[str, InvalidOrder] = {}
    for inv in sorted(sc.invalid_orders.values(), key=lambda o: o.order_id):
        if inv.order_id in known:
            continue
        at = _window_start(sc, inv)
        here = inv.window == window and (inv.date is None or inv.date == day)
        if inv.window not in sc.settings.windows or here:
            invalid[inv.order_id] = inv  # listed by the plan (rejected / unassigned)
        elif at is not None and first <= at < start:
            closed.append((inv.order_id, OrderState.FAILED, "invalid", inv.detail))
        else:
            continue
        received.append(ReceivedOrder.of(inv, sc))
    allowed, rested = crew(sc, day, window, rest, ledger.worked())
    shifts = tuple(Shift(v, day, window) for v in allowed)
    return WindowIntake(
        replace(sc, orders=orders, invalid_orders=invalid, shifts=shifts),
        tuple(received),
        tuple(closed),
        {oid: o.priority.value for oid, o in orders.items()},
        tuple((v, ShiftStatus.RESTED, rested[v]) for v in sorted(rested)),
    )
