"""DIGing, EXTRA and NIDS: the per-agent references, the event path, convergence to the optimum
where DGD stalls, the exact bits, and the refusals."""

import numpy as np
import pytest
from reference import exact as ref

import gossip_sim as gs
from conftest import linked
from gossip_sim import engine
from gossip_sim.config import RunConfig
from gossip_sim.errors import ConfigError, DivergenceError
from gossip_sim.mixing import beta

METHODS = {"diging": ref.diging, "extra": ref.extra, "nids": ref.nids}
ROUNDS = 30
GRAPHS = [("ring", 4), ("ring", 6), ("ring", 8), ("torus", 9)]
PROBLEMS = ["quadratic:kappa=5", "logistic:split=sorted,samples=10,lam=0.5"]


def network(kind, k):
    graph = linked(gs.topology.build(kind, k))
    return graph, gs.mixing.mixing_matrix("metropolis-hastings", graph)


def problem(spec, k, dim=5):
    return gs.problems.create(spec, n_agents=k, dim=dim, seed=4)


@pytest.mark.parametrize("spec", PROBLEMS)
@pytest.mark.parametrize(("kind", "k"), GRAPHS)
@pytest.mark.parametrize("name", sorted(METHODS))
def test_the_batched_method_matches_its_per_agent_reference(name, kind, k, spec):
    graph, W = network(kind, k)
    p = problem(spec, k)
    alg = gs.algorithms.create(name, graph, W, p)
    history, bits = METHODS[name](graph, W, p, alg.eta, ROUNDS)
    for t in range(ROUNDS):
        result = alg.step(t)
        assert np.max(np.abs(result.values - history[t])) < 1e-12, f"round {t}"
        assert sum(ex.total_bits for ex in result.exchanges) == bits[t]
    trace = engine.run(gs.algorithms.create(name, graph, W, p), graph, rounds=ROUNDS)
    assert np.max(np.abs(trace.final_values - history[-1])) < 1e-12
    assert trace.column("bits")[1:].tolist() == bits


@pytest.mark.parametrize("name", sorted(METHODS))
@pytest.mark.parametrize("topology", ["ring", "torus"])
def test_the_event_path_gives_the_fast_paths_numbers(name, topology):
    config = RunConfig(
        topology=topology, agents=9, algorithm=name, dim=6, rounds=25, seed=2,
        problem="logistic:split=sorted,samples=10,lam=0.5",
    )  # fmt: skip
    fast = gs.execute(config)
    events = gs.execute(RunConfig(**{**config.__dict__, "engine": "events"}))
    assert len(fast.rounds) == len(events.rounds) == 26
    assert np.max(np.abs(fast.final_values - events.final_values)) < 1e-12
    np.testing.assert_allclose(events.column("error"), fast.column("error"), rtol=1e-9, atol=1e-12)
    assert np.array_equal(fast.column("bits"), events.column("bits"))
    assert np.array_equal(fast.column("time_s"), events.column("time_s"))


@pytest.mark.parametrize(("name", "rounds"), [("diging", 1500), ("extra", 600), ("nids", 600)])
@pytest.mark.parametrize("spec", ["quadratic:kappa=10", "logistic:split=sorted,lam=1"])
def test_each_reaches_the_optimum_where_dgd_with_the_same_step_stalls(name, rounds, spec):
    """The step: the method's auto, or DGD's where that is smaller (NIDS's 1/L diverges in DGD)."""
    graph, W = network("ring", 8)
    p = problem(spec, 8)
    step = min(gs.algorithms.create(n, graph, W, p).eta for n in (name, "dgd"))
    alg = gs.algorithms.create(f"{name}:step={step!r}", graph, W, p)
    trace = engine.run(alg, graph, rounds=rounds, target=1e-10)
    assert trace.summary().reached and trace.final.error <= 1e-10
    dgd = gs.algorithms.create(f"dgd:step={step!r}", graph, W, p)
    floor = engine.run(dgd, graph, rounds=rounds)
    errors = floor.column("error")
    assert errors[-50:].min() > 1e-4  # DGD's O(step) floor, not slow progress:
    assert abs(errors[-1] - errors[-50]) < 1e-3 * errors[-1]  # flat over the last 50 rounds


@pytest.mark.parametrize(("name", "vectors"), [("diging", 2), ("extra", 1), ("nids", 1)])
def test_every_message_carries_d_float64_per_vector(name, vectors):
    graph, W = network("torus", 9)
    p = problem("quadratic", 9, dim=7)
    result = gs.algorithms.create(name, graph, W, p).step(0)
    (exchange,) = result.exchanges
    assert len(exchange.nbits) == 2 * graph.number_of_edges()  # every directed link, once
    assert set(exchange.nbits.tolist()) == {64 * 7 * vectors}
    assert sorted(zip(exchange.src.tolist(), exchange.dst.tolist(), strict=True)) == sorted(
        [(u, v) for u, v in graph.edges()] + [(v, u) for u, v in graph.edges()]
    )


def test_the_auto_steps_follow_the_documented_rules():
    graph, W = network("ring", 8)
    p = problem("quadratic:kappa=3", 8)
    lowest, L = 1.0 - beta(W), p.local_smoothness
    made = {n: gs.algorithms.create(n, graph, W, p).eta for n in ("diging", "extra", "nids", "dgd")}
    assert made["extra"] == pytest.approx((1 + lowest) / (2 * L)) == made["dgd"]
    assert made["nids"] == pytest.approx(1 / L)
    assert made["diging"] == pytest.approx((1 + lowest) ** 2 / (4 * L))


@pytest.mark.parametrize(("factor", "converges"), [(0.98, True), (1.02, False)])
def test_the_diging_rule_is_half_the_exact_bound_when_every_f_k_is_the_same_shape(
    factor, converges
):
    """f_k = β₀‖x − x_k‖²: stable exactly when ηL < (1 + λ_min(W))²/2 (auto is half of it)."""
    graph, W = network("ring", 6)
    p = problem("quadratic", 6)
    auto = gs.algorithms.create("diging", graph, W, p).eta
    alg = gs.algorithms.create(f"diging:step={2 * factor * auto!r}", graph, W, p)
    with np.errstate(all="ignore"):
        values = [alg.step(t).values for t in range(2000)][-1]
    assert (p.error(values) < 1e-10) is converges


@pytest.mark.parametrize("engine_name", ["fast", "events"])
def test_a_diverging_diging_run_ends_as_dgds_does(engine_name):
    config = RunConfig(
        topology="ring", agents=8, algorithm="diging:step=1.0", problem="quadratic", dim=4,
        rounds=500, engine=engine_name,
    )  # fmt: skip
    with pytest.raises(DivergenceError, match=r"diverged: error .* at round \d+ exceeds") as info:
        gs.execute(config)
    trace = info.value.trace
    assert trace.ending.status is gs.summary.Status.DIVERGED
    assert 1 <= trace.final.round < 500
    with pytest.raises(DivergenceError, match=r"diverged: error .* at round \d+ exceeds"):
        gs.execute(RunConfig(**{**config.__dict__, "algorithm": "dgd:step=1.0"}))


@pytest.mark.parametrize(
    ("spec", "match"),
    [
        (
            "extra:step=0.34",
            r"^extra: step=0\.34 is not below the bound 2 lambda_min\(\(I\+W\)/2\)/L = 0\.333333 ",
        ),
        ("nids:step=1", r"^nids: step=1 is not below the bound 2/L = 1 under which it provably"),
        ("diging:step=-1", r"^diging: step=-1 is not valid; give a number > 0 or 'auto'"),
        ("nids:lr=0.1", r"^algorithm 'nids' has no parameter 'lr'; valid: step"),
    ],
)  # fmt: skip
def test_a_step_past_the_proven_bound_is_refused_in_one_line(spec, match):
    graph, W = network("ring", 6)  # uniform W: λ_min = −1/3; quadratic: L = 2
    W = gs.mixing.mixing_matrix("uniform", graph)
    with pytest.raises(ConfigError, match=match) as info:
        gs.algorithms.create(spec, graph, W, problem("quadratic", 6))
    assert "\n" not in str(info.value)


def test_the_cli_refuses_a_step_past_the_bound_with_exit_2(capsys):
    from gossip_sim.cli import main

    argv = ["--algorithm", "nids:step=5", "--problem", "quadratic", "--agents", "5"]
    assert main([*argv, "--rounds", "3"]) == 2
    err = capsys.readouterr().err.strip()
    assert "nids: step=5 is not below the bound 2/L" in err and "\n" not in err


@pytest.mark.parametrize("name", ["diging", "extra", "nids"])
def test_an_agent_mixes_the_latest_payload_it_holds_when_one_is_lost(name):
    """Round 1's message 1 → 0 is lost: agent 0 mixes agent 1's round-0 payload instead."""
    graph, W = network("ring", 5)
    p = problem("quadratic:kappa=3", 5, dim=3)
    agents = gs.algorithms.create(name, graph, W, p).agents()
    w = W.toarray()
    links = [(u, v) for u, v in graph.edges()] + [(v, u) for u, v in graph.edges()]
    sent = []
    for t in range(2):
        sent.append([payload for _, payload in agents.send_batch(list(range(5)))])
        for src, dst in links:
            if (t, src, dst) != (1, 1, 0):
                agents.receive(dst, src, sent[t][src])
        before = {key: getattr(agents, key, np.zeros((5, 3)))[0].copy() for key in STATE}
        for i in range(5):
            others = np.flatnonzero((w[i] > 0) & (np.arange(5) != i))
            agents.mix(i, t, others, w[i, others], w[i, i])
    assert np.abs(sent[1][1] - sent[0][1]).max() > 1e-3  # the stale payload is another one
    held = w[0, 0] * sent[1][0] + w[0, 1] * sent[0][1] + w[0, 4] * sent[1][4]
    b, eta = before, agents.eta
    if name == "diging":
        expected = held[:3] - eta * b["y"]
    elif name == "extra":
        correction = 0.5 * (b["x_old"] + b["mixed_old"]) + eta * (b["gradient"] - b["gradient_old"])
        expected = b["x"] + held - correction
    else:
        expected = 0.5 * (sent[1][0] + held)
    assert np.max(np.abs(agents.values[0] - expected)) < 1e-14


STATE = ("x", "y", "x_old", "mixed_old", "gradient", "gradient_old")
