"""Raw tables: decode a CSV file (encoding policy) and split it into rows with line numbers.

Pure parsing lives in :mod:`basket_route.io.scenario`; this module only turns bytes or
DataFrames into :class:`Table` objects, so both paths share every check after it.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from basket_route.exceptions import ScenarioError

if TYPE_CHECKING:  # pandas is imported where used: ~0.4 s of start-up
    import pandas as pd

__all__ = [
    "MAX_FILE_BYTES",
    "Row",
    "Table",
    "decode",
    "normalise_id",
    "read_table",
    "table_from_frame",
]

MAX_FILE_BYTES = 256 * 1024 * 1024
"""Largest scenario file read; larger files are rejected before parsing."""

_FIELD_LIMIT = 16 * 1024 * 1024  # csv's default 128 KiB field limit would reject long notes
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))


@dataclass(frozen=True, slots=True)
class Row:
    """One data row: its line number in the file (header = 1) and its cells by column."""

    line: int
    cells: Mapping[str, str | None]

    def get(self, column: str) -> str | None:
        """The stripped cell text, None when the cell or the column is missing or empty."""
        return self.cells.get(column)


@dataclass(frozen=True, slots=True)
class Table:
    """A table read from one file of the scenario folder."""

    file: str
    columns: tuple[str, ...]
    rows: tuple[Row, ...]


def decode(data: bytes, file: str) -> tuple[str, str]:
    """Decode DATA by the encoding policy; return (text, encoding used).

    BOM (UTF-8 or UTF-16) → strict UTF-8 → strict GB18030 (a superset of GBK). Never
    ``errors="ignore"``: a file that decodes under none of them is rejected, naming where.
    UTF-8 is tried before GB18030 because UTF-8 Chinese text often decodes "successfully"
    as GB18030 into mojibake, while GBK text is almost never valid UTF-8.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        candidates = ["utf-8-sig"]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        candidates = ["utf-16"]
    else:
        candidates = ["utf-8", "gb18030"]
    errors: list[UnicodeDecodeError] = []
    for encoding in candidates:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError as exc:
            errors.append(exc)
            continue
        if encoding == "gb18030" and errors:
            _reject_utf8_lines(data, file, _line_of(data, errors[0].start))
        return text, encoding
    offset = errors[0].start
    line = _line_of(data, offset)
    mixed = ""
    if len(errors) > 1 and _line_of(data, errors[1].start) != line:
        # UTF-8 fails on one line and GB18030 on another: each line is fine in its own.
        mixed = (
            f"; line {_line_of(data, errors[1].start)} is not GBK/GB18030 either, "
            "so the file mixes encodings"
        )
    raise ScenarioError.single(
        file,
        line,
        None,
        data[max(0, offset - 8) : offset + 8],
        f"not UTF-8 or GBK/GB18030 text (undecodable byte at offset {offset}{mixed}); "
        "save the whole file in one encoding, UTF-8",
    )


def _line_of(data: bytes, offset: int) -> int:
    return data[:offset].count(b"\n") + 1


def _reject_utf8_lines(data: bytes, file: str, gbk_line: int) -> None:
    """Reject a GB18030 file in which some line is really UTF-8 Chinese (mixed encodings).

    Decoded whole as GB18030, such a line becomes mojibake without any error (李四 reads
    鏉庡洓). A line counts as UTF-8 when it is valid UTF-8 of CJK characters only, and its
    GB18030 reading needs characters outside GB2312: genuine GBK text from spreadsheets
    almost never passes both tests, UTF-8 Chinese almost always fails the second.
    """
    for number, line in enumerate(data.split(b"\n"), start=1):
        if line.isascii():
            continue
        try:
            as_utf8 = line.decode("utf-8")
        except UnicodeDecodeError:
            continue
        wide = [ch for ch in as_utf8 if ord(ch) >= 0x80]
        if not all(_is_cjk(ch) for ch in wide) or not any(ord(ch) >= 0x800 for ch in wide):
            continue
        as_gb = line.decode("gb18030")
        try:
            as_gb.encode("gb2312")
        except UnicodeEncodeError:
            raise ScenarioError.single(
                file,
                number,
                None,
                as_utf8.strip()[:80],
                f"mixed encodings: line {number} is UTF-8 but line {gbk_line} is not (it is "
                f"GBK/GB18030), so line {number} would read {as_gb.strip()[:40]!r}; "
                "save the whole file in one encoding, UTF-8",
            ) from None


def _is_cjk(ch: str) -> bool:
    code = ord(ch)
    return (
        0x4E00 <= code <= 0x9FFF  # unified ideographs
        or 0x3400 <= code <= 0x4DBF  # extension A
        or 0x3000 <= code <= 0x303F  # CJK punctuation
        or 0xFF00 <= code <= 0xFFEF  # full-width forms
    )


def normalise_id(text: str) -> str:
    """An id as compared everywhere: NFKC (full-width digits), no invisible characters, stripped."""
    return unicodedata.normalize("NFKC", text).translate(_INVISIBLE).strip()


def _header(names: Sequence[str], file: str) -> tuple[str, ...]:
    columns = tuple(normalise_id(str(n)).lower() for n in names)
    dupes = sorted({c for c in columns if c and columns.count(c) > 1}, key=columns.index)
    if dupes:
        raise ScenarioError.single(file, 1, dupes[0], None, f"duplicate column(s) {_listed(dupes)}")
    return columns


def _listed(items: Sequence[str], limit: int = 5) -> str:
    shown = ", ".join(repr(i) for i in items[:limit])
    return shown + (", …" if len(items) > limit else "")


def parse_csv_text(text: str, file: str) -> Table:
    """Split CSV TEXT into a :class:`Table`; blank rows are skipped, cells stripped."""
    sample = text[:4096]
    first_line = sample.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","
    csv.field_size_limit(_FIELD_LIMIT)
    # strict: an unterminated quote is an error, not the rest of the file in one cell
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header_cells = next(reader, None)
        if header_cells is None or not any(c.strip() for c in header_cells):
            raise ScenarioError.single(
                file, 1, None, None, "the file is empty (a header row is required)"
            )
        columns = _header(header_cells, file)
        rows = []
        for cells in reader:
            if not any(c.strip() for c in cells):
                continue
            line = reader.line_num
            if len(cells) > len(columns):
                extra = [c for c in cells[len(columns) :] if c.strip()]
                if extra:
                    raise ScenarioError.single(
                        file,
                        line,
                        None,
                        extra[0],
                        f"row has {len(cells)} cells but the header has {len(columns)}",
                    )
            values = {
                col: (cells[i].strip() or None) if i < len(cells) else None
                for i, col in enumerate(columns)
            }
            rows.append(Row(line, values))
    except csv.Error as exc:
        raise ScenarioError.single(
            file, reader.line_num, None, None, f"malformed CSV: {exc}"
        ) from None
    return Table(file, columns, tuple(rows))


def read_table(folder: Path, file: str) -> Table:
    """Read FOLDER/FILE as a :class:`Table` (size limit, encoding policy, CSV parsing)."""
    path = folder / file
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise ScenarioError.single(
            file, None, None, size, f"file is larger than {MAX_FILE_BYTES} bytes"
        )
    text, _ = decode(path.read_bytes(), file)
    return parse_csv_text(text, file)


def _cell_text(value: Any) -> str | None:
    import pandas as pd

    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dt.datetime):  # pandas Timestamps too
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value).strip()
    return text or None


def table_from_frame(frame: pd.DataFrame, file: str) -> Table:
    """A DataFrame as a :class:`Table`; row i (0-based position) is reported as line i + 2."""
    columns = _header([str(c) for c in frame.columns], file)
    rows = tuple(
        Row(i + 2, {col: _cell_text(v) for col, v in zip(columns, values, strict=True)})
        for i, values in enumerate(frame.itertuples(index=False, name=None))
    )
    return Table(file, columns, rows)
