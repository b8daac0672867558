"""Distance matrices between places (depots and buildings), per the file contract.

- with ``paths.csv``: shortest-path lengths over the walking graph (networkx Dijkstra); no
  path means unreachable (``inf``), never a "big-M" number that a solver could use;
- without it: straight line × ``detour`` — Euclidean on planar metres, haversine on WGS84.

Matrices are float64 metres, read-only, indexed in the order of the ``places`` given.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from basket_route.model import CoordinateSystem, Scenario

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["EARTH_RADIUS_M", "distance_matrix", "travel_seconds", "walking_graph"]

EARTH_RADIUS_M = 6_371_008.8
"""Mean Earth radius used for great-circle distances (the contract's value)."""


def walking_graph(scenario: Scenario) -> nx.DiGraph:
    """The walking graph of ``paths.csv`` as a directed graph with ``length_m`` edge weights.

    Undirected edges become two arcs. Of parallel edges the shortest is kept.

    Raises
    ------
    ValueError
        When the scenario has no ``paths.csv``.
    """
    if scenario.paths is None:
        raise ValueError("the scenario has no paths.csv")
    # Imported here: networkx takes about 0.1 s to import, and only scenarios with a
    # paths.csv need it (the CLI's start-up counts inside its --time-limit).
    import networkx as nx

    graph = nx.DiGraph()
    for edge in scenario.paths:
        arcs = [(edge.source, edge.target)]
        if not edge.oneway:
            arcs.append((edge.target, edge.source))
        for u, v in arcs:
            if not graph.has_edge(u, v) or graph[u][v]["length_m"] > edge.length_m:
                graph.add_edge(u, v, length_m=edge.length_m)
    return graph


def _coords(scenario: Scenario, places: Sequence[str]) -> npt.NDArray[np.float64]:
    out = np.empty((len(places), 2))
    for i, place in enumerate(places):
        item = scenario.depots.get(place) or scenario.buildings.get(place)
        if item is None or item.coord is None:
            raise ValueError(f"place {place!r} has no coordinates")
        out[i] = item.coord
    return out


def distance_matrix(scenario: Scenario, places: Sequence[str]) -> npt.NDArray[np.float64]:
    """Metres from each of PLACES to each of PLACES; ``inf`` where there is no path.

    Parameters
    ----------
    scenario
        The scenario that defines the places and the distance model.
    places
        Depot and building ids (each once).

    Returns
    -------
    numpy.ndarray
        Read-only float64 array of shape ``(len(places), len(places))``, zero diagonal.
    """
    n = len(places)
    if scenario.paths is not None:
        import networkx as nx

        graph = walking_graph(scenario)
        matrix = np.full((n, n), np.inf)
        index = {p: i for i, p in enumerate(places)}
        for i, place in enumerate(places):
            matrix[i, i] = 0.0
            if place not in graph:
                continue
            lengths = nx.single_source_dijkstra_path_length(graph, place, weight="length_m")
            for target, length in lengths.items():
                j = index.get(target)
                if j is not None:
                    matrix[i, j] = length
    else:
        xy = _coords(scenario, places)
        if scenario.coordinates is CoordinateSystem.WGS84:
            lat, lon = np.radians(xy[:, 0]), np.radians(xy[:, 1])
            dlat = lat[None, :] - lat[:, None]
            dlon = lon[None, :] - lon[:, None]
            h = (
                np.sin(dlat / 2) ** 2
                + np.cos(lat[:, None]) * np.cos(lat[None, :]) * np.sin(dlon / 2) ** 2
            )
            straight = 2 * EARTH_RADIUS_M * np.arcsin(np.minimum(1.0, np.sqrt(h)))
        else:
            diff = xy[:, None, :] - xy[None, :, :]
            straight = np.hypot(diff[..., 0], diff[..., 1])
        matrix = straight * scenario.settings.detour
        np.fill_diagonal(matrix, 0.0)
    matrix.flags.writeable = False
    return matrix


def travel_seconds(
    distance_m: npt.NDArray[np.float64], speed_km_h: float
) -> npt.NDArray[np.float64]:
    """Travel times in seconds for a mode of SPEED_KM_H over DISTANCE_M (``inf`` stays ``inf``)."""
    out = distance_m / (speed_km_h / 3.6)
    out.flags.writeable = False
    return out
