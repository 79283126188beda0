"""Scenario scripts stay home: only a script in the scenario file's folder runs unasked."""

import os
from pathlib import Path

import pytest

from gossip_sim import scenarios
from gossip_sim._data import data_dir
from gossip_sim.cli import main
from gossip_sim.errors import ConfigError

TINY = """\
[scenario]
name = "tiny"
title = "A tiny scenario"
script = "{script}"

[run]
problem = "consensus"
topology = "ring"
agents = 4
dim = 3
rounds = 3

[[series]]
label = "exact"
algorithm = "exact-gossip"
"""


@pytest.fixture
def place(tmp_path):
    """A scenario folder ``home/`` beside ``away/``, and a script factory leaving a marker."""
    home, away = tmp_path / "home", tmp_path / "away"
    home.mkdir()
    away.mkdir()
    marker = tmp_path / "MARKER"

    def script(path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(
            f"from pathlib import Path\nPath({str(marker)!r}).write_text('ran')\n\n"
            "def report(results, figures):\n    return 'drawn by the script'\n"
        )
        return path

    def scenario(value: str) -> Path:
        path = home / "tiny.toml"
        path.write_text(TINY.format(script=value))
        return path

    return home, away, marker, script, scenario


def run_cli(argv, capsys):
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def refused(place, value, capsys, tmp_path):
    """Run the scenario whose script is ``value``: it must be refused before anything runs."""
    _, _, marker, _, scenario = place
    out = tmp_path / "out"
    path = scenario(value)
    code, stdout, err = run_cli(["scenario", "run", str(path), "-o", str(out)], capsys)
    assert code == 2 and stdout == ""
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert not marker.exists(), "the refused script ran"
    assert not out.exists(), "a refused scenario wrote output"
    with pytest.raises(ConfigError, match=r"line 4: \[scenario\] script .* is outside"):
        scenarios.run(path, out=out, workers=1)
    assert not marker.exists() and not out.exists()
    return err


def test_a_script_up_the_tree_is_refused_naming_its_resolved_path(place, capsys, tmp_path):
    _, away, _, script, _ = place
    evil = script(away / "evil.py")
    err = refused(place, "../away/evil.py", capsys, tmp_path)
    assert f"script {evil} is outside the scenario's folder {tmp_path / 'home'}" in err
    assert f"--allow-script {evil}" in err


def test_an_absolute_path_is_refused(place, capsys, tmp_path):
    _, away, _, script, _ = place
    evil = script(away / "evil.py")
    err = refused(place, str(evil), capsys, tmp_path)
    assert f"script {evil} is outside" in err


def test_a_symlink_in_the_folder_to_a_script_elsewhere_is_refused(place, capsys, tmp_path):
    home, away, _, script, _ = place
    evil = script(away / "evil.py")
    (home / "draw.py").symlink_to(evil)
    err = refused(place, "draw.py", capsys, tmp_path)
    assert f"script {evil} is outside" in err  # the target, not the link, is named


def test_a_symlinked_subfolder_pointing_elsewhere_is_refused(place, capsys, tmp_path):
    home, away, _, script, _ = place
    evil = script(away / "lib" / "draw.py")
    (home / "lib").symlink_to(away / "lib", target_is_directory=True)
    err = refused(place, "lib/draw.py", capsys, tmp_path)
    assert f"script {evil} is outside" in err


def test_a_script_in_a_subfolder_runs(place, capsys, tmp_path):
    home, _, marker, script, scenario = place
    script(home / "figures" / "draw.py")
    path = scenario("figures/../figures/draw.py")
    code, _, err = run_cli(["scenario", "run", str(path), "-o", str(tmp_path / "out")], capsys)
    assert code == 0, err
    assert marker.read_text() == "ran"
    assert "drawn by the script" in (tmp_path / "out" / "summary.md").read_text()


def test_the_shipped_scenarios_and_their_scripts_are_home(place):
    for name, path in scenarios.shipped().items():
        scenario = scenarios.load(path)
        assert scenario.script is not None, name
        assert scenario.check_script() == scenario.script
        assert scenario.script.parent == data_dir("scenarios").resolve()
    # a file of one's own may use a shipped script, wherever the file is
    _, _, _, _, scenario = place
    shipped = data_dir("scenarios").resolve() / "choco_consensus.py"
    assert scenarios.load(scenario(str(shipped))).check_script() == shipped


def test_naming_the_script_on_the_command_line_runs_it(place, capsys, tmp_path):
    _, away, marker, script, scenario = place
    evil = script(away / "evil.py")
    path = scenario("../away/evil.py")
    out = tmp_path / "out"
    named = os.path.relpath(evil)  # any spelling of the same file will do
    code, _, err = run_cli(
        ["scenario", "run", str(path), "-o", str(out), "--allow-script", named, "-q"], capsys
    )
    assert code == 0, err
    assert marker.read_text() == "ran"
    assert "drawn by the script" in (out / "summary.md").read_text()


def test_naming_another_script_does_not_allow_this_one(place, capsys, tmp_path):
    home, away, marker, script, scenario = place
    evil = script(away / "evil.py")
    other = script(away / "other.py")
    path = scenario("../away/evil.py")
    code, _, err = run_cli(
        ["scenario", "run", str(path), "-o", str(tmp_path / "o"), "--allow-script", str(other)],
        capsys,
    )
    assert code == 2 and not marker.exists()
    assert err == (
        f"gossip-sim: error: --allow-script {other}: the scenario's script is {evil}; "
        "allow that one, or leave --allow-script out\n"
    )
    plain = home / "plain.toml"
    plain.write_text(TINY.replace('script = "{script}"\n', ""))
    with pytest.raises(ConfigError, match="the scenario's file names no script"):
        scenarios.load(plain).check_script(other)


def test_show_prints_the_script_in_full_and_whether_it_runs(place, capsys):
    home, away, _, script, scenario = place
    evil = script(away / "evil.py")
    code, out, _ = run_cli(["scenario", "show", str(scenario("../away/evil.py"))], capsys)
    assert code == 0
    assert (
        f"script: {evil} (outside the scenario's folder: scenario run refuses it unless given "
        f"--allow-script {evil})"
    ) in out
    draw = script(home / "draw.py")
    code, out, _ = run_cli(["scenario", "show", str(scenario("draw.py"))], capsys)
    assert f"; script: {draw}\n" in out
    code, out, _ = run_cli(["scenario", "show", "song-fig1"], capsys)
    assert f"; script: {data_dir('scenarios').resolve() / 'song_fig1.py'}\n" in out


def test_sweep_never_runs_the_script_so_it_needs_no_permission(place, capsys, tmp_path):
    _, away, marker, script, scenario = place
    script(away / "evil.py")
    path = scenario("../away/evil.py")
    code, _, err = run_cli(
        ["sweep", str(path), "-o", str(tmp_path / "sweep"), "--workers", "1", "-q"], capsys
    )
    assert code == 0, err
    assert not marker.exists()
