"""Scenario files: validation with file:line errors, the sweep plan, the outputs, the CLI."""

import csv
import json
import xml.dom.minidom
from pathlib import Path

import pytest

from gossip_sim import scenarios
from gossip_sim.cli import main
from gossip_sim.config import RunConfig
from gossip_sim.errors import ConfigError
from gossip_sim.scenarios.runner import report_settings
from gossip_sim.simulation import execute
from gossip_sim.sweep import Results, expand, run_all

BASIC = """\
[scenario]
name = "tiny"
title = "A tiny scenario"
seeds = 2

[run]
problem = "consensus"
dim = 6
rounds = 8
target = 1e-6

[sweep]
agents = [4, 6]

[[series]]
label = "exact"
algorithm = "exact-gossip"

[[series]]
label = "qsgd"
compressor = "qsgd:s={levels},scaled=true"
levels = 4

[fast]
seeds = 1
"""


def write(tmp_path, text, name="tiny.toml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def read_csv(path):
    with path.open() as handle:
        return list(csv.DictReader(handle))


# --- validation: every mistake names the key and its line ------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "words"),
    [
        ("dim = 6", "dimm = 6", ["line 8", "[run] dimm", "did you mean 'dim'"]),
        ("dim = 6", 'dim = "six"', ["line 8", "'dim'", "give an integer"]),
        ("agents = [4, 6]", "agents = 4", ["line 13", "give a non-empty list"]),
        ("agents = [4, 6]", "agentz = [4, 6]", ["line 13", "[sweep] agentz", "placeholder"]),
        ("levels = 4", "level = 4", ["placeholder {levels} is not defined"]),
        ('label = "qsgd"', 'label = "exact"', ["line 20", "'exact' is used twice"]),
        ("seeds = 2", "seeds = 0", ["line 4", "seeds = 0", "give a count"]),
        ("seeds = 1", "seed = 1", ["line 25", "[fast] seed", "valid: seeds, run"]),
        ('name = "tiny"', 'name = "Tiny Scenario"', ["line 2", "lower-case words"]),
        ('title = "A tiny scenario"', 'titel = "x"', ["line 3", "did you mean 'title'"]),
        ("[sweep]", "[swep]", ["line 12", "unknown table [swep]", "did you mean [sweep]"]),
        ("[run]", "[run", ["not valid TOML", "line 6"]),
    ],
)
def test_a_mistake_is_refused_with_the_file_line_and_key(tmp_path, old, new, words):
    assert old in BASIC
    path = write(tmp_path, BASIC.replace(old, new, 1))
    with pytest.raises(ConfigError) as info:
        scenarios.plan(scenarios.load(path))
    message = str(info.value)
    assert str(path) in message
    for word in words:
        assert word in message, message


def test_a_missing_title_or_script_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="needs title"):
        scenarios.load(write(tmp_path, BASIC.replace('title = "A tiny scenario"\n', "")))
    text = BASIC.replace("seeds = 2\n", 'seeds = 2\nscript = "nowhere.py"\n', 1)
    with pytest.raises(ConfigError, match=r"line 5: \[scenario\] script = 'nowhere.py'"):
        scenarios.load(write(tmp_path, text))


def test_report_settings_are_checked_against_the_script(tmp_path):
    (tmp_path / "draw.py").write_text(
        "SETTINGS = {'accuracy': 1e-3}\ndef report(results, figures):\n    return 'ok'\n"
    )
    text = BASIC.replace("seeds = 2\n", 'seeds = 2\nscript = "draw.py"\n', 1)
    good = write(tmp_path, text + "\n[report]\naccuracy = 1\n")
    assert report_settings(
        scenarios.load(good), scenarios.runner._script(scenarios.load(good))
    ) == {"accuracy": 1.0}
    for extra, words in (
        ("acuracy = 1e-4", "line 29: [report] acuracy"),
        ('accuracy = "x"', "give a float"),
    ):
        path = write(tmp_path, text + "\n[report]\n" + extra + "\n")
        with pytest.raises(ConfigError, match=r".*") as info:
            scenarios.run(path, out=tmp_path / "out", workers=1)
        assert words in str(info.value)


# --- the plan --------------------------------------------------------------------------------


def test_the_plan_is_series_times_grid_times_seeds_with_placeholders_filled(tmp_path):
    path = write(tmp_path, BASIC)
    fast, full = (scenarios.plan(scenarios.load(path, mode)) for mode in ("fast", "full"))
    assert len(fast) == 2 * 2 * 1 and len(full) == 2 * 2 * 2
    assert [(r.params["series"], r.params["agents"], r.params["seed"]) for r in full[:4]] == [
        ("exact", 4, 0),
        ("exact", 4, 1),
        ("exact", 6, 0),
        ("exact", 6, 1),
    ]
    assert full[-1].config.compressor == "qsgd:s=4,scaled=true"
    assert full[-1].config == RunConfig(
        problem="consensus",
        dim=6,
        rounds=8,
        target=1e-6,
        agents=6,
        compressor="qsgd:s=4,scaled=true",
        seed=1,
    )


def test_a_list_in_a_series_is_swept_in_that_series_only():
    runs = expand(
        {},
        {"dim": [2, 3]},
        [
            {"label": "star", "topology": "star", "agents": [5, 9]},
            {"label": "ring", "topology": "ring", "agents": 4},
        ],
    )
    assert [(r.params["series"], r.config.agents, r.config.dim) for r in runs] == [
        ("star", 5, 2),
        ("star", 9, 2),
        ("star", 5, 3),
        ("star", 9, 3),
        ("ring", 4, 2),
        ("ring", 4, 3),
    ]


def test_seed_is_set_by_the_seeds_only():
    with pytest.raises(ConfigError, match="seeds"):
        expand({"seed": 3})


# --- running: tidy tables, figures, summary, determinism -------------------------------------


def test_a_scenario_without_script_writes_tables_figures_and_summary(tmp_path):
    out = scenarios.run(write(tmp_path, BASIC), full=True, out=tmp_path / "out", workers=1)
    names = {p.name for p in out.files}
    assert {
        "runs.csv",
        "rounds.csv",
        "error.png",
        "error.svg",
        "summary.md",
        "resolved.json",
        "scenario.toml",
    } <= names
    assert all(p.is_file() for p in out.files)
    runs = read_csv(out.directory / "runs.csv")
    assert (
        len(runs) == 8 and runs[0]["series"] == "exact" and runs[0]["algorithm"] == "exact-gossip"
    )
    rounds = read_csv(out.directory / "rounds.csv")
    assert len(rounds) == sum(int(r["rounds_done"]) + 1 for r in runs)
    # the tables hold the engine's numbers: one run, rerun alone, gives the same bits
    alone = execute(
        RunConfig(
            problem="consensus",
            dim=6,
            rounds=8,
            target=1e-6,
            agents=6,
            compressor="qsgd:s=4,scaled=true",
            seed=1,
        )
    )
    last = runs[-1]
    assert int(last["total_bits"]) == alone.final.cumulative_bits
    assert float(last["final_error"]) == pytest.approx(alone.final.error, rel=1e-12)
    assert (out.directory / "error.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    xml.dom.minidom.parse(str(out.directory / "error.svg"))
    summary = out.summary.read_text()
    assert summary.startswith("# A tiny scenario") and "![" in summary and "(error.png)" in summary
    resolved = json.loads((out.directory / "resolved.json").read_text())
    assert resolved["mode"] == "full" and len(resolved["runs"]) == 8
    assert resolved["runs"][7]["config"]["compressor"] == "qsgd:s=4,scaled=true"


def test_a_rerun_gives_identical_files_and_processes_do_not_change_numbers(tmp_path):
    path = write(tmp_path, BASIC)
    first = scenarios.run(path, out=tmp_path / "a", workers=1)
    second = scenarios.run(path, out=tmp_path / "b", workers=2)
    for name in ("runs.csv", "rounds.csv", "error.png", "error.svg", "summary.md"):
        assert (first.directory / name).read_bytes() == (second.directory / name).read_bytes(), name


def test_rerunning_into_the_same_folder_replaces_the_output_and_a_foreign_folder_is_refused(
    tmp_path,
):
    path = write(tmp_path, BASIC)
    scenarios.run(path, out=tmp_path / "out", workers=1)
    (tmp_path / "out" / "error.svg").write_text("stale")
    scenarios.run(path, out=tmp_path / "out", workers=1)
    assert (tmp_path / "out" / "error.svg").read_text() != "stale"
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "thesis.tex").write_text("keep me")
    with pytest.raises(ConfigError, match="not empty"):
        scenarios.run(path, out=tmp_path / "mine", workers=1)
    assert (tmp_path / "mine" / "thesis.tex").read_text() == "keep me"


def test_a_failing_run_is_reported_and_the_others_go_on(tmp_path, capsys, monkeypatch):
    text = BASIC.replace('label = "qsgd"', 'label = "qsgd"\ngamma = 7.0')
    path = write(tmp_path, text)
    monkeypatch.chdir(tmp_path)
    code = main(["scenario", "run", str(path), "--out", "out", "--workers", "1"])
    err = capsys.readouterr().err
    assert code == 1
    assert "run 2 failed" in err and "gamma" in err
    runs = read_csv(tmp_path / "out" / "runs.csv")
    assert [r["status"] == "failed" for r in runs] == [False, False, True, True]
    assert "gamma" in runs[2]["failure"]
    assert "## Failed runs" in (tmp_path / "out" / "summary.md").read_text()


def test_results_select_and_group():
    runs = expand({"dim": 4, "rounds": 3}, {"agents": [3, 4], "topology": ["ring", "complete"]})
    results = Results.of(run_all(runs, workers=1))
    assert len(results.where(topology="ring")) == 2
    groups = dict(results.groupby("topology"))
    assert set(groups) == {("ring",), ("complete",)}
    assert results.where(agents=4, topology="complete").runs[0].get("spectral_gap") == 1.0


# --- the command line ------------------------------------------------------------------------


def test_cli_list_and_show(capsys):
    assert main(["scenario", "list"]) == 0
    out = capsys.readouterr().out
    for name in ("song-fig1", "korhonen-scaling", "choco-consensus", "coordinator-vs-gossip"):
        assert name in out
    assert main(["scenario", "show", "choco-consensus"]) == 0
    out = capsys.readouterr().out
    assert "choco-consensus (fast mode)" in out and "series=rand-1%" in out


def test_cli_refuses_an_unknown_scenario_naming_the_shipped_ones(capsys):
    assert main(["scenario", "run", "song-fig9"]) == 2
    err = capsys.readouterr().err
    assert "song-fig9" in err and "song-fig1" in err


def test_scenario_files_reference_page_is_current():
    page = Path(__file__).parents[1] / "docs" / "reference" / "scenario-files.md"
    assert page.read_text() == scenarios.schema_markdown(), (
        "regenerate docs/reference/scenario-files.md (see its top)"
    )


def test_a_scenario_whose_every_run_failed_says_so_instead_of_calling_its_script(
    tmp_path, capsys
):
    (tmp_path / "draw.py").write_text(
        "from gossip_sim.scenarios import band\n\n"
        "def report(results, figures):\n    band(results)\n    return 'drawn'\n"
    )
    text = (
        '[scenario]\nname = "all-fail"\ntitle = "Every run fails"\nscript = "draw.py"\n\n'
        '[run]\nalgorithm = "parameter-server"\nproblem = "quadratic"\ntopology = "ring"\n'
        "agents = 4\ndim = 3\nrounds = 5\n"
    )
    path = write(tmp_path, text, name="all-fail.toml")
    code = main(["scenario", "run", str(path), "--out", str(tmp_path / "out"), "--workers", "1"])
    err = capsys.readouterr().err
    assert code == 1 and "Traceback" not in err
    assert "run 0 failed" in err and "ConfigError" in err
    summary = (tmp_path / "out" / "summary.md").read_text()
    assert "Every run failed" in summary and "## Failed runs" in summary
