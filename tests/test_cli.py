"""The gossip-sim command, called as main(argv) the way the console script calls it."""

import json

import pytest

from gossip_sim.cli import main


def run_cli(argv, capsys):
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_readme_command_prints_the_summary_and_writes_results(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli(["--topology", "ring", "--agents", "5"], capsys)
    assert code == 0, err
    for words in (
        "ring (5 agents, 5 links",
        "spectral gap",
        "compressor",
        "rounds",
        "error",
        "bits",
        "s simulated",
        "results",
    ):
        assert words in out
    (results,) = (tmp_path / "gossip-sim-results").glob("ring-5-choco-gossip-seed0-*")
    assert str(results.resolve()) in out
    for name in (
        "rounds.csv",
        "agents.csv",
        "links.csv",
        "summary.json",
        "config.json",
        "error.png",
    ):
        assert (results / name).is_file(), name


def test_json_summary_is_machine_readable(tmp_path, capsys):
    code, out, _ = run_cli(
        ["--agents", "4", "--dim", "10", "--rounds", "30", "--json", "--out", str(tmp_path)], capsys
    )
    summary = json.loads(out)
    assert code == 0 and summary["rounds"] <= 30 and summary["total_bits"] > 0
    assert summary["output"] == str(tmp_path.resolve())


def test_config_json_reruns_the_same_run(tmp_path, capsys):
    run_cli(
        [
            "--topology",
            "torus",
            "--agents",
            "9",
            "--rounds",
            "25",
            "--compressor",
            "topk:k=3",
            "--seed",
            "7",
            "--out",
            str(tmp_path / "a"),
            "--quiet",
        ],
        capsys,
    )
    run_cli(
        ["--config", str(tmp_path / "a" / "config.json"), "--out", str(tmp_path / "b"), "--quiet"],
        capsys,
    )
    for name in ("rounds.csv", "agents.csv", "summary.json"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_quiet_prints_nothing(tmp_path, capsys):
    code, out, err = run_cli(["--rounds", "3", "--quiet", "--out", str(tmp_path)], capsys)
    assert (code, out, err) == (0, "", "")


@pytest.mark.parametrize(
    ("argv", "match"),
    [
        (["--topology", "rnig"], "unknown topology 'rnig'.*did you mean 'ring'"),
        (["--compressor", "qsdg:s=4"], "unknown compressor 'qsdg'.*did you mean 'qsgd'"),
        (
            ["--algorithm", "choco"],
            r"unknown algorithm 'choco'; valid: (\S+, )*choco-gossip, choco-sgd, dgd",
        ),
        (["--topology", "ring", "--agents", "2"], "ring needs at least 3 agents"),
        (["--mixing", "metropolis"], "unknown mixing rule 'metropolis'"),
    ],
)
def test_bad_values_give_one_line_and_exit_2(argv, match, capsys, tmp_path):
    code, out, err = run_cli([*argv, "--out", str(tmp_path / "x")], capsys)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1
    assert __import__("re").search(match, err), err
    assert not (tmp_path / "x").exists()


def test_unknown_flag_suggests_the_closest(capsys):
    with pytest.raises(SystemExit) as info:
        main(["--agent", "5"])
    err = capsys.readouterr().err
    assert info.value.code == 2 and "unknown flag --agent (did you mean --agents?)" in err


def test_listings(capsys):
    for sub, word in (
        ("topologies", "ring"),
        ("compressors", "qsgd"),
        ("algorithms", "choco-gossip"),
    ):
        code, out, _ = run_cli([sub], capsys)
        assert code == 0 and word in out


def test_topologies_show(capsys, tmp_path):
    png = tmp_path / "ring.png"
    code, out, _ = run_cli(
        ["topologies", "show", "ring", "--agents", "8", "--draw", str(png)], capsys
    )
    assert code == 0
    assert "diameter" in out and "metropolis-hastings" in out
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_cli_reference_page_is_current():
    from pathlib import Path

    from gossip_sim.cli.reference import reference_markdown

    page = Path(__file__).parents[1] / "docs" / "reference" / "cli.md"
    assert page.read_text() == reference_markdown(), (
        "regenerate docs/reference/cli.md (see its top)"
    )


def test_catalogue_network_takes_its_own_size(tmp_path, capsys):
    code, out, err = run_cli(
        ["--topology", "abilene", "--links", "wan", "--json", "-o", str(tmp_path)], capsys
    )
    summary = json.loads(out)
    assert code == 0, err
    assert summary["agents"] == 11 and summary["links"] == 14
    assert json.loads((tmp_path / "config.json").read_text())["agents"] == 11
    # 11 US cities: a round takes at least the shortest link's great-circle latency
    assert summary["simulated_time_s"] > summary["rounds"] * 1e-3


def test_wrong_size_for_a_catalogue_network_is_refused(capsys):
    code, _, err = run_cli(["--topology", "abilene", "--agents", "5"], capsys)
    assert code == 2 and "catalogue network 'abilene' has 11 agents; got agents=5" in err


def test_bits_do_not_depend_on_the_links_but_time_does(tmp_path, capsys):
    results = {}
    for links in ("datacenter", "wan"):
        _, out, _ = run_cli(["--links", links, "--json", "-o", str(tmp_path / links)], capsys)
        results[links] = json.loads(out)
    assert results["wan"]["total_bits"] == results["datacenter"]["total_bits"]
    assert results["wan"]["simulated_time_s"] > 1000 * results["datacenter"]["simulated_time_s"]


def test_runs_that_differ_get_different_folders_and_reruns_replace_stale_files(
    tmp_path, capsys, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    run_cli(["-q"], capsys)
    run_cli(["-q", "--links", "wan"], capsys)
    assert len(list((tmp_path / "gossip-sim-results").iterdir())) == 2
    out = tmp_path / "one"
    run_cli(["-q", "--record-messages", "-o", str(out)], capsys)
    assert (out / "messages.csv").is_file() and (out / "error.png").is_file()
    code, _, err = run_cli(["-q", "--no-plot", "-o", str(out)], capsys)  # another configuration
    assert code == 2 and "its config.json is another run's" in err
    run_cli(["-q", "--no-plot", "--overwrite", "-o", str(out)], capsys)
    assert not (out / "messages.csv").exists() and not (out / "error.png").exists()


def test_exact_gossip_refuses_a_compressor(capsys):
    code, _, err = run_cli(["--algorithm", "exact-gossip", "--compressor", "topk:k=5"], capsys)
    assert code == 2 and "exact-gossip does not take --compressor" in err


@pytest.mark.parametrize(
    ("algorithm", "problem", "topology"),
    [
        ("dgd", "quadratic", "ring"),
        ("choco-sgd", "logistic", "complete"),
        ("song-decentralized:gossip_rounds=2", "least-squares", "ring"),
        ("parameter-server", "least-squares", "star"),
        ("song-server:b=4", "pyramidal-nn:samples=2", "star"),
        ("korhonen-alistarh", "quadratic:kappa=3", "star"),
    ],
)
def test_every_algorithm_runs_from_the_command_line(algorithm, problem, topology, capsys, tmp_path):
    argv = ["--algorithm", algorithm, "--problem", problem, "--topology", topology]
    argv += ["--agents", "4", "--dim", "60", "--rounds", "5", "--out", str(tmp_path)]
    code, out, err = run_cli(argv, capsys)
    assert code == 0, err
    assert f"gossip-sim: {algorithm.split(':')[0]} on {topology}" in out
    assert "bits / bound" in out or "lower bound" in out
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["rounds"] >= 5 and summary["total_bits"] > 0


def test_a_diverged_run_prints_its_summary_and_exits_1(tmp_path, capsys):
    argv = ["--algorithm", "dgd:step=10", "--problem", "quadratic", "--dim", "10", "--agents", "4"]
    assert main([*argv, "--no-plot", "--out", str(tmp_path)]) == 1
    captured = capsys.readouterr()
    assert "the run diverged: error" in captured.err
    assert "dgd on ring (4 agents, 4 links)" in captured.out  # the summary, not a traceback
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["status"].startswith("diverged") and summary["agents"] == 4


@pytest.mark.parametrize(
    ("word", "hint"),
    [("topolgies", "did you mean 'topologies'"), ("sweeep", "did you mean 'sweep'"), ("x", "")],
)
def test_a_word_that_is_no_subcommand_is_refused_naming_the_subcommands(capsys, word, hint):
    assert main([word]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"gossip-sim: error: unknown command {word!r}") and hint in err
    assert "valid: algorithms, compare, compressors, demo" in err and len(err.splitlines()) == 1


@pytest.mark.parametrize(
    ("argv", "line"),
    [
        (["--topology", "abilene", "--bandwidth", "1e6"],
         "bandwidth 1 Mb/s (from the network's file; --bandwidth as given)"),
        (["--links", "wan", "--latency", "0.001"],
         "latency 1 ms, bandwidth 1 Gb/s ('wan' profile; --latency as given)"),
        (["--links", "lan"], "latency 500 µs, bandwidth 1 Gb/s ('lan' profile)"),
    ],
)  # fmt: skip
def test_the_links_line_says_where_each_figure_came_from(tmp_path, capsys, argv, line):
    assert main([*argv, "--rounds", "2", "--dim", "4", "--out", str(tmp_path), "--no-plot"]) == 0
    assert line in capsys.readouterr().out
