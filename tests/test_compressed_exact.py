"""BEER and LEAD: the engine against per-agent references from the papers' boxes, convergence
to the optimum on heterogeneous data, exact bits, the event path, and the refusals."""

from __future__ import annotations

import numpy as np
import pytest
from reference import compressed_exact as reference

import gossip_sim as gs
from gossip_sim import engine
from gossip_sim.cli import main
from gossip_sim.errors import ConfigError
from gossip_sim.events import rounds
from gossip_sim.faults.plan import FaultPlan

GRAPHS = [("ring", k) for k in range(4, 10)] + [("torus", 9), ("torus", 12)]


def _setup(topology, k, problem="least-squares", dim=5):
    graph = gs.topology.build(topology, k)
    W = gs.mixing.mixing_matrix("metropolis-hastings", graph)
    return graph, W, gs.problems.create(problem, n_agents=k, dim=dim, seed=2)


@pytest.mark.parametrize(("topology", "k"), GRAPHS)
@pytest.mark.parametrize("compressor", ["topk:k=0.4", "qsgd:s=4,scaled=true", "identity"])
def test_beer_matches_its_per_agent_reference(topology, k, compressor):
    graph, W, problem = _setup(topology, k)
    alg = gs.algorithms.create("beer", graph, W, problem, compressor=compressor, seed=7)
    xs, bits = reference.beer(
        W, problem, gs.compress.create(compressor), alg.gamma_value, alg.eta, 7, rounds=30
    )
    for t in range(30):
        result = alg.step(t)
        assert np.max(np.abs(result.values - xs[t])) < 1e-12
        assert result.exchanges[0].nbits.tolist() == [bits[t][s] for s in alg.x_channel.links.src]


@pytest.mark.parametrize(("topology", "k"), GRAPHS)
@pytest.mark.parametrize("compressor", ["qsgd:s=4", "randk:k=0.4,unbiased=true", "identity"])
def test_lead_matches_its_per_agent_reference(topology, k, compressor):
    graph, W, problem = _setup(topology, k)
    alg = gs.algorithms.create("lead", graph, W, problem, compressor=compressor, seed=7)
    xs, bits = reference.lead(
        W, problem, gs.compress.create(compressor), alg.gamma_value, alg.alpha_value, alg.eta,
        7, rounds=20,
    )  # fmt: skip
    for t in range(20):
        result = alg.step(t)
        assert np.max(np.abs(result.values - xs[t])) < 1e-12
        assert result.exchanges[0].nbits.tolist() == [bits[t][s] for s in alg.links.src]


def _rounds_to(algorithm, compressor, target, rounds, k=5, dim=20):
    graph, W, _ = _setup("ring", k)
    problem = gs.problems.create("logistic:split=sorted", n_agents=k, dim=dim, seed=1)
    alg = gs.algorithms.create(algorithm, graph, W, problem, compressor=compressor)
    trace = engine.run(alg, graph, rounds=rounds, target=target)
    return trace.column("error")


def test_beer_without_compression_and_gamma_1_is_gradient_tracking_step_for_step():
    graph, W, problem = _setup("ring", 6, problem="logistic:split=sorted", dim=4)
    alg = gs.algorithms.create("beer", graph, W, problem, compressor="identity", gamma=1.0)
    x = problem.initial()
    g = problem.gradients(x)
    v = g.copy()
    for t in range(40):  # x ← W x − η v;  v ← W v + ∇F(x⁺) − ∇F(x)  (H = x, G = v exactly)
        x = W @ x - alg.eta * v
        g, previous = problem.gradients(x), g
        v = W @ v + (g - previous)
        assert np.max(np.abs(alg.step(t).values - x)) < 1e-12


def test_beer_without_compression_is_gradient_tracking_and_reaches_1e_10():
    error = _rounds_to("beer", "identity", 1e-10, 3000)
    assert error[-1] <= 1e-10
    dgd = _rounds_to("dgd", "identity", 1e-10, len(error))  # DGD keeps a floor here
    assert dgd[-1] > 1e-6


@pytest.mark.parametrize(
    ("algorithm", "compressor"),
    [("beer", "topk:k=0.1"), ("beer", "qsgd:s=16,scaled=true"), ("lead", "qsgd:s=16")],
)
def test_compressed_methods_converge_linearly_to_the_optimum(algorithm, compressor):
    error = _rounds_to(algorithm, compressor, 1e-8, 8000)
    assert error[-1] <= 1e-8
    # linear: the second half of the run gains as many decades as the first half, roughly
    half = len(error) // 2
    assert np.log10(error[half] / error[-1]) > 0.3 * np.log10(error[0] / error[half])


@pytest.mark.parametrize(
    ("algorithm", "compressor", "per_payload"),
    [
        ("beer", "qsgd:s=16,scaled=true", 32 + 6 * (1 + 5)),  # norm + sign and level per entry
        ("beer", "identity", 6 * 64),
        ("lead", "qsgd:s=16", 32 + 6 * (1 + 5)),
        ("lead", "identity:precision=32", 6 * 32),
    ],
)
def test_every_message_carries_the_payloads_exact_bits(algorithm, compressor, per_payload):
    graph, W, problem = _setup("ring", 5, dim=6)
    alg = gs.algorithms.create(algorithm, graph, W, problem, compressor=compressor)
    channels = 2 if algorithm == "beer" else 1
    for t in range(3):
        exchange = alg.step(t).exchanges[0]
        assert len(exchange.nbits) == 2 * graph.number_of_edges()
        assert set(exchange.nbits.tolist()) == {channels * per_payload}


def test_beer_top_k_bits_are_the_two_encoded_payloads():
    graph, W, problem = _setup("ring", 5, dim=20)
    alg = gs.algorithms.create("beer", graph, W, problem, compressor="topk:k=0.1")
    topk = gs.compress.create("topk:k=0.1")
    one, _ = topk.encode(np.ones((1, 20)), topk.init((1, 20)), None)
    assert set(alg.step(0).exchanges[0].nbits.tolist()) == {2 * int(one.nbits[0])}


@pytest.mark.parametrize(
    ("algorithm", "compressor", "topology"),
    [
        ("beer", "topk:k=0.2", "ring"),
        ("beer", "qsgd:s=16,scaled=true", "torus"),
        ("beer", "randk:k=0.3", "ring"),
        ("lead", "qsgd:s=16", "ring"),
        ("lead", "randk:k=0.3,unbiased=true", "torus"),
    ],
)
def test_a_fault_free_event_run_gives_the_fast_paths_numbers(algorithm, compressor, topology):
    graph = gs.topology.build(topology, 9, links="lan")
    W = gs.mixing.mixing_matrix("metropolis-hastings", graph)

    def make():
        p = gs.problems.create("least-squares", n_agents=9, dim=12, seed=3)
        return gs.algorithms.create(algorithm, graph, W, p, compressor=compressor, seed=5)

    fast = engine.run(make(), graph, rounds=25)
    events = rounds.run(make(), graph, W, FaultPlan(), rounds=25)
    assert np.max(np.abs(fast.final_values - events.final_values)) < 1e-12
    np.testing.assert_allclose(events.column("error"), fast.column("error"), rtol=1e-9, atol=1e-12)
    assert np.array_equal(fast.column("bits"), events.column("bits"))
    assert np.array_equal(fast.column("time_s"), events.column("time_s"))


def test_the_per_agent_forms_resend_the_whole_public_state_in_float64():
    graph, W, problem = _setup("ring", 4, dim=3)
    for name, bits in [("beer", 2 * 3 * 64), ("lead", 3 * 64 + 3 * 64)]:
        agents = gs.algorithms.create(name, graph, W, problem, compressor="identity").agents()
        agents.send(0, 0)
        assert agents.full(0)[0] == bits


@pytest.mark.parametrize(
    ("algorithm", "settings", "match"),
    [
        ("beer", {"compressor": "lattice"}, r"^beer: compressor 'lattice' is not a contraction"),
        ("lead", {"compressor": "topk:k=0.1"}, r"^lead: compressor 'topk:k=0.1' is not unbiased"),
        ("lead", {"compressor": "qsgd:s=16,scaled=true"}, r"is not unbiased .*scaled=false"),
        ("beer", {"gamma": 1.5}, r"^beer: gamma=1.5 is not valid; give 0 < gamma <= 1"),
        ("lead", {"gamma": 0}, r"^lead: gamma=0 is not valid"),
        ("lead:alpha=2", {}, r"^lead: alpha=2 is not valid; give 0 < alpha <= 1"),
        ("beer:step=-1", {}, r"^beer: step=-1 is not valid"),
    ],
)
def test_bad_settings_are_refused_in_one_line(algorithm, settings, match):
    graph, W, problem = _setup("ring", 4)
    with pytest.raises(ConfigError, match=match) as info:
        gs.algorithms.create(algorithm, graph, W, problem, **settings)
    assert "\n" not in str(info.value)


def test_a_non_contraction_exits_2_from_the_cli(capsys, tmp_path):
    argv = ["--algorithm", "beer", "--compressor", "lattice", "--problem", "logistic",
            "--topology", "ring", "--agents", "5", "--rounds", "3", "--no-plot",
            "--out", str(tmp_path / "x")]  # fmt: skip
    code = main(argv)
    err = capsys.readouterr().err
    assert code == 2 and "not a contraction" in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("algorithm", ["beer", "lead"])
def test_lost_messages_leave_them_far_from_the_optimum_and_arq_restores_it(algorithm):
    graph = gs.topology.build("ring", 5, links="lan")
    W = gs.mixing.mixing_matrix("metropolis-hastings", graph)
    errors = {}
    for retransmit in ("off", "arq"):
        p = gs.problems.create("logistic:split=sorted", n_agents=5, dim=10, seed=1)
        alg = gs.algorithms.create(algorithm, graph, W, p, compressor="identity")
        plan = FaultPlan.create(loss=0.05, retransmit=retransmit)
        trace = rounds.run(alg, graph, W, plan, rounds=1200, seed=4)
        errors[retransmit] = trace.column("error")
    # a lost increment is never recovered: the copies, hence the fixed point, stay wrong
    assert errors["off"][-1] > errors["off"][0]
    assert errors["arq"][-1] < 1e-8
