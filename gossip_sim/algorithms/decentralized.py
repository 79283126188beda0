"""Decentralized optimisation: every agent holds f_k and talks only to its neighbours.

* **DGD** (decentralized gradient descent, Nedić & Ozdaglar 2009), each agent sending its full
  float64 iterate to every neighbour::

      x_k ← Σ_j w_kj x_j − η ∇f_k(x_k)

  With a constant step it converges to a neighbourhood of x* of size O(η), not to x* itself:
  a target below that floor is reported as "rounds exhausted", which is DGD's real behaviour.
* **CHOCO-SGD** (Koloskova, Stich & Jaggi 2019, Algorithm 2): a local (stochastic) gradient
  step, then one CHOCO-GOSSIP round on the result::

      x_k^{t+½} = x_k − η ∇f_k(x_k)         (mini-batch gradient with ``batch=``)
      q_k = Q(x_k^{t+½} − x̂_k);  x̂_j ← x̂_j + q_j
      x_k ← x_k^{t+½} + γ Σ_j w_kj (x̂_j − x̂_k)

Step sizes: ``step="auto"`` is η = (1 + λ_min(M)) / (2 max_k L_k), with M the matrix the agents
mix with (W for DGD, I − γ(I − W) for CHOCO-SGD): half the largest η for which
x ← Mx − η∇f(x) is stable (its eigenvalues must stay above −1). With a constant step both
converge to a neighbourhood of x* of size O(η), not to x* itself (heterogeneous f_k pull the
agents apart): a target below that floor ends as "rounds exhausted", DGD's and CHOCO-SGD's real
behaviour; give a smaller ``step`` and more rounds to go lower.

Examples
--------
>>> g = gs.topology.build("ring", 4)
>>> W = gs.mixing.mixing_matrix("metropolis-hastings", g)
>>> p = gs.problems.create("quadratic", n_agents=4, dim=3)
>>> alg = gs.algorithms.create("dgd", g, W, p)
>>> r = alg.step(0)
>>> r.exchanges[0].nbits[:2].tolist()  # 3 float64 per message
[192, 192]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from gossip_sim._random import stream
from gossip_sim._typing import Stack
from gossip_sim.algorithms.agents import ChocoAgents, LatestValueAgents
from gossip_sim.algorithms.base import (
    ALGORITHMS,
    Exchange,
    Links,
    RoundResult,
    require_optimisation,
    resolve_step,
)
from gossip_sim.algorithms.gossip import ChocoChannel
from gossip_sim.algorithms.tuning import trials_described, tune_gamma
from gossip_sim.compress import Compressor, Identity
from gossip_sim.compress import create as create_compressor
from gossip_sim.errors import ConfigError
from gossip_sim.mixing import beta as mixing_beta
from gossip_sim.problems.base import OptimisationProblem

__all__ = ["DGD", "ChocoSGD", "MiniBatch"]


@dataclass
class MiniBatch:
    """Draws each agent's mini-batch from its own stream ``stream(seed, "algorithm", k)``.

    ``size=None`` means full gradients (no sampling).

    Examples
    --------
    >>> mb = MiniBatch(size=2, samples_per_agent=(5, 5), seed=0)
    >>> [s.shape for s in mb.draw()]
    [(2,), (2,)]
    """

    size: int | None
    samples_per_agent: tuple[int, ...] | None
    seed: int = 0

    def __post_init__(self) -> None:
        if self.size is None:
            return
        if isinstance(self.size, bool) or not isinstance(self.size, int) or self.size < 1:
            raise ConfigError(f"batch={self.size!r} is not valid; give an integer >= 1")
        if self.samples_per_agent is None:
            from gossip_sim.problems import PROBLEMS

            sampled = PROBLEMS.choices_text(PROBLEMS.names_taking("samples"), " or ")
            raise ConfigError(
                f"batch={self.size}: this problem has no samples to draw (stochastic "
                f"gradients need {sampled}); drop batch= for full gradients"
            )
        smallest = min(self.samples_per_agent)
        if self.size > smallest:
            raise ConfigError(
                f"batch={self.size} exceeds the {smallest} samples of the smallest agent; "
                f"give batch <= {smallest}"
            )
        self.rngs = [stream(self.seed, "algorithm", k) for k in range(len(self.samples_per_agent))]

    def draw_for(self, agents: list[int]) -> list[NDArray[np.int64]] | None:
        """Draw the mini-batches of ``agents`` alone (the same draws :meth:`draw` makes).

        The other agents get a placeholder batch (their streams are not touched).

        Examples
        --------
        >>> mb = MiniBatch(size=2, samples_per_agent=(5, 5), seed=0)
        >>> mb.draw_for([1])[1].tolist() == MiniBatch(2, (5, 5), 0).draw()[1].tolist()
        True
        """
        if self.size is None:
            return None
        assert self.samples_per_agent is not None
        batches = [np.arange(self.size, dtype=np.int64) for _ in self.samples_per_agent]
        for k in agents:
            n = self.samples_per_agent[k]
            batches[k] = np.sort(self.rngs[k].choice(n, size=self.size, replace=False))
        return batches

    def draw(self) -> list[NDArray[np.int64]] | None:
        """Return one index array per agent (sorted, without replacement), or None."""
        if self.size is None:
            return None
        assert self.samples_per_agent is not None
        return [
            np.sort(rng.choice(n, size=self.size, replace=False))
            for rng, n in zip(self.rngs, self.samples_per_agent, strict=True)
        ]


@dataclass
class DGD:
    """Decentralized gradient descent with full float64 messages (the uncompressed baseline)."""

    graph: nx.Graph
    W: sp.csr_array
    problem: OptimisationProblem
    step_size: float | str = "auto"
    name: str = field(default="dgd", init=False)

    def __post_init__(self) -> None:
        require_optimisation(self.problem, self.name)
        self.links = Links.of(self.graph)
        auto = (2.0 - mixing_beta(self.W)) / (2.0 * self.problem.local_smoothness)
        self.eta = resolve_step(self.step_size, auto, self.name)
        self.x = self.problem.initial()
        self.codec = Identity(64)

    @property
    def values0(self) -> Stack:
        """The agents' starting values."""
        return self.x

    def step(self, t: int) -> RoundResult:
        """One DGD round: send x_k, then x_k ← Σ_j w_kj x_j − η ∇f_k(x_k)."""
        batch, _ = self.codec.encode(self.x, None, None)
        received, _ = self.codec.decode(batch, None)
        gradient = self.problem.gradients(self.x)
        self.x = self.W @ received - self.eta * gradient
        return RoundResult([Exchange.broadcast(self.links, batch.nbits)], self.x)

    def agents(self) -> LatestValueAgents:
        """Return DGD per agent, from this algorithm's start (see :mod:`.agents`)."""
        return LatestValueAgents(self.name, self.W, self.x.copy(), self.problem, self.eta)

    def describe(self) -> dict[str, Any]:
        """Return the resolved parameters."""
        return {"algorithm": self.name, "compressor": "identity:precision=64", "step": self.eta}


@dataclass
class ChocoSGD:
    """CHOCO-SGD: a local gradient step, then a CHOCO-GOSSIP round with compressor Q."""

    graph: nx.Graph
    W: sp.csr_array
    problem: OptimisationProblem
    compressor: Compressor
    step_size: float | str = "auto"
    gamma: float | str = "auto"
    batch: int | None = None
    seed: int = 0
    compressor_spec: str = ""
    name: str = field(default="choco-sgd", init=False)

    def __post_init__(self) -> None:
        require_optimisation(self.problem, self.name)
        self.compressor_spec = self.compressor_spec or repr(self.compressor)
        self.x = self.problem.initial()
        self.gamma_trials: dict[float, float] | None = None
        if self.gamma == "tune":  # trials with each γ of the grid, each with its own auto step
            self.gamma, self.gamma_trials = tune_gamma(self._with_gamma, who=self.name)
        self.channel = ChocoChannel.open(
            self.graph,
            self.W,
            self.compressor,
            self.gamma,
            self.x.shape,
            self.seed,
            who=self.name,
            label=self.compressor_spec,
        )
        self.minibatch = MiniBatch(self.batch, self.problem.samples_per_agent, self.seed)
        lowest = 1.0 - self.channel.gamma * mixing_beta(self.W)  # λ_min of I − γ(I − W)
        auto = (1.0 + lowest) / (2.0 * self.problem.local_smoothness)
        self.eta = resolve_step(self.step_size, auto, self.name)

    @property
    def values0(self) -> Stack:
        """The agents' starting values."""
        return self.x

    def _with_gamma(self, gamma: float) -> ChocoSGD:
        """Return a fresh CHOCO-SGD like this one with consensus step ``gamma`` (a trial)."""
        return ChocoSGD(
            self.graph,
            self.W,
            self.problem,
            self.compressor,
            self.step_size,
            gamma,
            self.batch,
            self.seed,
            self.compressor_spec,
        )

    def agents(self) -> ChocoAgents:
        """Return CHOCO-SGD per agent, from this algorithm's start (see :mod:`.agents`)."""
        return self.channel.agents(
            self.name,
            self.x,
            self.compressor_spec,
            problem=self.problem,
            eta=self.eta,
            minibatch=self.minibatch,
        )

    def step(self, t: int) -> RoundResult:
        """One CHOCO-SGD round."""
        half = self.x - self.eta * self.problem.gradients(self.x, self.minibatch.draw())
        self.x, exchange = self.channel.round(half)
        return RoundResult([exchange], self.x)

    def describe(self) -> dict[str, Any]:
        """Return the resolved parameters."""
        return {
            "algorithm": self.name,
            "compressor": self.compressor_spec,
            "step": self.eta,
            "gamma": self.channel.gamma,
            "omega": self.channel.omega,
            "batch": self.batch,
            **trials_described(self.gamma_trials),
        }


@ALGORITHMS.register("dgd", per_agent=True, sends="identity:precision=64")
def dgd(graph: nx.Graph, W: sp.csr_array, problem: Any, step: float | str = "auto") -> DGD:
    """Decentralized gradient descent x <- Wx - step*grad, full float64 messages."""
    return DGD(graph, W, problem, step)


@ALGORITHMS.register("choco-sgd", per_agent=True, state_vectors=6)
def choco_sgd(
    graph: nx.Graph,
    W: sp.csr_array,
    problem: Any,
    compressor: Any = "qsgd:s=16,scaled=true",
    step: float | str = "auto",
    gamma: float | str = "auto",
    batch: int | None = None,
    seed: int = 0,
) -> ChocoSGD:
    """CHOCO-SGD (Koloskova et al. 2019): gradient step, then compressed CHOCO-GOSSIP."""
    spec = compressor if isinstance(compressor, str) else ""
    return ChocoSGD(
        graph, W, problem, create_compressor(compressor), step, gamma, batch, seed, spec
    )
