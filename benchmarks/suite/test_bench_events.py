"""The event-driven path against the batched fast path on a fault-free run (issue 18).

CHOCO-GOSSIP + QSGD (s = 16, scaled) on a torus of K = 256, D = 1000, as
``benchmarks/events_vs_fast.py``: ``gossip_sim.events.rounds.run`` against
``gossip_sim.engine.run``, each on an algorithm built untimed, interleaved. ``ratio`` =
events / fast. Quick mode: 20 rounds instead of 200.
"""

from __future__ import annotations

from typing import Any

from suite_timing import against, seconds

import gossip_sim as gs
from gossip_sim import engine
from gossip_sim.events import rounds as event_rounds
from gossip_sim.faults.plan import FaultPlan

K, D = 256, 1000


def test_events_vs_fast(benchmark: Any, quick: bool) -> None:
    rounds = 20 if quick else 200
    graph = gs.topology.build("torus", K, links="datacenter")
    W = gs.mixing.mixing_matrix("metropolis-hastings", graph)

    def algorithm() -> Any:
        problem = gs.problems.create("consensus", n_agents=K, dim=D)
        return gs.algorithms.create(
            "choco-gossip", graph, W, problem, compressor="qsgd:s=16,scaled=true"
        )

    def fast() -> float:
        alg = algorithm()
        return seconds(lambda: engine.run(alg, graph, rounds=rounds))

    def events(alg: Any) -> None:
        event_rounds.run(alg, graph, W, FaultPlan(), rounds=rounds)

    against(benchmark, events, fast, rounds=1 if quick else 3, prepare=lambda: ((algorithm(),), {}))
    benchmark.extra_info.update(
        figure="event-driven path / fast path (fault-free CHOCO-GOSSIP)",
        topology="torus", agents=K, dim=D, rounds=rounds, compressor="qsgd:s=16,scaled=true",
    )  # fmt: skip
