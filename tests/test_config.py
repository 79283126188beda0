"""One declaration per run setting: flags, file keys, checks, the reference page, the digest."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from gossip_sim.cli import main
from gossip_sim.cli.run import build_parser
from gossip_sim.config import SETTINGS, RunConfig, load_config, setting, settings_markdown
from gossip_sim.errors import ConfigError
from gossip_sim.sweep.plan import config_digest

#: For every setting: extra base settings, the config file's value, the flag's text, and the
#: value the run must use (the flag's). A setting missing here fails the first test.
OVERRIDES = {
    "topology": ({}, "path", "complete", "complete"),
    "agents": ({}, 4, "6", 6),
    "links": ({}, "lan", "wan", "wan"),
    "latency": ({}, 0.001, "0.002", 0.002),
    "bandwidth": ({}, 1e6, "2e6", 2e6),
    "nic_egress": ({}, 1e9, "2e9", 2e9),
    "header_bits": ({}, 8, "16", 16),
    "compute_seconds": ({}, 0.001, "0.002", 0.002),
    "mixing": ({}, "max-degree", "uniform", "uniform"),
    "algorithm": ({}, "exact-gossip", "choco-gossip", "choco-gossip"),
    "compressor": ({}, "topk:k=2", "qsgd:s=4", "qsgd:s=4"),
    "gamma": ({}, 0.5, "0.25", 0.25),
    "problem": ({"algorithm": "dgd"}, "quadratic", "least-squares", "least-squares"),
    "initial": ({}, "zeros", "normal:std=2", "normal:std=2"),
    "dim": ({}, 4, "6", 6),
    "rounds": ({}, 3, "2", 2),
    "target": ({}, 1e-3, "1e-4", 1e-4),
    "seed": ({}, 1, "2", 2),
    "record_messages": ({}, False, None, True),
    "loss": ({}, 0.1, "0.2", 0.2),
    "retransmit": ({"loss": 0.1}, "off", "arq:retries=2", "arq:retries=2"),
    "deadline": ({}, 1.0, "0.5", 0.5),
    "crash_fraction": ({"topology": "complete"}, 0.2, "0.4", 0.4),
    "crash_round": ({"crash_fraction": 0.2}, 1, "2", 2),
    "recover_after": ({"crash_fraction": 0.2}, 1, "2", 2),
    "churn": ({}, "off", "random:leave=0.1", "random:leave=0.1"),
    "link_failures": ({}, "off", "random:mtbf=1", "random:mtbf=1"),
    "stragglers": ({}, "off", "lognormal:sigma=1", "lognormal:sigma=1"),
    "engine": ({}, "fast", "events", "events"),
}


def test_the_walk_below_covers_every_setting():
    assert set(OVERRIDES) == {s.name for s in SETTINGS}


def _forms(item):
    """The ways a flag can be written: --flag VALUE, --flag=VALUE, and -kVALUE where it exists."""
    name, (_, _, text, _) = item
    decl = setting(name)
    if text is None:  # a switch
        return [pytest.param(name, [decl.flag], id=f"{name}-switch")]
    forms = [
        pytest.param(name, [decl.flag, text], id=f"{name}-long"),
        pytest.param(name, [f"{decl.flag}={text}"], id=f"{name}-equals"),
    ]
    if decl.short:
        forms.append(pytest.param(name, [f"{decl.short}{text}"], id=f"{name}-short-attached"))
    return forms


@pytest.mark.parametrize(("name", "flags"), [f for item in OVERRIDES.items() for f in _forms(item)])
def test_a_flag_given_explicitly_overrides_the_config_file(name, flags, tmp_path, capsys):
    base, in_file, _, expected = OVERRIDES[name]
    file = tmp_path / "c.json"
    file.write_text(json.dumps({"rounds": 3, "dim": 4, **base, name: in_file}))
    out = tmp_path / "out"
    code = main(["--config", str(file), *flags, "--out", str(out), "--quiet", "--no-plot"])
    assert code == 0, capsys.readouterr().err
    assert json.loads((out / "config.json").read_text())[name] == expected
    others = {"rounds": 3, "dim": 4, **base}
    for key, value in others.items():  # the file still sets what the command line does not
        if key != name:
            assert json.loads((out / "config.json").read_text())[key] == value


def test_a_switch_turns_off_what_the_config_file_turns_on(tmp_path, capsys):
    file = tmp_path / "c.json"
    file.write_text(json.dumps({"rounds": 2, "dim": 3, "record_messages": True}))
    argv = ["--config", str(file), "--no-record-messages", "-o", str(tmp_path / "o"), "-q"]
    assert main([*argv, "--no-plot"]) == 0, capsys.readouterr().err
    assert json.loads((tmp_path / "o" / "config.json").read_text())["record_messages"] is False
    assert not (tmp_path / "o" / "messages.csv").exists()


def test_a_config_file_keeps_what_no_flag_sets(tmp_path, capsys):
    file = tmp_path / "c.toml"
    file.write_text('topology = "path"\nagents = 4\ndim = 3\nrounds = 2\nlinks = "lan"\n')
    assert main(["--config", str(file), "-o", str(tmp_path / "o"), "-q", "--no-plot"]) == 0
    saved = json.loads((tmp_path / "o" / "config.json").read_text())
    assert (saved["topology"], saved["agents"], saved["links"], saved["dim"]) == (
        "path",
        4,
        "lan",
        3,
    )


def test_every_setting_is_a_flag_with_its_declared_short_form_and_type():
    parser = build_parser()
    flags = {o: a for a in parser._actions for o in a.option_strings}
    for item in SETTINGS:
        action = flags[item.flag]
        assert action.dest == item.name
        assert (item.short in action.option_strings) if item.short else len(action.option_strings)
    assert vars(parser.parse_args([])).keys().isdisjoint(s.name for s in SETTINGS)


def test_help_lists_the_registries_names():
    from gossip_sim.algorithms import ALGORITHMS
    from gossip_sim.mixing import MIXING_RULES
    from gossip_sim.problems import PROBLEMS

    text = build_parser(width=1000).format_help()
    for registry in (ALGORITHMS, MIXING_RULES, PROBLEMS):
        assert ", ".join(registry.names()) in text
    assert setting("compressor").names() == __import__("gossip_sim").compress.COMPRESSORS.names()


def test_importing_the_declaration_loads_no_registry():
    code = "import sys, gossip_sim.config; print(sorted(m for m in ('networkx', 'numpy', "
    code += "'gossip_sim.algorithms', 'gossip_sim.topology') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize(
    ("data", "match"),
    [
        ({"agent": 5}, r"unknown setting 'agent'; valid: topology, .* \(did you mean 'agents'\?\)"),
        ({"gamma": "often"}, r"setting 'gamma' = 'often' is not valid; give a number, 'auto', "),
        ({"dim": 2.5}, r"setting 'dim' = 2.5 is not valid; give an integer"),
        ({"record_messages": 1}, r"setting 'record_messages' = 1 is not valid; give true or false"),
        ({"links": "lna"}, r"unknown link profile 'lna'; valid: datacenter, edge, lan, wan \(did"),
        ({"algorithm": "choco:x=1"}, r"unknown algorithm 'choco'; valid: (\S+, )*choco-gossip"),
        ({"compressor": "qsdg:s=4"}, r"unknown compressor 'qsdg'.*did you mean 'qsgd'"),
        ({"problem": "quadratik"}, r"unknown problem 'quadratik'.*did you mean 'quadratic'"),
    ],
)
def test_values_are_checked_against_the_declaration(data, match):
    with pytest.raises(ConfigError, match=match):
        RunConfig.from_dict(data)


def test_target_zero_means_every_round():
    assert RunConfig.from_dict({"target": 0}).target is None


def test_an_unknown_setting_name_is_refused():
    with pytest.raises(ConfigError, match=r"unknown setting 'dimm'.*did you mean 'dim'"):
        setting("dimm")


def test_a_config_file_that_is_not_a_table_is_refused(tmp_path):
    file = tmp_path / "c.json"
    file.write_text("[1, 2]")
    with pytest.raises(ConfigError, match=r"cannot read .*c.json: give a table of setting"):
        load_config(file)


def test_bad_flag_values_name_the_flag(capsys):
    for argv, match in (
        (["--gamma", "often"], "argument --gamma: 'often' is not valid; give a number, 'auto', "),
        (["-kx"], "argument --agents/-k: invalid int value: 'x'"),
    ):
        with pytest.raises(SystemExit) as info:
            main(argv)
        assert info.value.code == 2 and match in capsys.readouterr().err


def test_a_scenario_file_refuses_an_unknown_name_before_running(tmp_path):
    from gossip_sim.scenarios import schema

    file = tmp_path / "s.toml"
    file.write_text('[scenario]\nname = "s"\ntitle = "S"\n\n[sweep]\nlinks = ["lan", "edg"]\n')
    refusal = r"s.toml, line 6: \[sweep\] unknown link profile 'edg'.*did you mean 'edge'"
    with pytest.raises(ConfigError, match=refusal):
        schema.load(file)


# --- one digest, of the resolved configuration ---


def test_the_default_run_keeps_its_folder_name():
    assert RunConfig(topology="ring", agents=5).slug() == "ring-5-choco-gossip-seed0-b8d6fe"
    assert RunConfig().slug() == RunConfig(agents=5).slug()


def test_one_digest_for_a_configuration_and_its_resolved_form():
    assert RunConfig(topology="abilene").resolved().agents == 11
    resolved = RunConfig(topology="abilene", agents=11)
    assert RunConfig(topology="abilene").digest() == resolved.digest()
    assert RunConfig(topology="abilene").slug().startswith("abilene-11-choco-gossip-seed0-")
    config = RunConfig(topology="torus", agents=9)
    assert config_digest(config) == config.digest()[:20]
    assert config.slug().endswith(config.digest()[:6])


def test_resolving_makes_file_paths_absolute(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "w.npy").write_bytes(b"")
    config = RunConfig(topology="file:path=nets/x.graphml", mixing="w.npy").resolved()
    assert config.topology == f"file:path={tmp_path / 'nets' / 'x.graphml'}"
    assert config.mixing == str(tmp_path / "w.npy")
    assert config.agents is None  # the file does not exist: the run will say so
    assert config.resolved() == config


def _run(cwd, argv, monkeypatch, capsys):
    monkeypatch.chdir(cwd)
    code = main([*argv, "--quiet", "--no-plot"])
    assert code == 0, capsys.readouterr().err
    (folder,) = (cwd / "gossip-sim-results").iterdir()
    return folder


@pytest.mark.parametrize(
    "argv",
    [
        ["--topology", "erdos-renyi:p=0.6", "--agents", "6", "--seed", "3", "--rounds", "40"],
        ["--topology", "abilene", "--links", "wan", "--rounds", "30"],
        ["--topology", "nets/office.txt", "--dim", "10", "--rounds", "30"],
    ],
    ids=["generated", "catalogue", "graph-file"],
)
def test_replaying_config_json_lands_in_the_same_folder_with_the_same_files(
    argv, tmp_path, monkeypatch, capsys
):
    first, second = tmp_path / "a", tmp_path / "b"
    (first / "nets").mkdir(parents=True)
    second.mkdir()
    (first / "nets" / "office.txt").write_text("a b 1e-4 1e9\nb c 1e-4 1e9\nc a 2e-3 1e8\n")
    original = _run(first, argv, monkeypatch, capsys)
    replay = _run(second, ["--config", str(original / "config.json")], monkeypatch, capsys)
    assert replay.name == original.name
    for name in ("rounds.csv", "summary.json", "config.json"):
        assert (replay / name).read_bytes() == (original / name).read_bytes(), name
    saved = json.loads((original / "config.json").read_text())
    assert saved["agents"] is not None
    if "nets/office.txt" in argv:
        assert saved["topology"] == str(first / "nets" / "office.txt")
        assert os.path.isabs(saved["topology"]) and replay.name.startswith("office-3-")


def test_settings_reference_page_is_current():
    page = Path(__file__).parents[1] / "docs" / "reference" / "settings.md"
    assert page.read_text() == settings_markdown(), (
        "regenerate docs/reference/settings.md (see its top)"
    )
