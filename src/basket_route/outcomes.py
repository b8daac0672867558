"""Outcome records: what really happened to the orders on a window's trips.

An :class:`Outcome` names an order that was not delivered as planned (``failed`` at the
door or ``cancelled``); :func:`read_outcomes` reads them from a CSV file and
:func:`outcome_map` turns any accepted form into what the ledger records.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, TypeAlias

from basket_route.io.tables import decode, normalise_id, parse_csv_text

if TYPE_CHECKING:  # pandas is imported where used: ~0.4 s of start-up
    import pandas as pd

__all__ = ["Outcome", "OutcomeStatus", "Outcomes", "outcome_map", "read_outcomes"]


class OutcomeStatus(StrEnum):
    """What really happened to an order that was on a trip."""

    DELIVERED = "delivered"
    FAILED = "failed"  # at the door: nobody answered, refused…; tried again next window
    CANCELLED = "cancelled"  # not wanted any more


@dataclass(frozen=True, slots=True)
class Outcome:
    """The outcome of one order on a trip, e.g. ``Outcome("O17", "failed", "no answer")``.

    Parameters
    ----------
    order_id
        The order.
    status
        ``delivered``, ``failed`` (at the door) or ``cancelled``.
    reason
        Free text, e.g. ``"no answer"``. Default ``""``.
    """

    order_id: str
    status: OutcomeStatus
    reason: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.order_id, str) or not self.order_id.strip():
            raise ValueError(f"order_id must be a non-empty string (got {self.order_id!r})")
        try:
            object.__setattr__(self, "status", OutcomeStatus(self.status))
        except ValueError:
            allowed = [s.value for s in OutcomeStatus]
            raise ValueError(f"status {self.status!r} not in {allowed}") from None


# A string, so that pandas is not imported to build it (about 0.4 s of start-up).
Outcomes: TypeAlias = (
    "Mapping[str, str | Outcome | tuple[str, str]] | Iterable[Outcome] | pd.DataFrame | None"
)


def read_outcomes(path: str | os.PathLike[str]) -> tuple[Outcome, ...]:
    """Read an outcomes CSV: ``order_id,status[,reason]``, one row per order not as planned.

    The file follows the scenario files' rules (UTF-8 with or without BOM, or GBK).

    Raises
    ------
    ValueError
        Naming the file, row and column of every bad cell, or a missing column.
    """
    file = Path(path)
    text, _ = decode(file.read_bytes(), file.name)
    table = parse_csv_text(text, file.name)
    missing = [c for c in ("order_id", "status") if c not in table.columns]
    if missing:
        raise ValueError(f"{file.name}: missing column(s) {missing} (found {list(table.columns)})")
    out: list[Outcome] = []
    errors: list[str] = []
    seen: dict[str, int] = {}
    for row in table.rows:
        oid = normalise_id(row.get("order_id") or "")
        status = (row.get("status") or "").lower()
        where = f"{file.name} row {row.line}"
        if not oid:
            errors.append(f"{where} column order_id: empty")
        elif oid in seen:
            errors.append(f"{where} column order_id: {oid!r} repeats row {seen[oid]}")
        elif status not in set(OutcomeStatus):
            allowed = [s.value for s in OutcomeStatus]
            errors.append(f"{where} column status: {status!r} not in {allowed}")
        else:
            seen[oid] = row.line
            out.append(Outcome(oid, OutcomeStatus(status), row.get("reason") or ""))
    if errors:
        raise ValueError("\n".join(errors[:20]))
    return tuple(out)


def outcome_map(outcomes: Outcomes) -> dict[str, tuple[str, str]]:
    """OUTCOMES (None, a mapping, Outcome objects or a DataFrame) as id → (status, reason)."""
    import pandas as pd

    if outcomes is None:
        return {}
    items: list[Outcome] = []
    if isinstance(outcomes, pd.DataFrame):
        reasons = outcomes["reason"] if "reason" in outcomes else pd.Series("", outcomes.index)
        for oid, status, reason in zip(outcomes["order_id"], outcomes["status"], reasons,
                                       strict=True):  # fmt: skip
            items.append(Outcome(str(oid), status, "" if pd.isna(reason) else str(reason)))
    elif isinstance(outcomes, Mapping):
        for oid, value in outcomes.items():
            if isinstance(value, Outcome):
                items.append(replace(value, order_id=oid))
            elif isinstance(value, tuple):
                items.append(Outcome(oid, OutcomeStatus(value[0]), value[1]))
            else:
                items.append(Outcome(oid, OutcomeStatus(value)))
    else:
        items = list(outcomes)
    out: dict[str, tuple[str, str]] = {}
    for o in items:
        if o.order_id in out:
            raise ValueError(f"order {o.order_id} has more than one outcome")
        out[o.order_id] = (o.status.value, o.reason)
    return out
