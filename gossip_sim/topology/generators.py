"""Named graph generators: the :data:`TOPOLOGIES` registry, thin wrappers over NetworkX.

Every generator takes the number of agents ``n_agents`` (K) first, then its own parameters, and
returns a :class:`networkx.Graph` on the nodes ``0..K-1`` *without* link attributes
(:func:`gossip_sim.topology.build` adds those). A size the generator cannot build is refused
with a :class:`~gossip_sim.errors.ConfigError` that names valid sizes. Random generators take a
``seed`` and draw from ``stream(seed, "topology")``; they never touch global random state.

Examples
--------
>>> sorted(gs.topology.TOPOLOGIES.get("ring")(4).edges())
[(0, 1), (0, 3), (1, 2), (2, 3)]
>>> "watts-strogatz" in gs.topology.TOPOLOGIES
True
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import networkx as nx

from gossip_sim._random import stream
from gossip_sim._registry import Registry
from gossip_sim.errors import ConfigError
from gossip_sim.topology.files import load_graph_file, relabel

__all__ = ["TOPOLOGIES"]

#: Name → generator of a graph on ``n_agents`` nodes.
#: The graph generators by name. Fact each registration may state: ``layout`` -- how a drawing
#: places the nodes when they have no coordinates (``"circle"`` or ``"spring"``); ``links`` --
#: an upper estimate of its link count, ``links(K, params)``, for :mod:`gossip_sim.sizing`
#: (default 2K: rings, paths, stars, grids, tori, trees); ``varying`` -- a time-varying graph
#: (:mod:`gossip_sim.topology.varying`: the graph is the union of its rounds, with a schedule);
#: ``sized_by_file`` -- K is the size of the file the spec names (``path=``).


def _sparse_links(k: int, params: dict[str, Any]) -> int:
    """2K links: a graph of bounded mean degree 4."""
    return 2 * k


def _log_links(k: int, params: dict[str, Any]) -> int:
    """K log2 K links: mean degree 2 log2 K (exponential, hypercube, random sparse graphs)."""
    return k * max(2, math.ceil(math.log2(max(k, 2))))


TOPOLOGIES: Registry[Callable[..., nx.Graph]] = Registry(
    "topology",
    facts={"layout": "spring", "links": _sparse_links, "varying": False, "sized_by_file": False},
    supplied=("seed",),
)

_TRIES = 100  # resamples of a random graph before refusing it as (almost surely) disconnected


def _agents(name: str, n_agents: Any, minimum: int = 1) -> int:
    """Return ``n_agents`` as an int, refusing non-integers and sizes below ``minimum``."""
    if isinstance(n_agents, bool) or not isinstance(n_agents, int):
        raise ConfigError(f"{name} needs an integer number of agents; got {n_agents!r}")
    if n_agents < minimum:
        raise ConfigError(f"{name} needs at least {minimum} agents; got {n_agents}")
    return n_agents


def _nearby(n: int, valid: Callable[[int], bool], limit: int = 1 << 16) -> str:
    """Name the largest valid size below ``n`` and the next ones above, e.g. ``"4, 8, 16"``."""
    below = [s for s in range(n - 1, 0, -1) if valid(s)][:1]
    above = [s for s in range(n + 1, limit) if valid(s)][: 3 - len(below)]
    return ", ".join(str(s) for s in below + above)


def _int_param(name: str, key: str, value: Any, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ConfigError(
            f"{name} parameter {key}={value!r} is not valid; give an integer >= {minimum}"
        )
    return value


def _probability(name: str, key: str, value: Any, *, zero: bool = True) -> float:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    if not ok or not (0 <= value <= 1) or (not zero and value == 0):
        low = "0 <= " if zero else "0 < "
        raise ConfigError(f"{name} parameter {key}={value!r} is not valid; give {low}{key} <= 1")
    return float(value)


@TOPOLOGIES.register("ring", layout="circle")
def ring(n_agents: int) -> nx.Graph:
    """Cycle: agent i talks to i-1 and i+1 (mod K); K >= 3.

    Examples
    --------
    >>> gs.topology.TOPOLOGIES.get("ring")(5).number_of_edges()
    5
    """
    return nx.cycle_graph(_agents("ring", n_agents, 3))


@TOPOLOGIES.register("path", layout="circle")
def path(n_agents: int) -> nx.Graph:
    """Line 0-1-...-(K-1); K >= 1 (K = 1 is a single agent).

    Examples
    --------
    >>> gs.topology.TOPOLOGIES.get("path")(4).number_of_edges()
    3
    """
    return nx.path_graph(_agents("path", n_agents, 1))


@TOPOLOGIES.register("star")
def star(n_agents: int) -> nx.Graph:
    """Hub 0 linked to every other agent (the coordinator/server model); K >= 2.

    The hub is recorded as ``graph.graph["coordinator"] = 0``.

    Examples
    --------
    >>> g = gs.topology.TOPOLOGIES.get("star")(5)
    >>> g.degree[0], g.graph["coordinator"]
    (4, 0)
    """
    graph = nx.star_graph(_agents("star", n_agents, 2) - 1)
    graph.graph["coordinator"] = 0
    return graph


@TOPOLOGIES.register("complete", links=lambda k, params: k * (k - 1) // 2)
def complete(n_agents: int) -> nx.Graph:
    """Every pair of agents linked; K >= 1 (K = 1 is the centralized baseline).

    Examples
    --------
    >>> gs.topology.TOPOLOGIES.get("complete")(4).number_of_edges()
    6
    """
    return nx.complete_graph(_agents("complete", n_agents, 1))


def _grid_shape(
    name: str, n_agents: int, rows: int | None, cols: int | None, side: int
) -> tuple[int, int]:
    """Return (rows, cols) with rows * cols = K, both >= ``side``; near-square when not given."""
    if rows is None and cols is None:
        rows = max(
            (r for r in range(side, math.isqrt(n_agents) + 1) if n_agents % r == 0), default=0
        )
        if rows == 0:
            works = _nearby(n_agents, lambda k: _has_shape(k, side))
            raise ConfigError(
                f"{name} needs K = rows x cols with rows, cols >= {side} (e.g. {works}); "
                f"got {n_agents}"
            )
        return rows, n_agents // rows
    if rows is not None:
        rows = _int_param(name, "rows", rows, side)
    if cols is not None:
        cols = _int_param(name, "cols", cols, side)
    if rows is None or cols is None:
        key, given = ("rows", rows) if rows is not None else ("cols", cols)
        assert given is not None
        if n_agents % given or n_agents // given < side:
            raise ConfigError(
                f"{name} {key}={given} does not fit K={n_agents} agents; K must be {key} x n "
                f"with n >= {side}"
            )
        other = n_agents // given
        return (given, other) if cols is None else (other, given)
    if rows * cols != n_agents:
        raise ConfigError(
            f"{name} rows={rows}, cols={cols} has {rows * cols} agents; got K={n_agents}"
        )
    return rows, cols


def _has_shape(n: int, side: int) -> bool:
    return any(n % r == 0 and n // r >= side for r in range(side, math.isqrt(n) + 1))


def _lattice(name: str, n_agents: int, rows: Any, cols: Any, periodic: bool) -> nx.Graph:
    side = 3 if periodic else 2
    rows, cols = _grid_shape(name, _agents(name, n_agents, 1), rows, cols, side)
    graph = relabel(nx.grid_2d_graph(rows, cols, periodic=periodic))
    for node, data in graph.nodes(data=True):
        data["pos"] = (float(node % cols), -float(node // cols))
    graph.graph.update(rows=rows, cols=cols)
    return graph


@TOPOLOGIES.register("grid")
def grid(n_agents: int, rows: int | None = None, cols: int | None = None) -> nx.Graph:
    """2-D grid of rows x cols = K agents (near-square unless given), rows, cols >= 2.

    Agent ``r * cols + c`` sits at row r, column c. K must factor as rows x cols with both
    at least 2 (so a prime K is refused; the error names sizes that work).

    Examples
    --------
    >>> g = gs.topology.TOPOLOGIES.get("grid")(6)
    >>> g.graph["rows"], g.graph["cols"], g.number_of_edges()
    (2, 3, 7)
    """
    return _lattice("grid", n_agents, rows, cols, periodic=False)


@TOPOLOGIES.register("torus")
def torus(n_agents: int, rows: int | None = None, cols: int | None = None) -> nx.Graph:
    """2-D torus (grid with wrap-around) of rows x cols = K agents, rows, cols >= 3.

    Examples
    --------
    >>> g = gs.topology.TOPOLOGIES.get("torus")(9)
    >>> sorted(set(dict(g.degree).values()))
    [4]
    """
    return _lattice("torus", n_agents, rows, cols, periodic=True)


def _power_of_two(n: int) -> bool:
    return n >= 2 and n & (n - 1) == 0


@TOPOLOGIES.register("hypercube", links=_log_links)
def hypercube(n_agents: int) -> nx.Graph:
    """Hypercube: agents are d-bit strings linked when they differ in one bit; K = 2^d >= 2.

    Examples
    --------
    >>> sorted(set(dict(gs.topology.TOPOLOGIES.get("hypercube")(8).degree).values()))
    [3]
    """
    n_agents = _agents("hypercube", n_agents, 2)
    if not _power_of_two(n_agents):
        works = _nearby(n_agents, _power_of_two)
        raise ConfigError(f"hypercube needs K a power of two (e.g. {works}); got {n_agents}")
    return relabel(nx.hypercube_graph(n_agents.bit_length() - 1))


@TOPOLOGIES.register("binary-tree")
def binary_tree(n_agents: int) -> nx.Graph:
    """Complete binary tree in heap order: agent i's parent is (i-1)//2; K >= 2.

    Examples
    --------
    >>> sorted(gs.topology.TOPOLOGIES.get("binary-tree")(4).edges())
    [(0, 1), (0, 2), (1, 3)]
    """
    n_agents = _agents("binary-tree", n_agents, 2)
    graph = nx.empty_graph(n_agents)
    graph.add_edges_from((i, (i - 1) // 2) for i in range(1, n_agents))
    return graph


def _resample(name: str, draw: Callable[[], nx.Graph], tries: int, hint: str) -> nx.Graph:
    """Draw up to ``tries`` graphs and return the first connected one, or refuse."""
    for _ in range(_int_param(name, "tries", tries, 1)):
        graph = draw()
        if nx.is_connected(graph):
            return graph
    raise ConfigError(f"{name} gave no connected graph in {tries} tries; {hint}")


@TOPOLOGIES.register("erdos-renyi", links=_log_links)
def erdos_renyi(
    n_agents: int, p: float | None = None, seed: int = 0, tries: int = _TRIES
) -> nx.Graph:
    """Random G(K, p) graph, resampled until connected; default p = min(1, 2 ln K / K); K >= 2.

    Examples
    --------
    >>> g = gs.topology.TOPOLOGIES.get("erdos-renyi")(20, p=0.3, seed=1)
    >>> g.number_of_nodes(), gs.topology.TOPOLOGIES.get("erdos-renyi")(20, p=0.3, seed=1).edges == g.edges
    (20, True)
    """  # noqa: E501
    n_agents = _agents("erdos-renyi", n_agents, 2)
    p = min(1.0, 2 * math.log(n_agents) / n_agents) if p is None else p
    p = _probability("erdos-renyi", "p", p, zero=False)
    rng = stream(seed, "topology")
    threshold = math.log(n_agents) / n_agents
    return _resample(
        "erdos-renyi",
        lambda: nx.gnp_random_graph(n_agents, p, seed=rng),
        tries,
        f"p={p:g} is too small for K={n_agents}; use p well above ln(K)/K = {threshold:.3g}",
    )


@TOPOLOGIES.register("random-geometric", links=_log_links)
def random_geometric(
    n_agents: int, radius: float | None = None, seed: int = 0, tries: int = _TRIES
) -> nx.Graph:
    """Agents at random points of the unit square, linked within radius; K >= 2.

    The default radius is sqrt(2 ln K / (pi K)), about 1.4 times the connectivity threshold.
    Positions are stored in the node attribute ``pos``; disconnected draws are resampled.

    Examples
    --------
    >>> g = gs.topology.TOPOLOGIES.get("random-geometric")(30, seed=2)
    >>> len(g.nodes[0]["pos"])
    2
    """
    n_agents = _agents("random-geometric", n_agents, 2)
    if radius is None:
        radius = math.sqrt(2 * math.log(n_agents) / (math.pi * n_agents))
    if isinstance(radius, bool) or not isinstance(radius, (int, float)) or radius <= 0:
        raise ConfigError(f"random-geometric parameter radius={radius!r} is not valid; give > 0")
    rng = stream(seed, "topology")

    def draw() -> nx.Graph:
        points = rng.random((n_agents, 2))
        pos = {i: (float(x), float(y)) for i, (x, y) in enumerate(points)}
        return nx.random_geometric_graph(n_agents, radius, pos=pos)

    threshold = math.sqrt(math.log(n_agents) / (math.pi * n_agents))
    return _resample(
        "random-geometric",
        draw,
        tries,
        f"radius={radius:g} is too small for K={n_agents}; use well above {threshold:.3g}",
    )


@TOPOLOGIES.register(
    "watts-strogatz", links=lambda k, params: k * int(params.get("k", 4)) // 2 + k
)
def watts_strogatz(
    n_agents: int, k: int = 4, p: float = 0.1, seed: int = 0, tries: int = _TRIES
) -> nx.Graph:
    """Small world: ring lattice to k nearest neighbours, each edge rewired with prob. p; K > k.

    Uses :func:`networkx.connected_watts_strogatz_graph` (resampled until connected).

    Examples
    --------
    >>> g = gs.topology.TOPOLOGIES.get("watts-strogatz")(12, k=4, p=0.0)
    >>> sorted(set(dict(g.degree).values()))
    [4]
    """
    k = _int_param("watts-strogatz", "k", k, 2)
    if k % 2:
        raise ConfigError(f"watts-strogatz parameter k={k} is not valid; give an even k >= 2")
    n_agents = _agents(f"watts-strogatz with k={k}", n_agents, k + 1)
    p = _probability("watts-strogatz", "p", p)
    tries = _int_param("watts-strogatz", "tries", tries, 1)
    try:
        return nx.connected_watts_strogatz_graph(
            n_agents, k, p, tries=tries, seed=stream(seed, "topology")
        )
    except nx.NetworkXError:
        raise ConfigError(
            f"watts-strogatz gave no connected graph in {tries} tries; lower p={p:g} or raise k"
        ) from None


@TOPOLOGIES.register(
    "barabasi-albert", links=lambda k, params: k * int(params.get("m", 2))
)
def barabasi_albert(n_agents: int, m: int = 2, seed: int = 0) -> nx.Graph:
    """Preferential attachment: each new agent links to m existing ones; K > m.

    Examples
    --------
    >>> gs.topology.TOPOLOGIES.get("barabasi-albert")(10, m=2).number_of_edges()
    16
    """
    m = _int_param("barabasi-albert", "m", m, 1)
    n_agents = _agents(f"barabasi-albert with m={m}", n_agents, m + 1)
    return nx.barabasi_albert_graph(n_agents, m, seed=stream(seed, "topology"))


@TOPOLOGIES.register("exponential", layout="circle", links=_log_links)
def exponential(n_agents: int) -> nx.Graph:
    """Exponential graph: link agent i to i ± 2^j (mod K) for 2^j < K; K >= 2.

    Examples
    --------
    >>> sorted(gs.topology.TOPOLOGIES.get("exponential")(8).neighbors(0))
    [1, 2, 4, 6, 7]
    """
    n_agents = _agents("exponential", n_agents, 2)
    graph = nx.empty_graph(n_agents)
    steps = [1 << j for j in range((n_agents - 1).bit_length())]
    graph.add_edges_from((i, (i + s) % n_agents) for i in range(n_agents) for s in steps)
    return graph


@TOPOLOGIES.register("directed-exponential", layout="circle", links=_log_links)
def directed_exponential(n_agents: int) -> nx.DiGraph:
    """Directed exponential graph (Assran et al. 2019): i → i + 2^k (mod K), 2^k <= K - 1; K >= 2.

    A :class:`networkx.DiGraph` (every agent has log2 K out- and in-neighbours), for push-sum
    and SGP; the network carries each link both ways (replies and acknowledgements).

    Examples
    --------
    >>> g = gs.topology.TOPOLOGIES.get("directed-exponential")(8)
    >>> g.is_directed(), sorted(g.successors(0)), sorted(g.predecessors(0))
    (True, [1, 2, 4], [4, 6, 7])
    """
    n_agents = _agents("directed-exponential", n_agents, 2)
    graph: nx.DiGraph[int] = nx.DiGraph()
    graph.add_nodes_from(range(n_agents))
    steps = [1 << j for j in range((n_agents - 1).bit_length())]
    graph.add_edges_from((i, (i + s) % n_agents) for i in range(n_agents) for s in steps)
    return graph


@TOPOLOGIES.register("file", sized_by_file=True)
def file(n_agents: int | None = None, path: str | None = None) -> nx.Graph:
    """Your own graph file (GraphML, GML, edge list or node-link JSON); K = its node count.

    Examples
    --------
    >>> p = gs._data.data_dir("topologies") / "abilene.graphml"
    >>> gs.topology.TOPOLOGIES.get("file")(path=str(p)).number_of_nodes()
    11
    """
    if path is None:
        raise ConfigError("topology 'file' needs a path, e.g. file:path=my-network.graphml")
    graph = load_graph_file(path)
    if n_agents is not None and n_agents != graph.number_of_nodes():
        raise ConfigError(
            f"topology file {str(path)!r} has {graph.number_of_nodes()} agents; got "
            f"agents={n_agents} (leave agents unset to use the file's size)"
        )
    return graph
