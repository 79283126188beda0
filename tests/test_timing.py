"""The array timing of the fast path against the SimPy events it replaces, to the bit."""

import filecmp

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import gossip_sim as gs
from conftest import linked
from gossip_sim import engine
from gossip_sim.algorithms.base import Exchange, RoundResult
from gossip_sim.errors import ConfigError
from gossip_sim.timing import ArrayNetwork


class Scripted:
    """An algorithm that sends given phases each round and whose values never change."""

    name = "scripted"

    def __init__(self, k, rounds):
        self.rounds = rounds  # per round: (flops or None, [(src, dst, nbits), ...] per phase)
        self.values0 = np.zeros((k, 1))

    def step(self, t):
        flops, phases = self.rounds[t]
        exchanges = [Exchange(*(np.array(c, dtype=np.int64) for c in p)) for p in phases]
        return RoundResult(exchanges, self.values0, compute=flops)

    def describe(self):
        return {}


def both(graph, script, **kwargs):
    """Run ``script`` with SimPy events and with arrays; return both traces."""
    traces = {}
    for mode in ("events", "arrays"):
        with engine._timing(mode):
            traces[mode] = engine.run(
                Scripted(graph.number_of_nodes(), script),
                graph,
                rounds=len(script),
                record_messages=True,
                **kwargs,
            )
    return traces["events"], traces["arrays"]


def assert_same_times(events, arrays):
    """Every message's four times, every finish time and every link's busy time: equal."""
    assert sorted(arrays.messages) == sorted(events.messages)
    assert arrays.agent_finish.tobytes() == events.agent_finish.tobytes()
    assert arrays.links == events.links
    assert arrays.rounds == events.rounds
    assert events.simpy_events > 0 and arrays.simpy_events == 0


positive = st.floats(1e-3, 1e9, allow_nan=False)


@st.composite
def networks(draw):
    """A small graph with random latencies, bandwidths, NIC egress rates, and a run script."""
    k = draw(st.integers(2, 6))
    pairs = [(u, v) for u in range(k) for v in range(u + 1, k)]
    chosen = draw(st.lists(st.sampled_from(pairs), min_size=1, max_size=len(pairs), unique=True))
    graph = nx.empty_graph(k)
    for u, v in chosen:
        graph.add_edge(u, v, latency=draw(st.floats(0, 0.5)), bandwidth=draw(positive))
    for i in range(k):
        graph.nodes[i]["nic_egress"] = draw(st.none() | positive)
    directed = [(u, v) for u, v in chosen] + [(v, u) for u, v in chosen]
    message = st.tuples(st.sampled_from(directed), st.integers(0, 10**6))
    phase = st.lists(message, max_size=12).map(
        lambda ms: (
            tuple(list(c) for c in zip(*[(s, d, b) for (s, d), b in ms], strict=True))
            if ms
            else ([], [], [])
        )
    )
    flops = st.none() | st.lists(st.floats(0, 1e6), min_size=k, max_size=k).map(np.array)
    script = draw(
        st.lists(st.tuples(flops, st.lists(phase, min_size=1, max_size=3)), min_size=1, max_size=4)
    )
    return graph, script


@settings(max_examples=60, deadline=None)
@given(
    net=networks(),
    header_bits=st.integers(0, 500),
    compute=st.builds(engine.ComputeModel, st.floats(0, 0.01), st.none() | st.floats(1e3, 1e9)),
)
def test_array_timing_equals_the_simpy_events(net, header_bits, compute):
    graph, script = net
    events, arrays = both(graph, script, header_bits=header_bits, compute=compute)
    assert_same_times(events, arrays)


def test_a_coordinator_round_uplink_then_downlink():
    graph = linked(nx.star_graph(4), latency=0.01, bandwidth=1e6, nic=2e6)
    up = ([1, 2, 3, 4], [0, 0, 0, 0], [1000, 3000, 2000, 500])
    down = ([0, 0, 0, 0], [1, 2, 3, 4], [800, 800, 900, 700])
    events, arrays = both(graph, [(None, [up, down])] * 3, header_bits=64)
    assert_same_times(events, arrays)
    # the hub's port sends the downlink one message after the other
    starts = sorted(m.t_start for m in arrays.messages if m.round == 0 and m.phase == 1)
    departs = sorted(m.t_departed for m in arrays.messages if m.round == 0 and m.phase == 1)
    assert starts[1:] == departs[:-1]


CONFIGS = [
    {"topology": "ring", "agents": 12, "dim": 10, "rounds": 15},
    {
        "topology": "torus",
        "agents": 16,
        "dim": 20,
        "rounds": 10,
        "header_bits": 320,
        "algorithm": "choco-gossip",
        "compressor": "qsgd:s=16,scaled=true",
    },
    {
        "topology": "star",
        "agents": 9,
        "dim": 10,
        "rounds": 10,
        "nic_egress": 1e6,
        "compute_seconds": 0.001,
    },
    {
        "topology": "erdos_renyi",
        "agents": 20,
        "dim": 8,
        "rounds": 10,
        "nic_egress": 5e5,
        "algorithm": "choco-gossip",
        "compressor": "topk:k=3",
    },
    {
        "topology": "star",
        "agents": 8,
        "dim": 10,
        "rounds": 10,
        "problem": "least-squares",
        "algorithm": "korhonen-alistarh",
    },
    {
        "topology": "star",
        "agents": 8,
        "dim": 16,
        "rounds": 10,
        "problem": "least-squares",
        "algorithm": "song-server",
        "nic_egress": 2e6,
        "header_bits": 100,
    },
    {
        "topology": "torus",
        "agents": 9,
        "dim": 10,
        "rounds": 20,
        "problem": "least-squares",
        "algorithm": "choco-sgd",
        "compressor": "randk:k=3",
        "links": "wan",
    },
]


@pytest.mark.parametrize(
    "settings_", CONFIGS, ids=lambda c: f"{c['topology']}-{c.get('algorithm')}"
)
def test_the_files_a_run_writes_are_the_same_byte_for_byte(settings_, tmp_path):
    config = gs.RunConfig(**settings_)
    for mode in ("events", "arrays"):
        with engine._timing(mode):
            gs.execute(config).write(tmp_path / mode)
    for name in ("rounds.csv", "agents.csv", "links.csv"):
        assert filecmp.cmp(tmp_path / "events" / name, tmp_path / "arrays" / name, shallow=False)


def run_exact(graph, **kwargs):
    W = gs.mixing.mixing_matrix("metropolis-hastings", graph)
    problem = gs.problems.Consensus(graph.number_of_nodes(), 3, seed=0)
    return engine.run(gs.algorithms.ExactGossip(graph, W, problem), graph, rounds=3, **kwargs)


def test_the_fast_path_uses_arrays_unless_an_event_order_shows():
    graph = linked(nx.cycle_graph(5))
    assert run_exact(graph).simpy_events == 0
    assert run_exact(graph, record_messages=True).simpy_events > 0  # SimPy's delivery order
    graph.nodes[2]["nic_ingress"] = 1e6
    assert run_exact(graph).simpy_events > 0


def test_forced_arrays_refuse_an_ingress_nic():
    graph = linked(nx.cycle_graph(5))
    graph.nodes[2]["nic_ingress"] = 1e6
    with engine._timing("arrays"), pytest.raises(ConfigError, match="timing = 'arrays'"):
        run_exact(graph)
    with pytest.raises(ConfigError, match="nic_ingress is not valid here"):
        ArrayNetwork(graph)


def test_an_unknown_timing_is_refused():
    with engine._timing("bogus"), pytest.raises(ConfigError, match="timing = 'bogus'"):
        run_exact(linked(nx.cycle_graph(5)))


@pytest.mark.parametrize(("attribute", "match"), [("bandwidth", "bandwidth of link 0-1")])
def test_bad_rates_are_refused_as_the_network_refuses_them(attribute, match):
    graph = linked(nx.path_graph(2))
    graph.edges[0, 1][attribute] = -1.0
    with pytest.raises(ConfigError, match=match):
        ArrayNetwork(graph)
    graph = linked(nx.path_graph(2))
    graph.nodes[1]["nic_egress"] = 0.0
    with pytest.raises(ConfigError, match=r"nic_egress of node 1 = 0\.0"):
        ArrayNetwork(graph)


def test_bad_header_bits_and_missing_links_are_refused():
    with pytest.raises(ConfigError, match="header_bits = -1"):
        ArrayNetwork(linked(nx.path_graph(2)), header_bits=-1)
    net = ArrayNetwork(linked(nx.path_graph(3)))
    with pytest.raises(ConfigError, match="no link from agent 0 to agent 2"):
        net.link_ids(np.array([0]), np.array([2]))


@pytest.mark.parametrize(
    ("scale", "options"),
    [(3.0, {}), (1.0, {"target": 1e-3}), (1.0, {"compute": engine.ComputeModel(seconds=0.002)})],
    ids=["diverges", "target", "compute"],
)
def test_runs_that_stop_early_end_the_same_way(scale, options):
    graph = linked(nx.petersen_graph(), latency=0.003, bandwidth=2e6, nic=3e6)
    W = gs.mixing.mixing_matrix("metropolis-hastings", graph)
    traces = []
    for mode in ("events", "arrays"):
        alg = gs.algorithms.ExactGossip(graph, scale * W, gs.problems.Consensus(10, 4, seed=1))
        with engine._timing(mode):
            try:
                traces.append(engine.run(alg, graph, rounds=200, **options))
            except gs.errors.DivergenceError as error:
                traces.append(error.trace)
    events, arrays = traces
    assert arrays.rounds == events.rounds and arrays.ending == events.ending
    assert arrays.agent_finish.tobytes() == events.agent_finish.tobytes()
    assert 1 < len(arrays.rounds) <= 201
