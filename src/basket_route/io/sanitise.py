"""Text that leaves basket_route for a spreadsheet, a web page or a file name.

User strings (household and volunteer names, building names, notes, items) may hold
formula triggers, markup or path separators (RELIABILITY.md, section G). Every exporter
passes them through one of these functions.
"""

from __future__ import annotations

import hashlib
import html
import re
import unicodedata

__all__ = ["clean_text", "html_text", "neutralise_cell", "slugify"]

_FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\0")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL"} | {
    f"{p}{i}" for p in ("COM", "LPT") for i in range(10)
}


def clean_text(value: object) -> str:
    """VALUE as text without control characters (except TAB, LF, CR); None is ``""``.

    Parameters
    ----------
    value
        Any value.

    Returns
    -------
    str
    """
    return _CONTROL.sub(" ", "" if value is None else str(value))


def neutralise_cell(value: object) -> str:
    """VALUE as spreadsheet-safe text: a leading formula trigger gets a ``'`` prefix.

    Triggers are ``= + - @`` TAB CR NUL as the first character (after leading spaces),
    per OWASP ASVS 1.2.10; quoting alone does not stop a spreadsheet from evaluating a
    cell. Other control characters become spaces.

    Parameters
    ----------
    value
        Any value; None becomes ``""``.

    Returns
    -------
    str
        The text to write. Re-importing it strips one leading ``'``.

    Examples
    --------
    >>> neutralise_cell('=HYPERLINK("http://x", "click")')
    '\\'=HYPERLINK("http://x", "click")'
    >>> neutralise_cell("+86 138 0000 0000")
    "'+86 138 0000 0000"
    """
    if value is None:
        return ""
    text = str(value)
    if text.lstrip(" ").startswith(_FORMULA_TRIGGERS):
        text = "'" + text
    return _CONTROL.sub(" ", text)


def html_text(value: object) -> str:
    """VALUE escaped for HTML text, attributes and JavaScript template literals.

    ``html.escape`` plus the backtick, ``$`` and backslash as character references, so
    that the result is inert inside a folium tooltip (a JS template literal) too.

    Parameters
    ----------
    value
        Any value; None becomes ``""``.

    Returns
    -------
    str
    """
    text = _CONTROL.sub(" ", "" if value is None else str(value))
    return (
        html.escape(text, quote=True)
        .replace("`", "&#96;")
        .replace("$", "&#36;")
        .replace("\\", "&#92;")
    )


def slugify(text: str, fallback: str = "item") -> str:
    """A safe file-name stem for TEXT: ASCII letters, digits, ``-``, ``_`` and ``.`` only.

    Anything else (``/``, ``..``, CJK, spaces) becomes ``-``; Windows device names get a
    ``_`` prefix. When characters were lost a short hash of TEXT is appended, so two
    different names never share a slug.

    Parameters
    ----------
    text
        A user string, e.g. a volunteer's id and name.
    fallback
        The stem when nothing of TEXT is left. Default ``"item"``.

    Returns
    -------
    str
        At most 60 characters, never empty, never starting with ``.`` or ``-``.
    """
    norm = unicodedata.normalize("NFKC", text)
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "-", norm)
    slug = re.sub(r"-{2,}", "-", slug).strip("-.")[:48] or fallback
    if slug.split(".")[0].upper() in _WINDOWS_RESERVED:
        slug = "_" + slug
    if slug != norm:
        slug += "-" + hashlib.sha1(text.encode("utf-8")).hexdigest()[:8]
    return slug
