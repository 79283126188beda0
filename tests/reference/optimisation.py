"""The optimisation algorithms one agent at a time, written from the papers' pseudo-code.

Each function returns ``(history, bits)``: the agents' values after every round (stacked
``(K, D)``, workers only for coordinator algorithms) and the payload bits of every round, each
message counted once per receiver. Gradients come from ``problem.gradients`` on the agents'
stacked values (row k is ∇f_k at agent k's own point): the problem is the system under test
elsewhere; here the algorithm's logic is written agent by agent.
"""

import math

import numpy as np

from gossip_sim._random import stream
from gossip_sim.compress import Lattice
from gossip_sim.compress.grid import quant
from gossip_sim.compress.linear import gaussian_sketch

from .gossip import ChocoAgents


def _dense(W):
    return np.asarray(W.todense() if hasattr(W, "todense") else W)


def _gradient(problem, x, k):
    """∇f_k at agent k's point x[k] (x is a dict agent → vector)."""
    stack = np.array([x[i] for i in sorted(x)])
    return problem.gradients(stack)[k]


def dgd(graph, W, problem, eta, rounds):
    """Nedić & Ozdaglar: x_i ← Σ_j w_ij x_j − η ∇f_i(x_i); 64 bits per entry per message."""
    W = _dense(W)
    x = dict(enumerate(problem.initial()))
    history, bits = [], []
    for _ in range(rounds):
        inbox = {i: {j: x[j].copy() for j in graph.neighbors(i)} for i in graph.nodes}
        new = {}
        for i in graph.nodes:
            mixed = W[i, i] * x[i] + sum(W[i, j] * inbox[i][j] for j in graph.neighbors(i))
            new[i] = mixed - eta * _gradient(problem, x, i)
        x = new
        history.append(np.array([x[i] for i in sorted(x)]))
        bits.append(sum(64 * problem.dim * graph.degree(i) for i in graph.nodes))
    return history, bits


def choco_sgd(graph, W, problem, compressor, eta, gamma, rounds, seed, shared_seed):
    """Koloskova et al. Alg. 2 with full gradients: gradient step, then CHOCO-GOSSIP."""
    agents = ChocoAgents(graph, W, compressor, gamma, problem.dim, seed, shared_seed)
    x = dict(enumerate(problem.initial()))
    history, bits = [], []
    for _ in range(rounds):
        half = {i: x[i] - eta * _gradient(problem, x, i) for i in agents.nodes}
        x, round_bits = agents.round(half)
        history.append(np.array([x[i] for i in agents.nodes]))
        bits.append(round_bits)
    return history, bits


def parameter_server(problem, eta, rounds):
    """Workers send ∇f_k(θ) (float64) to the hub; it returns the sum; θ ← θ − η Σ."""
    n, dim = problem.n_agents, problem.dim
    theta = {k: problem.initial()[k].copy() for k in range(n)}
    history, bits = [], []
    for _ in range(rounds):
        at_hub = [_gradient(problem, theta, k) for k in range(n)]
        total = sum(at_hub)
        theta = {k: theta[k] - eta * total for k in range(n)}
        history.append(np.array([theta[k] for k in range(n)]))
        bits.append(2 * n * 64 * dim)
    return history, bits


def korhonen_alistarh(problem, schedule, rounds):
    """K&A Appendix C.1, steps (1)–(3), with one lattice message per node and one per receiver."""
    n, dim = problem.n_agents, problem.dim
    x = problem.initial()[0].copy()
    q_node = {i: np.zeros(dim) for i in range(n)}  # q_i at node i
    q_hub = {i: np.zeros(dim) for i in range(n)}  # q_i at the coordinator
    q_at = {i: np.zeros(dim) for i in range(n)}  # q at node i
    q_coordinator = np.zeros(dim)  # q at the coordinator
    gamma = 1.0 / schedule.beta
    history, bits = [], []
    for t in range(rounds):
        x = x - gamma * q_at[0]  # (1), identical at every node
        radius = schedule.radius(t + 1)
        up = Lattice(eps=schedule.delta * radius / (2 * n), radius=radius / n)
        round_bits = 0
        for i in range(n):  # (2)
            grad = _gradient(problem, {k: x for k in range(n)}, i)
            message, _ = up.encode(grad[None, :], q_node[i][None, :], None)
            round_bits += message.total_bits
            q_node[i] = up.decode(message, q_node[i][None, :])[0][0]
            q_hub[i] = up.decode(message, q_hub[i][None, :])[0][0]
        r = sum(q_hub[i] for i in range(n))
        down = Lattice(eps=schedule.delta * radius / 2, radius=(1 + schedule.delta / 2) * radius)
        message, _ = down.encode(r[None, :], q_coordinator[None, :], None)  # (3)
        q_coordinator = down.decode(message, q_coordinator[None, :])[0][0]
        for i in range(n):
            round_bits += message.total_bits
            q_at[i] = down.decode(message, q_at[i][None, :])[0][0]
        history.append(np.tile(x, (n, 1)))
        bits.append(round_bits)
    return history, bits


def sketch_matrix(problem, h, seed):
    """B of the (single, wide) block, from the run's shared seed as every agent draws it."""
    shared = int(stream(seed, "shared").integers(2**63)) % 2**62
    return gaussian_sketch(h, problem.dim, shared)


def song_server(problem, B, eta, b, b0, r0, decay, rounds):
    """Song et al. Alg. 1 with F(x) = Bx, F̃(y) = Bᵀy and Definition 4's quant (one block)."""
    n = problem.n_agents
    theta = problem.initial()[0].copy()
    q = {}
    radius0 = r0
    history, bits = [], []
    for t in range(rounds):
        thetas = {k: theta for k in range(n)}
        g = {k: B @ _gradient(problem, thetas, k) for k in range(n)}
        h = B.shape[0]
        if t == 0:
            for k in range(n):
                r_k = float(np.abs(g[k]).max()) or 1.0
                q[k] = quant(g[k], np.zeros(h), r_k, b0)
            radius0 = 2.0 * max(float(np.abs(q[k]).max()) for k in range(n)) if r0 == "auto" else r0
            per_message = h * b0 + 64
        else:
            r = radius0 * decay**t
            for k in range(n):
                q[k] = quant(g[k], q[k], r, b)
            per_message = h * b
        theta = theta - eta * (B.T @ sum(q[k] for k in range(n)))
        history.append(np.tile(theta, (n, 1)))
        bits.append(n * per_message + n * (n * per_message))  # uplink + the tuple to each
    return history, bits


def song_decentralized(graph, W, problem, B, compressor, eta, gamma, rounds, seed, shared_seed):
    """Song et al. Alg. 2: ⌊ln(t+100)⌋ CHOCO-GOSSIP rounds on Bg_k per iteration (warm x̂)."""
    agents = ChocoAgents(graph, W, compressor, gamma, B.shape[0], seed, shared_seed)
    theta = dict(enumerate(problem.initial()))
    history, bits = [], []
    for t in range(rounds):
        v = {i: B @ _gradient(problem, theta, i) for i in agents.nodes}
        round_bits = 0
        for _ in range(math.floor(math.log(t + 100))):
            v, gossip_bits = agents.round(v)
            round_bits += gossip_bits
        theta = {i: theta[i] - eta * (B.T @ v[i]) for i in agents.nodes}
        history.append(np.array([theta[i] for i in agents.nodes]))
        bits.append(round_bits)
    return history, bits
