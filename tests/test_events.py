"""The event-driven engine: the same numbers as the fast path where nothing can go wrong, and
what each agent knows decided by the messages that reached it where something can."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest

import gossip_sim as gs
from gossip_sim import engine
from gossip_sim.cli import main
from gossip_sim.config import RunConfig
from gossip_sim.errors import ConfigError
from gossip_sim.events import rounds
from gossip_sim.faults.plan import FaultPlan

CASES = [
    ("exact-gossip", "consensus", None),
    ("choco-gossip", "consensus", "qsgd:s=16,scaled=true"),
    ("choco-gossip", "consensus", "topk:k=0.1"),
    ("choco-gossip", "consensus", "randk:k=0.2"),
    ("choco-gossip", "consensus", "sign"),
    ("dgd", "quadratic", None),
    ("choco-sgd", "quadratic", "qsgd:s=16,scaled=true"),
    ("choco-sgd", "least-squares", "topk:k=0.2"),
]


def _pair(algorithm, problem, compressor, topology, k=9, dim=20, links="lan"):
    graph = gs.topology.build(topology, k, links=links)
    W = gs.mixing.mixing_matrix("metropolis-hastings", graph)

    def make():
        p = gs.problems.create(problem, n_agents=k, dim=dim, seed=3)
        extra = {"compressor": compressor, "seed": 5} if compressor else {}
        return gs.algorithms.create(algorithm, graph, W, p, **extra)

    return graph, W, make


@pytest.mark.parametrize("topology", ["ring", "torus", "exponential"])
@pytest.mark.parametrize(("algorithm", "problem", "compressor"), CASES)
def test_a_fault_free_run_gives_the_fast_paths_numbers(algorithm, problem, compressor, topology):
    graph, W, make = _pair(algorithm, problem, compressor, topology)
    fast = engine.run(make(), graph, rounds=25)
    events = rounds.run(make(), graph, W, FaultPlan(), rounds=25)
    assert len(fast.rounds) == len(events.rounds) == 26
    assert np.max(np.abs(fast.final_values - events.final_values)) < 1e-12
    np.testing.assert_allclose(events.column("error"), fast.column("error"), rtol=1e-9, atol=1e-12)
    assert np.array_equal(fast.column("bits"), events.column("bits"))
    assert np.array_equal(fast.column("time_s"), events.column("time_s"))
    assert np.array_equal(fast.agent_bits_sent, events.agent_bits_sent)
    assert np.array_equal(fast.agent_finish, events.agent_finish)
    # the fast path's fault facts say the same (DGD's mean moves: it is not 0 there)
    shifts = [t.summary().faults.live_mean_shift for t in (fast, events)]
    assert shifts[0] == pytest.approx(shifts[1], rel=1e-9, abs=1e-12)


def test_the_agents_keep_the_average_of_a_fault_free_choco_run():
    graph, W, make = _pair("choco-gossip", "consensus", "qsgd:s=16,scaled=true", "ring")
    trace = rounds.run(make(), graph, W, FaultPlan(), rounds=40)
    assert all(f.live_mean_shift < 1e-12 for f in trace.faults)
    assert all(f.messages_lost == 0 and f.stale_uses == 0 for f in trace.faults)


def test_the_target_stops_the_event_run_where_it_stops_the_fast_run():
    graph, W, make = _pair("choco-gossip", "consensus", "qsgd:s=16,scaled=true", "ring")
    fast = engine.run(make(), graph, rounds=500, target=1e-6)
    events = rounds.run(make(), graph, W, FaultPlan(), rounds=500, target=1e-6)
    assert fast.final.round == events.final.round < 500
    assert events.summary().reached


def test_auto_picks_the_fast_path_without_faults_and_events_with_them():
    quiet = gs.simulation.build(RunConfig(rounds=3))
    assert not quiet.events
    lossy = gs.simulation.build(RunConfig(rounds=3, loss=0.1))
    assert lossy.events and lossy.plan.loss.p == 0.1


def test_the_digest_of_a_run_without_faults_is_unchanged():
    # the folder of README command 1 before the fault settings existed
    assert RunConfig(topology="ring", agents=5).slug() == "ring-5-choco-gossip-seed0-b8d6fe"
    assert RunConfig(loss=0.1).digest() != RunConfig().digest()


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"loss": 1.5}, r"loss = 1.5 is not a probability; give a number in \[0, 1\]"),
        ({"loss": -0.1}, r"loss = -0.1 is not a probability"),
        ({"loss": "gilbert-elliott:p=2"}, r"gilbert-elliott p = 2 is not a probability"),
        ({"crash_fraction": 1.0}, r"crash fraction = 1.0 is not valid; give a share in \[0, 1\)"),
        ({"deadline": -1.0}, r"deadline = -1.0 s is not valid; give seconds > 0"),
        ({"crash_round": 3}, r"--crash-round and --recover-after need --crash-fraction"),
        ({"retransmit": "arq:retries=-1"}, r"arq: retries=-1 is not valid"),
        ({"stragglers": "lognormal:sigma=0"}, r"lognormal sigma = 0 is not valid"),
        ({"link_failures": "random:mttr=0"}, r"link failures mttr = 0 is not valid"),
        ({"churn": "random:leave=3"}, r"churn leave = 3 is not a probability"),
        ({"loss": 0.1, "engine": "fast"}, r"--engine fast computes every round as if"),
        (
            {"loss": 0.1, "algorithm": "song-decentralized", "problem": "least-squares"},
            r"song-decentralized runs only where nothing can go wrong .* apply to .*choco-gossip",
        ),
    ],
)
def test_bad_fault_settings_are_refused_in_one_line(settings, message):
    with pytest.raises(ConfigError, match=message):
        gs.simulation.build(RunConfig.from_dict({"rounds": 10, **settings}))


def test_the_cli_refuses_a_bad_fault_with_exit_2_and_writes_nothing(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["--loss", "1.5", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "loss = 1.5 is not a probability" in err
    assert not out.exists()


def test_an_event_run_writes_the_fault_columns_and_the_fast_run_does_not(tmp_path):
    argv = ["-k", "6", "--rounds", "5", "--target", "0", "-q", "--no-plot"]
    assert main([*argv, "--engine", "events", "--out", str(tmp_path / "e")]) == 0
    assert main([*argv, "--out", str(tmp_path / "f")]) == 0
    with (tmp_path / "e" / "rounds.csv").open() as handle:
        header = next(csv.reader(handle))
    assert header[-9:] == [
        "error",
        "messages_lost",
        "retransmissions",
        "acks",
        "stale_uses",
        "max_staleness",
        "agents_alive",
        "live_consensus_error",
        "live_mean_shift",
    ]
    with (tmp_path / "f" / "rounds.csv").open() as handle:
        assert next(csv.reader(handle))[-1] == "error"
    events = json.loads((tmp_path / "e" / "summary.json").read_text())
    fast = json.loads((tmp_path / "f" / "summary.json").read_text())
    assert events["messages_lost"] == fast["messages_lost"] == 0
    assert events["agents_alive"] == fast["agents_alive"] == 6
    assert events["total_bits"] == fast["total_bits"]


def _slow_link_ring(k=8, slow=0.05):
    graph = gs.topology.build("ring", k, links="lan")
    graph.edges[0, 1]["latency"] = slow  # one slow link in a fast ring
    return graph, gs.mixing.mixing_matrix("metropolis-hastings", graph)


def _choco(graph, W, k=8):
    p = gs.problems.create("consensus", n_agents=k, dim=10, seed=1)
    return gs.algorithms.create("choco-gossip", graph, W, p, compressor="topk:k=0.5")


def test_without_a_deadline_the_slow_link_holds_every_round():
    graph, W = _slow_link_ring()
    trace = rounds.run(_choco(graph, W), graph, W, FaultPlan(), rounds=20)
    times = trace.column("time_s")
    assert np.all(np.diff(times) >= 0.05)  # every round waits for the slow link
    assert sum(f.stale_uses for f in trace.faults) == 0


def test_a_deadline_lets_agents_go_on_with_stale_copies():
    graph, W = _slow_link_ring()
    plan = FaultPlan.create(deadline=0.001)
    trace = rounds.run(_choco(graph, W), graph, W, plan, rounds=200)
    faults = trace.faults[1:]
    # agents 0 and 1 miss each other's message every round (others sometimes miss theirs)
    assert all(f.stale_uses >= 2 for f in faults)
    # the slow link's messages arrive 50 rounds late: the oldest value used is 50 rounds old
    assert max(f.max_staleness for f in faults) == 50
    # a round costs about the deadline, not the slow link's latency
    assert trace.final.time_s == pytest.approx(200 * 0.001, rel=0.05)
    # late increments are applied when they arrive: the copies catch up and the agents agree,
    # but mixing stale copies moved the average they agree on
    assert trace.final.consensus_error < 1e-3 * trace.rounds[0].consensus_error
    assert trace.faults[-1].live_mean_shift > 0.1


def test_a_deadline_longer_than_every_delay_changes_nothing():
    graph, W = _slow_link_ring()
    plain = rounds.run(_choco(graph, W), graph, W, FaultPlan(), rounds=15)
    patient = rounds.run(_choco(graph, W), graph, W, FaultPlan.create(deadline=1.0), rounds=15)
    assert np.array_equal(plain.final_values, patient.final_values)
    assert np.array_equal(plain.column("time_s"), patient.column("time_s"))


def _ring_choco(k=8, dim=10, seed=1):
    graph = gs.topology.build("ring", k, links="datacenter")
    W = gs.mixing.mixing_matrix("metropolis-hastings", graph)
    problem = gs.problems.create("consensus", n_agents=k, dim=dim, seed=seed)
    alg = gs.algorithms.create("choco-gossip", graph, W, problem, compressor="topk:k=0.5")
    return graph, W, alg, problem


def test_a_link_back_up_resynchronises_the_copies_and_choco_reaches_the_average(tmp_path):
    schedule = tmp_path / "links.csv"
    schedule.write_text("time_s,src,dst,state\n0.00001,0,1,down\n0.0001,0,1,up\n")
    graph, W, alg, _ = _ring_choco()
    plan = FaultPlan.create(link_failures=f"schedule:path={schedule}")
    trace = rounds.run(alg, graph, W, plan, rounds=400, record_messages=True)
    # after the link is back, agents 0 and 1 send each other their full x-hat once: 64 bits
    # per entry, counted, and the average is kept: CHOCO reaches it
    full = [m for m in trace.messages if m.nbits == 64 * 10]
    assert sorted((m.src, m.dst) for m in full) == [(0, 1), (1, 0)]
    assert trace.final.error < 1e-20
    # while the link was down, the round's W had no 0-1 entry and no message crossed it
    down = {m.round for m in trace.messages if {m.src, m.dst} == {0, 1}}
    assert len(down) < 400


@pytest.mark.parametrize("seed", range(4))
def test_churn_on_a_ring_never_stalls_and_the_agents_reach_the_average(seed):
    graph, W, alg, _ = _ring_choco()
    plan = FaultPlan.create(churn="random:leave=0.05,join=0.2")
    trace = rounds.run(alg, graph, W, plan, rounds=600, seed=seed)
    assert trace.final.round == 600
    assert min(f.agents_alive for f in trace.faults) < 8  # agents did leave
    assert trace.faults[-1].live_consensus_error < 1e-12


def test_crash_recover_keeps_the_average_of_all_agents():
    graph = gs.topology.build("torus", 16, links="datacenter")
    W = gs.mixing.mixing_matrix("metropolis-hastings", graph)
    problem = gs.problems.create("consensus", n_agents=16, dim=10, seed=1)
    alg = gs.algorithms.create("choco-gossip", graph, W, problem)
    plan = FaultPlan.create(crash_fraction=0.25, crash_round=5, recover_after=20)
    trace = rounds.run(alg, graph, W, plan, rounds=400)
    assert [f.agents_alive for f in trace.faults][5:7] == [16, 12]
    assert trace.faults[-1].agents_alive == 16
    assert trace.final.error < 1e-20  # the average of all sixteen starting values


def test_a_crash_round_past_the_run_is_refused_and_an_unplayed_crash_is_warned(tmp_path, capsys):
    with pytest.raises(ConfigError, match="crash round = 50 is not valid: the run stops after"):
        gs.simulation.build(RunConfig(crash_fraction=0.2, crash_round=50, rounds=20))
    argv = ["--topology", "torus", "-k", "16", "--crash-fraction", "0.25", "--rounds", "200"]
    assert main([*argv, "--out", str(tmp_path / "o"), "-q", "--no-plot"]) == 0
    err = capsys.readouterr().err
    assert "before the crash round 100: no agent crashed" in err


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"algorithm": "pairwise-gossip", "mixing": "uniform"}, "does not mix with a W"),
        (
            {"topology": "random-matching", "algorithm": "exact-gossip", "mixing": "lazy"},
            "gives its own W for every round; drop --mixing",
        ),
    ],
)
def test_a_mixing_rule_a_run_would_not_use_is_refused(settings, message):
    with pytest.raises(ConfigError, match=message):
        gs.simulation.build(RunConfig.from_dict({"rounds": 5, **settings}))
