"""Teaching demos: real runs drawn into valid, small, deterministic GIF/HTML/PNG files."""

import re

import numpy as np
import pytest
from PIL import Image

from gossip_sim.cli import main
from gossip_sim.config import RunConfig
from gossip_sim.demo import DEMOS, MAX_FRAMES, run
from gossip_sim.demo.recording import Recording
from gossip_sim.errors import ConfigError

#: Each demo at a tiny size: a few frames of a small run.
TINY = {
    "consensus": {"agents": 5, "dim": 3, "frames": 4},
    "spectral-gap": {"agents": 9, "dim": 3, "frames": 4},
    "coordinator": {"agents": 3, "dim": 2000, "frames": 4, "show_rounds": 2},
    "bits": {"max_bits": 2, "agents": 2, "dim": 40, "samples": 3, "rounds": 15, "frames": 4},
    "loss": {"agents": 6, "dim": 3, "rounds": 12, "frames": 4},
}


@pytest.fixture(scope="module", params=sorted(TINY))
def rendered(request, tmp_path_factory):
    name = request.param
    first = run(name, tmp_path_factory.mktemp(f"{name}-a"), dpi=30, **TINY[name])
    again = run(name, tmp_path_factory.mktemp(f"{name}-b"), dpi=30, **TINY[name])
    return name, first, again


def test_every_demo_is_tested():
    assert sorted(TINY) == DEMOS.names()


def test_files_are_valid_images_with_the_frames_asked_for(rendered):
    name, out, _ = rendered
    frames = TINY[name]["frames"]
    with Image.open(out.gif) as gif:
        assert gif.format == "GIF" and gif.n_frames == frames
        size = gif.size
    with Image.open(out.png) as png:
        assert png.format == "PNG" and png.size == size
        assert (
            len(np.unique(np.asarray(png.convert("RGB")).reshape(-1, 3), axis=0)) > 20
        )  # a drawing, not a blank
    html = out.html.read_text()
    assert len(re.findall(r"data:image/jpeg;base64,", html)) == frames
    assert "http://" not in html and "https://" not in html  # the player fetches nothing
    assert all(p.stat().st_size < 5e6 for p in out.files)


def test_the_same_seed_gives_the_same_files(rendered):
    _, first, again = rendered
    for a, b in zip(first.files, again.files, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name
    assert first.facts == again.facts


def test_the_frames_move(rendered):
    _, out, _ = rendered
    with Image.open(out.gif) as gif:
        gif.seek(0)
        start = np.asarray(gif.convert("RGB"), dtype=int)
        gif.seek(gif.n_frames - 1)
        end = np.asarray(gif.convert("RGB"), dtype=int)
    assert np.abs(start - end).sum() > 0


def test_another_seed_gives_other_frames(tmp_path):
    a = run("consensus", tmp_path / "a", dpi=30, seed=0, **TINY["consensus"])
    b = run("consensus", tmp_path / "b", dpi=30, seed=1, **TINY["consensus"])
    assert a.png.read_bytes() != b.png.read_bytes()


def test_spectral_gap_demo_orders_the_graphs_as_theory_says(tmp_path):
    out = run("spectral-gap", tmp_path, dpi=30, agents=16, frames=2)
    gaps, rounds = out.facts["spectral_gap"], out.facts["rounds_to_1e-6"]
    order = ["ring", "torus", "exponential", "complete"]
    assert [gaps[n] for n in order] == sorted(gaps[n] for n in order)
    assert [rounds[n] for n in order] == sorted((rounds[n] for n in order), reverse=True)
    assert gaps["complete"] == pytest.approx(1.0)


def test_coordinator_demo_shows_the_hub_queue(tmp_path):
    out = run("coordinator", tmp_path, dpi=30, agents=5, dim=20_000, frames=2)
    assert out.facts["hub_max_queue"] == 4  # five models leave the hub at once
    assert out.facts["round_time_s"]["star"] > out.facts["round_time_s"]["ring"]
    assert out.facts["hub_busy_fraction"] > out.facts["ring_busiest_fraction"]


def test_consensus_demo_compression_saves_bits(tmp_path):
    out = run("consensus", tmp_path, dpi=30, **TINY["consensus"])
    bits = dict(out.facts["bits"])
    exact, choco = bits.pop("exact gossip"), bits.popitem()[1]
    assert choco < exact  # CHOCO's quantised messages: fewer bits in all


def test_a_recording_holds_what_the_engine_computed():
    config = RunConfig(topology="ring", agents=6, dim=4, rounds=30, links="lan", target=None)
    rec = Recording.of(config)
    trace = rec.trace
    assert np.allclose(rec.values_at(0.0), rec.values[0])
    assert np.allclose(rec.values_at(rec.end), trace.final_values[:, 0])
    assert rec.values[0].mean() == pytest.approx(rec.values[-1].mean())  # the average is kept
    # every recorded message is a payload the trace counted, and each is on its edge in flight
    messages = trace.messages
    assert sum(m.nbits for m in messages) == trace.final.cumulative_bits
    m = messages[7]
    xy, _ = rec.in_flight((m.t_start + m.t_arrived) / 2)
    halfway = (np.array(rec.pos[m.src]) + np.array(rec.pos[m.dst])) / 2
    assert np.min(np.linalg.norm(xy - halfway, axis=1)) < 1e-9
    periods, rounds = rec.sent_by(0, rec.end)
    assert len(periods) == 2 * 30 and rounds[:2] == [0, 0]


def test_demo_command_lists_and_runs(tmp_path, capsys):
    assert main(["demo", "list"]) == 0
    assert capsys.readouterr().out.count("(") >= len(DEMOS)
    code = main(
        [
            "demo",
            "spectral-gap:dim=3",
            "--agents",
            "9",
            "--frames",
            "2",
            "--dpi",
            "30",
            "--out",
            str(tmp_path),
        ]
    )
    assert code == 0
    printed = capsys.readouterr().out
    assert "  spectral gap   " in printed and "spectral-gap.gif" in printed
    assert (tmp_path / "spectral-gap.html").is_file()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["demo", "constensus"], r"unknown demo 'constensus'.*did you mean 'consensus'"),
        (["demo", "bits", "--topology", "ring"], r"demo 'bits' has no parameter 'topology'"),
        (["demo", "consensus", "--frames", "1"], rf"frames = 1 is not valid; .* 2 to {MAX_FRAMES}"),
        (["demo", "spectral-gap", "--agents", "10"], r"torus needs K = rows x cols"),
        (["demo", "loss:losses=0/1.5"], r"loss = 1.5 is not a probability; give a number in"),
        (["demo", "loss:losses=0/x"], r"losses = '0/x' is not valid; give probabilities as"),
    ],
)
def test_bad_demo_input_is_one_line(tmp_path, capsys, argv, message):
    assert main([*argv, "--out", str(tmp_path / "x")]) == 2
    err = capsys.readouterr().err
    assert re.search(message, err) and err.count("\n") == 1


def test_frame_count_is_capped():
    with pytest.raises(ConfigError, match="give an integer from 2 to"):
        run("consensus", ".", frames=MAX_FRAMES + 1)


def test_loss_demo_marks_exactly_the_messages_the_network_lost():
    from gossip_sim.demo.loss import lost_messages

    config = RunConfig(topology="ring", agents=8, dim=3, rounds=40, links="lan", target=None)
    lossless = Recording.of(config)
    assert all(links == [] for links in lost_messages(lossless))
    rec = Recording.of(RunConfig(**{**config.to_dict(), "loss": 0.2}))
    lost = lost_messages(rec)
    assert [len(links) for links in lost] == [f.messages_lost for f in rec.trace.faults]
    assert 0.1 * 16 * 40 < sum(map(len, lost)) < 0.3 * 16 * 40  # about p of 2K a round
    edges = {frozenset(e) for e in rec.graph.edges()}
    assert all(frozenset(link) in edges for links in lost for link in links)


def test_loss_demo_facts_grow_with_the_loss(tmp_path):
    out = run("loss", tmp_path, dpi=30, agents=8, dim=3, rounds=30, frames=2)
    lost, error = out.facts["messages_lost"], out.facts["final_consensus_error"]
    assert list(lost) == ["p = 0", "p = 0.1", "p = 0.3"]
    assert lost["p = 0"] == 0 < lost["p = 0.1"] < lost["p = 0.3"]
    assert error["p = 0"] < 1e-3 < min(error["p = 0.1"], error["p = 0.3"])  # the copies drift
    bits = set(out.facts["bits"].values())
    assert len(bits) == 1  # without ARQ a lost message costs its bits all the same


def test_loss_demo_refuses_a_loss_that_is_not_a_probability():
    with pytest.raises(ConfigError, match=r"loss = 1.5 is not a probability; give a number"):
        run("loss", ".", losses=(0, 1.5))
    with pytest.raises(ConfigError, match=r"give distinct probabilities"):
        run("loss", ".", losses=(0.1, 0.1))


def test_loss_demo_takes_its_losses_from_the_command_line(tmp_path, capsys):
    argv = ["demo", "loss:losses=0/0.2,rounds=8,dim=2", "--agents", "5", "--frames", "2"]
    assert main([*argv, "--dpi", "30", "--out", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    assert re.search(r"messages lost\s+p = 0: 0, p = 0.2: [1-9]", printed)
    assert (tmp_path / "loss.gif").is_file() and (tmp_path / "loss.html").is_file()
