"""Asynchronous algorithms (pairwise gossip, push-sum, SGP) on the event-driven engine.

The references are plain loops over a fixed activation sequence, written from the papers:
Boyd et al. (2006) for pairwise gossip, Kempe et al. (2003) for push-sum, Assran et al. (2019,
Algorithm 1, stepping on the estimate z; see StochasticGradientPush) for SGP. With zero
latency every message arrives before the next activation, so the engine must match them.
"""

import dataclasses
import math

import networkx as nx
import numpy as np
import pytest

import gossip_sim as gs
from gossip_sim._random import stream
from gossip_sim.algorithms.asynchronous import check_column_stochastic
from gossip_sim.cli import main
from gossip_sim.events import asynchronous
from gossip_sim.faults.plan import FaultPlan


def _instant(spec, k):
    """The topology with messages that arrive at once (latency 0, bandwidth 1e30)."""
    return gs.topology.build(spec, k, latency=0.0, bandwidth=1e30)


def _schedule(k, n, seed=0):
    """n activations of random agents, 1 ms apart (the replayed tick sequence)."""
    agents = np.random.default_rng(seed).integers(k, size=n)
    return [(0.001 * (m + 1), int(a)) for m, a in enumerate(agents)]


# ------------------------------------------------------------------ references from the papers
def pairwise_reference(graph, x0, schedule, seed):
    """Boyd et al.: at i's tick, i picks a neighbour j uniformly; x_i = x_j = (x_i + x_j) / 2."""
    x = [row.copy() for row in x0]
    neighbours = [sorted(graph.neighbors(i)) for i in range(len(x))]
    rngs = [stream(seed, "algorithm", i) for i in range(len(x))]
    for _, i in schedule:
        j = neighbours[i][int(rngs[i].integers(len(neighbours[i])))]
        x[i] = x[j] = (x[i] + x[j]) / 2
    return np.array(x)


def push_sum_reference(W, x0, schedule, gradient=None, step=0.0):
    """Kempe et al.: at i's tick, keep a_ii (s_i, w_i), give a_ji (s_i, w_i) to each j."""
    k = len(x0)
    s, w = [row.copy() for row in x0], [1.0] * k
    for _, i in schedule:
        if gradient is not None:  # SGP: the local step on z_i first
            s[i] = s[i] - (step * w[i]) * gradient(i, s[i] / w[i])
        for j in range(k):
            if j != i and W[j, i] != 0:
                s[j] = s[j] + W[j, i] * s[i]
                w[j] = w[j] + W[j, i] * w[i]
        s[i], w[i] = s[i] * W[i, i], w[i] * W[i, i]
    return np.array([s[i] / w[i] for i in range(k)])


def test_pairwise_gossip_matches_its_reference():
    g = _instant("ring", 7)
    p = gs.problems.create("consensus", n_agents=7, dim=3, seed=2)
    schedule = _schedule(7, 7 * 20)
    alg = gs.algorithms.create("pairwise-gossip", g, None, p, seed=5)
    asynchronous.run(alg, g, rounds=20, schedule=schedule)
    expected = pairwise_reference(g, p.initial(), schedule, seed=5)
    assert np.max(np.abs(alg.x - expected)) <= 1e-12
    assert alg.skipped == alg.refused == 0  # nothing overlapped at zero latency


def test_push_sum_matches_its_reference():
    g = _instant("directed-exponential", 10)
    W = gs.mixing.mixing_matrix("column-stochastic", g)
    p = gs.problems.create("consensus", n_agents=10, dim=4, seed=1)
    schedule = _schedule(10, 10 * 15, seed=3)
    alg = gs.algorithms.create("push-sum", g, W, p)
    trace = asynchronous.run(alg, g, rounds=15, schedule=schedule)
    expected = push_sum_reference(W.toarray(), p.initial(), schedule)
    assert np.max(np.abs(trace.final_values - expected)) <= 1e-12
    assert trace.final.round == 15


def test_sgp_matches_its_reference():
    g = _instant("directed-exponential", 6)
    W = gs.mixing.mixing_matrix("column-stochastic", g)
    p = gs.problems.create("least-squares", n_agents=6, dim=5, seed=4)
    schedule = _schedule(6, 6 * 10, seed=1)
    alg = gs.algorithms.create("sgp:step=0.01", g, W, p)
    asynchronous.run(alg, g, rounds=10, schedule=schedule)

    def gradient(i, z):
        stack = np.zeros((6, 5))
        stack[i] = z
        return p.gradients(stack)[i]

    expected = push_sum_reference(W.toarray(), p.initial(), schedule, gradient, step=0.01)
    assert np.max(np.abs(alg.values - expected)) <= 1e-12


def test_a_schedule_ending_inside_a_round_closes_that_round():
    g = _instant("ring", 4)
    p = gs.problems.create("consensus", n_agents=4, dim=2)
    alg = gs.algorithms.create("pairwise-gossip", g, None, p)
    trace = asynchronous.run(alg, g, rounds=10, schedule=_schedule(4, 9))
    assert [r.round for r in trace.rounds] == [0, 1, 2, 3]


# ------------------------------------------------------------------ laws
def test_pairwise_gossip_conserves_the_average_when_exchanges_overlap():
    # WAN latency and fast clocks: requests cross, busy agents refuse; the sum stays.
    g = gs.topology.build("ring", 10, links="wan")
    p = gs.problems.create("consensus", n_agents=10, dim=5, seed=3)
    alg = gs.algorithms.create("pairwise-gossip:rate=50", g, None, p, seed=3)
    trace = asynchronous.run(alg, g, rounds=40, seed=3)
    assert alg.refused > 0 and alg.skipped > 0  # the concurrency rule was exercised
    assert np.max(np.abs(alg.x.mean(axis=0) - p.initial().mean(axis=0))) <= 1e-12
    assert trace.final.error < trace.rounds[0].error


def test_pairwise_messages_carry_exactly_their_payload_bits():
    g = gs.topology.build("ring", 6, links="wan")
    p = gs.problems.create("consensus", n_agents=6, dim=3)
    alg = gs.algorithms.create("pairwise-gossip:rate=50", g, None, p)
    trace = asynchronous.run(alg, g, rounds=20)
    exchanges, refusals = alg.started, alg.refused
    # a request of 3 float64, then a reply of 3 float64 or a refusal of one byte
    assert trace.final.cumulative_bits == 2 * 192 * exchanges - (192 - 8) * refusals
    assert sum(r.messages for r in trace.rounds) == 2 * exchanges


def test_push_sum_reaches_the_true_average_on_the_directed_exponential_graph():
    g = gs.topology.build("directed-exponential", 16)
    W = gs.mixing.mixing_matrix("column-stochastic", g)
    p = gs.problems.create("consensus", n_agents=16, dim=10, seed=7)
    trace = asynchronous.run(gs.algorithms.create("push-sum", g, W, p), g, rounds=60, seed=7)
    average = p.initial().mean(axis=0)
    assert np.max(np.abs(trace.final_values - average)) <= 1e-10
    assert trace.final.error <= 1e-10
    # every message is (D + 1) float64
    assert trace.final.cumulative_bits == sum(r.messages for r in trace.rounds) * 11 * 64


def test_sgp_approaches_the_optimum():
    g = gs.topology.build("directed-exponential", 8)
    W = gs.mixing.mixing_matrix("column-stochastic", g)
    p = gs.problems.create("least-squares", n_agents=8, dim=10, seed=2)
    trace = asynchronous.run(gs.algorithms.create("sgp", g, W, p), g, rounds=200)
    assert trace.final.error < 1e-4 * trace.rounds[0].error


def test_sgp_with_mini_batches_draws_from_each_agents_stream():
    g = gs.topology.build("ring", 5)
    W = gs.mixing.mixing_matrix("metropolis-hastings", g)
    p = gs.problems.create("least-squares", n_agents=5, dim=4, seed=2)
    runs = [
        asynchronous.run(gs.algorithms.create("sgp:batch=2", g, W, p, seed=1), g, rounds=30)
        for _ in range(2)
    ]
    assert runs[0].rounds == runs[1].rounds
    assert runs[0].final.error < runs[0].rounds[0].error


def _boyd_bound_ticks(graph, eps):
    n = graph.number_of_nodes()
    A = nx.to_numpy_array(graph, nodelist=range(n))
    P = A / A.sum(axis=1, keepdims=True)
    W_bar = np.eye(n) - np.diag((P + P.T).sum(axis=1)) / (2 * n) + (P + P.T) / (2 * n)
    rate = math.log(1 / np.sort(np.linalg.eigvalsh(W_bar))[-2])
    return 0.5 * math.log(1 / eps) / rate, 3 * math.log(1 / eps) / rate


def test_pairwise_averaging_time_on_a_ring_lies_within_boyd_et_al_bounds():
    k, eps = 16, 1e-3
    lower, upper = _boyd_bound_ticks(nx.cycle_graph(k), eps)
    ticks = []
    for seed in range(5):
        g = gs.topology.build("ring", k)
        p = gs.problems.create("consensus", n_agents=k, dim=4, seed=seed)
        alg = gs.algorithms.create("pairwise-gossip", g, None, p, seed=seed)
        target = eps**2 * p.error(p.initial())
        trace = asynchronous.run(alg, g, rounds=10_000, target=target, seed=seed)
        ticks.append(trace.final.round * k)
        assert trace.final.time_s == pytest.approx(trace.final.round, rel=0.2)  # K ticks/s
    # measured (mean of 20 seeds: 1237 ticks) within Theorem 3's bounds (724, 4346)
    assert lower <= np.mean(ticks) <= upper


def test_same_seed_same_trace_other_seed_other_trace():
    g = gs.topology.build("ring", 6)
    p = gs.problems.create("consensus", n_agents=6, dim=2)

    def once(seed):
        return asynchronous.run(gs.algorithms.create("pairwise-gossip", g, None, p), g, seed=seed)

    assert once(1).rounds == once(1).rounds
    assert once(1).rounds != once(2).rounds


def test_a_requester_that_gives_up_does_not_deadlock():
    # a timeout shorter than the round trip: every requester gives up, late answers are ignored
    g = gs.topology.build("ring", 6, links="wan")
    p = gs.problems.create("consensus", n_agents=6, dim=2)
    alg = gs.algorithms.create("pairwise-gossip:timeout=1e-9", g, None, p)
    trace = asynchronous.run(alg, g, rounds=10)
    assert trace.final.round == 10
    assert alg.given_up == alg.started > 0
    assert all(w is None for w in alg.waiting)


def test_rounds_are_k_activations_on_simulated_time():
    g = gs.topology.build("ring", 8)
    p = gs.problems.create("consensus", n_agents=8, dim=2)
    ticks = []
    alg = gs.algorithms.create("pairwise-gossip:rate=4", g, None, p)
    activate = alg.activate
    alg.activate = lambda i: ticks.append(i) or activate(i)
    trace = asynchronous.run(alg, g, rounds=50)
    assert len(ticks) == 50 * 8
    assert trace.final.time_s == pytest.approx(50 / 4, rel=0.1)  # K clocks of rate 4
    times = trace.column("time_s")
    assert np.all(np.diff(times) > 0)


# ------------------------------------------------------------------ topology and mixing
def test_directed_exponential_graph_and_its_column_stochastic_weights():
    g = gs.topology.build("directed-exponential", 12)
    assert g.is_directed() and nx.is_strongly_connected(g)
    assert sorted(g.successors(3)) == [4, 5, 7, 11]  # 3 + 1, 2, 4, 8 (mod 12)
    assert all("latency" in d and "bandwidth" in d for *_, d in g.edges(data=True))
    W = gs.mixing.mixing_matrix("column-stochastic", g).toarray()
    assert np.allclose(W.sum(axis=0), 1.0)
    assert W[4, 3] == W[3, 3] == pytest.approx(1 / 5)
    assert gs.mixing.check_convergence(W) > 0  # its lambda_2 (of a non-symmetric W) < 1


def test_column_stochastic_on_an_undirected_graph_splits_by_degree():
    W = gs.mixing.column_stochastic(nx.path_graph(3)).toarray()
    assert np.allclose(W.sum(axis=0), 1.0) and not np.allclose(W.sum(axis=1), 1.0)
    assert W[0, 1] == pytest.approx(1 / 3) and W[1, 0] == pytest.approx(1 / 2)


# ------------------------------------------------------------------ bad input
def test_push_sum_refuses_a_row_stochastic_w():
    g = gs.topology.build("directed-exponential", 4)
    # W[j, i] > 0 where i sends to j, random weights, rows (not columns) summing to 1
    pattern = nx.to_numpy_array(g, nodelist=range(4)).T + np.eye(4)
    weights = pattern * np.random.default_rng(0).uniform(1, 2, size=(4, 4))
    W = gs.mixing.mixing_matrix(weights / weights.sum(axis=1, keepdims=True), g)
    assert np.allclose(W.sum(axis=1), 1.0)
    p = gs.problems.create("consensus", n_agents=4, dim=2)
    with pytest.raises(gs.ConfigError, match=r"push-sum needs a column-stochastic W, but column"):
        gs.algorithms.create("push-sum", g, W, p)
    with pytest.raises(gs.ConfigError, match=r"sgp needs a column-stochastic W with entries >= 0"):
        check_column_stochastic(-np.eye(2), "sgp")


def test_push_sum_refuses_a_row_stochastic_w_file(tmp_path):
    path = tmp_path / "W.csv"
    np.savetxt(path, np.array([[0.5, 0.5, 0.0], [0.0, 0.5, 0.5], [0.5, 0.0, 0.5]]).T, delimiter=",")
    config = gs.RunConfig(algorithm="push-sum", topology="ring", agents=3, mixing=str(path))
    gs.execute(config)  # this one is doubly stochastic: fine
    np.savetxt(path, np.array([[1.0, 0.0, 0.0], [0.5, 0.5, 0.0], [0.5, 0.0, 0.5]]), delimiter=",")
    with pytest.raises(gs.ConfigError, match=r"use --mixing column-stochastic"):
        gs.execute(config)


def test_metropolis_hastings_on_a_directed_graph_is_refused():
    g = gs.topology.build("directed-exponential", 5)
    with pytest.raises(
        gs.ConfigError,
        match=r"graph is directed: mixing .metropolis-hastings. needs an undirected graph; on a",
    ):
        gs.mixing.mixing_matrix("metropolis-hastings", g)
    with pytest.raises(gs.ConfigError, match=r"W\[3, 0\] = 1 but agent 0 does not send to agent 3"):
        gs.mixing.mixing_matrix(np.eye(5)[[3, 1, 2, 0, 4]], g)  # 3 sends to 0, 0 not to 3


def test_synchronous_algorithms_refuse_a_directed_topology():
    config = gs.RunConfig(topology="directed-exponential", agents=8, mixing="column-stochastic")
    with pytest.raises(gs.ConfigError, match=r"is directed and choco-gossip needs an undirected"):
        gs.execute(config)
    with pytest.raises(gs.ConfigError, match=r"pairwise-gossip exchanges values both ways"):
        gs.algorithms.create(
            "pairwise-gossip",
            config_graph := gs.topology.build("directed-exponential", 4),
            None,
            gs.problems.create("consensus", n_agents=4, dim=2),
        )
    assert config_graph.is_directed()


def test_pairwise_gossip_refuses_an_optimisation_problem():
    g = gs.topology.build("ring", 4)
    p = gs.problems.create("quadratic", n_agents=4, dim=2)
    with pytest.raises(gs.ConfigError, match=r"sgp is the asynchronous one"):
        gs.algorithms.create("pairwise-gossip", g, None, p)
    with pytest.raises(gs.ConfigError, match=r"pairwise-gossip averages the agents' vectors"):
        gs.execute(gs.RunConfig(algorithm="pairwise-gossip", problem="quadratic"))
    with pytest.raises(gs.ConfigError, match=r"sgp minimises a sum of local objectives"):
        gs.execute(gs.RunConfig(algorithm="sgp", problem="consensus"))


@pytest.mark.parametrize("spec", ["pairwise-gossip:rate=0", "push-sum:rate=-1", "sgp:rate=0"])
def test_a_rate_that_is_not_positive_is_refused(spec):
    problem = "quadratic" if spec.startswith("sgp") else "consensus"
    with pytest.raises(gs.ConfigError, match=r"rate=.* is not valid; give the clock's ticks"):
        gs.execute(gs.RunConfig(algorithm=spec, problem=problem))


def test_other_bad_parameters_are_refused():
    g = gs.topology.build("ring", 4)
    p = gs.problems.create("consensus", n_agents=4, dim=2)
    with pytest.raises(gs.ConfigError, match=r"timeout=-1 is not valid; give seconds > 0"):
        gs.algorithms.create("pairwise-gossip:timeout=-1", g, None, p)
    q = gs.problems.create("quadratic", n_agents=4, dim=2)
    W = gs.mixing.mixing_matrix("metropolis-hastings", g)
    with pytest.raises(gs.ConfigError, match=r"sgp: batch=2 needs a problem with at least"):
        gs.algorithms.create("sgp:batch=2", g, W, q)
    alg = gs.algorithms.create("pairwise-gossip", g, None, p)
    with pytest.raises(gs.ConfigError, match=r"schedule: give \(time, agent\) pairs in time"):
        asynchronous.run(alg, g, schedule=[(1.0, 0), (0.5, 1)])


def test_faults_that_need_rounds_are_refused():
    with pytest.raises(gs.ConfigError, match=r"play message loss only, not --deadline: those need"):
        asynchronous.network_options(FaultPlan.create(deadline=0.5), 0)
    assert asynchronous.network_options(FaultPlan.create(loss=0.1), 3)["seed"] == 3


# ------------------------------------------------------------------ command line
def test_cli_runs_push_sum_on_the_directed_exponential_graph(tmp_path, capsys):
    out = tmp_path / "run"
    argv = ["--algorithm", "push-sum", "--topology", "directed-exponential"]
    argv += ["--mixing", "column-stochastic", "--agents", "16", "--out", str(out)]
    assert main(argv) == 0
    for name in ("rounds.csv", "agents.csv", "links.csv", "summary.json", "config.json"):
        assert (out / name).is_file()
    rounds = np.genfromtxt(out / "rounds.csv", delimiter=",", names=True)
    assert rounds["error"][-1] <= 1e-8 and np.all(np.diff(rounds["time_s"]) > 0)


def test_cli_refuses_push_sum_with_metropolis_hastings_on_a_directed_graph(tmp_path, capsys):
    argv = ["--algorithm", "push-sum", "--topology", "directed-exponential", "--agents", "8"]
    assert main([*argv, "--out", str(tmp_path / "x")]) == 2
    assert "use --mixing column-stochastic" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()


# ------------------------------------------------------------------ loss
def test_pairwise_gossip_with_loss_does_not_deadlock_and_gives_up_once_per_loss():
    config = gs.RunConfig(algorithm="pairwise-gossip", topology="ring", agents=10, dim=3)
    trace = gs.execute(dataclasses.replace(config, loss=0.2, rounds=40, target=None))
    summary = trace.summary()
    assert summary.rounds == 40
    # every lost request, reply or refusal leaves one requester waiting until its timeout
    assert summary.faults.messages_lost == summary.algorithm.extra["requests_given_up"] > 0
    assert summary.faults.live_mean_shift > 1e-6  # a lost reply: j averaged, i did not


def test_push_sum_with_loss_loses_mass_and_with_arq_keeps_it():
    config = gs.RunConfig(
        algorithm="push-sum",
        topology="directed-exponential",
        agents=8,
        mixing="column-stochastic",
        dim=3,
        rounds=30,
        target=None,
    )
    lossy = gs.execute(dataclasses.replace(config, loss=0.2))
    assert lossy.summary().faults.messages_lost > 0
    assert lossy.summary().faults.live_mean_shift > 1e-3  # the lost shares are gone
    assert [f.round for f in lossy.faults] == [r.round for r in lossy.rounds]
    kept = gs.execute(dataclasses.replace(config, loss=0.2, retransmit="arq:retries=50"))
    faults = kept.summary().faults
    assert faults.messages_lost == 0 and faults.retransmissions > 0 and faults.acks > 0
    assert kept.final.error < 1e-8
    # retransmitted copies and acknowledgements are counted in the bits
    first_copies = sum(r.messages for r in kept.rounds) * 4 * 64
    assert kept.final.cumulative_bits > first_copies


def test_the_fast_path_is_refused_for_an_asynchronous_algorithm():
    with pytest.raises(gs.ConfigError, match=r"push-sum is asynchronous \(no rounds to batch\)"):
        gs.execute(gs.RunConfig(algorithm="push-sum", engine="fast"))
    assert (
        gs.execute(gs.RunConfig(algorithm="push-sum", engine="events", rounds=2)).final.round == 2
    )


def test_a_time_varying_topology_is_refused():
    config = gs.RunConfig(algorithm="push-sum", topology="one-peer-exponential", agents=8)
    with pytest.raises(gs.ConfigError, match=r"push-sum is asynchronous: it has no rounds for"):
        gs.execute(config)
