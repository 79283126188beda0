"""Registries are the only lists of names, and every spec is checked the same way.

Every kind of spec a run reads (algorithm, compressor, problem, topology, mixing rule, link
profile) refuses a parameter its constructor does not name, listing the ones it does, and uses
the ones it does; a parameter the run supplies itself is refused in a spec. A new algorithm is
one module plus its registration: the command line and scenario files take it unchanged.
"""

from __future__ import annotations

import csv
import subprocess
import sys
import textwrap
from dataclasses import replace

import pytest

import gossip_sim as gs
from gossip_sim._registry import Registry
from gossip_sim.algorithms import ALGORITHMS, settings_used
from gossip_sim.cli import main
from gossip_sim.compress import COMPRESSORS
from gossip_sim.config import RunConfig
from gossip_sim.errors import ConfigError
from gossip_sim.mixing import MIXING_RULES
from gossip_sim.problems import PROBLEMS
from gossip_sim.simulation import build
from gossip_sim.sweep import Results, expand, run_all
from gossip_sim.topology import LINK_PROFILES, TOPOLOGIES

BASE = RunConfig(topology="ring", agents=5, dim=4, rounds=3)

# setting -> (a spec with an unknown parameter, the valid names the message lists,
#             a spec with a valid parameter, the base run it needs, what shows it was used)
SPECS = {
    "algorithm": (
        "dgd:lr=0.1",
        "valid: step$",
        "dgd:step=0.0123",
        {"problem": "quadratic"},
        lambda setup: setup.algorithm.eta == 0.0123,
    ),
    "compressor": (
        "qsgd:levels=4",
        "valid: s, packing, scaled",
        "qsgd:s=3",
        {},
        lambda setup: setup.algorithm.compressor.s == 3,
    ),
    "problem": (
        "quadratic:kapa=3",
        r"valid: beta0, kappa, start \(did you mean 'kappa'\?\)",
        "quadratic:kappa=3",
        {"algorithm": "dgd"},
        lambda setup: setup.problem.kappa == 3,
    ),
    "topology": (
        "watts-strogatz:q=1",
        "valid: k, p, tries",
        "watts-strogatz:k=2,p=0",
        {"agents": 6},
        lambda setup: sorted(d for _, d in setup.graph.degree) == [2] * 6,
    ),
    "mixing": (
        "lazy:bse=uniform",
        r"valid: base \(did you mean 'base'\?\)",
        "lazy:base=uniform",
        {},
        lambda setup: setup.W[0, 1] == pytest.approx(1 / 6),
    ),
    "links": (
        "lan:latency=1",
        "valid: none",
        "lan",
        {},
        lambda setup: setup.graph.edges[0, 1]["latency"] == 0.0005,
    ),
}

KINDS = {
    "algorithm": "algorithm 'dgd'",
    "compressor": "compressor 'qsgd'",
    "problem": "problem 'quadratic'",
    "topology": "topology 'watts-strogatz'",
    "mixing": "mixing rule 'lazy'",
    "links": "link profile 'lan'",
}


def test_every_registry_a_run_reads_is_covered():
    registries = [ALGORITHMS, COMPRESSORS, PROBLEMS, TOPOLOGIES, MIXING_RULES, LINK_PROFILES]
    assert sorted(r.kind for r in registries) == sorted(k.split(" '")[0] for k in KINDS.values())


@pytest.mark.parametrize("setting", sorted(SPECS))
def test_an_unknown_spec_parameter_is_refused_with_the_valid_ones(setting):
    bad, valid, *_ = SPECS[setting]
    extra = SPECS[setting][3]
    config = replace(BASE, **extra, **{setting: bad})
    with pytest.raises(ConfigError, match=f"^{KINDS[setting]} has no parameter .*; {valid}"):
        build(config)


@pytest.mark.parametrize("setting", sorted(SPECS))
def test_a_valid_spec_parameter_is_used(setting):
    _, _, good, extra, used = SPECS[setting]
    assert used(build(replace(BASE, **extra, **{setting: good})))


@pytest.mark.parametrize(
    ("setting", "spec", "message"),
    [
        ("algorithm", "choco-gossip:gamma=0.5", "'gamma' is supplied by the run .*setting 'gamma'"),
        ("algorithm", "choco-gossip:seed=3", "'seed' is supplied by the run"),
        ("algorithm", "choco-sgd:compressor=sign", "'compressor' is supplied by the run"),
        ("problem", "quadratic:dim=3", "'dim' is supplied by the run .*parameters: beta0"),
        ("topology", "erdos-renyi:seed=3", "'seed' is supplied by the run .*parameters: p, tries"),
        ("topology", "ring:n_agents=4", "'n_agents' is supplied by the run .*setting 'agents'"),
    ],
)
def test_a_parameter_the_run_supplies_is_refused_in_a_spec(setting, spec, message):
    extra = {"problem": "quadratic"} if spec.startswith("choco-sgd") else {}
    with pytest.raises(ConfigError, match=message):
        build(replace(BASE, **extra, **{setting: spec}))


def test_the_cli_refuses_an_unknown_algorithm_parameter_in_one_line(capsys):
    assert main(["--algorithm", "dgd:nosuch=1", "--problem", "quadratic", "--no-plot"]) == 2
    err = capsys.readouterr().err
    assert err.strip().splitlines() == [
        "gossip-sim: error: algorithm 'dgd' has no parameter 'nosuch'; valid: step"
    ]


def test_a_fact_a_registry_does_not_declare_is_refused():
    shapes = Registry("shape", facts={"round": False})
    with pytest.raises(ConfigError, match="shape 'disc': unknown fact 'rund'; valid: round"):
        shapes.register("disc", rund=True)


def test_a_composed_compressor_needs_an_outer_one_that_takes_an_inner():
    with pytest.raises(ConfigError, match=r"'qsgd' takes no inner quantiser .*compose with linear"):
        gs.compress.create("qsgd+topk")


def test_messages_list_the_registered_names():
    every = r"(\S+, )*choco-gossip, choco-sgd, .*song-decentr"  # whatever else is registered
    with pytest.raises(ConfigError, match=rf"compressors apply to {every}"):
        build(replace(BASE, algorithm="dgd", problem="quadratic", compressor="sign"))
    with pytest.raises(ConfigError, match=rf"gamma applies to {every}"):
        build(replace(BASE, algorithm="dgd", problem="quadratic", gamma=0.5))
    with pytest.raises(ConfigError, match=r"choco-sgd, dgd, .*sgp or song-decentralized on any"):
        build(replace(BASE, algorithm="exact-gossip", problem="quadratic"))


@pytest.mark.parametrize("name", ALGORITHMS.names())
def test_settings_used_follow_the_registration(name):
    entry = ALGORITHMS.entry(name)
    used = settings_used(name, "topk:k=0.5", 0.25)
    if entry.takes("compressor"):
        assert used["compressor"] == "topk:k=0.5"
    else:
        assert used["compressor"] == entry.facts["sends"].format_map(entry.parameters)
        assert "qsgd" not in used["compressor"] and "topk" not in used["compressor"]
    assert used["gamma"] == (0.25 if entry.takes("gamma") else None)


def test_runs_csv_records_the_compressor_each_run_used(tmp_path):
    runs = expand(
        {"topology": "ring", "agents": 4, "dim": 3, "rounds": 2},
        {"algorithm": ["exact-gossip", "choco-gossip"]},
    )
    Results.of(run_all(runs, workers=1)).write(tmp_path)
    with (tmp_path / "runs.csv").open() as handle:
        rows = {r["algorithm"]: r for r in csv.DictReader(handle)}
    assert rows["exact-gossip"]["compressor"] == "identity:precision=64"
    assert rows["exact-gossip"]["gamma"] == ""
    assert rows["choco-gossip"]["compressor"] == "qsgd:s=16,scaled=true"
    assert rows["choco-gossip"]["gamma"] == "auto"


def test_scenario_show_says_what_each_run_sends(capsys):
    assert main(["scenario", "show", "korhonen-scaling"]) == 0
    shown = capsys.readouterr().out
    assert "lattice (two-stage)" in shown and "qsgd" not in shown
    assert main(["scenario", "show", "choco-consensus"]) == 0
    lines = capsys.readouterr().out.splitlines()
    exact = [line for line in lines if line.strip().startswith("exact-gossip on")]
    assert exact and all("identity:precision=64" in line for line in exact)


TOY = '''
"""A toy algorithm: every agent moves halfway to its neighbours' mean; float32 messages."""

from dataclasses import dataclass, field

import gossip_sim as gs
from gossip_sim.algorithms import Exchange, Links, RoundResult


@dataclass
class Halfway:
    graph: object
    W: object
    problem: object
    weight: float = 0.5
    name: str = field(default="halfway", init=False)

    def __post_init__(self):
        self.links = Links.of(self.graph)
        self.x = self.problem.initial()
        self.codec = gs.compress.create("identity:precision=32")

    @property
    def values0(self):
        return self.x

    def step(self, t):
        batch, _ = self.codec.encode(self.x, None, None)
        received, _ = self.codec.decode(batch, None)
        self.x = (1 - self.weight) * self.x + self.weight * (self.W @ received)
        return RoundResult([Exchange.broadcast(self.links, batch.nbits)], self.x)

    def describe(self):
        return {"algorithm": self.name, "compressor": "identity:precision=32"}


@gs.algorithms.ALGORITHMS.register("halfway", averaging=True, sends="identity:precision=32")
def halfway(graph, W, problem, weight: float = 0.5):
    """Lazy gossip x <- (1 - weight) x + weight W x, float32 messages."""
    return Halfway(graph, W, problem, weight)
'''

SCRIPT = """
import toy_algorithm  # registers "halfway"
from gossip_sim.cli import main

raise SystemExit(main())
"""

SCENARIO = """
[scenario]
name = "halfway-check"
title = "The toy algorithm from a scenario file"

[run]
algorithm = "halfway:weight=0.8"
topology = "ring"
agents = 6
dim = 8
rounds = 4
target = 0

[sweep]
links = ["lan", "wan"]
"""


def _toy(tmp_path, *args):
    (tmp_path / "toy_algorithm.py").write_text(textwrap.dedent(TOY))
    (tmp_path / "my_gossip.py").write_text(SCRIPT)
    (tmp_path / "halfway.toml").write_text(SCENARIO)
    return subprocess.run(
        [sys.executable, "my_gossip.py", *args],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_new_algorithm_is_one_module_and_its_registration(tmp_path):
    run = _toy(tmp_path, "--algorithm", "halfway:weight=0.8", "--rounds", "4", "--target", "0",
               "--dim", "8", "--out", "run", "--no-plot", "--json")
    assert run.returncode == 0, run.stderr
    assert '"algorithm": "halfway"' in run.stdout
    assert (tmp_path / "run" / "rounds.csv").read_text().count("\n") == 6  # header + rounds 0..4
    listed = _toy(tmp_path, "algorithms")
    assert "halfway(weight=0.5)  Lazy gossip" in listed.stdout
    typo = _toy(tmp_path, "--algorithm", "halfway:wieght=0.8")
    assert typo.returncode == 2
    assert "algorithm 'halfway' has no parameter 'wieght'; valid: weight" in typo.stderr
    squeezed = _toy(tmp_path, "--algorithm", "halfway", "--compressor", "sign")
    assert "halfway does not take --compressor (it sends identity:precision=32)" in (
        squeezed.stderr
    )


def test_a_new_algorithm_runs_from_a_scenario_file(tmp_path):
    show = _toy(tmp_path, "scenario", "show", "halfway.toml")
    assert show.returncode == 0, show.stderr
    assert "halfway:weight=0.8 on ring (6 agents, lan)" in show.stdout
    assert "identity:precision=32" in show.stdout
    sweep = _toy(tmp_path, "sweep", "halfway.toml", "--out", "swept", "--workers", "1", "-q")
    assert sweep.returncode == 0, sweep.stderr
    with (tmp_path / "swept" / "runs.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert [r["links"] for r in rows] == ["lan", "wan"]
    assert {r["compressor"] for r in rows} == {"identity:precision=32"}
    assert {r["status"] for r in rows} == {"rounds exhausted"}
