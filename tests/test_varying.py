"""Tests of gossip_sim.topology.varying: time-varying graphs and their W_t per round."""

import json
import math
import pickle

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp

from gossip_sim import mixing, topology
from gossip_sim.cli import main
from gossip_sim.config import RunConfig
from gossip_sim.errors import ConfigError
from gossip_sim.simulation import build as build_run
from gossip_sim.topology import TOPOLOGIES, GraphSchedule, build, mix_sequence, schedule_of
from gossip_sim.topology.sequences import SEQUENCE_MIXING
from gossip_sim.topology.varying import _Periodic

VARYING = ["one-peer-exponential", "random-matching", "sequence"]


def reference_one_peer(k: int, t: int) -> np.ndarray:
    """W_t of Ying et al. (2021), plain NumPy: i sends to (i + 2^(t mod tau)) mod K."""
    tau = math.ceil(math.log2(k))
    P = np.zeros((k, k))
    for i in range(k):
        P[(i + 2 ** (t % tau)) % k, i] = 1.0  # receiver's row, sender's column
    return (np.eye(k) + P) / 2


def write_sequence(folder, graphs, mixing_rule=None, name="s.toml"):
    """Write edge-list files ``{name: [(u, v), ...]}`` and a sequence file listing them."""
    for file, edges in graphs.items():
        (folder / file).write_text("\n".join(f"{u} {v}" for u, v in edges) + "\n")
    listed = ", ".join(f'"{f}"' for f in graphs)
    text = f"graphs = [{listed}]\n" + (f'mixing = "{mixing_rule}"\n' if mixing_rule else "")
    path = folder / name
    path.write_text(text)
    return path


# --- registration ------------------------------------------------------------------------


def test_the_varying_fact_marks_exactly_the_time_varying_topologies():
    assert TOPOLOGIES.names_where(varying=True) == sorted(VARYING)
    assert TOPOLOGIES.entry("ring").facts["varying"] is False
    assert TOPOLOGIES.entry("one-peer-exponential").facts["varying"] is True
    assert TOPOLOGIES.names_where(sized_by_file=True) == ["file", "sequence"]


def test_static_topologies_have_no_schedule():
    assert schedule_of(build("exponential", 8)) is None


@pytest.mark.parametrize("name", ["one-peer-exponential", "random-matching"])
def test_a_built_varying_topology_carries_its_schedule_and_links(name):
    graph = build(name, 6, links="lan")
    schedule = schedule_of(graph)
    assert isinstance(schedule, GraphSchedule) and schedule.n_agents == 6
    assert graph.graph["name"] == name and nx.is_connected(graph)
    lan = topology.link_profile("lan")
    assert all(d["latency"] == lan.latency for *_, d in graph.edges(data=True))


@pytest.mark.parametrize("name", ["one-peer-exponential", "random-matching"])
def test_every_round_uses_only_links_of_the_union_graph(name):
    graph = build(name, 10, seed=4)
    schedule = schedule_of(graph)
    for t in range(12):
        for sender, receiver in schedule.sends(t):
            assert graph.has_edge(sender, receiver), (t, sender, receiver)


# --- one-peer exponential ----------------------------------------------------------------


@pytest.mark.parametrize("m", [1, 2, 3, 4, 5, 6, 7])
def test_one_peer_exponential_matches_the_papers_matrices(m):
    k = 2**m
    schedule = schedule_of(build("one-peer-exponential", k))
    assert schedule.period == m
    for t in range(2 * m + 1):
        assert np.array_equal(schedule.at(t).toarray(), reference_one_peer(k, t))


@pytest.mark.parametrize("m", [1, 2, 3, 4, 5, 6, 7])
def test_m_consecutive_one_peer_rounds_average_exactly_when_k_is_2_to_the_m(m):
    k = 2**m
    schedule = schedule_of(build("one-peer-exponential", k))
    for start in range(m):  # any m consecutive rounds, not only 0..m-1
        product = np.eye(k)
        for t in range(start, start + m):
            product = reference_one_peer(k, t) @ product
        assert np.abs(product - 1 / k).max() < 1e-12
        ours = sp.identity(k, format="csr")
        for t in range(start, start + m):
            ours = schedule.at(t) @ ours
        assert np.abs(ours.toarray() - 1 / k).max() < 1e-12


def test_one_peer_averaging_reaches_the_exact_average_after_m_rounds_and_not_before():
    k, m = 64, 6
    x0 = np.random.default_rng(3).normal(size=(k, 5))
    xs = mix_sequence(schedule_of(build("one-peer-exponential", k)), x0, m)
    assert np.abs(xs[m] - x0.mean(axis=0)).max() < 1e-12
    assert np.abs(xs[m - 1] - x0.mean(axis=0)).max() > 1e-2
    for x in xs:  # every round keeps the average
        assert np.allclose(x.mean(axis=0), x0.mean(axis=0), atol=1e-14)


@pytest.mark.parametrize("k", [3, 5, 6, 12, 13])
def test_one_peer_exponential_for_other_sizes_is_one_in_one_out_and_doubly_stochastic(k):
    graph = build("one-peer-exponential", k)
    schedule = schedule_of(graph)
    assert schedule.period == math.ceil(math.log2(k))
    assert sorted(graph.edges) == sorted(build("exponential", k).edges)
    for t in range(schedule.period):
        W = schedule.at(t).toarray()
        assert np.array_equal(W, reference_one_peer(k, t))
        assert np.allclose(W.sum(axis=0), 1) and np.allclose(W.sum(axis=1), 1)
        senders = [s for s, _ in schedule.sends(t)]
        receivers = [r for _, r in schedule.sends(t)]
        assert sorted(senders) == sorted(receivers) == list(range(k))


# --- random matching ---------------------------------------------------------------------


@pytest.mark.parametrize(("base", "k"), [("complete", 9), ("ring", 10), ("torus", 12)])
def test_random_matchings_are_maximal_matchings_of_the_base(base, k):
    graph = build(f"random-matching:base={base}", k, seed=2)
    schedule = schedule_of(graph)
    assert sorted(graph.edges) == sorted(build(base, k).edges)
    for t in range(20):
        W = schedule.at(t).toarray()
        assert np.array_equal(W, W.T)
        assert np.allclose(W.sum(axis=1), 1) and (W >= 0).all()
        pairs = {tuple(sorted(p)) for p in schedule.sends(t)}
        matched = [a for p in pairs for a in p]
        assert len(matched) == len(set(matched))  # a matching
        assert all(graph.has_edge(*p) for p in pairs)
        free = set(range(k)) - set(matched)
        assert not any(u in free and v in free for u, v in graph.edges)  # maximal
        expected = np.eye(k)
        for i, j in pairs:  # W_t = I - 1/2 sum (e_i - e_j)(e_i - e_j)^T
            e = np.zeros(k)
            e[i], e[j] = 1.0, -1.0
            expected -= 0.5 * np.outer(e, e)
        assert np.array_equal(W, expected)


def test_random_matching_on_the_complete_graph_is_perfect_for_even_k():
    schedule = schedule_of(build("random-matching", 8, seed=5))
    assert all(len(schedule.sends(t)) == 8 for t in range(10))


def test_random_matchings_are_deterministic_per_round_in_any_order_and_vary():
    schedule = schedule_of(build("random-matching", 12, seed=7))
    forward = [schedule.at(t).toarray() for t in range(6)]
    backward = [schedule.at(t).toarray() for t in reversed(range(6))][::-1]
    assert all(np.array_equal(a, b) for a, b in zip(forward, backward, strict=True))
    assert len({a.tobytes() for a in forward}) > 1
    other = schedule_of(build("random-matching", 12, seed=8))
    assert not all(np.array_equal(a, other.at(t).toarray()) for t, a in enumerate(forward))


def test_random_matching_averaging_keeps_the_average_and_converges():
    k = 16
    x0 = np.random.default_rng(1).normal(size=k)
    xs = mix_sequence(schedule_of(build("random-matching", k, seed=3)), x0, 60)
    assert all(math.isclose(x.mean(), x0.mean(), abs_tol=1e-13) for x in xs)
    assert np.abs(xs[-1] - x0.mean()).max() < 1e-6 < np.abs(xs[0] - x0.mean()).max()


def test_random_matching_refuses_an_unknown_or_varying_base():
    with pytest.raises(
        ConfigError, match=r"^unknown topology 'rnig'; valid: .*did you mean 'ring'"
    ):
        build("random-matching:base=rnig", 6)
    with pytest.raises(
        ConfigError, match="base='one-peer-exponential' is not valid; give a static"
    ):
        build("random-matching:base=one-peer-exponential", 6)
    with pytest.raises(ConfigError, match="ring needs at least 3 agents; got 2"):
        build("random-matching:base=ring", 2)


def test_random_matching_declares_its_base_links_for_sizing():
    links = TOPOLOGIES.entry("random-matching").facts["links"]
    assert links(16, {"base": "ring"}) == TOPOLOGIES.entry("ring").facts["links"](16, {})
    assert links(16, {}) == 120


# --- sequences of graph files ------------------------------------------------------------


def test_a_sequence_uses_graph_t_mod_len_with_metropolis_hastings(tmp_path):
    sub = tmp_path / "graphs"
    sub.mkdir()
    edges = {"a.edgelist": [(0, 1), (2, 3), (4, 0)], "b.edgelist": [(1, 2), (3, 4), (0, 2)]}
    write_sequence(sub, edges)
    (sub / "s.toml").rename(tmp_path / "s.toml")  # paths are relative to the sequence file
    (tmp_path / "s.toml").write_text('graphs = ["graphs/a.edgelist", "graphs/b.edgelist"]\n')
    graph = build(f"sequence:path={tmp_path / 's.toml'}", links="wan")
    schedule = schedule_of(graph)
    assert graph.number_of_nodes() == 5 and schedule.period == 2
    assert sorted(graph.edges) == sorted({tuple(sorted(e)) for v in edges.values() for e in v})
    assert graph.graph["name"] == "sequence" and graph.graph["links"] == "wan"
    for t, file in enumerate(["a.edgelist", "b.edgelist", "a.edgelist"]):
        expected = mixing.metropolis_hastings(topology.load_graph_file(sub / file))
        assert np.abs(schedule.at(t).toarray() - expected.toarray()).max() < 1e-15


@pytest.mark.parametrize("rule", sorted(SEQUENCE_MIXING))
def test_a_sequences_mixing_rule_gives_the_mixing_layers_weights(tmp_path, rule):
    edges = {"a.edgelist": [(0, 1), (1, 2), (2, 3), (3, 0), (0, 2)], "b.edgelist": [(0, 3), (1, 2)]}
    schedule = schedule_of(build(f"sequence:path={write_sequence(tmp_path, edges, rule)}"))
    for t, file in enumerate(edges):
        expected = mixing.MIXING_RULES.get(rule)(topology.load_graph_file(tmp_path / file))
        assert np.abs(schedule.at(t).toarray() - expected.toarray()).max() < 1e-15


def test_a_sequence_whose_union_is_disconnected_is_refused_naming_its_files(tmp_path):
    path = write_sequence(
        tmp_path, {"a.edgelist": [(0, 1), (2, 3)], "c.edgelist": [(1, 0), (3, 2)]}
    )
    with pytest.raises(
        ConfigError,
        match=r"^time-varying topology 'sequence' is never connected: the union of its 2 rounds "
        r"has 2 components; .* lists a.edgelist, c.edgelist$",
    ):
        build(f"sequence:path={path}")


def test_a_sequence_with_different_node_counts_is_refused_naming_files(tmp_path):
    path = write_sequence(
        tmp_path, {"a.edgelist": [(0, 1), (2, 3)], "b.edgelist": [(0, 1), (1, 2)]}
    )
    with pytest.raises(
        ConfigError, match=r"b.edgelist' has 3 nodes and '.*a.edgelist' has 4; every"
    ):
        build(f"sequence:path={path}")
    path = write_sequence(
        tmp_path, {"a.edgelist": [(0, 1), (2, 3)], "d.edgelist": [(0, 1), (2, 5)]}
    )
    with pytest.raises(ConfigError, match=r"has 4 nodes .*same nodes \(their names differ\)"):
        build(f"sequence:path={path}")


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ('graphs = "a.edgelist"', r"graphs = 'a.edgelist' is not valid; give a non-empty list"),
        ("graphs = []", r"graphs = \[\] is not valid"),
        ('graphs = ["a.edgelist"]\nweights = 1', r"unknown key 'weights'; valid: graphs, mixing"),
        ('graphs = ["a.edgelist"]\nmixing = "fdla"', r"mixing = 'fdla' is not valid; valid: metro"),
        ("graphs = [", r"cannot read sequence file .* as TOML"),
        ('graphs = ["missing.edgelist"]', r"topology file '.*missing.edgelist' does not exist"),
    ],
)
def test_bad_sequence_files_are_refused_in_one_line(tmp_path, text, match):
    (tmp_path / "a.edgelist").write_text("0 1\n1 2\n")
    (tmp_path / "s.toml").write_text(text)
    with pytest.raises(ConfigError, match=match) as info:
        build(f"sequence:path={tmp_path / 's.toml'}")
    assert "\n" not in str(info.value)


def test_sequence_needs_a_path_an_existing_file_and_its_own_size(tmp_path):
    with pytest.raises(ConfigError, match=r"'sequence' needs a path, e.g. sequence:path="):
        build("sequence")
    with pytest.raises(ConfigError, match=r"sequence file '.*nope.toml' does not exist"):
        build(f"sequence:path={tmp_path / 'nope.toml'}")
    path = write_sequence(tmp_path, {"a.edgelist": [(0, 1), (1, 2)]})
    with pytest.raises(ConfigError, match=r"has 3 agents; got agents=4 \(leave agents unset"):
        build(f"sequence:path={path}", 4)
    assert build(f"sequence:path={path}", 3).number_of_nodes() == 3


def test_a_sequence_spec_is_sized_by_its_file_and_its_path_made_absolute(tmp_path, monkeypatch):
    path = write_sequence(
        tmp_path, {"a.edgelist": [(0, 1), (1, 2)], "b.edgelist": [(0, 2), (1, 0)]}
    )
    assert topology.sized_by_file("sequence:path=x/s.toml")
    assert topology.spec_path("sequence:path=x/s.toml") == "x/s.toml"
    monkeypatch.chdir(tmp_path)
    resolved = RunConfig(topology="sequence:path=s.toml").resolved()
    assert resolved.topology == f"sequence:path={path}" and resolved.agents == 3
    assert (
        RunConfig(topology=f"sequence:path={path}").resolved().topology == f"sequence:path={path}"
    )


# --- the schedule itself -----------------------------------------------------------------


def test_check_refuses_a_never_connected_schedule_and_too_few_agents():
    halves = sp.csr_array(np.kron(np.eye(2), np.full((2, 2), 0.5)))
    with pytest.raises(ConfigError, match=r"'split' is never connected: the union of its 1 rounds"):
        GraphSchedule(4, "split", 1, _Periodic((halves,))).check()
    with pytest.raises(ConfigError, match=r"^lonely needs at least 2 agents; got 1$"):
        GraphSchedule(1, "lonely", 1, _Periodic((sp.csr_array(np.eye(1)),))).check()
    with pytest.raises(ConfigError, match=r"one-peer-exponential needs at least 2 agents; got 1"):
        build("one-peer-exponential", 1)


def test_at_refuses_a_negative_round():
    schedule = schedule_of(build("one-peer-exponential", 4))
    with pytest.raises(ConfigError, match=r"^round t=-1 is not valid; give an integer >= 0$"):
        schedule.at(-1)


@pytest.mark.parametrize("name", ["one-peer-exponential", "random-matching"])
def test_a_schedule_survives_pickling(name):
    schedule = schedule_of(build(name, 8, seed=1))
    copy = pickle.loads(pickle.dumps(schedule))
    assert all((copy.at(t) != schedule.at(t)).nnz == 0 for t in range(5))


# --- a run and the command line ----------------------------------------------------------


@pytest.mark.parametrize("spec", ["one-peer-exponential", "random-matching:base=ring"])
def test_a_run_builds_on_a_varying_topology(spec):
    config = RunConfig(topology=spec, agents=8, rounds=3, dim=2, algorithm="exact-gossip")
    setup = build_run(config)
    assert schedule_of(setup.graph) is not None and setup.events
    assert setup.spectral_gap is not None and setup.spectral_gap > 0  # the union's W


def test_topologies_lists_and_shows_the_varying_entries(capsys):
    assert main(["topologies"]) == 0
    out = capsys.readouterr().out
    for name in VARYING:
        assert f"\n  {name}(" in out
    assert main(["topologies", "show", "one-peer-exponential", "--agents", "8"]) == 0
    out = capsys.readouterr().out
    assert "time-varying (period 3)" in out and "edges           20" in out


def test_the_cli_refuses_a_never_connected_sequence_with_exit_2(tmp_path, capsys):
    path = write_sequence(
        tmp_path, {"a.edgelist": [(0, 1), (2, 3)], "c.edgelist": [(1, 0), (3, 2)]}
    )
    out = tmp_path / "run"
    argv = ["--topology", f"sequence:path={path}", "--algorithm", "exact-gossip"]
    code = main([*argv, "--rounds", "2", "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "is never connected" in err and not out.exists()


def test_a_run_on_the_one_peer_exponential_graph_averages_exactly_in_m_rounds(capsys, tmp_path):
    argv = ["--topology", "one-peer-exponential", "--agents", "16", "--algorithm", "exact-gossip"]
    out = tmp_path / "run"
    argv += ["--dim", "10", "--target", "1e-20", "--json", "--no-plot", "--out", str(out)]
    assert main(argv) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["rounds"] == 4 and summary["final_error"] < 1e-20
    assert summary["total_messages"] == 4 * 16  # one message per agent and round
    assert summary["total_bits"] == 4 * 16 * 64 * 10


# --- the event-driven engine with W_t per round (it calls schedule.at(t)) -----------------


@pytest.mark.parametrize("spec", ["one-peer-exponential", "random-matching"])
def test_the_event_engine_mixing_with_at_t_follows_the_reference(spec):
    from gossip_sim import algorithms, problems
    from gossip_sim.events import rounds
    from gossip_sim.faults.plan import FaultPlan

    graph = build(spec, 16, links="lan", seed=3)
    schedule = schedule_of(graph)
    W = mixing.mixing_matrix("metropolis-hastings", graph)  # the union's: not used per round
    algorithm = algorithms.create(
        "exact-gossip", graph, W, problems.create("consensus", n_agents=16, dim=3)
    )
    seen = {}
    rounds.run(
        algorithm, graph, W, FaultPlan.create(), rounds=12, target=0, base=schedule.at,
        on_values=lambda t, x: seen.__setitem__(t, np.array(x)),
    )  # fmt: skip
    reference = mix_sequence(schedule, seen[0], 12)
    assert len(seen) == 13
    assert max(np.abs(seen[t] - reference[t]).max() for t in seen) < 1e-12
