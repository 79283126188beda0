"""Message loss and retransmission (ARQ) in the network model: laws, hand-computed cases."""

import math

import networkx as nx
import numpy as np
import pytest
import simpy
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import linked
from gossip_sim.errors import ConfigError
from gossip_sim.faults import loss as loss_module
from gossip_sim.faults.loss import Arq, Bernoulli, GilbertElliott, LinkLoss, Tally
from gossip_sim.network import Message, Network

B, C, L, ACK = 8000, 1e6, 0.02, 64  # payload bits, bits/s, seconds, ack bits
T_AUTO = 2 * (2 * L + B / C + ACK / C)  # the "auto" timeout of that link


def play(graph, messages, **kwargs):
    """Send ``messages`` at time 0; return (arrival times, loss times, network) by index."""
    env = simpy.Environment()
    net = Network(env, graph, **kwargs)
    arrived, lost = {}, {}
    for i, m in enumerate(messages):
        m.tag = i
        net.send(
            m,
            lambda msg: arrived.setdefault(msg.tag, []).append(env.now),
            lambda msg: lost.setdefault(msg.tag, []).append(env.now),
        )
    env.run()
    return arrived, lost, net


def pair():
    return linked(nx.path_graph(2), L, C)


def stream_of(n, round_of=lambda i: 0):
    return [Message(0, 1, B, round=round_of(i)) for i in range(n)]


def binomial_band(n, p, sigmas=4.5):
    half = sigmas * math.sqrt(n * p * (1 - p))
    return n * p - half, n * p + half


# --- no fault: nothing changes ---------------------------------------------------------------


@settings(max_examples=30, deadline=None)
@given(
    sends=st.lists(
        st.tuples(st.integers(0, 3), st.integers(0, 3), st.integers(1, 20_000)),
        min_size=1,
        max_size=25,
    ),
    nic=st.sampled_from([None, 2e5]),
    model=st.sampled_from([Bernoulli(0.0), GilbertElliott(p=0.0, r=0.5, good=0.0)]),
)
def test_a_loss_model_that_never_loses_gives_the_times_of_no_model(sends, nic, model):
    graph = linked(nx.complete_graph(4), L, C, nic=nic)
    graph.nodes[0]["nic_ingress"] = 3e5
    messages = [(s, d, b) for s, d, b in sends if s != d] or [(0, 1, 8)]
    plain, _, plain_net = play(graph, [Message(*m) for m in messages], record_messages=True)
    lossy, lost, lossy_net = play(
        graph, [Message(*m) for m in messages], loss=model, seed=5, record_messages=True
    )
    assert lossy == plain and not lost
    assert lossy_net.records == plain_net.records
    np.testing.assert_array_equal(lossy_net.link_busy, plain_net.link_busy)


def test_no_loss_model_draws_nothing(monkeypatch):
    def no_draws(*args, **kwargs):
        raise AssertionError("a random stream was made")

    monkeypatch.setattr(loss_module, "stream", no_draws)
    arrived, lost, net = play(pair(), stream_of(3), retransmit=Arq(), link_up=lambda s, d: True)
    assert len(arrived) == 3 and not lost and net.loss is None


def test_payload_is_carried_untouched():
    env = simpy.Environment()
    net = Network(env, pair())
    vector = np.arange(3.0)
    got = []
    net.send(Message(0, 1, B, payload=vector), lambda m: got.append(m.payload))
    env.run()
    assert got[0] is vector


# --- loss without ARQ ------------------------------------------------------------------------


def test_bernoulli_loss_rate_is_within_a_binomial_band():
    n, p = 10_000, 0.1
    arrived, lost, net = play(pair(), stream_of(n), loss=Bernoulli(p), seed=11)
    low, high = binomial_band(n, p)
    assert low < len(lost) < high
    assert len(arrived) + len(lost) == n and not set(arrived) & set(lost)
    assert net.totals() == Tally(transmissions=n, payload_bits=n * B, lost=len(lost))
    assert net.link_bits[net.link_id(0, 1)] == n * B  # lost copies took the link too


def test_a_lost_message_is_reported_when_it_would_have_arrived():
    graph = pair()
    arrived, lost, net = play(graph, stream_of(2), link_up=lambda s, d: False, record_messages=True)
    assert not arrived
    assert lost == {0: [pytest.approx(B / C + L)], 1: [pytest.approx(2 * B / C + L)]}
    assert net.records == [] and len(net.lost_records) == 2
    assert net.lost_records[1].t_departed == pytest.approx(2 * B / C)


def test_a_down_link_loses_only_its_own_direction():
    messages = [Message(0, 1, B), Message(1, 0, B)]
    arrived, lost, _ = play(pair(), messages, link_up=lambda s, d: (s, d) != (0, 1))
    assert set(lost) == {0} and set(arrived) == {1}


def network_drops(model, n, seed=3):
    """Which of ``n`` messages sent one after another on one link direction were lost."""
    _, lost, _ = play(pair(), stream_of(n), loss=model, seed=seed)
    dropped = np.zeros(n, dtype=bool)
    dropped[list(lost)] = True
    return dropped


def direction_draws(model, n, seed=3):
    """The same draws made straight from the loss model of one link direction."""
    loss = LinkLoss(model, seed)
    return np.array([loss.lost(0) for _ in range(n)])


def test_the_network_drops_what_its_link_direction_draws_in_send_order():
    model = GilbertElliott(p=0.1, r=0.3, good=0.05, bad=0.9)
    dropped = network_drops(model, 2000)
    assert dropped.any() and (dropped == direction_draws(model, 2000)).all()


def test_gilbert_elliott_bursts_last_one_over_r_and_the_rate_is_stationary():
    model = GilbertElliott(p=0.02, r=0.25, good=0.0, bad=1.0)  # every loss is a bad slot
    dropped = direction_draws(model, 200_000)
    edges = np.flatnonzero(np.diff(np.r_[0, dropped.astype(int), 0]))
    bursts = edges[1::2] - edges[::2]
    assert model.mean_burst == 4.0
    assert abs(bursts.mean() - model.mean_burst) < 0.25  # ~ 2900 bursts, sd of the mean ~ 0.07
    assert abs(dropped.mean() - model.loss_rate) < 0.01  # p/(p+r) = 0.074


def test_gilbert_elliott_loss_rate_mixes_both_states():
    model = GilbertElliott(p=0.05, r=0.2, good=0.05, bad=0.7)
    expected = 0.05 / 0.25 * 0.7 + 0.2 / 0.25 * 0.05
    assert model.loss_rate == pytest.approx(expected)  # 0.18
    assert abs(direction_draws(model, 200_000).mean() - expected) < 0.01


def test_gilbert_elliott_starts_good():
    model = GilbertElliott(p=0.0, r=0.5, good=0.0, bad=1.0)  # never leaves good
    assert not network_drops(model, 500).any()
    always_bad = GilbertElliott(p=1.0, r=0.0, good=0.0, bad=1.0)  # bad after the first
    dropped = network_drops(always_bad, 50)
    assert not dropped[0] and dropped[1:].all()


def test_same_seed_same_drops_different_seed_different():
    def drops(seed):
        return sorted(play(pair(), stream_of(300), loss=Bernoulli(0.3), seed=seed)[1])

    assert drops(4) == drops(4)
    assert drops(4) != drops(5)


def test_each_link_direction_draws_from_its_own_stream():
    loss = LinkLoss(Bernoulli(0.5), seed=9)
    forward = [loss.lost(0) for _ in range(200)]
    other = LinkLoss(Bernoulli(0.5), seed=9)
    for _ in range(50):
        other.lost(1)  # traffic on another direction does not shift direction 0's draws
    assert [other.lost(0) for _ in range(200)] == forward


# --- ARQ: hand-computed cases ----------------------------------------------------------------


def first_copy_down():
    """link_up that says 0->1 is down for the first transmission only."""
    calls = []

    def up(src, dst):
        calls.append((src, dst))
        return not (calls.count((0, 1)) == 1 and (src, dst) == (0, 1))

    return up


def test_a_single_retransmission_has_hand_checked_times_and_counts():
    arrived, lost, net = play(
        pair(),
        stream_of(1),
        retransmit=Arq(retries=3, ack_bits=ACK),
        link_up=first_copy_down(),
        record_messages=True,
    )
    resend = T_AUTO  # the first copy is dropped at B/C + L, the timer fires at T_AUTO
    assert arrived == {0: [pytest.approx(resend + B / C + L)]} and not lost
    record = net.records[0]
    assert record.t_sent == 0 and record.t_start == pytest.approx(resend)
    assert record.t_departed == pytest.approx(resend + B / C)
    assert net.totals() == Tally(
        transmissions=2,
        payload_bits=2 * B,
        retransmissions=1,
        retransmitted_bits=B,
        lost=0,
        acks=1,
        ack_bits=ACK,
    )
    assert net.link_bits.tolist() == [2 * B, 0] and net.link_messages.tolist() == [2, 0]
    assert net.link_busy[1] == pytest.approx(ACK / C)  # the ack took the reverse direction


def test_an_explicit_timeout_sets_the_retransmission_time():
    arrived, _, _ = play(
        pair(), stream_of(1), retransmit=Arq(timeout=0.05), link_up=first_copy_down()
    )
    assert arrived == {0: [pytest.approx(0.05 + B / C + L)]}


def test_lost_acks_make_duplicates_that_are_delivered_once_and_not_lost():
    arrived, lost, net = play(
        pair(),
        stream_of(1),
        retransmit=Arq(retries=2, ack_bits=ACK),
        link_up=lambda s, d: (s, d) == (0, 1),  # every ack is lost
    )
    assert arrived == {0: [pytest.approx(B / C + L)]} and not lost
    assert net.totals() == Tally(
        transmissions=3,
        payload_bits=3 * B,
        retransmissions=2,
        retransmitted_bits=2 * B,
        lost=0,
        acks=3,
        ack_bits=3 * ACK,
    )


def test_a_short_timeout_sends_copies_that_are_delivered_once():
    arrived, lost, net = play(pair(), stream_of(1), retransmit=Arq(retries=10, timeout=0.01))
    # copies start at 0, 0.01, ..., 0.04; the first ack is back at B/C + 2L + ACK/C = 0.048064,
    # before the fifth copy's timer (0.05): five copies, five acks, one delivery
    assert arrived == {0: [pytest.approx(B / C + L)]} and not lost
    assert net.totals().transmissions == 5 and net.totals().acks == 5


def test_a_message_abandoned_after_the_retry_limit_is_lost_once_at_the_last_timeout():
    arrived, lost, net = play(
        pair(),
        stream_of(1),
        retransmit=Arq(retries=2),
        link_up=lambda s, d: False,
        record_messages=True,
    )
    assert not arrived and lost == {0: [pytest.approx(3 * T_AUTO)]}
    assert net.totals() == Tally(
        transmissions=3, payload_bits=3 * B, retransmissions=2, retransmitted_bits=2 * B, lost=1
    )
    assert net.lost_records[0].t_sent == 0 and net.lost_records[0].t_start == pytest.approx(
        2 * T_AUTO
    )


def test_retries_zero_gives_up_after_one_timeout():
    _, lost, net = play(
        pair(), stream_of(1), retransmit=Arq(retries=0, timeout=0.5), link_up=lambda s, d: False
    )
    assert lost == {0: [0.5]} and net.totals().transmissions == 1


# --- ARQ: laws over many messages ------------------------------------------------------------


@pytest.mark.parametrize("p", [0.1, 0.3])
def test_arq_delivers_everything_and_resends_q_over_one_minus_q(p):
    """A round trip fails when the copy or its ack is lost: q = 1 - (1-p)^2; with enough retries
    the retransmissions per original are geometric, mean q/(1-q) (p/(1-p) if acks never failed).
    """
    n = 5000
    arrived, lost, net = play(pair(), stream_of(n), loss=Bernoulli(p), retransmit=Arq(60), seed=2)
    assert len(arrived) == n and not lost
    assert all(len(times) == 1 for times in arrived.values())
    q = 1 - (1 - p) ** 2
    per_original = net.totals().retransmissions / n
    sd = math.sqrt(q) / (1 - q) / math.sqrt(n)  # sd of a geometric count's mean
    assert abs(per_original - q / (1 - q)) < 4.5 * sd
    totals = net.totals()
    assert totals.transmissions == n + totals.retransmissions
    low, high = binomial_band(totals.transmissions, 1 - p)  # every copy received is acked
    assert low < totals.acks < high and totals.ack_bits == 64 * totals.acks


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    p=st.floats(0, 0.9),
    retries=st.integers(0, 4),
    timeout=st.sampled_from(["auto", 0.005, 0.03]),
    n=st.integers(1, 30),
)
def test_every_message_ends_exactly_once_delivered_or_lost(seed, p, retries, timeout, n):
    graph = linked(nx.path_graph(2), L, C)
    graph.nodes[1]["nic_ingress"] = C / 4  # copies can wait at the receiver past a timeout
    arrived, lost, net = play(
        graph, stream_of(n), loss=Bernoulli(p), retransmit=Arq(retries, timeout), seed=seed
    )
    assert all(len(v) == 1 for v in arrived.values()) and all(len(v) == 1 for v in lost.values())
    assert set(arrived) | set(lost) == set(range(n)) and not set(arrived) & set(lost)
    assert net.totals().lost == len(lost)
    assert net.totals().transmissions <= n * (retries + 1)


# --- counts by round -------------------------------------------------------------------------


def test_counts_are_kept_by_round_and_taken_once():
    arrived, lost, net = play(
        pair(), stream_of(6, round_of=lambda i: i // 2), retransmit=Arq(ack_bits=ACK)
    )
    assert len(arrived) == 6 and not lost
    assert net.tally(1) == Tally(transmissions=2, payload_bits=2 * B, acks=2, ack_bits=2 * ACK)
    assert net.take(1) == Tally(transmissions=4, payload_bits=4 * B, acks=4, ack_bits=4 * ACK)
    assert net.tally(0) == Tally() and net.take(1) == Tally()
    assert net.take(5).transmissions == 2
    assert net.totals().transmissions == 6


def test_tally_sums_field_by_field():
    assert Tally.sum([Tally(1, 2, 3, 4, 5, 6, 7)] * 2) == Tally(2, 4, 6, 8, 10, 12, 14)
    assert Tally.sum([]) == Tally()


# --- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: Bernoulli(1.5), r"loss probability p = 1\.5 is not a probability"),
        (lambda: Bernoulli(-0.1), r"loss probability p = -0\.1 is not a probability"),
        (lambda: GilbertElliott(p=0.1, r=2), r"gilbert-elliott r = 2 is not a probability"),
        (lambda: GilbertElliott(0.1, 0.3, bad=-1), r"gilbert-elliott bad = -1 is not a prob"),
        (lambda: Arq(retries=-1), r"arq: retries=-1 is not valid; give an integer >= 0"),
        (lambda: Arq(timeout=0), r"arq: timeout=0 is not valid; give seconds > 0 or 'auto'"),
        (lambda: Arq(ack_bits=-8), r"arq: ack_bits=-8 is not valid; give bits >= 0"),
    ],
)
def test_bad_loss_specs_are_refused(make, match):
    with pytest.raises(ConfigError, match=match):
        make()


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"loss": 0.1}, r"loss = 0\.1 is not a loss model; give Bernoulli, GilbertElliott"),
        ({"loss": "bernoulli"}, r"loss = 'bernoulli' is not a loss model"),
        ({"retransmit": "arq"}, r"retransmit = 'arq' is not valid; give an Arq or None"),
        ({"link_up": True}, r"link_up = True is not valid; give a function or None"),
        ({"loss": Bernoulli(0.1), "seed": -3}, r"seed=-3 is not valid"),
    ],
)
def test_bad_network_faults_are_refused_where_they_enter(kwargs, match):
    with pytest.raises(ConfigError, match=match):
        Network(simpy.Environment(), pair(), **kwargs)


def test_the_timer_starts_when_the_copy_starts_serialisation_not_while_it_queues():
    calls = []

    def second_copy_down(src, dst):
        calls.append((src, dst))
        return calls.count((0, 1)) != 2 or (src, dst) != (0, 1)

    arrived, _, _ = play(pair(), stream_of(2), retransmit=Arq(), link_up=second_copy_down)
    # message 1 queues behind message 0 (starts at B/C); its timer runs from there
    assert arrived[0] == [pytest.approx(B / C + L)]
    assert arrived[1] == [pytest.approx(B / C + T_AUTO + B / C + L)]
