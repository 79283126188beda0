"""Per-agent forms of the synchronous algorithms, for the event-driven engine.

In the batched form (:meth:`step`) every agent of round t sees every neighbour's round-t
message. Here each agent keeps its own state and is updated only from the messages the network
delivered to it (:mod:`gossip_sim.events.rounds` decides which, and when):

* **exact gossip / DGD**: agent i keeps the latest value it received from each in-neighbour j
  (``latest[i, j]``) and mixes with those, whatever round they are from;
* **CHOCO-GOSSIP / CHOCO-SGD**: agent i keeps its own public copy x̂_i and its own copy of
  every in-neighbour's x̂_j, and adds each decoded payload q_j to that copy when the payload
  arrives. A payload lost for good never reaches the copy, so the copy of x̂_j at i and x̂_j
  itself drift apart (see docs/background/choco-under-loss.md). When two agents are linked
  again after a time apart (a link back up, an agent back from a crash or churn), each sends
  the other its full x̂ once, in float64 (:meth:`AgentProgram.full`, counted in the bits).

A payload is encoded once by its sender (real bytes, exact bit count); every receiver decodes the
same bytes to the same vector, so the sender's decoding is what the message carries.

A round for agent i is :meth:`AgentProgram.send` (local step, encode), the network, then
:meth:`AgentProgram.mix` with the round's weights of the senders it heard from. On a run where
every message arrives in its round, the per-agent forms give the batched forms' numbers (to
rounding: ``tests/test_events.py``).

Examples
--------
>>> g = gs.topology.build("ring", 4)
>>> W = gs.mixing.mixing_matrix("uniform", g)
>>> p = gs.problems.create("consensus", n_agents=4, dim=2)
>>> agents = gs.algorithms.create("exact-gossip", g, W, p).agents()
>>> nbits, payload = agents.send(0, 0)
>>> nbits
128
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from gossip_sim._typing import Stack
from gossip_sim.compress import Compressor, Identity

__all__ = ["AgentProgram", "ChocoAgents", "LatestValueAgents", "Slots"]

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]


class AgentProgram(Protocol):
    """An algorithm as K agents that each send, receive and mix on their own."""

    name: str
    values: Stack  # (K, D): row i is agent i's current value

    def send(self, i: int, t: int) -> tuple[int, Any]:
        """Agent i's local step of round t; return its payload's bits and decoded content."""
        ...

    def send_batch(self, agents: list[int]) -> list[tuple[int, Any]]:
        """:meth:`send` for several agents at one instant, in that order (the same numbers)."""
        ...

    def receive(self, i: int, j: int, payload: Any) -> None:
        """Apply the payload agent j sent to agent i (the engine calls it in round order)."""
        ...

    def full(self, i: int) -> tuple[int, Any]:
        """Agent i's whole public state after its send, in full precision: bits and content.

        Sent instead of the round's payload to a neighbour it was not linked to in the round
        before (a link back up, an agent back from a crash or churn).
        """
        ...

    def receive_full(self, i: int, j: int, payload: Any) -> None:
        """Replace what agent i holds of agent j by j's full state."""
        ...

    def mix(self, i: int, t: int, senders: IntArray, weights: FloatArray, own: float) -> None:
        """Finish round t at agent i: weights ``w_ij`` of ``senders`` and its own ``w_ii``."""
        ...


@dataclass(frozen=True)
class Slots:
    """Where agent i keeps what it holds of agent j: row ``slot[(i, j)]`` of a (links, D) array.

    One slot per directed link j → i of the graph (every direction W may use).

    Examples
    --------
    >>> s = Slots.of(sp.csr_array(np.array([[0.5, 0.5], [0.5, 0.5]])))
    >>> s.of_senders(0, np.array([1])).tolist(), s.count
    ([0], 2)
    """

    index: dict[tuple[int, int], int]
    count: int

    @classmethod
    def of(cls, W: sp.csr_array) -> Slots:
        """Return a slot for every off-diagonal entry (i, j) of ``W``'s sparsity pattern."""
        coo = sp.coo_array(W)
        pairs = sorted((int(i), int(j)) for i, j in zip(coo.row, coo.col, strict=True) if i != j)
        return cls({pair: n for n, pair in enumerate(pairs)}, len(pairs))

    def of_senders(self, i: int, senders: IntArray) -> IntArray:
        """Return the slots at agent ``i`` of ``senders``."""
        return np.fromiter((self.index[(i, int(j))] for j in senders), np.int64, len(senders))


class _OneByOne:
    """What every per-agent form shares: its values are x, and one send is a batch of one."""

    x: Stack

    @property
    def values(self) -> Stack:
        """The agents' current values."""
        return self.x

    def send(self, i: int, t: int) -> tuple[int, Any]:
        """Agent i's local step of round t and its payload (:meth:`send_batch` of one)."""
        return self.send_batch([i])[0]

    def send_batch(self, agents: list[int]) -> list[tuple[int, Any]]:
        """Return the agents' payloads after their local steps, in that order."""
        raise NotImplementedError


@dataclass
class LatestValueAgents(_OneByOne):
    """Exact gossip (``eta = 0``) and DGD, per agent: mix the latest value held from each sender.

    x_i ← w_ii x_i + Σ_j w_ij latest_ij − η ∇f_i(x_i), the gradient taken at the value agent i
    sent this round. A value that did not arrive in time is replaced by the latest one held
    (the engine counts it as a stale use).
    """

    name: str
    W: sp.csr_array
    x: Stack
    problem: Any = None
    eta: float = 0.0
    slots: Slots = field(init=False)
    latest: Stack = field(init=False)

    def __post_init__(self) -> None:
        self.slots = Slots.of(self.W)
        self.latest = np.zeros((self.slots.count, self.x.shape[1]))
        coo = sp.coo_array(self.W)  # before round 1, an agent holds its neighbours' x_j(0)
        for i, j in zip(coo.row.tolist(), coo.col.tolist(), strict=True):
            if i != j:
                self.latest[self.slots.index[(i, j)]] = self.x[j]
        self.codec = Identity(64)
        self.gradient: dict[int, FloatArray] = {}

    def send_batch(self, agents: list[int]) -> list[tuple[int, Any]]:
        """Encode the agents' values x_i (full float64) together; DGD takes their gradients."""
        rows = np.asarray(agents, dtype=np.int64)
        batch, _ = self.codec.encode(self.x[rows], None, None)
        decoded, _ = self.codec.decode(batch, None)
        if self.eta:
            gradients = self.problem.gradients(self.x)
            for i in agents:
                self.gradient[i] = gradients[i]
        return [(int(n), row) for n, row in zip(batch.nbits.tolist(), decoded, strict=True)]

    def receive(self, i: int, j: int, payload: Any) -> None:
        """Keep j's value as the latest agent i holds of it."""
        self.latest[self.slots.index[(i, j)]] = payload

    def full(self, i: int) -> tuple[int, Any]:
        """Return x_i in full (what every message of these algorithms carries already)."""
        batch, _ = self.codec.encode(self.x[i : i + 1], None, None)
        decoded, _ = self.codec.decode(batch, None)
        return int(batch.nbits[0]), decoded[0]

    receive_full = receive

    def mix(self, i: int, t: int, senders: IntArray, weights: FloatArray, own: float) -> None:
        """x_i ← w_ii x_i + Σ_j w_ij latest_ij (− η ∇f_i)."""
        mixed = own * self.x[i] + weights @ self.latest[self.slots.of_senders(i, senders)]
        if self.eta:
            mixed -= self.eta * self.gradient.pop(i)
        self.x[i] = mixed


@dataclass
class ChocoAgents(_OneByOne):
    """CHOCO-GOSSIP (``eta = 0``) and CHOCO-SGD, per agent, each with its own copies of x̂.

    Agent i, round t: (CHOCO-SGD: x_i ← x_i − η ∇f_i(x_i)); q_i = Q(x_i − x̂_i), sent to its
    out-neighbours; x̂_i ← x̂_i + q_i; for each q_j received: copy_ij ← copy_ij + q_j; then
    x_i ← x_i + γ (Σ_j w_ij copy_ij + (w_ii − 1) x̂_i) (Koloskova et al. 2019, Algorithm 1,
    with Σ_j w_ij (x̂_j − x̂_i) written with the copies agent i holds).
    """

    name: str
    W: sp.csr_array
    x: Stack
    compressor: Compressor
    gamma: float
    shared_seed: int
    rngs: list[np.random.Generator]
    problem: Any = None
    eta: float = 0.0
    minibatch: Any = None
    stateless: bool = False  # the compressor keeps no state: rows encode in any grouping
    slots: Slots = field(init=False)

    def __post_init__(self) -> None:
        k, d = self.x.shape
        self.slots = Slots.of(self.W)
        self.x_hat = np.zeros((k, d))
        self.copies = np.zeros((self.slots.count, d))
        self.states = [
            self.compressor.init((1, d), seed=self.shared_seed, agents=[i]) for i in range(k)
        ]
        self.full_codec = Identity(64)
        self.batch_state = self.compressor.init((k, d), seed=self.shared_seed)

    def send_batch(self, agents: list[int]) -> list[tuple[int, Any]]:
        """Local steps (CHOCO-SGD), then encode x_i − x̂_i and update x̂_i with its decoding.

        One encoding of all the agents' rows when Q is stateless.

        A stateful compressor (random-k's message counter, the grid's centre) encodes each
        agent's row with that agent's own state.
        """
        rows = np.asarray(agents, dtype=np.int64)
        if self.eta:
            samples = self.minibatch.draw_for(agents) if self.minibatch is not None else None
            self.x[rows] -= self.eta * self.problem.gradients(self.x, samples)[rows]
        if self.stateless or len(agents) == 1:
            state = self.states[agents[0]] if len(agents) == 1 else self.batch_state
            batch, _ = self.compressor.encode(
                self.x[rows] - self.x_hat[rows], state, [self.rngs[i] for i in agents]
            )
            q, state = self.compressor.decode(batch, state)
            if len(agents) == 1:
                self.states[agents[0]] = state
            self.x_hat[rows] += q
            return [(int(n), row) for n, row in zip(batch.nbits.tolist(), q, strict=True)]
        return [self.send_batch([i])[0] for i in agents]

    def receive(self, i: int, j: int, payload: Any) -> None:
        """Add j's decoded increment to agent i's copy of x̂_j."""
        self.copies[self.slots.index[(i, j)]] += payload

    def full(self, i: int) -> tuple[int, Any]:
        """x̂_i in full float64 (64 bits per entry), for a neighbour whose copy may be stale."""
        batch, _ = self.full_codec.encode(self.x_hat[i : i + 1], None, None)
        decoded, _ = self.full_codec.decode(batch, None)
        return int(batch.nbits[0]), decoded[0]

    def receive_full(self, i: int, j: int, payload: Any) -> None:
        """Replace agent i's copy of x̂_j by x̂_j itself."""
        self.copies[self.slots.index[(i, j)]] = payload

    def mix(self, i: int, t: int, senders: IntArray, weights: FloatArray, own: float) -> None:
        """x_i ← x_i + γ (Σ_j w_ij copy_ij + (w_ii − 1) x̂_i)."""
        held = weights @ self.copies[self.slots.of_senders(i, senders)]
        self.x[i] += self.gamma * (held + (own - 1.0) * self.x_hat[i])
