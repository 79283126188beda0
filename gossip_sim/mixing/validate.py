"""Validation of a mixing matrix W against its graph: :func:`check_mixing_matrix`.

A valid W has one row and one column per agent, finite entries, w_ij = 0 unless i = j or agents
i and j are linked, rows and columns that each sum to 1 and (unless asked otherwise) w_ij = w_ji.
Entries may be negative (``best-constant`` and ``fdla`` produce some).

Examples
--------
>>> import networkx as nx
>>> W = gs.mixing.check_mixing_matrix(np.full((3, 3), 1 / 3), nx.complete_graph(3))
>>> W.shape
(3, 3)
"""

from __future__ import annotations

from itertools import chain

import networkx as nx
import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike

from gossip_sim.errors import ConfigError

__all__ = ["adjacency", "check_mixing_matrix"]


def adjacency(graph: nx.Graph) -> sp.csr_array:
    """Return the 0/1 adjacency matrix of ``graph`` (no self-loops), agents in order 0..K-1.

    Parameters
    ----------
    graph : networkx.Graph
        Undirected graph whose nodes are the integers 0..K-1.

    Returns
    -------
    scipy.sparse.csr_array
        Symmetric, float64, ones where two distinct agents are linked.

    Examples
    --------
    >>> import networkx as nx
    >>> gs.mixing.adjacency(nx.path_graph(3)).toarray()
    array([[0., 1., 0.],
           [1., 0., 1.],
           [0., 1., 0.]])
    """
    if graph.is_directed():
        raise ConfigError("graph is directed; gossip needs an undirected networkx.Graph")
    K = graph.number_of_nodes()
    if K == 0:
        raise ConfigError("graph has no agents; gossip needs at least 1")
    if set(graph.nodes) != set(range(K)):
        sample = sorted(map(repr, graph.nodes))[:3]
        raise ConfigError(
            f"graph nodes must be the agents 0..{K - 1}, got {', '.join(sample)}, ...; "
            "relabel with networkx.convert_node_labels_to_integers"
        )
    # From the edge list as arrays (networkx's converter walks attribute dicts: ~1 s at K = 1e5).
    E = graph.number_of_edges()
    ends = np.fromiter(chain.from_iterable(graph.edges()), dtype=np.int64, count=2 * E)
    u, v = ends[0::2], ends[1::2]
    link = u != v  # no self-loops
    rows, cols = np.concatenate([u[link], v[link]]), np.concatenate([v[link], u[link]])
    A = sp.csr_array((np.ones(rows.size), (rows, cols)), shape=(K, K))
    A.sum_duplicates()
    A.sort_indices()
    A.data[:] = 1.0  # a multigraph's parallel edges are one link
    return A


def _as_matrix(W: ArrayLike | sp.sparray | sp.spmatrix) -> sp.csr_array:
    if sp.issparse(W):
        return sp.csr_array(W, dtype=np.float64)
    try:
        dense = np.asarray(W, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"W must be a matrix of numbers, got {type(W).__name__}: {exc}") from exc
    if dense.ndim != 2:
        raise ConfigError(f"W has shape {dense.shape}; it must be a 2-D square matrix")
    return sp.csr_array(dense)


def _fmt(value: float) -> str:
    return f"{value:.10g}"


def _check_sums(W: sp.csr_array, tol: float) -> None:
    for axis, what in ((1, "row"), (0, "column")):
        sums = np.asarray(W.sum(axis=axis)).ravel()
        worst = int(np.argmax(np.abs(sums - 1.0)))
        if abs(sums[worst] - 1.0) > tol:
            raise ConfigError(
                f"{what} {worst} of W sums to {_fmt(sums[worst])}; every {what} must sum to 1 "
                f"(tolerance {tol:g})"
            )


def _check_symmetric(W: sp.csr_array, tol: float) -> None:
    diff = (W - W.T).tocoo()
    if diff.nnz == 0:
        return
    worst = int(np.argmax(np.abs(diff.data)))
    if abs(diff.data[worst]) > tol:
        i, j = int(diff.row[worst]), int(diff.col[worst])
        raise ConfigError(
            f"W is not symmetric: W[{i}, {j}] = {_fmt(W[i, j])} but W[{j}, {i}] = {_fmt(W[j, i])}"
        )


def _check_pattern(W: sp.csr_array, graph: nx.Graph, tol: float) -> sp.csr_array:
    K = W.shape[0]
    allowed = adjacency(graph) + sp.eye_array(K, format="csr")
    inside = sp.csr_array(W.multiply(allowed))
    outside = (W - inside).tocoo()
    big = np.flatnonzero(np.abs(outside.data) > tol)
    if big.size:
        n = big[np.argmax(np.abs(outside.data[big]))]
        i, j = int(outside.row[n]), int(outside.col[n])
        raise ConfigError(
            f"W[{i}, {j}] = {_fmt(outside.data[n])} but agents {i} and {j} are not linked"
        )
    return inside


def check_mixing_matrix(
    W: ArrayLike | sp.sparray | sp.spmatrix,
    graph: nx.Graph,
    *,
    symmetric: bool = True,
    tol: float = 1e-9,
) -> sp.csr_array:
    """Return W as a float64 ``csr_array`` after checking that it is a mixing matrix for ``graph``.

    Checks, in this order: W is square with one row per agent, every entry is finite, w_ij = 0
    unless i = j or i and j are linked, W is symmetric (if ``symmetric``), every row and every
    column sums to 1. Off-graph entries of size at most ``tol`` are dropped from the result.

    Parameters
    ----------
    W : array_like or sparse matrix, shape (K, K)
    graph : networkx.Graph
        The agents' graph, nodes 0..K-1.
    symmetric : bool, default True
        Require w_ij = w_ji (to within ``tol``).
    tol : float, default 1e-9
        Absolute tolerance of every check.

    Returns
    -------
    scipy.sparse.csr_array

    Raises
    ------
    ConfigError
        Naming the first check that fails, the offending entry and its value.

    Examples
    --------
    >>> import networkx as nx
    >>> W = np.array([[0.5, 0.5, 0.0], [0.5, 0.5, 0.0], [0.0, 0.0, 1.0]])
    >>> gs.mixing.check_mixing_matrix(W, nx.path_graph(3)).nnz
    5
    >>> gs.mixing.check_mixing_matrix(W[:2, :2], nx.path_graph(3))
    Traceback (most recent call last):
    ...
    gossip_sim.errors.ConfigError: W is 2x2 but the graph has 3 agents
    """
    matrix = _as_matrix(W)
    rows, cols = matrix.shape
    K = graph.number_of_nodes()
    if rows != cols:
        raise ConfigError(f"W is {rows}x{cols}; it must be square, one row and column per agent")
    if rows != K:
        raise ConfigError(f"W is {rows}x{cols} but the graph has {K} agents")
    bad = np.flatnonzero(~np.isfinite(matrix.data))
    if bad.size:
        coo = matrix.tocoo()
        n = bad[0]
        raise ConfigError(
            f"W[{coo.row[n]}, {coo.col[n]}] is {coo.data[n]}; every entry of W must be finite"
        )
    matrix = _check_pattern(matrix, graph, tol)
    if symmetric:
        _check_symmetric(matrix, tol)
    _check_sums(matrix, tol)
    matrix.eliminate_zeros()
    matrix.sort_indices()
    return matrix
