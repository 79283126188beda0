"""The network model against hand-computed times (issue 5's checks)."""

import networkx as nx
import numpy as np
import pytest
import simpy
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import linked
from gossip_sim.errors import ConfigError
from gossip_sim.network import FifoServer, Message, Network

B, C, L = 8000, 1e6, 0.02  # bits, bits/s, seconds


def deliver(graph, messages, **kwargs):
    env = simpy.Environment()
    net = Network(env, graph, **kwargs)
    arrivals = {}
    for i, m in enumerate(messages):
        net.send(m, lambda msg, i=i: arrivals.__setitem__(i, env.now))
    env.run()
    return [arrivals[i] for i in range(len(messages))], net


def test_two_messages_on_one_link_queue():
    times, _ = deliver(linked(nx.path_graph(2), L, C), [Message(0, 1, B), Message(0, 1, B)])
    assert times[0] == pytest.approx(B / C + L)
    assert times[1] == pytest.approx(2 * B / C + L)


def test_two_links_run_in_parallel_without_a_nic_limit():
    times, _ = deliver(linked(nx.star_graph(2), L, C), [Message(0, 1, B), Message(0, 2, B)])
    assert times == pytest.approx([B / C + L, B / C + L])


def test_star_hub_nic_serialises_k_messages():
    k = 7
    graph = linked(nx.star_graph(k), 0.0, 10 * C, nic=None)
    graph.nodes[0]["nic_egress"] = C
    times, _ = deliver(graph, [Message(0, j, B) for j in range(1, k + 1)])
    assert max(times) == pytest.approx(k * B / C)
    assert sorted(times) == pytest.approx([(j + 1) * B / C for j in range(k)])


def test_nic_slower_than_link_sets_the_rate():
    graph = linked(nx.path_graph(2), L, 10 * C, nic=C)
    times, _ = deliver(graph, [Message(0, 1, B)])
    assert times[0] == pytest.approx(B / C + L)


def test_ingress_limit_queues_arrivals_at_the_receiver():
    graph = linked(nx.star_graph(2), L, C)
    graph.nodes[0]["nic_ingress"] = C / 2
    times, _ = deliver(graph, [Message(1, 0, B), Message(2, 0, B)])
    assert sorted(times) == pytest.approx([B / C + L + 2 * B / C, B / C + L + 4 * B / C])


def test_header_bits_take_time_but_are_not_payload():
    times, net = deliver(linked(nx.path_graph(2), L, C), [Message(0, 1, B)], header_bits=320)
    assert times[0] == pytest.approx((B + 320) / C + L)
    assert net.link_bits.sum() == B


def test_message_records_hold_every_timestamp():
    _, net = deliver(linked(nx.path_graph(2), L, C), [Message(0, 1, B)] * 2, record_messages=True)
    second = net.records[1]
    assert (second.t_sent, second.t_start) == (0, pytest.approx(B / C))
    assert second.t_departed == pytest.approx(2 * B / C)
    assert second.t_arrived == pytest.approx(2 * B / C + L)


def test_fifo_server_busy_time_adds_durations():
    env = simpy.Environment()
    server = FifoServer(env)
    for d in (1.0, 2.0, 0.5):
        server.submit(d, lambda _s: None)
    env.run()
    assert env.now == pytest.approx(3.5) and server.busy_time == pytest.approx(3.5)


def test_send_on_a_missing_link_is_refused():
    env = simpy.Environment()
    net = Network(env, linked(nx.path_graph(3)))
    with pytest.raises(ConfigError, match="no link from agent 0 to agent 2"):
        net.send(Message(0, 2, 8), lambda m: None)


@pytest.mark.parametrize("bad", [0, -1.0, float("nan")])
def test_bad_bandwidth_is_refused(bad):
    with pytest.raises(ConfigError, match="bandwidth of link 0-1"):
        Network(simpy.Environment(), linked(nx.path_graph(2), L, bad))


@settings(max_examples=50, deadline=None)
@given(jobs=st.lists(st.tuples(st.floats(0, 5), st.floats(1e-6, 3)), min_size=1, max_size=30))
def test_booking_a_fifo_equals_playing_it_out_event_by_event(jobs):
    """reserve() (one event per message) gives the schedule submit() plays out with events."""
    schedules = {}
    for mode in ("submit", "reserve"):
        env = simpy.Environment()
        server = FifoServer(env)
        done = []

        def client(arrive, duration, server=server, env=env, done=done, mode=mode):
            yield env.timeout(arrive)
            if mode == "submit":
                server.submit(duration, lambda started: done.append((started, env.now)))
            else:
                done.append(server.reserve(duration))

        for arrive, duration in sorted(jobs):
            env.process(client(arrive, duration))
        env.run()
        schedules[mode] = sorted(done)
    np.testing.assert_allclose(schedules["reserve"], schedules["submit"], rtol=1e-12)
