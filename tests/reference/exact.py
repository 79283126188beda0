"""DIGing, EXTRA and NIDS one agent at a time, written from the papers' update equations.

Each agent keeps what it received from each neighbour in an inbox; every sum is a loop over the
agent's neighbours with the scalar weights w_ij (no W matrix products). Each function returns
``(history, bits)`` as the references in :mod:`reference.optimisation` do: the agents' values
after every round and the payload bits of every round (64 bits per float64 entry, each message
counted once per receiver).
"""

import numpy as np


def _dense(W):
    return np.asarray(W.todense() if hasattr(W, "todense") else W)


def _gradients(problem, x):
    """∇f_k at agent k's own point x[k], for every agent (x: dict agent → vector)."""
    rows = problem.gradients(np.array([x[i] for i in sorted(x)]))
    return {i: rows[i].copy() for i in sorted(x)}


def _stack(x):
    return np.array([x[i] for i in sorted(x)])


def _mix(graph, W, i, own, inbox):
    """Σ_j w_ij v_j over agent i and its neighbours, from what agent i holds."""
    total = W[i, i] * own
    for j in graph.neighbors(i):
        total = total + W[i, j] * inbox[j]
    return total


def _bits(graph, dim, vectors):
    return sum(64 * vectors * dim * graph.degree(i) for i in graph.nodes)


def diging(graph, W, problem, eta, rounds):
    """Nedić, Olshevsky & Shi 2017, eqs. (3)-(4): x_i ← Σ_j w_ij x_j − η y_i;
    y_i ← Σ_j w_ij y_j + ∇f_i(x_i^new) − ∇f_i(x_i^old); y_i^0 = ∇f_i(x_i^0)."""
    W = _dense(W)
    x = dict(enumerate(problem.initial()))
    g = _gradients(problem, x)
    y = {i: g[i].copy() for i in x}
    history, bits = [], []
    for _ in range(rounds):
        inbox = {i: {j: (x[j].copy(), y[j].copy()) for j in graph.neighbors(i)} for i in x}
        new_x = {}
        for i in x:
            xs = {j: pair[0] for j, pair in inbox[i].items()}
            new_x[i] = _mix(graph, W, i, x[i], xs) - eta * y[i]
        new_g = _gradients(problem, new_x)
        new_y = {}
        for i in x:
            ys = {j: pair[1] for j, pair in inbox[i].items()}
            new_y[i] = _mix(graph, W, i, y[i], ys) + new_g[i] - g[i]
        x, y, g = new_x, new_y, new_g
        history.append(_stack(x))
        bits.append(_bits(graph, problem.dim, 2))
    return history, bits


def extra(graph, W, problem, eta, rounds):
    """Shi, Ling, Wu & Yin 2015 with w̃_ij = (δ_ij + w_ij)/2:
    x_i^1 = Σ_j w_ij x_j^0 − η∇f_i(x_i^0);
    x_i^{t+2} = x_i^{t+1} + Σ_j w_ij x_j^{t+1} − Σ_j w̃_ij x_j^t − η(∇f_i(x_i^{t+1}) − ∇f_i(x_i^t)).
    Agent i keeps the inbox of the round before for the Σ_j w̃_ij x_j^t term."""
    W = _dense(W)
    x = dict(enumerate(problem.initial()))
    g = _gradients(problem, x)
    previous = None  # (x_i^t, inbox of x_j^t, ∇f_i(x_i^t)) per agent
    history, bits = [], []
    for _ in range(rounds):
        inbox = {i: {j: x[j].copy() for j in graph.neighbors(i)} for i in x}
        new = {}
        for i in x:
            mixed = _mix(graph, W, i, x[i], inbox[i])
            if previous is None:
                new[i] = mixed - eta * g[i]
                continue
            x_old, inbox_old, g_old = previous[i]
            tilde = 0.5 * (1.0 + W[i, i]) * x_old
            for j in graph.neighbors(i):
                tilde = tilde + 0.5 * W[i, j] * inbox_old[j]
            new[i] = x[i] + mixed - tilde - eta * (g[i] - g_old)
        previous = {i: (x[i], inbox[i], g[i]) for i in x}
        x = new
        g = _gradients(problem, x)
        history.append(_stack(x))
        bits.append(_bits(graph, problem.dim, 1))
    return history, bits


def nids(graph, W, problem, eta, rounds):
    """Li, Shi & Yan 2019, eq. (9), w̃_ij = (δ_ij + w_ij)/2: x_i^1 = x_i^0 − η∇f_i(x_i^0);
    z_i = 2x_i^{t+1} − x_i^t − η∇f_i(x_i^{t+1}) + η∇f_i(x_i^t), sent; x_i^{t+2} = Σ_j w̃_ij z_j.
    The first step needs no message: it is taken in round 0, whose values are x^2."""
    W = _dense(W)
    x_old = dict(enumerate(problem.initial()))
    g_old = _gradients(problem, x_old)
    x = {i: x_old[i] - eta * g_old[i] for i in x_old}
    g = _gradients(problem, x)
    history, bits = [], []
    for _ in range(rounds):
        z = {i: 2.0 * x[i] - x_old[i] - eta * g[i] + eta * g_old[i] for i in x}
        inbox = {i: {j: z[j].copy() for j in graph.neighbors(i)} for i in x}
        new = {}
        for i in x:
            total = 0.5 * (1.0 + W[i, i]) * z[i]
            for j in graph.neighbors(i):
                total = total + 0.5 * W[i, j] * inbox[i][j]
            new[i] = total
        x_old, g_old, x = x, g, new
        g = _gradients(problem, x)
        history.append(_stack(x))
        bits.append(_bits(graph, problem.dim, 1))
    return history, bits
