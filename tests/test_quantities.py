"""What a person reads: one unit rule, whole bits with separators, no float noise, ties told."""

import re

import pytest

import gossip_sim as gs
from gossip_sim.quantities import (
    SECONDS,
    format_bits,
    format_quantity,
    format_range,
    format_seconds,
    format_stat,
    format_value,
    pick_unit,
    time_axis,
)
from gossip_sim.report.compare_text import reading
from gossip_sim.report.comparison import Comparison, Stat, TopologyRow

NOISE = re.compile(r"\d\.\d{7,}")  # 0.44002780800000013 and the like


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0.44002780800000013, "440 ms"), (2.5e-05, "25 µs"), (75.00000000001, "75 s"), (0.0, "0 µs")],
)
def test_a_duration_reads_in_the_unit_it_reaches_without_noise(seconds, text):
    assert format_seconds(seconds) == text
    assert format_quantity("round_time_s", seconds) == text


def test_bits_are_whole_with_separators_everywhere():
    assert format_bits(17042090.4) == "17,042,090"
    assert format_stat(17042090.4, 80123.6, 3, "bits") == "17,042,090 ± 80,124"
    assert format_quantity("total_bits", {"a": 1433600}) == "a: 1,433,600"


def test_a_stat_keeps_the_spread_in_the_means_unit():
    assert format_stat(0.2806, 0.0123, 3, "seconds") == "280.6 ± 12.3 ms"
    assert format_stat(0.2806, 0.0, 3, "seconds") == "280.6 ms"


def test_settings_and_ranges_read_without_noise():
    assert format_value(0.1 + 0.2) == "0.3" and format_value(1e-12) == "1e-12"
    assert format_range(0.001326, 0.01103, format_seconds) == "1.326 ms to 11.03 ms"
    assert format_quantity("hub_busy_fraction", 0.35555) == "36%"
    assert format_quantity("spectral_gap", 0.050746978325808545) == "0.05075"


def test_the_time_axis_of_error_png_is_in_the_unit_quantities_picks():
    import matplotlib.pyplot as plt

    trace = gs.execute(gs.RunConfig(agents=4, dim=5, rounds=30, topology="ring", links="lan"))
    end = float(trace.column("time_s")[-1])
    unit, scale = pick_unit(end, SECONDS)
    ax = gs.report.plots.plot_error(trace, x="time")
    assert ax.get_xlabel() == f"simulated time ({unit})"
    assert unit != "s"  # a LAN run of 30 rounds lasts milliseconds, not seconds
    left, right = ax.get_xlim()
    assert left <= 0 and right >= end  # the whole run is shown
    ax.figure.canvas.draw()
    labels = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
    # the ticks are written in that unit: the largest is near end/scale, not near end
    assert max(float(v.replace("−", "-")) for v in labels) == pytest.approx(end / scale, rel=0.5)
    plt.close(ax.figure)


def test_the_saved_run_figure_labels_its_time_axis(tmp_path):
    import matplotlib.pyplot as plt

    trace = gs.execute(gs.RunConfig(agents=4, dim=5, rounds=5, topology="ring"))
    fig, (left, right) = plt.subplots(1, 2)
    gs.report.plots.plot_error(trace, "bits", left)
    gs.report.plots.plot_error(trace, "time", right)
    assert right.get_xlabel() == "simulated time (µs)"  # datacenter links: microseconds
    plt.close(fig)


def test_time_axis_on_a_log_axis_leaves_no_minor_label_in_seconds():
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ax.plot([1e-4, 3e-3], [1, 2])
    ax.set_xscale("log")
    assert time_axis(ax) == "ms"
    fig.canvas.draw()
    assert all(not t.get_text() for t in ax.get_xticklabels(minor=True))
    plt.close(fig)


def _row(name, bits, time):
    return TopologyRow(
        topology=name, compressor="qsgd", requested_agents=8, agents=8, edges=8,
        max_degree=2, diameter=4, mixing="metropolis-hastings", links="5 µs, 10 Gb/s",
        own_links=False, spectral_gap=0.5, bits_per_round=100.0, seeds=1, reached=1,
        rounds=Stat(10.0, 0.0, 1), bits=Stat(bits, 0.0, 1), time=Stat(time, 0.0, 1),
        final_error=1e-7, budget=100,
    )  # fmt: skip


COMPARISON = Comparison(("a", "b", "c"), agents=(8,), run={"target": 1e-6})


def test_a_tie_on_bits_is_told_as_a_tie_and_not_crowned_once():
    rows = [_row("a", 800.0, 0.3), _row("b", 800.0, 0.2), _row("c", 1600.0, 0.4)]
    text = reading(rows, COMPARISON)
    assert (
        "a and b tie for the fewest bits (800 bits each, 2.0x fewer than the runner-up c)" in text
    )
    assert "; of them b needed" in text
    assert "of them b needed the least simulated time (200 ms, 1.5x less than" in text
    rows = [_row("a", 800.0, 0.3), _row("b", 800.0, 0.2), _row("c", 700.0, 0.2)]
    text = reading(rows, COMPARISON)
    assert "b and c tie for the least simulated time (200 ms each" in text
    assert "of them c needed the fewest bits (700 bits" in text


def test_a_tie_on_both_is_a_tie_on_both():
    rows = [_row("a", 800.0, 0.25), _row("b", 800.0, 0.25), _row("c", 1600.0, 0.5)]
    text = reading(rows, COMPARISON)
    assert "a and b tie for both the fewest bits (800 bits each" in text
    assert "the least simulated time (250 ms each, 2.0x less than the runner-up c)" in text


def test_all_tied_is_said_plainly():
    text = reading([_row("a", 800.0, 0.25), _row("b", 800.0, 0.25)], COMPARISON)
    assert "a and b tie: the same bits (800 bits each) and simulated time (250 ms each)" in text


def test_tied_rows_all_get_the_star():
    from gossip_sim.report.compare import _mark_winners

    rows = [_row("a", 800.0, 0.3), _row("b", 800.0, 0.2), _row("c", 1600.0, 0.4)]
    _mark_winners(rows)
    assert [r.wins for r in rows] == [["bits"], ["bits", "time"], []]


def test_demo_facts_print_without_float_noise(tmp_path):
    out = gs.demo.run("consensus", tmp_path, agents=5, frames=2)
    assert any(NOISE.search(repr(v)) for v in out.facts["time_s"].values())  # full precision kept
    text = out.facts_text()
    assert not NOISE.search(text) and not NOISE.search(str(out))
    assert re.search(r"simulated time +exact gossip: [\d.]+ (ms|µs)", text)
    assert re.search(r"bits +exact gossip: \d{1,3}(,\d{3})+", text)


def test_a_scenario_summary_prints_times_in_units_and_no_noise(tmp_path):
    scenario = tmp_path / "s.toml"
    scenario.write_text(
        '[scenario]\nname = "s"\ntitle = "t"\nseeds = 1\n\n[run]\nproblem = "consensus"\n'
        'dim = 4\nrounds = 6\ntarget = 1e-6\nlinks = "wan"\n\n[sweep]\nagents = [3, 4]\n'
    )
    out = gs.scenarios.run(scenario, out=tmp_path / "out", workers=1)
    summary = out.summary.read_text()
    assert not NOISE.search(summary)
    assert "| simulated time |" in summary and re.search(r"\| [\d.]+ ms \|", summary)
