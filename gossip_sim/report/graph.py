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

__all__ = ["draw_graph", "graph_layout"]


def graph_layout(graph: nx.Graph, seed: int = 0) -> dict[int, tuple[float, float]]:
    """Return node positions: longitude/latitude if every node has them, else a drawn layout.

    Rings and paths are drawn on a circle, everything else with a seeded spring layout (so the
    same graph is always drawn the same way).

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
    if str(graph.graph.get("name", "")).split(":")[0] in ("ring", "path", "exponential"):
        return nx.circular_layout(graph)
    return nx.spring_layout(graph, seed=seed)


def draw_graph(
    graph: nx.Graph,
    W: Any = None,
    ax: Any = None,
    pos: dict[int, Any] | None = None,
    node_color: Any = "#4c72b0",
) -> Any:
    """Draw ``graph`` onto ``ax`` (a new figure if None); edge widths ∝ w_ij when W is given.

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
    widths = 1.5
    if W is not None and graph.number_of_edges():
        weights = np.array([abs(W[u, v]) for u, v in graph.edges()])
        widths = 0.5 + 5.0 * weights / max(weights.max(), 1e-12)
    nx.draw_networkx_edges(graph, pos, ax=ax, width=widths, edge_color="#888888")
    hub = graph.graph.get("coordinator")
    agents = [n for n in graph.nodes if n != hub]
    nx.draw_networkx_nodes(graph, pos, nodelist=agents, ax=ax, node_size=120, node_color=node_color)
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
