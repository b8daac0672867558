"""The plan map: structure of the page, planar and lat/lon, escaping, and a real render."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

import basket_route as br
from basket_route.maps import DEBIAN_LEAFLET, ROUTE_COLOURS
from tests import chromium
from tests.helpers import tiny_frames, tiny_settings

pytest.importorskip("folium", reason="maps need the 'maps' extra (folium)")

EVIL = "<img src=x onerror=alert(1)>`${alert(2)}`"


def _plan(scenario: br.Scenario) -> br.Plan:
    return br.plan_window(scenario, "2020-02-10", "AM", br.PlanOptions(reproducible=True))


@pytest.fixture(scope="module")
def tiny_plan(tiny: br.Scenario) -> br.Plan:
    """The tiny scenario's morning (planar coordinates)."""
    return _plan(tiny)


@pytest.fixture(scope="module")
def latlon() -> br.Scenario:
    """The tiny scenario moved to lat/lon (Wuhan), one building named with markup."""
    frames = tiny_frames()
    for name in ("depots.csv", "buildings.csv"):
        frame = frames[name]
        frame["lat"] = [f"{30.55 + float(y) / 111_000:.6f}" for y in frame["y_m"]]
        frame["lon"] = [f"{114.30 + float(x) / 96_000:.6f}" for x in frame["x_m"]]
        frames[name] = frame.drop(columns=["x_m", "y_m"])
    frames["buildings.csv"].loc[0, "name"] = EVIL
    frames["volunteers.csv"].loc[0, "name"] = EVIL
    return br.scenario_from_frames(frames, tiny_settings())


def test_planar_map_is_a_blank_simple_canvas(tiny: br.Scenario, tiny_plan: br.Plan) -> None:
    """Planar scenarios use the Simple CRS, no tiles, one polyline per trip."""
    page = br.plan_map(tiny_plan, tiny).get_root().render()
    assert "L.CRS.Simple" in page
    assert "tile.openstreetmap" not in page and "L.tileLayer" not in page
    assert page.count("L.polyline(") == len(tiny_plan.trips)
    for i, _ in enumerate(tiny_plan.routes):
        assert ROUTE_COLOURS[i] in page
    assert "jquery" not in page.lower() and "bootstrap" not in page.lower()
    with pytest.raises(ValueError, match="planar"):
        br.plan_map(tiny_plan, tiny, tiles="OpenStreetMap")


def test_latlon_map_uses_tiles_unless_told_not_to(latlon: br.Scenario) -> None:
    """Lat/lon scenarios get web-map tiles by default and a blank map with tiles=None."""
    plan = _plan(latlon)
    assert "openstreetmap" in br.plan_map(plan, latlon).get_root().render().lower()
    blank = br.plan_map(plan, latlon, tiles=None).get_root().render()
    assert "L.tileLayer" not in blank and "L.CRS.EPSG3857" in blank
    assert blank.count("L.polyline(") == len(plan.trips)


def test_user_strings_are_inert(latlon: br.Scenario) -> None:
    """Building and volunteer names with markup or template syntax are escaped everywhere."""
    page = br.plan_map(_plan(latlon), latlon, tiles=None).get_root().render()
    assert "<img" not in page and "${alert" not in page and "`${" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;&#96;&#36;{alert(2)}&#96;" in page


def test_unassigned_buildings_are_flagged() -> None:
    """A building with an unassigned order is drawn red with the reason in its tooltip."""
    frames = tiny_frames()
    frames["orders.csv"].loc[frames["orders.csv"]["order_id"] == "O5", "weight_kg"] = "99"
    scenario = br.scenario_from_frames(frames, tiny_settings())
    plan = _plan(scenario)
    assert [u.order_id for u in plan.unassigned] == ["O5"]
    page = br.plan_map(plan, scenario).get_root().render()
    assert page.count('"fillColor": "#d62728"') == 1
    assert "UNASSIGNED 1: no_capacity 1" in page


def test_scenario_without_coordinates_is_refused(tiny_plan: br.Plan) -> None:
    """With no coordinates at all there is nothing to draw: a clear error."""
    frames = tiny_frames()
    for name in ("depots.csv", "buildings.csv"):
        frames[name] = frames[name].drop(columns=["x_m", "y_m"])
    frames["paths.csv"] = pd.DataFrame(
        {"from": ["D1", "D1", "B2"], "to": ["B1", "B2", "B3"], "length_m": ["300", "400", "300"]}
    )
    scenario = br.scenario_from_frames(frames, tiny_settings())
    with pytest.raises(ValueError, match="nothing to draw"):
        br.plan_map(tiny_plan, scenario)


def test_offline_page_inlines_leaflet(
    tiny: br.Scenario, tiny_plan: br.Plan, tmp_path: Path
) -> None:
    """With leaflet_dir the page loads no script or stylesheet from the network."""
    folder = tmp_path / "leaflet"
    folder.mkdir()
    (folder / "leaflet.js").write_text("window.L_STUB = 1; // </script> must not end the tag")
    (folder / "leaflet.css").write_text(".leaflet-container{}")
    page = br.write_map(tiny_plan, tiny, tmp_path / "map.html", leaflet_dir=folder)
    html = page.read_text(encoding="utf-8")
    assert not re.search(r"<(script|link)[^>]+(src|href)=\"https?:", html)
    assert "window.L_STUB = 1" in html and "<\\/script> must not" in html
    with pytest.raises(ValueError, match="leaflet"):
        br.plan_map(tiny_plan, tiny, leaflet_dir=tmp_path / "missing")


def test_routes_render_in_headless_chromium(
    tiny: br.Scenario, tiny_plan: br.Plan, tmp_path: Path
) -> None:
    """Chromium draws one SVG line per trip in its volunteer's colour, plus the places."""
    if not (DEBIAN_LEAFLET / "leaflet.js").is_file():
        pytest.skip(f"Leaflet not found in {DEBIAN_LEAFLET} (apt-get install libjs-leaflet)")
    page = br.write_map(tiny_plan, tiny, tmp_path / "map.html", leaflet_dir=DEBIAN_LEAFLET)
    dom = chromium.dump_dom(page, tmp_path)
    paths = re.findall(r"<path [^>]*>", dom)
    assert paths, "Leaflet drew nothing"
    for i, route in enumerate(tiny_plan.routes):
        colour = ROUTE_COLOURS[i]
        lines = [p for p in paths if f'stroke="{colour}"' in p and 'fill="none"' in p]
        assert len(lines) == len(route.trips), (route.volunteer_id, colour)
        assert all(re.search(r'd="M[-\d.]+ [-\d.]+L', p) for p in lines)  # real geometry
    circles = [p for p in paths if "a5,5" in p or "a9,9" in p]
    assert len(circles) == len(tiny.buildings) + len(tiny.depots)
    assert "leaflet-control-layers" in dom and "br-legend" in dom
