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

A message may also be lost (a loss model, a link that is down) and, with ARQ, acknowledged and
retransmitted; :class:`Network` says exactly how, and ``docs/background/loss-model.md`` shows
what it costs. Without loss or ARQ nothing is drawn and the times are those above.

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
from gossip_sim.faults.loss import Arq, Bernoulli, GilbertElliott, LinkLoss, Tally
from gossip_sim.trace import MessageRecord

__all__ = ["FifoServer", "Message", "MessageRecord", "Network", "Tally"]


@dataclass(slots=True)
class Message:
    """One point-to-point message: ``nbits`` payload bits from ``src`` to ``dst``.

    ``round`` and ``phase`` say which communication step of the algorithm it belongs to;
    ``tag`` is free for the caller (the engine does not need it); ``payload`` is carried
    untouched to ``on_arrival`` (the event engine puts the decoded vector there).
    """

    src: int
    dst: int
    nbits: int
    round: int = 0
    phase: int = 0
    tag: Any = None
    payload: Any = None


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
_OnLost = Callable[[Message], None] | None
_LinkUp = Callable[[int, int], bool]
_Times = tuple[SimTime, SimTime, SimTime]  # sent, serialisation started, departed
_TRANSMISSIONS, _PAYLOAD, _RETRANSMISSIONS, _RETRANSMITTED, _LOST, _ACKS, _ACK_BITS = range(7)


def _rate(value: Any, what: str) -> float | None:
    if value is None:
        return None
    rate = float(value)
    if not rate > 0 or not np.isfinite(rate):
        raise ConfigError(f"{what} = {value!r} is not valid; give a positive number of bits/s")
    return rate


class _Exchange:
    """One message under ARQ: its copies so far and what the two ends know."""

    __slots__ = (
        "acked",
        "attempts",
        "delivered",
        "gave_up",
        "in_flight",
        "message",
        "on_arrival",
        "on_lost",
        "sent",
    )

    def __init__(self, message: Message, on_arrival: _OnArrival, on_lost: _OnLost) -> None:
        self.message = message
        self.on_arrival = on_arrival
        self.on_lost = on_lost
        self.sent: SimTime = 0.0
        self.attempts = 0  # copies sent
        self.in_flight = 0  # copies neither dropped nor received yet
        self.acked = self.delivered = self.gave_up = False


class Network:
    """The links and NICs of ``graph`` on the SimPy environment ``env``, with optional loss.

    Without ``loss``, ``retransmit`` and ``link_up`` every message arrives, as described in
    the module docstring, and no random number is drawn.

    **Loss without ARQ.** A transmission takes its time on the link as usual and its bits
    count as sent; whether it is lost is drawn when it is sent
    (:class:`~gossip_sim.faults.loss.LinkLoss`: one stream per link direction). A link that
    ``link_up(src, dst)`` says is down at send time loses the message the same way (no draw).
    A lost message never reaches ``on_arrival``; ``on_lost(message)`` runs when it would have
    reached the receiver (departure + latency), the moment a receiver with sequence numbers
    can know.

    **With ARQ** (:class:`~gossip_sim.faults.loss.Arq`). The receiver acknowledges every copy
    it receives with ``ack_bits`` (+ ``header_bits`` on the wire) on the reverse direction,
    through the same queues, loss draws and latency. The sender's timer starts when a copy
    starts serialisation and runs ``timeout`` seconds (``"auto"``: 2 x (latency there and
    back + the copy's and the acknowledgement's serialisation)); if no acknowledgement has
    come by then it sends a new copy, at most ``retries`` times. ``on_arrival`` runs once per
    message, for the first copy received. When the last copy times out unacknowledged and
    no copy was received, ``on_lost`` runs then (if a copy is still on its way it runs when
    that copy is dropped, and not at all if it arrives). A message received whose
    acknowledgements were all lost is not lost: the sender just stops.

    **Counts.** :meth:`tally`, :meth:`take` and :meth:`totals` return a
    :class:`~gossip_sim.faults.loss.Tally` by the message's ``round``; :attr:`link_bits` and
    :attr:`link_messages` count every payload copy (retransmissions included), not the
    acknowledgements, whose serialisation does count in :attr:`link_busy`.

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
        Keep a :class:`MessageRecord` of every delivered message in :attr:`records`, and of
        every lost one in :attr:`lost_records` (``t_arrived``: when it was given up).
    loss : Bernoulli or GilbertElliott, optional
        The loss model of every link direction; None (default): no loss.
    retransmit : Arq, optional
        Acknowledge and retransmit; None (default): a lost message is lost for good.
    seed : int, optional
        Seed of the loss draws (purpose ``"loss"``, one stream per link direction).
    link_up : callable, optional
        ``link_up(src, dst)`` says whether the link direction is up now; None: always up.

    Examples
    --------
    >>> import networkx as nx, simpy
    >>> from gossip_sim.faults.loss import Arq, Bernoulli
    >>> g = nx.path_graph(2)
    >>> nx.set_edge_attributes(g, 0.01, "latency"); nx.set_edge_attributes(g, 1e6, "bandwidth")
    >>> env = simpy.Environment()
    >>> net = Network(env, g, loss=Bernoulli(0.3), retransmit=Arq(retries=20), seed=1)
    >>> got = []
    >>> for t in range(100):
    ...     net.send(Message(0, 1, nbits=1000, round=t), lambda m: got.append(m.round))
    >>> env.run()
    >>> sorted(got) == list(range(100)), net.totals().lost
    (True, 0)
    >>> 0.6 < net.totals().retransmissions / 100 < 1.5  # about q/(1-q) = 1.04, q = 1-(1-p)^2
    True
    """

    def __init__(
        self,
        env: simpy.Environment,
        graph: nx.Graph,
        *,
        header_bits: int = 0,
        record_messages: bool = False,
        loss: Bernoulli | GilbertElliott | None = None,
        retransmit: Arq | None = None,
        seed: int | np.random.SeedSequence = 0,
        link_up: _LinkUp | None = None,
    ) -> None:
        if header_bits < 0:
            raise ConfigError(f"header_bits = {header_bits} is not valid; give 0 or more bits")
        if retransmit is not None and not isinstance(retransmit, Arq):
            raise ConfigError(f"retransmit = {retransmit!r} is not valid; give an Arq or None")
        if link_up is not None and not callable(link_up):
            raise ConfigError(f"link_up = {link_up!r} is not valid; give a function or None")
        self.env = env
        self.header_bits = int(header_bits)
        self.records: list[MessageRecord] | None = [] if record_messages else None
        self.lost_records: list[MessageRecord] | None = [] if record_messages else None
        self.loss = None if loss is None else LinkLoss(loss, seed)
        self.retransmit = retransmit
        self.link_up = link_up
        self._faulty = loss is not None or retransmit is not None or link_up is not None
        self._by_round: dict[int, list[int]] = {}
        self._taken = Tally()
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

    def send(self, message: Message, on_arrival: _OnArrival, on_lost: _OnLost = None) -> None:
        """Start sending ``message`` now; ``on_arrival(message)`` runs when it has arrived.

        ``on_lost(message)`` runs instead when it is lost for good (see the class docstring
        for when); each message ends in exactly one of the two.
        """
        link = self.link_id(message.src, message.dst)
        if self._faulty:
            self._send_faulty(message, link, on_arrival, on_lost)
            return
        counts = self._by_round.get(message.round)
        if counts is None:
            counts = self._by_round[message.round] = [0] * len(Tally._fields)
        counts[_TRANSMISSIONS] += 1
        counts[_PAYLOAD] += message.nbits
        self.link_bits[link] += message.nbits
        self.link_messages[link] += 1
        times = self._book(link, message.src, message.nbits + self.header_bits)
        arrival = self.env.timeout(times[2] + self.latency[link] - times[0])
        arrival.callbacks.append(lambda _ev: self._arrive(message, on_arrival, times))

    def _arrive(self, message: Message, on_arrival: _OnArrival, times: _Times) -> None:
        ingress = self.ingress[message.dst]
        if ingress is None:
            self._deliver(message, on_arrival, times)
            return
        rate: float = self.nic_ingress[message.dst]  # type: ignore[assignment]
        duration = (message.nbits + self.header_bits) / rate
        ingress.submit(duration, lambda _s: self._deliver(message, on_arrival, times))

    def _send_faulty(
        self, message: Message, link: int, on_arrival: _OnArrival, on_lost: _OnLost
    ) -> None:
        if self.retransmit is not None:
            self._attempt(_Exchange(message, on_arrival, on_lost), link)
            return
        times = self._copy(message, link, retransmission=False)
        if self._dropped(link, message.src, message.dst):
            self._after_flight(link, times, lambda: self._give_up(message, on_lost, times))
        else:
            self._after_flight(link, times, lambda: self._arrive(message, on_arrival, times))

    def tally(self, round: int) -> Tally:
        """Return the counts of messages of ``round`` not yet taken (zeros if none).

        Examples
        --------
        >>> Network(simpy.Environment(), nx.path_graph(1)).tally(3).transmissions
        0
        """
        return Tally(*self._by_round.get(round, Tally()))

    def take(self, round: int) -> Tally:
        """Return the summed counts of ``round`` and every earlier round not yet taken; forget them.

        Counts that come in later for a taken round (a retransmission, an acknowledgement)
        are kept and returned by the next :meth:`take` that covers that round.

        Examples
        --------
        >>> Network(simpy.Environment(), nx.path_graph(1)).take(3).lost
        0
        """
        rounds = [r for r in self._by_round if r <= round]
        taken = Tally.sum(self._by_round.pop(r) for r in rounds)
        self._taken = Tally.sum([self._taken, taken])
        return taken

    def totals(self) -> Tally:
        """Return the counts over the whole run so far (taken rounds included).

        Examples
        --------
        >>> Network(simpy.Environment(), nx.path_graph(1)).totals().payload_bits
        0
        """
        return Tally.sum([self._taken, *self._by_round.values()])

    def _count(self, round: int, field: int, amount: int) -> None:
        counts = self._by_round.get(round)
        if counts is None:
            counts = self._by_round[round] = [0] * len(Tally._fields)
        counts[field] += amount

    def _book(self, link: int, src: int, wire_bits: int) -> _Times:
        """Queue ``wire_bits`` on the sender side of ``link`` now; return its three times."""
        server = self.links[link] if self.nic_egress[src] is None else self.egress[src]
        sent = self.env.now
        duration = wire_bits / self._egress_rate(link, src)
        self.link_busy[link] += duration
        started, departed = server.reserve(duration)  # type: ignore[union-attr]
        return sent, started, departed

    def _copy(self, message: Message, link: int, *, retransmission: bool) -> _Times:
        """Book one payload copy of ``message`` on ``link`` and count it."""
        self.link_bits[link] += message.nbits
        self.link_messages[link] += 1
        self._count(message.round, _TRANSMISSIONS, 1)
        self._count(message.round, _PAYLOAD, message.nbits)
        if retransmission:
            self._count(message.round, _RETRANSMISSIONS, 1)
            self._count(message.round, _RETRANSMITTED, message.nbits)
        return self._book(link, message.src, message.nbits + self.header_bits)

    def _dropped(self, link: int, src: int, dst: int) -> bool:
        """Whether the transmission sent now on ``link`` is lost (a down link loses it)."""
        if self.link_up is not None and not self.link_up(src, dst):
            return True
        return self.loss is not None and self.loss.lost(link)

    def _after_flight(self, link: int, times: _Times, then: Callable[[], None]) -> None:
        sent, _, departed = times
        arrival = self.env.timeout(departed + self.latency[link] - sent)
        arrival.callbacks.append(lambda _ev: then())

    def _receive(self, dst: int, wire_bits: int, then: Callable[[], None]) -> None:
        ingress = self.ingress[dst]
        if ingress is None:
            then()
            return
        rate: float = self.nic_ingress[dst]  # type: ignore[assignment]
        ingress.submit(wire_bits / rate, lambda _s: then())

    def _deliver(self, message: Message, on_arrival: _OnArrival, times: _Times) -> None:
        if self.records is not None:
            m = message
            self.records.append(
                MessageRecord(m.round, m.phase, m.src, m.dst, m.nbits, *times, self.env.now)
            )
        on_arrival(message)

    def _give_up(self, message: Message, on_lost: _OnLost, times: _Times) -> None:
        self._count(message.round, _LOST, 1)
        if self.lost_records is not None:
            m = message
            self.lost_records.append(
                MessageRecord(m.round, m.phase, m.src, m.dst, m.nbits, *times, self.env.now)
            )
        if on_lost is not None:
            on_lost(message)

    # --- ARQ ---------------------------------------------------------------------------

    def _attempt(self, ex: _Exchange, link: int) -> None:
        """Send one copy of ``ex``'s message and start its timer."""
        m = ex.message
        if ex.attempts == 0:
            ex.sent = self.env.now
        times = self._copy(m, link, retransmission=ex.attempts > 0)
        ex.attempts += 1
        ex.in_flight += 1
        lost = self._dropped(link, m.src, m.dst)
        copy_times = (ex.sent, times[1], times[2])
        self._after_flight(link, times, lambda: self._copy_landed(ex, copy_times, lost))
        expiry = times[1] + self._timeout(m, link) - self.env.now
        self.env.timeout(expiry).callbacks.append(lambda _ev: self._timed_out(ex, link, times))

    def _timeout(self, message: Message, link: int) -> float:
        arq: Arq = self.retransmit  # type: ignore[assignment]
        if arq.timeout != "auto":
            return float(arq.timeout)
        back = self.link_index[(message.dst, message.src)]
        forth_rate = self._egress_rate(link, message.src)
        back_rate = self._egress_rate(back, message.dst)
        return 2 * (
            self.latency[link]
            + self.latency[back]
            + (message.nbits + self.header_bits) / forth_rate
            + (arq.ack_bits + self.header_bits) / back_rate
        )

    def _egress_rate(self, link: int, src: int) -> float:
        """Return the rate ``src`` sends at on ``link``: the link's, or its slower NIC's."""
        nic_rate = self.nic_egress[src]
        return self.bandwidth[link] if nic_rate is None else min(nic_rate, self.bandwidth[link])

    def _copy_landed(self, ex: _Exchange, times: _Times, lost: bool) -> None:
        """Drop a copy at the end of its link, or pass it on to the receiver's NIC."""
        if lost:
            ex.in_flight -= 1
            self._settle(ex, times)
            return
        m = ex.message
        self._receive(m.dst, m.nbits + self.header_bits, lambda: self._copy_received(ex, times))

    def _copy_received(self, ex: _Exchange, times: _Times) -> None:
        ex.in_flight -= 1
        if not ex.delivered:
            ex.delivered = True
            self._deliver(ex.message, ex.on_arrival, times)
        self._acknowledge(ex)

    def _acknowledge(self, ex: _Exchange) -> None:
        """Send the receiver's acknowledgement of the copy it just received."""
        m, arq = ex.message, self.retransmit
        assert arq is not None
        back = self.link_index[(m.dst, m.src)]
        self._count(m.round, _ACKS, 1)
        self._count(m.round, _ACK_BITS, arq.ack_bits)
        wire_bits = arq.ack_bits + self.header_bits
        times = self._book(back, m.dst, wire_bits)
        if not self._dropped(back, m.dst, m.src):
            self._after_flight(
                back, times, lambda: self._receive(m.src, wire_bits, lambda: _ack(ex))
            )

    def _timed_out(self, ex: _Exchange, link: int, times: _Times) -> None:
        arq = self.retransmit
        assert arq is not None
        if ex.acked:
            return
        if ex.attempts <= arq.retries:
            self._attempt(ex, link)
            return
        ex.gave_up = True
        self._settle(ex, (ex.sent, times[1], times[2]))

    def _settle(self, ex: _Exchange, times: _Times) -> None:
        """Declare the message lost once the sender gave up and no copy can still arrive."""
        if ex.gave_up and not ex.delivered and ex.in_flight == 0:
            self._give_up(ex.message, ex.on_lost, times)


def _ack(ex: _Exchange) -> None:
    ex.acked = True
