"""The fast path's network timing alone: SimPy events vs array operations, per message.

An algorithm that only sends (every agent to each neighbour, message sizes that vary by
agent and round, one value per agent) runs through :func:`gossip_sim.engine.run` twice: once
with one SimPy process per agent and a SimPy event chain per message, once with the timing
computed a phase at a time with NumPy (``gossip_sim.timing``). What is left of a run besides
the timing (a (K, 1) consensus error per round) is measured alone and taken off.

    python benchmarks/network_timing.py [--topology ring] [--agents 10000] [--rounds 100]
"""

import argparse
import time

import numpy as np

import gossip_sim as gs
from gossip_sim import engine
from gossip_sim.algorithms.base import Exchange, RoundResult
from gossip_sim.problems.base import consensus_error


class SendOnly:
    """Every agent sends ``bits`` (varying) to each neighbour every round; values stay put."""

    name = "send-only"

    def __init__(self, graph):
        edges = np.array(list(graph.edges()), dtype=np.int64).reshape(-1, 2)
        self.src = np.concatenate([edges[:, 0], edges[:, 1]])
        self.dst = np.concatenate([edges[:, 1], edges[:, 0]])
        self.k = graph.number_of_nodes()
        self.values0 = np.zeros((self.k, 1))
        self.rng = np.random.default_rng(0)

    def step(self, t):
        nbits = self.rng.integers(1000, 9000, size=self.k)[self.src]
        return RoundResult([Exchange(self.src, self.dst, nbits)], self.values0)

    def describe(self):
        return {}


def timed(graph, rounds, mode):
    alg = SendOnly(graph)
    start = time.perf_counter()
    with engine._timing(mode):
        trace = engine.run(alg, graph, rounds=rounds)
    return time.perf_counter() - start, trace


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--topology", default="ring")
    parser.add_argument("--agents", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=100)
    parser.add_argument("--nic-egress", type=float, default=None)
    args = parser.parse_args()
    graph = gs.topology.build(args.topology, args.agents, links="lan", nic_egress=args.nic_egress)

    alg = SendOnly(graph)  # the rest of a run: a step and two errors per round
    start = time.perf_counter()
    for t in range(args.rounds):
        values = alg.step(t).values
        consensus_error(values), consensus_error(values)
    rest = time.perf_counter() - start

    results = {mode: timed(graph, args.rounds, mode) for mode in ("events", "arrays")}
    messages = results["arrays"][1].summary().total_messages
    same = [r[1].agent_finish.tobytes() for r in results.values()]
    print(f"{args.topology} K={args.agents}, {args.rounds} rounds, {messages:,} messages")
    for mode, (seconds, _) in results.items():
        per_message = (seconds - rest) / messages * 1e6
        print(f"  {mode:7s} {seconds:8.3f} s   timing {per_message:6.2f} us per message")
    print(f"  same finish times, to the bit: {same[0] == same[1]}")


if __name__ == "__main__":
    main()
