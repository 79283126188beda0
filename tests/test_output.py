"""Where results go: every command refuses an --out it cannot use, before it runs anything."""

import os
import re
from pathlib import Path

import pytest

from gossip_sim.cli import main
from gossip_sim.config import RunConfig
from gossip_sim.errors import ConfigError
from gossip_sim.output import (
    FIGURE_FORMATS,
    OVERWRITE_HELP,
    check_figure,
    check_folder,
    earlier_run,
    other_files,
)

SCENARIO = """\
[scenario]
name = "tiny-out"
title = "A tiny scenario"
seeds = 1

[run]
problem = "consensus"
dim = 4
rounds = 4
target = 1e-6

[sweep]
agents = [3, 4]
"""


def _faces(tmp_path):
    """Every command that writes results: (name, argv before --out, how its work is started)."""
    scenario = tmp_path / "tiny-out.toml"
    scenario.write_text(SCENARIO)
    return {
        "run": (["--rounds", "3", "--dim", "4"], "gossip_sim.cli.run.execute"),
        "demo": (
            ["demo", "spectral-gap", "--agents", "9", "--frames", "2"],
            "gossip_sim.demo.cli.run",
        ),
        "compare": (
            ["compare", "--topologies", "ring,complete", "--agents", "4", "--dim", "4",
             "--rounds", "5", "--target", "1e-2", "--workers", "1"],
            "gossip_sim.sweep.folder.run_all",
        ),
        "sweep": (["sweep", str(scenario), "--workers", "1"], "gossip_sim.sweep.folder.run_all"),
        "scenario run": (
            ["scenario", "run", str(scenario), "--workers", "1"],
            "gossip_sim.scenarios.runner.run_all",
        ),
    }  # fmt: skip


FACES = ["run", "demo", "compare", "sweep", "scenario run"]


def _refused(argv, tmp_path, monkeypatch, capsys, started):
    """Run ``argv`` with its work replaced by a tripwire; return the one line it printed."""

    def tripwire(*args, **kwargs):
        raise AssertionError("the command started working before refusing its --out")

    monkeypatch.setattr(started, tripwire)
    monkeypatch.chdir(tmp_path)
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    assert main(argv) == 2  # not --quiet: nothing may be announced before the refusal
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1, err
    after = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    assert after == before  # nothing written
    return err


@pytest.mark.parametrize("face", FACES)
def test_an_out_naming_a_file_is_refused_before_anything_runs(face, tmp_path, monkeypatch, capsys):
    argv, started = _faces(tmp_path)[face]
    mine = tmp_path / "results.txt"
    mine.write_text("keep me")
    err = _refused([*argv, "--out", str(mine)], tmp_path, monkeypatch, capsys, started)
    assert f"--out {mine} is a file; give a folder" in err
    assert mine.read_text() == "keep me"


@pytest.mark.parametrize("face", FACES)
def test_an_out_under_a_file_is_refused(face, tmp_path, monkeypatch, capsys):
    argv, started = _faces(tmp_path)[face]
    (tmp_path / "notes.txt").write_text("")
    out = tmp_path / "notes.txt" / "results"
    err = _refused([*argv, "--out", str(out)], tmp_path, monkeypatch, capsys, started)
    assert f"--out {out}: {tmp_path / 'notes.txt'} is a file, not a folder" in err


@pytest.mark.parametrize("face", FACES)
def test_an_out_that_cannot_be_written_is_refused(face, tmp_path, monkeypatch, capsys):
    if not Path("/proc/self").is_dir():
        pytest.skip("needs /proc, a place nobody can create files in")
    argv, started = _faces(tmp_path)[face]
    out = "/proc/gossip-sim-results"
    err = _refused([*argv, "--out", out], tmp_path, monkeypatch, capsys, started)
    assert "--out /proc/gossip-sim-results: cannot write in /proc" in err
    assert "give a folder you can write to" in err


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root writes anywhere")
def test_a_read_only_folder_is_refused(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        with pytest.raises(ConfigError, match=r"cannot write in .*locked \(permission denied\)"):
            check_folder(locked / "results", "run")
    finally:
        locked.chmod(0o755)


@pytest.mark.parametrize("face", FACES)
def test_a_folder_holding_the_users_files_is_refused_then_written_with_overwrite(
    face, tmp_path, monkeypatch, capsys
):
    argv, started = _faces(tmp_path)[face]
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "rounds.csv").write_text("my own table")  # a name the run writes, too
    (mine / "thesis.tex").write_text("keep me")
    err = _refused([*argv, "--out", str(mine)], tmp_path, monkeypatch, capsys, started)
    assert f"--out {mine} is not empty and holds no " in err
    assert "give a new or empty folder, or add --overwrite" in err
    monkeypatch.undo()
    monkeypatch.chdir(tmp_path)
    assert main([*argv, "--out", str(mine), "--overwrite", "--quiet"]) == 0
    assert (mine / "thesis.tex").read_text() == "keep me"  # only the command's files replaced
    assert len(list(mine.iterdir())) > 2


def test_the_run_refuses_a_folder_of_another_configuration_and_reruns_its_own(
    tmp_path, monkeypatch, capsys
):
    monkeypatch.chdir(tmp_path)
    base = ["--rounds", "3", "--dim", "4", "--quiet"]
    assert main(base) == 0 and main(base) == 0  # the default folder: a rerun replaces its files
    (folder,) = (tmp_path / "gossip-sim-results").iterdir()
    assert main([*base, "--out", str(folder)]) == 0  # the same configuration, named
    assert main([*base, "--seed", "1", "--out", str(folder)]) == 2
    assert "its config.json is another run's" in capsys.readouterr().err
    assert main([*base, "--config", str(folder / "config.json"), "--out", str(folder)]) == 0


def test_a_demo_folder_may_hold_other_demos(tmp_path, capsys):
    out = tmp_path / "demo"
    out.mkdir()
    (out / "bits.gif").write_bytes(b"GIF89a")  # another demo's file: the default folder has many
    argv = ["demo", "spectral-gap", "--agents", "9", "--frames", "2", "--out", str(out), "-q"]
    assert main(argv) == 0
    assert main(argv) == 0  # and a rerun replaces its own
    assert sorted(p.name for p in out.iterdir())[:2] == ["bits.gif", "spectral-gap.gif"]


def test_a_scenario_folder_of_another_scenario_is_refused(tmp_path, capsys):
    first = tmp_path / "a.toml"
    first.write_text(SCENARIO)
    second = tmp_path / "b.toml"
    second.write_text(SCENARIO.replace("tiny-out", "other"))
    out = tmp_path / "out"
    assert main(["scenario", "run", str(first), "--out", str(out), "--workers", "1", "-q"]) == 0
    code = main(["scenario", "run", str(second), "--out", str(out), "--workers", "1", "-q"])
    assert code == 2
    assert "it holds scenario 'tiny-out' in fast mode" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("draw", "message"),
    [
        ("x.txt", r"--draw x.txt: '.txt' is not a figure format; give a file ending in .png"),
        ("graph", r"--draw graph: no extension is not a figure format"),
        ("notes.txt/g.png", r"--draw notes.txt/g.png: notes.txt is a file, not a folder"),
        ("taken.png", r"--draw taken.png exists; give another name, or add --overwrite"),
        ("folder.png", r"--draw folder.png is a folder"),
    ],
)
def test_topologies_show_refuses_a_drawing_it_cannot_write(
    draw, message, tmp_path, monkeypatch, capsys
):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "notes.txt").write_text("")
    (tmp_path / "taken.png").write_bytes(b"mine")
    (tmp_path / "folder.png").mkdir()
    before = sorted(tmp_path.rglob("*"))
    assert main(["topologies", "show", "ring", "--draw", draw]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1  # refused before the facts are printed
    assert re.search(message, err), err
    assert sorted(tmp_path.rglob("*")) == before
    assert (tmp_path / "taken.png").read_bytes() == b"mine"


def test_topologies_show_draws_any_figure_format_and_replaces_only_with_overwrite(
    tmp_path, monkeypatch, capsys
):
    monkeypatch.chdir(tmp_path)
    assert main(["topologies", "show", "ring", "--draw", "ring.svg"]) == 0
    assert (tmp_path / "ring.svg").read_text().lstrip().startswith("<?xml")
    assert main(["topologies", "show", "ring", "--draw", "ring.svg"]) == 2
    assert main(["topologies", "show", "ring", "--draw", "ring.svg", "--overwrite"]) == 0


def test_every_figure_format_is_one_matplotlib_writes():
    from matplotlib.backend_bases import FigureCanvasBase

    assert set(FIGURE_FORMATS) <= set(FigureCanvasBase.get_supported_filetypes())
    with pytest.raises(ConfigError, match=r"'\.csv' is not a figure format"):
        check_figure("table.csv")


def test_overwrite_means_the_same_on_every_command():
    from gossip_sim.cli.run import build_parser
    from gossip_sim.demo.cli import demo_parser
    from gossip_sim.report.cli import compare_parser
    from gossip_sim.scenarios.cli import sweep_parser

    for parser in (build_parser(), demo_parser(), compare_parser(), sweep_parser()):
        (action,) = [a for a in parser._actions if "--overwrite" in a.option_strings]
        assert action.help == OVERWRITE_HELP


def test_the_folder_checks_name_what_is_in_the_way(tmp_path):
    assert other_files(tmp_path, []) is None
    for name in ("a", "b", "c", "d", "e"):
        (tmp_path / name).write_text("")
    assert other_files(tmp_path, ["e"]) == "it holds a, b, c and 1 more"
    assert earlier_run(RunConfig())(tmp_path) == "it holds a, b, c and 2 more"
