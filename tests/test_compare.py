"""`gossip-sim compare`: the table, the reading, the figures, and the files, against theory."""

import csv
import re

import pytest

from gossip_sim.cli import main
from gossip_sim.errors import ConfigError
from gossip_sim.report.cli import compare_parser, split_specs
from gossip_sim.report.compare import Comparison, Stat, compare
from gossip_sim.report.compare_figures import pareto_front


def _row(out, name):
    return next(r for r in out.rows if r.topology == name)


@pytest.fixture(scope="module")
def k16(tmp_path_factory):
    """Ring, torus and complete at K = 16, two seeds: the issue's ordering check."""
    comparison = Comparison(
        ("ring", "torus", "complete"),
        agents=(16,),
        seeds=(0, 1),
        run={"dim": 20, "target": 1e-6, "rounds": 1500},
    )
    return compare(comparison, tmp_path_factory.mktemp("k16"), workers=2)


def test_spectral_gaps_and_rounds_follow_theory_at_k16(k16):
    ring, torus, complete = (_row(k16, n) for n in ("ring", "torus", "complete"))
    assert complete.spectral_gap > torus.spectral_gap > ring.spectral_gap
    assert all(r.reached == 2 for r in (ring, torus, complete))
    assert complete.rounds.mean < torus.rounds.mean < ring.rounds.mean
    # the graph facts are the graphs'
    assert (ring.edges, ring.max_degree, ring.diameter) == (16, 2, 8)
    assert (torus.edges, torus.max_degree, torus.diameter) == (32, 4, 4)
    assert (complete.edges, complete.max_degree, complete.diameter) == (120, 15, 1)
    assert complete.spectral_gap == pytest.approx(1.0)


def test_rows_agree_with_the_runs_they_summarise(k16):
    ring = _row(k16, "ring")
    runs = k16.results.where(topology="ring").runs
    rounds = [r.summary.rounds for r in runs]
    bits = [r.summary.total_bits for r in runs]
    assert ring.rounds == Stat.of(rounds)
    assert ring.bits.mean == pytest.approx(sum(bits) / 2)
    per_round = [b / n for b, n in zip(bits, rounds, strict=True)]
    assert ring.bits_per_round == pytest.approx(sum(per_round) / 2)
    # winners: fewest bits and least time among rows that all reached the target
    for kind, attr in (("bits", "bits"), ("time", "time")):
        winners = [r for r in k16.rows if kind in r.wins]
        assert len(winners) == 1
        assert getattr(winners[0], attr).mean == min(getattr(r, attr).mean for r in k16.rows)


def test_reading_says_what_the_numbers_say(k16):
    text = (k16.directory / "report.md").read_text()
    assert "As theory says, the rounds to the target grow as the spectral gap shrinks" in text
    winner = next(r for r in k16.rows if "bits" in r.wins)
    assert f"{winner.topology} needed " in text


def test_report_md_and_html_carry_the_same_content(k16):
    md = (k16.directory / "report.md").read_text()
    page = (k16.directory / "report.html").read_text()
    images = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", md)
    assert sorted(images) == sorted(
        f"figures/{n}.png" for n in ("error-vs-bits", "error-vs-time", "tradeoff", "graphs")
    )
    assert all((k16.directory / p).is_file() for p in images)
    assert page.count('<img src="data:image/png;base64,') == len(images)
    assert "http://" not in page and "https://" not in page  # nothing to fetch
    for line in md.splitlines():
        if line.startswith("| ") and "---" not in line:
            for cell in line.strip("|").split(" | "):
                assert cell.strip().replace("&", "&amp;") in page


def test_compare_csv_is_the_table(k16):
    with (k16.directory / "compare.csv").open() as handle:
        table = list(csv.DictReader(handle))
    assert [r["topology"] for r in table] == ["ring", "torus", "complete"]
    for line, row in zip(table, k16.rows, strict=True):
        assert float(line["spectral_gap"]) == row.spectral_gap
        assert float(line["rounds_to_target_mean"]) == row.rounds.mean
        assert int(line["reached"]) == 2


def test_compare_csv_columns_are_numbers_for_pandas(k16):
    pandas = pytest.importorskip("pandas")
    table = pandas.read_csv(k16.directory / "compare.csv")
    assert "links" not in table.columns  # the readable text is for report.md/html only
    for column in (
        "latency_min_s",
        "latency_max_s",
        "bandwidth_min_bps",
        "bandwidth_max_bps",
        "spectral_gap",
        "bits_per_round",
        "bits_to_target_mean",
        "time_to_target_s_mean",
        "final_error",
        "loss",
        "messages_lost",
        "stale_uses",
        "agents_alive",
    ):
        assert pandas.api.types.is_float_dtype(table[column]), column
    assert table.loss.tolist() == [0.0] * 3 and table.messages_lost.tolist() == [0.0] * 3
    assert table.agents_alive.tolist() == [16.0] * 3  # nothing can go wrong: the fast path
    for column in ("agents", "edges", "max_degree", "seeds", "reached", "round_budget"):
        assert pandas.api.types.is_integer_dtype(table[column]), column
    ring = table.set_index("topology").loc["ring"]
    assert (ring.latency_min_s, ring.bandwidth_max_bps) == (5e-06, 1e10)  # the datacenter profile
    assert table.time_to_target_s_mean.tolist() == [r.time.mean for r in k16.rows]  # full precision


def test_the_report_prints_no_float_noise(k16):
    md = (k16.directory / "report.md").read_text()
    assert not re.search(r"\d\.\d{7,}", md)
    ring = _row(k16, "ring")
    assert f"{round(ring.bits.mean):,}" in md  # bits: whole, with separators
    assert "kbit" not in md and "Mbit" not in md


def test_error_vs_time_shows_every_curve_to_its_end_in_a_readable_unit(tmp_path):
    from types import SimpleNamespace

    import matplotlib.pyplot as plt

    from gossip_sim.report import compare_figures

    comparison = Comparison(
        ("ring", "complete"), agents=(12,), run={"dim": 10, "target": 1e-6, "rounds": 60}
    )
    out = compare(comparison, tmp_path, workers=1)
    assert _row(out, "ring").reached == 0  # the ring runs its whole budget: the long curve
    drawn = {}
    real_save = compare_figures._save

    def keep(fig, path):
        drawn[path.name] = SimpleNamespace(
            axes=[(ax.get_xlabel(), ax.get_xlim(), ax.get_xscale()) for ax in fig.axes]
        )
        return real_save(fig, path)

    compare_figures._save = keep
    try:
        compare_figures.draw_figures(out.rows, out.results, comparison, tmp_path / "again")
    finally:
        compare_figures._save = real_save
    ((label, (_, right), _),) = drawn["error-vs-time.png"].axes
    ring_end = max(float(r.column("time_s")[-1]) for r in out.results.where(topology="ring"))
    assert right >= ring_end  # never cut off
    assert label in ("simulated time (ms)", "simulated time (µs)", "simulated time (s)")
    assert label != "simulated time (s)" or ring_end >= 1
    plt.close("all")


def test_a_rerun_reuses_every_run_and_writes_the_same_report(k16):
    again = compare(k16.comparison, k16.directory, workers=1)
    assert (again.ran, again.reused) == (0, 6)
    assert [r.rounds for r in again.rows] == [r.rounds for r in k16.rows]


def test_a_topology_that_misses_the_target_stays_in_the_report(tmp_path):
    comparison = Comparison(
        ("ring", "complete"), agents=(12,), run={"dim": 10, "target": 1e-6, "rounds": 40}
    )
    out = compare(comparison, tmp_path, workers=1)
    ring = _row(out, "ring")
    assert (ring.reached, ring.rounds, ring.seeds) == (0, None, 1)
    assert ring.final_error > 1e-6
    md = (tmp_path / "report.md").read_text()
    assert "| ring |" in md and "0/1 (not in 40 rounds)" in md
    assert "ring (12 agents) did not reach 1e-06 within 40 rounds, ending at error" in md


def test_failed_runs_are_reported_not_dropped(tmp_path, capsys):
    code = main(
        ["compare", "--topologies", "star,ring", "--algorithm", "parameter-server",
         "--problem", "quadratic", "--agents", "6", "--dim", "5", "--target", "1e-4",
         "--out", str(tmp_path), "--workers", "1", "--quiet"]
    )  # fmt: skip
    assert code == 1
    err = capsys.readouterr().err
    assert re.search(r"run 1 failed \(topology=ring, agents=6, seed=0\): ConfigError: ", err)
    md = (tmp_path / "report.md").read_text()
    assert "| ring |" in md and "failed" in md
    assert "ring could not run: ConfigError: parameter-server is a coordinator algorithm" in md
    # the one that ran is described, not crowned; the failed graph's gap is still known
    assert "star (6 agents, the only one of its size to get there) reached 0.0001" in md
    assert "★" not in md.split("## Figures")[0].split("## The topologies")[1].split("*")[0]
    with (tmp_path / "compare.csv").open() as handle:
        ring = next(r for r in csv.DictReader(handle) if r["topology"] == "ring")
    assert float(ring["spectral_gap"]) == pytest.approx(1 / 3)  # MH on a ring of 6 (λ₂ = 2/3)


def test_several_compressors_and_sizes_give_the_front_and_gap_vs_k(tmp_path):
    comparison = Comparison(
        ("ring", "complete"),
        agents=(4, 8),
        compressors=("qsgd:s=16", "topk:k=0.5"),
        run={"dim": 10, "target": 1e-4, "rounds": 800},
    )
    out = compare(comparison, tmp_path, workers=2)
    assert len(out.rows) == 8
    assert {(r.agents, r.compressor) for r in out.rows} == {
        (k, c) for k in (4, 8) for c in comparison.compressors
    }
    assert (tmp_path / "figures" / "spectral-gap-vs-agents.png").is_file()
    md = (tmp_path / "report.md").read_text()
    assert "| topology | compressor | agents |" in md
    # one winner per size on each criterion, or every row tied for it: at K = 4 the ring and
    # the complete graph with qsgd need the same bits (both starred, the reading says so)
    small = [r for r in out.rows if r.agents == 4 and r.compressor == "qsgd:s=16"]
    assert small[0].bits.mean == small[1].bits.mean
    assert [r.topology for r in out.rows if r.agents == 4 and "bits" in r.wins] == [
        "ring",
        "complete",
    ]
    assert "ring with qsgd:s=16 and complete with qsgd:s=16 tie for the fewest bits" in md
    assert sum("bits" in r.wins for r in out.rows if r.agents == 8) == 1


def test_catalogue_networks_keep_their_size(tmp_path):
    out = compare(
        Comparison(("abilene", "ring"), agents=(11,), run={"dim": 5, "target": 1e-3}),
        tmp_path,
        workers=1,
    )
    abilene, ring = _row(out, "abilene"), _row(out, "ring")
    assert (abilene.agents, abilene.requested_agents, abilene.edges) == (11, None, 14)
    # abilene keeps its geographic latencies; the ring has the profile's
    assert abilene.own_links and not ring.own_links
    assert ring.links == "5 µs, 10 Gb/s" and abilene.links.endswith(", 10 Gb/s")
    assert " ms to " in abilene.links  # a range, written as everywhere (quantities.format_range)
    text = (tmp_path / "report.md").read_text()
    assert (
        f"At 11 agents on 'datacenter' links (abilene on its own links ({abilene.links}))" in text
    )


def test_pareto_front_keeps_only_undominated_points():
    points = [(1.0, 9.0), (2.0, 4.0), (3.0, 5.0), (4.0, 1.0), (5.0, 1.0)]
    assert pareto_front(points) == [0, 1, 3]
    assert pareto_front([]) == []


def test_split_specs_keeps_parameters_with_their_spec():
    two = ["qsgd:s=16,scaled=true", "topk:k=0.1"]
    assert split_specs("qsgd:s=16,scaled=true,topk:k=0.1") == two
    assert split_specs("ring, torus,") == ["ring", "torus"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--topologies", "rnig"], r"unknown topology 'rnig'.*did you mean 'ring'"),
        (
            ["--topologies", "ring", "--target", "0"],
            r"target = 0.0 is not valid: .* give --target greater than 0",
        ),
        (["--topologies", "ring", "--seeds", "0"], r"--seeds 0 is not valid; give 1 or more"),
        (["--topologies", "ring", "--agents", "2"], r"ring"),
        (["--topologies", "ring", "--algorithm", "choco-gosip"], r"did you mean 'choco-gossip'"),
        (["--topologies", "ring", "--compressor", "qsdg:s=4"], r"did you mean 'qsgd'"),
        (["--topologies", "ring", "--agents", "x"], r"give agent counts as integers"),
        (["--topologies", "ring", "--workers", "2", "--scheduler", "tcp://h:1"], r"not both"),
        (["--topologies", "ring", "--losses", "0,1.5"], r"loss = 1.5 is not a probability"),
        (["--topologies", "ring", "--losses", "0,x"], r"give loss probabilities in \[0, 1\]"),
        (["--topologies", "ring", "--losses", "0.1,0.1"], r"names a loss twice"),
        (["--topologies", "ring", "--deadline", "-1"], r"deadline = -1.0 s is not valid"),
        (
            ["--topologies", "star", "--algorithm", "parameter-server", "--problem",
             "quadratic", "--losses", "0,0.1"],
            r"parameter-server runs only where nothing can go wrong .*--losses",
        ),
    ],
)
def test_bad_input_is_refused_before_anything_runs(tmp_path, capsys, argv, message):
    out = tmp_path / "out"
    try:
        code = main(["compare", *argv, "--out", str(out), "--quiet"])
    except SystemExit as exc:  # argparse's own refusals (flag values) exit directly
        code = exc.code
    assert code == 2
    assert re.search(message, capsys.readouterr().err)
    assert not out.exists()


def test_a_comparison_refuses_settings_it_varies():
    with pytest.raises(ConfigError, match="'topology' is what a comparison varies"):
        Comparison(("ring",), run={"topology": "torus"})
    with pytest.raises(ConfigError, match="needs at least one topology"):
        Comparison(())


def test_every_shared_run_setting_is_a_compare_flag_from_the_one_declaration(tmp_path):
    from gossip_sim.cli.run import build_parser
    from gossip_sim.config import SETTINGS
    from gossip_sim.report.cli import compare_parser

    flags = {o for a in compare_parser()._actions for o in a.option_strings}
    run_flags = {o for a in build_parser()._actions for o in a.option_strings}
    shared = {s.flag for s in SETTINGS if s.name not in Comparison.VARIED and s.group != "output"}
    assert shared <= flags and shared <= run_flags
    code = main(
        ["compare", "--topologies", "ring", "--agents", "4", "--dim", "5", "--latency", "0.002",
         "--header-bits", "64", "--out", str(tmp_path), "--workers", "1", "--quiet"]
    )  # fmt: skip
    assert code == 0
    with (tmp_path / "compare.csv").open() as handle:
        row = next(csv.DictReader(handle))
    assert float(row["latency_min_s"]) == float(row["latency_max_s"]) == 0.002


# --- the loss axis (issue 18) ---------------------------------------------------------------


def test_the_loss_axis_crosses_topologies_and_seeds():
    c = Comparison(("ring", "torus"), losses=(0, 0.1, 0.3), seeds=(0, 1))
    cells = [(r.config.topology, r.config.loss, r.config.seed) for r in c.plan()]
    assert len(cells) == 2 * 3 * 2 == len(set(cells))
    assert {loss for _, loss, _ in cells} == {0.0, 0.1, 0.3}
    assert c.faulty and not Comparison(("ring",), losses=(0,)).faulty
    # loss 0 is the run without a loss axis: the same configuration, the same digest
    without = Comparison(("ring", "torus"), seeds=(0, 1)).plan()
    zero = [r.config for r in c.plan() if r.config.loss == 0]
    assert [r.config.digest() for r in without] == [z.digest() for z in zero]


def test_shared_fault_settings_reach_every_run(tmp_path):
    c = Comparison(("ring",), agents=(6,), run={"dim": 4, "rounds": 20, "deadline": 2e-6})
    assert all(r.config.deadline == 2e-6 for r in c.plan()) and c.faulty
    out = compare(c, tmp_path, workers=1)
    (row,) = out.rows
    # datacenter links take 5 µs: every copy misses a 2 µs deadline and is mixed stale
    assert row.stale_uses == 6 * 2 * 20 and row.messages_lost == 0 and row.agents_alive == 6
    with (tmp_path / "compare.csv").open() as handle:
        line = next(csv.DictReader(handle))
    assert float(line["stale_uses"]) == row.stale_uses
    assert "event-driven engine" in (tmp_path / "report.md").read_text()


def test_a_shared_crash_fraction_shows_in_agents_alive(tmp_path):
    run = {"dim": 4, "rounds": 20, "target": 1e-12, "crash_fraction": 0.25, "crash_round": 5}
    out = compare(Comparison(("ring",), agents=(9,), run=run), tmp_path, workers=1)
    (row,) = out.rows
    assert row.agents_alive == 9 - 2  # round(0.25 x 9) crash-stop at round 5
    with (tmp_path / "compare.csv").open() as handle:
        assert float(next(csv.DictReader(handle))["agents_alive"]) == 7


@pytest.fixture(scope="module")
def lossy(tmp_path_factory):
    """Ring and torus at loss 0, 0.1 and 0.3; and the same comparison without the loss axis."""
    run = {"dim": 8, "rounds": 60, "target": 1e-4, "links": "lan"}
    with_losses = Comparison(("ring", "torus"), agents=(9,), losses=(0, 0.1, 0.3), run=run)
    without = Comparison(("ring", "torus"), agents=(9,), run=run)
    return (
        compare(with_losses, tmp_path_factory.mktemp("lossy"), workers=1),
        compare(without, tmp_path_factory.mktemp("lossless"), workers=1),
    )


def test_loss_zero_rows_keep_the_numbers_of_a_comparison_without_losses(lossy):
    out, plain = lossy
    assert [(r.topology, r.loss) for r in out.rows] == [
        (t, p) for t in ("ring", "torus") for p in (0.0, 0.1, 0.3)
    ]
    for before in plain.rows:
        now = next(r for r in out.rows if r.topology == before.topology and r.loss == 0)
        for name in ("rounds", "bits", "time", "final_error", "bits_per_round", "reached"):
            assert getattr(now, name) == getattr(before, name), name
        assert (now.messages_lost, now.stale_uses, now.agents_alive) == (0, 0, 9)


def test_compare_csv_has_the_loss_and_fault_columns(lossy):
    out, _ = lossy
    with (out.directory / "compare.csv").open() as handle:
        table = list(csv.DictReader(handle))
    assert [(r["topology"], float(r["loss"])) for r in table] == [
        (r.topology, r.loss) for r in out.rows
    ]
    for line in table:
        faults = ("messages_lost", "stale_uses", "agents_alive")
        lost, stale, alive = (float(line[k]) for k in faults)
        assert alive == 9
        if float(line["loss"]) == 0:
            assert lost == stale == 0
        else:  # a message lost without retransmission is mixed stale by its receiver
            assert lost > 0 and stale >= lost
    ring = {float(r["loss"]): float(r["messages_lost"]) for r in table if r["topology"] == "ring"}
    assert ring[0.3] > ring[0.1] > 0
    # lost for good: about p of the 2 x 9 messages a round (ring) (no retransmission)
    rounds = next(r for r in out.rows if r.topology == "ring" and r.loss == 0.3).budget
    assert 0.2 * 18 * rounds < ring[0.3] < 0.4 * 18 * rounds


def test_the_report_says_what_the_loss_axis_is_and_draws_a_curve_per_loss(lossy):
    out, _ = lossy
    md = (out.directory / "report.md").read_text()
    assert "'loss' is the probability that each transmission is lost" in md
    assert "| topology | loss | messages lost |" in md
    assert "figures/error-vs-bits-by-loss.png" in md
    assert (out.directory / "figures" / "error-vs-bits-by-loss.png").is_file()
    assert "Message loss: ring (9 agents)" in md
    # winners compete at one loss: each loss that both topologies reached has its own star
    for loss in (0.0,):
        stars = [r for r in out.rows if r.loss == loss and "bits" in r.wins]
        assert len(stars) == 1


def test_the_loss_figure_has_a_panel_per_topology_and_a_curve_per_loss(lossy, tmp_path):
    import matplotlib.pyplot as plt

    from gossip_sim.report import compare_figures

    out, _ = lossy
    drawn = {}
    real_save = compare_figures._save

    def keep(fig, path):
        drawn[path.name] = [(ax.get_title(), len(ax.get_lines())) for ax in fig.axes]
        return real_save(fig, path)

    compare_figures._save = keep
    try:
        compare_figures.draw_figures(out.rows, out.results, out.comparison, tmp_path)
    finally:
        compare_figures._save = real_save
    panels = drawn["error-vs-bits-by-loss.png"]
    assert [title for title, _ in panels] == ["ring", "torus"]
    assert all(lines == 3 + 1 for _, lines in panels)  # a curve per loss and the target
    plt.close("all")


def test_compare_command_takes_losses_and_prints_them(tmp_path, capsys):
    code = main(
        ["compare", "--topologies", "ring", "--agents", "6", "--dim", "4", "--rounds", "15",
         "--losses", "0,0.2", "--out", str(tmp_path), "--workers", "1"]
    )  # fmt: skip
    assert code == 0
    printed = capsys.readouterr().out
    assert "gossip-sim compare: 2 runs into" in printed
    assert re.search(r"^ring\s+0\.2\s+[1-9]", printed, re.M)  # loss, then messages lost
    flags = {o for a in compare_parser()._actions for o in a.option_strings}
    assert {"--losses", "--deadline", "--retransmit", "--crash-fraction"} <= flags
    assert "--loss" not in flags  # the axis replaces the single setting
