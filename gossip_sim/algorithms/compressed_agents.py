"""BEER and LEAD per agent, for the event-driven engine (see :mod:`.agents` for the protocol).

Each agent keeps its own state and its own copies of what its in-neighbours made public, and
changes them only through the payloads the network delivered:

* **BEER**: agent i keeps its public copies H_i, G_i and, per in-neighbour j, copies of H_j and
  G_j (two CHOCO channels, :class:`~gossip_sim.algorithms.agents.ChocoAgents` twice). Round t:
  send ``(C(x_i − H_i), C(v_i − G_i))`` and add them to H_i, G_i; each received pair is added to
  the copies; at the round's end x_i ← x_i + γ (Σ_j w_ij H_ij + (w_ii − 1) H_i) − η v_i and
  v_i ← v_i + γ (Σ_j w_ij G_ij + (w_ii − 1) G_i); the tracker's gradient correction
  ∇f_i(x_i^{t+1}) − ∇f_i(x_i^t) is added when agent i next sends (the same sum, computed with
  the gradient of the value it sends).
* **LEAD**: agent i keeps H_i, D_i and, per in-neighbour j, a copy of H_j. Round t: send
  Q_i = C(Y_i − H_i); at the round's end Ŷ_j = copy_j + Q_j (each Q_j received), the box's
  Ŷ_w = H_w + WQ computed as W Ŷ = w_ii Ŷ_i + Σ_j w_ij Ŷ_j with the round's weights, then
  copy_j ← copy_j + α Q_j, H_i ← (1 − α) H_i + α Ŷ_i, D and X as in the box.

A lost message: the payload never reaches the receiver's copy, which then differs from the
sender's own H (and G) for good, as in CHOCO (docs/background/compressed-exact-methods.md). For
BEER a lost G increment also breaks gradient tracking's invariant mean(v) = mean(∇F(x)), and for
LEAD the dual D keeps integrating the mismatch: both settle far from x* (measured there: error
1.4e3 and 3.2e2 from 89 and 63 with 5 % loss; 3.4e-10 and round-off with ``--retransmit
arq``). When two agents are linked again after a time apart, the sender sends its whole public
state once in float64 instead of the round's payload (BEER: H_i and G_i, 2·64·D bits; LEAD:
H_i in float64 plus the round's Q_i, 64·D bits plus Q's), which resets the receiver's copies.

Examples
--------
>>> g = gs.topology.build("ring", 4)
>>> W = gs.mixing.mixing_matrix("uniform", g)
>>> p = gs.problems.create("quadratic", n_agents=4, dim=2)
>>> agents = gs.algorithms.create("beer", g, W, p, compressor="identity").agents()
>>> agents.send(0, 0)[0]  # x's and v's payloads: 2 x 2 float64
256
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from gossip_sim._typing import Stack
from gossip_sim.algorithms.agents import Slots, _OneByOne
from gossip_sim.compress import Compressor, Identity

__all__ = ["AgentChannel", "BeerAgents", "LeadAgents"]

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]


@dataclass
class AgentChannel:
    """One compressed channel per agent: each agent's compressor state, stream and public copy.

    Examples
    --------
    >>> ch = AgentChannel(gs.compress.create("identity"), 0, [np.random.default_rng(0)] * 2, 3)
    >>> nbits, q = ch.send([1], np.ones((2, 3)))
    >>> nbits.tolist(), ch.public[1].tolist()
    ([192], [1.0, 1.0, 1.0])
    """

    compressor: Compressor
    shared_seed: int
    rngs: list[np.random.Generator]
    dim: int
    stateless: bool = False

    def __post_init__(self) -> None:
        k, d = len(self.rngs), self.dim
        self.public = np.zeros((k, d))
        self.states = [
            self.compressor.init((1, d), seed=self.shared_seed, agents=[i]) for i in range(k)
        ]
        self.batch_state = self.compressor.init((k, d), seed=self.shared_seed)

    def send(self, agents: list[int], values: Stack) -> tuple[IntArray, Stack]:
        """Encode ``values[agents] − public[agents]``, add the decodings to the public copies."""
        rows = np.asarray(agents, dtype=np.int64)
        if not (self.stateless or len(agents) == 1):
            parts = [self.send([i], values) for i in agents]
            return np.concatenate([n for n, _ in parts]), np.vstack([q for _, q in parts])
        state = self.states[agents[0]] if len(agents) == 1 else self.batch_state
        batch, _ = self.compressor.encode(
            values[rows] - self.public[rows], state, [self.rngs[i] for i in agents]
        )
        q, state = self.compressor.decode(batch, state)
        if len(agents) == 1:
            self.states[agents[0]] = state
        self.public[rows] += q
        return np.asarray(batch.nbits, dtype=np.int64), q


def _full(values: Stack) -> tuple[int, FloatArray]:
    """Encode one row as float64 and return its bits and decoding."""
    codec = Identity(64)
    batch, _ = codec.encode(values.reshape(1, -1), None, None)
    decoded, _ = codec.decode(batch, None)
    return int(batch.nbits[0]), decoded[0]


@dataclass
class BeerAgents(_OneByOne):
    """BEER per agent: two compressed channels (x → H, v → G) and the tracker v."""

    name: str
    W: sp.csr_array
    x: Stack
    compressor: Compressor
    gamma: float
    shared_seeds: tuple[int, int]
    rngs: tuple[list[np.random.Generator], list[np.random.Generator]]
    problem: Any
    eta: float
    stateless: bool = False
    slots: Slots = field(init=False)

    def __post_init__(self) -> None:
        k, d = self.x.shape
        self.slots = Slots.of(self.W)
        self.h, self.g = (
            AgentChannel(self.compressor, seed, rngs, d, self.stateless)
            for seed, rngs in zip(self.shared_seeds, self.rngs, strict=True)
        )
        self.copies_h = np.zeros((self.slots.count, d))
        self.copies_g = np.zeros((self.slots.count, d))
        self.gradient = self.problem.gradients(self.x)
        self.v = self.gradient.copy()
        self.stale = np.zeros(k, dtype=bool)  # v_i still lacks its gradient correction

    def send_batch(self, agents: list[int]) -> list[tuple[int, Any]]:
        """Finish v_i's tracking step, then encode x_i − H_i and v_i − G_i."""
        rows = np.asarray(agents, dtype=np.int64)
        late = rows[self.stale[rows]]
        if len(late):
            gradient = self.problem.gradients(self.x)[late]
            self.v[late] = self.v[late] + (gradient - self.gradient[late])
            self.gradient[late] = gradient
            self.stale[late] = False
        nbits_h, q_h = self.h.send(agents, self.x)
        nbits_g, q_g = self.g.send(agents, self.v)
        sent = zip((nbits_h + nbits_g).tolist(), q_h, q_g, strict=True)
        return [(int(n), (a, b)) for n, a, b in sent]

    def receive(self, i: int, j: int, payload: Any) -> None:
        """Add j's decoded increments to agent i's copies of H_j and G_j."""
        slot = self.slots.index[(i, j)]
        self.copies_h[slot] += payload[0]
        self.copies_g[slot] += payload[1]

    def full(self, i: int) -> tuple[int, Any]:
        """H_i and G_i (after the send) in float64, for a neighbour whose copies may be stale."""
        bits_h, h = _full(self.h.public[i])
        bits_g, g = _full(self.g.public[i])
        return bits_h + bits_g, (h, g)

    def receive_full(self, i: int, j: int, payload: Any) -> None:
        """Replace agent i's copies of H_j and G_j."""
        slot = self.slots.index[(i, j)]
        self.copies_h[slot], self.copies_g[slot] = payload

    def mix(self, i: int, t: int, senders: IntArray, weights: FloatArray, own: float) -> None:
        """x_i and v_i's mixing steps with the copies agent i holds."""
        at = self.slots.of_senders(i, senders)
        held_h = weights @ self.copies_h[at] + (own - 1.0) * self.h.public[i]
        held_g = weights @ self.copies_g[at] + (own - 1.0) * self.g.public[i]
        moved = self.x[i] + self.gamma * held_h
        self.x[i] = moved - self.eta * self.v[i]
        self.v[i] = self.v[i] + self.gamma * held_g
        self.stale[i] = True


@dataclass
class LeadAgents(_OneByOne):
    """LEAD per agent: the shift H_i, the dual D_i, and copies of the neighbours' H_j."""

    name: str
    W: sp.csr_array
    x: Stack
    compressor: Compressor
    gamma: float
    alpha: float
    shared_seed: int
    rngs: list[np.random.Generator]
    problem: Any
    eta: float
    stateless: bool = False
    slots: Slots = field(init=False)

    def __post_init__(self) -> None:
        k, d = self.x.shape
        self.slots = Slots.of(self.W)
        self.channel = AgentChannel(self.compressor, self.shared_seed, self.rngs, d, self.stateless)
        self.d = np.zeros((k, d))
        self.descent = np.zeros((k, d))
        self.q = np.zeros((k, d))
        self.q_bits = np.zeros(k, dtype=np.int64)
        self.copies = np.zeros((self.slots.count, d))
        self.delta = np.zeros((self.slots.count, d))  # Q_j received this round

    def send_batch(self, agents: list[int]) -> list[tuple[int, Any]]:
        """Y_i = X_i − η ∇f_i(X_i) − η D_i; encode Y_i − H_i (H_i moves at the round's end)."""
        rows = np.asarray(agents, dtype=np.int64)
        self.descent[rows] = self.x[rows] - self.eta * self.problem.gradients(self.x)[rows]
        y = self.descent - self.eta * self.d
        before = self.channel.public[rows].copy()
        nbits, q = self.channel.send(agents, y)
        self.channel.public[rows] = before  # the channel's H + Q is Ŷ; LEAD moves H by α Q
        self.q[rows], self.q_bits[rows] = q, nbits
        return [(int(n), row) for n, row in zip(nbits.tolist(), q, strict=True)]

    def receive(self, i: int, j: int, payload: Any) -> None:
        """Keep Q_j for agent i's round end."""
        self.delta[self.slots.index[(i, j)]] += payload

    def full(self, i: int) -> tuple[int, Any]:
        """H_i in float64 and the round's Q_i, for a neighbour whose copy may be stale."""
        bits, h = _full(self.channel.public[i])
        return bits + int(self.q_bits[i]), (h, self.q[i].copy())

    def receive_full(self, i: int, j: int, payload: Any) -> None:
        """Replace agent i's copy of H_j and take j's Q_j of the round."""
        slot = self.slots.index[(i, j)]
        self.copies[slot], self.delta[slot] = payload

    def mix(self, i: int, t: int, senders: IntArray, weights: FloatArray, own: float) -> None:
        """COMM's end and the dual and primal steps of agent i."""
        at = self.slots.of_senders(i, senders)
        h = self.channel.public
        y_hat = h[i] + self.q[i]
        y_w = own * y_hat + weights @ (self.copies[at] + self.delta[at])
        self.copies[at] += self.alpha * self.delta[at]
        self.delta[at] = 0.0
        h[i] = (1.0 - self.alpha) * h[i] + self.alpha * y_hat
        self.d[i] = self.d[i] + self.gamma / (2.0 * self.eta) * (y_hat - y_w)
        self.x[i] = self.descent[i] - self.eta * self.d[i]
