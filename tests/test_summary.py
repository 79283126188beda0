"""A run's typed summary: how it ended, the facts it carries, and the files written from it."""

import json
import pickle

import pytest

import gossip_sim as gs
from gossip_sim.cli.run import format_summary
from gossip_sim.errors import DivergenceError
from gossip_sim.summary import AlgorithmFacts, BoundFacts, Ending, Status, Summary
from gossip_sim.sweep import RunResult, expand, run_all

#: One small run of every kind of algorithm (their descriptions differ the most).
RUNS = {
    "choco-gossip": {"topology": "ring", "agents": 5, "dim": 10},
    "exact-gossip": {"algorithm": "exact-gossip", "topology": "ring", "agents": 4, "dim": 4},
    "choco-sgd": {"algorithm": "choco-sgd", "problem": "quadratic", "dim": 6, "rounds": 20},
    "song-server": {
        "algorithm": "song-server",
        "topology": "star",
        "agents": 5,
        "problem": "least-squares",
        "dim": 12,
        "rounds": 15,
    },
    "song-decentralized": {
        "algorithm": "song-decentralized",
        "problem": "least-squares",
        "dim": 12,
        "rounds": 10,
    },
    "korhonen-alistarh": {
        "algorithm": "korhonen-alistarh",
        "topology": "star",
        "agents": 5,
        "problem": "quadratic",
        "dim": 8,
        "target": 1e-3,
        "rounds": 50,
    },
}


def diverged_trace():
    config = gs.RunConfig(algorithm="dgd:step=10", problem="quadratic", dim=10, agents=4)
    with pytest.raises(DivergenceError) as caught:
        gs.execute(config)
    return caught.value.trace


def test_status_words_are_the_files_words():
    assert [s.value for s in Status] == ["target reached", "rounds exhausted", "diverged"]
    assert str(Ending(Status.TARGET_REACHED)) == "target reached"


def test_ending_reads_back_what_it_writes_and_refuses_other_text():
    ending = Ending(Status.DIVERGED, "round 3 produced NaN or inf: see above")
    assert Ending.parse(str(ending)) == ending
    assert Ending.parse("rounds exhausted") == Ending(Status.ROUNDS_EXHAUSTED)
    with pytest.raises(ValueError, match=r"status 'stalled' is not one of 'target reached', "):
        Ending.parse("stalled")


def test_a_diverged_run_keeps_the_status_and_the_reason_apart():
    trace = diverged_trace()
    assert trace.ending.status is Status.DIVERGED
    assert trace.ending.reason.startswith("error ") and "x the initial error" in trace.ending.reason
    assert trace.status == f"diverged: {trace.ending.reason}"  # the words, as before
    summary = trace.summary()
    assert summary.to_dict()["status"] == trace.status and not summary.reached
    assert summary.network.agents == 4 and summary.bound is not None  # facts kept on divergence


@pytest.mark.parametrize("name", RUNS)
def test_every_algorithms_summary_survives_json_and_pickle(name, tmp_path):
    trace = gs.execute(gs.RunConfig.from_dict(RUNS[name]))
    summary = trace.summary()
    assert summary.algorithm.name == name.split(":")[0]
    assert summary.algorithm.compressor
    assert Summary.from_dict(json.loads(json.dumps(summary.to_dict()))) == summary
    assert pickle.loads(pickle.dumps(summary)) == summary
    trace.write(tmp_path)
    written = json.loads((tmp_path / "summary.json").read_text())
    assert list(written) == list(summary.to_dict())  # summary.json is to_dict, key for key
    assert Summary.from_dict(written) == summary


def test_common_parameters_are_fields_and_the_rest_extra():
    choco = gs.execute(gs.RunConfig.from_dict(RUNS["choco-sgd"])).summary().algorithm
    assert isinstance(choco.gamma, float) and isinstance(choco.omega, float)
    assert isinstance(choco.step, float) and choco.gamma_rule is None
    assert set(choco.extra) == {"batch"}
    song = gs.execute(gs.RunConfig.from_dict(RUNS["song-server"])).summary().algorithm
    assert song.gamma is None and {"h", "r0", "decay", "saturated"} <= set(song.extra)
    assert list(song.to_dict())[:3] == ["algorithm", "compressor", "step"]


def test_algorithm_facts_leave_out_what_an_algorithm_does_not_describe():
    facts = AlgorithmFacts.of({"algorithm": "toy", "compressor": "identity", "mine": 1})
    assert facts.to_dict() == {"algorithm": "toy", "compressor": "identity", "mine": 1}
    assert hash(facts) == hash(AlgorithmFacts.of(facts.to_dict()))


def test_no_bound_writes_its_two_keys_only():
    facts = BoundFacts(None, "the run ended at error 0")
    assert BoundFacts.from_dict(facts.to_dict()) == facts
    assert list(facts.to_dict()) == ["lower_bound_name", "lower_bound_note"]


def test_format_summary_needs_the_facts_execute_adds():
    trace = gs.engine.run(
        gs.algorithms.create(
            "exact-gossip",
            graph := gs.topology.build("ring", 4),
            gs.mixing.mixing_matrix("uniform", graph),
            gs.problems.create("consensus", n_agents=4, dim=3),
        ),
        graph,
        rounds=2,
    )
    assert trace.summary().network is None and trace.summary().algorithm.name == "exact-gossip"
    with pytest.raises(ValueError, match=r"needs a summary from gossip_sim\.execute"):
        format_summary(trace.summary(), gs.RunConfig(), "out")


def test_a_sweep_keeps_the_typed_summary_and_writes_the_status_words(tmp_path):
    runs = expand({"problem": "quadratic", "dim": 10, "agents": 4, "rounds": 30},
                  {"algorithm": ["dgd", "dgd:step=10"]})
    results = [RunResult.of(o) for o in run_all(runs, workers=1)]
    assert [r.summary.status for r in results] == [Status.ROUNDS_EXHAUSTED, Status.DIVERGED]
    assert [r.status for r in results] == ["rounds exhausted", "diverged"]
    again = RunResult.from_json(json.loads(json.dumps(results[1].to_json())))
    assert again.summary == results[1].summary and again.summary.ending.reason
    assert again.get("status") == "diverged" and again.get("agents") == 4
