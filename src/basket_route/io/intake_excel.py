"""Order intake from an Excel sheet (a form export, a shared spreadsheet).

One row per order. Columns are found by name, in English or Chinese (``docs/formats.md``,
"Order intake"): an address column (``地址`` "3栋1202"), or a building column (``楼栋``)
and a unit column (``房号``); an items column (``物品`` "鸡蛋2盒 大米10斤") and/or a
weight column (``重量``); optionally name (``姓名``), note (``备注``) and the list's own
number (``序号``). Each row is read by the same parser as a chat line, so buildings,
units, items and medicine are understood the same way, and every row that is not an
order is reported (``row N: … — reason``).

Needs the ``sheets`` extra (openpyxl; defusedxml guards it against XML bombs). The file
is checked for size and for its uncompressed size before openpyxl opens it.
"""

from __future__ import annotations

import datetime as dt
import importlib
import math
import os
import re
import unicodedata
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from basket_route.io.intake import MAX_LINES, LineError, LineParser
from basket_route.io.intake_result import Intake, IntakeOrder, UnparsedLine
from basket_route.io.items import ItemTable
from basket_route.io.matching import resolve_window
from basket_route.model import Scenario

__all__ = ["COLUMN_ALIASES", "read_orders_excel"]

COLUMN_ALIASES: Mapping[str, tuple[str, ...]] = {
    "address": ("address", "地址", "住址", "楼栋房号", "门牌", "门牌号"),
    "building": ("building", "building_id", "楼栋", "楼号", "栋", "楼"),
    "unit": ("unit", "room", "房号", "房间号", "单元房号", "室号"),
    "name": ("name", "姓名", "名字", "联系人"),
    "items": ("items", "物品", "商品", "需求", "订单", "购买内容", "内容", "订购"),
    "weight_kg": ("weight_kg", "weight", "重量", "重量kg", "重量公斤"),
    "note": ("note", "notes", "备注"),
    "entry": ("entry", "序号", "编号", "no"),
}
"""Accepted header names of each column (compared after NFKC, lower case, no spaces)."""

MAX_XLSX_BYTES = 20 * 1024 * 1024
MAX_UNZIPPED_BYTES = 200 * 1024 * 1024


def _openpyxl() -> Any:
    try:
        return importlib.import_module("openpyxl")
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("Excel files need openpyxl: pip install 'basket-route[sheets]'") from exc


def _key(text: object) -> str:
    norm = unicodedata.normalize("NFKC", str(text)).lower()
    return re.sub(r"[\s()（）_\-:：]", "", norm)


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return unicodedata.normalize("NFKC", str(value)).strip()


def _columns(header: Sequence[object]) -> dict[str, int]:
    keys = [_key(h) if h is not None else "" for h in header]
    found: dict[str, int] = {}
    for field, aliases in COLUMN_ALIASES.items():
        wanted = {_key(a) for a in aliases}
        for i, key in enumerate(keys):
            if key in wanted and field not in found:
                found[field] = i
    has_place = "address" in found or {"building", "unit"} <= found.keys()
    if not has_place or not ({"items", "weight_kg"} & found.keys()):
        shown = ", ".join(repr(str(h)) for h in header if h is not None) or "none"
        raise ValueError(
            "the sheet needs an address column (地址) or building and unit columns (楼栋, 房号), "
            f"and an items (物品) or weight (重量) column; found columns {shown}"
        )
    return found


def _check_archive(path: Path) -> None:
    size = path.stat().st_size
    if size > MAX_XLSX_BYTES:
        raise ValueError(f"{path}: larger than {MAX_XLSX_BYTES // 2**20} MB, not read")
    try:
        with zipfile.ZipFile(path) as archive:
            unzipped = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        raise ValueError(f"{path}: not an .xlsx file (save the sheet as Excel .xlsx)") from None
    if unzipped > MAX_UNZIPPED_BYTES:
        raise ValueError(f"{path}: unpacks to {unzipped} bytes, more than {MAX_UNZIPPED_BYTES}")


def read_orders_excel(
    path: str | os.PathLike[str],
    scenario: Scenario,
    *,
    sheet: str | None = None,
    date: str | dt.date | None = None,
    window: str | None = None,
    items: ItemTable | None = None,
    prefix: str = "X",
    kg_per_bag: float = 4.0,
    year: int | None = None,
) -> Intake:
    """Read orders from an Excel sheet, one order per row.

    Parameters
    ----------
    path
        The ``.xlsx`` file.
    scenario
        Where buildings, units and households are looked up.
    sheet
        The worksheet's name. Default None: the first.
    date, window
        The window of the orders. Default None: read from the worksheet's title
        (``2月10日上午``).
    items, kg_per_bag, year
        As :func:`~basket_route.io.intake.parse_chat`.
    prefix
        Start of the generated order ids (``{prefix}{YYYYMMDD}{window}R{row:03d}``, or
        the ``序号`` number). Default ``"X"``.

    Returns
    -------
    Intake
        ``unparsed`` rows are labelled ``row N`` (the sheet's row number).

    Raises
    ------
    ValueError
        When the file is not an .xlsx, is too large, lacks the needed columns, or the
        date or window is neither given nor in the sheet title.
    ImportError
        When openpyxl is not installed.
    """
    target = Path(path)
    _check_archive(target)
    openpyxl = _openpyxl()
    book = openpyxl.load_workbook(target, read_only=True, data_only=True)
    try:
        if sheet is not None and sheet not in book.sheetnames:
            raise ValueError(f"sheet {sheet!r} not in {book.sheetnames}")
        ws = book[sheet] if sheet is not None else book.worksheets[0]
        title = str(ws.title)
        rows = list(ws.iter_rows(values_only=True, max_row=MAX_LINES + 1))
    finally:
        book.close()
    day, win = resolve_window(scenario, date, window, [title], year)
    parser = LineParser(scenario, day, win, items or ItemTable.default(), prefix, kg_per_bag)
    start = next((i for i, r in enumerate(rows) if any(_cell(v) for v in r)), None)
    if start is None:
        return Intake((), (), (), day, win)
    columns = _columns(rows[start])
    orders: list[IntakeOrder] = []
    unparsed: list[UnparsedLine] = []
    seen: dict[str, int] = {}
    for index, values in enumerate(rows[start + 1 :], start=start + 2):
        cells = {f: _cell(values[i]) if i < len(values) else "" for f, i in columns.items()}
        if not any(cells.values()):
            continue
        text = " ".join(v for v in cells.values() if v)
        try:
            order = _row_order(parser, index, cells)
            if order.order_id in seen:
                raise LineError(
                    f"order id {order.order_id} used twice (first on row {seen[order.order_id]})"
                )
        except LineError as exc:
            unparsed.append(UnparsedLine(index, text, str(exc), "row"))
            continue
        seen[order.order_id] = index
        orders.append(order)
    return Intake(tuple(orders), tuple(unparsed), ((1, title),), day, win)


def _row_order(parser: LineParser, row: int, cells: dict[str, str]) -> IntakeOrder:
    place = cells.get("address", "")
    if not place:
        building, unit = cells.get("building", ""), cells.get("unit", "")
        if not building or not unit:
            raise LineError("no address: the building or unit cell is empty")
        place = f"{building}栋{unit}" if building.isdigit() else f"{building} {unit}"
    weight: float | None = None
    if cells.get("weight_kg"):
        try:
            weight = float(cells["weight_kg"])
        except ValueError:
            raise LineError(f"weight {cells['weight_kg']!r} is not a number") from None
        if not (math.isfinite(weight) and weight > 0):
            raise LineError(f"weight {cells['weight_kg']!r} must be a number > 0")
    entry = int(cells["entry"]) if cells.get("entry", "").isdigit() else None
    parts = [place, cells.get("name", ""), cells.get("items", ""), cells.get("note", "")]
    text = " ".join(p for p in parts if p)
    return parser.order(row, text, entry, weight_kg=weight, tag="R")
