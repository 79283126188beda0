"""The SimPy model of the network: NICs, links, latency, bandwidth.

Every message is its own chain of SimPy events on the sender's side, the link and the receiver:

1. it joins a FIFO queue: the sender's NIC egress queue when the node's NIC has a finite
   ``nic_egress`` rate (one port serialises everything the node sends), otherwise the queue of
   its link direction (links then run in parallel, messages on one link direction queue);
2. it is serialised for ``(nbits + header_bits) / rate`` seconds, where ``rate`` is the link's
   ``bandwidth`` (and the NIC's ``nic_egress`` if that is smaller);
3. it propagates for the link's ``latency`` seconds;
4. if the receiver has a finite ``nic_ingress`` rate it queues there and is received in
   ``(nbits + header_bits) / nic_ingress`` seconds (store-and-forward);
5. the ``on_arrival`` callback runs at the arrival time.

The time a user sees is SimPy's clock: every message arrives by a
:class:`simpy.events.Timeout` on the run's :class:`simpy.Environment`, and an ingress queue is
played out by timeouts too. A sender-side FIFO knows each job's duration when the job joins,
so its schedule (start = max(now, end of the previous job)) is booked with
:meth:`FifoServer.reserve` and the message needs one event from sending to arrival instead of
three; ``tests/test_network.py`` checks that booking equals the event-by-event FIFO
(:meth:`FifoServer.submit`) on random workloads. This module moves :class:`Message` objects and
never looks inside a value.

Examples
--------
>>> import networkx as nx, simpy
>>> g = nx.path_graph(2)
>>> nx.set_edge_attributes(g, 0.01, "latency"); nx.set_edge_attributes(g, 1e6, "bandwidth")
>>> env = simpy.Environment()
>>> net = Network(env, g)
>>> arrivals = []
>>> net.send(Message(0, 1, nbits=1000), lambda m: arrivals.append(env.now))
>>> env.run()
>>> arrivals  # 1000 bits / 1 Mb/s + 10 ms
[0.011]
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import networkx as nx
import numpy as np
import simpy

from gossip_sim._typing import SimTime
from gossip_sim.errors import ConfigError
from gossip_sim.trace import MessageRecord

__all__ = ["FifoServer", "Message", "MessageRecord", "Network"]


@dataclass(slots=True)
class Message:
    """One point-to-point message: ``nbits`` payload bits from ``src`` to ``dst``.

    ``round`` and ``phase`` say which communication step of the algorithm it belongs to;
    ``tag`` is free for the caller (the engine does not need it).
    """

    src: int
    dst: int
    nbits: int
    round: int = 0
    phase: int = 0
    tag: Any = None


class FifoServer:
    """A first-in-first-out server on SimPy's clock: one job at a time, each for its duration.

    Examples
    --------
    >>> env = simpy.Environment(); server = FifoServer(env); done = []
    >>> for _ in range(2):
    ...     server.submit(1.5, lambda started: done.append((started, env.now)))
    >>> env.run(); done
    [(0, 1.5), (1.5, 3.0)]
    """

    __slots__ = ("busy_time", "env", "free_at", "queue", "running")

    def __init__(self, env: simpy.Environment) -> None:
        self.env = env
        self.queue: deque[tuple[float, Callable[[SimTime], None]]] = deque()
        self.running = False
        self.busy_time = 0.0
        self.free_at: SimTime = 0.0

    def reserve(self, duration: float) -> tuple[SimTime, SimTime]:
        """Book the next ``duration`` seconds of service now; return (start, end).

        For jobs whose durations are known when they are queued, this is the schedule that
        :meth:`submit` plays out event by event (a FIFO starts a job when it is idle or when
        the previous job ends), computed without the intermediate events; the caller
        schedules one SimPy event at ``end`` or later. Do not mix it with :meth:`submit` on
        one server.

        Examples
        --------
        >>> env = simpy.Environment(); server = FifoServer(env)
        >>> server.reserve(1.5), server.reserve(1.0)
        ((0, 1.5), (1.5, 2.5))
        """
        start = max(self.env.now, self.free_at)
        end = start + duration
        self.free_at = end
        self.busy_time += duration
        return start, end

    def submit(self, duration: float, on_done: Callable[[SimTime], None]) -> None:
        """Queue a job; ``on_done(start_time)`` runs when it has been served."""
        if self.running:
            self.queue.append((duration, on_done))
        else:
            self._start(duration, on_done)

    def _start(self, duration: float, on_done: Callable[[SimTime], None]) -> None:
        self.running = True
        self.busy_time += duration
        started = self.env.now
        self.env.timeout(duration).callbacks.append(lambda _ev: self._finish(started, on_done))

    def _finish(self, started: SimTime, on_done: Callable[[SimTime], None]) -> None:
        on_done(started)
        if self.queue:
            self._start(*self.queue.popleft())
        else:
            self.running = False


_OnArrival = Callable[[Message], None]
_Times = tuple[SimTime, SimTime, SimTime]  # sent, serialisation started, departed


def _rate(value: Any, what: str) -> float | None:
    if value is None:
        return None
    rate = float(value)
    if not rate > 0 or not np.isfinite(rate):
        raise ConfigError(f"{what} = {value!r} is not valid; give a positive number of bits/s")
    return rate


class Network:
    """The links and NICs of ``graph`` on the SimPy environment ``env``.

    Parameters
    ----------
    env : simpy.Environment
        The run's environment (its clock is the simulated wall-clock).
    graph : networkx.Graph
        Nodes 0..K-1; every edge has ``latency`` (s) and ``bandwidth`` (bits/s); nodes may
        have ``nic_egress`` and ``nic_ingress`` (bits/s, None or absent = unlimited).
    header_bits : int, optional
        Bits added to every message on the wire (e.g. 320 for IPv4 + TCP + Ethernet headers);
        they take time but are not payload bits. Default 0.
    record_messages : bool, optional
        Keep a :class:`MessageRecord` of every message in :attr:`records`.
    """

    def __init__(
        self,
        env: simpy.Environment,
        graph: nx.Graph,
        *,
        header_bits: int = 0,
        record_messages: bool = False,
    ) -> None:
        if header_bits < 0:
            raise ConfigError(f"header_bits = {header_bits} is not valid; give 0 or more bits")
        self.env = env
        self.header_bits = int(header_bits)
        self.records: list[MessageRecord] | None = [] if record_messages else None
        n = graph.number_of_nodes()
        self.link_index: dict[tuple[int, int], int] = {}
        latency: list[float] = []
        bandwidth: list[float | None] = []
        for u, v, data in graph.edges(data=True):
            for a, b in ((u, v), (v, u)):
                self.link_index[(a, b)] = len(latency)
                latency.append(float(data["latency"]))
                bandwidth.append(_rate(data["bandwidth"], f"bandwidth of link {a}-{b}"))
        self.latency: list[float] = latency
        self.bandwidth: list[float] = bandwidth  # type: ignore[assignment]
        self.link_bits = np.zeros(len(latency), dtype=np.int64)
        self.link_messages = np.zeros(len(latency), dtype=np.int64)
        self.link_busy = np.zeros(len(latency), dtype=np.float64)
        self.links = [FifoServer(env) for _ in latency]
        nodes = [(i, graph.nodes[i]) for i in range(n)]
        self.nic_egress = [_rate(d.get("nic_egress"), f"nic_egress of node {i}") for i, d in nodes]
        self.nic_ingress = [
            _rate(d.get("nic_ingress"), f"nic_ingress of node {i}") for i, d in nodes
        ]
        self.egress = [FifoServer(env) if r else None for r in self.nic_egress]
        self.ingress = [FifoServer(env) if r else None for r in self.nic_ingress]

    def link_id(self, src: int, dst: int) -> int:
        """Return the index of the link direction ``src → dst``, refusing a pair with no link."""
        try:
            return self.link_index[(src, dst)]
        except KeyError:
            raise ConfigError(f"no link from agent {src} to agent {dst} in the topology") from None

    def send(self, message: Message, on_arrival: _OnArrival) -> None:
        """Start sending ``message`` now; ``on_arrival(message)`` runs when it has arrived."""
        link = self.link_id(message.src, message.dst)
        wire_bits = message.nbits + self.header_bits
        self.link_bits[link] += message.nbits
        self.link_messages[link] += 1
        nic_rate = self.nic_egress[message.src]
        rate = self.bandwidth[link] if nic_rate is None else min(nic_rate, self.bandwidth[link])
        server = self.links[link] if nic_rate is None else self.egress[message.src]
        sent = self.env.now
        duration = wire_bits / rate
        self.link_busy[link] += duration
        started, departed = server.reserve(duration)  # type: ignore[union-attr]
        arrival = self.env.timeout(departed + self.latency[link] - sent)
        times = (sent, started, departed)
        arrival.callbacks.append(lambda _ev: self._arrive(message, on_arrival, times))

    def _arrive(self, message: Message, on_arrival: _OnArrival, times: _Times) -> None:
        ingress = self.ingress[message.dst]
        if ingress is None:
            self._deliver(message, on_arrival, times)
            return
        rate: float = self.nic_ingress[message.dst]  # type: ignore[assignment]
        duration = (message.nbits + self.header_bits) / rate
        ingress.submit(duration, lambda _s: self._deliver(message, on_arrival, times))

    def _deliver(self, message: Message, on_arrival: _OnArrival, times: _Times) -> None:
        if self.records is not None:
            m = message
            self.records.append(
                MessageRecord(m.round, m.phase, m.src, m.dst, m.nbits, *times, self.env.now)
            )
        on_arrival(message)
