"""BEER and LEAD written from their algorithm boxes, one agent and one neighbour at a time.

Each agent compresses its own row with its own random stream and its own compressor state; the
sums over neighbours are written as loops. Nothing is shared with the batched engine but the
compressor and the problem's gradients (taken row by row).
"""

from __future__ import annotations

import numpy as np

from gossip_sim._random import stream


def _neighbours(Wd: np.ndarray, i: int) -> list[int]:
    return [j for j in range(Wd.shape[0]) if Wd[i, j] != 0.0]


class _Row:
    """One agent's compressor: its state, its stream; encode then decode one row."""

    def __init__(self, compressor, d: int, shared: int, rng: np.random.Generator, i: int):
        self.compressor, self.rng = compressor, rng
        self.state = compressor.init((1, d), seed=shared, agents=[i])

    def __call__(self, row: np.ndarray) -> tuple[np.ndarray, int]:
        batch, _ = self.compressor.encode(row[None, :], self.state, [self.rng])
        q, self.state = self.compressor.decode(batch, self.state)
        return q[0], int(batch.nbits[0])


def _gradient(problem, x: list[np.ndarray], i: int) -> np.ndarray:
    return problem.gradients(np.array(x))[i]


def beer(W, problem, compressor, gamma, eta, seed, rounds):
    """Zhao et al. 2022, Algorithm 1, with H⁰ = C(x⁰), G⁰ = C(v⁰) sent in round 0.

    Returns the iterates after each round and each agent's message bits per round.
    """
    Wd = W.toarray()
    K, d = problem.initial().shape
    shared_x = int(stream(seed, "shared").integers(2**63))
    shared_v = int(stream(seed, "shared", 1).integers(2**63))
    cx = [_Row(compressor, d, shared_x, stream(seed, "compress", i), i) for i in range(K)]
    cv = [_Row(compressor, d, shared_v, stream(seed, "compress", K + i), i) for i in range(K)]
    x = [row.copy() for row in problem.initial()]
    g = [_gradient(problem, x, i) for i in range(K)]
    v = [row.copy() for row in g]
    H = [np.zeros(d) for _ in range(K)]
    G = [np.zeros(d) for _ in range(K)]
    xs, bits = [], []
    for _ in range(rounds):
        sent = []
        for i in range(K):  # H_i ← H_i + C(x_i − H_i), G_i ← G_i + C(v_i − G_i): one message
            qh, nh = cx[i](x[i] - H[i])
            qg, ng = cv[i](v[i] - G[i])
            H[i] = H[i] + qh
            G[i] = G[i] + qg
            sent.append(nh + ng)
        new_x = []
        for i in range(K):  # x_i + γ Σ_j w_ij (H_j − H_i) − η v_i
            mix = sum(Wd[i, j] * (H[j] - H[i]) for j in _neighbours(Wd, i))
            new_x.append(x[i] + gamma * mix - eta * v[i])
        new_g = [_gradient(problem, new_x, i) for i in range(K)]
        for i in range(K):  # v_i + γ Σ_j w_ij (G_j − G_i) + ∇f_i(x_i⁺) − ∇f_i(x_i)
            mix = sum(Wd[i, j] * (G[j] - G[i]) for j in _neighbours(Wd, i))
            v[i] = v[i] + gamma * mix + (new_g[i] - g[i])
        x, g = new_x, new_g
        xs.append(np.array(x))
        bits.append(sent)
    return xs, bits


def lead(W, problem, compressor, gamma, alpha, eta, seed, rounds):
    """Liu et al. 2021, Algorithm 1 and COMM, with H¹ = 0, D¹ = 0, X¹ = X⁰ − η ∇F(X⁰)."""
    Wd = W.toarray()
    K, d = problem.initial().shape
    shared = int(stream(seed, "shared").integers(2**63))
    comp = [_Row(compressor, d, shared, stream(seed, "compress", i), i) for i in range(K)]
    x0 = list(problem.initial())
    x = [x0[i] - eta * _gradient(problem, x0, i) for i in range(K)]
    H = [np.zeros(d) for _ in range(K)]
    Hw = [np.zeros(d) for _ in range(K)]  # Σ_j w_ij H_j
    D = [np.zeros(d) for _ in range(K)]
    xs, bits = [], []
    for _ in range(rounds):
        grad = [_gradient(problem, x, i) for i in range(K)]
        Q, sent = [], []
        for i in range(K):  # Y_i = X_i − η ∇f_i(X_i) − η D_i;  Q_i = C(Y_i − H_i)
            y = x[i] - eta * grad[i] - eta * D[i]
            q, n = comp[i](y - H[i])
            Q.append(q)
            sent.append(n)
        for i in range(K):
            y_hat = H[i] + Q[i]
            y_w = Hw[i] + sum(Wd[i, j] * Q[j] for j in _neighbours(Wd, i))
            H[i] = (1 - alpha) * H[i] + alpha * y_hat
            Hw[i] = (1 - alpha) * Hw[i] + alpha * y_w
            D[i] = D[i] + gamma / (2 * eta) * (y_hat - y_w)
            x[i] = x[i] - eta * grad[i] - eta * D[i]
        xs.append(np.array(x))
        bits.append(sent)
    return xs, bits
