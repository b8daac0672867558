"""The exceptions and warnings of basket_route, all in one place."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "Defect",
    "PlanFormatError",
    "ScalingWarning",
    "ScenarioError",
    "ScenarioWarning",
    "SolverWarning",
]

_MAX_VALUE_CHARS = 60
_MAX_LISTED = 50


def _short(value: object) -> str:
    """``repr`` of VALUE, truncated so that a 10 MB cell cannot flood a message."""
    text = repr(value)
    if len(text) > _MAX_VALUE_CHARS:
        text = text[: _MAX_VALUE_CHARS - 1] + "…"
    return text


@dataclass(frozen=True, slots=True)
class Defect:
    """One defect of a scenario: where it is and what is wrong.

    Parameters
    ----------
    file
        The file of the scenario folder, e.g. ``"orders.csv"``.
    row
        The line number in that file (the header is line 1), or None for a whole-file defect.
    column
        The column (or TOML key) at fault, or None.
    value
        The offending value as read, or None.
    message
        What is wrong, and what was expected.
    """

    file: str
    row: int | None
    column: str | None
    value: object
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f" row {self.row}"
        if self.column is not None:
            where += f" column {self.column}"
        shown = "" if self.value is None else f" (value {_short(self.value)})"
        return f"{where}: {self.message}{shown}"


class ScenarioError(ValueError):
    """A scenario cannot be used: every defect found, each with file, row, column and value.

    Parameters
    ----------
    defects
        The defects found, at least one. The first one's location is also exposed as the
        attributes ``file``, ``row``, ``column`` and ``value``.
    """

    def __init__(self, defects: Sequence[Defect]) -> None:
        if not defects:
            raise TypeError("ScenarioError needs at least one Defect")
        self.defects: tuple[Defect, ...] = tuple(defects)
        first = self.defects[0]
        self.file = first.file
        self.row = first.row
        self.column = first.column
        self.value = first.value
        super().__init__(self._text())

    def _text(self) -> str:
        lines = [str(d) for d in self.defects[:_MAX_LISTED]]
        if len(self.defects) > _MAX_LISTED:
            lines.append(f"… and {len(self.defects) - _MAX_LISTED} more defect(s)")
        head = f"{len(self.defects)} defect(s) in the scenario:" if len(lines) > 1 else ""
        return "\n".join([head, *lines]) if head else lines[0]

    @classmethod
    def single(
        cls, file: str, row: int | None, column: str | None, value: object, message: str
    ) -> ScenarioError:
        """A ScenarioError with one defect."""
        return cls([Defect(file, row, column, value, message)])


class PlanFormatError(ValueError):
    """A plan file does not follow the plan JSON contract (``basket_route.plan/1``)."""


class ScenarioWarning(UserWarning):
    """Accepted but suspicious scenario input (e.g. an order row that belongs to no window)."""


class ScalingWarning(UserWarning):
    """A value had to be clipped or rounded to fit the solver's integer units."""


class SolverWarning(UserWarning):
    """The solver did not behave as asked (no first solution, a fallback was used)."""
