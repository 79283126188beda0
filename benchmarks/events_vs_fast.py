"""The event-driven engine on a fault-free run vs the batched fast path (issue 18).

Both run CHOCO-GOSSIP with QSGD (s = 16) on the same torus, with real encoding and SimPy
events; the fast path computes each round for all agents at once, the event-driven path agent by
agent from the messages that reached each. Their traces agree (tests/test_events.py); this
measures what the per-agent path costs.

    python benchmarks/events_vs_fast.py [--agents 256] [--dim 1000] [--rounds 200] [--repeats 3]

Prints the median wall time of each and the ratio events / fast, as JSON on the last line.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

import numpy as np

import gossip_sim as gs
from gossip_sim import engine
from gossip_sim.events import rounds
from gossip_sim.faults.plan import FaultPlan


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--topology", default="torus")
    parser.add_argument("--agents", type=int, default=256)
    parser.add_argument("--dim", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    graph = gs.topology.build(args.topology, args.agents, links="datacenter")
    W = gs.mixing.mixing_matrix("metropolis-hastings", graph)

    def algorithm():
        problem = gs.problems.create("consensus", n_agents=args.agents, dim=args.dim)
        return gs.algorithms.create(
            "choco-gossip", graph, W, problem, compressor="qsgd:s=16,scaled=true"
        )

    times: dict[str, list[float]] = {"fast": [], "events": []}
    finals = {}
    for _ in range(args.repeats):
        for name in ("fast", "events"):
            alg = algorithm()
            start = time.perf_counter()
            if name == "fast":
                trace = engine.run(alg, graph, rounds=args.rounds)
            else:
                trace = rounds.run(alg, graph, W, FaultPlan(), rounds=args.rounds)
            times[name].append(time.perf_counter() - start)
            finals[name] = trace.final_values
    gap = float(np.max(np.abs(finals["fast"] - finals["events"])))
    fast, events = statistics.median(times["fast"]), statistics.median(times["events"])
    print(f"fast path   {fast:8.2f} s   (median of {args.repeats})")
    print(f"event path  {events:8.2f} s")
    print(f"ratio events / fast: {events / fast:.2f}   largest value difference: {gap:.1e}")
    result = {"fast_s": fast, "events_s": events, "ratio": events / fast, "max_diff": gap}
    print(json.dumps({**vars(args), **result}))


if __name__ == "__main__":
    main()
