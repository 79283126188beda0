"""Average-consensus gossip: exact gossip (x ← Wx) and CHOCO-GOSSIP (Koloskova et al. 2019).

CHOCO-GOSSIP, for every agent i in parallel, with x̂_i⁽⁰⁾ = 0::

    q_i  = Q(x_i − x̂_i)                      # encoded, sent to every neighbour
    x̂_j ← x̂_j + q_j   for j ∈ N(i) ∪ {i}    # public copies, updated from decoded payloads
    x_i  ← x_i + γ Σ_j w_ij (x̂_j − x̂_i)

All agents' copies of x̂_j are equal (they decode the same payload), so the batched form keeps
one stack ``x_hat`` and computes Σ_j w_ij (x̂_j − x̂_i) as ``(W x̂)_i − x̂_i``.

Examples
--------
>>> import networkx as nx
>>> g = nx.cycle_graph(4)
>>> W = gs.mixing.mixing_matrix("uniform", g)
>>> p = gs.problems.create("consensus", n_agents=4, dim=3)
>>> alg = ExactGossip(g, W, p)
>>> r = alg.step(0)
>>> bool(np.allclose(r.values.mean(axis=0), p.target))
True
>>> r.exchanges[0].nbits[:2].tolist()  # 3 float64 per message
[192, 192]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import numpy as np
import scipy.sparse as sp

from gossip_sim._random import stream
from gossip_sim._typing import Stack
from gossip_sim.algorithms.agents import ChocoAgents, LatestValueAgents
from gossip_sim.algorithms.base import ALGORITHMS, Exchange, Links, RoundResult
from gossip_sim.algorithms.tuning import trials_described, tune_gamma
from gossip_sim.compress import Compressor, Identity
from gossip_sim.compress import create as create_compressor
from gossip_sim.compress.registry import is_stateless
from gossip_sim.errors import ConfigError
from gossip_sim.mixing import beta as mixing_beta
from gossip_sim.mixing import spectral_gap
from gossip_sim.problems.base import Problem

__all__ = ["ChocoChannel", "ChocoGossip", "ExactGossip", "choco_gamma", "resolve_gamma"]


def choco_gamma(delta: float, beta: float, omega: float) -> float:
    """Return CHOCO-GOSSIP's consensus step size γ of Koloskova et al. (2019), Theorem 2.

    γ = δ²ω / (16δ + δ² + 4β² + 2δβ² − 8δω), with δ the spectral gap of W, β = ‖I − W‖₂ and ω
    the compressor's contraction constant; it guarantees the linear rate 1 − δ²ω/82. It is
    conservative: larger γ often converge faster (pass ``gamma=`` to try).

    Examples
    --------
    >>> round(choco_gamma(delta=1.0, beta=1.0, omega=1.0), 4)  # exact compressor, complete graph
    0.0667
    """
    if not 0 < omega <= 1:
        raise ConfigError(f"omega = {omega} is not valid for CHOCO-GOSSIP; it must be in (0, 1]")
    if delta <= 0:
        raise ConfigError(f"spectral gap = {delta} must be positive; is the graph connected?")
    denominator = 16 * delta + delta**2 + 4 * beta**2 + 2 * delta * beta**2 - 8 * delta * omega
    return delta**2 * omega / denominator


def resolve_gamma(gamma: float | str, W: Any, omega: float) -> float:
    """Return the consensus step size that ``gamma`` names.

    * a number in (0, 1]: itself;
    * ``"theory"``: :func:`choco_gamma`, the value of Koloskova et al.'s Theorem 2 (guaranteed
      linear rate, but 10 to 100 times smaller than what converges fastest in practice);
    * ``"tune"``: not resolved here; CHOCO-GOSSIP and CHOCO-SGD pick γ by short trial runs
      (:mod:`gossip_sim.algorithms.tuning`) and give the number;
    * ``"auto"`` (the default): γ = ω, the compressor's contraction constant. Not a theorem: a
      rule that converged on every topology and compressor we measured (ring, torus, K = 5 to 64,
      qsgd, top-k, sign; γ = 4ω diverged for top-k), between 2 and 80 times faster than
      ``"theory"``. The engine stops with a clear message if a run diverges.

    A single agent (no neighbours) gets γ = 1.

    Examples
    --------
    >>> import networkx as nx
    >>> W = gs.mixing.mixing_matrix("uniform", nx.cycle_graph(5))
    >>> resolve_gamma("auto", W, omega=0.5), round(resolve_gamma("theory", W, omega=0.5), 4)
    (0.5, 0.0082)
    """
    if isinstance(gamma, str):
        if gamma not in ("auto", "theory"):
            raise ConfigError(
                f"choco-gossip: gamma={gamma!r} is not valid; give a number in (0, 1], "
                "'auto' or 'theory'"
            )
        if W.shape[0] == 1:
            return 1.0
        if gamma == "auto":
            return min(float(omega), 1.0)
        return choco_gamma(spectral_gap(W), mixing_beta(W), omega)
    if isinstance(gamma, bool) or not 0 < gamma <= 1:
        raise ConfigError(f"choco-gossip: gamma = {gamma} is not valid; give 0 < gamma <= 1")
    return float(gamma)


def compress_streams(seed: int, n_agents: int) -> list[np.random.Generator]:
    """Return one compression random stream per agent."""
    return [stream(seed, "compress", i) for i in range(n_agents)]


@dataclass
class ExactGossip:
    """Exact gossip x ← Wx, each agent sending its full float64 vector to every neighbour."""

    graph: nx.Graph
    W: sp.csr_array
    problem: Problem
    name: str = field(default="exact-gossip", init=False)

    def __post_init__(self) -> None:
        self.links = Links.of(self.graph)
        self.x = self.problem.initial()
        self.codec = Identity(64)

    @property
    def values0(self) -> Stack:
        """The agents' starting values."""
        return self.x

    def agents(self) -> LatestValueAgents:
        """Return exact gossip per agent, from this algorithm's start (see :mod:`.agents`)."""
        return LatestValueAgents(self.name, self.W, self.x.copy())

    def step(self, t: int) -> RoundResult:
        """One synchronous gossip round."""
        batch, _ = self.codec.encode(self.x, None, np.random.default_rng(0))
        received, _ = self.codec.decode(batch, None)
        self.x = self.W @ received
        return RoundResult([Exchange.broadcast(self.links, batch.nbits)], self.x)

    def describe(self) -> dict[str, Any]:
        """Return the resolved parameters."""
        return {"algorithm": self.name, "compressor": "identity:precision=64"}


@dataclass
class ChocoChannel:
    """CHOCO-GOSSIP's public copies x̂ and compressor state on one graph.

    Shared by the consensus, CHOCO-SGD and Song et al.'s Algorithm 2.

    :meth:`round` is one gossip round on the agents' values ``x``: it encodes x − x̂, updates
    x̂ from the decoded payloads and returns x + γ (W x̂ − x̂) with the round's messages.

    Examples
    --------
    >>> import networkx as nx
    >>> g = nx.cycle_graph(4)
    >>> W = gs.mixing.mixing_matrix("uniform", g)
    >>> channel = ChocoChannel.open(g, W, gs.compress.create("topk:k=1"), "auto", (4, 3), seed=0)
    >>> x = np.arange(12.0).reshape(4, 3)
    >>> y, exchange = channel.round(x)
    >>> bool(np.allclose(y.mean(axis=0), x.mean(axis=0))), len(exchange.nbits)
    (True, 8)
    """

    links: Links
    W: sp.csr_array
    compressor: Compressor
    gamma: float
    omega: float
    shared_seed: int
    state: Any
    rngs: list[np.random.Generator]
    x_hat: Stack

    @classmethod
    def open(
        cls,
        graph: nx.Graph,
        W: sp.csr_array,
        compressor: Compressor,
        gamma: float | str,
        shape: tuple[int, int],
        seed: int,
        *,
        who: str = "choco-gossip",
        label: str = "",
    ) -> ChocoChannel:
        """Start a channel for ``shape = (K, D)`` values with x̂ = 0; refuse non-contractions."""
        if gamma == "tune":  # tuned by the algorithm, which can run trials (see .tuning)
            raise ConfigError(
                f"{who}: gamma='tune' is not available here (choco-gossip and choco-sgd tune "
                "it); give a number in (0, 1], 'auto' or 'theory'"
            )
        k, d = shape
        omega = float(compressor.omega(d))
        if omega <= 0:
            raise ConfigError(
                f"{who}: compressor {label or compressor!r} is not a contraction "
                "(omega = 0); use a CHOCO form such as qsgd:s=16,scaled=true, topk, randk or sign"
            )
        #: The seed sender and receiver share (random-k indices); agent i's rows use it with i.
        shared_seed = int(stream(seed, "shared").integers(2**63))
        return cls(
            Links.of(graph),
            W,
            compressor,
            resolve_gamma(gamma, W, omega),
            omega,
            shared_seed,
            compressor.init(shape, seed=shared_seed),
            compress_streams(seed, k),
            np.zeros(shape),
        )

    def agents(self, name: str, x: Stack, compressor_spec: str, **local: Any) -> ChocoAgents:
        """Return this channel's CHOCO per agent from values ``x`` (a copy is taken).

        ``local`` is CHOCO-SGD's local step (``problem``, ``eta``, ``minibatch``).
        """
        return ChocoAgents(
            name,
            self.W,
            x.copy(),
            self.compressor,
            self.gamma,
            self.shared_seed,
            self.rngs,
            stateless=is_stateless(compressor_spec),
            **local,
        )

    def round(self, x: Stack) -> tuple[Stack, Exchange]:
        """One CHOCO-GOSSIP round on ``x``: compress x − x̂, update x̂, gossip on x̂."""
        batch, _ = self.compressor.encode(x - self.x_hat, self.state, self.rngs)
        q, self.state = self.compressor.decode(batch, self.state)
        self.x_hat += q
        moved = self.W @ self.x_hat  # x + γ(Wx̂ − x̂), in place on one fresh array:
        moved -= self.x_hat  # the same float64 operations in the same order (the sum is
        moved *= self.gamma  # commutative), so the same bits, without three temporaries
        moved += x
        return moved, Exchange.broadcast(self.links, batch.nbits)


@dataclass
class ChocoGossip:
    """CHOCO-GOSSIP average consensus with any compressor and consensus step size ``gamma``.

    ``gamma`` is a number in (0, 1], ``"auto"`` (γ = ω), ``"theory"`` (:func:`choco_gamma`)
    or ``"tune"`` (trial runs, :mod:`gossip_sim.algorithms.tuning`); see :func:`resolve_gamma`.
    """

    graph: nx.Graph
    W: sp.csr_array
    problem: Problem
    compressor: Compressor
    gamma: float | str = "auto"
    seed: int = 0
    compressor_spec: str = ""  # how the user named the compressor (default: its repr)
    name: str = field(default="choco-gossip", init=False)

    def __post_init__(self) -> None:
        self.x = self.problem.initial()
        self.compressor_spec = self.compressor_spec or repr(self.compressor)
        self.gamma_rule = self.gamma if isinstance(self.gamma, str) else "given"
        self.gamma_trials: dict[float, float] | None = None
        if self.gamma == "tune":
            self.gamma, self.gamma_trials = tune_gamma(self._with_gamma, who=self.name)
        self.channel = ChocoChannel.open(
            self.graph,
            self.W,
            self.compressor,
            self.gamma,
            self.x.shape,
            self.seed,
            label=self.compressor_spec,
        )
        self.gamma, self.omega = self.channel.gamma, self.channel.omega
        self.shared_seed = self.channel.shared_seed

    @property
    def values0(self) -> Stack:
        """The agents' starting values."""
        return self.x

    def _with_gamma(self, gamma: float) -> ChocoGossip:
        """Return a fresh CHOCO-GOSSIP like this one with consensus step ``gamma`` (a trial)."""
        g, W, spec = self.graph, self.W, self.compressor_spec
        return ChocoGossip(g, W, self.problem, self.compressor, gamma, self.seed, spec)

    def agents(self) -> ChocoAgents:
        """Return CHOCO-GOSSIP per agent, from this algorithm's start (see :mod:`.agents`)."""
        return self.channel.agents(self.name, self.x, self.compressor_spec)

    def step(self, t: int) -> RoundResult:
        """One CHOCO-GOSSIP round: compress x − x̂, update the public copies, gossip on x̂."""
        self.x, exchange = self.channel.round(self.x)
        return RoundResult([exchange], self.x)

    def describe(self) -> dict[str, Any]:
        """Return the resolved parameters."""
        return {
            "algorithm": self.name,
            "compressor": self.compressor_spec,
            "gamma": self.gamma,
            "gamma_rule": self.gamma_rule,
            "omega": self.omega,
            **trials_described(self.gamma_trials),
        }


@ALGORITHMS.register("exact-gossip", averaging=True, per_agent=True, sends="identity:precision=64")
def exact_gossip(graph: nx.Graph, W: sp.csr_array, problem: Problem) -> ExactGossip:
    """Exact gossip x ← Wx with full float64 messages (the uncompressed baseline)."""
    return ExactGossip(graph, W, problem)


@ALGORITHMS.register("choco-gossip", averaging=True, per_agent=True, state_vectors=6)
def choco_gossip(
    graph: nx.Graph,
    W: sp.csr_array,
    problem: Problem,
    compressor: Any = "qsgd:s=16,scaled=true",
    gamma: float | str = "auto",
    seed: int = 0,
) -> ChocoGossip:
    """CHOCO-GOSSIP (Koloskova et al. 2019): compressed gossip on public copies x̂ with step γ."""
    spec = compressor if isinstance(compressor, str) else ""
    return ChocoGossip(graph, W, problem, create_compressor(compressor), gamma, seed, spec)
