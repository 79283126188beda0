"""What a problem gives an algorithm: the agents' data, starting values and error measure.

Two kinds of problem share one registry:

* :class:`Problem`, all a gossip algorithm needs: starting vectors and an error measure
  (``consensus``);
* :class:`OptimisationProblem`, which adds each agent's local objective f_k and its gradient,
  batched over the agents, the global optimum where it is known, the constants step sizes are
  derived from, and the parameter layout (:class:`Block`) that Song et al.'s compression F/F̃
  acts on. The global objective is the *sum* F(x) = Σ_k f_k(x), as in both seed papers.

``n_agents`` counts the agents that hold data: on a star run by a coordinator algorithm the
hub holds none, so the problem is built for K − 1 agents.

Examples
--------
>>> p = gs.problems.create("consensus", n_agents=4, dim=3, seed=0)
>>> p.initial().shape
(4, 3)
>>> is_optimisation(p)
False
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, Protocol, runtime_checkable

import numpy as np
from numpy.typing import NDArray

from gossip_sim._registry import Registry
from gossip_sim._typing import Stack, Vector

__all__ = [
    "PROBLEMS",
    "Block",
    "BoundKind",
    "OptimisationProblem",
    "Problem",
    "consensus_error",
    "create",
    "is_optimisation",
]

#: The problems by name. Fact each registration may state: ``optimisation`` -- the agents
#: minimise a sum of local objectives with gradients (False: they average vectors);
#: ``rows`` -- the parameter giving each agent's data rows of length D (None: no such data),
#: for :mod:`gossip_sim.sizing`.
PROBLEMS: Registry[Any] = Registry(
    "problem", facts={"optimisation": True, "rows": None}, supplied=("dim", "seed")
)

#: Which family of the seed papers' lower bounds a problem belongs to (see ``gossip_sim.bounds``).
BoundKind = Literal["consensus", "quadratic", "pl", "overparameterized"]


class Problem(Protocol):
    """An objective split over ``n_agents`` agents in dimension ``dim``."""

    name: str
    n_agents: int
    dim: int
    error_name: str

    def initial(self) -> Stack:
        """Return the agents' starting values, shape ``(n_agents, dim)``."""
        ...

    def error(self, values: Stack) -> float:
        """Return the error measure of the agents' values (what ``target`` refers to)."""
        ...


@dataclass(frozen=True)
class Block:
    """A slice of the parameter vector: a ``rows × cols`` matrix stored row-major.

    ``role`` says what Song et al.'s F does to the block's gradient (their eq. 7):
    ``"frozen"`` (not trained, not sent: F = 0), ``"wide"`` (compressed as B̃ G with a Gaussian
    B̃ ∈ R^{H×rows}, so H·cols numbers travel) or ``"plain"`` (sent as is).

    Examples
    --------
    >>> Block("theta", rows=100, cols=1, role="wide", start=0).size
    100
    """

    name: str
    rows: int
    cols: int
    role: Literal["frozen", "wide", "plain"]
    start: int = 0

    @property
    def size(self) -> int:
        """The number of parameters in the block."""
        return self.rows * self.cols

    @property
    def stop(self) -> int:
        """One past the block's last index in the parameter vector."""
        return self.start + self.size


@runtime_checkable
class OptimisationProblem(Protocol):
    """F(x) = Σ_k f_k(x), with f_k held by agent k; everything batched over the agents.

    Attributes
    ----------
    optimum, optimal_value
        x* and F* = F(x*) where known (F* = 0 for the overparameterised problems; None when
        not known in closed form and not computed).
    smoothness, strong_convexity
        L and μ of F (μ = 0 when F is not strongly convex); step sizes are derived from them.
    local_smoothness
        max_k L_k, the largest smoothness constant of a local f_k.
    samples_per_agent
        N_k for problems made of samples (stochastic gradients possible), else None.
    blocks
        The parameter layout, covering ``range(dim)`` in order.
    features
        The N × D feature matrix A of a linear least-squares model (rows ordered by agent), else
        None; Song et al.'s step size uses Z = A BᵀB Aᵀ.
    bound_kind
        Which lower-bound family applies (see :mod:`gossip_sim.bounds`).
    """

    name: str
    n_agents: int
    dim: int
    error_name: str
    optimum: Vector | None
    optimal_value: float | None
    smoothness: float
    strong_convexity: float
    local_smoothness: float
    samples_per_agent: tuple[int, ...] | None
    blocks: tuple[Block, ...]
    features: Stack | None
    bound_kind: BoundKind

    def initial(self) -> Stack:
        """Return the starting values: every agent at the same θ⁰, shape ``(n_agents, dim)``."""
        ...

    def losses(self, values: Stack) -> Vector:
        """Return f_k(values[k]) for every agent k, shape ``(n_agents,)``."""
        ...

    def gradients(
        self, values: Stack, samples: list[NDArray[np.int64]] | None = None
    ) -> Stack:
        """Return ∇f_k(values[k]) for every agent k, shape ``(n_agents, dim)``.

        With ``samples`` (one index array per agent into its local samples), return the
        unbiased mini-batch estimate (N_k / |S_k|) Σ_{s ∈ S_k} ∇ℓ_s.
        """
        ...

    def objective(self, x: Vector) -> float:
        """Return F(x) = Σ_k f_k(x) at one point."""
        ...

    def error(self, values: Stack) -> float:
        """Return the mean over agents of the error measure at each agent's own values."""
        ...


def is_optimisation(problem: Any) -> bool:
    """Return whether ``problem`` has local objectives and gradients (not just vectors to average).

    Examples
    --------
    >>> is_optimisation(gs.problems.create("consensus", n_agents=2, dim=2))
    False
    """
    return isinstance(problem, OptimisationProblem)


def consensus_error(values: Stack) -> float:
    """Return (1/K) Σ_i ‖x_i − x̄‖², how far the agents are from agreeing.

    Examples
    --------
    >>> gs.problems.consensus_error(np.array([[0.0, 0.0], [2.0, 0.0]]))
    1.0
    """
    deviation = values - values.mean(axis=0, keepdims=True)
    # einsum, not deviation.ravel() @ deviation.ravel(): BLAS's dot is threaded (9-22 ms a call
    # with default threads against 0.035 ms) and its sum order, so its last bits, follow the
    # thread count; einsum's single pass gives the same bits with any number of BLAS threads.
    return float(np.einsum("kd,kd->", deviation, deviation)) / values.shape[0]


def create(spec: Any, *, n_agents: int, dim: int, seed: int = 0) -> Problem:
    """Return the problem named by ``spec`` (``"quadratic:kappa=10"``), or ``spec`` if it is one."""
    if not isinstance(spec, str):
        return spec
    return PROBLEMS.create(spec, n_agents=n_agents, dim=dim, seed=seed)
