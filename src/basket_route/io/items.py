"""The item table: how much a quantity of a grocery weighs, and which words mean medicine.

Weight units (斤, 公斤/kg/千克, g/克) convert directly. Count units (盒, 袋, 瓶, 个, …) need
a weight per unit: from the row of the item (the longest table name contained in the
written name: "土鸡蛋" uses "鸡蛋"), else from the unit's ``*`` row. The table is a small
CSV (``item,unit,kg``) that coordinators edit; :meth:`ItemTable.from_csv` adds its rows to
(or overrides) the defaults.
"""

from __future__ import annotations

import csv
import io
import math
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from basket_route.io.tables import decode

__all__ = ["MEDICINE_WORDS", "URGENT_WORDS", "WEIGHT_UNITS", "ItemTable"]

WEIGHT_UNITS: Mapping[str, float] = MappingProxyType(
    {"斤": 0.5, "公斤": 1.0, "千克": 1.0, "kg": 1.0, "g": 0.001, "克": 0.001}
)
"""Units that are weights: kg per unit (斤 = 0.5 kg)."""

MEDICINE_WORDS: tuple[str, ...] = (
    "药", "胰岛素", "降压", "降糖", "布洛芬", "退烧", "感冒灵", "阿莫西林", "二甲双胍",
    "硝苯地平", "氨氯地平", "阿司匹林", "速效救心", "连花清瘟", "头孢", "血糖试纸", "止咳",
)  # fmt: skip
"""Words that make an order ``priority = medicine``."""

URGENT_WORDS: tuple[str, ...] = ("加急", "紧急", "急", "尽快", "urgent")
"""Words that make an order ``priority = urgent`` (when it is not medicine)."""

_DEFAULT_ROWS = """item,unit,kg
*,盒,0.5
*,袋,1.0
*,瓶,0.6
*,个,0.2
*,包,0.5
*,份,1.0
*,支,0.05
*,箱,8.0
*,罐,0.5
*,桶,5.0
*,只,1.5
*,把,0.3
*,板,0.3
*,提,3.0
鸡蛋,盒,0.6
鸡蛋,个,0.06
鸡蛋,板,1.8
大米,袋,5.0
米,袋,5.0
面粉,袋,2.5
面条,袋,0.5
挂面,袋,0.5
方便面,袋,0.12
方便面,箱,2.5
牛奶,瓶,0.3
牛奶,盒,0.25
牛奶,箱,6.0
酸奶,瓶,0.2
酸奶,盒,0.2
食用油,瓶,2.5
油,瓶,1.8
酱油,瓶,0.6
醋,瓶,0.5
矿泉水,瓶,0.55
矿泉水,箱,12.0
水,桶,18.0
豆腐,盒,0.4
面包,袋,0.4
蔬菜,袋,2.0
蔬菜包,份,3.0
口罩,包,0.1
卫生纸,提,1.5
纸巾,包,0.1
洗衣液,瓶,2.0
尿不湿,包,1.5
奶粉,罐,0.9
药,盒,0.1
布洛芬,盒,0.1
感冒灵,盒,0.2
胰岛素,支,0.05
胰岛素,盒,0.1
青菜,斤,0.5
白菜,斤,0.5
白菜,个,1.5
土豆,斤,0.5
西红柿,斤,0.5
黄瓜,斤,0.5
萝卜,斤,0.5
苹果,斤,0.5
香蕉,斤,0.5
猪肉,斤,0.5
牛肉,斤,0.5
鸡肉,斤,0.5
鱼,斤,0.5
水果,斤,0.5
西瓜,个,4.0
"""


@dataclass(frozen=True, slots=True)
class ItemTable:
    """Weights per unit of count units, by item; ``*`` rows are the unit's default.

    Parameters
    ----------
    per_unit
        ``{(item, unit): kg}``; item ``"*"`` is the default of the unit. Rows of weight
        units only name known items (their weight comes from :data:`WEIGHT_UNITS`).
    """

    per_unit: Mapping[tuple[str, str], float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for (item, unit), kg in self.per_unit.items():
            if not (isinstance(kg, int | float) and math.isfinite(kg) and kg > 0):
                raise ValueError(f"kg of {item} per {unit} must be a number > 0 (got {kg!r})")
        object.__setattr__(self, "per_unit", MappingProxyType(dict(self.per_unit)))

    @classmethod
    def default(cls) -> ItemTable:
        """The built-in table (a few dozen groceries, medicine and unit defaults)."""
        return cls(dict(_rows(_DEFAULT_ROWS, "default item table")))

    @classmethod
    def from_csv(cls, path: str | os.PathLike[str], *, extend: bool = True) -> ItemTable:
        """Read an item table CSV (``item,unit,kg``; encoding policy of scenario files).

        Parameters
        ----------
        path
            The CSV file.
        extend
            Add the rows to the default table (same item and unit: the file wins).
            Default True; False uses the file alone.

        Returns
        -------
        ItemTable

        Raises
        ------
        ValueError
            Naming the line of a row that cannot be read.
        """
        text, _ = decode(Path(path).read_bytes(), str(path))
        rows = dict(_rows(text, str(path)))
        base = dict(cls.default().per_unit) if extend else {}
        base.update(rows)
        return cls(base)

    @property
    def units(self) -> tuple[str, ...]:
        """Every unit the table knows (weight units included), longest first."""
        names = set(WEIGHT_UNITS) | {unit for _, unit in self.per_unit}
        return tuple(sorted(names, key=lambda u: (-len(u), u)))

    @property
    def items(self) -> tuple[str, ...]:
        """Every item name of the table, longest first."""
        names = {item for item, _ in self.per_unit if item != "*"}
        return tuple(sorted(names, key=lambda n: (-len(n), n)))

    def known_item(self, text: str) -> str | None:
        """The longest table item contained in TEXT, or None."""
        return next((item for item in self.items if item in text), None)

    def weigh(self, item: str, quantity: float, unit: str) -> tuple[float, bool]:
        """The weight in kg of QUANTITY UNIT of ITEM, and whether it is a unit default.

        Raises
        ------
        KeyError
            When UNIT is a count unit with neither a row for ITEM nor a ``*`` row.
        """
        unit_key = unit.lower() if unit.lower() in WEIGHT_UNITS else unit
        if unit_key in WEIGHT_UNITS:
            return quantity * WEIGHT_UNITS[unit_key], False
        for known in self.items:
            if known in item and (known, unit) in self.per_unit:
                return quantity * self.per_unit[(known, unit)], False
        if ("*", unit) in self.per_unit:
            return quantity * self.per_unit[("*", unit)], True
        raise KeyError(f"no weight known for a {unit} of {item!r}: add it to the item table")


def _rows(text: str, source: str) -> Iterable[tuple[tuple[str, str], float]]:
    reader = csv.reader(io.StringIO(text))
    header = [h.strip().lower() for h in next(reader, [])]
    if header[:3] != ["item", "unit", "kg"]:
        raise ValueError(f"{source}: the header must be item,unit,kg (got {header!r})")
    for cells in reader:
        if not any(c.strip() for c in cells):
            continue
        line = reader.line_num
        if len(cells) < 3:
            raise ValueError(f"{source} line {line}: expected item,unit,kg (got {cells!r})")
        item, unit, kg_text = (c.strip() for c in cells[:3])
        try:
            kg = float(kg_text)
        except ValueError:
            raise ValueError(f"{source} line {line}: kg {kg_text!r} is not a number") from None
        if not item or not unit or not math.isfinite(kg) or kg <= 0:
            raise ValueError(f"{source} line {line}: need an item, a unit and kg > 0")
        yield (item, unit), kg
