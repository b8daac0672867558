"""Settings (nested mappings of plain values) → the text of a TOML document.

The standard library reads TOML (``tomllib``) but cannot write it; this is the small writer
that :meth:`basket_route.scenarios.ScenarioTables.write` uses for ``scenario.toml``.
``tomllib.loads`` reads the document back as the same settings.
"""

from __future__ import annotations

import datetime
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

__all__ = ["toml_document"]

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_ESCAPES = {
    '"': '\\"',
    "\\": "\\\\",
    "\b": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\f": "\\f",
    "\r": "\\r",
}


def _toml_string(text: str) -> str:
    """TEXT as a TOML basic string, quotes, backslashes and control characters escaped.

    Parameters
    ----------
    text : str

    Returns
    -------
    str
    """
    out = []
    for ch in text:
        code = ord(ch)
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif code < 0x20 or code == 0x7F:
            out.append(f"\\u{code:04X}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _toml_key(key: str) -> str:
    return key if _BARE_KEY.fullmatch(key) else _toml_string(key)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        number = float(value)
        if math.isnan(number):
            return "nan"
        if math.isinf(number):
            return "inf" if number > 0 else "-inf"
        return repr(number)
    if isinstance(value, str):
        return _toml_string(value)
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, Sequence):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} value {value!r} as TOML")


def toml_document(settings: Mapping[str, Any]) -> str:
    """SETTINGS (nested mappings of scalars) as the text of a TOML document.

    Parameters
    ----------
    settings : Mapping[str, Any]
        Keys are strings; values are strings, booleans, numbers, dates, times, lists of
        those, or nested mappings (written as ``[table.subtable]`` sections).

    Returns
    -------
    str
        The document; ``tomllib.loads`` gives SETTINGS back.

    Raises
    ------
    TypeError
        On a value TOML cannot hold.
    """
    lines: list[str] = []
    _toml_table(lines, (), settings)
    return "\n".join(lines).lstrip("\n") + "\n"


def _toml_table(lines: list[str], path: tuple[str, ...], table: Mapping[str, Any]) -> None:
    scalars = [(k, v) for k, v in table.items() if not isinstance(v, Mapping)]
    tables = [(k, v) for k, v in table.items() if isinstance(v, Mapping)]
    if path and (scalars or not tables):
        lines.extend(["", "[" + ".".join(_toml_key(p) for p in path) + "]"])
    lines.extend(f"{_toml_key(str(k))} = {_toml_value(v)}" for k, v in scalars)
    for key, sub in tables:
        _toml_table(lines, (*path, str(key)), sub)
