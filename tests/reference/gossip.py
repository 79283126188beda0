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


def choco_gossip(graph, W, x0, compressor, gamma, rounds, seed, shared_seed):
    """CHOCO-GOSSIP as written: every agent keeps x̂_j for j ∈ N(i) ∪ {i}.

    Agent i compresses with its own stream ``stream(seed, "compress", i)`` and the compressor
    state for sender i; each receiver decodes a payload with its own copy of that state.
    """
    W = np.asarray(W.todense() if hasattr(W, "todense") else W)
    nodes = sorted(graph.nodes)
    dim = x0.shape[1]
    x = {i: x0[i].copy() for i in nodes}
    hat = {i: {j: np.zeros(dim) for j in [*graph.neighbors(i), i]} for i in nodes}
    rngs = {i: stream(seed, "compress", i) for i in nodes}

    def state_of(sender):
        return compressor.init((1, dim), seed=shared_seed, agents=[sender])

    sender_state = {i: state_of(i) for i in nodes}
    receiver_state = {(i, j): state_of(j) for i in nodes for j in hat[i]}
    history, bits = [], []
    for _ in range(rounds):
        payloads, round_bits = {}, 0
        for i in nodes:
            diff = (x[i] - hat[i][i])[None, :]
            payloads[i], sender_state[i] = compressor.encode(diff, sender_state[i], [rngs[i]])
            round_bits += payloads[i].total_bits * graph.degree(i)
        for i in nodes:
            for j in hat[i]:
                q, receiver_state[i, j] = compressor.decode(payloads[j], receiver_state[i, j])
                hat[i][j] = hat[i][j] + q[0]
        for i in nodes:
            x[i] = x[i] + gamma * sum(W[i, j] * (hat[i][j] - hat[i][i]) for j in graph.neighbors(i))
        history.append(np.array([x[i] for i in nodes]))
        bits.append(round_bits)
    return history, bits
