"""Exact decentralized methods: a constant step and still the optimum (no DGD floor).

DGD, x ← Wx − η∇f(x), stops at a distance O(η) from x* when the local objectives f_k differ:
at its fixed point Σ_k ∇f_k(x_k) = 0 but each ∇f_k(x_k) ≠ 0, so the agents disagree. The
methods here correct that, each sending full float64 vectors (64 bits per entry, as DGD):

* **DIGing** (gradient tracking; Nedić, Olshevsky & Shi 2017, eqs. (3)–(4)): y tracks the
  average gradient, and each agent steps along y instead of its own gradient::

      x^{t+1} = W x^t − η y^t
      y^{t+1} = W y^t + ∇f(x^{t+1}) − ∇f(x^t),      y^0 = ∇f(x^0)

  Both x and y are mixed, so each agent sends both: one message per link and round carrying
  x_k and y_k together, 2·D float64 (128·D bits).
* **EXTRA** (Shi, Ling, Wu & Yin 2015, Algorithm 1), with W̃ = (I + W)/2 (their
  recommended choice)::

      x^1     = W x^0 − η ∇f(x^0)
      x^{t+2} = (I + W) x^{t+1} − W̃ x^t − η [∇f(x^{t+1}) − ∇f(x^t)]

  One vector per link and round (x^{t+1}); W̃ x^t = (x^t + W x^t)/2 reuses the mix of the
  round before.
* **NIDS** (Li, Shi & Yan 2019, eq. (9)). The paper mixes with W̃ = I − c·η(I − W) for a
  free constant c; we take c·η = 1/2, i.e. W̃ = (I + W)/2, within its condition
  c·η ≤ 1/(1 − λ_min(W)) for every W the engine accepts (eigenvalues > −1)::

      x^1     = x^0 − η ∇f(x^0)
      x^{t+2} = W̃ (2x^{t+1} − x^t − η∇f(x^{t+1}) + η∇f(x^t))

  Each agent sends z^t = 2x^{t+1} − x^t − η∇f(x^{t+1}) + η∇f(x^t), one vector. The first
  step needs no message, so it is taken at the start of round 0: round t ends with x^{t+2}, and
  round 0 evaluates two gradients. Exact diffusion (Yuan, Ying, Zhao & Sayed 2019) with
  Ā = (I + W)/2 has this same update (only its first step differs): it is not a separate entry.

Step sizes, with L = max_k L_k (the problem's ``local_smoothness``) and λ_min the smallest
eigenvalue of W (1 − ‖I − W‖₂ for a symmetric W):

* EXTRA converges for η < 2λ_min(W̃)/L = (1 + λ_min(W))/L (Shi et al., Section 3, the bound
  of their convergence theorems); ``"auto"`` is half of it, (1 + λ_min(W))/(2L), the same
  number as DGD's ``"auto"``.
* NIDS converges for η < 2/L whatever the network (Li et al., with W̃ = (I + W)/2);
  ``"auto"`` is 1/L.
* DIGing's theorems give bounds too small to use (Nedić et al. 2017, Section 3). When
  every f_k = (L/2)‖x − c_k‖², the iteration splits along the eigenvectors of W into 2 × 2 systems
  [[λ, −η], [L(λ − 1), λ − ηL]], stable exactly when ηL < (1 + λ)²/2 for every eigenvalue λ
  (Jury's test); ``"auto"`` is half of that, η = (1 + λ_min(W))²/(4L). Not a theorem for
  other f_k (heterogeneous curvatures often allow more), and no step is refused: a step too
  large diverges, and the engine stops the run as it does for DGD. EXTRA and NIDS refuse a
  step at or past their bound (one line naming it).

Examples
--------
>>> g = gs.topology.build("ring", 4)
>>> W = gs.mixing.mixing_matrix("metropolis-hastings", g)
>>> p = gs.problems.create("quadratic", n_agents=4, dim=3)
>>> gs.algorithms.create("diging", g, W, p).step(0).exchanges[0].nbits[:2].tolist()
[384, 384]
>>> gs.algorithms.create("extra", g, W, p).step(0).exchanges[0].nbits[:2].tolist()
[192, 192]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import numpy as np
import scipy.sparse as sp

from gossip_sim._typing import Stack
from gossip_sim.algorithms.base import (
    ALGORITHMS,
    Exchange,
    Links,
    RoundResult,
    require_optimisation,
    resolve_step,
)
from gossip_sim.algorithms.exact_agents import DIGingAgents, ExtraAgents, NidsAgents
from gossip_sim.compress import Identity
from gossip_sim.errors import ConfigError
from gossip_sim.mixing import beta as mixing_beta
from gossip_sim.problems.base import OptimisationProblem

__all__ = ["DIGing", "Extra", "Nids", "check_step"]


def check_step(eta: float, bound: float, who: str, rule: str) -> float:
    """Return ``eta`` if it is below the method's stability bound; otherwise refuse.

    Examples
    --------
    >>> check_step(0.5, 1.0, "nids", "2/L")
    0.5
    >>> check_step(1.0, 1.0, "nids", "2/L")
    Traceback (most recent call last):
    ...
    gossip_sim.errors.ConfigError: nids: step=1 is not below the bound 2/L = 1 ...
    """
    if not eta < bound:
        raise ConfigError(
            f"{who}: step={eta:g} is not below the bound {rule} = {bound:.6g} under which it "
            f"provably converges; give step < {bound:.6g} or 'auto'"
        )
    return eta


def _lambda_min(W: sp.csr_array) -> float:
    """λ_min(W) of a symmetric W: 1 − ‖I − W‖₂ (the largest |1 − λ| is at the smallest λ)."""
    return 1.0 - mixing_beta(W)


def _full(codec: Identity, values: Stack) -> tuple[Stack, Any]:
    """Encode ``values`` row by row in float64 and return what the receivers decode, and bits."""
    batch, _ = codec.encode(values, None, None)
    received, _ = codec.decode(batch, None)
    return received, batch.nbits


@dataclass
class _Exact:
    """What the three methods share: the network, the problem, one step size, float64 codec."""

    graph: nx.Graph
    W: sp.csr_array
    problem: OptimisationProblem
    step_size: float | str = "auto"
    name: str = field(default="", init=False)

    def __post_init__(self) -> None:
        require_optimisation(self.problem, self.name)
        self.links = Links.of(self.graph)
        self.smoothness = float(self.problem.local_smoothness)
        self.eta = resolve_step(self.step_size, self.auto_step(), self.name)
        self.check_bound()
        self.x = self.problem.initial()
        self.codec = Identity(64)
        self.start()

    def auto_step(self) -> float:
        """Return the step ``"auto"`` names."""
        raise NotImplementedError

    def check_bound(self) -> None:
        """Refuse a step past the method's proven bound (none by default)."""

    def start(self) -> None:
        """Set the state before round 0."""

    @property
    def values0(self) -> Stack:
        """The agents' starting values."""
        return self.x

    def describe(self) -> dict[str, Any]:
        """Return the resolved parameters."""
        return {"algorithm": self.name, "compressor": "identity:precision=64", "step": self.eta}


@dataclass
class DIGing(_Exact):
    """DIGing / gradient tracking (Nedić, Olshevsky & Shi 2017), x and y in one float64 message.

    Examples
    --------
    >>> g = gs.topology.build("ring", 5)
    >>> W = gs.mixing.mixing_matrix("metropolis-hastings", g)
    >>> p = gs.problems.create("quadratic:kappa=10", n_agents=5, dim=3)
    >>> alg = DIGing(g, W, p)
    >>> for t in range(1000):
    ...     r = alg.step(t)
    >>> p.error(r.values) < 1e-12
    True
    """

    name: str = field(default="diging", init=False)

    def auto_step(self) -> float:
        """(1 + λ_min(W))²/(4L): half the bound of the case every f_k = (L/2)‖x‖² (see above)."""
        return (1.0 + _lambda_min(self.W)) ** 2 / (4.0 * self.smoothness)

    def start(self) -> None:
        """y^0 = ∇f(x^0)."""
        self.gradient = self.problem.gradients(self.x)
        self.y = self.gradient.copy()

    def step(self, t: int) -> RoundResult:
        """Send (x_k, y_k); x ← Wx − ηy; y ← Wy + ∇f(x_new) − ∇f(x_old)."""
        d = self.x.shape[1]
        received, nbits = _full(self.codec, np.hstack([self.x, self.y]))
        mixed = self.W @ received
        self.x = mixed[:, :d] - self.eta * self.y
        gradient = self.problem.gradients(self.x)
        self.y = mixed[:, d:] + (gradient - self.gradient)
        self.gradient = gradient
        return RoundResult([Exchange.broadcast(self.links, nbits)], self.x)

    def agents(self) -> DIGingAgents:
        """Return DIGing per agent, from this algorithm's start (see :mod:`.exact_agents`)."""
        return DIGingAgents(self.name, self.W, self.x.copy(), self.problem, self.eta)


@dataclass
class Extra(_Exact):
    """EXTRA (Shi, Ling, Wu & Yin 2015) with W̃ = (I + W)/2, one float64 vector per message.

    Examples
    --------
    >>> g = gs.topology.build("ring", 5)
    >>> W = gs.mixing.mixing_matrix("metropolis-hastings", g)
    >>> p = gs.problems.create("quadratic:kappa=10", n_agents=5, dim=3)
    >>> alg = Extra(g, W, p)
    >>> for t in range(400):
    ...     r = alg.step(t)
    >>> p.error(r.values) < 1e-12
    True
    """

    name: str = field(default="extra", init=False)

    def auto_step(self) -> float:
        """λ_min(W̃)/L = (1 + λ_min(W))/(2L): half of Shi et al.'s bound."""
        return (1.0 + _lambda_min(self.W)) / (2.0 * self.smoothness)

    def check_bound(self) -> None:
        """η < 2λ_min(W̃)/L = (1 + λ_min(W))/L (Shi et al. 2015, Section 3)."""
        bound = (1.0 + _lambda_min(self.W)) / self.smoothness
        check_step(self.eta, bound, self.name, "2 lambda_min((I+W)/2)/L")

    def start(self) -> None:
        """No round before round 0: the first round is EXTRA's x^1 = Wx^0 − η∇f(x^0)."""
        self.previous: tuple[Stack, Stack, Stack] | None = None  # x^t, W x^t, ∇f(x^t)

    def step(self, t: int) -> RoundResult:
        """Send x; x^{t+2} = x^{t+1} + Wx^{t+1} − (x^t + Wx^t)/2 − η(∇f(x^{t+1}) − ∇f(x^t))."""
        received, nbits = _full(self.codec, self.x)
        mixed = self.W @ received
        gradient = self.problem.gradients(self.x)
        if self.previous is None:
            new = mixed - self.eta * gradient
        else:
            x_old, mixed_old, gradient_old = self.previous
            new = (self.x + mixed) - 0.5 * (x_old + mixed_old)
            new -= self.eta * (gradient - gradient_old)
        self.previous = (self.x, mixed, gradient)
        self.x = new
        return RoundResult([Exchange.broadcast(self.links, nbits)], self.x)

    def agents(self) -> ExtraAgents:
        """Return EXTRA per agent, from this algorithm's start (see :mod:`.exact_agents`)."""
        return ExtraAgents(self.name, self.W, self.x.copy(), self.problem, self.eta)


@dataclass
class Nids(_Exact):
    """NIDS (Li, Shi & Yan 2019, eq. (9)) with W̃ = (I + W)/2, one float64 vector per message.

    Examples
    --------
    >>> g = gs.topology.build("ring", 5)
    >>> W = gs.mixing.mixing_matrix("metropolis-hastings", g)
    >>> p = gs.problems.create("quadratic:kappa=10", n_agents=5, dim=3)
    >>> alg = Nids(g, W, p)
    >>> for t in range(400):
    ...     r = alg.step(t)
    >>> p.error(r.values) < 1e-12
    True
    """

    name: str = field(default="nids", init=False)

    def auto_step(self) -> float:
        """1/L: half of the network-independent bound 2/L."""
        return 1.0 / self.smoothness

    def check_bound(self) -> None:
        """η < 2/L (Li et al. 2019, with W̃ = (I + W)/2)."""
        check_step(self.eta, 2.0 / self.smoothness, self.name, "2/L")

    def start(self) -> None:
        """Nothing before round 0: round 0 takes NIDS's first step x^1 = x^0 − η∇f(x^0)."""
        self.previous: tuple[Stack, Stack] | None = None  # x^t, ∇f(x^t)

    def step(self, t: int) -> RoundResult:
        """Send z = 2x^{t+1} − x^t − η(∇f(x^{t+1}) − ∇f(x^t)); x^{t+2} = (z + Wz)/2."""
        gradient = self.problem.gradients(self.x)
        if self.previous is None:
            self.previous = (self.x, gradient)
            self.x = self.x - self.eta * gradient
            gradient = self.problem.gradients(self.x)
        x_old, gradient_old = self.previous
        z = (2.0 * self.x - x_old) - self.eta * (gradient - gradient_old)
        received, nbits = _full(self.codec, z)
        self.previous = (self.x, gradient)
        self.x = 0.5 * (received + self.W @ received)
        return RoundResult([Exchange.broadcast(self.links, nbits)], self.x)

    def agents(self) -> NidsAgents:
        """Return NIDS per agent, from this algorithm's start (see :mod:`.exact_agents`)."""
        return NidsAgents(self.name, self.W, self.x.copy(), self.problem, self.eta)


@ALGORITHMS.register("diging", per_agent=True, sends="identity:precision=64", state_vectors=10)
def diging(graph: nx.Graph, W: sp.csr_array, problem: Any, step: float | str = "auto") -> DIGing:
    """DIGing gradient tracking (Nedic, Olshevsky & Shi 2017): x and y in float64 messages.

    Examples
    --------
    >>> g = gs.topology.build("ring", 5)
    >>> p = gs.problems.create("quadratic", n_agents=5, dim=2)  # L = 2
    >>> round(diging(g, gs.mixing.mixing_matrix("uniform", g), p).eta, 4)  # (1 + λ_min)²/(4L)
    0.0788
    """
    return DIGing(graph, W, problem, step)


@ALGORITHMS.register("extra", per_agent=True, sends="identity:precision=64", state_vectors=8)
def extra(graph: nx.Graph, W: sp.csr_array, problem: Any, step: float | str = "auto") -> Extra:
    """EXTRA (Shi, Ling, Wu & Yin 2015), W~ = (I+W)/2, full float64 messages.

    Examples
    --------
    >>> g = gs.topology.build("ring", 5)
    >>> p = gs.problems.create("quadratic", n_agents=5, dim=2)  # L = 2
    >>> round(extra(g, gs.mixing.mixing_matrix("uniform", g), p).eta, 4)  # (1 + λ_min)/(2L)
    0.1985
    """
    return Extra(graph, W, problem, step)


@ALGORITHMS.register("nids", per_agent=True, sends="identity:precision=64", state_vectors=8)
def nids(graph: nx.Graph, W: sp.csr_array, problem: Any, step: float | str = "auto") -> Nids:
    """NIDS (Li, Shi & Yan 2019), W~ = (I+W)/2, network-independent step < 2/L, float64.

    Examples
    --------
    >>> g = gs.topology.build("ring", 5)
    >>> p = gs.problems.create("quadratic", n_agents=5, dim=2)  # L = 2
    >>> round(nids(g, gs.mixing.mixing_matrix("uniform", g), p).eta, 4)  # 1/L
    0.5
    """
    return Nids(graph, W, problem, step)
