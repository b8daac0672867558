"""``scenario.toml`` → :class:`~basket_route.model.Settings`, defaults included."""

from __future__ import annotations

import datetime as dt
import math
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from basket_route.exceptions import ScenarioError
from basket_route.io.cells import _CellError, _clock, _Reader
from basket_route.io.tables import decode
from basket_route.model import (
    DEFAULT_MODES,
    DEFAULT_WINDOWS,
    InvalidFieldError,
    ServiceTimes,
    Settings,
    Window,
)


def _settings(raw: Mapping[str, Any], rd: _Reader) -> Settings:
    file = "scenario.toml"

    def number(section: str, key: str, default: float, low: float, strict: bool = False) -> float:
        table = raw.get(section, {})
        value = table.get(key, default) if isinstance(table, Mapping) else default
        ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
        if not ok or value < low or (strict and value == low):
            rel = ">" if strict else ">="
            rd.add(file, None, f"{section}.{key}", value, f"must be a number {rel} {low:g}")
            return default
        return float(value)

    windows: dict[str, Window] = {}
    raw_windows = raw.get("windows", {})
    if not isinstance(raw_windows, Mapping):
        rd.add(file, None, "windows", raw_windows, "must be a table of named windows")
        raw_windows = {}
    spans = {n: {"start": s, "end": e} for n, (s, e) in DEFAULT_WINDOWS.items()}
    for name, span in raw_windows.items():
        spans[name] = {**spans.get(name, {}), **span} if isinstance(span, Mapping) else span
    for name, span in spans.items():
        if not isinstance(span, Mapping) or "start" not in span or "end" not in span:
            rd.add(file, None, f"windows.{name}", span, 'needs start and end, e.g. start = "09:00"')
            continue
        try:
            start, end = (
                v if isinstance(v, dt.time) else _clock(str(v))
                for v in (span["start"], span["end"])
            )
            windows[name] = Window(name, start, end)
        except (_CellError, InvalidFieldError) as exc:
            rd.add(file, None, f"windows.{name}", dict(span), str(exc))
    service = ServiceTimes(
        **{k: number("service", k, getattr(ServiceTimes(), k), 0.0) for k in ServiceTimes.__slots__}
    )
    modes = dict(DEFAULT_MODES)
    raw_modes = raw.get("modes", {})
    if isinstance(raw_modes, Mapping):
        for mode in raw_modes:
            speed = number("modes", mode, math.nan, 0.0, strict=True)
            if math.isfinite(speed):  # a bad speed is a recorded defect, not a mode
                modes[str(mode)] = speed
    else:
        rd.add(file, None, "modes", raw_modes, "must be a table of speeds in km/h")
    detour = number("distance", "detour", 1.3, 1.0)
    name = raw.get("name", "")
    if not isinstance(name, str):
        rd.add(file, None, "name", name, "must be a string")
        name = str(name)
    if not windows:  # every window was bad: defects are recorded, keep reading the rest
        return Settings(name=name, service=service, detour=detour, modes=modes)
    return Settings(name=name, windows=windows, service=service, detour=detour, modes=modes)


def _read_toml(folder: Path, rd: _Reader) -> Mapping[str, Any]:
    path = folder / "scenario.toml"
    if not path.is_file():
        return {}
    try:
        text, _ = decode(path.read_bytes(), "scenario.toml")
        return tomllib.loads(text)
    except ScenarioError as exc:
        rd.defects.extend(exc.defects)
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"at line (\d+)", str(exc))
        line = getattr(exc, "lineno", None) or (int(found.group(1)) if found else None)
        rd.add("scenario.toml", line, None, None, f"not valid TOML: {exc}")
    except RecursionError:
        rd.add("scenario.toml", None, None, None, "not valid TOML: nested too deeply")
    return {}
