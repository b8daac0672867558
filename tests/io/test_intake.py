"""Order intake: chat-group lists ("接龙") and Excel sheets, with every bad line reported."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

import basket_route as br
from basket_route.io.items import ItemTable
from basket_route.io.matching import cn_number
from tests.helpers import DATA

CHAT = DATA / "chat"
CORPUS = CHAT / "jielong_2020-02-10_AM.txt"
EXPECTED = CHAT / "jielong_2020-02-10_AM.expected.csv"
AM = {"date": "2020-02-10", "window": "AM"}


@pytest.fixture(scope="module")
def compound() -> br.Scenario:
    """5 buildings (1号楼, 2号楼, 3号楼 sealed, 12栋 with 单元, 二十一号楼), 164 households."""
    return br.load_scenario(CHAT / "scenario")


@pytest.fixture(scope="module")
def corpus(compound: br.Scenario) -> br.Intake:
    """The 51-line list of 2月10日上午, read with the date and window from its header."""
    return br.read_chat(CORPUS, compound)


def test_corpus_matches_the_expected_outcome_of_every_line(corpus: br.Intake) -> None:
    """Each order line gives the expected unit, weight, priority and due; each bad line
    is reported with the expected reason."""
    with EXPECTED.open(encoding="utf-8") as fh:
        expected = list(csv.DictReader(fh))
    assert len(expected) >= 40
    orders = {o.line: o for o in corpus.orders}
    unparsed = {u.line: u for u in corpus.unparsed}
    for row in expected:
        line = int(row["line"])
        if row["outcome"] == "order":
            assert line in orders, (line, unparsed.get(line))
            order = orders[line]
            assert order.unit == row["unit"], line
            assert order.weight_kg == pytest.approx(float(row["weight_kg"])), line
            assert order.priority.value == row["priority"], line
            assert (order.due.strftime("%H:%M") if order.due else "") == row["due"], line
        else:
            assert line in unparsed, (line, orders.get(line))
            assert row["reason"] in unparsed[line].reason, (line, unparsed[line].reason)


def test_no_line_is_skipped_silently(corpus: br.Intake) -> None:
    """Every non-blank line is a header line, an order or an unparsed line — exactly one."""
    lines = CORPUS.read_text(encoding="utf-8").splitlines()
    content = {n for n, text in enumerate(lines, 1) if text.strip()}
    header = [n for n, _ in corpus.header]
    seen = header + [o.line for o in corpus.orders] + [u.line for u in corpus.unparsed]
    assert sorted(seen) == sorted(content)
    assert header == [1, 2, 3]
    assert (corpus.date.isoformat(), corpus.window) == ("2020-02-10", "AM")
    assert len({o.order_id for o in corpus.orders}) == len(corpus.orders)


def test_unparsed_lines_read_as_the_cli_prints_them(corpus: br.Intake) -> None:
    """``line N: <text> — <reason>`` with the line as written."""
    first = corpus.unparsed[0]
    assert str(first) == "line 26: 22. 3栋 王 鸡蛋2盒 — " + first.reason


@pytest.mark.parametrize(
    ("line", "unit"),
    [
        ("1. 3号楼1202 王 鸡蛋2盒", "3-1202"),  # 号楼
        ("1. 3栋1202 王 鸡蛋2盒", "3-1202"),  # 栋
        ("1. 3幢1202 王 鸡蛋2盒", "3-1202"),  # 幢
        ("1. 3座 1202室 王 鸡蛋2盒", "3-1202"),  # 座, space, 室
        ("1. 3#1202 王 鸡蛋2盒", "3-1202"),  # hash
        ("1. 三号楼1202 王 鸡蛋2盒", "3-1202"),  # Chinese numeral
        ("1. 3-1202 王 鸡蛋2盒", "3-1202"),  # dash
        ("1、３＃－１２０２ 王 鸡蛋２盒", "3-1202"),  # full-width digits and signs
        ("1) 王 3栋1202 鸡蛋2盒", "3-1202"),  # name before the address
        ("1. 12栋2单元602 何 大米5kg", "12-2-602"),  # entrance (单元)
        ("1. 12-2-602 何 大米5kg", "12-2-602"),  # entrance with dashes
        ("1. 二十一栋502 罗 鸡蛋1盒", "21-502"),  # 二十一
    ],
)
def test_buildings_are_matched_as_residents_write_them(
    compound: br.Scenario, line: str, unit: str
) -> None:
    """The usual spellings of building and unit all reach the right household."""
    got = br.parse_chat(line, compound, **AM)
    assert got.unparsed == ()
    assert [o.unit for o in got.orders] == [unit]


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("1. 7栋1202 王 鸡蛋2盒", "building 7 does not exist"),  # no such building
        ("1. 3栋1905 王 鸡蛋2盒", "unit 1905 does not exist in building 3号楼"),  # 18 floors
        ("1. 12栋602 王 鸡蛋2盒", "unit 602 does not exist"),  # 12栋 needs the 单元
        ("1. 3栋1202 王 鸡蛋3打", "unknown unit '打'"),  # unit not in the table
        ("1. 3栋1202 王 鸡蛋", "'鸡蛋' has no quantity"),  # a known item alone
        ("1. 3栋1202 王 胰岛素", "'胰岛素' has no quantity"),  # medicine alone
        ("1. 3栋1202 王 2盒", "has no item name"),  # quantity without item
        ("1. 3栋1202 王 大米200斤", "more than 50 kg"),  # implausible weight
        ("1. 3栋1202 王 牛奶1瓶 9点前", "outside window AM"),  # due before the window opens
    ],
)
def test_bad_lines_are_reported_not_guessed(compound: br.Scenario, line: str, reason: str) -> None:
    """A building, unit, item or time that cannot be read is reported with the reason."""
    got = br.parse_chat(line, compound, **AM)
    assert got.orders == ()
    assert len(got.unparsed) == 1 and reason in got.unparsed[0].reason


@pytest.mark.parametrize(
    ("line", "priority"),
    [
        ("1. 3栋1202 王 降压药1盒", "medicine"),  # 药
        ("1. 3栋1202 王 胰岛素2支 鸡蛋1盒", "medicine"),  # 胰岛素 among groceries
        ("1. 3栋1202 王 奶粉1罐 加急", "urgent"),  # 加急 in a note
        ("1. 3栋1202 王 鸡蛋1盒 谢谢", "normal"),  # thanks only
    ],
)
def test_medicine_and_urgent_words_set_the_priority(
    compound: br.Scenario, line: str, priority: str
) -> None:
    """Medicine words make a medicine order; 急 words an urgent one."""
    got = br.parse_chat(line, compound, **AM)
    assert [o.priority.value for o in got.orders] == [priority]


def test_weights_come_from_the_item_table(compound: br.Scenario) -> None:
    """斤 is half a kilo, counts use the item's row or the unit's default, bags follow kg."""
    got = br.parse_chat("1. 3栋1202 王 鸡蛋2盒 大米10斤 火龙果2个", compound, **AM)
    (order,) = got.orders
    assert [(i.name, i.weight_kg, i.estimated) for i in order.items] == [
        ("鸡蛋", 1.2, False),
        ("大米", 5.0, False),
        ("火龙果", 0.4, True),
    ]
    assert order.weight_kg == pytest.approx(6.6) and order.bags == 2


def test_item_table_can_be_edited(compound: br.Scenario, tmp_path: Path) -> None:
    """A CSV adds items and overrides default rows; bad rows name their line."""
    table = tmp_path / "items.csv"
    table.write_text("item,unit,kg\n火龙果,个,0.5\n鸡蛋,盒,1.0\n", encoding="utf-8")
    items = ItemTable.from_csv(table)
    got = br.parse_chat("1. 3栋1202 王 鸡蛋2盒 火龙果2个", compound, items=items, **AM)
    assert got.orders[0].weight_kg == pytest.approx(3.0)
    table.write_text("item,unit,kg\n鸡蛋,盒,heavy\n", encoding="utf-8")
    with pytest.raises(ValueError, match="line 2: kg 'heavy' is not a number"):
        ItemTable.from_csv(table)


def test_date_and_window_come_from_options_or_the_header(compound: br.Scenario) -> None:
    """Options win over the header; without either, a clear error."""
    text = "2月11日下午 接龙\n1. 3栋1202 王 鸡蛋2盒"
    got = br.parse_chat(text, compound)
    assert (got.date.isoformat(), got.window) == ("2020-02-11", "PM")
    assert br.parse_chat(text, compound, date="2020-02-12", window="AM").window == "AM"
    with pytest.raises(ValueError, match="no date in the list header"):
        br.parse_chat("1. 3栋1202 王 鸡蛋2盒", compound)
    with pytest.raises(KeyError, match="NOON"):
        br.parse_chat(text, compound, window="NOON")


def test_orders_csv_is_read_back_by_the_scenario_reader(corpus: br.Intake, tmp_path: Path) -> None:
    """The written orders.csv replaces a scenario's orders and loads without defects."""
    folder = shutil.copytree(CHAT / "scenario", tmp_path / "scenario")
    corpus.to_csv(folder / "orders.csv")
    scenario = br.load_scenario(folder)
    assert sorted(scenario.orders) == sorted(o.order_id for o in corpus.orders)
    assert not scenario.invalid_orders
    first = scenario.orders[corpus.orders[0].order_id]
    assert first.weight_kg == corpus.orders[0].weight_kg
    assert {o.priority.value for o in scenario.orders.values()} == {"normal", "medicine", "urgent"}


def test_a_list_pasted_again_is_reported(compound: br.Scenario, tmp_path: Path) -> None:
    """An order id already in the scenario (the same list read twice) is not an order again."""
    got = br.parse_chat("99. 1号楼101 王 鸡蛋1盒", compound, **AM)
    assert "already in the scenario" in got.unparsed[0].reason


def test_gbk_list_is_decoded(compound: br.Scenario, tmp_path: Path) -> None:
    """A list saved as GBK (Windows Notepad, Excel export) reads like the UTF-8 one."""
    path = tmp_path / "gbk.txt"
    path.write_bytes(CORPUS.read_text(encoding="utf-8").encode("gb18030"))
    got = br.read_chat(path, compound)
    assert len(got.orders) == 32 and len(got.unparsed) == 19


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("一", 1.0),  # one
        ("两", 2.0),  # two, as counted
        ("十", 10.0),  # ten
        ("十二", 12.0),  # twelve
        ("二十一", 21.0),  # twenty-one
        ("半", 0.5),  # half
        ("7", 7.0),  # digits
    ],
)
def test_chinese_numbers(text: str, value: float) -> None:
    """Chinese numerals up to 99, 两 and 半."""
    assert cn_number(text) == value


def test_excel_sheet_rows_become_orders(compound: br.Scenario, tmp_path: Path) -> None:
    """Rows with 楼栋/房号/姓名/物品 columns are read like chat lines; bad rows named by row."""
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "2月10日上午"
    ws.append(["序号", "楼栋", "房号", "姓名", "物品", "备注"])
    ws.append([1, "3号楼", 1202, "王", "鸡蛋2盒 大米10斤", ""])
    ws.append([2, 3, "1101", "李", "胰岛素1盒", "急"])
    ws.append([3, "7栋", "1202", "赵", "鸡蛋2盒", ""])
    ws.append([None, None, None, None, None, None])
    ws.append([4, "12栋", "2单元602", "何", "", ""])
    path = tmp_path / "orders.xlsx"
    book.save(path)
    got = br.read_orders_excel(path, compound)
    assert (got.date.isoformat(), got.window) == ("2020-02-10", "AM")
    assert [(o.unit, o.priority.value) for o in got.orders] == [
        ("3-1202", "normal"),
        ("3-1101", "medicine"),
    ]
    assert [o.order_id for o in got.orders] == ["X20200210AM001", "X20200210AM002"]
    assert [(u.label, u.line) for u in got.unparsed] == [("row", 4), ("row", 6)]
    assert "building 7 does not exist" in str(got.unparsed[0])
    assert "no items" in got.unparsed[1].reason


def test_excel_without_needed_columns_or_not_xlsx(compound: br.Scenario, tmp_path: Path) -> None:
    """A sheet without address and items columns, or a file that is not .xlsx, is refused."""
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    book.active.append(["姓名", "电话"])
    path = tmp_path / "people.xlsx"
    book.save(path)
    with pytest.raises(ValueError, match="needs an address column"):
        br.read_orders_excel(path, compound, **AM)
    fake = tmp_path / "fake.xlsx"
    fake.write_text("not a zip")
    with pytest.raises(ValueError, match=r"not an \.xlsx"):
        br.read_orders_excel(fake, compound, **AM)


def test_excel_formula_cells_are_data_not_formulas(compound: br.Scenario, tmp_path: Path) -> None:
    """A formula in a name cell is never evaluated into the order; the note stays inert."""
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["地址", "物品", "备注"])
    ws.append(["3栋1202", "鸡蛋2盒", '=HYPERLINK("http://evil.example","x")'])
    path = tmp_path / "f.xlsx"
    book.save(path)
    got = br.read_orders_excel(path, compound, **AM)
    assert [o.unit for o in got.orders] == ["3-1202"]
    out = tmp_path / "orders.csv"
    got.to_csv(out)
    text = out.read_text(encoding="utf-8-sig")
    assert "=HYPERLINK" not in text.replace("'=HYPERLINK", "")
