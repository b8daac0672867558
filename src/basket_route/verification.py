"""The outcome of verifying a plan: the :class:`Verification` record and its error.

:class:`Verification` holds what :func:`~basket_route.verify.verify_plan` found (violations,
warnings, the recomputed counts and distance) and prints, serialises or raises it as
:class:`PlanViolationError`. Nothing here checks a rule; both names are re-exported from
:mod:`basket_route.verify`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["PlanViolationError", "Verification"]

_MAX_LISTED = 20  # violations listed in a PlanViolationError message
_COUNTS = ("orders", "delivered", "priority_delivered", "unassigned", "trips", "volunteers_used")


class PlanViolationError(ValueError):
    """A plan breaks the contract's rules.

    Parameters
    ----------
    violations
        Every violation found; the message lists the first 20.
    label
        The plan's date and window, e.g. ``"2020-02-10 AM"``. Default ``""``.
    """

    def __init__(self, violations: Sequence[str], label: str = "") -> None:
        self.violations: tuple[str, ...] = tuple(violations)
        lines = [f"plan {label + ' ' if label else ''}has {len(self.violations)} violation(s):"]
        lines += [f"  {v}" for v in self.violations[:_MAX_LISTED]]
        if len(self.violations) > _MAX_LISTED:
            lines.append(f"  … and {len(self.violations) - _MAX_LISTED} more")
        super().__init__("\n".join(lines))


@dataclass(frozen=True, slots=True)
class Verification:
    """The outcome of :func:`~basket_route.verify.verify_plan`: violations, warnings, figures.

    Parameters
    ----------
    violations, warnings
        Rules the plan breaks, and suspicious but allowed facts; each names the route, trip,
        stop or order concerned.
    orders, delivered, priority_delivered, unassigned
        Orders of the plan's date and window in the scenario (valid and invalid rows); those
        of them in a stop; the urgent and medicine ones among those; unassigned entries.
    trips, volunteers_used
        Trips of all routes, and routes with at least one trip.
    distance_m
        Total distance recomputed from the scenario (trips with an unknown place or an
        unreachable leg are left out).
    label
        The plan's date and window, ``""`` when the window is not defined. Default ``""``.
    """

    violations: tuple[str, ...]
    warnings: tuple[str, ...]
    orders: int
    delivered: int
    priority_delivered: int
    unassigned: int
    trips: int
    volunteers_used: int
    distance_m: float
    label: str = ""

    @property
    def ok(self) -> bool:
        """True when the plan has no violation (warnings allowed)."""
        return not self.violations

    def __str__(self) -> str:
        head = (
            f"{'OK' if self.ok else 'FAIL'}: {self.label or 'plan'}, "
            f"{len(self.violations)} violation(s), {len(self.warnings)} warning(s)"
        )
        counts = (
            f"orders {self.orders}, delivered {self.delivered} (priority "
            f"{self.priority_delivered}), unassigned {self.unassigned}, trips {self.trips}, "
            f"volunteers used {self.volunteers_used}"
        )
        lines = [head, counts, f"recomputed distance: {self.distance_m:.1f} m"]
        lines += [f"VIOLATION {v}" for v in self.violations]
        lines += [f"WARNING   {w}" for w in self.warnings]
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready object: the keys of the checker's ``--json`` output, plus the counts."""
        counts = {key: getattr(self, key) for key in _COUNTS}
        return {
            "ok": self.ok,
            "violations": list(self.violations),
            "warnings": list(self.warnings),
            **counts,
            "distance_m": round(self.distance_m, 3),
        }

    def raise_if_invalid(self) -> None:
        """Raise when the plan has violations.

        Raises
        ------
        PlanViolationError
            Listing the first 20 violations; all are in its ``violations`` attribute.
        """
        if self.violations:
            raise PlanViolationError(self.violations, self.label)
