"""A map of a plan: one colour per volunteer, trips as lines in visiting order.

Needs the ``maps`` extra (folium). Lat/lon scenarios are drawn on web-map tiles (or a
blank canvas with ``tiles=None``); planar scenarios (``x_m, y_m``) on a blank canvas in a
flat coordinate system ("Simple" CRS), metres as map units, north up.

The page uses only Leaflet (no jQuery, Bootstrap or icon fonts): vector circles and
lines, tooltips and a layer control. ``leaflet_dir`` inlines Leaflet from a local folder
(Debian's ``libjs-leaflet`` installs it in ``/usr/share/javascript/leaflet``), so the page
needs no network at all. Every user string is HTML-escaped (Leaflet inserts tooltip and
layer names as HTML); household names and phones are never on the map.
"""

from __future__ import annotations

import base64
import importlib
import os
import re
from collections import Counter
from pathlib import Path
from typing import Any

from basket_route.io.sanitise import html_text
from basket_route.model import CoordinateSystem, Scenario
from basket_route.plan import Plan, atomic_write_text

__all__ = ["DEBIAN_LEAFLET", "ROUTE_COLOURS", "plan_map", "write_map"]

DEBIAN_LEAFLET = Path("/usr/share/javascript/leaflet")
"""Where Debian's ``libjs-leaflet`` puts ``leaflet.js`` and ``leaflet.css``."""

ROUTE_COLOURS: tuple[str, ...] = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22",
    "#393b79", "#637939", "#8c6d31", "#843c39", "#7b4173", "#3182bd", "#e6550d", "#31a354",
    "#756bb1", "#636363", "#6baed6", "#fd8d3c",
)  # fmt: skip
"""Line colours, volunteer by volunteer in plan order (cycled). Red is kept for problems."""

_PROBLEM = "#d62728"
_LEGEND_ROUTES = 30
_LEAFLET_CDN = "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet"


def _folium() -> Any:
    try:
        return importlib.import_module("folium")
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("maps need folium: pip install 'basket-route[maps]'") from exc


def _point(scenario: Scenario, coord: tuple[float, float] | None) -> list[float] | None:
    if coord is None:
        return None
    if scenario.coordinates is CoordinateSystem.WGS84:
        return [coord[0], coord[1]]  # (lat, lon)
    return [coord[1], coord[0]]  # planar (x, y) -> Leaflet's [y, x] in the Simple CRS


def _tooltip(folium: Any, *lines: object) -> Any:
    return folium.Tooltip("<br>".join(html_text(line) for line in lines), sticky=True)


def plan_map(
    plan: Plan,
    scenario: Scenario,
    *,
    tiles: str | None = "auto",
    leaflet_dir: str | os.PathLike[str] | None = None,
    volunteer_names: bool = True,
) -> Any:
    """Draw PLAN on a folium map.

    Parameters
    ----------
    plan
        The plan of one window.
    scenario
        Its scenario (coordinates, names, orders).
    tiles
        A folium tile set name or URL, ``None`` for a blank canvas, or ``"auto"``:
        OpenStreetMap for lat/lon scenarios, blank for planar ones. Default ``"auto"``.
    leaflet_dir
        A folder holding ``leaflet.js`` and ``leaflet.css`` to inline into the page
        (e.g. :data:`DEBIAN_LEAFLET`), for a page that works offline. Default None:
        Leaflet is loaded from a CDN.
    volunteer_names
        Show volunteers' names next to their ids. Default True.

    Returns
    -------
    folium.Map
        Depot(s) as black circles; buildings as grey circles (red: orders unassigned in
        this window, thick outline: sealed); one layer per volunteer with their trips
        as lines depot → stops → depot; a legend.

    Raises
    ------
    ValueError
        When no depot or building has coordinates, or tiles are asked for on a planar
        scenario.
    ImportError
        When folium is not installed.
    """
    folium = _folium()
    planar = scenario.coordinates is CoordinateSystem.PLANAR
    if tiles == "auto":
        tiles = None if planar else "OpenStreetMap"
    if planar and tiles is not None:
        raise ValueError("map tiles need lat/lon coordinates; this scenario is planar (x_m, y_m)")
    depots = {k: _point(scenario, d.coord) for k, d in scenario.depots.items()}
    places = {k: _point(scenario, b.coord) for k, b in scenario.buildings.items()}
    drawn = [p for p in (*depots.values(), *places.values()) if p is not None]
    if not drawn:
        raise ValueError("no depot or building has coordinates: there is nothing to draw")
    options: dict[str, Any] = {"tiles": tiles, "zoom_snap": 0.25}
    if planar:
        options.update(crs="Simple", minZoom=-8, maxZoom=6, zoom_start=0)
    fmap = folium.Map(location=drawn[0], **options)
    fmap.default_js = [("leaflet", f"{_LEAFLET_CDN}.js")]  # nothing else is needed
    fmap.default_css = [("leaflet_css", f"{_LEAFLET_CDN}.css")]
    if leaflet_dir is not None:
        _inline_leaflet(folium, fmap, Path(leaflet_dir))

    legend = _draw_routes(folium, fmap, plan, scenario, depots, places, volunteer_names)
    missing = _draw_places(folium, fmap, plan, scenario, depots, places)  # on top of lines
    if planar:
        fmap.get_root().header.add_child(
            folium.Element("<style>.leaflet-container { background: #fff; }</style>")
        )
    folium.LayerControl(collapsed=len(plan.routes) > 12).add_to(fmap)
    lats = [p[0] for p in drawn]
    lons = [p[1] for p in drawn]
    fmap.fit_bounds([[min(lats), min(lons)], [max(lats), max(lons)]], padding=(30, 30))
    _add_legend(folium, fmap, plan, legend, missing, planar)
    return fmap


def _inline_leaflet(folium: Any, fmap: Any, folder: Path) -> None:
    try:
        js = (folder / "leaflet.js").read_text(encoding="utf-8")
        css = (folder / "leaflet.css").read_text(encoding="utf-8")
    except OSError as exc:
        raise ValueError(f"cannot read leaflet.js and leaflet.css in {folder}: {exc}") from exc
    css = re.sub(r"url\((images/[\w.-]+\.png)\)", lambda m: _data_uri(folder, m.group(1)), css)
    js = re.sub(r"</(script)", r"<\\/\1", js, flags=re.IGNORECASE)
    css = re.sub(r"</(style)", r"<\\/\1", css, flags=re.IGNORECASE)
    fmap.default_js = []
    fmap.default_css = []
    header = fmap.get_root().header
    header.add_child(folium.Element(f"<style>{css}</style>"), name="leaflet_css")
    header.add_child(folium.Element(f"<script>{js}</script>"), name="leaflet")


def _data_uri(folder: Path, name: str) -> str:
    """``url(data:…)`` for an image of Leaflet's CSS (layer-control icon), or as it was."""
    try:
        data = (folder / name).read_bytes()
    except OSError:
        return f"url({name})"
    return f"url(data:image/png;base64,{base64.b64encode(data).decode('ascii')})"


def _draw_places(
    folium: Any,
    fmap: Any,
    plan: Plan,
    scenario: Scenario,
    depots: dict[str, list[float] | None],
    places: dict[str, list[float] | None],
) -> int:
    """Depots and buildings; returns how many places could not be drawn (no coordinates)."""
    delivered: Counter[str] = Counter()
    for trip in plan.trips:
        for stop in trip.stops:
            delivered[stop.building_id] += len(stop.order_ids)
    left: dict[str, Counter[str]] = {}
    for u in plan.unassigned:
        order = scenario.orders.get(u.order_id)
        home = scenario.households.get(order.household_id) if order else None
        if home is not None:
            left.setdefault(home.building_id, Counter())[u.reason.value] += 1
    layer = folium.FeatureGroup(name="Depots and buildings")
    missing = 0
    for bid, point in places.items():
        b = scenario.buildings[bid]
        if point is None:
            missing += 1
            continue
        lines: list[object] = [f"{b.name or bid} ({bid})", f"{delivered[bid]} orders delivered"]
        if b.sealed:
            lines.append("sealed: door to door only")
        problem = left.get(bid)
        if problem:
            reasons = ", ".join(f"{k} {v}" for k, v in sorted(problem.items()))
            lines.append(f"UNASSIGNED {sum(problem.values())}: {reasons}")
        folium.CircleMarker(
            point,
            radius=8 if problem else 5,
            color="#000" if b.sealed else "#555",
            weight=3 if b.sealed else 1,
            fill=True,
            fill_color=_PROBLEM if problem else "#bbb",
            fill_opacity=0.9,
            tooltip=_tooltip(folium, *lines),
        ).add_to(layer)
    for did, point in depots.items():
        if point is None:
            missing += 1
            continue
        d = scenario.depots[did]
        folium.CircleMarker(
            point,
            radius=9,
            color="#000",
            weight=2,
            fill=True,
            fill_color="#000",
            fill_opacity=1.0,
            tooltip=_tooltip(folium, f"depot {d.name or did} ({did})"),
        ).add_to(layer)
    layer.add_to(fmap)
    return missing


def _draw_routes(
    folium: Any,
    fmap: Any,
    plan: Plan,
    scenario: Scenario,
    depots: dict[str, list[float] | None],
    places: dict[str, list[float] | None],
    volunteer_names: bool,
) -> list[tuple[str, str]]:
    """One layer per volunteer; returns (colour, label) for the legend."""
    legend: list[tuple[str, str]] = []
    for i, route in enumerate(plan.routes):
        if not route.trips:
            continue
        colour = ROUTE_COLOURS[i % len(ROUTE_COLOURS)]
        volunteer = scenario.volunteers.get(route.volunteer_id)
        name = volunteer.name if volunteer is not None and volunteer_names else ""
        n_orders = sum(len(t.order_ids) for t in route.trips)
        label = (
            f"{route.volunteer_id} {name}".strip()
            + f" — {len(route.trips)} trips, {n_orders} orders"
        )
        layer = folium.FeatureGroup(name=html_text(label))  # Leaflet shows layer names as HTML
        for k, trip in enumerate(route.trips, 1):
            ends = depots.get(trip.depot_id)
            points = [ends] + [places.get(s.building_id) for s in trip.stops] + [ends]
            line = [p for p in points if p is not None]
            if len(line) < 2:
                continue
            folium.PolyLine(
                line,
                color=colour,
                weight=4,
                opacity=0.8,
                tooltip=_tooltip(
                    folium,
                    f"{route.volunteer_id} {name}".strip(),
                    f"trip {k}: {trip.depart:%H:%M}–{trip.return_:%H:%M}",
                    f"{len(trip.order_ids)} orders, {trip.bags} bags, {trip.load_kg:.1f} kg",
                    " → ".join(
                        f"{scenario.buildings[s.building_id].name or s.building_id} {s.arrive:%H:%M}"
                        if s.building_id in scenario.buildings
                        else s.building_id
                        for s in trip.stops
                    ),
                ),
            ).add_to(layer)
        layer.add_to(fmap)
        legend.append((colour, label))
    return legend


def _add_legend(
    folium: Any,
    fmap: Any,
    plan: Plan,
    legend: list[tuple[str, str]],
    missing: int,
    planar: bool,
) -> None:
    rows = [
        f'<div><span style="display:inline-block;width:14px;height:4px;background:{colour};'
        f'vertical-align:middle;margin-right:4px"></span>{html_text(label)}</div>'
        for colour, label in legend[:_LEGEND_ROUTES]
    ]
    if len(legend) > _LEGEND_ROUTES:
        rows.append(f"<div>… and {len(legend) - _LEGEND_ROUTES} more volunteers</div>")
    notes = [f"{plan.summary_counts()['delivered']} delivered, {len(plan.unassigned)} unassigned"]
    if plan.unassigned:
        notes.append('<span style="color:#d62728">●</span> buildings with unassigned orders')
    if missing:
        notes.append(f"{missing} place(s) without coordinates are not drawn")
    if planar:
        notes.append("planar coordinates (metres), north up")
    title = html_text(f"{plan.scenario} — {plan.date} {plan.window}")
    is_open = " open" if len(legend) <= 12 else ""
    box = (
        '<div class="br-legend" style="position:fixed;bottom:12px;left:12px;z-index:1000;'
        "background:rgba(255,255,255,0.92);padding:6px 8px;border:1px solid #999;"
        'font:12px sans-serif;max-height:45%;overflow:auto">'
        f"<details{is_open}><summary><b>{title}</b></summary>{''.join(rows)}</details>"
        f"<div>{'<br>'.join(notes)}</div></div>"
    )
    fmap.get_root().html.add_child(folium.Element(box))


def write_map(
    plan: Plan,
    scenario: Scenario,
    path: str | os.PathLike[str],
    *,
    tiles: str | None = "auto",
    leaflet_dir: str | os.PathLike[str] | None = None,
    volunteer_names: bool = True,
) -> Path:
    """Write the map of PLAN as a self-contained HTML page (atomically).

    Parameters
    ----------
    plan, scenario, tiles, leaflet_dir, volunteer_names
        As :func:`plan_map`.
    path
        The ``.html`` file to write.

    Returns
    -------
    pathlib.Path

    Raises
    ------
    ValueError, ImportError
        As :func:`plan_map`.
    """
    fmap = plan_map(
        plan, scenario, tiles=tiles, leaflet_dir=leaflet_dir, volunteer_names=volunteer_names
    )
    target = Path(path)
    atomic_write_text(target, fmap.get_root().render())
    return target
