"""Issue 19, goal 2: what the network timing costs per message, on a ring of K = 10⁴, D = 100.

``gossip_sim.engine.run`` (SimPy times every message) against the same algorithm's rounds alone
(real encoding, no SimPy), both on algorithms built untimed: ``per_message_us`` = (engine −
rounds alone) / messages, the amortised cost of timing a message. ``ratio`` = engine / rounds
alone. Quick mode: K = 10³.
"""

from __future__ import annotations

import statistics

from floors import bare_choco_qsgd, one_blas_thread
from suite_timing import against, seconds

import gossip_sim as gs
from gossip_sim import engine
from gossip_sim.simulation import build

D = 100


def test_network_cost_per_message(benchmark, quick):
    agents, rounds = (1_000, 10) if quick else (10_000, 10)
    config = gs.RunConfig(topology="ring", agents=agents, dim=D, rounds=rounds, target=None)
    setup = build(config)
    x0, gamma = setup.problem.initial(), float(setup.algorithm.gamma)
    floor_s: list[float] = []
    traces: list[gs.trace.Trace] = []

    def steps() -> float:  # the rounds alone, on an algorithm built untimed
        algorithm = build(config).algorithm
        return seconds(lambda: [algorithm.step(t) for t in range(rounds)])

    def prepare() -> tuple[tuple[object, ...], dict[str, object]]:
        with one_blas_thread():  # the floor of the ring figure, interleaved too
            floor_s.append(seconds(lambda: bare_choco_qsgd(setup.W, x0, 16, gamma, rounds)))
        return (build(config).algorithm, setup.graph), {"rounds": rounds}

    def run(algorithm: object, graph: object, rounds: int) -> None:
        traces.append(engine.run(algorithm, graph, rounds=rounds))

    engine_s, steps_s = against(benchmark, run, steps, rounds=1 if quick else 2, prepare=prepare)
    summary = traces[-1].summary()
    messages = summary.total_messages
    benchmark.extra_info.update(
        figure="network timing per message: (engine.run - algorithm rounds alone) / messages",
        topology="ring", agents=agents, dim=D, rounds=rounds, compressor=config.compressor,
        messages=messages, simpy_events=summary.simpy_events,
        floor_median_s=statistics.median(floor_s),
    )  # fmt: skip
    if engine_s is not None:
        benchmark.extra_info["per_message_us"] = (engine_s - steps_s) / messages * 1e6
        benchmark.extra_info["engine_vs_floor"] = engine_s / statistics.median(floor_s)
