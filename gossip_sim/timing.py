"""The fast path's network timing as array operations: a whole phase of messages at once.

:mod:`gossip_sim.network` plays every message out as SimPy events. Where nothing can change
the answer but the clock (no loss, no deadline, no ARQ, no ingress NIC, synchronous rounds),
the same times follow from a closed form that NumPy evaluates for all the messages of a phase
together:

- every sender-side server is fed by one agent only (its NIC egress port, or without a NIC
  each direction of each of its links), and an agent sends all the messages of a phase at
  one instant ``ready``, in its outgoing order; so a server's schedule is
  ``start_0 = max(ready, free)``, ``end_k = start_k + (nbits_k + header_bits) / rate_k``,
  ``start_{k+1} = end_k`` (:meth:`FifoServer.reserve <gossip_sim.network.FifoServer.reserve>`
  applied job by job), a cumulative sum along each server's messages;
- a message arrives at ``ready + ((departed + latency) - ready)``: the float expression of
  the SimPy timeout the network schedules (``now + delay``), not a simplified one;
- an agent ends a phase at ``max(ready, last arrival)`` and starts the next one then; it
  starts round ``t + 1`` at the end of round ``t`` plus its compute time.

No order between agents enters these formulas, so they hold whatever order SimPy processes
simultaneous events in. An ingress NIC breaks that: its queue mixes messages of two rounds
from different senders in the order they reach it, so its times depend on the global order of
events; the engine plays those runs out with SimPy. ``tests/test_timing.py`` checks with
Hypothesis that every time below equals the SimPy network's, to the bit.

Examples
--------
>>> import networkx as nx
>>> g = nx.path_graph(3)
>>> nx.set_edge_attributes(g, 0.01, "latency"); nx.set_edge_attributes(g, 1e6, "bandwidth")
>>> net = ArrayNetwork(g)
>>> src, dst, nbits = np.array([1, 1]), np.array([0, 2]), np.array([1000, 1000])
>>> times = net.phase(np.zeros(3), src, dst, nbits)
>>> times.arrived.tolist()  # 1000 bits / 1 Mb/s + 10 ms, the two links in parallel
[0.011, 0.011]
>>> net.phase_end(np.zeros(3), dst, times.arrived).tolist()
[0.011, 0.0, 0.011]
"""

from __future__ import annotations

from typing import Any, NamedTuple

import networkx as nx
import numpy as np
from numpy.typing import NDArray

from gossip_sim.errors import ConfigError

__all__ = ["ArrayNetwork", "PhaseTimes"]

_Floats = NDArray[np.float64]
_Ints = NDArray[np.int64]


class PhaseTimes(NamedTuple):
    """The times of one phase's messages, in the order they were given (seconds).

    The fields of :class:`~gossip_sim.trace.MessageRecord` that are times, plus the link each
    message took (its index in :attr:`ArrayNetwork.links`).

    Examples
    --------
    >>> one = np.zeros(1)
    >>> PhaseTimes(np.zeros(1, dtype=np.int64), one, one, one + 1, one + 2).arrived
    array([2.])
    """

    link: _Ints
    sent: _Floats
    start: _Floats
    departed: _Floats
    arrived: _Floats


def _rate(value: Any, what: str) -> float:
    """Return a rate in bits/s (NaN: none), refusing what :mod:`gossip_sim.network` refuses."""
    if value is None:
        return float("nan")
    rate = float(value)
    if not rate > 0 or not np.isfinite(rate):
        raise ConfigError(f"{what} = {value!r} is not valid; give a positive number of bits/s")
    return rate


class ArrayNetwork:
    """The links and NIC egress ports of ``graph``, timed a phase at a time with NumPy.

    Holds what :class:`~gossip_sim.network.Network` holds for a loss-free run: each server's
    next free time and each link direction's message, bit and busy-time counters, numbered
    as the network numbers its links (both directions of every edge in ``graph.edges`` order).

    Parameters
    ----------
    graph : networkx.Graph
        Nodes 0..K-1; every edge has ``latency`` (s) and ``bandwidth`` (bits/s); nodes may have
        ``nic_egress`` (bits/s). ``nic_ingress`` is refused (see the module docstring).
    header_bits : int, optional
        Bits added to every message on the wire (they take time; they are not payload bits).

    Examples
    --------
    >>> import networkx as nx
    >>> g = gs.topology.build("star", 4, nic_egress=1e6)
    >>> net = ArrayNetwork(g)
    >>> hub = net.phase(np.zeros(4), np.zeros(3, int), np.arange(1, 4), np.full(3, 1000))
    >>> np.diff(hub.departed).tolist()  # the hub's port sends one message after the other
    [0.001, 0.001]
    """

    def __init__(self, graph: nx.Graph, *, header_bits: int = 0) -> None:
        if header_bits < 0:
            raise ConfigError(f"header_bits = {header_bits} is not valid; give 0 or more bits")
        self.header_bits = int(header_bits)
        n = self.n_agents = graph.number_of_nodes()
        src: list[int] = []
        dst: list[int] = []
        latency: list[float] = []
        bandwidth: list[float] = []
        for u, v, data in graph.edges(data=True):
            for a, b in ((u, v), (v, u)):
                src.append(a)
                dst.append(b)
                latency.append(float(data["latency"]))
                bandwidth.append(_rate(data["bandwidth"], f"bandwidth of link {a}-{b}"))
        self.link_src = np.array(src, dtype=np.int64)
        self.link_dst = np.array(dst, dtype=np.int64)
        self.latency = np.array(latency, dtype=np.float64)
        self.bandwidth = np.array(bandwidth, dtype=np.float64)
        nodes = [graph.nodes[i] for i in range(n)]
        self.nic_egress = np.array(
            [_rate(d.get("nic_egress"), f"nic_egress of node {i}") for i, d in enumerate(nodes)]
        )
        if not self.applies_to(graph):
            raise ConfigError("nic_ingress is not valid here: ArrayNetwork times no ingress NIC")
        keys = self.link_src * n + self.link_dst
        self._key_order = np.argsort(keys, kind="stable")
        self._keys = keys[self._key_order]
        self._last_lookup: tuple[_Ints, _Ints, _Ints] | None = None
        n_links = len(latency)
        self.link_messages = np.zeros(n_links, dtype=np.int64)
        self.link_bits = np.zeros(n_links, dtype=np.int64)
        self.link_busy = np.zeros(n_links, dtype=np.float64)
        # the servers: one per link direction, then one per NIC egress port
        self.free = np.zeros(n_links + n, dtype=np.float64)

    @staticmethod
    def applies_to(graph: nx.Graph) -> bool:
        """Whether the array timing equals the SimPy network's on ``graph`` (no ingress NIC).

        Examples
        --------
        >>> import networkx as nx
        >>> ArrayNetwork.applies_to(nx.path_graph(2))
        True
        """
        return all(d.get("nic_ingress") is None for _, d in graph.nodes(data=True))

    def link_ids(self, src: _Ints, dst: _Ints) -> _Ints:
        """Return the link direction of every ``src[m] → dst[m]``, refusing a pair with no link.

        Examples
        --------
        >>> import networkx as nx
        >>> g = nx.path_graph(3)
        >>> nx.set_edge_attributes(g, 0.0, "latency"); nx.set_edge_attributes(g, 1.0, "bandwidth")
        >>> ArrayNetwork(g).link_ids(np.array([1, 2]), np.array([0, 1])).tolist()
        [1, 3]
        """
        src, dst = np.asarray(src, dtype=np.int64), np.asarray(dst, dtype=np.int64)
        last = self._last_lookup
        if last is not None and np.array_equal(last[0], src) and np.array_equal(last[1], dst):
            return last[2]  # an algorithm usually sends on the same links every round
        keys = src * self.n_agents + dst
        at = np.searchsorted(self._keys, keys)
        found = at < len(self._keys)
        found[found] = self._keys[at[found]] == keys[found]
        if not found.all():
            m = int(np.flatnonzero(~found)[0])
            raise ConfigError(f"no link from agent {src[m]} to agent {dst[m]} in the topology")
        links = self._key_order[at]
        self._last_lookup = (src.copy(), dst.copy(), links)
        return links

    def phase(self, ready: _Floats, src: _Ints, dst: _Ints, nbits: _Ints) -> PhaseTimes:
        """Send one phase's messages, agent ``i`` at ``ready[i]``; return their times.

        Messages of one sender go out in the order given. Books the servers and counts the
        messages, bits and busy time on their links, as :meth:`Network.send
        <gossip_sim.network.Network.send>` does for each.

        Examples
        --------
        >>> import networkx as nx
        >>> g = nx.path_graph(2)
        >>> nx.set_edge_attributes(g, 0.5, "latency"); nx.set_edge_attributes(g, 8.0, "bandwidth")
        >>> net = ArrayNetwork(g)
        >>> times = net.phase(np.zeros(2), np.array([0, 0]), np.array([1, 1]), np.array([8, 16]))
        >>> times.start, times.departed, times.arrived
        (array([0., 1.]), array([1., 3.]), array([1.5, 3.5]))
        """
        link = self.link_ids(src, dst)
        nic = self.nic_egress[src]
        has_nic = ~np.isnan(nic)
        bandwidth = self.bandwidth[link]
        rate = np.where(has_nic, np.minimum(np.where(has_nic, nic, np.inf), bandwidth), bandwidth)
        wire = np.asarray(nbits, dtype=np.int64) + self.header_bits
        duration = wire.astype(np.float64) / rate
        np.add.at(self.link_busy, link, duration)  # in order: a float sum per link, job by job
        self.link_messages += np.bincount(link, minlength=len(self.link_messages))
        np.add.at(self.link_bits, link, nbits)
        server = np.where(has_nic, len(self.link_busy) + src, link)
        sent = np.asarray(ready, dtype=np.float64)[src]
        start, departed = self._serve(server, sent, duration)
        arrived = sent + ((departed + self.latency[link]) - sent)
        return PhaseTimes(link, sent, start, departed, arrived)

    def _serve(self, server: _Ints, sent: _Floats, duration: _Floats) -> tuple[_Floats, _Floats]:
        """Book each server's jobs in order (all of one server's jobs are sent at one instant)."""
        if len(server) == 0:
            return np.empty(0), np.empty(0)
        if np.all(server[1:] >= server[:-1]):  # the usual case: messages grouped by sender
            order = np.arange(len(server))
        else:
            order = np.argsort(server, kind="stable")
        ordered = server[order]
        first = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
        sizes = np.diff(np.r_[first, len(order)])
        servers = ordered[first]
        begin = np.maximum(sent[order[first]], self.free[servers])
        start, end = np.empty_like(duration), np.empty_like(duration)
        for size in np.flatnonzero(np.bincount(sizes)).tolist():  # few: the out-degrees
            groups = np.flatnonzero(sizes == size)
            jobs = order[first[groups, None] + np.arange(size)]
            table = np.empty((len(groups), size + 1))
            table[:, 0] = begin[groups]
            table[:, 1:] = duration[jobs]
            ends = np.cumsum(table, axis=1)  # left to right: end_k = end_{k-1} + d_k
            start[jobs], end[jobs] = ends[:, :-1], ends[:, 1:]
            self.free[servers[groups]] = ends[:, -1]
        return start, end

    @staticmethod
    def phase_end(ready: _Floats, dst: _Ints, arrived: _Floats) -> _Floats:
        """Return when each agent ends the phase: ``max(ready, its last arrival)``.

        Examples
        --------
        >>> ArrayNetwork.phase_end(np.array([1.0, 5.0]), np.array([0]), np.array([3.0]))
        array([3., 5.])
        """
        end = np.array(ready, dtype=np.float64)
        np.maximum.at(end, dst, arrived)
        return end

    def links(self) -> list[tuple[int, int, int, int, float]]:
        """Return ``(src, dst, messages, bits, busy_time_s)`` per link direction, by (src, dst).

        Examples
        --------
        >>> import networkx as nx
        >>> g = nx.path_graph(2)
        >>> nx.set_edge_attributes(g, 0.0, "latency"); nx.set_edge_attributes(g, 1.0, "bandwidth")
        >>> ArrayNetwork(g).links()
        [(0, 1, 0, 0, 0.0), (1, 0, 0, 0, 0.0)]
        """
        order = self._key_order.tolist()
        src, dst = self.link_src.tolist(), self.link_dst.tolist()
        messages, bits = self.link_messages.tolist(), self.link_bits.tolist()
        busy = self.link_busy.tolist()
        return [(src[j], dst[j], messages[j], bits[j], busy[j]) for j in order]
