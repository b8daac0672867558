"""Addresses (and list dates) as residents write them, matched to the scenario's buildings and households.

``3栋1202``, ``3号楼1202室``, ``3幢 1202``, ``3座1202``, ``3#1202``, ``三号楼1202``,
``3号楼2单元1202``, ``3-1202`` and ``3-2-1202`` (after NFKC, so full-width digits and
signs too) all name building 3 and unit 1202. A building's number comes from its name
(``3号楼``, ``青湖3栋``) or from the prefix of its households' units (``3-1202``); a
household's unit key is its unit without that prefix. Nothing is guessed: a number that
names no building, or several, or a unit that is not in the building, is an error.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass

from basket_route.model import Building, Household, Scenario

__all__ = [
    "Address",
    "AddressBook",
    "AddressError",
    "cn_number",
    "find_address",
    "name_like",
    "normal_text",
    "resolve_window",
]

_CN = "零〇一二两三四五六七八九十"
_NUM = rf"(?:\d{{1,3}}|[{_CN}]{{1,4}})"
_MARK = r"(?:号楼|栋|幢|座|#|号)"
_WITH_MARK = re.compile(
    rf"(?<![\d.])(?P<b>{_NUM})\s*{_MARK}\s*-?\s*"
    rf"(?:(?P<e>\d{{1,2}}|[{_CN}]{{1,3}})\s*单元\s*-?\s*)?"
    r"(?P<r>\d{3,4})(?![\d.])\s*(?:室|号)?"
)
_WITH_DASH = re.compile(
    r"(?<![\d.])(?P<b>\d{1,3})\s*-\s*(?:(?P<e>\d{1,2})\s*-\s*)?(?P<r>\d{3,4})(?![\d.])"
)
_BUILDING_ONLY = re.compile(rf"(?<![\d.])(?P<b>{_NUM})\s*(?:号楼|栋|幢|座|#)")
_ROOM_ONLY = re.compile(r"(?<![\d.])(\d{3,4})(?![\d.])\s*(?:室)?")
_NAME_NUMBER = re.compile(rf"(?P<b>{_NUM})\s*{_MARK}")
_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5}
_CN_DIGITS |= {"六": 6, "七": 7, "八": 8, "九": 9}


def normal_text(text: str) -> str:
    """NFKC (full-width digits and signs), no invisible characters, collapsed spaces."""
    text = unicodedata.normalize("NFKC", text)
    text = re.sub(r"[\u200b\u200c\u200d\u2060\ufeff]", "", text)
    return re.sub(r"\s+", " ", text).strip()


_HONORIFICS = ("阿姨", "奶奶", "爷爷", "叔叔", "先生", "女士", "老师", "大爷", "大妈", "姐", "哥")


def name_like(word: str) -> bool:
    """A single character (a surname) or a short word ending with an honorific (王阿姨)."""
    return len(word) == 1 or (len(word) <= 4 and word.endswith(_HONORIFICS))


class AddressError(ValueError):
    """An address names no building or unit of the scenario, or several."""


def cn_number(text: str) -> float:
    """A number written in Chinese (一, 两, 十二, 二十一, 半 = 0.5) or in digits.

    Raises
    ------
    ValueError
        When TEXT is not such a number.

    Examples
    --------
    >>> cn_number("二十一"), cn_number("两"), cn_number("半"), cn_number("12")
    (21.0, 2.0, 0.5, 12.0)
    """
    if text.isdigit():
        return float(text)
    if text == "半":
        return 0.5
    if not text or any(ch not in _CN_DIGITS and ch != "十" for ch in text):
        raise ValueError(f"not a number: {text!r}")
    if "十" not in text:
        if len(text) != 1:
            raise ValueError(f"not a number: {text!r}")
        return float(_CN_DIGITS[text])
    tens, _, ones = text.partition("十")
    if len(tens) > 1 or len(ones) > 1:
        raise ValueError(f"not a number: {text!r}")
    return float((_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[ones] if ones else 0))


def _int(text: str) -> int:
    return int(cn_number(text))


@dataclass(frozen=True, slots=True)
class Address:
    """Building number, entrance (单元) and room as written."""

    building: int
    entrance: int | None
    room: str
    text: str

    @property
    def key(self) -> str:
        """The unit key compared with households' units (``2-1202`` or ``1202``)."""
        room = str(int(self.room))
        return f"{self.entrance}-{room}" if self.entrance is not None else room


def find_address(text: str) -> tuple[Address | None, str, str]:
    """The first address in TEXT, with the text before and after it.

    Parameters
    ----------
    text
        NFKC-normalised text.

    Returns
    -------
    tuple
        ``(address, before, after)``; ``(None, text, "")`` when there is none.
    """
    found = [m for m in (p.search(text) for p in (_WITH_MARK, _WITH_DASH)) if m is not None]
    if not found:
        return None, text, ""
    m = min(found, key=lambda x: x.start())
    try:
        address = Address(
            _int(m.group("b")),
            _int(m.group("e")) if m.group("e") else None,
            m.group("r"),
            m.group(0).strip(),
        )
    except ValueError:
        return None, text, ""
    return address, text[: m.start()], text[m.end() :]


def _unit_key(unit: str, number: int | None) -> str:
    parts = [p for p in re.split(r"[-\s]+", unit.strip()) if p]
    if len(parts) >= 2 and number is not None and parts[0].isdigit() and int(parts[0]) == number:
        parts = parts[1:]
    return "-".join(str(int(p)) if p.isdigit() else p for p in parts)


class AddressBook:
    """The scenario's buildings by number and households by unit, for matching addresses."""

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self.number_of: dict[str, int] = {}
        for bid, building in scenario.buildings.items():
            number = _name_number(building.name)
            if number is not None:
                self.number_of[bid] = number
        prefixes: dict[str, set[int]] = defaultdict(set)
        for home in scenario.households.values():
            m = re.match(r"\s*(\d{1,3})\s*-\s*\d", home.unit)
            if m and home.building_id not in self.number_of:
                prefixes[home.building_id].add(int(m.group(1)))
        for bid, numbers in prefixes.items():
            if len(numbers) == 1:
                self.number_of[bid] = numbers.pop()
        self.by_number: dict[int, list[str]] = defaultdict(list)
        for bid, number in sorted(self.number_of.items()):
            self.by_number[number].append(bid)
        self.rooms: dict[str, dict[str, list[Household]]] = defaultdict(lambda: defaultdict(list))
        for home in scenario.households.values():
            key = _unit_key(home.unit, self.number_of.get(home.building_id))
            self.rooms[home.building_id][key].append(home)

    def _label(self, bid: str) -> str:
        b = self.scenario.buildings[bid]
        return f"{b.name} ({bid})" if b.name else bid

    def resolve(self, address: Address) -> tuple[Building, Household]:
        """The building and household ADDRESS names.

        Raises
        ------
        AddressError
            When the building does not exist or is ambiguous, or the unit is not in it.
        """
        ids = self.by_number.get(address.building, [])
        if not ids:
            known = [self._label(b) for n in sorted(self.by_number) for b in self.by_number[n]]
            shown = ", ".join(known[:8]) + (", …" if len(known) > 8 else "")
            raise AddressError(
                f"building {address.building} does not exist (buildings: {shown or 'none'})"
            )
        if len(ids) > 1:
            names = ", ".join(self._label(b) for b in ids[:5])
            raise AddressError(f"building {address.building} is ambiguous: {names}")
        homes = self.rooms[ids[0]].get(address.key, [])
        if not homes:
            raise AddressError(
                f"unit {address.key} does not exist in building {self._label(ids[0])}"
            )
        if len(homes) > 1:
            listed = ", ".join(h.household_id for h in homes[:5])
            raise AddressError(
                f"unit {address.key} of {self._label(ids[0])} is ambiguous: {listed}"
            )
        return self.scenario.buildings[ids[0]], homes[0]

    def why_no_address(self, text: str) -> str:
        """Why TEXT has no address, in the coordinator's words."""
        building = _BUILDING_ONLY.search(text)
        if building:
            return f"no unit number after building {building.group(0)!r} (e.g. 3栋1202)"
        room = _ROOM_ONLY.search(text)
        if room:
            return f"no building before unit {room.group(1)} (e.g. 3栋{room.group(1)})"
        return "no building and unit (e.g. 3栋1202)"


def _name_number(name: str) -> int | None:
    text = name.strip()
    if text.isdigit():
        return int(text)
    found = list(_NAME_NUMBER.finditer(text))
    if not found:
        return None
    try:
        return _int(found[-1].group("b"))
    except ValueError:
        return None


# ----------------------------------------------------------------------------- dates

_DATES = (
    re.compile(r"(?P<y>\d{4})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})"),
    re.compile(r"(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*[日号]?"),
    re.compile(r"(?<![\d.])(?P<m>\d{1,2})/(?P<d>\d{1,2})(?![\d/])"),
)
_WINDOW_WORDS = (("AM", ("上午", "早上", "早", "am")), ("PM", ("下午", "午后", "晚", "pm")))


def resolve_window(
    scenario: Scenario,
    date: str | dt.date | None,
    window: str | None,
    header: list[str],
    year: int | None,
) -> tuple[dt.date, str]:
    """The date and window given, or read from HEADER lines; ValueError when neither."""
    text = normal_text(" ".join(header))
    if date is None:
        day = _header_date(text, scenario, year)
    else:
        day = date if isinstance(date, dt.date) else dt.date.fromisoformat(str(date))
    if window is None:
        window = _header_window(text, scenario)
    scenario.window(window)  # KeyError listing the windows
    return day, window


def _header_date(text: str, scenario: Scenario, year: int | None) -> dt.date:
    for pattern in _DATES:
        m = pattern.search(text)
        if m is None:
            continue
        groups = m.groupdict()
        if groups.get("y"):
            y = int(groups["y"])
        elif year is not None:
            y = year
        elif scenario.dates():
            y = scenario.dates()[0].year
        else:
            raise ValueError(f"the header date {m.group(0)!r} has no year: give the date")
        try:
            return dt.date(y, int(groups["m"]), int(groups["d"]))
        except ValueError:
            raise ValueError(f"the header date {m.group(0)!r} is not a date") from None
    raise ValueError("no date in the list header (e.g. 2月10日上午): give the date")


def _header_window(text: str, scenario: Scenario) -> str:
    lowered = text.lower()
    for name in scenario.settings.windows:
        if re.search(rf"(?<![a-z]){re.escape(name.lower())}(?![a-z])", lowered):
            return name
    for name, words in _WINDOW_WORDS:
        if name in scenario.settings.windows and any(w in lowered for w in words):
            return name
    raise ValueError(
        f"no window in the list header (e.g. 上午/下午): give one of {sorted(scenario.settings.windows)}"
    )
