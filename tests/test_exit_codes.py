"""The exit codes of every face, as docs/reference/cli.md's table says: 0, 1 (a run failed), 2."""

import csv
from pathlib import Path

import pytest

from gossip_sim.cli import main
from gossip_sim.cli.reference import EXIT_CODES

#: A setting each case adds to a tiny run: nothing (success), a step that diverges, a bad name.
CASES = {
    "success": ({}, 0),
    "diverged": ({"algorithm": "dgd:step=100", "problem": "quadratic"}, 1),
    "usage": ({"topology": "rign"}, 2),
}

SCENARIO = """\
[scenario]
name = "exit-{case}"
title = "One run"

[run]
agents = 4
dim = 4
rounds = 20
{settings}
"""


def _toml(settings):
    """The settings as TOML; in a file the usage error is a misspelt key (a bad name there is a
    run that fails, exit 1, like any run the configuration does not allow)."""
    if settings == CASES["usage"][0]:
        return 'topolgy = "ring"'
    return "\n".join(f'{key} = "{value}"' for key, value in settings.items())


def _single(settings, out):
    flags = [item for key, value in settings.items() for item in (f"--{key}", value)]
    return ["--agents", "4", "--dim", "4", "--rounds", "20", *flags, "--no-plot", "--out", out]


def _file(case, settings, out):
    path = Path(out).parent / f"{case}.toml"
    path.write_text(SCENARIO.format(case=case, settings=_toml(settings)))
    return str(path)


def _scenario(settings, out, case):
    return ["scenario", "run", _file(case, settings, out), "--out", out, "--workers", "1", "-q"]


def _sweep(settings, out, case):
    return ["sweep", _file(case, settings, out), "--out", out, "--workers", "1", "--quiet"]


def _compare(settings, out):
    flags = [item for key, value in settings.items() for item in (f"--{key}", value)]
    topologies = "rign" if "topology" in settings else "ring"
    flags = [f for f in flags if f not in ("--topology", "rign")]
    argv = ["compare", "--topologies", topologies, "--agents", "4", "--dim", "4"]
    return [*argv, "--rounds", "20", *flags, "--out", out, "--workers", "1", "--quiet"]


FACES = {
    "single run": lambda settings, out, case: _single(settings, out),
    "scenario run": _scenario,
    "sweep": _sweep,
    "compare": lambda settings, out, case: _compare(settings, out),
}


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("face", list(FACES))
def test_every_face_exits_with_the_documented_code(face, case, tmp_path, capsys):
    settings, code = CASES[case]
    out = str(tmp_path / "out")
    assert main(FACES[face](settings, out, case)) == code
    err = capsys.readouterr().err
    if case == "diverged":
        assert "diverged: error" in err  # the reason, on stderr, whichever face ran it
    if case == "usage":
        assert err.startswith("gossip-sim: error:") and ("'rign'" in err or "topolgy" in err)
        assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("face", ["scenario run", "sweep", "compare"])
def test_a_diverged_run_is_counted_failed_with_its_reason_in_runs_csv(face, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(FACES[face](CASES["diverged"][0], str(out), "d")) == 1
    err = capsys.readouterr().err
    assert "gossip-sim: run 0 failed (" in err and "diverged: error" in err
    with (out / "runs.csv").open() as handle:
        (row,) = list(csv.DictReader(handle))
    assert row["status"] == "diverged" and row["failure"] == ""
    reason = row["status_reason"]
    assert reason.startswith("error ") and "x the initial error" in reason


def test_a_diverged_run_is_named_in_the_summary_line_and_summary_md(tmp_path, capsys):
    out = tmp_path / "out"
    argv = _scenario(CASES["diverged"][0], str(out), "d")
    assert main([a for a in argv if a != "-q"]) == 1
    assert "1 runs, 1 failed" in capsys.readouterr().out
    summary = (out / "summary.md").read_text()
    assert "## Failed runs" in summary and "- run 0 (seed=0): diverged: error" in summary


def test_compare_shows_a_diverged_topology_as_failed(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(_compare(CASES["diverged"][0], str(out))) == 1
    report = (out / "report.md").read_text()
    assert "0/1 (1 failed)" in report and "ring failed: diverged: error" in report


def test_the_table_names_every_code():
    for code in ("| 0 |", "| 1 |", "| 2 |", "| 3 |", "| 130 |"):
        assert code in EXIT_CODES
