"""The encoding policy of ``io.tables.decode``: UTF-8, GBK/GB18030, and files mixing both."""

from __future__ import annotations

import random

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from basket_route.exceptions import ScenarioError
from basket_route.io.tables import decode


def _gb2312_characters() -> list[str]:
    """Every Chinese character of GB2312 (rows 0xB0-0xF7), the set GBK spreadsheets use."""
    found = []
    for lead in range(0xB0, 0xF8):
        for trail in range(0xA1, 0xFF):
            try:
                found.append(bytes([lead, trail]).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return found


GB2312 = _gb2312_characters()
HEADER = "household_id,building_id,unit,floor,members,vulnerable,name,phone\n"


def _rows(names: list[str]) -> str:
    return HEADER + "".join(f"H{i},B1,1-{i:03d},1,2,,{n},\n" for i, n in enumerate(names))


names = st.lists(
    st.text(alphabet=st.sampled_from(GB2312), min_size=1, max_size=6), min_size=1, max_size=30
)


@settings(max_examples=200, deadline=None, derandomize=True)
@given(names)
def test_gbk_files_are_read_as_written(rows: list[str]) -> None:
    """Any GBK file of GB2312 names decodes to its text: the mixed-encoding check never
    mistakes a GBK line for UTF-8. (A GBK file that is valid UTF-8 as a whole, such as one
    name 一, is read as UTF-8: the policy tries UTF-8 first.)"""
    text = _rows(rows)
    assume(not _is_utf8(text.encode("gbk")))
    assert decode(text.encode("gbk"), "households.csv") == (text, "gb18030")


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def test_many_gbk_names_are_never_rejected() -> None:
    """20,000 random 2-4 character names in one GBK file: no line is taken for UTF-8."""
    rng = random.Random(0)
    rows = ["".join(rng.choices(GB2312, k=rng.randint(2, 4))) for _ in range(20_000)]
    text = _rows(rows)
    assert decode(text.encode("gbk"), "households.csv")[0] == text


@pytest.mark.parametrize(
    ("first", "second", "row", "message"),
    [
        ("王女士", "李四", 3, "mixed encodings: line 3 is UTF-8 but line 2"),
        ("张三", "社区服务中心", 3, "mixed encodings: line 3 is UTF-8 but line 2"),
        # The UTF-8 bytes of 刘先生 are not GB18030 either: both decodings fail.
        ("陈阿姨", "刘先生", 2, "line 3 is not GBK/GB18030 either, so the file mixes"),
    ],
)
def test_line_of_another_encoding_is_rejected_naming_it(
    first: str, second: str, row: int, message: str
) -> None:
    """Line 2 in GBK, line 3 in UTF-8: rejected, naming the file, a line and the mix."""
    data = HEADER.encode() + f"H1,B1,1,1,1,,{first},\n".encode("gbk")
    data += f"H2,B1,2,1,1,,{second},\n".encode()
    with pytest.raises(ScenarioError) as caught:
        decode(data, "households.csv")
    (defect,) = caught.value.defects
    assert (defect.file, defect.row) == ("households.csv", row)
    assert message in defect.message


def test_utf8_and_gbk_alone_decode() -> None:
    text = _rows(["王女士", "李四"])
    assert decode(text.encode(), "f.csv") == (text, "utf-8")
    assert decode(text.encode("gbk"), "f.csv") == (text, "gb18030")
