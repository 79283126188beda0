"""The one entry point: :func:`mixing_matrix` turns a rule name, a file or an array into W.

Examples
--------
>>> import networkx as nx
>>> W = gs.mixing.mixing_matrix("metropolis-hastings", nx.cycle_graph(5))
>>> W.shape, float(W.sum())
((5, 5), 5.0)
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeAlias

import networkx as nx
import numpy as np
import scipy.sparse as sp

from gossip_sim.errors import ConfigError
from gossip_sim.mixing.rules import MIXING_RULES
from gossip_sim.mixing.validate import _as_matrix, adjacency, check_mixing_matrix

__all__ = ["FILE_SUFFIXES", "MixingSpec", "load_matrix", "mixing_matrix"]

FILE_SUFFIXES = (".npy", ".npz", ".csv", ".txt")
"""File types :func:`mixing_matrix` reads a user's own W from."""

MixingSpec: TypeAlias = (
    str | os.PathLike | np.ndarray | sp.sparray | sp.spmatrix | Callable[[nx.Graph], Any]
)


def _looks_like_path(spec: str) -> bool:
    return "/" in spec or os.sep in spec or spec.lower().endswith(FILE_SUFFIXES)


def load_matrix(path: str | os.PathLike) -> np.ndarray | sp.csr_array:
    """Read a matrix from a ``.npy``, ``.npz`` (``save_npz``), ``.csv`` or ``.txt`` file.

    ``.csv`` is comma-separated, ``.txt`` whitespace-separated (as ``numpy.savetxt`` writes).

    Parameters
    ----------
    path : str or os.PathLike

    Returns
    -------
    numpy.ndarray or scipy.sparse.csr_array

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "W.csv"
    >>> np.savetxt(path, np.full((2, 2), 0.5), delimiter=",")
    >>> gs.mixing.load_matrix(path)
    array([[0.5, 0.5],
           [0.5, 0.5]])
    """
    file = Path(path)
    suffix = file.suffix.lower()
    if suffix not in FILE_SUFFIXES:
        raise ConfigError(
            f"cannot read a mixing matrix from {str(path)!r}; valid file types: "
            + ", ".join(FILE_SUFFIXES)
        )
    if not file.is_file():
        raise ConfigError(f"mixing matrix file {str(path)!r} does not exist")
    try:
        if suffix == ".npy":
            return np.load(file, allow_pickle=False)
        if suffix == ".npz":
            return sp.csr_array(sp.load_npz(file))
        return np.loadtxt(file, delimiter="," if suffix == ".csv" else None, ndmin=2)
    except (OSError, ValueError, KeyError) as exc:
        raise ConfigError(f"cannot read mixing matrix file {str(path)!r}: {exc}") from exc


_NETWORKX_COMPONENTS_MAX = 2000  # K up to which networkx counts components (no csgraph import)


def _check_connected(graph: nx.Graph) -> None:
    A = adjacency(graph)  # also refuses empty and directed graphs, nodes other than 0..K-1
    if A.shape[0] <= _NETWORKX_COMPONENTS_MAX:  # a small graph: spare the ~0.1 s csgraph import
        n_components = nx.number_connected_components(graph)
    else:
        from scipy.sparse.csgraph import connected_components

        n_components, _ = connected_components(A, directed=False)
    if n_components > 1:
        raise ConfigError(
            f"graph is disconnected ({n_components} components); gossip needs a connected graph"
        )


def _directed_matrix(spec: MixingSpec, graph: nx.Graph, build: Callable[[], Any]) -> sp.csr_array:
    """Return W for push-sum's directed graphs: square, finite, w_ji != 0 only if i → j."""
    K = graph.number_of_nodes()
    try:
        W = _as_matrix(build())
    except ConfigError as exc:
        if not str(exc).startswith("graph is directed"):  # a rule for undirected graphs
            raise
        raise ConfigError(
            f"graph is directed: mixing {spec!r} needs an undirected graph; on a directed "
            "topology use --mixing column-stochastic (or give your own column-stochastic W)"
        ) from exc
    if isinstance(graph, nx.DiGraph) and K > 1 and not nx.is_strongly_connected(graph):
        raise ConfigError("directed graph is not strongly connected; push-sum needs it to be")
    if W.shape != (K, K):
        raise ConfigError(f"W is {W.shape[0]}x{W.shape[1]} but the graph has {K} agents")
    if not np.all(np.isfinite(W.data)):
        raise ConfigError("W has an entry that is not finite; every entry of W must be finite")
    sends = nx.to_scipy_sparse_array(graph, nodelist=range(K), weight=None, format="csr")
    allowed = sp.csr_array(sends.T, dtype=np.float64) + sp.eye_array(K, format="csr")
    outside = (W - sp.csr_array(W.multiply(allowed.astype(bool)))).tocoo()
    if np.any(outside.data != 0):
        n = int(np.flatnonzero(outside.data)[0])
        j, i = int(outside.row[n]), int(outside.col[n])
        raise ConfigError(
            f"W[{j}, {i}] = {outside.data[n]:.10g} but agent {i} does not send to agent {j}"
        )
    W.eliminate_zeros()
    W.sort_indices()
    return W


def mixing_matrix(
    spec: MixingSpec, graph: nx.Graph, *, symmetric: bool = True, columns_only: bool = False
) -> sp.csr_array:
    """Return the validated mixing matrix W for ``graph``.

    Parameters
    ----------
    spec : str, path, array, sparse matrix or callable
        A rule spec such as ``"metropolis-hastings"`` or ``"lazy:base=uniform"`` (see
        :data:`MIXING_RULES`); a path (contains ``/`` or ends in ``.npy``, ``.npz``, ``.csv``,
        ``.txt``) to a file holding the user's own W; a matrix; or a function ``graph -> W``.
    graph : networkx.Graph
        Connected graph, nodes 0..K-1. A single agent (K = 1) is valid and gives W = [[1]].
    symmetric : bool, default True
        Require W to be symmetric (rules always are; this matters for your own W).
    columns_only : bool, default False
        Push-sum's W (always on a directed graph): check its shape, finite entries and that
        w_ji = 0 unless i sends to j, not its sums (push-sum checks that columns sum to 1).

    Returns
    -------
    scipy.sparse.csr_array
        float64, shape (K, K), checked by :func:`check_mixing_matrix`.

    Raises
    ------
    ConfigError
        Disconnected graph, unknown rule, unreadable file, or a W that fails a check.

    Examples
    --------
    >>> import networkx as nx
    >>> W = gs.mixing.mixing_matrix("uniform", nx.cycle_graph(5))
    >>> float(W[0, 1])
    0.3333333333333333
    >>> gs.mixing.mixing_matrix("uniform", nx.empty_graph(2))
    Traceback (most recent call last):
    ...
    gossip_sim.errors.ConfigError: graph is disconnected (2 components); gossip needs a ...
    """
    if columns_only or graph.is_directed():
        return _directed_matrix(spec, graph, lambda: _resolve(spec, graph))
    _check_connected(graph)
    return check_mixing_matrix(_resolve(spec, graph), graph, symmetric=symmetric)


def _resolve(spec: MixingSpec, graph: nx.Graph) -> Any:
    """Return the (unchecked) W that ``spec`` names for ``graph``."""
    if isinstance(spec, os.PathLike) or (isinstance(spec, str) and _looks_like_path(spec)):
        W: Any = load_matrix(spec)
    elif isinstance(spec, str):
        W = MIXING_RULES.create(spec, graph=graph)
    elif callable(spec):
        W = spec(graph)
    else:
        W = spec
    return W
