"""The engine: agreement with the per-agent references, conservation, rates, timing, stops."""

import networkx as nx
import numpy as np
import pytest
from reference import gossip as ref

import gossip_sim as gs
from conftest import linked
from gossip_sim.algorithms import ChocoGossip, ExactGossip
from gossip_sim.engine import ComputeModel, run
from gossip_sim.errors import ConfigError, DivergenceError
from gossip_sim.problems import Consensus

GRAPHS = {
    "ring6": lambda: nx.cycle_graph(6),
    "star5": lambda: nx.star_graph(4),
    "petersen": nx.petersen_graph,
    "path3": lambda: nx.path_graph(3),
}
COMPRESSORS = ["identity", "qsgd:s=4,scaled=true", "topk:k=5", "randk:k=7", "sign"]


def setup(name, dim=20, seed=3):
    graph = linked(GRAPHS[name]())
    W = gs.mixing.mixing_matrix("metropolis-hastings", graph)
    return graph, W, Consensus(graph.number_of_nodes(), dim, seed=seed)


@pytest.mark.parametrize("name", GRAPHS)
def test_exact_gossip_matches_reference(name):
    graph, W, problem = setup(name)
    trace = run(ExactGossip(graph, W, problem), graph, rounds=15)
    expected = ref.exact_gossip(graph, W, problem.initial(), 15)[-1]
    np.testing.assert_allclose(trace.final_values, expected, rtol=0, atol=1e-12)


@pytest.mark.parametrize("name", GRAPHS)
@pytest.mark.parametrize("spec", COMPRESSORS)
def test_choco_gossip_matches_reference(name, spec):
    graph, W, problem = setup(name, dim=30, seed=5)
    compressor = gs.compress.create(spec)
    alg = ChocoGossip(graph, W, problem, compressor, gamma=0.4, seed=11)
    trace = run(alg, graph, rounds=12)
    history, bits = ref.choco_gossip(
        graph, W, problem.initial(), compressor, 0.4, 12, seed=11, shared_seed=alg.shared_seed
    )
    np.testing.assert_allclose(trace.final_values, history[-1], rtol=0, atol=1e-12)
    assert trace.column("bits")[1:].tolist() == bits


@pytest.mark.parametrize("spec", [None, *COMPRESSORS])
def test_gossip_preserves_the_average(spec):
    graph, W, problem = setup("petersen", dim=25)
    if spec is None:
        alg = ExactGossip(graph, W, problem)
    else:
        alg = ChocoGossip(graph, W, problem, gs.compress.create(spec), gamma=0.3, seed=1)
    trace = run(alg, graph, rounds=30)
    np.testing.assert_allclose(trace.final_values.mean(axis=0), problem.target, atol=1e-12)


def test_exact_gossip_decays_at_the_rate_lambda2_predicts():
    k = 16
    graph = linked(nx.cycle_graph(k))
    W = gs.mixing.mixing_matrix("uniform", graph)
    trace = run(ExactGossip(graph, W, Consensus(k, 50, seed=0)), graph, rounds=200)
    errors = trace.column("consensus_error")
    measured = (errors[200] / errors[100]) ** (1 / 100)
    lambda2 = 1 / 3 + 2 / 3 * np.cos(2 * np.pi / k)
    assert measured == pytest.approx(lambda2**2, rel=0.02)


def test_choco_converges_to_the_average():
    graph, W, problem = setup("ring6", dim=10)
    alg = ChocoGossip(graph, W, problem, gs.compress.create("qsgd:s=16,scaled=true"), seed=0)
    trace = run(alg, graph, rounds=20000, target=1e-10)
    assert trace.status == "target reached"
    assert trace.final.error <= 1e-10


def test_round_time_is_serialisation_plus_latency():
    graph = linked(nx.cycle_graph(5), latency=0.01, bandwidth=1e6)
    W = gs.mixing.mixing_matrix("uniform", graph)
    trace = run(ExactGossip(graph, W, Consensus(5, 100)), graph, rounds=3)
    per_round = 6400 / 1e6 + 0.01  # 100 float64 per message, links in parallel
    np.testing.assert_allclose(trace.column("time_s"), [0, per_round, 2 * per_round, 3 * per_round])


def test_compute_time_is_added_before_sending():
    graph = linked(nx.cycle_graph(4), latency=0.0, bandwidth=1e9)
    W = gs.mixing.mixing_matrix("uniform", graph)
    trace = run(
        ExactGossip(graph, W, Consensus(4, 1)), graph, rounds=2, compute=ComputeModel(seconds=0.5)
    )
    assert trace.final.time_s == pytest.approx(2 * (0.5 + 64 / 1e9))


def test_bits_per_agent_and_link_add_up():
    graph, W, problem = setup("star5")
    trace = run(ExactGossip(graph, W, problem), graph, rounds=4)
    assert trace.agent_bits_sent.sum() == trace.final.cumulative_bits
    assert trace.agent_bits_received.sum() == trace.final.cumulative_bits
    assert sum(link[3] for link in trace.links) == trace.final.cumulative_bits
    assert trace.agent_bits_sent[1, 0] == 4 * 20 * 64  # the hub sends to its 4 leaves


def test_target_stops_early_and_counts_only_rounds_run():
    graph, W, problem = setup("petersen")
    trace = run(ExactGossip(graph, W, problem), graph, rounds=1000, target=1e-3)
    assert trace.status == "target reached"
    assert trace.final.error <= 1e-3 < trace.rounds[-2].error
    assert trace.final.cumulative_bits == trace.final.round * 30 * 20 * 64


def test_single_agent_runs_without_messages():
    graph = nx.empty_graph(1)
    W = gs.mixing.mixing_matrix("metropolis-hastings", graph)
    trace = run(
        ChocoGossip(graph, W, Consensus(1, 5), gs.compress.create("identity")), graph, rounds=3
    )
    assert trace.final.round == 3 and trace.final.cumulative_bits == 0
    assert trace.final.error == 0.0


def test_divergence_stops_with_the_trace_kept():
    graph, W, problem = setup("ring6")
    alg = ExactGossip(graph, 3.0 * W, problem)
    with pytest.raises(DivergenceError, match="diverged") as info:
        run(alg, graph, rounds=1000)
    assert 1 < info.value.trace.final.round < 1000


def test_same_seed_same_trace_files(tmp_path):
    config = gs.RunConfig(topology="torus", agents=9, dim=12, rounds=20, seed=4)
    for name in ("a", "b"):
        gs.execute(config).write(tmp_path / name)
    for file in ("rounds.csv", "agents.csv", "links.csv", "summary.json", "config.json"):
        assert (tmp_path / "a" / file).read_bytes() == (tmp_path / "b" / file).read_bytes()


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"rounds": -1}, "rounds = -1"),
        ({"target": -1.0}, "target = -1.0"),
    ],
)
def test_bad_run_options_are_refused(kwargs, match):
    graph, W, problem = setup("ring6")
    with pytest.raises(ConfigError, match=match):
        run(ExactGossip(graph, W, problem), graph, **kwargs)


def test_slow_growth_is_caught_after_the_warm_up():
    config = gs.RunConfig(
        algorithm="choco-gossip", gamma=1.0, compressor="topk:k=0.05", topology="ring",
        agents=16, dim=100, rounds=200,
    )
    with pytest.raises(DivergenceError, match="after the 20-round warm-up") as info:
        gs.execute(config)
    trace = info.value.trace
    assert trace.ending.status is gs.summary.Status.DIVERGED
    assert trace.final.error <= 1e3 * trace.rounds[0].error < trace.final.error * 1e3
    assert 20 < trace.final.round < 200


@pytest.mark.parametrize(
    ("options", "ends"),
    [
        ({"growth_factor": 1.5, "growth_warmup": 0}, "round 1 exceeds 1.5 x"),
        ({"growth_factor": 1.5, "growth_warmup": 3}, "round 4 exceeds 1.5 x"),
        ({"divergence_factor": 1.5, "growth_warmup": 3}, "round 1 exceeds 1.5 x"),
    ],
)
def test_the_growth_rules_follow_their_parameters(options, ends):
    graph, W, problem = setup("ring6")
    with pytest.raises(DivergenceError, match=ends):  # x <- 3Wx grows the error 3 x a round
        run(ExactGossip(graph, 3.0 * W, problem), graph, rounds=50, **options)


def test_an_error_that_rises_within_the_bound_does_not_stop_the_run():
    graph, W, problem = setup("ring6")
    trace = run(ExactGossip(graph, 1.2 * W, problem), graph, rounds=30, growth_factor=1e6)
    assert trace.ending.status is gs.summary.Status.ROUNDS_EXHAUSTED
    assert trace.final.error > trace.rounds[0].error
