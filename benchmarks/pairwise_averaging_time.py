"""Pairwise gossip on a ring: measured epsilon-averaging time vs Boyd et al.'s bound (2006).

Boyd, Ghosh, Prabhakar & Shah, "Randomized gossip algorithms", Theorem 3: with the natural
P (agent i picks each of its d_i neighbours with probability 1/d_i) the expected W of one
tick is W_bar = I - D/(2n) + (P + P^T)/(2n), D = diag(sum_j P_ij + P_ji), and the
epsilon-averaging time in clock ticks lies between 0.5 log(1/eps) / log(1/lambda_2(W_bar))
and 3 log(1/eps) / log(1/lambda_2(W_bar)). With K clocks of rate 1 there are K ticks per
simulated second. Measured: the first record (every K ticks) at which
||x - x_bar|| <= eps ||x(0) - x_bar||, per seed, on gossip_sim's engine (datacenter links).

Run: python benchmarks/pairwise_averaging_time.py
"""

from __future__ import annotations

import math

import networkx as nx
import numpy as np

import gossip_sim as gs
from gossip_sim.events import asynchronous


def boyd_bounds(graph: nx.Graph, eps: float) -> tuple[float, float, float]:
    """Return (lambda_2(W_bar), lower, upper) bounds in clock ticks."""
    n = graph.number_of_nodes()
    A = nx.to_numpy_array(graph, nodelist=range(n))
    P = A / A.sum(axis=1, keepdims=True)
    D = np.diag((P + P.T).sum(axis=1))
    W_bar = np.eye(n) - D / (2 * n) + (P + P.T) / (2 * n)
    lam2 = float(np.sort(np.linalg.eigvalsh(W_bar))[-2])
    rate = math.log(1 / lam2)
    return lam2, 0.5 * math.log(1 / eps) / rate, 3 * math.log(1 / eps) / rate


def measured_ticks(k: int, eps: float, seed: int, dim: int = 4) -> int:
    """Return the clock ticks pairwise gossip on a ring of k took to reach eps (one seed)."""
    graph = gs.topology.build("ring", k)
    problem = gs.problems.create("consensus", n_agents=k, dim=dim, seed=seed)
    alg = gs.algorithms.create("pairwise-gossip", graph, None, problem, seed=seed)
    start = problem.error(problem.initial())
    trace = asynchronous.run(alg, graph, rounds=100_000, target=eps**2 * start, seed=seed)
    return trace.final.round * k


def main() -> None:
    eps = 1e-3
    print(f"eps = {eps:g}; ticks (seconds = ticks / K); 20 seeds")
    print("K   lambda_2(W_bar)  lower bound  measured mean (max)  upper bound")
    for k in (8, 16, 32):
        lam2, low, high = boyd_bounds(nx.cycle_graph(k), eps)
        ticks = [measured_ticks(k, eps, seed) for seed in range(20)]
        print(
            f"{k:<3} {lam2:.6f}         {low:8.0f}     {np.mean(ticks):8.0f} ({max(ticks):.0f})"
            f"      {high:8.0f}"
        )


if __name__ == "__main__":
    main()
