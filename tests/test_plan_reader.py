"""Reading plan JSON back (``basket_route.plan_reader``): errors name their place once."""

from __future__ import annotations

import json
from typing import Any

import pytest

import basket_route as br


@pytest.fixture(scope="module")
def plan_data(tiny: br.Scenario) -> dict[str, Any]:
    """Tiny's morning plan as its JSON object."""
    plan = br.plan_window(tiny, "2020-02-10", "AM", br.PlanOptions(reproducible=True))
    data: dict[str, Any] = json.loads(plan.to_json())
    assert data["routes"] and data["routes"][0]["trips"][0]["stops"]
    return data


@pytest.mark.parametrize(
    ("path", "key"),
    [
        pytest.param(("routes", 0, "trips", 0, "stops", 0), "building_id", id="stop"),
        pytest.param(("routes", 0, "trips", 0, "stops", 0), "arrive", id="stop-time"),
        pytest.param(("routes", 0, "trips", 0), "depot_id", id="trip"),
        pytest.param(("routes", 0, "trips", 0), "return", id="trip-time"),
    ],
)
def test_missing_key_names_its_place_once(
    plan_data: dict[str, Any], path: tuple[Any, ...], key: str
) -> None:
    """A missing key inside a stop or trip: the message gives its place once (it was
    printed twice, ``routes[0].trips[0]: routes[0].trips[0]: missing key ...``)."""
    edited = json.loads(json.dumps(plan_data))
    node = edited
    for step in path:
        node = node[step]
    del node[key]
    with pytest.raises(br.PlanFormatError) as info:
        br.Plan.from_dict(edited)
    place = "routes[0].trips[0]" + (".stops[0]" if "stops" in path else "")
    assert str(info.value) == f"{place}: missing key {key!r}"
