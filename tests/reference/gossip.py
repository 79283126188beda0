"""Exact gossip and CHOCO-GOSSIP, one agent at a time (Koloskova, Stich & Jaggi 2019, Alg. 1)."""

import numpy as np

from gossip_sim._random import stream


def exact_gossip(graph, W, x0, rounds):
    """x_i ← Σ_j w_ij x_j with each agent reading its neighbours' last vectors."""
    W = np.asarray(W.todense() if hasattr(W, "todense") else W)
    x = {i: x0[i].copy() for i in graph.nodes}
    history = []
    for _ in range(rounds):
        received = {i: {j: x[j].copy() for j in graph.neighbors(i)} for i in graph.nodes}
        x = {
            i: W[i, i] * x[i] + sum(W[i, j] * received[i][j] for j in graph.neighbors(i))
            for i in graph.nodes
        }
        history.append(np.array([x[i] for i in sorted(x)]))
    return history


class ChocoAgents:
    """CHOCO-GOSSIP as written: every agent i keeps x̂_j for j ∈ N(i) ∪ {i}.

    Agent i compresses with its own stream ``stream(seed, "compress", i)`` and the compressor
    state for sender i; each receiver decodes a payload with its own copy of that state. The
    public copies persist between calls to :meth:`round` (CHOCO-SGD and Song et al.'s
    Algorithm 2 gossip on new values every iteration).
    """

    def __init__(self, graph, W, compressor, gamma, dim, seed, shared_seed):
        self.graph, self.compressor, self.gamma = graph, compressor, gamma
        self.W = np.asarray(W.todense() if hasattr(W, "todense") else W)
        self.nodes = sorted(graph.nodes)
        self.hat = {i: {j: np.zeros(dim) for j in [*graph.neighbors(i), i]} for i in self.nodes}
        self.rngs = {i: stream(seed, "compress", i) for i in self.nodes}

        def state_of(sender):
            return compressor.init((1, dim), seed=shared_seed, agents=[sender])

        self.sender_state = {i: state_of(i) for i in self.nodes}
        self.receiver_state = {(i, j): state_of(j) for i in self.nodes for j in self.hat[i]}

    def round(self, x):
        """One round on ``x`` (agent → vector): return the new values and the round's bits."""
        hat, payloads, round_bits = self.hat, {}, 0
        for i in self.nodes:
            diff = (x[i] - hat[i][i])[None, :]
            payloads[i], self.sender_state[i] = self.compressor.encode(
                diff, self.sender_state[i], [self.rngs[i]]
            )
            round_bits += payloads[i].total_bits * self.graph.degree(i)
        for i in self.nodes:
            for j in hat[i]:
                q, self.receiver_state[i, j] = self.compressor.decode(
                    payloads[j], self.receiver_state[i, j]
                )
                hat[i][j] = hat[i][j] + q[0]
        moved = {
            i: x[i]
            + self.gamma
            * sum(self.W[i, j] * (hat[i][j] - hat[i][i]) for j in self.graph.neighbors(i))
            for i in self.nodes
        }
        return moved, round_bits


def choco_gossip(graph, W, x0, compressor, gamma, rounds, seed, shared_seed):
    """CHOCO-GOSSIP (Koloskova et al. Alg. 1) for ``rounds`` rounds from ``x0``."""
    agents = ChocoAgents(graph, W, compressor, gamma, x0.shape[1], seed, shared_seed)
    x = {i: x0[i].copy() for i in agents.nodes}
    history, bits = [], []
    for _ in range(rounds):
        x, round_bits = agents.round(x)
        history.append(np.array([x[i] for i in agents.nodes]))
        bits.append(round_bits)
    return history, bits
