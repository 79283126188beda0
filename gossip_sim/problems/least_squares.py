"""Linear least squares split over agents, Song et al.'s eq. (4): F(θ) = ½ Σ_k ‖A_k θ − b_k‖².

Agent k holds N_k rows (A_k, b_k) of the N × D system. When N < D and A has full row rank the
problem is *overparameterised*: infinitely many θ fit the data exactly, F* = 0, and the
optimum reported is the minimum-norm one (the limit of gradient descent from θ⁰ = 0).

Constants (exact): L = σ_max(AᵀA) (from the smaller of the Gram matrices AAᵀ, AᵀA),
μ = σ_min(AᵀA) when N ≥ D and A has full column rank, else 0; L_k = σ_max(A_kᵀA_k).
The error is the training MSE (1/N)‖Aθ − b‖² = 2F(θ)/N, averaged over the agents' θ_k
(``error_at="agents"``, the default), or the suboptimality F(x̄) − F* at the agents' mean
x̄ = (1/K) Σ_k θ_k (``error_at="average"``; F* from ``numpy.linalg.lstsq``, exact to round-off).

Examples
--------
>>> p = gs.problems.create("least-squares:samples=3", n_agents=2, dim=10)
>>> p.bound_kind, p.optimal_value, p.features.shape
('overparameterized', 0.0, (6, 10))
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from gossip_sim._random import stream
from gossip_sim._typing import Stack, Vector
from gossip_sim.errors import ConfigError
from gossip_sim.problems._common import (
    ERROR_AT,
    SPLITS,
    agent_slices,
    check_choice,
    check_positive,
    check_positive_int,
    check_samples,
    shared_stream,
)
from gossip_sim.problems.base import PROBLEMS, Block, BoundKind
from gossip_sim.problems.datasets import sort_by_target

__all__ = ["LeastSquares", "gram_eigenvalues", "least_squares"]


def gram_eigenvalues(A: NDArray[np.float64]) -> NDArray[np.float64]:
    """Return the eigenvalues of AᵀA that can be non-zero (from the smaller Gram matrix), ascending.

    Examples
    --------
    >>> from gossip_sim.problems.least_squares import gram_eigenvalues
    >>> gram_eigenvalues(np.array([[3.0, 0.0, 0.0], [0.0, 2.0, 0.0]])).tolist()
    [4.0, 9.0]
    """
    gram = A @ A.T if A.shape[0] <= A.shape[1] else A.T @ A
    return np.clip(np.linalg.eigvalsh(gram), 0.0, None)


@dataclass(frozen=True, eq=False)
class LeastSquares:
    """F(θ) = ½‖Aθ − b‖² with agent k holding the ``counts[k]`` consecutive rows of (A, b).

    The same class serves ``least-squares`` (synthetic A) and ``kernel-regression`` (A = φ(X)
    of a real data set); ``name`` says which.

    Examples
    --------
    >>> p = LeastSquares(np.eye(3), np.ones(3), counts=(2, 1))
    >>> p.losses(p.initial()).tolist(), p.strong_convexity
    ([1.0, 0.5], 1.0)
    """

    A: Stack = field(repr=False)
    b: Vector = field(repr=False)
    counts: tuple[int, ...]
    name: str = "least-squares"
    error_at: str = "agents"
    error_name: str = field(default="training MSE", init=False)
    n_agents: int = field(init=False)
    dim: int = field(init=False)
    samples_per_agent: tuple[int, ...] = field(init=False, repr=False)
    features: Stack = field(init=False, repr=False)
    blocks: tuple[Block, ...] = field(init=False, repr=False)
    bound_kind: BoundKind = field(init=False)
    optimum: Vector = field(init=False, repr=False)
    optimal_value: float = field(init=False, repr=False)
    smoothness: float = field(init=False, repr=False)
    strong_convexity: float = field(init=False, repr=False)
    local_smoothness: float = field(init=False, repr=False)
    _slices: list[slice] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        A, b, counts = np.asarray(self.A, dtype=float), np.asarray(self.b, dtype=float), self.counts
        if A.ndim != 2 or b.shape != (A.shape[0],):
            raise ConfigError(
                f"{self.name}: A has shape {A.shape} and b {b.shape}; "
                "give A as N × D and b of length N"
            )
        slices = agent_slices(self.name, counts, A.shape[0])
        check_choice(self.name, "error_at", self.error_at, ERROR_AT)
        n, d = A.shape
        derived = {
            "A": A,
            "b": b,
            "counts": tuple(int(c) for c in counts),
            "samples_per_agent": tuple(int(c) for c in counts),
            "n_agents": len(counts),
            "dim": d,
            "features": A,
            "blocks": (Block("theta", d, 1, "wide"),),
            "bound_kind": "overparameterized" if n < d else "pl",
            "_slices": slices,
        }
        if self.error_at == "average":
            derived["error_name"] = "suboptimality F(x̄) - F* at the agents' mean"
        for key, value in derived.items():
            object.__setattr__(self, key, value)
        self._set_constants()

    def _set_constants(self) -> None:
        """Compute L, μ, max_k L_k, the minimum-norm optimum and F* exactly."""
        A, b = self.A, self.b
        n, d = A.shape
        eig = gram_eigenvalues(A)
        top = float(eig[-1])
        full_rank = top > 0 and eig[0] > top * max(n, d) * np.finfo(float).eps * 10
        optimum = np.linalg.lstsq(A, b, rcond=None)[0]
        residual = A @ optimum - b
        exact_fit = n < d and full_rank  # overparameterised: Aθ = b is solvable, F* = 0
        constants = {
            "smoothness": top,
            "strong_convexity": float(eig[0]) if n >= d and full_rank else 0.0,
            "local_smoothness": max(float(gram_eigenvalues(A[s])[-1]) for s in self._slices),
            "optimum": optimum,
            "optimal_value": 0.0 if exact_fit else 0.5 * float(residual @ residual),
        }
        for key, value in constants.items():
            object.__setattr__(self, key, value)

    def initial(self) -> Stack:
        """Return θ⁰ = 0 for every agent."""
        return np.zeros((self.n_agents, self.dim))

    def losses(self, values: Stack) -> Vector:
        """Return f_k(θ_k) = ½‖A_k θ_k − b_k‖² for every agent k."""
        out = np.empty(self.n_agents)
        for k, rows in enumerate(self._slices):
            r = self.A[rows] @ values[k] - self.b[rows]
            out[k] = 0.5 * (r @ r)
        return out

    def gradients(self, values: Stack, samples: list[NDArray[np.int64]] | None = None) -> Stack:
        """Return A_kᵀ(A_k θ_k − b_k), or its unbiased estimate (N_k/|S_k|) Σ_{s∈S_k} a_s r_s."""
        batches = None if samples is None else check_samples(self.name, samples, self.counts)
        out = np.empty((self.n_agents, self.dim))
        for k, rows in enumerate(self._slices):
            A_k, b_k = self.A[rows], self.b[rows]
            if batches is not None:
                A_k, b_k = A_k[batches[k]], b_k[batches[k]]
            scale = 1.0 if batches is None else self.counts[k] / len(batches[k])
            out[k] = scale * (A_k.T @ (A_k @ values[k] - b_k))
        return out

    def objective(self, x: Vector) -> float:
        """Return F(x) = ½‖Ax − b‖²."""
        r = self.A @ x - self.b
        return 0.5 * float(r @ r)

    def error(self, values: Stack) -> float:
        """Return the mean over agents of the training MSE (1/N)‖Aθ_k − b‖², or F(x̄) − F*."""
        if self.error_at == "average":
            return self.objective(values.mean(axis=0)) - self.optimal_value
        residuals = self.A @ values.T - self.b[:, None]
        return float(np.einsum("nk,nk->", residuals, residuals)) / residuals.size


@PROBLEMS.register("least-squares", rows="samples")
def least_squares(
    n_agents: int,
    dim: int,
    seed: int = 0,
    samples: int = 10,
    noise: float = 0.0,
    split: str = "iid",
    error_at: str = "agents",
) -> LeastSquares:
    """Synthetic least squares ½Σ_k‖A_kθ − b_k‖² (Song et al. eq. 4), A rows ~ N(0, I/D).

    Agent k draws its ``samples`` rows of A from its own ``"data"`` stream, b_k = A_k θ_true
    plus N(0, noise²) noise; θ_true ~ N(0, I) is shared. Overparameterised when K·samples < D.

    Parameters
    ----------
    n_agents, dim : int
        K agents; D, the number of features (unknowns).
    seed : int
        Seeds A, θ_true and the noise.
    samples : int
        N_k, rows per agent (N = K·samples in all).
    noise : float
        Standard deviation of the noise added to b (>= 0).
    split : {"iid", "sorted"}
        ``iid``: every agent keeps the rows it drew; ``sorted``: all rows are pooled, sorted by
        b and dealt out in contiguous chunks.
    error_at : {"agents", "average"}
        The error: the agents' mean training MSE, or F(x̄) − F* at their mean x̄.

    Examples
    --------
    >>> p = least_squares(n_agents=2, dim=3, samples=5, noise=0.1)
    >>> p.bound_kind, p.optimal_value > 0, p.strong_convexity > 0
    ('pl', True, True)
    """
    check_positive_int("least-squares", "n_agents", n_agents)
    check_positive_int("least-squares", "dim", dim)
    check_positive_int("least-squares", "samples", samples)
    check_positive("least-squares", "noise", noise, allow_zero=True)
    check_choice("least-squares", "split", split, SPLITS)
    check_choice("least-squares", "error_at", error_at, ERROR_AT)
    theta_true = shared_stream(seed, 0).standard_normal(dim)
    rows, targets = [], []
    for k in range(n_agents):
        rng = stream(seed, "data", k)
        A_k = rng.standard_normal((samples, dim)) / np.sqrt(dim)
        rows.append(A_k)
        targets.append(A_k @ theta_true + noise * rng.standard_normal(samples))
    A, b = np.vstack(rows), np.concatenate(targets)
    if split == "sorted":
        A, b = sort_by_target(A, b)
    return LeastSquares(A, b, (samples,) * n_agents, error_at=error_at)
