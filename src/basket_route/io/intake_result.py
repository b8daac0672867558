"""What an order intake produces: the orders read, the lines that are not, ``orders.csv``.

:class:`Intake` is the result of reading a chat list
(:func:`~basket_route.io.intake.parse_chat`) or an Excel sheet
(:func:`~basket_route.io.intake_excel.read_orders_excel`): its orders (:class:`IntakeOrder`,
each with its :class:`IntakeItem` list), every other line with its reason
(:class:`UnparsedLine`), and the table and ``orders.csv`` file they make. Nothing here reads
a list; every name is re-exported from :mod:`basket_route.io.intake`.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from basket_route.io.sanitise import clean_text, neutralise_cell
from basket_route.model import Priority
from basket_route.plan import atomic_write_text

if TYPE_CHECKING:  # pandas is imported where used: ~0.4 s of start-up
    import pandas as pd

__all__ = ["ORDER_COLUMNS", "Intake", "IntakeItem", "IntakeOrder", "UnparsedLine"]

ORDER_COLUMNS: tuple[str, ...] = (
    "order_id", "household_id", "date", "window", "weight_kg", "bags", "priority", "due",
    "building_id", "unit", "items", "note", "source_line",
)  # fmt: skip
"""Columns of :meth:`Intake.to_frame`: the contract's ``orders.csv`` columns, then extras."""


@dataclass(frozen=True, slots=True)
class IntakeItem:
    """One item of an order: as written, the quantity and unit read, the weight estimate.

    Attributes
    ----------
    text : str
        The item as written (``鸡蛋2盒``).
    name, quantity, unit
        What was read (``鸡蛋``, 2.0, ``盒``).
    weight_kg : float
        The estimate from the item table.
    estimated : bool
        True when the item has no row of its own and the unit's default was used.
    """

    text: str
    name: str
    quantity: float
    unit: str
    weight_kg: float
    estimated: bool


@dataclass(frozen=True, slots=True)
class IntakeOrder:
    """An order read from one line (or row), with where it came from.

    Attributes
    ----------
    line : int
        The line (or sheet row) it was read from; ``text`` is that line.
    order_id, household_id, building_id, unit
        The generated id and the household the address resolved to.
    items : tuple of IntakeItem
        What was asked for.
    weight_kg, bags
        The estimate (or the weight column of a sheet) and ``ceil(kg / kg_per_bag)``.
    priority : Priority
        ``medicine`` for medicine words, ``urgent`` for 急 words, else ``normal``.
    due : datetime.time or None
        From ``10点前``-style text.
    name : str
        The resident's name as written in the list; never written to ``orders.csv``.
    note : str
        Other words of the line (谢谢, 放门口).
    """

    line: int
    text: str
    order_id: str
    household_id: str
    building_id: str
    unit: str
    items: tuple[IntakeItem, ...]
    weight_kg: float
    bags: int
    priority: Priority
    due: dt.time | None
    name: str
    note: str


@dataclass(frozen=True, slots=True)
class UnparsedLine:
    """A line (or row) that is not an order, and why.

    ``str()`` gives ``line N: <text> — <reason>`` (``row N`` for a sheet), with control
    characters removed, as the ``intake`` command prints it.
    """

    line: int
    text: str
    reason: str
    label: str = "line"

    def __str__(self) -> str:
        return clean_text(f"{self.label} {self.line}: {self.text} — {self.reason}")


@dataclass(frozen=True, slots=True)
class Intake:
    """The result of reading a list.

    Attributes
    ----------
    orders : tuple of IntakeOrder
        One per line that is an order, in list order.
    unparsed : tuple of UnparsedLine
        Every other non-blank line after the header, with its reason.
    header : tuple of (int, str)
        The header lines (line number, text) before the first order.
    date, window
        The window the orders belong to.
    """

    orders: tuple[IntakeOrder, ...]
    unparsed: tuple[UnparsedLine, ...]
    header: tuple[tuple[int, str], ...]
    date: dt.date
    window: str

    def to_frame(self) -> pd.DataFrame:
        """The orders as a table, one row per order (columns :data:`ORDER_COLUMNS`).

        The ``orders.csv`` columns of the contract come first, then building_id, unit,
        items, note and source_line (extra columns, ignored by scenario readers).
        """
        import pandas as pd

        records = [
            {
                "order_id": o.order_id,
                "household_id": o.household_id,
                "date": self.date.isoformat(),
                "window": self.window,
                "weight_kg": o.weight_kg,
                "bags": o.bags,
                "priority": o.priority.value,
                "due": o.due.strftime("%H:%M") if o.due else "",
                "building_id": o.building_id,
                "unit": o.unit,
                "items": " ".join(i.text for i in o.items),
                "note": o.note,
                "source_line": o.line,
            }
            for o in self.orders
        ]
        return pd.DataFrame.from_records(records, columns=list(ORDER_COLUMNS))

    def to_csv(self, path: str | os.PathLike[str]) -> Path:
        """Write the orders as an ``orders.csv`` file (UTF-8 with BOM), atomically.

        Text cells are neutralised against spreadsheet formulas; the file is written
        even when some lines were not parsed (those are in ``unparsed``).
        """
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        frame = self.to_frame()
        writer.writerow(frame.columns)
        for values in frame.itertuples(index=False, name=None):
            writer.writerow(
                [f"{v:g}" if isinstance(v, float) else neutralise_cell(v) for v in values]
            )
        target = Path(path)
        atomic_write_text(target, "\ufeff" + buffer.getvalue())
        return target
