"""Full engine vs a bare NumPy loop of the same CHOCO-GOSSIP update (issue 19, goal 1).

The full engine: ``gossip_sim.execute`` (graph, W, problem, network timing, QSGD encoded to real
bytes and decoded, the trace with every round's errors). The floor: ``floors.bare_choco_qsgd``
from the benchmark suite, the same update on the same (K, D) arrays with a sparse W and one
``einsum`` consensus error per round, under one BLAS thread, and no network, no events and no
bytes. "steps alone" is the algorithm's own rounds (real encoding, no network, no trace).

Each is run once untimed (first-use costs: lazy imports, caches), then ``--repeats`` times in
turn, so a burst of load on a shared machine hits all three alike; the medians are compared.

    python benchmarks/engine_vs_numpy.py [--topology torus] [--agents 256] [--dim 1000]
                                         [--rounds 200] [--repeats 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "suite"))
from floors import bare_choco_qsgd, one_blas_thread  # benchmarks/ is no package
from suite_timing import seconds

import gossip_sim as gs
from gossip_sim.simulation import build


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--topology", default="torus")
    parser.add_argument("--agents", type=int, default=256)
    parser.add_argument("--dim", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--levels", type=int, default=16)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    config = gs.RunConfig(
        topology=args.topology, agents=args.agents, dim=args.dim, rounds=args.rounds,
        target=None, compressor=f"qsgd:s={args.levels},scaled=true",
    )  # fmt: skip
    setup = build(config)
    x0, gamma = setup.problem.initial(), float(setup.algorithm.gamma)

    def floor() -> None:
        with one_blas_thread():
            bare_choco_qsgd(setup.W, x0, args.levels, gamma, args.rounds)

    def steps() -> float:  # the algorithm's rounds alone, on an algorithm built untimed
        algorithm = build(config).algorithm
        return seconds(lambda: [algorithm.step(t) for t in range(args.rounds)])

    trace = gs.execute(config)  # warm-up of each, untimed
    floor()
    steps()
    engine_s, floor_s, steps_s = [], [], []
    for _ in range(args.repeats):
        engine_s.append(seconds(lambda: gs.execute(config)))
        floor_s.append(seconds(floor))
        steps_s.append(steps())
    engine, bare, alone = (statistics.median(s) for s in (engine_s, floor_s, steps_s))

    messages = trace.summary().total_messages
    print(
        f"CHOCO-GOSSIP + qsgd:s={args.levels} on {args.topology} K={args.agents} "
        f"D={args.dim}, {args.rounds} rounds, {messages:,} messages; "
        f"medians of {args.repeats} interleaved runs"
    )
    print(f"  bare NumPy loop (sparse W, einsum error, 1 BLAS thread)  {bare:7.3f} s   1.00x")
    print(f"  steps alone (real encoding, no network, no trace)        {alone:7.3f} s   "
          f"{alone / bare:.2f}x")  # fmt: skip
    print(f"  full engine (gossip_sim.execute)                         {engine:7.3f} s   "
          f"{engine / bare:.2f}x")  # fmt: skip
    print(
        f"  engine cost beyond the steps, per message: "
        f"{(engine - alone) / messages * 1e6:.2f} us; SimPy events: {trace.simpy_events:,}"
    )
    print(f"  simulated time {trace.final.time_s:.4g} s, bits {trace.final.cumulative_bits:,}")


if __name__ == "__main__":
    main()
