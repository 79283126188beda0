"""Song et al. Alg. 2's gossip schedule as a parameter: a fixed count or ⌊c·ln(t + t0)⌋ rounds."""

from __future__ import annotations

import math

import pytest

import gossip_sim as gs
from gossip_sim.algorithms.song import gossip_rounds_at
from gossip_sim.engine import run
from gossip_sim.errors import ConfigError


def _ring_least_squares(spec: str, dim: int = 300, samples: int = 4):
    graph = gs.topology.build("ring", 5)
    W = gs.mixing.mixing_matrix("metropolis-hastings", graph)
    problem = gs.problems.create(f"least-squares:samples={samples}", n_agents=5, dim=dim)
    return graph, gs.algorithms.create(f"song-decentralized:{spec}", graph, W, problem)


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("", {0: 4, 48: 4, 49: 5, 303: 5, 304: 6}),  # the paper's ⌊ln(t + 100)⌋
        ("log_c=3", {0: 13, 6: 13, 7: 14, 48: 14, 49: 15}),  # 3 ln 100 = 13.8, 3 ln 107 = 14.02
        ("log_c=2.5,log_t0=10", {0: 5, 1: 5, 2: 6, 6: 6, 7: 7}),  # 2.5 ln 11 = 5.99; ln 12: 6.2
        ("gossip_rounds=7", {0: 7, 1000: 7}),
    ],
)
def test_each_iteration_runs_the_scheduled_number_of_gossip_rounds(spec, expected):
    _, alg = _ring_least_squares(spec, dim=40, samples=2)
    for t, rounds in expected.items():
        result = alg.step(t)
        assert len(result.exchanges) == rounds
        assert sum(int(e.nbits.size) for e in result.exchanges) == rounds * 10  # 10 directed links
        rule, c, t0 = alg.rule, alg.log_c, alg.log_t0
        assert gossip_rounds_at(t, rule, c, t0) == rounds


def test_describe_names_the_schedule_and_keeps_the_papers_as_log():
    assert _ring_least_squares("", dim=40)[1].describe()["gossip_rounds"] == "log"
    assert _ring_least_squares("log_c=3", dim=40)[1].describe()["gossip_rounds"] == (
        "floor(3*ln(t+100))"
    )
    assert _ring_least_squares("gossip_rounds=20", dim=40)[1].describe()["gossip_rounds"] == 20


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("log_c=0", r"log_c=0 is not valid; give a number > 0"),
        ("log_c=-1.5", r"log_c=-1.5 is not valid; give a number > 0"),
        ("log_t0=0", r"log_t0=0 is not valid; give an integer >= 1"),
        ("log_t0=2.5", r"log_t0=2.5 is not valid; give an integer >= 1"),
        ("gossip_rounds=20,log_c=3", r"shape gossip_rounds='log' only; gossip_rounds=20 is a"),
        ("log_c=0.1", r"give floor\(log_c\*ln\(log_t0\)\) = 0 gossip rounds at t = 0"),
        ("gossip_rounds=0", r"gossip_rounds=0 is not valid; give 'log' or an integer >= 1"),
    ],
)
def test_bad_schedules_are_refused(spec, message):
    with pytest.raises(ConfigError, match=message):
        _ring_least_squares(spec, dim=40)


def test_a_steeper_log_schedule_escapes_the_papers_stall():
    # Ring of 5, 20 samples in D = 300: ⌊ln(t+100)⌋ rounds (4-5) leave the agents' iterates apart
    # and the training MSE stalls far above 1e-4 (the θ_k are never mixed); ⌊3 ln(t+100)⌋
    # (13-14) rounds reach 1e-4 in 26 iterations, the agents' disagreement 4 orders smaller.
    graph, papers = _ring_least_squares("")
    stalled = run(papers, graph, rounds=60, target=1e-4)
    graph, steeper = _ring_least_squares("log_c=3")
    reached = run(steeper, graph, rounds=60, target=1e-4)
    assert reached.status == "target reached"
    assert reached.final.error <= 1e-4
    assert stalled.status != "target reached"
    assert stalled.final.error > 100 * reached.final.error  # MSE 0.15 after 60 iterations
    assert stalled.final.consensus_error > 1e3 * reached.final.consensus_error
    assert math.isfinite(stalled.final.error)
