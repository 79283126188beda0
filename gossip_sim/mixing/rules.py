"""Mixing-matrix rules: graph → W, registered in :data:`MIXING_RULES`.

Every rule takes the graph (nodes 0..K-1, no link attributes needed) and returns a symmetric,
doubly stochastic ``scipy.sparse.csr_array`` whose w_ij is 0 unless i = j or i and j are linked.
d_i is the degree of agent i and d_max the largest degree. The exception is
``column-stochastic`` (push-sum's weights), whose columns sum to 1 and which also takes a
directed graph.

Examples
--------
>>> import networkx as nx
>>> W = gs.mixing.MIXING_RULES.create("lazy:base=uniform", graph=nx.cycle_graph(4))
>>> W.toarray()[0]
array([0.66666667, 0.16666667, 0.        , 0.16666667])
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import scipy.sparse as sp

from gossip_sim._registry import Registry
from gossip_sim.errors import ConfigError
from gossip_sim.mixing.spectral import DENSE_MAX, _largest, _smallest
from gossip_sim.mixing.validate import adjacency

__all__ = [
    "MIXING_RULES",
    "best_constant",
    "column_stochastic",
    "fdla",
    "lazy",
    "max_degree",
    "metropolis_hastings",
    "uniform",
]

#: The rules by name. Fact: ``doubly_stochastic`` -- its W is symmetric and doubly stochastic
#: (every rule but ``column-stochastic``, push-sum's, whose columns alone sum to 1).
MIXING_RULES: Registry = Registry("mixing rule", facts={"doubly_stochastic": True})


def _with_diagonal(off: sp.csr_array) -> sp.csr_array:
    """Complete symmetric off-diagonal weights with w_ii = 1 - Σ_j w_ij."""
    diagonal = 1.0 - np.asarray(off.sum(axis=1)).ravel()
    W = sp.csr_array(off + sp.diags_array(diagonal, format="csr"), dtype=np.float64)
    W.sort_indices()
    return W


@MIXING_RULES.register("metropolis-hastings")
def metropolis_hastings(graph: nx.Graph) -> sp.csr_array:
    """Metropolis-Hastings weights: w_ij = 1/(1 + max(d_i, d_j)) on links, w_ii = 1 - Σ_j w_ij.

    Needs only the degrees of the two ends of each link, so every agent can compute its own row.

    Parameters
    ----------
    graph : networkx.Graph

    Returns
    -------
    scipy.sparse.csr_array

    Examples
    --------
    >>> import networkx as nx
    >>> W = gs.mixing.metropolis_hastings(nx.star_graph(3))
    >>> W.toarray()[0], W.toarray()[1]
    (array([0.25, 0.25, 0.25, 0.25]), array([0.25, 0.75, 0.  , 0.  ]))
    """
    adjacent = adjacency(graph)
    degree = np.asarray(adjacent.sum(axis=1)).ravel()
    A = adjacent.tocoo()
    weights = 1.0 / (1.0 + np.maximum(degree[A.row], degree[A.col]))
    off = sp.csr_array((weights, (A.row, A.col)), shape=A.shape)
    return _with_diagonal(off)


@MIXING_RULES.register("uniform")
def uniform(graph: nx.Graph) -> sp.csr_array:
    """Uniform weights: w_ij = 1/(1 + d_max) on every link, w_ii = 1 - d_i/(1 + d_max).

    On a ring every weight is 1/3; on the complete graph W = 11ᵀ/K.

    Parameters
    ----------
    graph : networkx.Graph

    Returns
    -------
    scipy.sparse.csr_array

    Examples
    --------
    >>> import networkx as nx
    >>> gs.mixing.uniform(nx.cycle_graph(3)).toarray()
    array([[0.33333333, 0.33333333, 0.33333333],
           [0.33333333, 0.33333333, 0.33333333],
           [0.33333333, 0.33333333, 0.33333333]])
    """
    A = adjacency(graph)
    d_max = float(A.sum(axis=1).max()) if A.shape[0] else 0.0
    return _with_diagonal(A / (1.0 + d_max))


@MIXING_RULES.register("max-degree")
def max_degree(graph: nx.Graph) -> sp.csr_array:
    """Maximum-degree weights: w_ij = 1/(1 + d_max) on links; the same W as ``uniform``.

    Some texts use 1/d_max; that W has w_ii = 0 at the busiest agents and eigenvalue -1 on
    bipartite regular graphs (even rings, hypercubes), so gossip would not converge. We use
    1/(1 + d_max), which always gives a positive diagonal.

    Parameters
    ----------
    graph : networkx.Graph

    Returns
    -------
    scipy.sparse.csr_array

    Examples
    --------
    >>> import networkx as nx
    >>> g = nx.path_graph(4)
    >>> (gs.mixing.max_degree(g) != gs.mixing.uniform(g)).nnz
    0
    """
    return uniform(graph)


@MIXING_RULES.register("lazy")
def lazy(graph: nx.Graph, base: str = "metropolis-hastings") -> sp.csr_array:
    """Lazy version of another rule: W = (I + W_base)/2, so every eigenvalue is in [0, 1].

    Parameters
    ----------
    graph : networkx.Graph
    base : str, default "metropolis-hastings"
        Name of the rule to make lazy, e.g. ``"lazy:base=max-degree"``.

    Returns
    -------
    scipy.sparse.csr_array

    Examples
    --------
    >>> import networkx as nx
    >>> W = gs.mixing.lazy(nx.cycle_graph(4), base="uniform")
    >>> round(float(W[0, 0]), 12), round(float(W[0, 1]), 12)
    (0.666666666667, 0.166666666667)
    """
    W_base = MIXING_RULES.create(str(base), graph=graph)
    K = W_base.shape[0]
    W = sp.csr_array((sp.eye_array(K, format="csr") + W_base) * 0.5, dtype=np.float64)
    W.sort_indices()
    return W


@MIXING_RULES.register("column-stochastic", doubly_stochastic=False)
def column_stochastic(graph: nx.Graph) -> sp.csr_array:
    """Push-sum weights: agent i splits equally among itself and its out-neighbours.

    w_ji = 1/(d_i + 1) for every out-neighbour j of i and j = i (d_i its out-degree; on an
    undirected graph, its degree), 0 elsewhere: every column sums to 1, rows in general do not
    (on a regular graph W is doubly stochastic). For push-sum and SGP, which need no more.

    Parameters
    ----------
    graph : networkx.Graph or networkx.DiGraph

    Returns
    -------
    scipy.sparse.csr_array

    Examples
    --------
    >>> W = gs.mixing.column_stochastic(gs.topology.build("directed-exponential", 4))
    >>> W.toarray()[:, 0], W.sum(axis=0).tolist()
    (array([0.33333333, 0.33333333, 0.33333333, 0.        ]), [1.0, 1.0, 1.0, 1.0])
    """
    K = graph.number_of_nodes()
    A = nx.to_scipy_sparse_array(graph, nodelist=range(K), weight=None, format="csr")
    A = sp.csr_array(A, dtype=np.float64)
    A.setdiag(0.0)
    A.eliminate_zeros()
    A.data[:] = 1.0  # A[i, j] = 1: i sends to j
    share = 1.0 / (np.asarray(A.sum(axis=1)).ravel() + 1.0)
    W = sp.csr_array((A + sp.eye_array(K, format="csr")).T.multiply(share[None, :]))
    W.sort_indices()
    return W


def _laplacian_extremes(graph: nx.Graph) -> tuple[float, float]:
    """Largest and smallest non-zero eigenvalue of the graph Laplacian (connected graph)."""
    A = adjacency(graph)
    L = sp.csr_array(sp.diags_array(np.asarray(A.sum(axis=1)).ravel()) - A)
    if L.shape[0] <= DENSE_MAX:
        values = np.linalg.eigvalsh(L.toarray())
        return float(values[-1]), float(values[1])
    return _largest(L, deflate=False), _smallest(L, deflate=True)


@MIXING_RULES.register("best-constant")
def best_constant(graph: nx.Graph) -> sp.csr_array:
    """Best constant edge weight (Xiao & Boyd 2004): W = I - αL, α = 2/(λ_1(L) + λ_{K-1}(L)).

    λ_1 is the largest and λ_{K-1} the smallest non-zero Laplacian eigenvalue. This α gives the
    largest spectral gap among all constant edge weights; the diagonal may be negative.

    Parameters
    ----------
    graph : networkx.Graph
        A connected graph.

    Returns
    -------
    scipy.sparse.csr_array

    Examples
    --------
    >>> import networkx as nx
    >>> W = gs.mixing.best_constant(nx.complete_graph(4))
    >>> np.allclose(W.toarray(), 0.25)
    True
    """
    if graph.number_of_nodes() == 1:
        return sp.csr_array(np.ones((1, 1)))
    largest, smallest = _laplacian_extremes(graph)
    return _with_diagonal(adjacency(graph) * (2.0 / (largest + smallest)))


def _solve_fdla(graph: nx.Graph, cp: object) -> sp.csr_array:
    K = graph.number_of_nodes()
    edges = sp.triu(adjacency(graph), k=1, format="coo")
    m = edges.nnz
    if m == 0:
        return sp.csr_array(np.ones((1, 1)))
    cols = np.arange(m)
    incidence = sp.csc_array(
        (np.r_[np.ones(m), -np.ones(m)], (np.r_[edges.row, edges.col], np.r_[cols, cols])),
        shape=(K, m),
    )
    w = cp.Variable(m)  # type: ignore[attr-defined]
    centred = np.eye(K) - np.ones((K, K)) / K
    M = centred - incidence @ cp.diag(w) @ incidence.T  # type: ignore[attr-defined]
    problem = cp.Problem(cp.Minimize(cp.norm(M, 2)))  # type: ignore[attr-defined]
    problem.solve()
    if w.value is None:
        raise ConfigError(f"mixing rule 'fdla': the solver failed ({problem.status})")
    weights = sp.csr_array((w.value, (edges.row, edges.col)), shape=(K, K))
    return _with_diagonal(weights + weights.T)


@MIXING_RULES.register("fdla")
def fdla(graph: nx.Graph) -> sp.csr_array:
    """Fastest distributed linear averaging (Xiao & Boyd 2004): minimise ‖W - 11ᵀ/K‖₂ (needs cvxpy).

    Solves the semidefinite programme over symmetric W = I - Σ_e w_e a_e a_eᵀ supported on the
    graph; the weights may be negative. Meant for small graphs (a few hundred agents).

    Parameters
    ----------
    graph : networkx.Graph

    Returns
    -------
    scipy.sparse.csr_array

    Raises
    ------
    ConfigError
        If cvxpy is not installed.

    Examples
    --------
    >>> import networkx as nx
    >>> try:
    ...     W = gs.mixing.fdla(nx.path_graph(2))
    ... except gs.ConfigError:
    ...     W = np.full((2, 2), 0.5)
    >>> np.allclose(np.asarray(W.todense() if hasattr(W, "todense") else W), 0.5, atol=1e-5)
    True
    """
    try:
        import cvxpy as cp
    except ImportError:
        raise ConfigError(
            "mixing rule 'fdla' needs cvxpy; install it with: pip install 'gossip-sim[fdla]'"
        ) from None
    return _solve_fdla(graph, cp)
