"""Graph files: attributes the model does not use are named in one warning per file."""

import json
import warnings

import networkx as nx
import pytest

from gossip_sim.cli import main
from gossip_sim.errors import GossipSimWarning
from gossip_sim.topology import build, catalogue_names, catalogue_path, load_graph_file
from gossip_sim.topology.files import READ_ATTRIBUTES, _unused

READS = (
    "it reads edge latency, bandwidth; node latitude, longitude, nic_egress, nic_ingress, "
    "name, label"
)


def lossy_graph():
    graph = nx.Graph()
    graph.add_node("a", Latitude=40.7, Longitude=-74.0, colour="red")
    graph.add_node("b", latitude=34.1, longitude=-118.2)
    graph.add_edge("a", "b", latency=1e-3, loss=0.3)
    graph.add_edge("b", "c", bandwidth=1e8, failed=True)
    graph.add_edge("c", "a")
    return graph


def write(graph, path):
    if path.suffix == ".graphml":
        nx.write_graphml(graph, path)
    elif path.suffix == ".gml":
        nx.write_gml(graph, path)
    else:
        path.write_text(json.dumps(nx.node_link_data(graph, edges="links")))
    return path


@pytest.mark.parametrize("suffix", [".graphml", ".gml", ".json"])
def test_loss_and_failed_are_named_in_one_warning(tmp_path, suffix):
    path = write(lossy_graph(), tmp_path / f"lossy{suffix}")
    with pytest.warns(GossipSimWarning) as caught:
        graph = build(path)
    assert [str(w.message) for w in caught] == [
        f"topology file {str(path)!r}: ignoring edge attributes failed, loss and node attribute "
        f"colour: gossip-sim's model does not use them ({READS}); name attributes kept as notes "
        "in the graph attribute 'descriptive' to silence this"
    ]
    assert graph.number_of_edges() == 3  # the run goes on, the attributes ignored


def test_one_unused_attribute_is_named_in_the_singular(tmp_path):
    graph = nx.Graph()
    graph.add_edge(0, 1, loss=0.1)
    path = write(graph, tmp_path / "one.graphml")
    with pytest.warns(GossipSimWarning, match=r"ignoring edge attribute loss: .* not use it "):
        load_graph_file(path)


def test_identifiers_the_formats_write_are_not_named(tmp_path):
    graph = nx.MultiGraph()
    graph.add_edge("a", "b", latency=1e-3)
    graph.add_edge("a", "b", latency=2e-3)  # GraphML writes edge ids, node-link JSON keys
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        load_graph_file(write(graph, tmp_path / "multi.graphml"))
        load_graph_file(write(graph, tmp_path / "multi.json"))


def test_files_with_only_what_the_model_reads_do_not_warn(tmp_path):
    graph = nx.Graph()
    graph.add_node("a", Latitude=1.0, Longitude=2.0, nic_egress=1e9, label="A")
    graph.add_node("b", lat=1.5, lon=2.5, nic_ingress=1e9, name="B")
    graph.add_edge("a", "b", latency=1e-3, bandwidth=1e9)
    edges = tmp_path / "office.txt"
    edges.write_text("a b 1e-3 1e9\nb c\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for suffix in (".graphml", ".gml", ".json"):
            load_graph_file(write(graph, tmp_path / f"plain{suffix}"))
        load_graph_file(edges)  # an edge list holds only latency and bandwidth


def test_the_graph_attribute_descriptive_silences_what_it_lists(tmp_path):
    graph = lossy_graph()
    graph.graph["descriptive"] = "colour, failed"
    path = write(graph, tmp_path / "noted.graphml")
    with pytest.warns(GossipSimWarning) as caught:
        load_graph_file(path)
    assert "ignoring edge attribute loss:" in str(caught[0].message)
    assert "colour" not in str(caught[0].message).split(":")[1]
    graph.graph["descriptive"] = "colour failed loss"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        load_graph_file(write(graph, tmp_path / "all-noted.graphml"))


def test_the_catalogue_is_warning_free_and_says_why():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for name in catalogue_names():
            build(name)
    # fattree-k4 carries descriptive attributes, and names them as such
    raw = nx.read_graphml(catalogue_path("fattree-k4"))
    listed = raw.graph.pop("descriptive")
    assert _unused(raw) == {"edge": ["hops"], "node": ["edge_switch", "pod"]}
    assert set(listed.replace(",", " ").split()) == {"hops", "pod", "edge_switch"}
    assert set(READ_ATTRIBUTES) == {"edge", "node"}


def test_the_command_line_prints_the_warning_as_one_line(tmp_path, capsys):
    path = write(lossy_graph(), tmp_path / "lossy.graphml")
    argv = ["--topology", str(path), "--rounds", "2", "-q", "--json", "-o", str(tmp_path / "o")]
    code = main(argv)
    out, err = capsys.readouterr()
    assert code == 0, err
    assert json.loads(out)["agents"] == 3
    lines = err.splitlines()
    assert lines == [
        f"gossip-sim: warning: topology file {str(path)!r}: ignoring edge attributes failed, "
        f"loss and node attribute colour: gossip-sim's model does not use them ({READS}); name "
        "attributes kept as notes in the graph attribute 'descriptive' to silence this"
    ], err  # once, though the run reads the file twice (its size, then the graph)


def test_other_warnings_keep_pythons_format(capsys, monkeypatch):
    shown = []
    monkeypatch.setattr(warnings, "showwarning", lambda *args: shown.append(args[:4]))
    main(["algorithms"])  # puts the one-line printer in front of Python's
    capsys.readouterr()
    warnings.warn_explicit("plain", UserWarning, "somewhere.py", 7)
    assert [(str(m), *rest) for m, *rest in shown] == [("plain", UserWarning, "somewhere.py", 7)]
    warnings.warn_explicit("noted", GossipSimWarning, "somewhere.py", 8)
    assert capsys.readouterr().err == "gossip-sim: warning: noted\n"
    assert len(shown) == 1
