"""Full engine vs a bare NumPy loop of the same CHOCO-GOSSIP update (issue 5).

The full engine: SimPy events for every message, QSGD encoded to real bytes and decoded.
The bare loop: the same update (QSGD quantisation, rescaled by 1/tau, and x += gamma (W x^ - x^))
on the same (K, D) arrays, with no network, no events and no byte encoding.

    python benchmarks/engine_vs_numpy.py [--agents 256] [--dim 1000] [--rounds 200]
"""

import argparse
import time

import numpy as np

import gossip_sim as gs
from gossip_sim.algorithms import ChocoGossip
from gossip_sim.engine import run
from gossip_sim.problems import Consensus


def bare_choco_qsgd(W, x, levels, gamma, rounds, rng):
    d = x.shape[1]
    tau = 1 + min(d / levels**2, np.sqrt(d) / levels)
    x_hat = np.zeros_like(x)
    for _ in range(rounds):
        v = x - x_hat
        norm = np.linalg.norm(v, axis=1, keepdims=True)
        scaled = np.abs(v) / np.where(norm > 0, norm, 1) * levels
        level = np.floor(scaled + rng.random(v.shape))
        x_hat += np.sign(v) * norm * level / levels / tau
        x = x + gamma * (W @ x_hat - x_hat)
    return x


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--topology", default="torus")
    parser.add_argument("--agents", type=int, default=256)
    parser.add_argument("--dim", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--levels", type=int, default=16)
    args = parser.parse_args()

    graph = gs.topology.build(args.topology, args.agents, links="datacenter")
    W = gs.mixing.mixing_matrix("metropolis-hastings", graph)
    problem = Consensus(args.agents, args.dim, seed=0)
    compressor = gs.compress.create(f"qsgd:s={args.levels},scaled=true")

    start = time.perf_counter()
    alg = ChocoGossip(graph, W, problem, compressor, gamma=0.2, seed=0)
    trace = run(alg, graph, rounds=args.rounds)
    engine_s = time.perf_counter() - start

    start = time.perf_counter()
    bare_choco_qsgd(W, problem.initial(), args.levels, 0.2, args.rounds, np.random.default_rng(0))
    bare_s = time.perf_counter() - start

    # the algorithm alone: real encoding/decoding, no SimPy
    alg2 = ChocoGossip(graph, W, problem, compressor, gamma=0.2, seed=0)
    start = time.perf_counter()
    for t in range(args.rounds):
        alg2.step(t)
    values_s = time.perf_counter() - start

    events = trace.simpy_events
    messages = trace.summary().total_messages
    print(
        f"CHOCO-GOSSIP + qsgd:s={args.levels} on {args.topology} K={args.agents} "
        f"D={args.dim}, {args.rounds} rounds, {messages:,} messages"
    )
    print(f"  bare NumPy loop (no network, no encoding)  {bare_s:8.3f} s   1.00x")
    print(
        f"  algorithm with real encoding, no SimPy     {values_s:8.3f} s   {values_s / bare_s:.2f}x"
    )
    print(
        f"  full engine (SimPy events + encoding)      {engine_s:8.3f} s   {engine_s / bare_s:.2f}x"
    )
    print(
        f"  SimPy events: {events:,}  ({events / engine_s:,.0f} per second of run time, "
        f"{events / messages:.1f} per message)"
    )
    print(
        f"  engine cost per message: {(engine_s - values_s) / messages * 1e6:.1f} us "
        f"({messages / engine_s:,.0f} messages per second of run time)"
    )
    print(f"  simulated time {trace.final.time_s:.4g} s, bits {trace.final.cumulative_bits:,}")


if __name__ == "__main__":
    main()
