"""The ``sequence`` topology: a time-varying graph read from graph files listed in a TOML file.

``sequence:path=my-graphs.toml`` names a file holding ``graphs = ["a.edgelist", ...]`` (paths
relative to it, any format :func:`~gossip_sim.topology.load_graph_file` reads, all on the same
nodes) and optionally ``mixing = "metropolis-hastings"`` (:data:`SEQUENCE_MIXING`). Round t uses
graph t mod len with that rule's weights; the registration returns the union of the graphs with
its :class:`~gossip_sim.topology.GraphSchedule`.

Examples
--------
>>> sorted(SEQUENCE_MIXING)
['max-degree', 'metropolis-hastings', 'uniform']
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import scipy.sparse as sp

from gossip_sim.errors import ConfigError
from gossip_sim.topology.files import load_graph_file
from gossip_sim.topology.generators import TOPOLOGIES, _agents
from gossip_sim.topology.varying import FloatArray, GraphSchedule, _csr, _Periodic, _with_schedule

__all__ = ["SEQUENCE_MIXING"]


def _mh_weights(graph: nx.Graph) -> sp.csr_array:
    """Metropolis-Hastings: w_ij = 1/(1 + max(d_i, d_j)) on links, w_ii = 1 - Σ_j w_ij."""
    A = sp.csr_array(nx.to_scipy_sparse_array(graph, nodelist=range(len(graph)), weight=None))
    degree = np.asarray(A.sum(axis=1)).ravel()
    coo = A.tocoo()
    off = 1.0 / (1.0 + np.maximum(degree[coo.row], degree[coo.col]))
    return _with_diagonal(coo.row, coo.col, off, len(graph))


def _max_degree_weights(graph: nx.Graph) -> sp.csr_array:
    """Maximum degree: w_ij = 1/(1 + d_max) on links, w_ii = 1 - d_i/(1 + d_max)."""
    A = sp.csr_array(nx.to_scipy_sparse_array(graph, nodelist=range(len(graph)), weight=None))
    d_max = float(A.sum(axis=1).max()) if A.nnz else 0.0
    coo = A.tocoo()
    return _with_diagonal(coo.row, coo.col, np.full(coo.nnz, 1.0 / (1.0 + d_max)), len(graph))


def _with_diagonal(rows: Any, cols: Any, off: FloatArray, k: int) -> sp.csr_array:
    diagonal = 1.0 - np.bincount(rows, weights=off, minlength=k)
    agents = np.arange(k)
    return _csr(
        np.concatenate([rows, agents]),
        np.concatenate([cols, agents]),
        np.concatenate([off, diagonal]),
        k,
    )


#: Mixing rules a ``sequence`` file may name (the same weights as :mod:`gossip_sim.mixing`'s
#: rules of these names; the topology layer cannot import that layer).
SEQUENCE_MIXING: dict[str, Callable[[nx.Graph], sp.csr_array]] = {
    "metropolis-hastings": _mh_weights,
    "max-degree": _max_degree_weights,
    "uniform": _max_degree_weights,
}


def _read_sequence(path: Path) -> tuple[list[Path], str]:
    """Return the graph files a sequence file lists (made absolute) and its mixing rule."""
    if not path.is_file():
        raise ConfigError(f"sequence file {str(path)!r} does not exist")
    try:
        data = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"cannot read sequence file {str(path)!r} as TOML: {exc}") from None
    unknown = sorted(set(data) - {"graphs", "mixing"})
    graphs, mixing = data.get("graphs"), data.get("mixing", "metropolis-hastings")
    if unknown:
        raise ConfigError(
            f"sequence file {str(path)!r}: unknown key {unknown[0]!r}; valid: graphs, mixing"
        )
    if not isinstance(graphs, list) or not graphs or not all(isinstance(g, str) for g in graphs):
        raise ConfigError(
            f"sequence file {str(path)!r}: graphs = {graphs!r} is not valid; give a non-empty "
            'list of graph files, e.g. graphs = ["a.edgelist", "b.edgelist"]'
        )
    if mixing not in SEQUENCE_MIXING:
        raise ConfigError(
            f"sequence file {str(path)!r}: mixing = {mixing!r} is not valid; valid: "
            f"{', '.join(SEQUENCE_MIXING)}"
        )
    return [path.parent / g for g in graphs], mixing


def _node_names(graph: nx.Graph) -> set[str]:
    return {str(data.get("name", node)) for node, data in graph.nodes(data=True)}


@TOPOLOGIES.register("sequence", varying=True, sized_by_file=True)
def sequence(n_agents: int | None = None, path: str | None = None) -> nx.Graph:
    """Your own sequence of graph files, listed in a TOML file; round t uses graph t mod len.

    The file holds ``graphs = ["a.edgelist", ...]`` (paths relative to it, any format
    :func:`~gossip_sim.topology.load_graph_file` reads, all on the same nodes) and optionally
    ``mixing = "metropolis-hastings"`` (or ``max-degree``/``uniform``). K = the files' size.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "a.edgelist").write_text("0 1" + chr(10) + "2 3")
    >>> _ = (d / "b.edgelist").write_text("1 2" + chr(10) + "3 0")
    >>> _ = (d / "s.toml").write_text('graphs = ["a.edgelist", "b.edgelist"]')
    >>> g = gs.topology.TOPOLOGIES.get("sequence")(path=str(d / "s.toml"))
    >>> g.number_of_edges(), g.graph["schedule"].period
    (4, 2)
    """
    if path is None:
        raise ConfigError("topology 'sequence' needs a path, e.g. sequence:path=my-graphs.toml")
    files, mixing = _read_sequence(Path(path))
    graphs = [load_graph_file(f) for f in files]
    first = graphs[0]
    for f, g in zip(files[1:], graphs[1:], strict=True):
        if len(g) != len(first) or _node_names(g) != _node_names(first):
            raise ConfigError(
                f"sequence file {str(path)!r}: {str(f)!r} has {len(g)} nodes and "
                f"{str(files[0])!r} has {len(first)}; every graph needs the same nodes"
                + ("" if len(g) != len(first) else " (their names differ)")
            )
    k = _agents("sequence", len(first), 2)
    if n_agents is not None and n_agents != k:
        raise ConfigError(
            f"sequence file {str(path)!r} has {k} agents; got agents={n_agents} (leave agents "
            "unset to use the files' size)"
        )
    matrices = tuple(SEQUENCE_MIXING[mixing](g) for g in graphs)
    schedule = GraphSchedule(k, "sequence", len(graphs), _Periodic(matrices))
    union: nx.Graph = nx.compose_all(graphs)
    union.graph.pop("name", None)
    try:
        return _with_schedule(union, schedule)
    except ConfigError as exc:
        names = ", ".join(f.name for f in files)
        raise ConfigError(f"{exc}; sequence file {str(path)!r} lists {names}") from None
