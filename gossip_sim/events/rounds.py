"""The event-driven engine for round-based algorithms: each agent mixes what reached it.

Every agent is a SimPy process with its own state (an :class:`~gossip_sim.algorithms.agents.
AgentProgram`)::

    for round t = 0, 1, ...:
        if crashed or gone: wait until back (crash-recover, churn), then join the current round
        compute (--compute-seconds + a straggler draw), local step, encode
        send the payload to each live out-neighbour of round t (the network may lose it)
        wait until each live in-neighbour's round-t message has arrived or is known lost,
            or until the deadline has passed
        mix with the latest of what it holds from each in-neighbour (stale when it missed one)

A message is applied by its receiver when it arrives, or, if it belongs to a round the receiver
has not reached yet, when the receiver enters that round. Who is alive and which W a round uses
is fixed when the round's first agent reaches it (:class:`~gossip_sim.events.membership.
Membership`). Round t is recorded when its last live agent has mixed it: the values are each
agent's after round t, so agents that run ahead do not blur a round.

On a run where nothing can go wrong this gives the batched engine's numbers, times and bits
(:mod:`gossip_sim.engine`, to rounding: ``tests/test_events.py``).

Examples
--------
>>> from gossip_sim.faults.plan import FaultPlan
>>> g = gs.topology.build("ring", 5, links="lan")
>>> W = gs.mixing.mixing_matrix("uniform", g)
>>> p = gs.problems.create("consensus", n_agents=5, dim=4)
>>> alg = gs.algorithms.create("exact-gossip", g, W, p)
>>> trace = run(alg, g, W, FaultPlan.create(loss=0.2), rounds=10, seed=1)
>>> trace.final.round, trace.faults[-1].agents_alive
(10, 5)
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any

import networkx as nx
import numpy as np
import scipy.sparse as sp
import simpy
from numpy.typing import NDArray

from gossip_sim._typing import Stack
from gossip_sim.errors import ConfigError, DivergenceError
from gossip_sim.events.membership import Membership
from gossip_sim.faults.plan import FaultPlan
from gossip_sim.network import Message, Network
from gossip_sim.problems.base import consensus_error
from gossip_sim.summary import AlgorithmFacts, Ending, Status, divergence
from gossip_sim.trace import FaultRecord, RoundRecord, Trace

__all__ = ["run"]

IntArray = NDArray[np.int64]


@dataclass(frozen=True)
class _Structure:
    """Who agent i hears from and sends to under one W, with the weights it mixes with."""

    senders: list[IntArray]
    weights: list[NDArray[np.float64]]
    own: list[float]
    receivers: list[list[int]]

    @classmethod
    def of(cls, W: sp.csr_array) -> _Structure:
        csr = sp.csr_array(W)
        k = csr.shape[0]
        senders, weights, own = [], [], []
        for i in range(k):
            cols = csr.indices[csr.indptr[i] : csr.indptr[i + 1]]
            vals = csr.data[csr.indptr[i] : csr.indptr[i + 1]]
            keep = (cols != i) & (vals != 0)
            senders.append(cols[keep].astype(np.int64))
            weights.append(vals[keep].astype(np.float64))
            diagonal = vals[cols == i]
            own.append(float(diagonal[0]) if len(diagonal) else 0.0)
        receivers: list[list[int]] = [[] for _ in range(k)]
        for i, cols in enumerate(senders):
            for j in cols.tolist():
                receivers[j].append(i)
        return cls(senders, weights, own, receivers)


class _OpenRound:
    """The engine's bookkeeping of one round: its view, who has mixed, what was sent."""

    def __init__(self, t: int, view: Any, structure: _Structure, values: Stack) -> None:
        k = len(structure.own)
        self.t, self.view, self.structure = t, view, structure
        self.remaining = [len(s) if view.alive[i] else 0 for i, s in enumerate(structure.senders)]
        self.arrived = [0] * k
        self.waiters: dict[int, simpy.Event] = {}
        self.unmixed = int(np.count_nonzero(view.alive))
        self.snapshot = values.copy()
        self.finish = np.full(k, np.nan)
        self.sent = np.zeros(k, dtype=np.int64)
        self.received = np.zeros(k, dtype=np.int64)
        self.bits = 0
        self.messages = 0
        self.stale_uses = 0
        self.max_staleness = 0
        #: sender → receivers it was not linked to (live) in the round before: it sends them
        #: its full state this round (see :meth:`_EventRun.fresh_pairs`)
        self.fresh: dict[int, set[int]] = {}


class _EventRun:
    """State of one event-driven run (see :func:`run`)."""

    def __init__(
        self, algorithm: Any, graph: nx.Graph, W: sp.csr_array, plan: FaultPlan, options: dict
    ) -> None:
        self.algorithm = algorithm
        self.program = algorithm.agents()
        self.problem = getattr(algorithm, "problem", None)
        self.k = graph.number_of_nodes()
        self.options = options
        self.plan = plan
        self.env = simpy.Environment()
        seed = options["seed"]
        self.membership = Membership(self.env, graph, W, plan, seed=seed, base=options["base"])
        faults: dict[str, Any] = {}
        if plan.loss is not None or plan.retransmit is not None or plan.link_failures is not None:
            faults = {
                "loss": plan.loss,
                "retransmit": plan.retransmit,
                "seed": seed,
                "link_up": self.membership.link_up if plan.link_failures is not None else None,
            }
        self.network = Network(
            self.env,
            graph,
            header_bits=options["header_bits"],
            record_messages=options["record_messages"],
            **faults,
        )
        self.lossy = bool(faults)
        self.structures: dict[int, tuple[sp.csr_array, _Structure]] = {}
        self.open: dict[int, _OpenRound] = {}
        self.opened = -1
        self.sending: list[tuple[int, simpy.Event]] = []
        self.previous: _Structure | None = None
        self.current = [0] * self.k
        self.last_mixed = np.full(self.k, -1, dtype=np.int64)
        self.inbox: list[list[Message]] = [[] for _ in range(self.k)]
        self.last_heard: dict[tuple[int, int], int] = {}
        self.last: int | None = None if options["rounds"] > 0 else -1
        self.ending = Ending(Status.ROUNDS_EXHAUSTED)
        self.done = self.env.event()
        values = self.program.values
        self.initial_error = self._error(values)
        self.initial_mean = values.mean(axis=0)
        self.records = [RoundRecord(0, 0.0, 0, 0, 0, consensus_error(values), self.initial_error)]
        self.faults = [FaultRecord(0, 0, 0, 0, 0, 0, self.k, consensus_error(values), 0.0)]
        self.sent = [np.zeros(self.k, dtype=np.int64)]
        self.received = [np.zeros(self.k, dtype=np.int64)]
        self.finish = [np.zeros(self.k)]
        self.final_values = values.copy()
        if options["on_values"]:
            options["on_values"](0, values)
        if options["on_round"]:
            options["on_round"](self.records[0])
        target = options["target"]
        if target is not None and self.initial_error <= target:
            self._end(-1, Ending(Status.TARGET_REACHED))

    def _error(self, values: Stack) -> float:
        if self.problem is not None:
            return float(self.problem.error(values))
        return consensus_error(values)

    def _structure(self, W: sp.csr_array) -> _Structure:
        """Return who hears whom under ``W``, cached while the same W object comes back.

        The cache keeps W itself: an id alone could be reused by a later round's new W.
        """
        cached = self.structures.get(id(W))
        if cached is None or cached[0] is not W:
            if len(self.structures) > 64:  # a random sequence: a new W every round
                self.structures.clear()
            cached = self.structures[id(W)] = (W, _Structure.of(W))
        return cached[1]

    def ended_before(self, t: int) -> bool:
        """Whether the run ends before round ``t`` (its budget, its target, a divergence)."""
        return (self.last is not None and t > self.last) or t >= self.options["rounds"]

    def round(self, t: int) -> _OpenRound | None:
        """Return round ``t``, opening it (its view, its snapshot) if no agent reached it yet.

        None if the round is already recorded: it closed without this agent, down in it.
        """
        while self.opened < t:
            n = self.opened + 1
            view = self.membership.open_round(n)
            structure = self._structure(view.W)
            self.open[n] = _OpenRound(n, view, structure, self.program.values)
            if n > 0 and structure is not self.previous:
                self.open[n].fresh = _fresh_pairs(self.previous, structure)
            self.previous = structure
            self.opened = n
            if self.open[n].unmixed == 0:  # cannot happen: at least one agent stays
                raise RuntimeError(f"round {n + 1} has no live agent")
        return self.open.get(t)

    def agent(self, i: int) -> Generator[simpy.Event, Any, None]:
        """Play agent ``i``: compute, send, wait, mix, round after round."""
        env, plan = self.env, self.plan
        t = 0
        while not self.ended_before(t):
            state = self.round(t)
            if state is None:  # closed without this agent, down in that round
                t += 1
                continue
            if not state.view.alive[i]:
                # down in round t: it joins the first later round that has it alive, which
                # may have opened already (and it may be down again after that one)
                later = [r for r, s in self.open.items() if r > t and s.view.alive[i]]
                if not later:
                    yield self.membership.back(i)
                    later = [r for r, s in self.open.items() if r > t and s.view.alive[i]]
                t = min(later)
                continue
            self.current[i] = t
            self._apply_inbox(i, t)
            duration = self.options["compute_seconds"] + self.membership.compute_time(i, t)
            if duration > 0:
                yield env.timeout(duration)
            encoded = self._send(i)  # encoded with the agents that send at this instant
            yield encoded
            nbits, payload = encoded.value  # type: ignore[misc]  # set by _flush
            self._transmit(i, t, state, nbits, payload)
            if state.remaining[i] > 0:
                event = state.waiters[i] = env.event()
                if plan.deadline is None:
                    yield event
                else:
                    yield event | env.timeout(plan.deadline)
                    state.waiters.pop(i, None)
            self._mix(i, t, state)
            t += 1

    def _send(self, i: int) -> simpy.Event:
        """Return an event that succeeds with agent i's (bits, payload) later at this instant.

        The agents that reach their send at one simulated instant are encoded together, at the
        end of that instant (:meth:`_flush`): the same numbers as one by one (each agent's
        state and random stream are its own), in one NumPy pass instead of K.
        """
        event = self.env.event()
        if not self.sending:
            flush = self.env.event()
            flush.callbacks.append(self._flush)
            flush.succeed()
        self.sending.append((i, event))
        return event

    def _flush(self, flush: simpy.Event) -> None:
        batch, self.sending = self.sending, []
        payloads = self.program.send_batch([agent for agent, _ in batch])
        for (_, waiting), result in zip(batch, payloads, strict=True):
            waiting.succeed(result)

    def _transmit(self, i: int, t: int, state: _OpenRound, nbits: int, payload: Any) -> None:
        """Send agent i's round-t payload to its receivers (a full state on a fresh link)."""
        receivers = state.structure.receivers[i]
        fresh = state.fresh.get(i, ())
        full = self.program.full(i) if fresh else None
        sent = 0
        for j in receivers:
            if full is not None and j in fresh:  # a new link: resynchronise
                message = Message(i, j, full[0], t, 0, "full", payload=full[1])
            else:
                message = Message(i, j, nbits, t, 0, payload=payload)
            sent += message.nbits
            self.network.send(message, self._arrived, *((self._lost,) if self.lossy else ()))
        state.sent[i] += sent
        state.bits += sent
        state.messages += len(receivers)

    def _apply_inbox(self, i: int, t: int) -> None:
        """Apply the messages of rounds up to ``t`` that reached agent ``i`` before it did."""
        if not self.inbox[i]:
            return
        keep = []
        for message in self.inbox[i]:
            if message.round <= t:
                self._apply(message)
            else:
                keep.append(message)
        self.inbox[i] = keep

    def _apply(self, message: Message) -> None:
        if message.tag == "full":
            self.program.receive_full(message.dst, message.src, message.payload)
        else:
            self.program.receive(message.dst, message.src, message.payload)
        key = (message.dst, message.src)
        self.last_heard[key] = max(self.last_heard.get(key, -1), message.round)

    def _arrived(self, message: Message) -> None:
        dst, r = message.dst, message.round
        state = self.open.get(r)
        # an agent alive in the message's round finishes that round even if it has crashed
        # since a later round opened; otherwise a crashed agent receives nothing
        if not (state.view.alive[dst] if state is not None else self.membership.alive(dst)):
            return
        if r > self.current[dst]:
            self.inbox[dst].append(message)  # from a round the receiver has not reached yet
        else:
            self._apply(message)
        if state is not None:
            state.received[dst] += message.nbits
            state.arrived[dst] += 1
            self._resolved(state, dst)

    def _lost(self, message: Message) -> None:
        state = self.open.get(message.round)
        if state is not None:
            self._resolved(state, message.dst)

    def _resolved(self, state: _OpenRound, dst: int) -> None:
        state.remaining[dst] -= 1
        if state.remaining[dst] == 0 and dst in state.waiters:
            state.waiters.pop(dst).succeed()

    def _mix(self, i: int, t: int, state: _OpenRound) -> None:
        s = state.structure
        senders = s.senders[i]
        missing = len(senders) - state.arrived[i]
        if missing > 0:
            state.stale_uses += missing
            heard = [self.last_heard.get((i, int(j)), -1) for j in senders]
            state.max_staleness = max(state.max_staleness, t - min(heard))
        self.program.mix(i, t, senders, s.weights[i], s.own[i])
        state.snapshot[i] = self.program.values[i]
        self.last_mixed[i] = t
        state.finish[i] = self.env.now
        state.unmixed -= 1
        if state.unmixed == 0:
            self._close(state)

    def _close(self, mixed: _OpenRound) -> None:
        """Record every round whose last live agent has mixed it, in order."""
        while True:
            t = len(self.records) - 1
            state = self.open.get(t)
            if state is None or state.unmixed > 0 or (self.last is not None and t > self.last):
                return
            del self.open[t]
            self._record(state)

    def _record(self, state: _OpenRound) -> None:
        t, values = state.t, state.snapshot
        # an agent down in round t holds the value of the last round it mixed (the snapshot was
        # taken when the round opened, maybe before it finished the round before)
        down = np.flatnonzero(~state.view.alive)
        if len(down):
            still = down[self.last_mixed[down] < t]
            values[still] = self.program.values[still]
        if not np.all(np.isfinite(values)):
            self._end(t - 1, Ending(Status.DIVERGED, f"round {t + 1} produced NaN or inf"))
            return
        error = self._error(values)
        o = self.options
        ending = divergence(
            t,
            error,
            self.initial_error,
            o["divergence_factor"],
            o["growth_factor"],
            o["growth_warmup"],
        )
        if ending is not None:
            self._end(t - 1, ending)
            return
        extra = self.network.take(t) if self.lossy else None
        alive = state.view.alive
        live = values[alive]
        bits = state.bits
        lost = retransmissions = acks = 0
        if extra is not None:
            bits += extra.retransmitted_bits + extra.ack_bits
            lost, retransmissions, acks = extra.lost, extra.retransmissions, extra.acks
        previous = self.records[-1]
        finished = state.finish[alive]
        record = RoundRecord(
            t + 1,
            float(finished.max()),
            bits,
            previous.cumulative_bits + bits,
            state.messages,
            consensus_error(values),
            error,
        )
        shift = live.mean(axis=0) - self.initial_mean
        self.faults.append(
            FaultRecord(
                t + 1,
                lost,
                retransmissions,
                acks,
                state.stale_uses,
                state.max_staleness,
                int(np.count_nonzero(alive)),
                consensus_error(live),
                float(np.sqrt(np.einsum("d,d->", shift, shift))),
            )
        )
        self.records.append(record)
        self.sent.append(state.sent)
        self.received.append(state.received)
        self.finish.append(state.finish)
        self.final_values = values
        if self.options["on_values"]:
            self.options["on_values"](t + 1, values)
        if self.options["on_round"]:
            self.options["on_round"](record)
        target = self.options["target"]
        if target is not None and error <= target:
            self._end(t, Ending(Status.TARGET_REACHED))
        elif t + 1 >= self.options["rounds"]:
            self._end(t, Ending(Status.ROUNDS_EXHAUSTED))

    def _end(self, last: int, ending: Ending) -> None:
        self.last, self.ending = last, ending
        if not self.done.triggered:
            self.done.succeed()

    def execute(self, config: dict[str, Any]) -> Trace:
        """Run to the end and return the trace."""
        self.membership.start()
        if not self.done.triggered:
            for i in range(self.k):
                self.env.process(self.agent(i))
            try:
                self.env.run(until=self.done)
            except RuntimeError as exc:  # SimPy ran out of events before the run ended
                raise RuntimeError(f"the event-driven run stalled: {exc}") from None
        counter = getattr(self.env, "_eid", None)
        net = self.network
        links = [
            (src, dst, int(net.link_messages[j]), int(net.link_bits[j]), float(net.link_busy[j]))
            for (src, dst), j in sorted(net.link_index.items())
        ]
        trace = Trace(
            config=config,
            rounds=self.records,
            agent_bits_sent=np.vstack(self.sent),
            agent_bits_received=np.vstack(self.received),
            agent_finish=np.vstack(self.finish),
            links=links,
            messages=net.records,
            ending=self.ending,
            algorithm=AlgorithmFacts.of(self.algorithm.describe()),
            simpy_events=next(counter) if counter is not None else None,
            final_values=self.final_values,
            faults=self.faults,
        )
        if self.ending.status is Status.DIVERGED:
            raise DivergenceError(f"the run {self.ending}; the trace up to then is kept", trace)
        return trace


def _fresh_pairs(before: _Structure | None, now: _Structure) -> dict[int, set[int]]:
    """Return sender → receivers linked (both alive, link up, w > 0) now but not before.

    On such a pair the receiver's copy of the sender's state may have missed updates while
    they were apart (a link down, an agent crashed or gone), so the sender sends its full state
    once (:meth:`~gossip_sim.algorithms.agents.AgentProgram.full`).
    """
    fresh: dict[int, set[int]] = {}
    for i, receivers in enumerate(now.receivers):
        old = set(before.receivers[i]) if before is not None else set()
        new = set(receivers) - old
        if new:
            fresh[i] = new
    return fresh


def run(
    algorithm: Any,
    graph: nx.Graph,
    W: sp.csr_array,
    plan: FaultPlan,
    *,
    rounds: int = 100,
    target: float | None = None,
    seed: int = 0,
    compute_seconds: float = 0.0,
    header_bits: int = 0,
    record_messages: bool = False,
    base: Callable[[int], sp.csr_array] | None = None,
    divergence_factor: float = 1e8,
    growth_factor: float = 1e3,
    growth_warmup: int = 20,
    on_round: Callable[[RoundRecord], None] | None = None,
    on_values: Callable[[int, Stack], None] | None = None,
    config: dict[str, Any] | None = None,
) -> Trace:
    """Run ``algorithm`` agent by agent on ``graph``'s network, with the faults of ``plan``.

    Parameters are those of :func:`gossip_sim.engine.run`, plus ``W`` (the run's mixing
    matrix), ``plan`` (what can go wrong), ``seed`` (the faults' random streams) and ``base``
    (a time-varying graph's W per round). ``algorithm`` must have a per-agent form
    (``algorithm.agents()``, :mod:`gossip_sim.algorithms.agents`).

    Returns
    -------
    Trace
        With ``trace.faults``: per round, messages lost, retransmitted and acknowledged, stale
        uses, live agents and the consensus error among them.
    """
    if rounds < 0:
        raise ConfigError(f"rounds = {rounds} is not valid; give 0 or more")
    if not hasattr(algorithm, "agents"):
        raise ConfigError(
            f"{getattr(algorithm, 'name', algorithm)} has no per-agent form: it runs only on "
            "the fast path, where no message is lost, late or missing"
        )
    options = {
        "rounds": rounds,
        "target": target,
        "seed": seed,
        "compute_seconds": compute_seconds,
        "header_bits": header_bits,
        "record_messages": record_messages,
        "base": base,
        "divergence_factor": divergence_factor,
        "growth_factor": growth_factor,
        "growth_warmup": growth_warmup,
        "on_round": on_round,
        "on_values": on_values,
    }
    return _EventRun(algorithm, graph, W, plan, options).execute(config or {})
