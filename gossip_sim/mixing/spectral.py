"""Spectral quantities of a mixing matrix W: |λ2|, spectral gap, ρ and β.

For a doubly stochastic W with K agents and J = 11ᵀ/K:

* ``lambda2(W)`` = spectral radius of W − J, i.e. the largest modulus of an eigenvalue of W other
  than the eigenvalue 1 of the all-ones vector;
* ``spectral_gap(W)`` = 1 − ``lambda2(W)`` (the δ of Koloskova et al.; 1 for K = 1);
* ``rho(W)`` = ‖W − J‖₂, equal to ``lambda2(W)`` when W is symmetric;
* ``beta(W)`` = ‖I − W‖₂.

Up to :data:`DENSE_MAX` agents the eigenvalues come from dense LAPACK. Above it, a symmetric W
circulant on a ring or a torus (every shipped rule on those topologies) has its exact spectrum in
closed form (:func:`~gossip_sim.mixing.circulant_eigenvalues`, O(K·d)); other symmetric W use
ARPACK (``scipy.sparse.linalg.eigsh``): plain Lanczos when the wanted end of the spectrum
converges quickly, otherwise shift-invert at a shift σ *certified* to lie outside the spectrum
(Gershgorin, or the inertia of a pivot-free LDLᵀ factorisation of W − σI). The ones direction is
projected out. This finds the gap of a 10,000-agent ring (about 1.3e-7) to ~1e-9 relative
accuracy in well under a second.

Examples
--------
>>> import networkx as nx
>>> W = gs.mixing.mixing_matrix("uniform", nx.cycle_graph(6))
>>> round(gs.mixing.spectral_gap(W), 6)
0.333333
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike, NDArray

from gossip_sim.errors import ConfigError
from gossip_sim.mixing.circulant import circulant_eigenvalues

if TYPE_CHECKING:
    import scipy.sparse.linalg as sla

__all__ = [
    "DENSE_MAX",
    "EIGENVALUES_MAX",
    "beta",
    "eigenvalues",
    "lambda2",
    "rho",
    "second_eigenvalue",
    "spectral_gap",
]

DENSE_MAX = 500
"""Largest K for which the spectral functions use dense LAPACK."""

EIGENVALUES_MAX = 5000
"""Largest K for which :func:`eigenvalues` computes the full (dense) spectrum."""

_PLAIN_TOL = 1e-10  # ARPACK tolerance of the plain Lanczos attempt
_PLAIN_RESTARTS = 100  # restarts budget of the plain attempt before switching to shift-invert
_NEAR = 1e-4  # relative distance to the Gershgorin bound below which results are refined


def _as_csr(W: ArrayLike | sp.sparray | sp.spmatrix) -> sp.csr_array:
    matrix = sp.csr_array(W, dtype=np.float64) if sp.issparse(W) else None
    if matrix is None:
        dense = np.asarray(W, dtype=np.float64)
        if dense.ndim != 2 or dense.shape[0] != dense.shape[1]:
            raise ConfigError(f"W has shape {dense.shape}; it must be a square matrix")
        matrix = sp.csr_array(dense)
    if matrix.shape[0] != matrix.shape[1]:
        raise ConfigError(f"W has shape {matrix.shape}; it must be a square matrix")
    return matrix


def _is_symmetric(W: sp.csr_array) -> bool:
    scale = max(1.0, float(abs(W).max())) if W.nnz else 1.0
    diff = W - W.T
    return diff.nnz == 0 or float(abs(diff).max()) <= 1e-12 * scale


def _is_doubly_stochastic(W: sp.csr_array) -> bool:
    rows, cols = W.sum(axis=1), W.sum(axis=0)
    return bool(np.allclose(rows, 1.0, rtol=0, atol=1e-9) and np.allclose(cols, 1.0, atol=1e-9))


def _centred_dense(W: sp.csr_array) -> NDArray[np.float64]:
    return W.toarray() - 1.0 / W.shape[0]


# ---------------------------------------------------------------- large symmetric eigenvalues
def _below_count(A: sp.csr_array, sigma: float) -> int | None:
    """Count eigenvalues of symmetric ``A`` below ``sigma`` (Sylvester inertia); None if unsure."""
    import scipy.sparse.linalg as sla

    shifted = sp.csc_matrix(A - sigma * sp.eye_array(A.shape[0], format="csr"))
    try:
        lu = sla.splu(
            shifted,
            permc_spec="MMD_AT_PLUS_A",
            diag_pivot_thresh=0.0,
            options={"SymmetricMode": True},
        )
    except RuntimeError:  # exactly singular: sigma is an eigenvalue
        return None
    if not np.array_equal(lu.perm_r, lu.perm_c):
        return None
    return int(np.count_nonzero(lu.U.diagonal() < 0))


def _plain_smallest(A: sp.csr_array, b: float, deflate: bool, tol: float, restarts: int) -> float:
    """Lanczos for the smallest eigenvalue; the ones direction is sent above the spectrum.

    The operator is shifted by 2b so that its spectrum lies in [b, 3b]: ARPACK's tolerance is
    relative to the eigenvalue, which must therefore stay away from 0.
    """
    import scipy.sparse.linalg as sla

    K = A.shape[0]

    def matvec(x: NDArray[np.float64]) -> NDArray[np.float64]:
        x = np.ravel(x)
        if not deflate:
            return A @ x + 2.0 * b * x
        mean = x.mean()
        return A @ (x - mean) + 2.0 * b * x + 3.0 * b * mean

    op = sla.LinearOperator((K, K), matvec=matvec, dtype=np.float64)
    v0 = np.cos(np.arange(K) * 1.2345 + 0.1)  # fixed start vector: deterministic results
    values = sla.eigsh(
        op, k=1, which="SA", tol=tol, maxiter=restarts, ncv=min(K, 32), v0=v0,
        return_eigenvectors=False,
    )  # fmt: skip
    return float(values[0]) - 2.0 * b


def _shift_invert_smallest(A: sp.csr_array, sigma: float, deflate: bool) -> float:
    """Smallest eigenvalue of ``A`` (on 1⊥ if ``deflate``), given every one of them is > sigma."""
    import scipy.sparse.linalg as sla

    K = A.shape[0]
    lu = sla.splu(sp.csc_matrix(A - sigma * sp.eye_array(K, format="csr")))

    def matvec(x: NDArray[np.float64]) -> NDArray[np.float64]:
        x = np.ravel(x)
        if deflate:
            x = x - x.mean()
        y = lu.solve(x)
        return y - y.mean() if deflate else y

    op = sla.LinearOperator((K, K), matvec=matvec, dtype=np.float64)
    v0 = np.cos(np.arange(K) * 1.2345 + 0.1)
    theta = sla.eigsh(op, k=1, which="LA", tol=1e-12, v0=v0, return_eigenvectors=False)
    return float(sigma + 1.0 / theta[0])


def _smallest(A: sp.csr_array, *, deflate: bool) -> float:
    """Smallest eigenvalue of a large sparse symmetric ``A``, on 1⊥ when ``deflate``.

    With ``deflate`` the all-ones vector must be an eigenvector of ``A``.
    """
    import scipy.sparse.linalg as sla

    K = A.shape[0]
    b = float(abs(A).sum(axis=1).max()) or 1.0  # Gershgorin: every eigenvalue is in [-b, b]
    floor = -b * (1.0 + 1e-10) - 1e-300  # certified to be below the spectrum
    try:
        estimate = _plain_smallest(A, b, deflate, _PLAIN_TOL, _PLAIN_RESTARTS)
        # Refine only a value close to (but not at) the bound -b: there the few ARPACK digits
        # left for 1 - |λ| (a small gap) are not enough.
        if not 1e-8 * b < estimate + b <= _NEAR * b:
            return estimate
    except sla.ArpackNoConvergence:
        estimate = _plain_smallest(A, b, deflate, 1e-3, 10 * K)
    # A Ritz value is never below the smallest eigenvalue: move down until the inertia certifies.
    ones_value = float((A @ np.ones(K))[0]) if deflate else np.inf
    eta = 1e-6 * b
    sigma = estimate - eta
    while sigma > floor:
        allowed = 1 if ones_value < sigma else 0
        count = _below_count(A, sigma)
        if count is not None and count <= allowed:
            break
        eta *= 10.0
        sigma = estimate - eta
    return _shift_invert_smallest(A, max(sigma, floor), deflate)


def _largest(A: sp.csr_array, *, deflate: bool) -> float:
    return -_smallest(-A, deflate=deflate)


# ---------------------------------------------------------------- public functions
def eigenvalues(W: ArrayLike | sp.sparray | sp.spmatrix) -> NDArray[np.float64 | np.complex128]:
    """Return every eigenvalue of W, largest first (dense; K ≤ 5000).

    Symmetric W give real eigenvalues sorted in descending order; other W give complex
    eigenvalues sorted by descending modulus.

    Parameters
    ----------
    W : array_like or sparse matrix, shape (K, K)

    Returns
    -------
    numpy.ndarray, shape (K,)

    Raises
    ------
    ConfigError
        If K > :data:`EIGENVALUES_MAX`; use :func:`lambda2` or :func:`spectral_gap` then.

    Examples
    --------
    >>> import networkx as nx
    >>> W = gs.mixing.mixing_matrix("uniform", nx.complete_graph(4))
    >>> np.round(gs.mixing.eigenvalues(W), 12) + 0.0
    array([1., 0., 0., 0.])
    """
    matrix = _as_csr(W)
    K = matrix.shape[0]
    if K > EIGENVALUES_MAX:
        raise ConfigError(
            f"W has {K} agents; eigenvalues() is dense and limited to K <= {EIGENVALUES_MAX}; "
            "use gossip_sim.mixing.lambda2 or spectral_gap for large K"
        )
    dense = matrix.toarray()
    if _is_symmetric(matrix):
        return np.linalg.eigvalsh(dense)[::-1].copy()
    values = np.linalg.eigvals(dense)
    return values[np.lexsort((-values.real, -np.abs(values)))]


def second_eigenvalue(W: ArrayLike | sp.sparray | sp.spmatrix) -> float | complex:
    """Return λ2, the eigenvalue of W other than that of the ones vector with the largest modulus.

    It is the eigenvalue of W − 11ᵀ/K of largest modulus (0.0 for K = 1), real for a symmetric
    W (of two with the same modulus, the negative one). Its sign tells why gossip with W
    would not converge when |λ2| ≥ 1: a second eigenvalue 1 (W does not mix) or one ≤ −1 (W
    flips the disagreement's sign and does not shrink it). Uses the same dense or sparse
    eigensolvers as :func:`lambda2`, which is its modulus.

    Parameters
    ----------
    W : array_like or sparse matrix, shape (K, K)
        A doubly stochastic mixing matrix.

    Returns
    -------
    float or complex
        complex only for a non-symmetric W whose λ2 is not real.

    Examples
    --------
    >>> gs.mixing.second_eigenvalue(np.array([[0.0, 1.0], [1.0, 0.0]]))
    -1.0
    >>> gs.mixing.second_eigenvalue(np.eye(3))
    1.0
    """
    matrix = _as_csr(W)
    K = matrix.shape[0]
    if K == 1:
        return 0.0
    symmetric = _is_symmetric(matrix)
    if K <= DENSE_MAX:
        centred = _centred_dense(matrix)
        values = np.linalg.eigvalsh(centred) if symmetric else np.linalg.eigvals(centred)
        return _scalar(values[int(np.argmax(np.abs(values)))])
    if symmetric and _is_doubly_stochastic(matrix):
        closed = circulant_eigenvalues(_sorted(matrix))
        if closed is not None:  # a ring or a torus: the exact spectrum, O(K·d)
            closed[0] -= 1.0  # W − 11ᵀ/K, as the dense branch
            return _scalar(closed[_most_negative_max(closed)])
        top, bottom = _largest(matrix, deflate=True), _smallest(matrix, deflate=True)
        return top if abs(top) > abs(bottom) else bottom
    return _centred_extreme(matrix, symmetric)


def _sorted(W: sp.csr_array) -> sp.csr_array:
    if not W.has_sorted_indices:
        W = W.copy()
        W.sort_indices()
    return W


def _most_negative_max(values: NDArray[np.float64]) -> int:
    """Index of the largest |value|; of two with the same modulus, the negative one."""
    modulus = np.abs(values)
    ties = np.flatnonzero(modulus == modulus.max())
    return int(ties[np.argmin(values[ties])])


def _scalar(value: np.floating | np.complexfloating) -> float | complex:
    """Return ``value`` as a Python float, or a complex when it has an imaginary part."""
    number = complex(value)
    return number if number.imag else number.real


def lambda2(W: ArrayLike | sp.sparray | sp.spmatrix) -> float:
    """Return |λ2|, the largest modulus of an eigenvalue of W other than that of the ones vector.

    Computed as the spectral radius of W − 11ᵀ/K (the modulus of :func:`second_eigenvalue`);
    0 for K = 1.

    Parameters
    ----------
    W : array_like or sparse matrix, shape (K, K)
        A doubly stochastic mixing matrix.

    Returns
    -------
    float

    Examples
    --------
    >>> import networkx as nx
    >>> W = gs.mixing.mixing_matrix("uniform", nx.cycle_graph(8))
    >>> bool(np.isclose(gs.mixing.lambda2(W), (1 + 2 * np.cos(2 * np.pi / 8)) / 3))
    True
    """
    return float(abs(second_eigenvalue(W)))


def _centred_operator(W: sp.csr_array) -> sla.LinearOperator:
    import scipy.sparse.linalg as sla

    K = W.shape[0]
    return sla.LinearOperator(
        (K, K),
        matvec=lambda x: W @ np.ravel(x) - np.ravel(x).sum() / K,
        rmatvec=lambda x: W.T @ np.ravel(x) - np.ravel(x).sum() / K,
        dtype=np.float64,
    )


def _centred_extreme(W: sp.csr_array, symmetric: bool) -> float | complex:
    """Return the eigenvalue of W − 11ᵀ/K of largest modulus with plain ARPACK (general W)."""
    import scipy.sparse.linalg as sla

    op = _centred_operator(W)
    solver = sla.eigsh if symmetric else sla.eigs
    values = solver(op, k=1, which="LM", return_eigenvectors=False)
    return _scalar(values[0])


def spectral_gap(W: ArrayLike | sp.sparray | sp.spmatrix) -> float:
    """Return the spectral gap δ = 1 − |λ2| of W (1 for a single agent).

    The gap is in (0, 1] for a doubly stochastic W of a connected graph whose iteration x ← Wx
    converges; 0 means no convergence (disconnected, or periodic), negative means divergence.

    Parameters
    ----------
    W : array_like or sparse matrix, shape (K, K)

    Returns
    -------
    float

    Examples
    --------
    >>> import networkx as nx
    >>> W = gs.mixing.mixing_matrix("uniform", nx.cycle_graph(10))
    >>> gs.mixing.spectral_gap(W) > 0
    True
    >>> gs.mixing.spectral_gap(np.ones((1, 1)))
    1.0
    """
    return 1.0 - lambda2(W)


def rho(W: ArrayLike | sp.sparray | sp.spmatrix) -> float:
    """Return ρ = ‖W − 11ᵀ/K‖₂, the contraction factor of x ← Wx on the disagreement.

    Equals :func:`lambda2` for symmetric W; for other W it uses singular values.

    Parameters
    ----------
    W : array_like or sparse matrix, shape (K, K)

    Returns
    -------
    float

    Examples
    --------
    >>> import networkx as nx
    >>> W = gs.mixing.mixing_matrix("metropolis-hastings", nx.path_graph(5))
    >>> bool(np.isclose(gs.mixing.rho(W), gs.mixing.lambda2(W)))
    True
    """
    matrix = _as_csr(W)
    K = matrix.shape[0]
    if K == 1:
        return 0.0
    if _is_symmetric(matrix):
        return lambda2(matrix)
    if K <= DENSE_MAX:
        return float(np.linalg.norm(_centred_dense(matrix), 2))
    import scipy.sparse.linalg as sla

    values = sla.svds(_centred_operator(matrix), k=1, return_singular_vectors=False)
    return float(values[0])


def beta(W: ArrayLike | sp.sparray | sp.spmatrix) -> float:
    """Return β = ‖I − W‖₂ (the β of CHOCO-GOSSIP's step size).

    Parameters
    ----------
    W : array_like or sparse matrix, shape (K, K)

    Returns
    -------
    float

    Examples
    --------
    >>> import networkx as nx
    >>> W = gs.mixing.mixing_matrix("uniform", nx.cycle_graph(6))
    >>> round(gs.mixing.beta(W), 6)  # 1 - (1/3 + 2/3 cos(pi))
    1.333333
    """
    matrix = _as_csr(W)
    K = matrix.shape[0]
    eye = sp.eye_array(K, format="csr")
    if K <= DENSE_MAX:
        return float(np.linalg.norm((eye - matrix).toarray(), 2))
    if _is_symmetric(matrix):
        closed = circulant_eigenvalues(_sorted(matrix))
        if closed is not None:  # a ring or a torus: the exact spectrum
            return float(np.abs(1.0 - closed).max())
        if _is_doubly_stochastic(matrix):  # eigenvalue 1 (ones) known: solve on 1⊥ only
            top, bottom = _largest(matrix, deflate=True), _smallest(matrix, deflate=True)
            return max(abs(1.0 - top), abs(1.0 - bottom))
        top, bottom = _largest(matrix, deflate=False), _smallest(matrix, deflate=False)
        return max(abs(1.0 - top), abs(1.0 - bottom))
    import scipy.sparse.linalg as sla

    values = sla.svds(sp.csr_array(eye - matrix), k=1, return_singular_vectors=False)
    return float(values[0])
