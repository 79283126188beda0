"""The event-driven engine for asynchronous algorithms: Poisson clocks, no rounds.

Every agent i has its own Poisson clock of rate ``algorithm.rate`` ticks per simulated
second (exponential gaps drawn from ``stream(seed, "clock", i)``). When it ticks the agent acts
(:meth:`~gossip_sim.algorithms.asynchronous.AsynchronousAlgorithm.activate`); each message it
sends crosses the SimPy network (:class:`~gossip_sim.network.Network`), and when it arrives its
receiver acts on it (``deliver``), perhaps answering. Nobody waits for a round.

The trace's x-axis is simulated time. A "round" is K activations (clock ticks, including the
ticks of agents too busy to act): round r is recorded at the (r K)-th activation, with SimPy's
clock then, the payload bits and messages sent since the previous record, and the consensus
and problem errors of the agents' current estimates. When the run stops (after ``rounds``
rounds, at the target, or at the end of a given ``schedule``) the clocks stop, the messages
still on the wire are delivered (and answered), and the last round is recorded once the
network is quiet: no exchange is left half done, no push-sum mass is left in flight.

The links of a directed graph carry messages both ways (replies, acknowledgements): the
network is built on the undirected graph underneath; who sends to whom is the algorithm's.

Examples
--------
>>> g = gs.topology.build("directed-exponential", 8, links="lan")
>>> W = gs.mixing.mixing_matrix("column-stochastic", g)
>>> p = gs.problems.create("consensus", n_agents=8, dim=4)
>>> trace = run(gs.algorithms.create("push-sum", g, W, p), g, rounds=30, seed=1)
>>> trace.final.round, trace.final.error < 1e-6 * trace.rounds[0].error
(30, True)
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Generator, Sequence
from typing import Any

import networkx as nx
import numpy as np
import simpy

from gossip_sim._random import stream
from gossip_sim._typing import Stack
from gossip_sim.algorithms.asynchronous import AsynchronousAlgorithm, Send
from gossip_sim.errors import ConfigError, DivergenceError
from gossip_sim.faults.loss import Tally
from gossip_sim.network import Message, Network
from gossip_sim.problems.base import consensus_error
from gossip_sim.summary import AlgorithmFacts, Ending, Status, divergence
from gossip_sim.trace import FaultRecord, RoundRecord, Trace

__all__ = ["network_options", "run"]

#: Faults the asynchronous engine plays (the rest need rounds: refused by network_options).
_PLAYED = ("loss", "retransmit")


def network_options(plan: Any, seed: int) -> dict[str, Any]:
    """Return the Network settings of a fault plan for an asynchronous run (loss only).

    Examples
    --------
    >>> from gossip_sim.faults.plan import FaultPlan
    >>> network_options(FaultPlan.create(), 0)
    {}
    >>> network_options(FaultPlan.create(deadline=0.5), 0)
    Traceback (most recent call last):
    ...
    gossip_sim.errors.ConfigError: asynchronous algorithms play message loss only, not --deadline...
    """
    unplayed = [
        "--" + name.replace("_", "-")
        for name in ("deadline", "crash_fraction", "churn", "link_failures", "stragglers")
        if getattr(plan, name, None)
    ]
    if unplayed:
        raise ConfigError(
            f"asynchronous algorithms play message loss only, not {', '.join(unplayed)}: "
            "those need rounds (use a round-based algorithm, e.g. exact-gossip or choco-gossip)"
        )
    if plan.loss is None and plan.retransmit is None:
        return {}
    return {"loss": plan.loss, "retransmit": plan.retransmit, "seed": seed}


class _Clocks:
    """Where the next activation comes from: the agents' Poisson clocks or a given schedule."""

    def __init__(
        self, k: int, rate: float, seed: int, schedule: Sequence[tuple[float, int]] | None
    ) -> None:
        self.schedule = None if schedule is None else list(schedule)
        self.played = 0
        self.rngs = [stream(seed, "clock", i) for i in range(k)]
        self.scale = 1.0 / rate
        #: (time of the next tick, agent), a heap: ties go to the lowest agent
        self.next = [(float(rng.exponential(self.scale)), i) for i, rng in enumerate(self.rngs)]
        heapq.heapify(self.next)

    @property
    def exhausted(self) -> bool:
        """Whether a given schedule has no activation left (never, for the Poisson clocks)."""
        return self.schedule is not None and self.played >= len(self.schedule)

    def pop(self) -> tuple[float, int] | None:
        """Return (time, agent) of the next activation, None when a schedule is used up."""
        if self.schedule is not None:
            if self.exhausted:
                return None
            when, agent = self.schedule[self.played]
            self.played += 1
            return float(when), int(agent)
        when, i = self.next[0]
        heapq.heapreplace(self.next, (when + float(self.rngs[i].exponential(self.scale)), i))
        return when, i


class _Run:
    """One asynchronous run (see :func:`run`): clocks, network, records."""

    def __init__(
        self, algorithm: AsynchronousAlgorithm, graph: nx.Graph, options: dict[str, Any]
    ) -> None:
        self.algorithm, self.options = algorithm, options
        self.k = graph.number_of_nodes()
        self.env = simpy.Environment()
        net = dict(options["network_options"] or {})
        self.lossy = net.get("loss") is not None
        links = nx.Graph(graph) if graph.is_directed() else graph  # both ways on every link
        self.network = Network(self.env, links, **net)
        self.timeout = algorithm.reply_timeout(self.lossy)
        self.clocks = _Clocks(self.k, algorithm.rate, options["seed"], options["schedule"])
        self.problem = getattr(algorithm, "problem", None)
        values = algorithm.values
        self.initial_error = self._error(values)
        self.records = [RoundRecord(0, 0.0, 0, 0, 0, consensus_error(values), self.initial_error)]
        self.initial_mean = values.mean(axis=0)
        self.faults = [FaultRecord(0, 0, 0, 0, 0, 0, self.k, consensus_error(values), 0.0)]
        self.sent, self.received = [np.zeros(self.k, np.int64)], [np.zeros(self.k, np.int64)]
        self.finish = [np.zeros(self.k)]
        self.bits_sent = np.zeros(self.k, np.int64)  # since the last record
        self.bits_received = np.zeros(self.k, np.int64)
        self.messages = 0
        self.last_tick = np.zeros(self.k)
        self.quiet_at = 0.0  # the time of the last activation or delivery
        self.ending = Ending(Status.ROUNDS_EXHAUSTED)
        self.closing: int | None = None  # the round recorded once the network is quiet
        if on_round := options["on_round"]:
            on_round(self.records[0])

    def _error(self, values: Stack) -> float:
        if self.problem is None:
            return consensus_error(values)
        return float(self.problem.error(values))

    def play(self) -> Generator[simpy.Event, Any, None]:
        """Play the activations in time order (the one process of the run)."""
        rounds, target = self.options["rounds"], self.options["target"]
        if rounds <= 0 or (target is not None and self.initial_error <= target):
            if rounds > 0:
                self.ending = Ending(Status.TARGET_REACHED)
            return
        activations = 0
        while (tick := self.clocks.pop()) is not None:
            when, i = tick
            if when > self.env.now:
                yield self.env.timeout(when - self.env.now)
            self.last_tick[i] = self.quiet_at = self.env.now
            self._send(self.algorithm.activate(i))
            activations += 1
            if activations % self.k == 0 and self._checkpoint(activations // self.k):
                return
        if activations % self.k:  # a schedule ended inside a round: close that round
            self.closing = activations // self.k + 1

    def _checkpoint(self, r: int) -> bool:
        """Record round ``r``, or decide to stop there; return whether the run stops."""
        values = self.algorithm.values
        if not np.all(np.isfinite(values)):
            self.ending = Ending(Status.DIVERGED, f"round {r} produced NaN or inf")
            return True
        error = self._error(values)
        o = self.options
        ending = divergence(
            r - 1,
            error,
            self.initial_error,
            o["divergence_factor"],
            o["growth_factor"],
            o["growth_warmup"],
        )
        if ending is not None:
            self.ending = ending
            return True
        if o["target"] is not None and error <= o["target"]:
            self.ending, self.closing = Ending(Status.TARGET_REACHED), r
            return True
        if r >= o["rounds"] or self.clocks.exhausted:
            self.closing = r
            return True
        self._record(r, error)
        return False

    def _record(self, r: int, error: float | None = None) -> None:
        values = self.algorithm.values
        error = self._error(values) if error is None else error
        previous = self.records[-1]
        bits = int(self.bits_sent.sum())
        extra = self.network.take(r) if self.lossy else Tally()
        bits += extra.retransmitted_bits + extra.ack_bits  # counted honestly, as sent
        # the closing round: when the last message arrived (timers may fire later, idle)
        now = self.quiet_at if r == self.closing else self.env.now
        record = RoundRecord(
            r,
            float(now),
            bits,
            previous.cumulative_bits + bits,
            self.messages,
            consensus_error(values),
            error,
        )
        self.records.append(record)
        shift = values.mean(axis=0) - self.initial_mean
        self.faults.append(
            FaultRecord(
                r,
                extra.lost,
                extra.retransmissions,
                extra.acks,
                0,
                0,
                self.k,
                record.consensus_error,
                float(np.sqrt(np.einsum("d,d->", shift, shift))),
            )
        )
        self.sent.append(self.bits_sent.copy())
        self.received.append(self.bits_received.copy())
        self.finish.append(self.last_tick.copy())
        self.bits_sent[:] = 0
        self.bits_received[:] = 0
        self.messages = 0
        if self.options["on_values"]:
            self.options["on_values"](r, values)
        if self.options["on_round"]:
            self.options["on_round"](record)

    def _send(self, sends: list[Send]) -> None:
        for s in sends:
            # a lost message never arrives: its sender's timer (if it waits) frees it
            self.network.send(
                Message(s.src, s.dst, s.nbits, len(self.records), payload=s), self._arrived
            )
            self.bits_sent[s.src] += s.nbits
            self.messages += 1
            if s.awaits_reply and self.timeout is not None:
                self.env.timeout(self.timeout).callbacks.append(self._expiry(s))

    def _expiry(self, request: Send) -> Callable[[simpy.Event], None]:
        """Return the timer callback that makes ``request``'s sender give up on its answer."""
        return lambda _event: self.algorithm.give_up(request.src, request.exchange)

    def _arrived(self, message: Message) -> None:
        self.quiet_at = self.env.now
        self.bits_received[message.dst] += message.nbits
        self._send(self.algorithm.deliver(message.payload))

    def execute(self, config: dict[str, Any]) -> Trace:
        """Run to the end, record the closing round once the network is quiet, return the trace."""
        self.env.process(self.play())
        self.env.run()
        if self.closing is not None:
            self._record(self.closing)
        trace = Trace(
            config=config,
            rounds=self.records,
            agent_bits_sent=np.vstack(self.sent),
            agent_bits_received=np.vstack(self.received),
            agent_finish=np.vstack(self.finish),
            links=self._links(),
            messages=self.network.records,
            ending=self.ending,
            algorithm=AlgorithmFacts.of(self.algorithm.describe()),
            final_values=self.algorithm.values.copy(),
            faults=self.faults,
        )
        if self.ending.status is Status.DIVERGED:
            raise DivergenceError(f"the run {self.ending}; the trace up to then is kept", trace)
        return trace

    def _links(self) -> list[tuple[int, int, int, int, float]]:
        """Return each link direction's (src, dst, messages, bits, busy time) for links.csv."""
        net = self.network
        return [
            (a, b, int(net.link_messages[j]), int(net.link_bits[j]), float(net.link_busy[j]))
            for (a, b), j in sorted(net.link_index.items())
        ]


def run(
    algorithm: AsynchronousAlgorithm,
    graph: nx.Graph,
    *,
    rounds: int = 100,
    target: float | None = None,
    network_options: dict[str, Any] | None = None,
    seed: int = 0,
    schedule: Sequence[tuple[float, int]] | None = None,
    divergence_factor: float = 1e8,
    growth_factor: float = 1e3,
    growth_warmup: int = 20,
    on_round: Callable[[RoundRecord], None] | None = None,
    on_values: Callable[[int, Stack], None] | None = None,
    config: dict[str, Any] | None = None,
) -> Trace:
    """Run an asynchronous algorithm on ``graph``'s network for ``rounds`` x K activations.

    Parameters
    ----------
    algorithm : AsynchronousAlgorithm
        E.g. ``gs.algorithms.create("pairwise-gossip", graph, W, problem)``.
    graph : networkx.Graph or networkx.DiGraph
        The topology with link attributes (see :func:`gossip_sim.topology.build`).
    rounds : int
        The most rounds; a round is K activations (see the module).
    target : float, optional
        Stop at the first round whose error is at most ``target``.
    network_options : dict, optional
        Passed to :class:`~gossip_sim.network.Network` (``header_bits``, ``record_messages``,
        and the loss settings ``loss``, ``retransmit``, ``seed`` where the network has them;
        with ``loss`` every send also gets an ``on_lost`` callback).
    seed : int
        The run's seed: agent i's clock draws from ``stream(seed, "clock", i)``.
    schedule : sequence of (time, agent), optional
        Replay these activations (non-decreasing times) instead of the Poisson clocks; the run
        ends after ``min(rounds, len(schedule) // K)`` rounds.
    divergence_factor, growth_factor, growth_warmup
        The divergence rules of :func:`gossip_sim.summary.divergence`, per round.
    on_round, on_values : callable, optional
        Called with each record, and with (round, values) at each record.
    config : dict, optional
        The configuration to keep in the trace.

    Returns
    -------
    Trace
        One record per round; ``time_s`` is simulated time.

    Raises
    ------
    DivergenceError
        If the estimates became NaN/inf or broke a divergence rule (the trace is kept).

    Examples
    --------
    >>> g = gs.topology.build("ring", 6)
    >>> p = gs.problems.create("consensus", n_agents=6, dim=2)
    >>> alg = gs.algorithms.create("pairwise-gossip", g, None, p)
    >>> trace = run(alg, g, rounds=5, seed=3)
    >>> trace.final.round, bool(np.allclose(alg.x.mean(axis=0), p.target))
    (5, True)
    """
    if schedule is not None and any(
        b[0] < a[0] or not 0 <= b[1] < graph.number_of_nodes()
        for a, b in zip([(0.0, 0), *schedule], schedule, strict=False)
    ):
        raise ConfigError("schedule: give (time, agent) pairs in time order, agents 0..K-1")
    options = {
        "rounds": rounds,
        "target": target,
        "network_options": network_options,
        "seed": seed,
        "schedule": schedule,
        "divergence_factor": divergence_factor,
        "growth_factor": growth_factor,
        "growth_warmup": growth_warmup,
        "on_round": on_round,
        "on_values": on_values,
    }
    return _Run(algorithm, graph, options).execute(config or {})
