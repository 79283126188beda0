"""Per-agent forms of the exact methods (DIGing, EXTRA, NIDS), for the event-driven engine.

Each agent keeps its own state and, for each in-neighbour j, the **latest payload it received
from j** (as :class:`~gossip_sim.algorithms.agents.LatestValueAgents` does for DGD): a message
that is late or lost leaves the previous one in place, and the agent mixes with it (the engine
counts a stale use). Before its first message an agent holds each neighbour's round-0 payload
(x_j^0, and for DIGing y_j^0 = ∇f_j(x_j^0); for NIDS z_j^0), as DGD's agents hold x_j^0. With
stale payloads the methods are no longer exact (the tracked gradient of DIGing and the
corrections of EXTRA/NIDS assume every agent mixed the same vectors).

Every payload is the agent's whole public state for the round, in float64, so the full state
sent on a link that is new (:meth:`full`) is the round's payload itself.

* DIGing: agent i sends (x_i, y_i) in one message; at its next send it adds the gradient
  change ∇f_i(x_i^{new}) − ∇f_i(x_i^{old}) to y_i (the same y^{t+1} as the paper's, formed
  when the new gradient is first needed);
* EXTRA: agent i sends x_i and keeps x_i^t, its own mix (Wx^t)_i and ∇f_i(x_i^t) of the round
  before;
* NIDS: agent i sends z_i = 2x_i^{t+1} − x_i^t − η(∇f_i(x_i^{t+1}) − ∇f_i(x_i^t)) and mixes
  x_i ← ((1 + w_ii) z_i + Σ_j w_ij z_j)/2, row i of W̃ = (I + W)/2.

Examples
--------
>>> g = gs.topology.build("ring", 4)
>>> W = gs.mixing.mixing_matrix("uniform", g)
>>> p = gs.problems.create("quadratic", n_agents=4, dim=2)
>>> agents = gs.algorithms.create("diging", g, W, p).agents()
>>> agents.send(0, 0)[0]  # x_0 and y_0: 4 float64
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
from gossip_sim.compress import Identity

__all__ = ["DIGingAgents", "ExtraAgents", "NidsAgents"]

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]


@dataclass
class _LatestPayloads(_OneByOne):
    """The latest float64 payload agent i holds of each in-neighbour j, and its own last one."""

    name: str
    W: sp.csr_array
    x: Stack
    problem: Any
    eta: float
    slots: Slots = field(init=False)
    latest: Stack = field(init=False)

    def __post_init__(self) -> None:
        self.codec = Identity(64)
        self.started = np.zeros(self.x.shape[0], dtype=bool)
        self.prepare()
        first = self.first_payloads()
        self.outgoing = first.copy()
        self.slots = Slots.of(self.W)
        self.latest = np.zeros((self.slots.count, first.shape[1]))
        for (_, j), slot in self.slots.index.items():
            self.latest[slot] = first[j]

    def prepare(self) -> None:
        """Set the method's own state before round 0."""

    def first_payloads(self) -> Stack:
        """Return every agent's round-0 payload (what its neighbours hold before round 0)."""
        raise NotImplementedError

    def payloads(self, rows: IntArray) -> Stack:
        """Take the local steps of ``rows`` and return their payloads (one row each)."""
        raise NotImplementedError

    def send_batch(self, agents: list[int]) -> list[tuple[int, Any]]:
        """Encode the agents' payloads together (float64, exact bits)."""
        rows = np.asarray(agents, dtype=np.int64)
        batch, _ = self.codec.encode(self.payloads(rows), None, None)
        decoded, _ = self.codec.decode(batch, None)
        self.outgoing[rows] = decoded
        return [(int(n), row) for n, row in zip(batch.nbits.tolist(), decoded, strict=True)]

    def receive(self, i: int, j: int, payload: Any) -> None:
        """Keep j's payload as the latest agent i holds of it."""
        self.latest[self.slots.index[(i, j)]] = payload

    receive_full = receive

    def full(self, i: int) -> tuple[int, Any]:
        """Return agent i's payload of the round (already its whole public state), re-encoded."""
        batch, _ = self.codec.encode(self.outgoing[i : i + 1], None, None)
        decoded, _ = self.codec.decode(batch, None)
        return int(batch.nbits[0]), decoded[0]

    def held(self, i: int, senders: IntArray, weights: FloatArray, own: float) -> FloatArray:
        """Return w_ii · (own payload) + Σ_j w_ij · (latest payload of j) at agent i."""
        return own * self.outgoing[i] + weights @ self.latest[self.slots.of_senders(i, senders)]


@dataclass
class DIGingAgents(_LatestPayloads):
    """DIGing per agent: payload (x_i, y_i); x_i ← Σ w_ij x_j − η y_i, y_i ← Σ w_ij y_j + Δ∇f_i.

    Examples
    --------
    >>> g = gs.topology.build("ring", 4)
    >>> W = gs.mixing.mixing_matrix("metropolis-hastings", g)
    >>> p = gs.problems.create("quadratic", n_agents=4, dim=3)
    >>> agents = gs.algorithms.create("diging", g, W, p).agents()
    >>> nbits, payload = agents.send(2, 0)
    >>> nbits, bool(np.array_equal(payload[3:], p.gradients(p.initial())[2]))  # y_2^0 = ∇f_2
    (384, True)
    """

    def prepare(self) -> None:
        """y^0 = ∇f(x^0), and the gradient y already holds."""
        self.gradient = self.problem.gradients(self.x)
        self.y = self.gradient.copy()
        self.moved = np.zeros(self.x.shape[0], dtype=bool)  # x_i changed since y_i's gradient

    def first_payloads(self) -> Stack:
        """(x_j^0, y_j^0) of every agent."""
        return np.hstack([self.x, self.y])

    def payloads(self, rows: IntArray) -> Stack:
        """Add ∇f_i(x_i) − (the gradient y_i holds) to y_i where x_i moved; send (x_i, y_i)."""
        moved = rows[self.moved[rows]]
        if len(moved):
            gradient = self.problem.gradients(self.x)[moved]
            self.y[moved] += gradient - self.gradient[moved]
            self.gradient[moved] = gradient
            self.moved[moved] = False
        return np.hstack([self.x[rows], self.y[rows]])

    def mix(self, i: int, t: int, senders: IntArray, weights: FloatArray, own: float) -> None:
        """x_i ← (Wx)_i − η y_i; y_i ← (Wy)_i (its gradient change is added at the next send)."""
        mixed = self.held(i, senders, weights, own)
        d = self.x.shape[1]
        self.x[i] = mixed[:d] - self.eta * self.y[i]
        self.y[i] = mixed[d:]
        self.moved[i] = True


@dataclass
class ExtraAgents(_LatestPayloads):
    """EXTRA per agent: x_i ← x_i + (Wx)_i − (x_i^old + (Wx^old)_i)/2 − η(∇f_i − ∇f_i^old).

    Examples
    --------
    >>> g = gs.topology.build("ring", 4)
    >>> W = gs.mixing.mixing_matrix("metropolis-hastings", g)
    >>> p = gs.problems.create("quadratic", n_agents=4, dim=3)
    >>> agents = gs.algorithms.create("extra", g, W, p).agents()
    >>> nbits, payload = agents.send(0, 0)
    >>> nbits, payload.tolist() == p.initial()[0].tolist()  # x_0^0 in float64
    (192, True)
    """

    def prepare(self) -> None:
        """No round before round 0: the first mix is x^1 = Wx^0 − η∇f(x^0)."""
        k, d = self.x.shape
        self.x_old = np.zeros((k, d))
        self.mixed_old = np.zeros((k, d))
        self.gradient_old = np.zeros((k, d))
        self.gradient = np.zeros((k, d))

    def first_payloads(self) -> Stack:
        """x_j^0 of every agent."""
        return self.x.copy()

    def payloads(self, rows: IntArray) -> Stack:
        """Take ∇f_i(x_i) for the mix; send x_i."""
        self.gradient[rows] = self.problem.gradients(self.x)[rows]
        return self.x[rows]

    def mix(self, i: int, t: int, senders: IntArray, weights: FloatArray, own: float) -> None:
        """EXTRA's update at agent i (its first round: x_i ← (Wx)_i − η∇f_i(x_i))."""
        mixed = self.held(i, senders, weights, own)
        if not self.started[i]:
            new = mixed - self.eta * self.gradient[i]
        else:
            new = (self.x[i] + mixed) - 0.5 * (self.x_old[i] + self.mixed_old[i])
            new -= self.eta * (self.gradient[i] - self.gradient_old[i])
        self.x_old[i], self.mixed_old[i] = self.x[i], mixed
        self.gradient_old[i] = self.gradient[i]
        self.x[i] = new
        self.started[i] = True


@dataclass
class NidsAgents(_LatestPayloads):
    """NIDS per agent: send z_i, then x_i ← ((1 + w_ii) z_i + Σ_j w_ij z_j)/2.

    Examples
    --------
    >>> g = gs.topology.build("ring", 4)
    >>> W = gs.mixing.mixing_matrix("metropolis-hastings", g)
    >>> p = gs.problems.create("quadratic", n_agents=4, dim=3)
    >>> agents = gs.algorithms.create("nids", g, W, p).agents()
    >>> held = agents.latest[agents.slots.index[(1, 0)]]  # z_0^0, held at agent 1 before round 0
    >>> bool(np.array_equal(agents.send(0, 0)[1], held))
    True
    """

    def prepare(self) -> None:
        """x^t and ∇f(x^t) of the step before (set by the first local step)."""
        self.x_old = np.zeros_like(self.x)
        self.gradient_old = np.zeros_like(self.x)

    def first_payloads(self) -> Stack:
        """z_j^0 of every agent, computed on a copy (the agents' state is untouched)."""
        g0 = self.problem.gradients(self.x)
        x1 = self.x - self.eta * g0
        return (2.0 * x1 - self.x) - self.eta * (self.problem.gradients(x1) - g0)

    def payloads(self, rows: IntArray) -> Stack:
        """NIDS's first step x^1 = x^0 − η∇f(x^0) where not yet taken; then z_i."""
        gradient = self.problem.gradients(self.x)[rows]
        first = ~self.started[rows]
        if first.any():
            fresh = rows[first]
            self.x_old[fresh], self.gradient_old[fresh] = self.x[fresh], gradient[first]
            self.x[fresh] = self.x[fresh] - self.eta * gradient[first]
            gradient[first] = self.problem.gradients(self.x)[fresh]
            self.started[fresh] = True
        z = (2.0 * self.x[rows] - self.x_old[rows]) - self.eta * (
            gradient - self.gradient_old[rows]
        )
        self.x_old[rows], self.gradient_old[rows] = self.x[rows], gradient
        return z

    def mix(self, i: int, t: int, senders: IntArray, weights: FloatArray, own: float) -> None:
        """x_i ← row i of W̃ = (I + W)/2 applied to the z held."""
        self.x[i] = 0.5 * (self.outgoing[i] + self.held(i, senders, weights, own))
