"""Sums of quadratics: Korhonen & Alistarh's hard instance and its ill-conditioned relatives.

Agent k holds f_k(x) = β₀ (x − x_k)ᵀ H_k (x − x_k) with its centre x_k ~ U[0, 1]^d. With
``kappa = 1`` every H_k = I, which is exactly K&A's f_i(x) = β₀‖x − x_i‖². With ``kappa > 1``,
H_k = Q diag(λ ⊙ u_k) Qᵀ: Q a seeded random orthogonal matrix, λ log-spaced in [1/κ, 1] and u_k
positive per-agent weights with Σ_k u_k = K·1, so Σ_k H_k = K Q diag(λ) Qᵀ and F = Σ_k f_k has
condition number exactly κ while the f_k differ in shape as well as in centre.

Constants are the true ones: ∇(β₀‖x − y‖²) = 2β₀(x − y), so F is 2β₀K-smooth and
2β₀K-strongly convex (scaled by max λ = 1 and min λ = 1/κ). K&A call β₀‖x − y‖² "β₀-smooth";
the factor 2 is ours, on purpose.

Examples
--------
>>> p = Quadratic(n_agents=3, dim=2, seed=0)
>>> p.smoothness, p.strong_convexity
(6.0, 6.0)
>>> float(np.abs(p.gradients(np.tile(p.optimum, (3, 1))).sum(axis=0)).max()) < 1e-12
True
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from gossip_sim._random import stream
from gossip_sim._typing import Stack, Vector
from gossip_sim.errors import ConfigError
from gossip_sim.problems._common import (
    check_choice,
    check_positive,
    check_positive_int,
    shared_stream,
)
from gossip_sim.problems.base import PROBLEMS, Block, BoundKind

__all__ = ["Quadratic", "quadratic"]

_STARTS = ("zeros", "centre")


def random_orthogonal(dim: int, rng: np.random.Generator) -> NDArray[np.float64]:
    """Return a Haar-distributed orthogonal ``dim × dim`` matrix (QR of a Gaussian, signs fixed).

    Examples
    --------
    >>> from gossip_sim.problems.quadratic import random_orthogonal
    >>> Q = random_orthogonal(4, np.random.default_rng(0))
    >>> bool(np.allclose(Q.T @ Q, np.eye(4)))
    True
    """
    gaussian = rng.standard_normal((dim, dim))
    if dim > _LAPACK_QR_MAX:  # LAPACK's blocked QR: its bits follow the BLAS thread count
        return _householder_orthogonal(gaussian)
    q, r = np.linalg.qr(gaussian)
    return q * np.where(np.diag(r) < 0, -1.0, 1.0)


_LAPACK_QR_MAX = 128
"""Largest dim whose QR LAPACK computes unblocked, so with the same bits for any thread count."""


def _householder_orthogonal(a: NDArray[np.float64]) -> NDArray[np.float64]:
    """Return Q of a = QR with R's diagonal positive, by Householder reflections in NumPy.

    Every reduction is an ``einsum`` (never threaded BLAS), so Q has the same bits with any
    number of BLAS threads; it equals LAPACK's Q with the same sign fix up to rounding.
    """
    n = a.shape[0]
    a = a.copy()
    reflectors: list[NDArray[np.float64] | None] = []
    signs = np.empty(n)
    for j in range(n):
        x = a[j:, j]
        norm = float(np.sqrt(np.einsum("i,i->", x, x)))
        alpha = -norm if x[0] >= 0 else norm  # R's diagonal entry
        v = x.copy()
        v[0] -= alpha
        length = float(np.sqrt(np.einsum("i,i->", v, v)))
        if length > 0:
            v /= length
            a[j:, j:] -= 2.0 * np.multiply.outer(v, np.einsum("i,ij->j", v, a[j:, j:]))
        reflectors.append(v if length > 0 else None)
        signs[j] = -1.0 if alpha < 0 else 1.0
    q = np.eye(n)
    for j in range(n - 1, -1, -1):
        reflector = reflectors[j]
        if reflector is not None:
            w = np.einsum("i,ij->j", reflector, q[j:, j:])
            q[j:, j:] -= 2.0 * np.multiply.outer(reflector, w)
    return q * signs


@dataclass(frozen=True, eq=False)
class Quadratic:
    """F(x) = Σ_k β₀ (x − x_k)ᵀ H_k (x − x_k), the sum of the agents' quadratics.

    Attributes beyond :class:`~gossip_sim.problems.OptimisationProblem`: ``beta0``, ``kappa``,
    ``centres`` (the x_k, shape (K, d)), ``eigenvalues`` (λ), ``weights`` (the u_k, shape
    (K, d)), ``rotation`` (Q, None when κ = 1) and ``domain_diameter`` = √d, the W of K&A's
    domain [0, 1]^d.

    Examples
    --------
    >>> p = Quadratic(n_agents=4, dim=3, seed=1, kappa=10.0)
    >>> round(p.smoothness / p.strong_convexity, 9)
    10.0
    """

    n_agents: int
    dim: int
    seed: int = 0
    beta0: float = 1.0
    kappa: float = 1.0
    start: str = "zeros"
    name: str = field(default="quadratic", init=False)
    error_name: str = field(default="suboptimality F(x) - F*", init=False)
    bound_kind: BoundKind = field(default="quadratic", init=False)
    samples_per_agent: None = field(default=None, init=False)
    features: None = field(default=None, init=False)
    centres: Stack = field(init=False, repr=False)
    weights: Stack = field(init=False, repr=False)
    eigenvalues: Vector = field(init=False, repr=False)
    rotation: NDArray[np.float64] | None = field(init=False, repr=False)
    optimum: Vector = field(init=False, repr=False)
    optimal_value: float = field(init=False, repr=False)
    smoothness: float = field(init=False, repr=False)
    strong_convexity: float = field(init=False, repr=False)
    local_smoothness: float = field(init=False, repr=False)
    blocks: tuple[Block, ...] = field(init=False, repr=False)
    domain_diameter: float = field(init=False, repr=False)

    def __post_init__(self) -> None:
        check_positive_int("quadratic", "n_agents", self.n_agents)
        check_positive_int("quadratic", "dim", self.dim)
        check_positive("quadratic", "beta0", self.beta0)
        check_choice("quadratic", "start", self.start, _STARTS)
        if not isinstance(self.kappa, (int, float)) or not self.kappa >= 1 or self.kappa == np.inf:
            raise ConfigError(
                f"quadratic: kappa = {self.kappa!r} is not valid; give a condition number >= 1"
            )
        if self.kappa > 1 and self.dim < 2:
            raise ConfigError(
                f"quadratic: kappa = {self.kappa!r} needs dim >= 2 (one eigenvalue cannot have a "
                "condition number); give kappa = 1 or a larger dim"
            )
        centres, weights = self._draw_agents()
        lam, rotation = np.ones(self.dim), None
        if self.kappa > 1:
            lam = np.geomspace(1.0 / self.kappa, 1.0, self.dim)
            rotation = random_orthogonal(self.dim, shared_stream(self.seed, 0))
        z = centres if rotation is None else centres @ rotation  # centres in the eigenbasis
        z_star = (weights * z).sum(axis=0) / self.n_agents  # since Σ_k u_k = K·1
        scale = 2.0 * self.beta0
        derived = {
            "centres": centres,
            "weights": weights,
            "eigenvalues": lam,
            "rotation": rotation,
            "optimum": z_star if rotation is None else rotation @ z_star,
            "optimal_value": float(self.beta0 * np.sum(lam * weights * (z - z_star) ** 2)),
            "smoothness": scale * self.n_agents * float(lam.max()),
            "strong_convexity": scale * self.n_agents * float(lam.min()),
            "local_smoothness": scale * float((lam * weights).max()),
            "blocks": (Block("x", self.dim, 1, "wide"),),
            "domain_diameter": float(np.sqrt(self.dim)),
        }
        for key, value in derived.items():
            object.__setattr__(self, key, value)

    def _draw_agents(self) -> tuple[Stack, Stack]:
        """Draw every agent's centre x_k (then, if κ > 1, its weights u_k) from its own stream."""
        centres = np.empty((self.n_agents, self.dim))
        weights = np.ones((self.n_agents, self.dim))
        for k in range(self.n_agents):
            rng = stream(self.seed, "data", k)
            centres[k] = rng.random(self.dim)
            if self.kappa > 1:
                weights[k] = rng.uniform(0.5, 1.5, self.dim)
        weights *= self.n_agents / weights.sum(axis=0)
        return centres, weights

    def _eigen(self, values: Stack) -> Stack:
        """Return the rows of ``values`` in the eigenbasis of the H_k (rows @ Q)."""
        return values if self.rotation is None else values @ self.rotation

    def initial(self) -> Stack:
        """Return θ⁰ for every agent: 0 (``start="zeros"``) or the cube's centre 0.5·1."""
        return np.full((self.n_agents, self.dim), 0.0 if self.start == "zeros" else 0.5)

    def losses(self, values: Stack) -> Vector:
        """Return f_k(values[k]) for every agent k."""
        z = self._eigen(values - self.centres)
        return self.beta0 * np.einsum("kd,kd->k", self.eigenvalues * self.weights * z, z)

    def gradients(self, values: Stack, samples: list[NDArray[np.int64]] | None = None) -> Stack:
        """Return ∇f_k(values[k]) = 2β₀ H_k (values[k] − x_k); the quadratic has no samples."""
        if samples is not None:
            raise ConfigError(
                "quadratic: the quadratic has no samples to draw a mini-batch from; "
                "use full gradients (samples=None)"
            )
        g = 2.0 * self.beta0 * self.eigenvalues * self.weights * self._eigen(values - self.centres)
        return g if self.rotation is None else g @ self.rotation.T

    def objective(self, x: Vector) -> float:
        """Return F(x) = Σ_k f_k(x)."""
        return float(self.losses(np.broadcast_to(x, (self.n_agents, self.dim))).sum())

    def error(self, values: Stack) -> float:
        """Return the mean over agents of F(x_k) − F* = β₀ K Σ_i λ_i (Qᵀ(x_k − x*))_i²."""
        z = self._eigen(values - self.optimum)
        gaps = self.beta0 * self.n_agents * (self.eigenvalues * z * z).sum(axis=1)
        return float(gaps.mean())


@PROBLEMS.register("quadratic")
def quadratic(
    n_agents: int,
    dim: int,
    seed: int = 0,
    beta0: float = 1.0,
    kappa: float = 1.0,
    start: str = "zeros",
) -> Quadratic:
    """Sum of quadratics β₀(x − x_k)ᵀH_k(x − x_k), x_k ~ U[0,1]^d (K&A's hard instance if kappa=1).

    Parameters
    ----------
    n_agents, dim : int
        K agents, dimension d.
    seed : int
        Seeds the centres (agent k's ``"data"`` stream) and, for κ > 1, Q and the u_k.
    beta0 : float
        β₀ > 0; the true smoothness of F is 2β₀K (see the module notes).
    kappa : float
        Condition number of F, >= 1; 1 gives H_k = I.
    start : {"zeros", "centre"}
        θ⁰ = 0 or θ⁰ = 0.5·1 for every agent.

    Examples
    --------
    >>> p = gs.problems.create("quadratic:kappa=4,beta0=0.5", n_agents=2, dim=3)
    >>> p.error(np.tile(p.optimum, (2, 1))) < 1e-12
    True
    """
    return Quadratic(n_agents, dim, seed, beta0, kappa, start)
