"""Reading graph files: GraphML, GML, edge lists and node-link JSON.

:func:`load_graph_file` turns any of these into an undirected simple graph on the nodes
``0..K-1`` (in natural sort order of the original node names, which are kept in the node
attribute ``name``). Attributes it recognises (:data:`READ_ATTRIBUTES`): edge ``latency``
(seconds) and ``bandwidth`` (bits/s); node ``latitude``/``longitude`` (degrees; also
``Latitude``/``Longitude`` as in the Internet Topology Zoo), ``nic_egress`` and ``nic_ingress``
(bits/s), and ``name``/``label``. Any other node or edge attribute is named in one
:class:`~gossip_sim.errors.GossipSimWarning` per file (a ``loss`` or ``failed`` on a link is
*not* modelled), unless the graph attribute ``descriptive`` lists it as kept for readers.

Examples
--------
>>> p = gs._data.data_dir("topologies") / "nsfnet.graphml"
>>> gs.topology.load_graph_file(p).number_of_edges()
21
"""

from __future__ import annotations

import json
import re
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import networkx as nx

from gossip_sim.errors import ConfigError, GossipSimWarning

__all__ = ["GRAPH_FILE_EXTENSIONS", "READ_ATTRIBUTES", "load_graph_file", "relabel"]

#: File name endings :func:`load_graph_file` reads, and the format each means.
GRAPH_FILE_EXTENSIONS: dict[str, str] = {
    ".graphml": "GraphML",
    ".gml": "GML",
    ".json": "node-link JSON",
    ".edgelist": "edge list",
    ".txt": "edge list",
    ".csv": "edge list",
}

_ALIASES = {"Latitude": "latitude", "Longitude": "longitude", "lat": "latitude", "lon": "longitude"}

#: The node and edge attributes gossip-sim reads from a graph file (aliases such as
#: ``Latitude`` count as the name they stand for); any other one is named in a warning.
READ_ATTRIBUTES: dict[str, tuple[str, ...]] = {
    "edge": ("latency", "bandwidth"),
    "node": ("latitude", "longitude", "nic_egress", "nic_ingress", "name", "label"),
}
#: Identifiers the formats themselves write (GraphML edge ids, multigraph keys): never named.
_IDENTIFIERS = ("id", "key")


def _natural_key(node: Any) -> tuple:
    """Sort key putting "n2" before "n10" and 2 before 10, whatever the node type."""
    text = str(node)
    return tuple(
        (0, int(part), "") if part.isdigit() else (1, 0, part)
        for part in re.split(r"(\d+)", text)
        if part
    )


def relabel(graph: nx.Graph) -> nx.Graph:
    """Return ``graph`` with nodes renamed 0..K-1 in natural sort order, old names in ``name``.

    Graphs whose nodes already are 0..K-1 are returned unchanged.

    Parameters
    ----------
    graph : networkx.Graph
        Any graph.

    Returns
    -------
    networkx.Graph
        The relabelled graph (a new graph unless nothing had to change).

    Examples
    --------
    >>> import networkx as nx
    >>> g = gs.topology.files.relabel(nx.Graph([("n10", "n2")]))
    >>> sorted(g.nodes(data="name"))
    [(0, 'n2'), (1, 'n10')]
    """
    if set(graph.nodes) == set(range(graph.number_of_nodes())):
        return graph
    order = sorted(graph.nodes, key=_natural_key)
    index = {old: new for new, old in enumerate(order)}
    result: nx.Graph = nx.Graph()
    result.graph.update(graph.graph)
    for new, old in enumerate(order):
        result.add_node(new, **{"name": str(old), **graph.nodes[old]})
    result.add_edges_from((index[u], index[v], data) for u, v, data in graph.edges(data=True))
    return result


def _read_edge_list(path: Path) -> nx.Graph:
    """Read ``u v [latency [bandwidth]]`` lines (spaces or commas; ``#`` starts a comment)."""
    graph: nx.Graph = nx.Graph()
    for number, raw in enumerate(path.read_text().splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        fields = [f for f in re.split(r"[,\s]+", line) if f]
        if len(fields) < 2 or len(fields) > 4:
            raise ConfigError(
                f"line {number} of {str(path)!r} is {raw.strip()!r}; write 'u v [latency "
                "bandwidth]' (latency in s, bandwidth in bits/s)"
            )
        values: dict[str, float] = {}
        header = False
        for key, text in zip(("latency", "bandwidth"), fields[2:], strict=False):
            try:
                values[key] = float(text)
            except ValueError:
                if number == 1 and not graph:  # a header line such as "u,v,latency,bandwidth"
                    header = True
                    break
                raise ConfigError(
                    f"line {number} of {str(path)!r}: {key}={text!r} is not a number"
                ) from None
        if header:
            continue
        u, v = (int(f) if f.lstrip("-").isdigit() else f for f in fields[:2])
        graph.add_edge(u, v, **values)
    return graph


def _read_json(path: Path) -> nx.Graph:
    data = json.loads(path.read_text())
    if not isinstance(data, dict) or "nodes" not in data:
        raise ValueError("not a node-link document (no 'nodes' list)")
    edges = "links" if "links" in data else "edges"
    return nx.node_link_graph(data, edges=edges)


def _read_gml(path: Path) -> nx.Graph:
    try:
        return nx.read_gml(path, label="label")
    except nx.NetworkXError:  # labels missing or repeated: name nodes by their ids
        return nx.read_gml(path, label="id")


_READERS: dict[str, Callable[[Path], nx.Graph]] = {
    "GraphML": nx.read_graphml,
    "GML": _read_gml,
    "node-link JSON": _read_json,
    "edge list": _read_edge_list,
}


def load_graph_file(path: str | Path) -> nx.Graph:
    """Read a graph file into an undirected simple graph on nodes 0..K-1.

    Directed graphs are made undirected, parallel edges merged (the first one's attributes
    kept) and self-loops dropped; the original node names are kept in the node attribute
    ``name``, and ``Latitude``/``Longitude`` are read as ``latitude``/``longitude``. Link
    attributes are *not* filled in here (see :func:`gossip_sim.topology.build`).

    Parameters
    ----------
    path : str or pathlib.Path
        A ``.graphml``, ``.gml``, node-link ``.json`` or edge-list (``.edgelist``, ``.txt``,
        ``.csv``: lines ``u v [latency bandwidth]``) file.

    Returns
    -------
    networkx.Graph
        The graph; ``graph.graph["name"]`` is the file's stem unless the file names it.

    Raises
    ------
    ConfigError
        If the file is missing, has an unknown extension, cannot be parsed or holds no node.

    Warns
    -----
    GossipSimWarning
        Once, naming the node and edge attributes the model does not read (not those of
        :data:`READ_ATTRIBUTES`, nor those the graph attribute ``descriptive`` lists).

    Examples
    --------
    >>> g = gs.topology.load_graph_file(gs._data.data_dir("topologies") / "abilene.graphml")
    >>> g.number_of_nodes(), g.nodes[0]["name"]
    (11, 'Seattle')
    """
    path = Path(path)
    kind = GRAPH_FILE_EXTENSIONS.get(path.suffix.lower())
    if kind is None:
        known = ", ".join(GRAPH_FILE_EXTENSIONS)
        raise ConfigError(
            f"topology file {str(path)!r} has unknown extension {path.suffix!r}; valid: {known}"
        )
    if not path.is_file():
        raise ConfigError(f"topology file {str(path)!r} does not exist")
    try:
        graph = _READERS[kind](path)
    except ConfigError:
        raise
    except Exception as exc:  # each reader raises its own kinds of parse errors
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ConfigError(f"cannot read {str(path)!r} as {kind}: {message}") from None
    if graph.number_of_nodes() == 0:
        raise ConfigError(f"topology file {str(path)!r} holds no nodes")
    _warn_unused(graph, path)
    return _tidy(graph, path)


def _unused(graph: nx.Graph) -> dict[str, list[str]]:
    """Return the edge and node attributes that gossip-sim neither reads nor is told to skip.

    Examples
    --------
    >>> import networkx as nx
    >>> g = nx.Graph(descriptive="colour")
    >>> g.add_node("a", Latitude=1.0, colour="red", rack=3)
    >>> g.add_edge("a", "b", latency=1e-3, loss=0.3)
    >>> _unused(g)
    {'edge': ['loss'], 'node': ['rack']}
    """
    skip = {*_IDENTIFIERS, *re.split(r"[,\s]+", str(graph.graph.get("descriptive", "")))}
    found = {
        "edge": {key for *_, data in graph.edges(data=True) for key in data},
        "node": {_ALIASES.get(key, key) for _, data in graph.nodes(data=True) for key in data},
    }
    return {kind: sorted(keys - set(READ_ATTRIBUTES[kind]) - skip) for kind, keys in found.items()}


def _warn_unused(graph: nx.Graph, path: Path) -> None:
    """Name, in one warning, the attributes of ``path`` that the model does not use."""
    unused = _unused(graph)
    parts = [
        f"{kind} attribute{'s' if len(names) > 1 else ''} {', '.join(names)}"
        for kind, names in unused.items()
        if names
    ]
    if not parts:
        return
    reads = "; ".join(f"{kind} {', '.join(names)}" for kind, names in READ_ATTRIBUTES.items())
    them = "them" if sum(map(len, unused.values())) > 1 else "it"
    warnings.warn(
        f"topology file {str(path)!r}: ignoring {' and '.join(parts)}: gossip-sim's model does "
        f"not use {them} (it reads {reads}); name attributes kept as notes in the graph "
        "attribute 'descriptive' to silence this",
        GossipSimWarning,
        stacklevel=3,
    )


def _tidy(graph: nx.Graph, path: Path) -> nx.Graph:
    """Make ``graph`` undirected and simple, with canonical attribute names and nodes 0..K-1."""
    simple: nx.Graph = nx.Graph()
    simple.graph.update(graph.graph)
    simple.add_nodes_from(graph.nodes(data=True))
    for u, v, data in graph.edges(data=True):
        if u != v and not simple.has_edge(u, v):
            simple.add_edge(u, v, **data)
    for _, data in simple.nodes(data=True):
        for old, new in _ALIASES.items():
            if old in data and new not in data:
                data[new] = data.pop(old)
    if all(isinstance(n, str) for n in simple.nodes):
        for node, data in simple.nodes(data=True):
            data.setdefault("name", data.get("label", node))
    simple.graph.setdefault("name", path.stem)
    if not simple.graph["name"]:
        simple.graph["name"] = path.stem
    return relabel(simple)
