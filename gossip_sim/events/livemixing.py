"""The W of a round with its dead agents and its down links cut out (weights to the diagonal).

Every off-diagonal w_ij whose ends are not both alive, or whose link is down, moves to the
diagonal (w_ii += w_ij, w_ij = 0), and a dead agent's row becomes the identity row. Row sums
are kept, so a symmetric doubly stochastic W stays symmetric and doubly stochastic on the live
agents, which keep their average. The work is proportional to the entries that are cut plus a
few O(nnz) copies; nothing loops over the agents in Python.

Examples
--------
>>> import networkx as nx
>>> W = gs.mixing.metropolis_hastings(nx.complete_graph(3))
>>> live_mixing(W, np.array([True, True, False])).toarray()
array([[0.667, 0.333, 0.   ],
       [0.333, 0.667, 0.   ],
       [0.   , 0.   , 1.   ]])
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

__all__ = ["LiveMixing", "live_mixing"]

Bools = NDArray[np.bool_]
Ints = NDArray[np.int64]


def live_mixing(W: sp.csr_array, alive: Bools, down: Any = None) -> sp.csr_array:
    """Return W restricted to the ``alive`` agents and the links that are not ``down``.

    Parameters
    ----------
    W : scipy.sparse.csr_array, shape (K, K)
    alive : numpy.ndarray of bool, shape (K,)
    down : array of int, shape (m, 2), optional
        The links (i, j) that are down; both directions are cut.

    Returns
    -------
    scipy.sparse.csr_array
        A new matrix with indices sorted and the cut entries removed (``W`` itself when
        nothing is cut).

    Examples
    --------
    >>> import networkx as nx
    >>> W = gs.mixing.metropolis_hastings(nx.path_graph(3))
    >>> live_mixing(W, np.ones(3, dtype=bool), down=[(1, 2)]).toarray()
    array([[0.667, 0.333, 0.   ],
           [0.333, 0.667, 0.   ],
           [0.   , 0.   , 1.   ]])
    """
    return LiveMixing(W).cut(alive, down)


class LiveMixing:
    """Where the entries of one W sit, computed once, to cut it for many rounds.

    Parameters
    ----------
    W : scipy.sparse.csr_array, shape (K, K)
        The base W (kept; a copy in canonical form if it is not canonical).

    Examples
    --------
    >>> import networkx as nx
    >>> layout = LiveMixing(gs.mixing.metropolis_hastings(nx.cycle_graph(5)))
    >>> alive = np.array([True, False, True, True, True])
    >>> cut = layout.cut(alive)
    >>> np.allclose(cut.sum(axis=0), 1), cut[1, 1], cut[0, 1]
    (True, np.float64(1.0), np.float64(0.0))
    """

    def __init__(self, W: sp.csr_array) -> None:
        self.W = W
        csr = sp.csr_array(W)
        if not csr.has_canonical_format:
            csr = csr.copy()
            csr.sum_duplicates()
        self.csr = csr
        k = self.k = csr.shape[0]
        self.rows = np.repeat(np.arange(k, dtype=np.int64), np.diff(csr.indptr))
        self.keys = self.rows * k + csr.indices
        on = self.rows == csr.indices
        self.diagonal = np.full(k, -1, dtype=np.int64)
        self.diagonal[self.rows[on]] = np.flatnonzero(on)
        self.by_column = np.argsort(csr.indices, kind="stable")
        self.colptr = np.concatenate([[0], np.cumsum(np.bincount(csr.indices, minlength=k))])

    def cut(self, alive: Bools, down: Any = None) -> sp.csr_array:
        """Return the base W with the dead agents and the ``down`` links (pairs) cut out."""
        csr = self.csr
        dead = np.flatnonzero(~np.asarray(alive, dtype=bool))
        parts = [
            _ranges(csr.indptr[dead], csr.indptr[dead + 1]),
            self.by_column[_ranges(self.colptr[dead], self.colptr[dead + 1])],
        ]
        pairs = np.asarray(down if down is not None else (), dtype=np.int64).reshape(-1, 2)
        if len(pairs):
            parts += [self._entries(pairs[:, 0], pairs[:, 1]), self._entries(*pairs.T[::-1])]
        cut = np.unique(np.concatenate(parts))
        cut = cut[self.rows[cut] != csr.indices[cut]]
        if len(cut) == 0 and len(dead) == 0:
            return self.W
        moved = np.bincount(self.rows[cut], weights=csr.data[cut], minlength=self.k)
        alive_rows = np.ones(self.k, dtype=bool)
        alive_rows[dead] = False
        grow = np.flatnonzero((moved != 0) & alive_rows)
        if np.any(self.diagonal[grow] < 0) or np.any(self.diagonal[dead] < 0):
            return self._rebuilt(cut, moved, grow, dead)
        values = csr.data.copy()
        values[self.diagonal[grow]] += moved[grow]
        values[self.diagonal[dead]] = 1.0
        keep = np.ones(len(values), dtype=bool)
        keep[cut] = False
        counts = np.diff(csr.indptr) - np.bincount(self.rows[cut], minlength=self.k)
        indptr = np.concatenate([[0], np.cumsum(counts)]).astype(csr.indptr.dtype)
        out = sp.csr_array((values[keep], csr.indices[keep], indptr), shape=csr.shape)
        out.has_sorted_indices = True
        return out

    def _entries(self, src: Ints, dst: Ints) -> Ints:
        """Return the positions of the stored entries (src, dst) (pairs not stored are left out)."""
        keys = src * self.k + dst
        if len(self.keys) == 0:
            return np.zeros(0, dtype=np.int64)
        at = np.minimum(np.searchsorted(self.keys, keys), len(self.keys) - 1)
        return at[self.keys[at] == keys]

    def _rebuilt(self, cut: Ints, moved: NDArray[Any], grow: Ints, dead: Ints) -> sp.csr_array:
        """cut() for a W that lacks a stored diagonal entry it needs: summed as COO."""
        keep = np.ones(len(self.rows), dtype=bool)
        keep[cut] = False
        keep[np.isin(self.rows, dead)] = False
        rows = np.concatenate([self.rows[keep], grow, dead])
        cols = np.concatenate([self.csr.indices[keep], grow, dead])
        data = np.concatenate([self.csr.data[keep], moved[grow], np.ones(len(dead))])
        out = sp.csr_array((data, (rows, cols)), shape=self.csr.shape)
        out.sum_duplicates()
        out.sort_indices()
        return out


def _ranges(starts: Any, stops: Any) -> Ints:
    """Return the concatenation of range(start, stop) for each pair, without a Python loop."""
    lengths = np.asarray(stops, dtype=np.int64) - np.asarray(starts, dtype=np.int64)
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    offsets = np.repeat(np.asarray(starts, dtype=np.int64) - np.cumsum(lengths) + lengths, lengths)
    return offsets + np.arange(total, dtype=np.int64)
