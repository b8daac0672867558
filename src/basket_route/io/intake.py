"""Order intake: a pasted chat-group list ("接龙") or an Excel sheet → orders.

A line such as ``12. 3栋1202 王 鸡蛋2盒 大米10斤`` becomes an order of the household in
unit 1202 of building 3, weighing 0.6 × 2 + 0.5 × 10 = 6.2 kg. Buildings are matched the
way residents write them (3号楼, 3栋, 3幢, 3座, 3#, 三号楼, 3-1202, full-width digits);
a building or unit that does not exist is reported, never guessed. Every line that is not
an order comes back with its reason (:class:`UnparsedLine`): nothing is skipped silently.
Lines before the first order are the header; the date and window may be read from it.

What a reading produces (:class:`Intake`, its orders and unparsed lines, ``orders.csv``) is in
:mod:`basket_route.io.intake_result`; every name of ``__all__`` is re-exported from here.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import re
from pathlib import Path

from basket_route.io.intake_result import (
    ORDER_COLUMNS,
    Intake,
    IntakeItem,
    IntakeOrder,
    UnparsedLine,
)
from basket_route.io.items import MEDICINE_WORDS, URGENT_WORDS, ItemTable
from basket_route.io.matching import (
    AddressBook,
    AddressError,
    cn_number,
    find_address,
    name_like,
    normal_text,
    resolve_window,
)
from basket_route.io.tables import decode
from basket_route.model import Priority, Scenario

__all__ = [
    "MAX_ORDER_KG",
    "ORDER_COLUMNS",
    "Intake",
    "IntakeItem",
    "IntakeOrder",
    "UnparsedLine",
    "parse_chat",
    "read_chat",
]

MAX_ORDER_KG = 50.0
"""An estimate above this is reported ("check the quantities"), not turned into an order."""
MAX_LINES = 20_000
_QTY = r"(?:\d+(?:\.\d+)?|[半一二两三四五六七八九十]+)"
_ENTRY = re.compile(r"^\s*(\d{1,4})\s*[.、)\]]\s*")
_HEADER_WORDS = re.compile(r"^\s*(?:例|示例|格式|#?接龙|#)")
_PHONE = re.compile(r"(?<!\d)1\d{10}(?!\d)")
_DUE = re.compile(r"(\d{1,2})\s*(?:[:点时])\s*(\d{2}|半)?\s*分?\s*(?:之)?前")
_SEPARATORS = re.compile(r"[\s,、;；+/]+")
_TIMES = re.compile(r"\s*[x×*]\s*(?=\d)")


class LineError(ValueError):
    """A line is not an order; the message is the reason shown to the coordinator."""


_COMMON_UNITS = ("斤", "kg", "公斤", "g", "盒", "袋", "瓶", "个", "包", "箱", "支", "份")


def _unit_rank(unit: str) -> tuple[int, str]:
    return (_COMMON_UNITS.index(unit) if unit in _COMMON_UNITS else len(_COMMON_UNITS), unit)


class LineParser:
    """Reads order lines against one scenario, date and window (used by every intake)."""

    def __init__(
        self,
        scenario: Scenario,
        date: dt.date,
        window: str,
        items: ItemTable,
        prefix: str,
        kg_per_bag: float,
    ) -> None:
        self.scenario = scenario
        self.book = AddressBook(scenario)
        self.date = date
        self.window = scenario.window(window)
        self.items = items
        self.prefix = prefix
        self.kg_per_bag = kg_per_bag
        units = "|".join(re.escape(u) for u in items.units)
        self.qty_unit = re.compile(rf"({_QTY})\s*({units})", re.IGNORECASE)

    def order(
        self,
        line: int,
        text: str,
        entry: int | None,
        weight_kg: float | None = None,
        tag: str = "L",
    ) -> IntakeOrder:
        """The order of one line; :class:`LineError` with the reason when it is not one.

        ENTRY is the list's own number (the order id uses it), else TAG + LINE does;
        WEIGHT_KG, when given, replaces the estimate (items may then be absent).
        """
        body = normal_text(text)
        match = _ENTRY.match(body)
        if match:
            body = body[match.end() :]
        address, before, after = find_address(body)
        if address is None:
            raise LineError(self.book.why_no_address(body))
        if find_address(after)[0] is not None:
            raise LineError("more than one address: one order per line")
        try:
            building, household = self.book.resolve(address)
        except AddressError as exc:
            raise LineError(str(exc)) from None
        body = f"{before} {after}"
        due, body = self._due(body)
        body = _PHONE.sub(" ", body)  # a phone number is not part of the order
        items, words = self._items(body)
        name, notes = self._name_and_notes(words)
        if not items and weight_kg is None:
            raise LineError("no items with a quantity and unit (e.g. 鸡蛋2盒, 大米10斤)")
        weight = round(sum(i.weight_kg for i in items), 3) if weight_kg is None else weight_kg
        if weight > MAX_ORDER_KG:
            raise LineError(
                f"estimated {weight:g} kg is more than {MAX_ORDER_KG:g} kg for one order: "
                "check the quantities"
            )
        written = " ".join([*[i.name for i in items], *words])
        priority = Priority.NORMAL
        if any(w in written for w in MEDICINE_WORDS):
            priority = Priority.MEDICINE
        elif any(w in written.lower() for w in URGENT_WORDS):
            priority = Priority.URGENT
        number = f"{entry:03d}" if entry is not None else f"{tag}{line:03d}"
        order_id = f"{self.prefix}{self.date:%Y%m%d}{self.window.name}{number}"
        if order_id in self.scenario.orders or order_id in self.scenario.invalid_orders:
            raise LineError(f"order {order_id} is already in the scenario (list pasted again?)")
        return IntakeOrder(
            line=line,
            text=text.strip(),
            order_id=order_id,
            household_id=household.household_id,
            building_id=building.building_id,
            unit=household.unit,
            items=tuple(items),
            weight_kg=weight,
            bags=max(1, math.ceil(weight / self.kg_per_bag - 1e-9)),
            priority=priority,
            due=due,
            name=name,
            note=" ".join(notes),
        )

    def _due(self, body: str) -> tuple[dt.time | None, str]:
        match = _DUE.search(body)
        if match is None:
            return None, body
        hour = int(match.group(1))
        minute = 30 if match.group(2) == "半" else int(match.group(2) or 0)
        if hour < 12 and self.window.start.hour >= 12:
            hour += 12  # "5点前" in an afternoon window is 17:00
        if not (0 <= hour < 24 and 0 <= minute < 60):
            raise LineError(f"cannot read the time {match.group(0)!r}")
        due = dt.time(hour, minute)
        if not self.window.start < due <= self.window.end:
            raise LineError(
                f"due {due:%H:%M} is outside window {self.window.name} "
                f"({self.window.start:%H:%M}-{self.window.end:%H:%M})"
            )
        return due, body[: match.start()] + " " + body[match.end() :]

    def _items(self, body: str) -> tuple[list[IntakeItem], list[str]]:
        """Items (name + quantity + unit, either order) and the words left over."""
        body = _TIMES.sub("", body)
        tokens = [t for t in _SEPARATORS.split(body) if t]
        pieces: list[tuple[str, str]] = []  # ("word", text) / ("qty", text), in order
        gaps: list[bool] = []  # whether a separator precedes the piece
        for token in tokens:
            first = True
            pos = 0
            for m in self.qty_unit.finditer(token):
                if m.start() > pos:
                    pieces.append(("word", token[pos : m.start()]))
                    gaps.append(first)
                    first = False
                pieces.append(("qty", m.group(0)))
                gaps.append(first)
                first = False
                pos = m.end()
            if pos < len(token):
                pieces.append(("word", token[pos:]))
                gaps.append(first)
        used = [False] * len(pieces)
        found: list[tuple[int, IntakeItem]] = []
        for i, (kind, text) in enumerate(pieces):
            if kind != "qty":
                continue
            prev_ok = i > 0 and pieces[i - 1][0] == "word" and not used[i - 1]
            if prev_ok and gaps[i] and name_like(pieces[i - 1][1]):
                prev_ok = False  # "王 2盒": 王 is the resident, not the item
            next_ok = i + 1 < len(pieces) and pieces[i + 1][0] == "word"
            if prev_ok and not gaps[i]:
                k = i - 1
            elif next_ok and not gaps[i + 1]:
                k = i + 1
            elif prev_ok:
                k = i - 1
            elif next_ok:
                k = i + 1
            else:
                raise LineError(f"{text!r} has no item name")
            used[i] = used[k] = True
            found.append((min(i, k), self._item(pieces[k][1], text)))
        words = [t for (kind, t), u in zip(pieces, used, strict=True) if not u and kind == "word"]
        for word in words:
            self._check_word(word)
        return [item for _, item in sorted(found, key=lambda p: p[0])], words

    def _item(self, name: str, qty_unit: str) -> IntakeItem:
        m = self.qty_unit.fullmatch(qty_unit)
        assert m is not None  # qty_unit was matched by the same pattern
        quantity = float(m.group(1)) if m.group(1)[0].isdigit() else cn_number(m.group(1))
        if quantity <= 0:
            raise LineError(f"quantity {m.group(1)!r} of {name!r} must be > 0")
        try:
            weight, estimated = self.items.weigh(name, quantity, m.group(2))
        except KeyError as exc:
            raise LineError(str(exc.args[0])) from None
        return IntakeItem(
            f"{name}{qty_unit}", name, quantity, m.group(2), round(weight, 3), estimated
        )

    def _check_word(self, word: str) -> None:
        digits = re.search(r"\d+(?:\.\d+)?\s*(\S?)", word)
        if digits:
            unit = digits.group(1)
            known = ", ".join(sorted(self.items.units, key=_unit_rank)[:12])
            if unit and not unit.isdigit():
                raise LineError(f"unknown unit {unit!r} in {word!r} (known: {known}, …)")
            raise LineError(f"{word!r}: a quantity needs a unit ({known}, …)")
        if any(w in word for w in MEDICINE_WORDS):
            raise LineError(f"{word!r} has no quantity (e.g. {word}1盒)")
        if self.items.known_item(word):
            raise LineError(f"{word!r} has no quantity (e.g. {word}1盒, {word}2斤)")

    @staticmethod
    def _name_and_notes(words: list[str]) -> tuple[str, list[str]]:
        """The first short word is the resident's name (王, 王阿姨); the rest are notes."""
        flagged = (*MEDICINE_WORDS, *URGENT_WORDS)
        if words and len(words[0]) <= 4 and not any(w in words[0].lower() for w in flagged):
            return words[0], words[1:]
        return "", words


def parse_chat(
    text: str,
    scenario: Scenario,
    *,
    date: str | dt.date | None = None,
    window: str | None = None,
    items: ItemTable | None = None,
    prefix: str = "C",
    kg_per_bag: float = 4.0,
    year: int | None = None,
) -> Intake:
    """Read a pasted chat-group order list ("接龙") against SCENARIO.

    Parameters
    ----------
    text
        The list as pasted: optional header lines, then one order per line, usually
        numbered (``12. 3栋1202 王 鸡蛋2盒 大米10斤``).
    scenario
        Where buildings, units and households are looked up.
    date, window
        The window the orders belong to. Default None: read from the header
        (``2月10日上午``, ``2020-02-10 PM``).
    items
        The item table. Default None: :meth:`ItemTable.default`.
    prefix
        Start of the generated order ids: ``{prefix}{YYYYMMDD}{window}{entry:03d}`` for
        a numbered line, ``…L{line:03d}`` for a line without a number. Default ``"C"``.
    kg_per_bag
        Bags are estimated as ``ceil(weight / kg_per_bag)``. Default 4.0.
    year
        The year of a header date written without one (``2月10日``). Default None: the
        year of the scenario's first date.

    Returns
    -------
    Intake
        Every non-blank line is an order, a header line, or in ``unparsed`` with its
        reason.

    Raises
    ------
    ValueError
        When the date or window is neither given nor in the header, the window is not a
        window of the scenario, or the text has more than 20,000 lines.

    Examples
    --------
    >>> import basket_route as br
    >>> sc = br.synthetic("building", seed=0)
    >>> got = br.parse_chat("1. 19栋1101 王 鸡蛋2盒 大米10斤", sc, date="2020-02-10", window="AM")
    >>> got.orders[0].weight_kg, got.unparsed
    (6.2, ())
    """
    lines = text.splitlines()
    if len(lines) > MAX_LINES:
        raise ValueError(f"the list has {len(lines)} lines; at most {MAX_LINES} are read")
    table = items if items is not None else ItemTable.default()
    header: list[tuple[int, str]] = []
    body: list[tuple[int, str]] = []
    for number, raw in enumerate(lines, 1):
        if not raw.strip():
            continue
        clean = normal_text(raw)
        starts = bool(_ENTRY.match(clean)) or find_address(clean)[0] is not None
        if not body and (not starts or _HEADER_WORDS.match(clean)):
            header.append((number, raw.strip()))
        else:
            body.append((number, raw))
    day, win = resolve_window(scenario, date, window, [h for _, h in header], year)
    parser = LineParser(scenario, day, win, table, prefix, kg_per_bag)
    orders: list[IntakeOrder] = []
    unparsed: list[UnparsedLine] = []
    seen_entries: dict[int, tuple[int, str]] = {}
    for number, raw in body:
        m = _ENTRY.match(normal_text(raw))
        entry = int(m.group(1)) if m else None
        if entry is not None and entry in seen_entries:
            first_line, first_text = seen_entries[entry]
            same = normal_text(first_text) == normal_text(raw)
            why = "repeated line" if same else f"entry number {entry} used twice"
            unparsed.append(
                UnparsedLine(number, raw.strip(), f"{why} (first on line {first_line})")
            )
            continue
        if entry is not None:
            seen_entries[entry] = (number, raw)
        try:
            orders.append(parser.order(number, raw, entry))
        except LineError as exc:
            unparsed.append(UnparsedLine(number, raw.strip(), str(exc)))
    return Intake(tuple(orders), tuple(unparsed), tuple(header), day, win)


def read_chat(path: str | os.PathLike[str], scenario: Scenario, **options: object) -> Intake:
    """Read a chat-list text file (UTF-8, UTF-16 with BOM or GB18030) with :func:`parse_chat`.

    Parameters
    ----------
    path
        The text file.
    scenario
        As :func:`parse_chat`.
    **options
        Passed to :func:`parse_chat` (date, window, items, prefix, kg_per_bag, year).

    Returns
    -------
    Intake

    Raises
    ------
    ValueError
        As :func:`parse_chat`, or when the file is larger than 5 MB.
    """
    target = Path(path)
    if target.stat().st_size > 5 * 1024 * 1024:
        raise ValueError(f"{target}: a chat list larger than 5 MB is not read")
    text, _ = decode(target.read_bytes(), str(target))
    return parse_chat(text, scenario, **options)  # type: ignore[arg-type]
