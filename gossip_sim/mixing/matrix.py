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
from gossip_sim.mixing.validate import adjacency, check_mixing_matrix

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


def _check_connected(graph: nx.Graph) -> None:
    A = adjacency(graph)  # also refuses empty and directed graphs, nodes other than 0..K-1
    n_components, _ = sp.csgraph.connected_components(A, directed=False)
    if n_components > 1:
        raise ConfigError(
            f"graph is disconnected ({n_components} components); gossip needs a connected graph"
        )


def mixing_matrix(spec: MixingSpec, graph: nx.Graph, *, symmetric: bool = True) -> sp.csr_array:
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
    _check_connected(graph)
    if isinstance(spec, os.PathLike) or (isinstance(spec, str) and _looks_like_path(spec)):
        W: Any = load_matrix(spec)
    elif isinstance(spec, str):
        W = MIXING_RULES.create(spec, graph=graph)
    elif callable(spec):
        W = spec(graph)
    else:
        W = spec
    return check_mixing_matrix(W, graph, symmetric=symmetric)
