"""Topologies: named graph generators, the catalogue of real networks, and link attributes.

:func:`build` is the one entry point: it turns a spec such as ``"ring"``,
``"watts-strogatz:k=4,p=0.1"``, a catalogue name such as ``"abilene"`` or a path to a graph file
into a connected :class:`networkx.Graph` on the nodes ``0..K-1`` whose every edge has a float
``latency`` (seconds) and ``bandwidth`` (bits/s) and whose every node has a ``nic_egress``
(bits/s, or None for unlimited).

Examples
--------
>>> g = gs.topology.build("ring", 5, links="lan")
>>> g.number_of_nodes(), g.edges[0, 1]["latency"], g.edges[0, 1]["bandwidth"]
(5, 0.0005, 1000000000.0)
>>> gs.topology.build("rnig", 5)
Traceback (most recent call last):
...
gossip_sim.errors.ConfigError: unknown topology 'rnig'; valid: ... (did you mean 'ring'?)
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import networkx as nx
import numpy as np

from gossip_sim._registry import parse_spec
from gossip_sim.errors import ConfigError
from gossip_sim.topology import catalogue, files, generators, links, sequences, varying
from gossip_sim.topology.catalogue import catalogue_names, catalogue_path, load_catalogue
from gossip_sim.topology.files import GRAPH_FILE_EXTENSIONS, load_graph_file
from gossip_sim.topology.generators import TOPOLOGIES
from gossip_sim.topology.links import (
    LINK_PROFILES,
    LinkProfile,
    apply_links,
    great_circle_latency,
    link_profile,
)
from gossip_sim.topology.varying import GraphSchedule, mix_sequence, schedule_of

__all__ = [
    "GRAPH_FILE_EXTENSIONS",
    "LINK_PROFILES",
    "TOPOLOGIES",
    "GraphSchedule",
    "LinkProfile",
    "apply_links",
    "build",
    "catalogue",
    "catalogue_names",
    "catalogue_path",
    "describe",
    "files",
    "generators",
    "great_circle_latency",
    "link_profile",
    "links",
    "load_catalogue",
    "load_graph_file",
    "mix_sequence",
    "schedule_of",
    "sequences",
    "sized_by_file",
    "spec_path",
    "varying",
]


def build(
    spec: str | Path,
    n_agents: int | np.integer | None = None,
    *,
    links: str | LinkProfile = "datacenter",
    seed: int = 0,
    latency: float | None = None,
    bandwidth: float | None = None,
    nic_egress: float | None = None,
) -> nx.Graph:
    """Build the connected topology ``spec`` on ``n_agents`` agents, with link attributes.

    Parameters
    ----------
    spec : str or pathlib.Path
        A generator from :data:`TOPOLOGIES` with optional parameters
        (``"watts-strogatz:k=4,p=0.1"``), a name from :func:`catalogue_names` (``"abilene"``),
        or the path of a graph file (anything containing ``/`` or ending in one of
        :data:`GRAPH_FILE_EXTENSIONS`; also ``"file:path=..."``).
    n_agents : int or None
        Number of agents K. Required for generators; for catalogue networks and files None
        means the file's size, and any other size than the file's is refused.
    links : str or LinkProfile
        Link profile (:data:`LINK_PROFILES`) giving latency, bandwidth and NIC rates that the
        graph does not set itself.
    seed : int
        Seed of the random generators (drawn from ``stream(seed, "topology")``).
    latency, bandwidth, nic_egress : float, optional
        Override every link's latency (s), bandwidth (bits/s) and every node's NIC rate
        (bits/s). Precedence: these arguments, then attributes in the file, then (latency only)
        great-circle distance between node coordinates, then the link profile.

    Returns
    -------
    networkx.Graph
        Connected graph on nodes 0..K-1; ``graph.graph`` records ``name``, ``spec`` and
        ``links`` (and ``coordinator`` for the star, ``source`` for catalogue networks).

    Raises
    ------
    ConfigError
        For an unknown name, a size the topology cannot be built with, bad parameters, a
        disconnected graph, or invalid link values.

    Examples
    --------
    >>> g = gs.topology.build("abilene")
    >>> g.number_of_nodes(), g.number_of_edges(), g.graph["links"]
    (11, 14, 'datacenter')
    >>> gs.topology.build("star", 4, nic_egress=1e6).nodes[0]["nic_egress"]
    1000000.0
    >>> gs.topology.build("ring", 2)
    Traceback (most recent call last):
    ...
    gossip_sim.errors.ConfigError: ring needs at least 3 agents; got 2
    """
    profile = link_profile(links)
    if isinstance(n_agents, np.integer):
        n_agents = int(n_agents)
    graph, name = _resolve(spec, n_agents, seed)
    components = (
        nx.number_strongly_connected_components(graph)
        if isinstance(graph, nx.DiGraph)  # every agent must reach every other along the arrows
        else nx.number_connected_components(graph)
    )
    if components > 1:
        raise ConfigError(
            f"topology {name!r} is disconnected ({components} components); gossip needs a "
            "connected graph: link the components or choose another topology"
        )
    apply_links(graph, profile, latency=latency, bandwidth=bandwidth, nic_egress=nic_egress)
    graph.graph.update(name=name, spec=str(spec), links=profile.name)
    return graph


def sized_by_file(spec: str | Path) -> bool:
    """Return True if ``spec`` names a catalogue network or a file (which fix K).

    Examples
    --------
    >>> sized_by_file("abilene"), sized_by_file("my/net.graphml"), sized_by_file("ring")
    (True, True, False)
    >>> sized_by_file("sequence:path=my/graphs.toml")
    True
    """
    text = str(spec).strip()
    if isinstance(spec, Path) or _is_path(text):
        return True
    name, _ = parse_spec(text)
    if name in TOPOLOGIES:
        return bool(TOPOLOGIES.entry(name).facts["sized_by_file"])
    return name in catalogue_names()


def spec_path(spec: str | Path) -> str | None:
    """Return the file a topology spec reads (a path, ``file:path=``, ``sequence:path=``).

    None for generators and catalogue names, or when the spec names no path.

    Examples
    --------
    >>> spec_path("sequence:path=my/graphs.toml"), spec_path("my/net.graphml")
    ('my/graphs.toml', 'my/net.graphml')
    >>> spec_path("ring") is None, spec_path("abilene") is None
    (True, True)
    """
    text = str(spec).strip()
    if isinstance(spec, Path) or _is_path(text):
        return text
    name, params = parse_spec(text)
    if name in TOPOLOGIES and TOPOLOGIES.entry(name).facts["sized_by_file"]:
        path = params.get("path")
        return None if path is None else str(path)
    return None


def _is_path(text: str) -> bool:
    """Return whether ``text`` is a graph file path (not ``sequence:path=a/b``)."""
    if parse_spec(text.partition(":")[0])[0] in TOPOLOGIES and ":" in text:
        return False
    return "/" in text or "\\" in text or Path(text).suffix.lower() in GRAPH_FILE_EXTENSIONS


def _resolve(spec: str | Path, n_agents: int | None, seed: int) -> tuple[nx.Graph, str]:
    """Return the bare graph named by ``spec`` and the name to record for it."""
    text = str(spec).strip()
    if isinstance(spec, Path) or _is_path(text):
        graph = generators.file(n_agents, text)
        return graph, str(graph.graph.get("name") or Path(text).stem)
    name, params = parse_spec(text)
    if name in TOPOLOGIES:
        entry = TOPOLOGIES.entry(name)
        if n_agents is None and not entry.facts["sized_by_file"]:
            raise ConfigError(f"topology {name!r} needs the number of agents (agents=K); got none")
        graph = TOPOLOGIES.create(text, n_agents=n_agents, seed=seed)
        return graph, (graph.graph.get("name") if name == "file" else None) or entry.name
    if name in catalogue_names():
        if params:
            raise ConfigError(f"catalogue network {name!r} takes no parameters; got {text!r}")
        graph = load_catalogue(name)
        if n_agents is not None and n_agents != graph.number_of_nodes():
            raise ConfigError(
                f"catalogue network {name!r} has {graph.number_of_nodes()} agents; got "
                f"agents={n_agents} (leave agents unset to use the network's size)"
            )
        return graph, name
    raise _unknown(text, name)


def _unknown(text: str, name: str) -> ConfigError:
    import difflib

    known = TOPOLOGIES.names() + catalogue_names()
    message = (
        f"unknown topology {text!r}; valid: {', '.join(TOPOLOGIES.names())}; catalogue: "
        f"{', '.join(catalogue_names())}; or a graph file path "
        f"({', '.join(GRAPH_FILE_EXTENSIONS)})"
    )
    close = difflib.get_close_matches(name, known, n=1)
    if close:
        message += f" (did you mean {close[0]!r}?)"
    return ConfigError(message)


def _span(values: list[float], show: Callable[[float], str]) -> str:
    from gossip_sim.quantities import format_range

    return format_range(min(values), max(values), show) if values else "none (no links)"


def describe(graph: nx.Graph) -> dict[str, object]:
    """Return human-readable facts about a built topology (for ``gossip-sim topologies show``).

    Parameters
    ----------
    graph : networkx.Graph
        A graph from :func:`build`.

    Returns
    -------
    dict
        ``name``, ``agents``, ``edges``, ``degree`` (``"min to max"``), ``diameter`` (hops; 0 for
        one agent), ``latency`` and ``bandwidth`` ranges, ``link profile``, and
        ``coordinator`` / ``source`` when the graph has them.

    Examples
    --------
    >>> facts = gs.topology.describe(gs.topology.build("ring", 6, links="lan"))
    >>> facts["agents"], facts["edges"], facts["degree"], facts["diameter"], facts["latency"]
    (6, 6, '2', 3, '500 µs')
    """
    from gossip_sim.quantities import format_rate, format_seconds

    degrees = [d for _, d in graph.degree]
    if graph.number_of_nodes() <= 1:
        diameter: object = 0
    elif (
        nx.is_strongly_connected(graph) if isinstance(graph, nx.DiGraph) else nx.is_connected(graph)
    ):
        diameter = nx.diameter(graph)
    else:
        diameter = "infinite (disconnected)"
    edges = list(graph.edges(data=True))
    facts: dict[str, object] = {
        "name": graph.graph.get("name", "unnamed"),
        "agents": graph.number_of_nodes(),
        "edges": graph.number_of_edges(),
        "degree": _span([float(d) for d in degrees], lambda d: f"{d:g}"),
        "diameter": diameter,
        "latency": _span(
            [float(d["latency"]) for *_, d in edges if "latency" in d], format_seconds
        ),
        "bandwidth": _span(
            [float(d["bandwidth"]) for *_, d in edges if "bandwidth" in d], format_rate
        ),
        "link profile": graph.graph.get("links", "none"),
    }
    if graph.graph.get("coordinator") is not None:
        facts["coordinator"] = graph.graph["coordinator"]
    if graph.graph.get("source"):
        facts["source"] = graph.graph["source"]
    schedule = schedule_of(graph)
    if schedule is not None:
        every = "random each round" if schedule.period is None else f"period {schedule.period}"
        facts["rounds"] = f"time-varying ({every}); the edges are the union of its rounds"
    return facts
