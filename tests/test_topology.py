"""Tests of gossip_sim.topology: generators, catalogue, link attributes, graph files."""

import json
import math

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gossip_sim import topology
from gossip_sim.errors import ConfigError
from gossip_sim.topology import TOPOLOGIES, build, describe, great_circle_latency

# A size every generator accepts at default parameters, and sizes for the sweep.
SIZES = {
    "ring": [3, 7, 16],
    "path": [1, 2, 9],
    "star": [2, 5, 17],
    "complete": [1, 2, 6],
    "grid": [4, 6, 12, 25],
    "torus": [9, 12, 16],
    "hypercube": [2, 8, 32],
    "binary-tree": [2, 7, 10],
    "erdos-renyi": [2, 10, 40],
    "random-geometric": [2, 10, 40],
    "watts-strogatz": [5, 10, 30],
    "barabasi-albert": [3, 10, 30],
    "exponential": [2, 8, 13],
    "one-peer-exponential": [2, 8, 13],  # time-varying: tests/test_varying.py
    "random-matching": [2, 6, 11],
    "directed-exponential": [2, 8, 13],
}
RANDOM = ["erdos-renyi", "random-geometric", "watts-strogatz", "barabasi-albert"]
CASES = [(name, k) for name, sizes in SIZES.items() for k in sizes]


def check_built(graph: nx.Graph, k: int) -> None:
    assert sorted(graph.nodes) == list(range(k))
    assert list(graph.nodes) == list(range(k))
    connected = nx.is_strongly_connected if graph.is_directed() else nx.is_connected
    assert k == 1 or connected(graph)
    assert not any(u == v for u, v in graph.edges)
    for _, _, data in graph.edges(data=True):
        assert isinstance(data["latency"], float) and data["latency"] >= 0
        assert isinstance(data["bandwidth"], float) and data["bandwidth"] > 0
    for _, data in graph.nodes(data=True):
        assert "nic_egress" in data
        assert data["nic_egress"] is None or data["nic_egress"] > 0


def test_every_registered_generator_has_sizes():
    assert set(SIZES) | {"file", "sequence"} == set(TOPOLOGIES.names())


@pytest.mark.parametrize(("name", "k"), CASES)
def test_generators_build_connected_graphs_with_links(name, k):
    graph = build(name, k, links="lan")
    check_built(graph, k)
    assert graph.graph["name"] == name
    assert graph.graph["links"] == "lan"
    lan = topology.link_profile("lan")
    assert all(d["latency"] == lan.latency for *_, d in graph.edges(data=True))
    assert all(d["nic_egress"] == lan.bandwidth for _, d in graph.nodes(data=True))


@pytest.mark.parametrize(
    ("name", "k", "edges"),
    [
        ("ring", 7, 7),
        ("path", 5, 4),
        ("star", 6, 5),
        ("complete", 6, 15),
        ("grid", 12, 17),  # 3 x 4: 3*3 + 2*4
        ("torus", 12, 24),
        ("hypercube", 16, 32),
        ("binary-tree", 10, 9),
        ("exponential", 16, 56),  # 16 * (steps 1, 2, 4, 8) with ±8 coinciding
        ("barabasi-albert", 10, 16),  # m (K - m) edges
    ],
)
def test_edge_counts_follow_the_definitions(name, k, edges):
    assert build(name, k).number_of_edges() == edges


def test_regular_graphs_have_their_degree():
    assert set(dict(build("torus", 16).degree).values()) == {4}
    assert set(dict(build("hypercube", 32).degree).values()) == {5}
    assert set(dict(build("ring", 9).degree).values()) == {2}
    graph = build("watts-strogatz:k=6,p=0", 20)
    assert set(dict(graph.degree).values()) == {6}


def test_grid_is_near_square_and_accepts_shape():
    graph = build("grid", 12)
    assert (graph.graph["rows"], graph.graph["cols"]) == (3, 4)
    assert nx.diameter(graph) == 2 + 3
    assert build("grid:rows=2", 12).graph["cols"] == 6
    assert build("grid:rows=2,cols=6", 12).number_of_edges() == 6 + 5 * 2


def test_star_records_coordinator():
    graph = build("star", 5)
    assert graph.graph["coordinator"] == 0
    assert graph.degree[0] == 4
    assert describe(graph)["coordinator"] == 0


def test_exponential_neighbours_are_powers_of_two_apart():
    graph = build("exponential", 12)
    for i in graph.nodes:
        expected = {(i + s) % 12 for s in (1, 2, 4, 8)} | {(i - s) % 12 for s in (1, 2, 4, 8)}
        assert set(graph.neighbors(i)) == expected


@pytest.mark.parametrize("name", RANDOM)
def test_random_generators_are_seeded(name):
    a = build(name, 30, seed=3)
    b = build(name, 30, seed=3)
    c = build(name, 30, seed=4)
    assert sorted(a.edges) == sorted(b.edges)
    assert sorted(a.edges) != sorted(c.edges)


def test_random_geometric_stores_positions_and_respects_radius():
    graph = build("random-geometric:radius=0.4", 25, seed=1)
    for u, v in graph.edges:
        assert math.dist(graph.nodes[u]["pos"], graph.nodes[v]["pos"]) <= 0.4
    non_edges = [(u, v) for u, v in nx.non_edges(graph)]
    assert all(math.dist(graph.nodes[u]["pos"], graph.nodes[v]["pos"]) > 0.4 for u, v in non_edges)


@settings(max_examples=25, deadline=None)
@given(k=st.integers(2, 40), seed=st.integers(0, 2**32))
def test_erdos_renyi_is_always_connected_or_refused(k, seed):
    graph = build("erdos-renyi", k, seed=seed)
    check_built(graph, k)


@pytest.mark.parametrize("name", ["complete", "path"])
def test_single_agent_is_valid_for_complete_and_path(name):
    graph = build(name, 1)
    check_built(graph, 1)
    assert graph.number_of_edges() == 0
    facts = describe(graph)
    assert facts["agents"] == 1
    assert facts["diameter"] == 0
    assert graph.nodes[0]["nic_egress"] == topology.link_profile("datacenter").nic_egress


@pytest.mark.parametrize(
    ("spec", "k", "match"),
    [
        ("ring", 2, "ring needs at least 3 agents; got 2"),
        ("ring", 1, "ring needs at least 3 agents; got 1"),
        ("star", 1, "star needs at least 2 agents; got 1"),
        ("hypercube", 6, r"hypercube needs K a power of two \(e\.g\. 4, 8, 16\); got 6"),
        ("grid", 7, r"grid needs K = rows x cols .*\(e\.g\. 6, 8, 9\); got 7"),
        ("torus", 8, r"torus needs K = rows x cols with rows, cols >= 3 .*got 8"),
        ("grid:rows=2,cols=4", 6, "has 8 agents; got K=6"),
        ("grid:rows=5", 12, "rows=5 does not fit K=12"),
        ("watts-strogatz", 4, "watts-strogatz with k=4 needs at least 5 agents; got 4"),
        ("watts-strogatz:k=3", 10, "k=3 is not valid; give an even k"),
        ("erdos-renyi:p=1.5", 10, r"p=1.5 is not valid; give 0 < p <= 1"),
        ("erdos-renyi:p=0.001", 40, "no connected graph in 100 tries"),
        ("random-geometric:radius=-1", 10, "radius=-1 is not valid"),
        ("barabasi-albert:m=5", 5, "barabasi-albert with m=5 needs at least 6 agents"),
        ("ring", 2.5, "ring needs an integer number of agents; got 2.5"),
        ("ring", None, "topology 'ring' needs the number of agents"),
        ("ring:size=3", 5, "topology 'ring' has no parameter 'size'"),
    ],
)
def test_bad_sizes_and_parameters_are_refused(spec, k, match):
    with pytest.raises(ConfigError, match=match):
        build(spec, k)


def test_unknown_topology_lists_names_and_suggests():
    with pytest.raises(ConfigError) as info:
        build("rng", 5)
    message = str(info.value)
    assert message.startswith("unknown topology 'rng'; valid: ")
    assert message.endswith("(did you mean 'ring'?)")
    for name in [*TOPOLOGIES.names(), *topology.catalogue_names()]:
        assert name in message
    with pytest.raises(ConfigError, match="did you mean 'abilene'"):
        build("abilen", None)


def test_unknown_link_profile_suggests():
    with pytest.raises(
        ConfigError, match=r"valid: datacenter, edge, lan, wan \(did you mean 'wan'"
    ):
        build("ring", 5, links="wna")


def test_link_profiles_are_documented_and_consistent():
    assert set(topology.LINK_PROFILES) == {"datacenter", "lan", "wan", "edge"}
    for name in topology.LINK_PROFILES:
        profile = topology.link_profile(name)
        assert profile.name == name
        assert profile.nic_egress == profile.bandwidth
        assert profile.description and profile.source
    speeds = [topology.link_profile(n).latency for n in ("datacenter", "lan", "wan")]
    assert speeds == sorted(speeds)


def test_explicit_values_override_profile():
    graph = build("ring", 5, links="edge", latency=0.25, bandwidth=1e3, nic_egress=5e2)
    assert {d["latency"] for *_, d in graph.edges(data=True)} == {0.25}
    assert {d["bandwidth"] for *_, d in graph.edges(data=True)} == {1e3}
    assert {d["nic_egress"] for _, d in graph.nodes(data=True)} == {5e2}
    # without an explicit NIC rate, a node's NIC has the speed of its (fastest) port
    assert build("ring", 5, bandwidth=1e3).nodes[0]["nic_egress"] == 1e3


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"latency": -1.0}, r"latency=-1\.0 is not valid; latency must be >= 0"),
        ({"bandwidth": 0.0}, r"bandwidth=0\.0 is not valid; a rate must be > 0"),
        ({"nic_egress": -5.0}, "nic_egress=-5.0 is not valid"),
        ({"latency": float("nan")}, "give a finite number"),
    ],
)
def test_invalid_link_values_are_refused(kwargs, match):
    with pytest.raises(ConfigError, match=match):
        build("ring", 4, **kwargs)


# ---------------------------------------------------------------- great circle, catalogue


def test_great_circle_latency_new_york_los_angeles():
    seconds = great_circle_latency(40.7128, -74.0060, 34.0522, -118.2437)
    assert 0.010 < seconds < 0.030
    assert seconds == pytest.approx(3936e3 / 2e8, rel=0.01)
    assert great_circle_latency(10, 20, 10, 20) == 0
    # a quarter of the equator
    assert great_circle_latency(0, 0, 0, 90) == pytest.approx(math.pi / 2 * 6371e3 / 2e8)


def test_catalogue_names():
    assert topology.catalogue_names() == ["abilene", "fattree-k4", "nsfnet"]


@pytest.mark.parametrize(
    ("name", "nodes", "edges"), [("abilene", 11, 14), ("nsfnet", 14, 21), ("fattree-k4", 16, 32)]
)
def test_catalogue_networks_load(name, nodes, edges):
    graph = build(name)
    check_built(graph, nodes)
    assert graph.number_of_edges() == edges
    assert graph.graph["name"] == name
    assert graph.graph["source"]
    assert build(name, nodes).number_of_edges() == edges


def test_catalogue_size_mismatch_refused():
    with pytest.raises(ConfigError, match="'abilene' has 11 agents; got agents=12"):
        build("abilene", 12)


def _by_name(graph):
    return {data["name"]: node for node, data in graph.nodes(data=True)}


def test_abilene_latencies_come_from_geography():
    graph = build("abilene", links="datacenter")
    names = _by_name(graph)
    ny, la = graph.nodes[names["New York"]], graph.nodes[names["Los Angeles"]]
    coast_to_coast = great_circle_latency(
        ny["latitude"], ny["longitude"], la["latitude"], la["longitude"]
    )
    assert 0.010 < coast_to_coast < 0.030
    # every link at least 1 ms (the datacenter profile's 5 µs is ignored), none above NY-LA
    latencies = [d["latency"] for *_, d in graph.edges(data=True)]
    assert min(latencies) > 1e-3 and max(latencies) < coast_to_coast
    assert {d["bandwidth"] for *_, d in graph.edges(data=True)} == {10e9}
    chicago_ny = graph.edges[names["Chicago"], names["New York"]]["latency"]
    assert 4e-3 < chicago_ny < 7e-3  # ~1,145 km
    # the shortest-latency NY-LA path is longer than the great circle, and within 2x
    path = nx.shortest_path_length(graph, names["New York"], names["Los Angeles"], "latency")
    assert coast_to_coast < path < 2 * coast_to_coast


def test_nsfnet_is_the_standard_benchmark():
    graph = build("nsfnet")
    degrees = sorted(d for _, d in graph.degree)
    assert (degrees[0], degrees[-1], sum(degrees)) == (2, 4, 42)
    assert {d["bandwidth"] for *_, d in graph.edges(data=True)} == {1.544e6}
    names = _by_name(graph)
    assert graph.has_edge(names["Seattle, WA"], names["Champaign, IL"])


def test_fattree_overlay_latencies_are_hop_counts():
    graph = build("fattree-k4")
    assert set(dict(graph.degree).values()) == {4}
    hops = {(d["hops"], d["latency"]) for *_, d in graph.edges(data=True)}
    assert hops == {(2, 2e-6), (4, 4e-6), (6, 6e-6)}


def test_catalogue_overrides_apply():
    graph = build("abilene", latency=0.001, bandwidth=1e8)
    assert {d["latency"] for *_, d in graph.edges(data=True)} == {0.001}
    assert {d["bandwidth"] for *_, d in graph.edges(data=True)} == {1e8}
    graph = build("fattree-k4", links="wan")
    assert max(d["latency"] for *_, d in graph.edges(data=True)) == 6e-6


# ---------------------------------------------------------------------------- graph files


def _sample() -> nx.Graph:
    graph = nx.Graph()
    graph.add_edge("a", "b", latency=0.003)
    graph.add_edge("b", "c", latency=0.003)
    graph.add_edge("c", "a")
    return graph


def _write(fmt: str, graph: nx.Graph, tmp_path):
    if fmt == "graphml":
        path = tmp_path / "net.graphml"
        nx.write_graphml(graph, path)
    elif fmt == "gml":
        path = tmp_path / "net.gml"
        nx.write_gml(graph, path)
    elif fmt == "json":
        path = tmp_path / "net.json"
        path.write_text(json.dumps(nx.node_link_data(graph, edges="links")))
    else:
        path = tmp_path / f"net.{fmt}"
        sep = "," if fmt == "csv" else " "
        lines = [
            sep.join([u, v, *([str(d["latency"])] if "latency" in d else [])])
            for u, v, d in graph.edges(data=True)
        ]
        path.write_text("# u v latency\n" + "\n".join(lines) + "\n")
    return path


@pytest.mark.parametrize("fmt", ["graphml", "gml", "json", "edgelist", "txt", "csv"])
def test_files_round_trip_and_file_latency_wins_over_profile(fmt, tmp_path):
    path = _write(fmt, _sample(), tmp_path)
    for spec in (str(path), f"file:path={path}"):
        graph = build(spec, links="wan")
        check_built(graph, 3)
        names = _by_name(graph)
        assert sorted(names) == ["a", "b", "c"]
        assert graph.edges[names["a"], names["b"]]["latency"] == 0.003  # from the file
        assert graph.edges[names["c"], names["a"]]["latency"] == 0.020  # wan profile
        assert graph.graph["name"] == "net"
    assert build(path, 3, latency=0.5).edges[0, 1]["latency"] == 0.5  # explicit wins


def test_edge_list_with_bandwidth_and_numeric_nodes(tmp_path):
    path = tmp_path / "ring.txt"
    path.write_text(
        "u v latency bandwidth\n1 2 0.01 1e6\n2 3 0.01 1e6\n3 10 0.02 2e6\n10 1 0.02 2e6\n"
    )
    graph = build(path)
    assert [graph.nodes[i]["name"] for i in range(4)] == ["1", "2", "3", "10"]
    assert graph.edges[2, 3]["bandwidth"] == 2e6
    assert graph.nodes[3]["nic_egress"] == 2e6  # the speed of its fastest port


def test_coordinates_in_user_files_give_latency(tmp_path):
    graph = nx.Graph()
    graph.add_node("NY", Latitude=40.7128, Longitude=-74.0060)  # Topology Zoo spelling
    graph.add_node("LA", Latitude=34.0522, Longitude=-118.2437)
    graph.add_edge("NY", "LA")
    path = tmp_path / "coast.gml"
    nx.write_gml(graph, path)
    latency = build(path).edges[0, 1]["latency"]
    assert latency == pytest.approx(great_circle_latency(40.7128, -74.0060, 34.0522, -118.2437))


def test_disconnected_file_refused(tmp_path):
    path = tmp_path / "two.edgelist"
    path.write_text("0 1\n2 3\n4 5\n")
    with pytest.raises(ConfigError, match=r"disconnected \(3 components\)"):
        build(path)


def test_file_size_mismatch_refused(tmp_path):
    path = _write("graphml", _sample(), tmp_path)
    with pytest.raises(ConfigError, match="has 3 agents; got agents=4"):
        build(str(path), 4)


@pytest.mark.parametrize(
    ("name", "content", "match"),
    [
        ("missing.graphml", None, "does not exist"),
        ("net.xyz", "0 1\n", r"unknown extension '\.xyz'; valid: \.graphml, \.gml, \.json"),
        ("bad.graphml", "<graphml><oops", "cannot read .* as GraphML"),
        ("bad.json", "{not json", "cannot read .* as node-link JSON"),
        ("bad.gml", "graph [ node [ id", "cannot read .* as GML"),
        ("bad.txt", "0 1 2 3 4\n", "line 1 .* write 'u v \\[latency bandwidth\\]'"),
        ("bad2.txt", "0 1\n1 2 fast\n", "line 2 .* latency='fast' is not a number"),
        ("empty.txt", "# nothing\n", "holds no nodes"),
        ("neg.txt", "0 1 -0.5\n", "latency of link 0-1=-0.5 is not valid"),
    ],
)
def test_bad_files_refused(tmp_path, name, content, match):
    path = tmp_path / name
    if content is not None:
        path.write_text(content)
    with pytest.raises(ConfigError, match=match):
        build(path)


def test_load_graph_file_makes_simple_undirected_graph(tmp_path):
    graph = nx.MultiDiGraph()
    graph.add_edge("x", "y", latency=0.1)
    graph.add_edge("y", "x", latency=0.2)
    graph.add_edge("x", "x")
    path = tmp_path / "multi.graphml"
    nx.write_graphml(graph, path)
    loaded = topology.load_graph_file(path)
    assert type(loaded) is nx.Graph
    assert loaded.number_of_edges() == 1
    assert loaded.edges[0, 1]["latency"] == 0.1


# ------------------------------------------------------------------------------- describe


def test_describe_reports_facts():
    facts = describe(build("abilene"))
    assert facts["name"] == "abilene"
    assert (facts["agents"], facts["edges"], facts["degree"]) == (11, 14, "2 to 3")
    assert facts["diameter"] == nx.diameter(build("abilene"))
    assert facts["bandwidth"] == "10 Gb/s"
    low, high = facts["latency"].removesuffix(" ms").split(" ms to ")  # as the run summary says
    assert 1 < float(low) < float(high) < 20
    assert "Abilene" in facts["source"]
    assert "coordinator" not in facts
    ring = describe(build("ring", 8, links="edge"))
    assert ring["latency"] == "10 ms"
    assert ring["bandwidth"] == "20 Mb/s"
    assert ring["diameter"] == 4
    assert ring["link profile"] == "edge"
