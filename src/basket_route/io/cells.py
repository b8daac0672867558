"""Reading single cells of a scenario table, collecting every defect found.

Parsers raise :class:`_CellError` with what was expected; :class:`_Reader` turns that into
a :class:`~basket_route.exceptions.Defect` naming file, row, column and value.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from basket_route.exceptions import Defect
from basket_route.io.tables import Row, Table, normalise_id
from basket_route.model import InvalidFieldError

T = TypeVar("T")

MAX_ID_CHARS = 200
_BOOLS = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}
_ID_COLUMNS = {
    "depot_id",
    "building_id",
    "household_id",
    "order_id",
    "volunteer_id",
    "from",
    "to",
}


class _CellError(ValueError):
    """A cell cannot be read; the message says what was expected."""


def _bool(text: str) -> bool:
    try:
        return _BOOLS[text.lower()]
    except KeyError:
        raise _CellError("expected true/false/1/0/yes/no") from None


def _number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise _CellError("expected a number") from None
    if not math.isfinite(value):
        raise _CellError("expected a finite number")
    return value


def _integer(text: str) -> int:
    value = _number(text)
    if value != int(value):
        raise _CellError("expected a whole number")
    return int(value)


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise _CellError("expected an ISO date YYYY-MM-DD") from None


def _clock(text: str) -> dt.time:
    parts = text.split(":")
    try:
        if len(parts) not in (2, 3) or not all(p.isdigit() for p in parts):
            raise ValueError(text)
        hms = [int(p) for p in parts] + [0]
        return dt.time(hms[0], hms[1], hms[2])
    except (ValueError, OverflowError):
        raise _CellError("expected a time HH:MM") from None


def _identity(text: str) -> str:
    return text


class _Reader:
    """Collects defects while cells are read; knows the file being read."""

    def __init__(self) -> None:
        self.defects: list[Defect] = []

    def add(
        self, file: str, row: int | None, column: str | None, value: object, message: str
    ) -> None:
        self.defects.append(Defect(file, row, column, value, message))

    def cell(
        self,
        table: Table,
        row: Row,
        column: str,
        parse: Callable[[str], T],
        default: T | None = None,
        *,
        required: bool = False,
    ) -> T | None:
        """Parse ROW[COLUMN]; record a defect and return DEFAULT when it is bad or missing."""
        text = row.get(column)
        if text is None:
            if required:
                self.add(table.file, row.line, column, None, f"{column} is required")
            return default
        if column in _ID_COLUMNS or column.endswith("_id"):
            text = normalise_id(text)
            if len(text) > MAX_ID_CHARS:
                self.add(
                    table.file, row.line, column, text, f"id longer than {MAX_ID_CHARS} characters"
                )
                return default
        try:
            return parse(text)
        except _CellError as exc:
            self.add(table.file, row.line, column, text, str(exc))
            return default

    def build(self, table: Table, row: Row, make: Callable[..., T], *args: Any) -> T | None:
        """Construct MAKE(*ARGS); a field it rejects becomes a defect at that column."""
        try:
            return make(*args)
        except InvalidFieldError as exc:
            self.add(table.file, row.line, exc.field, exc.value, str(exc))
            return None

    def unique(
        self, table: Table, column: str, taken: Mapping[str, object], ident: str, row: Row
    ) -> bool:
        if ident in taken:
            self.add(table.file, row.line, column, ident, f"duplicate {column}")
            return False
        return True

    def require_columns(self, table: Table, columns: tuple[str, ...]) -> bool:
        missing = [c for c in columns if c not in table.columns]
        if missing:
            shown = ", ".join(missing[:5]) + (", …" if len(missing) > 5 else "")
            self.add(
                table.file,
                1,
                missing[0],
                None,
                f"missing column(s) {shown}; the header has {', '.join(table.columns[:8]) or 'nothing'}",
            )
        return not missing
