"""The exact spectrum of a W that is circulant on a ring, a torus or a hypercube, in O(K·d).

A W is *circulant on the group* Z_n1 × Z_n2 (agent k ↔ (k // n2, k % n2)) when w_kl depends only
on the offset of l from k, taken modulo (n1, n2). The ring (n1 = 1) and the row-major torus with
every shipped rule, the complete graph with any rule, and their ``lazy`` versions are of that
kind. Its eigenvectors are then the Fourier modes, and its eigenvalues

    λ_(p,q) = Σ_(a,b) c_(a,b) cos(2π (a p / n1 + b q / n2)),

where c is the row of offsets. They are computed here as λ = s − Σ c · 2 sin²(θ/2) (s the row
sum), which keeps the small 1 − λ of a large ring to full relative accuracy (the gap of a
100,000-agent ring is about 1e-9) where an eigensolver needs many restarts. A hypercube's W
(K = 2^d, w_kl a function of k XOR l) is circulant on Z_2^d: its eigenvectors are the Walsh
functions and λ_p = s − 2 Σ_(a AND p odd) c_a.
:func:`circulant_eigenvalues` recognises the structure from W itself (never from the topology's
name), so a W it answers for has exactly these eigenvalues; any other W gets ``None`` and the
eigensolvers.

Examples
--------
>>> import networkx as nx
>>> W = gs.mixing.mixing_matrix("uniform", nx.cycle_graph(6))
>>> np.round(np.sort(gs.mixing.circulant_eigenvalues(W)), 6) + 0.0
array([-0.333333,  0.      ,  0.      ,  0.666667,  0.666667,  1.      ])
>>> gs.mixing.circulant_eigenvalues(gs.mixing.mixing_matrix("uniform", nx.path_graph(6))) is None
True
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

__all__ = ["circulant_eigenvalues"]

_DIRECT_MAX = 20_000_000  # K x (nonzeros per row) above which the eigenvalues come from an FFT


def _offsets(W: sp.csr_array, n2: int) -> tuple[NDArray[np.int64], NDArray[np.float64]] | None:
    """Return the row of (offset, weight) that every row of W repeats on Z_n1 × Z_n2, or None."""
    K = W.shape[0]
    n1 = K // n2
    per_row = np.diff(W.indptr)
    width = int(per_row[0])
    if width == 0 or np.any(per_row != width):
        return None
    rows = np.repeat(np.arange(K, dtype=np.int64), width)
    cols = W.indices.astype(np.int64)
    (r1, c1), (r2, c2) = np.divmod(rows, n2), np.divmod(cols, n2)
    offset = (((r2 - r1) % n1) * n2 + (c2 - c1) % n2).reshape(K, width)
    order = np.argsort(offset, axis=1, kind="stable")
    offset = np.take_along_axis(offset, order, axis=1)
    weight = np.take_along_axis(W.data.reshape(K, width), order, axis=1)
    if np.any(offset != offset[0]) or np.any(weight != weight[0]):
        return None  # exact equality: a W that is only nearly circulant gets the eigensolvers
    return offset[0], weight[0]


def _xor_offsets(W: sp.csr_array) -> tuple[NDArray[np.int64], NDArray[np.float64]] | None:
    """Return the row of (k XOR l, weight) every row of W repeats (a hypercube's W), or None."""
    K = W.shape[0]
    per_row = np.diff(W.indptr)
    width = int(per_row[0])
    if width == 0 or np.any(per_row != width):
        return None
    rows = np.repeat(np.arange(K, dtype=np.int64), width)
    offset = np.bitwise_xor(rows, W.indices.astype(np.int64)).reshape(K, width)
    order = np.argsort(offset, axis=1, kind="stable")
    offset = np.take_along_axis(offset, order, axis=1)
    weight = np.take_along_axis(W.data.reshape(K, width), order, axis=1)
    if np.any(offset != offset[0]) or np.any(weight != weight[0]):
        return None
    return offset[0], weight[0]


def _walsh_spectrum(
    offset: NDArray[np.int64], weight: NDArray[np.float64], K: int
) -> NDArray[np.float64]:
    """Return λ_p = Σ_a c_a (−1)^popcount(a AND p) = s − 2 Σ_(a AND p odd) c_a, p = 0..K−1."""
    both = np.arange(K, dtype=np.int64)[:, None] & offset
    parity = np.zeros_like(both)
    while np.any(both):
        parity ^= both & 1
        both >>= 1
    odd = np.einsum("kj,j->k", parity.astype(np.float64), weight)
    values: NDArray[np.float64] = float(weight.sum()) - 2.0 * odd
    return values


def _shapes(K: int) -> list[int]:
    """Return the n2 to try: K (a ring) first, then the torus shapes n1 x n2, n1, n2 ≥ 3."""
    tori = [n2 for n2 in range(3, K // 3 + 1) if K % n2 == 0 and K // n2 >= 3]
    return [K, *sorted(tori, key=lambda n2: abs(n2 - K // n2))]


def _spectrum(
    offset: NDArray[np.int64], weight: NDArray[np.float64], n1: int, n2: int
) -> NDArray[np.float64]:
    """Return every eigenvalue of the circulant W with this row of offsets, ones' first."""
    K = n1 * n2
    total = float(weight.sum())
    if K * offset.size > _DIRECT_MAX:  # a dense W (complete graph): its gap is large
        symbol = np.zeros(K)
        symbol[offset] = weight
        modes: NDArray[np.float64] = np.fft.fft2(symbol.reshape(n1, n2)).real.ravel()
        return modes
    a, b = np.divmod(offset, n2)
    p, q = np.divmod(np.arange(K, dtype=np.int64), n2)
    # θ/2 = π (a p mod n1 / n1 + b q mod n2 / n2): integer remainders first keep θ exact.
    half = np.pi * (((p[:, None] * a) % n1) / n1 + ((q[:, None] * b) % n2) / n2)
    values: NDArray[np.float64] = total - 2.0 * np.einsum("kj,j->k", np.sin(half) ** 2, weight)
    return values


def circulant_eigenvalues(W: sp.csr_array) -> NDArray[np.float64] | None:
    """Return the eigenvalues of a symmetric W circulant on a ring, torus or hypercube, else None.

    The eigenvalue of the ones vector comes first; the others follow in the order of the
    Fourier modes (p, q) ≠ (0, 0). W must be a square ``csr_array`` with sorted indices.

    Parameters
    ----------
    W : scipy.sparse.csr_array, shape (K, K)
        A symmetric matrix (only its structure and values are read: O(nnz) per shape tried).

    Returns
    -------
    numpy.ndarray of shape (K,), or None
        None when W is not exactly circulant on Z_K, on a torus Z_n1 × Z_n2 (n1, n2 ≥ 3,
        agent k at row k // n2, column k % n2) or on a hypercube Z_2^d (K = 2^d, w_kl a
        function of k XOR l).

    Examples
    --------
    >>> import networkx as nx
    >>> W = gs.mixing.mixing_matrix("metropolis-hastings", nx.cycle_graph(1000))
    >>> values = gs.mixing.circulant_eigenvalues(W)
    >>> bool(np.isclose(1 - values[1], 2 / 3 * (1 - np.cos(2 * np.pi / 1000)), rtol=1e-9, atol=0))
    True
    """
    K = W.shape[0]
    if K < 3 or not W.has_sorted_indices:
        return None
    for n2 in _shapes(K):
        found = _offsets(W, n2)
        if found is not None:
            return _spectrum(*found, K // n2, n2)
    if K & (K - 1) == 0 and K * int(W.indptr[1]) <= _DIRECT_MAX:  # a hypercube: Z_2^d
        found = _xor_offsets(W)
        if found is not None:
            return _walsh_spectrum(*found, K)
    return None
