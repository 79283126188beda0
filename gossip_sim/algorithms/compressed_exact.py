"""Exact decentralized methods with compressed messages: BEER and LEAD.

DGD and CHOCO-SGD with a constant step stop at a floor of size O(η) set by how different the
agents' f_k are. The methods here reach x* itself, linearly on strongly convex problems, while
every message is a compressed payload (real bytes, exact bits).

* **BEER** (Zhao, Li, Li, Richtárik & Chi 2022, Algorithm 1): gradient tracking whose two
  exchanges, the iterate x and the gradient tracker v, each go through a compressed
  error-feedback channel (public copies H of x and G of v)::

      x^{t+1} = x^t + γ (W − I) H^t − η v^t
      H^{t+1} = H^t + C(x^{t+1} − H^t)
      v^{t+1} = v^t + γ (W − I) G^t + ∇F(x^{t+1}) − ∇F(x^t)
      G^{t+1} = G^t + C(v^{t+1} − G^t)

  with v⁰ = ∇F(x⁰). Each channel is a :class:`~gossip_sim.algorithms.gossip.ChocoChannel`:
  its ``round(y)`` encodes y − x̂, sets x̂ ← x̂ + C(y − x̂) and returns y + γ (W − I) x̂. So our
  round t is: H ← H + C(x^t − H) and G ← G + C(v^t − G) (the two channels), then
  x^{t+1} = x^t + γ (W − I) H − η v^t and v^{t+1} = v^t + γ (W − I) G + ∇F(x^{t+1}) − ∇F(x^t).
  This is the box with its H^t, G^t shifted by one compression: where the paper starts from
  H⁰ = G⁰ = 0 (its first mixing uses nothing received), our H⁰ = C(x⁰) and G⁰ = C(v⁰) travel
  in round 0. The mean of v equals the mean of ∇F(x) after every round either way ((W − I) keeps
  means), and from round 1 on the recursions are the box's.
* **LEAD** (Liu, Li, Wang, Tang & Yan 2021, Algorithm 1, with its procedure COMM)::

      Y^k = X^k − η ∇F(X^k) − η D^k
      Q = C(Y^k − H^k);  Ŷ = H^k + Q;  Ŷ_w = H_w^k + W Q          (COMM)
      H^{k+1} = (1 − α) H^k + α Ŷ;  H_w^{k+1} = (1 − α) H_w^k + α Ŷ_w
      D^{k+1} = D^k + γ/(2η) (Ŷ − Ŷ_w)
      X^{k+1} = X^k − η ∇F(X^k) − η D^{k+1}

  with X¹ = X⁰ − η ∇F(X⁰), H¹ = 0, H_w¹ = W H¹ = 0 and D¹ = 0 (the box allows any
  D¹ = (I − W) Z; we take Z = 0). Our round t is the box's iteration k = t + 1; the step
  X⁰ → X¹ is taken before round 0 and sends nothing (``values0`` is X¹).

Messages: one per directed link and round. BEER's carries both payloads (x's, then v's): its bits
are the two payloads' bits added. LEAD's carries Q.

Step sizes (``"auto"``):

* BEER: the paper's Theorem 3.1 gives γ and η only up to unspecified constants, so "auto" is
  a documented empirical choice of the theorem's form (η ∝ γ / L): γ = min(1, 2ω), ω the
  compressor's contraction constant (CHOCO's γ = ω was much slower with top-k: 7.6e-3 after
  4000 rounds where 2ω reached 1e-8 in 3332), and η = γ / (4L), L the largest local
  smoothness. It reached 1e-8 suboptimality on rings of K = 4 and 16 and a 4 × 4 torus with
  identity, top-k 10 % and scaled QSGD, on logistic regression with sorted labels
  (docs/background/compressed-exact-methods.md). Top-1 % needs a hand-set γ; pass ``step=``
  and ``gamma=`` to tune.
* LEAD: the compressor must be unbiased with E‖C(x) − x‖² ≤ c‖x‖², as the paper assumes
  (:func:`lead_variance` gives c: QSGD with ``scaled=false``, random-k with ``unbiased=true``,
  identity). "auto" is η = 1 / (2L), α = 1 / (2(1 + c)) and γ = 1 / (1 + c): α(1 + c) ≤ 1/2
  keeps the shift H's error Y − H contracting in expectation, and γ = 1 without compression is
  NIDS mixing with (I + W)/2. A conservative choice, not the theorem's largest constants (which
  we did not reproduce); pass ``alpha=``, ``gamma=`` and ``step=`` to change them.

Examples
--------
>>> g = gs.topology.build("ring", 4)
>>> W = gs.mixing.mixing_matrix("metropolis-hastings", g)
>>> p = gs.problems.create("quadratic", n_agents=4, dim=3)
>>> alg = gs.algorithms.create("beer", g, W, p, compressor="identity", gamma=0.5)
>>> alg.step(0).exchanges[0].nbits[:2].tolist()  # x and v, 3 float64 each
[384, 384]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import numpy as np
import scipy.sparse as sp

from gossip_sim._random import stream
from gossip_sim._typing import Stack
from gossip_sim.algorithms.base import (
    ALGORITHMS,
    Exchange,
    Links,
    RoundResult,
    require_optimisation,
    resolve_step,
)
from gossip_sim.algorithms.compressed_agents import BeerAgents, LeadAgents
from gossip_sim.algorithms.gossip import ChocoChannel, compress_streams
from gossip_sim.compress import Compressor, Identity
from gossip_sim.compress import create as create_compressor
from gossip_sim.compress.qsgd import Qsgd, qsgd_tau
from gossip_sim.compress.registry import is_stateless
from gossip_sim.compress.sparse import RandK, entries_kept
from gossip_sim.errors import ConfigError
from gossip_sim.problems.base import OptimisationProblem

__all__ = ["BEER", "LEAD", "lead_variance"]


def lead_variance(compressor: Compressor, dim: int) -> float | None:
    """Return c with E C(x) = x and E‖C(x) − x‖² ≤ c‖x‖², or None if C is not unbiased.

    QSGD unscaled: c = τ − 1 = min(D/s², √D/s); random-k unbiased: c = D/k − 1; identity: 0.

    Examples
    --------
    >>> lead_variance(gs.compress.create("qsgd:s=16"), 64)
    0.25
    >>> lead_variance(gs.compress.create("topk:k=0.1"), 64) is None
    True
    """
    if isinstance(compressor, Identity):
        return 0.0
    if isinstance(compressor, Qsgd) and not compressor.scaled:
        return qsgd_tau(dim, compressor.s) - 1.0
    if isinstance(compressor, RandK) and compressor.unbiased:
        return dim / entries_kept(compressor.k, dim, "randk") - 1.0
    return None


def _fraction(name: str, value: float | str, auto: float, who: str) -> float:
    """Return what ``value`` names: "auto" → ``auto``, or a number in (0, 1] (gamma, alpha)."""
    if value == "auto":
        return auto
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= 1:
        raise ConfigError(f"{who}: {name}={value!r} is not valid; give 0 < {name} <= 1 or 'auto'")
    return float(value)


@dataclass
class BEER:
    """BEER: gradient tracking with compressed error feedback on x and on the tracker v."""

    graph: nx.Graph
    W: sp.csr_array
    problem: OptimisationProblem
    compressor: Compressor
    step_size: float | str = "auto"
    gamma: float | str = "auto"
    seed: int = 0
    compressor_spec: str = ""
    name: str = field(default="beer", init=False)

    def __post_init__(self) -> None:
        require_optimisation(self.problem, self.name)
        self.compressor_spec = self.compressor_spec or repr(self.compressor)
        self.x = self.problem.initial()
        shape = self.x.shape
        omega = float(self.compressor.omega(shape[1]))
        gamma = _fraction("gamma", self.gamma, min(2.0 * omega, 1.0), self.name)
        self.x_channel, self.v_channel = (
            ChocoChannel.open(self.graph, self.W, self.compressor, gamma, shape, self.seed,
                              who=self.name, label=self.compressor_spec)
            for _ in range(2)
        )  # fmt: skip
        # x's channel has CHOCO's streams. v's must not replay them: agent i compresses v with
        # "compress" stream K + i and the shared seed of "shared" stream 1 (no other stream moves)
        k, v = shape[0], self.v_channel
        v.rngs = [stream(self.seed, "compress", k + i) for i in range(k)]
        v.shared_seed = int(stream(self.seed, "shared", 1).integers(2**63))
        v.state = self.compressor.init(shape, seed=v.shared_seed)
        self.omega, self.gamma_value = omega, gamma
        auto = gamma / (4.0 * self.problem.local_smoothness)
        self.eta = resolve_step(self.step_size, auto, self.name)
        self.gradient = self.problem.gradients(self.x)
        self.v = self.gradient.copy()

    @property
    def values0(self) -> Stack:
        """The agents' starting values."""
        return self.x

    def step(self, t: int) -> RoundResult:
        """One BEER round: both channels, then the x step and the tracker update."""
        mixed_x, sent_x = self.x_channel.round(self.x)
        mixed_v, sent_v = self.v_channel.round(self.v)
        self.x = mixed_x - self.eta * self.v
        gradient = self.problem.gradients(self.x)
        self.v = mixed_v + (gradient - self.gradient)
        self.gradient = gradient
        both = Exchange(sent_x.src, sent_x.dst, sent_x.nbits + sent_v.nbits)
        return RoundResult([both], self.x)

    def agents(self) -> BeerAgents:
        """Return BEER per agent, from this algorithm's start (see :mod:`.compressed_agents`)."""
        x, v = self.x_channel, self.v_channel
        return BeerAgents(
            self.name,
            self.W,
            self.x.copy(),
            self.compressor,
            self.gamma_value,
            (x.shared_seed, v.shared_seed),
            (x.rngs, v.rngs),
            self.problem,
            self.eta,
            stateless=is_stateless(self.compressor_spec),
        )

    def describe(self) -> dict[str, Any]:
        """Return the resolved parameters."""
        return {
            "algorithm": self.name,
            "compressor": self.compressor_spec,
            "step": self.eta,
            "gamma": self.gamma_value,
            "omega": self.omega,
        }


@dataclass
class LEAD:
    """LEAD: a primal-dual (NIDS-like) method whose one exchange is compressed with a shift H."""

    graph: nx.Graph
    W: sp.csr_array
    problem: OptimisationProblem
    compressor: Compressor
    step_size: float | str = "auto"
    gamma: float | str = "auto"
    alpha: float | str = "auto"
    seed: int = 0
    compressor_spec: str = ""
    name: str = field(default="lead", init=False)

    def __post_init__(self) -> None:
        require_optimisation(self.problem, self.name)
        self.compressor_spec = self.compressor_spec or repr(self.compressor)
        x0 = self.problem.initial()
        k, d = x0.shape
        variance = lead_variance(self.compressor, d)
        if variance is None:
            raise ConfigError(
                f"lead: compressor {self.compressor_spec!r} is not unbiased (LEAD assumes "
                "E C(x) = x); use qsgd:s=16 (scaled=false), randk:k=0.1,unbiased=true or identity"
            )
        self.variance = variance
        self.gamma_value = _fraction("gamma", self.gamma, 1.0 / (1.0 + variance), self.name)
        self.alpha_value = _fraction("alpha", self.alpha, 0.5 / (1.0 + variance), self.name)
        self.eta = resolve_step(self.step_size, 0.5 / self.problem.local_smoothness, self.name)
        self.links = Links.of(self.graph)
        self.shared_seed = int(stream(self.seed, "shared").integers(2**63))
        self.state = self.compressor.init((k, d), seed=self.shared_seed)
        self.rngs = compress_streams(self.seed, k)
        self.x = x0 - self.eta * self.problem.gradients(x0)  # X¹ (the box's line 2)
        self.h, self.h_w, self.d = np.zeros((k, d)), np.zeros((k, d)), np.zeros((k, d))

    @property
    def values0(self) -> Stack:
        """The agents' values before round 0 (the box's X¹)."""
        return self.x

    def step(self, t: int) -> RoundResult:
        """One LEAD iteration: Y, COMM (one compressed exchange), the dual and primal steps."""
        descent = self.x - self.eta * self.problem.gradients(self.x)
        y = descent - self.eta * self.d
        batch, _ = self.compressor.encode(y - self.h, self.state, self.rngs)
        q, self.state = self.compressor.decode(batch, self.state)
        y_hat, y_w = self.h + q, self.h_w + self.W @ q
        self.h = (1.0 - self.alpha_value) * self.h + self.alpha_value * y_hat
        self.h_w = (1.0 - self.alpha_value) * self.h_w + self.alpha_value * y_w
        self.d = self.d + self.gamma_value / (2.0 * self.eta) * (y_hat - y_w)
        self.x = descent - self.eta * self.d
        return RoundResult([Exchange.broadcast(self.links, batch.nbits)], self.x)

    def agents(self) -> LeadAgents:
        """Return LEAD per agent, from this algorithm's start (see :mod:`.compressed_agents`)."""
        return LeadAgents(
            self.name,
            self.W,
            self.x.copy(),
            self.compressor,
            self.gamma_value,
            self.alpha_value,
            self.shared_seed,
            self.rngs,
            self.problem,
            self.eta,
            stateless=is_stateless(self.compressor_spec),
        )

    def describe(self) -> dict[str, Any]:
        """Return the resolved parameters."""
        return {
            "algorithm": self.name,
            "compressor": self.compressor_spec,
            "step": self.eta,
            "gamma": self.gamma_value,
            "alpha": self.alpha_value,
            "variance": self.variance,
        }


@ALGORITHMS.register("beer", per_agent=True, state_vectors=10)
def beer(
    graph: nx.Graph,
    W: sp.csr_array,
    problem: Any,
    compressor: Any = "topk:k=0.1",
    step: float | str = "auto",
    gamma: float | str = "auto",
    seed: int = 0,
) -> BEER:
    """BEER (Zhao et al. 2022): gradient tracking, x and v sent through compressed channels."""
    spec = compressor if isinstance(compressor, str) else ""
    return BEER(graph, W, problem, create_compressor(compressor), step, gamma, seed, spec)


@ALGORITHMS.register("lead", per_agent=True, state_vectors=8)
def lead(
    graph: nx.Graph,
    W: sp.csr_array,
    problem: Any,
    compressor: Any = "qsgd:s=16",
    step: float | str = "auto",
    gamma: float | str = "auto",
    alpha: float | str = "auto",
    seed: int = 0,
) -> LEAD:
    """LEAD (Liu et al. 2021): primal-dual with one unbiased compressed exchange per round."""
    spec = compressor if isinstance(compressor, str) else ""
    return LEAD(graph, W, problem, create_compressor(compressor), step, gamma, alpha, seed, spec)
