"""orders.csv → valid orders and invalid ones: a bad order row never blocks the window."""

from __future__ import annotations

from collections.abc import Mapping

from basket_route.exceptions import Defect
from basket_route.io.cells import _CellError, _clock, _date, _identity, _integer, _number, _Reader
from basket_route.io.tables import Table
from basket_route.model import Household, InvalidOrder, Order, Priority, Settings

MAX_BAGS = 100_000
"""More bags than this in one order is a typing error (and would overflow the solver)."""


def _orders(
    table: Table, households: Mapping[str, Household], settings: Settings, rd: _Reader
) -> tuple[dict[str, Order], dict[str, InvalidOrder]]:
    """Orders are read leniently: a bad row becomes an InvalidOrder, never a ScenarioError."""
    valid: dict[str, Order] = {}
    invalid: dict[str, InvalidOrder] = {}
    first_row: dict[str, int] = {}
    dup_rows: dict[str, list[int]] = {}
    for row in table.rows:
        problems: list[Defect] = []
        sub = _Reader()
        ident = rd.cell(table, row, "order_id", _identity, required=True)
        if ident is None:
            continue
        household_id = sub.cell(table, row, "household_id", _identity, required=True)
        day = sub.cell(table, row, "date", _date, required=True)
        window = sub.cell(table, row, "window", _identity, required=True)
        weight = sub.cell(table, row, "weight_kg", _number, required=True)
        bags = sub.cell(table, row, "bags", _integer, 1)
        priority = sub.cell(table, row, "priority", _priority, Priority.NORMAL)
        due = sub.cell(table, row, "due", _clock)
        problems.extend(sub.defects)
        if household_id is not None and household_id not in households:
            problems.append(
                Defect(table.file, row.line, "household_id", household_id, "unknown household")
            )
        if window is not None and window not in settings.windows:
            problems.append(
                Defect(
                    table.file,
                    row.line,
                    "window",
                    window,
                    f"window not in {sorted(settings.windows)}",
                )
            )
            window_obj = None
        else:
            window_obj = settings.windows.get(window) if window is not None else None
        if weight is not None and weight <= 0:
            problems.append(
                Defect(table.file, row.line, "weight_kg", weight, "weight_kg must be > 0")
            )
        if bags is not None and bags < 1:
            problems.append(Defect(table.file, row.line, "bags", bags, "bags must be >= 1"))
        if bags is not None and bags > MAX_BAGS:
            problems.append(
                Defect(table.file, row.line, "bags", bags, f"bags must be <= {MAX_BAGS:,}")
            )
        if due is not None and window_obj is not None and due <= window_obj.start:
            problems.append(
                Defect(
                    table.file,
                    row.line,
                    "due",
                    due.strftime("%H:%M"),
                    f"due is not after window {window} starts ({window_obj.start:%H:%M})",
                )
            )
        if ident in first_row:
            earlier = valid.pop(ident, None) or invalid.get(ident)
            keep_day = earlier.date if earlier is not None else None
            keep_window = earlier.window if earlier is not None else None
            dup_rows.setdefault(ident, [first_row[ident]]).append(row.line)
            *head, last = map(str, dup_rows[ident])
            rows_text = f"{', '.join(head)} and {last}"
            invalid[ident] = InvalidOrder(
                ident,
                keep_day,
                keep_window,
                f"duplicate order_id: {table.file} rows {rows_text} "
                "(a planner must not guess which row is meant)",
                first_row[ident],
            )
            continue
        first_row[ident] = row.line
        if problems:
            detail = "; ".join(str(p) for p in problems)
            invalid[ident] = InvalidOrder(ident, day, window, detail, row.line)
            continue
        assert (
            household_id is not None
            and day is not None
            and window is not None
            and weight is not None
        )
        valid[ident] = Order(
            ident,
            household_id,
            day,
            window,
            weight,
            bags or 1,
            priority or Priority.NORMAL,
            due,
            row.line,
        )
    return valid, invalid


def _priority(text: str) -> Priority:
    try:
        return Priority(text.lower())
    except ValueError:
        raise _CellError(f"priority not in {[p.value for p in Priority]}") from None
