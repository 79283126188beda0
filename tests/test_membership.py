"""Membership: crashes, churn, link failures, stragglers and the W each round uses."""

import math

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp
import simpy

import gossip_sim.events.livemixing as livemixing
from gossip_sim.errors import ConfigError
from gossip_sim.events.livemixing import live_mixing
from gossip_sim.events.membership import Membership, RoundView
from gossip_sim.faults.failures import (
    ComputeTimes,
    LinkSchedule,
    LogNormal,
    Pareto,
    read_link_schedule,
)
from gossip_sim.faults.plan import FaultPlan
from gossip_sim.mixing import metropolis_hastings

TORUS = nx.convert_node_labels_to_integers(nx.grid_2d_graph(5, 6, periodic=True))


def members(plan, graph=TORUS, seed=0, env=None, base=None):
    W = metropolis_hastings(graph)
    return Membership(env or simpy.Environment(), graph, W, plan, seed=seed, base=base), W


def views(m, rounds):
    return [m.open_round(t) for t in range(rounds)]


def assert_live_doubly_stochastic(view):
    W = view.W.toarray()
    alive = view.alive
    live = W[np.ix_(alive, alive)]
    np.testing.assert_allclose(live, live.T, atol=0)
    np.testing.assert_allclose(live.sum(axis=0), 1, atol=1e-12)
    np.testing.assert_allclose(live.sum(axis=1), 1, atol=1e-12)
    assert np.all(W >= 0)
    dead = np.flatnonzero(~alive)
    np.testing.assert_array_equal(W[dead], np.eye(len(W))[dead])  # identity rows
    np.testing.assert_array_equal(W[np.ix_(alive, ~alive)], 0)  # nobody mixes a dead value


# --- crashes -------------------------------------------------------------------------------


def test_crash_set_is_deterministic_sorted_and_of_the_planned_size():
    plan = FaultPlan.create(crash_fraction=0.2, crash_round=3, rounds=10)
    a, _ = members(plan, seed=11)
    b, _ = members(plan, seed=11)
    c, _ = members(plan, seed=12)
    assert len(a.crashing) == plan.crash_count(30) == 6
    np.testing.assert_array_equal(a.crashing, b.crashing)
    assert np.all(np.diff(a.crashing) > 0)
    assert not np.array_equal(a.crashing, c.crashing)


def test_views_before_the_crash_round_are_the_base_W_itself():
    plan = FaultPlan.create(crash_fraction=0.2, crash_round=3, rounds=10)
    m, W = members(plan)
    before = views(m, 3)
    assert all(v.W is W and not v.changed and v.alive.all() for v in before)
    assert [v.t for v in before] == [0, 1, 2]
    assert m.live_count == 30 and m.events == []


def test_after_the_crash_the_live_part_is_symmetric_doubly_stochastic_and_keeps_the_average():
    plan = FaultPlan.create(crash_fraction=0.2, crash_round=3, rounds=10)
    m, W = members(plan)
    view = views(m, 4)[-1]
    assert view.changed and view.W is not W
    np.testing.assert_array_equal(np.flatnonzero(~view.alive), m.crashing)
    assert m.live_count == 24 and not any(m.alive(int(i)) for i in m.crashing)
    assert_live_doubly_stochastic(view)
    x = np.random.default_rng(0).normal(size=(30, 4))
    y = view.W @ x
    np.testing.assert_allclose(y[view.alive].mean(axis=0), x[view.alive].mean(axis=0), atol=1e-14)
    np.testing.assert_array_equal(y[~view.alive], x[~view.alive])
    crashes = [(r, what) for _, r, what, _ in m.events]
    assert crashes == [(3, "crash")] * 6
    assert m.events[0][3] == f"agent {m.crashing[0]}"


def test_senders_and_receivers_leave_out_the_dead():
    plan = FaultPlan.create(crash_fraction=0.2, crash_round=0, rounds=10)
    m, _ = members(plan)
    view = m.open_round(0)
    for i in range(30):
        expected = sorted(j for j in TORUS[i] if view.alive[j]) if view.alive[i] else []
        assert sorted(view.senders(i).tolist()) == expected
        assert sorted(view.receivers(i).tolist()) == expected
    assert view.senders(0).dtype == np.int64


def test_a_view_is_shared_while_nothing_changes(monkeypatch):
    calls = []
    real = livemixing.LiveMixing.cut
    monkeypatch.setattr(livemixing.LiveMixing, "cut", lambda *a: calls.append(1) or real(*a))
    plan = FaultPlan.create(crash_fraction=0.2, crash_round=3, rounds=60)
    m, _ = members(plan)
    later = views(m, 60)[3:]
    assert len(calls) == 1  # the crash round (round 0 has nothing to cut)
    assert all(v.W is later[0].W and v.alive is later[0].alive for v in later)
    assert [v.t for v in later] == list(range(3, 60))


def test_crashed_agents_recover_after_r_rounds_and_back_succeeds_then():
    env = simpy.Environment()
    plan = FaultPlan.create(crash_fraction=0.25, crash_round=2, recover_after=3, rounds=10)
    m, W = members(plan, env=env)
    opened, woke = [], {}

    def rounds():
        for t in range(8):
            opened.append(m.open_round(t))
            yield env.timeout(1.0)

    def waiting(i):
        yield env.timeout(2.5)  # after round 2 opened: i is down
        assert not m.alive(i)
        yield m.back(i)
        woke[i] = (env.now, opened[-1].t)

    env.process(rounds())
    for i in m.crashing.tolist():
        env.process(waiting(i))
    env.run()
    assert woke == {i: (5.0, 5) for i in m.crashing.tolist()}
    assert [int(v.alive.sum()) for v in opened] == [30, 30, 22, 22, 22, 30, 30, 30]
    assert opened[5].W is W and not opened[5].changed  # everyone back: the base W again
    assert [what for _, r, what, _ in m.events if r == 5] == ["recover"] * 8
    assert m.back(0).triggered  # an agent that is alive: at once


def test_crash_stop_agents_never_come_back():
    env = simpy.Environment()
    plan = FaultPlan.create(crash_fraction=0.25, crash_round=1, rounds=10)
    m, _ = members(plan, env=env)
    views(m, 2)
    events = [m.back(int(i)) for i in m.crashing]
    env.run(until=100)
    views_after = [m.open_round(t) for t in range(2, 20)]
    assert not any(e.triggered for e in events)
    assert all(int(v.alive.sum()) == 22 for v in views_after)


def test_a_crash_with_one_agent_is_refused():
    plan = FaultPlan.create(crash_fraction=0.5, rounds=10)
    with pytest.raises(ConfigError, match=r"crash fraction = 0.5 with 1 agent: no agent could"):
        members(plan, graph=nx.empty_graph(1))


def test_rounds_open_in_order():
    m, _ = members(FaultPlan())
    m.open_round(0)
    with pytest.raises(ValueError, match="round 2 opened after round 0"):
        m.open_round(2)


# --- churn ---------------------------------------------------------------------------------


def test_churn_leave_and_join_rates_match_the_probabilities():
    graph = nx.random_regular_graph(4, 200, seed=1)
    plan = FaultPlan.create(churn="random:leave=0.05,join=0.2", rounds=300)
    m, _ = members(plan, graph=graph)
    live_before, absent_before, leaves, joins = 0, 0, 0, 0
    previous = m.open_round(0)
    for t in range(1, 300):
        view = m.open_round(t)
        live_before += int(previous.alive.sum())
        absent_before += int((~previous.alive).sum())
        leaves += int((previous.alive & ~view.alive).sum())
        joins += int((~previous.alive & view.alive).sum())
        if t % 50 == 0:
            assert_live_doubly_stochastic(view)
        previous = view
    assert 0.045 < leaves / live_before < 0.055
    assert 0.18 < joins / absent_before < 0.22
    # stationary share alive: join / (leave + join) = 0.8
    assert 0.75 < live_before / (live_before + absent_before) < 0.85
    assert {what for _, _, what, _ in m.events} == {"leave", "join"}


def test_churn_never_lets_the_last_agent_leave():
    plan = FaultPlan.create(churn="random:leave=1,join=0", rounds=20)
    m, _ = members(plan, graph=nx.cycle_graph(5))
    alive = [v.alive for v in views(m, 20)]
    assert alive[0].all()
    assert all(a.sum() == 1 and a[0] for a in alive[1:])  # agent 0, the first to go, stays
    assert m.live_count == 1


def test_churn_is_deterministic_and_agents_that_join_get_back():
    plan = FaultPlan.create(churn="random:leave=0.2,join=0.5", rounds=20)
    env = simpy.Environment()
    m, _ = members(plan, env=env)
    other, _ = members(plan)
    views(m, 2)
    gone = [i for i in range(30) if not m.alive(i)]
    waits = {i: m.back(i) for i in gone}
    more = [m.open_round(t) for t in range(2, 12)]
    env.run()
    for i, event in waits.items():
        assert event.triggered == any(v.alive[i] for v in more)
    assert [v.alive.tolist() for v in views(other, 12)[2:]] == [v.alive.tolist() for v in more]


def test_a_crash_round_with_churn_keeps_one_agent():
    plan = FaultPlan.create(
        crash_fraction=0.5, crash_round=3, churn="random:leave=0.9,join=0", rounds=10
    )
    m, _ = members(plan, graph=nx.cycle_graph(4))
    assert all(v.alive.sum() >= 1 for v in views(m, 10))


# --- links ---------------------------------------------------------------------------------


def test_random_link_failures_are_down_mttr_over_mtbf_plus_mttr_of_the_time():
    env = simpy.Environment()
    graph = nx.cycle_graph(20)
    plan = FaultPlan.create(link_failures="random:mtbf=1,mttr=0.25", rounds=10)
    m, _ = members(plan, graph=graph, env=env, seed=5)
    down = []

    def sample():
        while env.now < 400:
            down.append([not m.link_up(u, v) for u, v in graph.edges])
            yield env.timeout(0.05)

    env.process(sample())
    env.run()
    share = np.mean(down)
    assert 0.18 < share < 0.22  # 0.25 / 1.25 = 0.2
    assert m.link_up(0, 5)  # not a link: never fails
    times = [time for time, _, _, _ in m.events]
    assert times == sorted(times) and len(times) > 1000


def test_random_link_failures_do_not_depend_on_who_asks_when():
    plan = FaultPlan.create(link_failures="random:mtbf=1,mttr=0.5", rounds=10)
    asked = []
    for step in (0.1, 0.7):
        env = simpy.Environment()
        m, _ = members(plan, graph=nx.cycle_graph(6), env=env, seed=2)

        def poll(m=m, env=env, step=step):
            while env.now < 30:
                m.link_up(0, 1)
                yield env.timeout(step)

        env.process(poll())
        env.run()
        m.link_up(2, 3)
        asked.append([(t, who, what) for t, _, what, who in m.events if t <= 29])
    assert asked[0] == asked[1]


def test_a_down_link_leaves_W_symmetric_doubly_stochastic_in_both_directions(tmp_path):
    path = tmp_path / "links.csv"
    path.write_text("time_s,src,dst,state\n0.5,1,0,down\n1.5,0,1,up\n1.5,2,3,down\n")
    env = simpy.Environment()
    plan = FaultPlan.create(link_failures=f"schedule:path={path}", rounds=10)
    graph = nx.cycle_graph(6)
    m, W = members(plan, graph=graph, env=env)
    m.start()
    opened, up = [], []

    def rounds():
        for t in range(4):
            opened.append(m.open_round(t))
            up.append((m.link_up(0, 1), m.link_up(1, 0), m.link_up(3, 2)))
            yield env.timeout(0.5)

    env.process(rounds())
    env.run()
    assert up == [
        (True, True, True),
        (False, False, True),
        (False, False, True),
        (True, True, False),
    ]
    assert opened[0].W is W and not opened[0].changed
    for view, gone in zip(opened[1:], [(0, 1), (0, 1), (2, 3)], strict=True):
        assert view.changed and view.alive.all()
        dense = view.W.toarray()
        assert dense[gone] == dense[gone[::-1]] == 0
        assert 1 not in view.senders(0) if gone == (0, 1) else 3 not in view.receivers(2)
        assert_live_doubly_stochastic(view)
    assert opened[2].W is opened[1].W
    assert [(t, what, who) for t, _, what, who in m.events] == [
        (0.5, "link down", "link 0-1"),
        (1.5, "link up", "link 0-1"),
        (1.5, "link down", "link 2-3"),
    ]


def test_the_base_W_of_each_round_is_used(monkeypatch):
    graph = nx.cycle_graph(6)
    first, second = metropolis_hastings(graph), sp.csr_array(sp.eye_array(6, format="csr"))
    plan = FaultPlan.create(crash_fraction=0.2, crash_round=2, rounds=10)
    m, _ = members(plan, graph=graph, base=lambda t: first if t % 2 else second)
    seen = views(m, 4)
    assert seen[0].W is second and seen[1].W is first and not seen[1].changed
    dead = ~seen[2].alive
    np.testing.assert_array_equal(seen[2].W.toarray(), np.eye(6))
    np.testing.assert_array_equal(seen[3].W.toarray()[dead], np.eye(6)[dead])


def dense_rule(W, alive, down):
    """The rule written out on a dense matrix, entry by entry."""
    W = W.toarray()
    out = W.copy()
    cut = {frozenset(pair) for pair in down}
    for i in range(len(W)):
        for j in range(len(W)):
            if i != j and (not alive[i] or not alive[j] or frozenset((i, j)) in cut):
                out[i, i] += out[i, j]
                out[i, j] = 0.0
        if not alive[i]:
            out[i] = np.eye(len(W))[i]
    return out


@pytest.mark.parametrize("seed", range(6))
def test_live_mixing_follows_the_rule_entry_by_entry(seed):
    rng = np.random.default_rng(seed)
    graph = nx.gnp_random_graph(15, 0.3, seed=seed)
    W = metropolis_hastings(graph)
    alive = rng.random(15) < 0.7
    edges = list(graph.edges)
    down = [edges[e] for e in rng.choice(len(edges), size=len(edges) // 4, replace=False)]
    out = live_mixing(W, alive, down)
    np.testing.assert_allclose(out.toarray(), dense_rule(W, alive, down), atol=1e-15)
    assert out.has_canonical_format
    assert np.all(out.data[out.indices != np.repeat(np.arange(15), np.diff(out.indptr))] > 0)
    assert live_mixing(W, np.ones(15, dtype=bool)) is W


def test_live_mixing_of_a_W_without_stored_diagonals():
    W = sp.csr_array(np.array([[0, 0.5, 0.5], [0.5, 0, 0.5], [0.5, 0.5, 0]]))
    assert W.diagonal().tolist() == [0, 0, 0] and W.nnz == 6
    out = live_mixing(W, np.array([True, True, False]), [(0, 1)])
    np.testing.assert_array_equal(out.toarray(), dense_rule(W, [True, True, False], [(0, 1)]))
    np.testing.assert_array_equal(out.toarray(), np.eye(3))


def test_round_view_is_frozen():
    view = RoundView(0, np.ones(2, dtype=bool), sp.csr_array(np.eye(2)), False)
    with pytest.raises(AttributeError):
        view.t = 1


# --- the link schedule file ----------------------------------------------------------------

BAD_SCHEDULES = [
    ("0.5,0,1\n", r"links.csv, line 1: '0.5,0,1' has 3 fields; give time_s,src,dst,state"),
    ("soon,0,1,down\n", r"line 1: time_s = 'soon' is not valid; give seconds >= 0"),
    ("-1,0,1,down\n", r"line 1: time_s = '-1' is not valid; give seconds >= 0"),
    ("inf,0,1,down\n", r"line 1: time_s = 'inf' is not valid"),
    ("time_s,src,dst,state\n2,0,1,down\n1,0,1,up\n", r"line 3: time_s = 1.0 comes before 2.0"),
    ("1,0,1,dwn\n", r"line 1: state = 'dwn' is not valid; give down or up"),
    ("1,0,9,down\n", r"line 1: agent '9' is not in the graph; give an agent 0..5"),
    ("1,x,1,down\n", r"line 1: agent 'x' is not in the graph"),
    ("# a comment\n\n1,0,3,down\n", r"line 3: 0-3 is not a link of the graph; give two linked"),
]


@pytest.mark.parametrize(("text", "message"), BAD_SCHEDULES)
def test_bad_schedule_rows_are_refused_naming_the_file_and_line(tmp_path, text, message):
    path = tmp_path / "links.csv"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message) as caught:
        read_link_schedule(path, nx.cycle_graph(6))
    assert "\n" not in str(caught.value) and str(path) in str(caught.value)


def test_an_unreadable_schedule_is_refused(tmp_path):
    with pytest.raises(ConfigError, match=r"nope.csv: cannot read it \(No such file"):
        read_link_schedule(tmp_path / "nope.csv")
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(ConfigError, match=r"binary.csv: cannot read it \(not a UTF-8 text file\)"):
        read_link_schedule(binary)


def test_a_schedule_naming_a_missing_link_is_refused_when_membership_starts(tmp_path):
    path = tmp_path / "links.csv"
    path.write_text("1,0,2,down\n")
    plan = FaultPlan.create(link_failures=f"schedule:path={path}", rounds=10)
    with pytest.raises(ConfigError, match=r"line 1: 0-2 is not a link of the graph"):
        members(plan, graph=nx.cycle_graph(6))


def test_a_schedule_without_a_graph_checks_only_the_format(tmp_path):
    path = tmp_path / "links.csv"
    path.write_text("0,0,99,down\n0,99,0,up\n")
    changes = LinkSchedule(str(path)).read()
    assert [(c.src, c.dst, c.up) for c in changes] == [(0, 99, False), (99, 0, True)]


# --- stragglers ----------------------------------------------------------------------------


def test_lognormal_compute_times_have_the_given_median():
    times = ComputeTimes(LogNormal(median=0.002, sigma=1.0), seed=3)
    draws = np.array([times.draw(0, t) for t in range(20000)])
    assert 0.0019 < np.median(draws) < 0.0021
    assert 0.97 < np.std(np.log(draws)) < 1.03


def test_pareto_compute_times_have_the_given_tail():
    plan = FaultPlan.create(stragglers="pareto:alpha=1.5,scale=0.001", rounds=10)
    m, _ = members(plan)
    draws = np.array([m.compute_time(4, t) for t in range(40000)])
    assert draws.min() >= 0.001
    for s in (0.002, 0.004, 0.01):
        expected = (0.001 / s) ** 1.5
        assert abs(np.mean(draws > s) - expected) < 4 * math.sqrt(expected / 40000) + 1e-3


def test_straggler_draws_are_deterministic_and_independent_of_other_agents():
    plan = FaultPlan.create(stragglers="lognormal:median=0.001,sigma=1", rounds=10)
    alone, _ = members(plan, seed=9)
    busy, _ = members(plan, seed=9)
    mine = [alone.compute_time(0, t) for t in range(10)]
    theirs = []
    for t in range(10):
        theirs.append(busy.compute_time(2, t))
        busy.compute_time(1, t)
        assert busy.compute_time(0, t) == mine[t]
        assert busy.compute_time(0, t) == mine[t]  # asked twice: the same
    assert theirs != mine
    skipping, _ = members(plan, seed=9)
    assert [skipping.compute_time(0, t) for t in (0, 4, 9)] == [mine[0], mine[4], mine[9]]
    other_seed, _ = members(plan, seed=10)
    assert other_seed.compute_time(0, 0) != mine[0]


def test_without_stragglers_compute_time_is_zero():
    m, _ = members(FaultPlan())
    assert m.compute_time(0, 0) == 0.0 and m.compute_time(0, 7) == 0.0


def test_asking_for_an_earlier_round_is_a_bug():
    times = ComputeTimes(Pareto(1.5, 0.001), seed=0)
    times.draw(1, 5)
    with pytest.raises(ValueError, match="agent 1 asked for round 2 after round 5"):
        times.draw(1, 2)


def test_straggler_laws_store_floats():
    assert LogNormal(1, 1) == LogNormal(1.0, 1.0) and isinstance(LogNormal(1, 1).sigma, float)


# --- through the event engine --------------------------------------------------------------

@pytest.mark.parametrize(
    "faults",
    [
        {"crash_fraction": 0.25, "crash_round": 5},
        {
            "crash_fraction": 0.25,
            "crash_round": 5,
            "recover_after": 4,
            "churn": "random:leave=0.05",
        },
    ],
)
def test_the_engine_ends_a_run_with_agents_failing_mid_run(faults):
    import gossip_sim as gs
    from gossip_sim.events import rounds

    graph = gs.topology.build("torus", 16, links="lan")
    W = gs.mixing.mixing_matrix("metropolis-hastings", graph)
    problem = gs.problems.create("consensus", n_agents=16, dim=2)
    algorithm = gs.algorithms.create("exact-gossip", graph, W, problem)
    plan = FaultPlan.create(**faults, stragglers="lognormal:median=1e-4,sigma=1", rounds=40)
    trace = rounds.run(algorithm, graph, W, plan, rounds=40, seed=1)
    assert trace.final.round == 40
