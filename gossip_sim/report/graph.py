"""Drawings of a topology: nodes at their coordinates (or a layout), edges as wide as w_ij.

Examples
--------
>>> g = gs.topology.build("ring", 6)
>>> ax = draw_graph(g, gs.mixing.mixing_matrix("uniform", g))
>>> len(ax.collections) >= 2  # edges and nodes
True
"""

from __future__ import annotations

from typing import Any

import networkx as nx
import numpy as np

from gossip_sim.topology.generators import TOPOLOGIES

__all__ = ["draw_graph", "graph_layout"]


def graph_layout(graph: nx.Graph, seed: int = 0) -> dict[int, tuple[float, float]]:
    """Return node positions: longitude/latitude if every node has them, else a drawn layout.

    Topologies registered with ``layout="circle"`` (ring, path, exponential) are drawn on a
    circle, everything else with a seeded spring layout (so the same graph is always drawn the
    same way).

    Examples
    --------
    >>> pos = graph_layout(gs.topology.build("ring", 4))
    >>> sorted(pos) == [0, 1, 2, 3]
    True
    """
    nodes = graph.nodes(data=True)
    if len(graph) and all("longitude" in d and "latitude" in d for _, d in nodes):
        return {n: (float(d["longitude"]), float(d["latitude"])) for n, d in nodes}
    if len(graph) and all("pos" in d for _, d in nodes):
        return {n: tuple(map(float, d["pos"]))[:2] for n, d in nodes}
    name = str(graph.graph.get("name", "")).split(":")[0]
    if name in TOPOLOGIES and TOPOLOGIES.entry(name).facts["layout"] == "circle":
        return nx.circular_layout(graph)
    return nx.spring_layout(graph, seed=seed)


def _wrap_around(edges: list[tuple[Any, Any]], pos: dict[Any, Any]) -> list[bool]:
    """Mark the edges of a grid-placed graph that wrap around (a torus's): drawn as arcs.

    On a grid layout those edges would lie along the grid lines, hidden under the others. Only
    graphs whose nodes carry grid positions (``pos`` attributes on integer coordinates) have them.
    """
    if not edges:
        return []
    length = np.array([np.hypot(*np.subtract(pos[u], pos[v])) for u, v in edges])
    coords = np.array([pos[n] for e in edges for n in e], dtype=float)
    on_grid = np.allclose(coords, np.round(coords))
    return list(on_grid & (length > 1.5 * np.median(length)))


def draw_graph(
    graph: nx.Graph,
    W: Any = None,
    ax: Any = None,
    pos: dict[int, Any] | None = None,
    node_color: Any = "#4c72b0",
) -> Any:
    """Draw ``graph`` onto ``ax`` (a new figure if None); edge widths ∝ w_ij when W is given.

    The width is 12 points per unit of weight (at least 0.3) in every drawing, so drawings of
    different graphs side by side show which mixes with heavier weights.

    The coordinator of a star (``graph.graph["coordinator"]``) is drawn as a square.

    Examples
    --------
    >>> ax = draw_graph(gs.topology.build("star", 5))
    >>> ax.get_title()
    'star: 5 agents, 4 links'
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(5, 5))
    pos = graph_layout(graph) if pos is None else pos
    edges = list(graph.edges())
    widths = np.full(len(edges), 1.5)
    if W is not None and edges:
        weights = np.array([abs(W[u, v]) for u, v in edges])
        widths = np.maximum(12.0 * weights, 0.3)  # the same scale in every drawing: comparable
    wrap = _wrap_around(edges, pos)
    for curved in (False, True):
        chosen = [i for i in range(len(edges)) if wrap[i] == curved]
        if not chosen:
            continue
        nx.draw_networkx_edges(
            graph,
            pos,
            edgelist=[edges[i] for i in chosen],
            ax=ax,
            width=widths[chosen],
            edge_color="#888888",
            **(
                {"arrows": True, "arrowstyle": "-", "connectionstyle": "arc3,rad=0.3"}
                if curved
                else {}
            ),
        )
    hub = graph.graph.get("coordinator")
    agents = [n for n in graph.nodes if n != hub]
    size = 120 if len(graph) <= 30 else 40  # large graphs: small nodes, so edges show
    nx.draw_networkx_nodes(
        graph, pos, nodelist=agents, ax=ax, node_size=size, node_color=node_color
    )
    if hub is not None:
        nx.draw_networkx_nodes(
            graph, pos, nodelist=[hub], ax=ax, node_size=220, node_shape="s", node_color="#c44e52"
        )
    if len(graph) <= 30:
        nx.draw_networkx_labels(graph, pos, ax=ax, font_size=7, font_color="white")
    name = graph.graph.get("name", "graph")
    ax.set_title(f"{name}: {len(graph)} agents, {graph.number_of_edges()} links")
    ax.set_axis_off()
    return ax
