"""Per-agent references, written from the papers in plain loops, for runs where messages are lost
or agents crash: the event-driven engine must agree with them to 1e-12.

CHOCO-GOSSIP (Koloskova, Stich & Jaggi 2019, Algorithm 1) at agent i, round t::

    q_i = Q(x_i − x̂_i);  x̂_i += q_i;  send q_i to the neighbours
    for each q_j received:  (x̂_j at i) += q_j
    x_i += γ Σ_j w_ij ((x̂_j at i) − x̂_i)

A lost message never reaches i's copy of x̂_j. Which messages reached whom is read from the
engine's own message records; the reference recomputes every value from those deliveries alone.
"""

from __future__ import annotations

import numpy as np
import pytest

import gossip_sim as gs
from gossip_sim.events import rounds
from gossip_sim.faults.plan import FaultPlan


def _top_k(v, k):
    """Keep the k entries of largest magnitude (ties: the lower index), as topk does."""
    keep = np.argsort(-np.abs(v), kind="stable")[:k]
    out = np.zeros_like(v)
    out[keep] = v[keep]
    return out


def choco_reference(W, x0, gamma, k, delivered, rounds_):
    """CHOCO-GOSSIP with top-k, agent by agent; ``delivered[t]`` = {(src, dst)} that arrived."""
    n = len(x0)
    x = [row.copy() for row in x0]
    x_hat = [np.zeros_like(row) for row in x0]
    copy = {(i, j): np.zeros_like(x0[0]) for i in range(n) for j in range(n) if W[i, j] and i != j}
    for t in range(rounds_):
        q = [_top_k(x[i] - x_hat[i], k) for i in range(n)]
        for i in range(n):
            x_hat[i] = x_hat[i] + q[i]
        for src, dst in delivered.get(t, ()):
            copy[(dst, src)] = copy[(dst, src)] + q[src]
        for i in range(n):
            pull = sum(W[i, j] * (copy[(i, j)] - x_hat[i]) for j in range(n) if (i, j) in copy)
            x[i] = x[i] + gamma * pull
    return np.array(x)


def exact_reference(W, x0, delivered, rounds_):
    """Exact gossip agent by agent, each mixing the latest value it received from j."""
    n = len(x0)
    x = [row.copy() for row in x0]
    latest = {(i, j): x0[j].copy() for i in range(n) for j in range(n) if W[i, j] and i != j}
    for t in range(rounds_):
        sent = [row.copy() for row in x]
        for src, dst in delivered.get(t, ()):
            latest[(dst, src)] = sent[src]
        x = [
            W[i, i] * x[i] + sum(W[i, j] * latest[(i, j)] for j in range(n) if (i, j) in latest)
            for i in range(n)
        ]
    return np.array(x)


def _deliveries(trace):
    delivered: dict[int, set[tuple[int, int]]] = {}
    for m in trace.messages:
        delivered.setdefault(m.round, set()).add((m.src, m.dst))
    return delivered


@pytest.mark.parametrize("topology", ["ring", "torus"])
@pytest.mark.parametrize("loss", [0.1, "gilbert-elliott:p=0.1,r=0.3"])
def test_choco_with_lost_messages_matches_the_per_agent_reference(topology, loss):
    k, dim, rounds_ = 9, 6, 30
    graph = gs.topology.build(topology, k, links="lan")
    W = gs.mixing.mixing_matrix("metropolis-hastings", graph)
    problem = gs.problems.create("consensus", n_agents=k, dim=dim, seed=2)
    alg = gs.algorithms.create(
        "choco-gossip", graph, W, problem, compressor="topk:k=2,precision=64", gamma=0.4
    )
    x0 = problem.initial().copy()
    plan = FaultPlan.create(loss=loss)
    trace = rounds.run(alg, graph, W, plan, rounds=rounds_, seed=4, record_messages=True)
    lost = sum(f.messages_lost for f in trace.faults)
    assert lost > 0  # the test is about lost messages
    expected = choco_reference(W.toarray(), x0, 0.4, 2, _deliveries(trace), rounds_)
    assert np.max(np.abs(trace.final_values - expected)) < 1e-12
    # and a lost increment breaks the conservation of the average CHOCO has without loss
    assert trace.faults[-1].live_mean_shift > 1e-6


def test_exact_gossip_with_lost_messages_matches_the_per_agent_reference():
    k, dim, rounds_ = 8, 4, 25
    graph = gs.topology.build("ring", k, links="lan")
    W = gs.mixing.mixing_matrix("metropolis-hastings", graph)
    problem = gs.problems.create("consensus", n_agents=k, dim=dim, seed=2)
    alg = gs.algorithms.create("exact-gossip", graph, W, problem)
    x0 = problem.initial().copy()
    trace = rounds.run(
        alg, graph, W, FaultPlan.create(loss=0.2), rounds=rounds_, seed=1, record_messages=True
    )
    assert sum(f.messages_lost for f in trace.faults) > 0
    expected = exact_reference(W.toarray(), x0, _deliveries(trace), rounds_)
    assert np.max(np.abs(trace.final_values - expected)) < 1e-12


def exact_reference_with_crashes(W, x0, crashed, crash_round, rounds_):
    """Exact gossip where ``crashed`` stop at ``crash_round``: the survivors move the weights of
    the crashed neighbours onto themselves (w_ii += w_ij), as docs/background/failure-rules.md
    says."""
    n = len(x0)
    alive = [i not in crashed for i in range(n)]
    x = [row.copy() for row in x0]
    for t in range(rounds_):
        live = alive if t >= crash_round else [True] * n
        new = []
        for i in range(n):
            if not live[i]:
                new.append(x[i])
                continue
            own = W[i, i] + sum(W[i, j] for j in range(n) if j != i and W[i, j] and not live[j])
            new.append(
                own * x[i] + sum(W[i, j] * x[j] for j in range(n) if j != i and W[i, j] and live[j])
            )
        x = new
    return np.array(x)


@pytest.mark.parametrize("topology", ["ring", "torus"])
def test_exact_gossip_with_crashed_agents_matches_the_per_agent_reference(topology):
    k, dim, rounds_ = 16, 3, 40
    graph = gs.topology.build(topology, k, links="lan")
    W = gs.mixing.mixing_matrix("metropolis-hastings", graph)
    problem = gs.problems.create("consensus", n_agents=k, dim=dim, seed=2)
    alg = gs.algorithms.create("exact-gossip", graph, W, problem)
    x0 = problem.initial().copy()
    plan = FaultPlan.create(crash_fraction=0.25, crash_round=10)
    seen = {}
    trace = rounds.run(
        alg,
        graph,
        W,
        plan,
        rounds=rounds_,
        seed=7,
        on_values=lambda t, x: seen.__setitem__(t, np.array(x)),
    )
    assert trace.faults[-1].agents_alive == 12 and trace.faults[10].agents_alive == 16
    # the crashed agents keep their value (so does a survivor all of whose neighbours crashed:
    # with all its weight on itself, it is the same to the reference)
    crashed = {i for i in range(k) if np.array_equal(seen[10][i], seen[rounds_][i])}
    assert len(crashed) >= 4
    expected = exact_reference_with_crashes(W.toarray(), x0, crashed, 10, rounds_)
    assert np.max(np.abs(trace.final_values - expected)) < 1e-12


@pytest.mark.parametrize("algorithm", ["exact-gossip", "choco-gossip"])
def test_survivors_of_a_crash_agree_on_their_own_mean_at_the_crash(algorithm):
    k, crash = 16, 2
    graph = gs.topology.build("torus", k, links="lan")
    W = gs.mixing.mixing_matrix("metropolis-hastings", graph)
    problem = gs.problems.create("consensus", n_agents=k, dim=5, seed=1)
    alg = gs.algorithms.create(algorithm, graph, W, problem)
    seen = {}
    plan = FaultPlan.create(crash_fraction=0.2, crash_round=crash)
    trace = rounds.run(
        alg,
        graph,
        W,
        plan,
        rounds=600,
        seed=3,
        on_values=lambda t, x: seen.__setitem__(t, np.array(x)),
    )
    survivors = np.flatnonzero([not np.array_equal(seen[crash][i], seen[600][i]) for i in range(k)])
    assert len(survivors) == k - 3
    final = trace.faults[-1]
    assert final.agents_alive == k - 3 and final.live_consensus_error < 1e-8
    # the value they agree on: the mean of the survivors' values when the crash round opened
    agreed = seen[600][survivors].mean(axis=0)
    assert np.max(np.abs(agreed - seen[crash][survivors].mean(axis=0))) < 1e-10
    assert final.live_mean_shift > 1e-3  # not the mean of all sixteen starting values
