"""Issue 19, goal 1: the full engine against the bare NumPy loop of the same CHOCO-GOSSIP.

CHOCO-GOSSIP + QSGD (s = 16, scaled) on a torus of K = 256, D = 1000: ``gossip_sim.execute``
(graph, W, problem, SimPy, real bytes) against :func:`floors.bare_choco_qsgd` (sparse W, einsum
error, one BLAS thread). ``ratio`` = engine / floor; ``steps_ratio`` is the algorithm's own
rounds (real encoding, no SimPy), against the same floor; ``build_median_s`` is the part of
the engine's time spent building graph, W, problem and algorithm. All run interleaved.
"""

from __future__ import annotations

import statistics

from floors import bare_choco_qsgd, one_blas_thread
from suite_timing import against, seconds

import gossip_sim as gs
from gossip_sim.simulation import build

K, D, LEVELS = 256, 1000, 16


def test_engine_vs_bare_numpy(benchmark, quick):
    rounds = 20 if quick else 200
    config = gs.RunConfig(topology="torus", agents=K, dim=D, rounds=rounds, target=None,
                          compressor=f"qsgd:s={LEVELS},scaled=true")  # fmt: skip
    setup = build(config)
    x0, gamma = setup.problem.initial(), float(setup.algorithm.gamma)
    steps_s: list[float] = []
    build_s: list[float] = []

    def floor() -> None:
        with one_blas_thread():
            bare_choco_qsgd(setup.W, x0, LEVELS, gamma, rounds)

    def steps() -> tuple[tuple[()], dict[str, object]]:
        built: list = []
        build_s.append(seconds(lambda: built.append(build(config))))  # not in the steps' time
        algorithm = built[0].algorithm
        steps_s.append(seconds(lambda: [algorithm.step(t) for t in range(rounds)]))
        return (), {}

    _, floor_s = against(
        benchmark, lambda: gs.execute(config), floor, rounds=1 if quick else 3, prepare=steps
    )
    benchmark.extra_info.update(
        figure="gossip_sim.execute / bare NumPy loop (sparse W, einsum error, 1 BLAS thread)",
        topology="torus", agents=K, dim=D, rounds=rounds, compressor=config.compressor,
        steps_median_s=statistics.median(steps_s),
        steps_ratio=statistics.median(steps_s) / floor_s,
        build_median_s=statistics.median(build_s),  # graph, W, problem: inside execute's time
    )  # fmt: skip
