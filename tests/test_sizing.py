"""Sizes are refused before any work; a MemoryError ends in one line (gossip_sim.sizing)."""

import subprocess
import sys
from pathlib import Path

import pytest

from gossip_sim import simulation, sizing, topology
from gossip_sim._registry import parse_spec
from gossip_sim.cli import main
from gossip_sim.config import RunConfig
from gossip_sim.errors import ConfigError

GB = 2**30


@pytest.fixture
def nothing_built(monkeypatch):
    """Make building a graph fail the test: a refusal must come before it."""

    def build(*args, **kwargs):
        raise AssertionError("the graph was built before the size was checked")

    monkeypatch.setattr(topology, "build", build)


@pytest.mark.parametrize("flags", [["--agents", "10000000"], ["--dim", "1000000000"]])
def test_a_run_too_large_is_refused_in_one_line_before_building(
    flags, nothing_built, tmp_path, capsys, monkeypatch
):
    monkeypatch.setattr(sizing, "available_bytes", lambda: 16 * GB)
    out = tmp_path / "run"
    code = main([*flags, "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and "the run needs about" in err and "16 GB is available" in err
    assert not out.exists()


def test_the_refusal_names_the_estimate_and_what_is_available():
    with pytest.raises(
        ConfigError,
        match=r"agents=10000000, dim=100: the run needs about 631 GB of memory \(estimate: "
        r"trace .*\); 8 GB is available; lower --agents, --dim or --rounds",
    ):
        sizing.check(RunConfig(agents=10**7), available=8 * GB)


def test_what_fits_is_not_refused():
    config = RunConfig(topology="ring", agents=100_000, dim=10, rounds=5)
    assert sizing.check(config, available=4 * GB).total < 2 * GB
    assert sizing.check(config, available=None).total > sizing.BASE


def test_unknown_available_memory_refuses_nothing(monkeypatch):
    monkeypatch.setattr(sizing, "available_bytes", lambda: None)
    assert sizing.check(RunConfig(agents=10**7)).total > 100 * GB


def test_available_memory_is_read_and_positive():
    available = sizing.available_bytes()
    assert available is None or 0 < available < 2**50


def test_state_and_data_grow_with_what_the_registrations_say():
    plain = sizing.estimate(RunConfig(agents=10, dim=1000, algorithm="exact-gossip"))
    choco = sizing.estimate(RunConfig(agents=10, dim=1000, algorithm="choco-gossip"))
    assert choco.parts["agent state"] > plain.parts["agent state"] > 0
    few = sizing.estimate(RunConfig(agents=10, dim=1000, problem="least-squares:samples=10"))
    many = sizing.estimate(RunConfig(agents=10, dim=1000, problem="least-squares:samples=90"))
    assert many.parts["problem data"] == few.parts["problem data"] * 92 // 12
    song = sizing.estimate(
        RunConfig(topology="star", agents=5, dim=1000, algorithm="song-server", problem="quadratic")
    )
    assert song.parts["sketch"] == 0  # no data rows: no sketch
    recorded = sizing.estimate(RunConfig(agents=10, rounds=10, record_messages=True))
    assert recorded.parts["messages"] > 0 == sizing.estimate(RunConfig(agents=10)).parts["messages"]


@pytest.mark.parametrize(
    "spec", [*topology.TOPOLOGIES.names_where(sized_by_file=False), "watts-strogatz:k=6"]
)
def test_each_topology_declares_at_least_its_links(spec):
    graph = topology.build(spec, 16)
    name, params = parse_spec(spec)
    declared = topology.TOPOLOGIES.entry(name).facts["links"](16, params)
    assert graph.number_of_edges() <= declared <= 4 * max(graph.number_of_edges(), 16)


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads Linux's VmHWM")
def test_the_estimate_is_within_a_factor_of_two_of_the_measured_peak(tmp_path):
    # VmHWM, not getrusage: a forked child's ru_maxrss keeps the parent's (pytest's) peak
    flags = ["--topology", "ring", "--agents", "8", "--dim", "300000", "--rounds", "3"]
    code = (
        "import pathlib\n"
        "from gossip_sim.cli import main\n"
        f"code = main({[*flags, '--target', '0', '-q', '--no-plot', '--out', str(tmp_path)]!r})\n"
        "status = pathlib.Path('/proc/self/status').read_text().split('VmHWM:')[1]\n"
        "print(int(status.split()[0]) * 1024, code)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    measured, exit_code = (int(word) for word in done.stdout.split()[-2:])
    assert exit_code == 0
    estimated = sizing.estimate(
        RunConfig(topology="ring", agents=8, dim=300_000, rounds=3, target=0)
    ).total
    assert measured <= estimated <= 2 * measured


def test_a_memory_error_ends_in_one_line_exit_2_and_nothing_written(tmp_path, capsys, monkeypatch):
    def build(config):
        raise MemoryError

    monkeypatch.setattr(simulation, "build", build)
    out = tmp_path / "run"
    code = main(["--agents", "5", "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2
    assert err == "gossip-sim: error: out of memory; lower --agents, --dim or --rounds\n"
    assert not out.exists()
