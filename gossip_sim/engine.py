"""Drive an algorithm over the SimPy network, round by round, and record the trace.

This is the one module that knows both SimPy and the algorithms. Each agent is a SimPy process::

    for round t = 0, 1, ...:
        compute (modelled time), then for each phase of the round:
            send this phase's messages (each through :class:`~gossip_sim.network.Network`)
            wait until all of this phase's inbound messages have arrived

so an agent starts round t+1 as soon as its own round-t messages are in, not at a global
barrier. The values of round t do not depend on arrival times (the rounds are synchronous), so
they are computed for all agents at once, on ``(K, D)`` arrays, the first time any agent reaches
round t. The time of round t in the trace is when its last agent finished it.

Where no event can change the answer but the clock, the same times are computed a phase at a
time with NumPy (:class:`~gossip_sim.timing.ArrayNetwork`) instead of one SimPy process per
agent: the files a run writes are the same, byte for byte. SimPy plays the run out when a node
has an ingress NIC (its queue orders messages of two rounds by global event order) or when
the messages are recorded (``messages.csv`` lists them in SimPy's order of delivery; forced
array timing lists them by round, phase and sender instead, with the same times).

Examples
--------
>>> import networkx as nx
>>> g = gs.topology.build("ring", 5, links="lan")
>>> W = gs.mixing.mixing_matrix("uniform", g)
>>> problem = gs.problems.create("consensus", n_agents=5, dim=4)
>>> alg = gs.algorithms.create("exact-gossip", g, W, problem)
>>> trace = run(alg, g, rounds=10)
>>> trace.final.round, trace.final.cumulative_bits  # 10 rounds x 10 messages x 4 float64
(10, 25600)
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Generator, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

import networkx as nx
import numpy as np
import simpy
from numpy.typing import NDArray

from gossip_sim._typing import Stack
from gossip_sim.algorithms.base import Algorithm, Exchange, RoundResult
from gossip_sim.errors import ConfigError, DivergenceError
from gossip_sim.network import Message, Network
from gossip_sim.problems.base import consensus_error
from gossip_sim.summary import AlgorithmFacts, Ending, Status, divergence
from gossip_sim.timing import ArrayNetwork, PhaseTimes
from gossip_sim.trace import MessageRecord, RoundRecord, Trace

__all__ = ["ComputeModel", "run"]

#: How :func:`run` times the network: "auto" (arrays where they equal the events), "events"
#: (always SimPy) or "arrays" (refused where they do not apply). Private: set by the tests
#: that prove both equal, with :func:`_timing`.
_TIMING: ContextVar[str] = ContextVar("gossip_sim_engine_timing", default="auto")


@contextmanager
def _timing(mode: str) -> Iterator[None]:
    """Time the network of the runs started inside with ``mode`` (see :data:`_TIMING`)."""
    token = _TIMING.set(mode)
    try:
        yield
    finally:
        _TIMING.reset(token)


@dataclass(frozen=True)
class ComputeModel:
    """How long an agent computes before it sends in each round.

    time = ``seconds`` + flops / ``flops_per_second`` (the flops an algorithm reports for the
    round; the second term is 0 when either is unknown).

    Examples
    --------
    >>> ComputeModel(seconds=0.001).duration(None)
    0.001
    """

    seconds: float = 0.0
    flops_per_second: float | None = None

    def __post_init__(self) -> None:
        if self.seconds < 0:
            raise ConfigError(f"compute seconds = {self.seconds} is not valid; give 0 or more")
        if self.flops_per_second is not None and self.flops_per_second <= 0:
            raise ConfigError(f"flops_per_second = {self.flops_per_second} must be positive")

    def duration(self, flops: float | None) -> float:
        """Return the modelled compute time for ``flops`` operations."""
        if flops is None or self.flops_per_second is None:
            return self.seconds
        return self.seconds + flops / self.flops_per_second

    def durations(self, flops: NDArray[np.float64] | None, n_agents: int) -> NDArray[np.float64]:
        """Return :meth:`duration` of every agent's ``flops`` (None: not modelled), as an array.

        Examples
        --------
        >>> ComputeModel(1.0, flops_per_second=2.0).durations(np.array([1.0, 4.0]), 2).tolist()
        [1.5, 3.0]
        """
        if flops is None or self.flops_per_second is None:
            return np.full(n_agents, self.seconds)
        return self.seconds + np.asarray(flops, dtype=np.float64) / self.flops_per_second


@contextmanager
def _young_collections_only() -> Iterator[None]:
    """Pause Python's automatic cyclic garbage collector while SimPy runs.

    A run allocates millions of short-lived events and callbacks; they are freed by reference
    counting (a run creates no cyclic garbage), but their churn keeps triggering full
    collections that rescan every live object: 2 to 3 times the run time at K = 1024
    (measured in ``benchmarks/engine_vs_numpy.py``). The engine collects the young
    generations itself every 64 rounds (see ``_Recorder.close``), so an algorithm that does
    make cycles cannot grow memory without bound.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class _Phase:
    """One exchange as the agents see it: outgoing messages by sender, inbound counts."""

    __slots__ = ("outgoing", "remaining", "waiters")

    def __init__(self, exchange: Exchange, n_agents: int) -> None:
        order = np.argsort(exchange.src, kind="stable")
        src, dst, nbits = exchange.src[order], exchange.dst[order], exchange.nbits[order]
        bounds = np.searchsorted(src, np.arange(n_agents + 1)).tolist()
        dst_list, nbits_list = dst.tolist(), nbits.tolist()
        self.outgoing = [
            list(zip(dst_list[a:b], nbits_list[a:b], strict=True)) for a, b in pairwise(bounds)
        ]
        self.remaining: list[int] = np.bincount(dst, minlength=n_agents).tolist()
        self.waiters: dict[int, simpy.Event] = {}


class _Round:
    """The engine's bookkeeping of one round."""

    __slots__ = ("compute", "finish", "phases", "unfinished")

    def __init__(self, result: RoundResult, n_agents: int, model: ComputeModel) -> None:
        self.phases = [_Phase(ex, n_agents) for ex in result.exchanges]
        flops = result.compute
        self.compute = [
            model.duration(None if f is None else float(f))
            for f in (flops if flops is not None else [None] * n_agents)
        ]
        self.finish = np.zeros(n_agents)
        self.unfinished = n_agents


class _Rounds:
    """The values side of a run: computes the rounds in order and decides when the run ends.

    Knows nothing of time: :class:`_Run` asks for round ``t`` the first time an agent reaches
    it. The run ends after round :attr:`last` (None while unknown), plus the algorithm's
    closing round if it has one; :attr:`ending` says why.
    """

    def __init__(self, algorithm: Algorithm, options: dict[str, Any]) -> None:
        self.algorithm = algorithm
        self.problem = getattr(algorithm, "problem", None)
        self.max_rounds, self.target = options["rounds"], options["target"]
        self.divergence_factor = options["divergence_factor"]
        self.growth_factor, self.growth_warmup = options["growth_factor"], options["growth_warmup"]
        self.on_values: Callable[[int, Stack], None] | None = options["on_values"]
        self.computed = 0
        self.last: int | None = None if self.max_rounds > 0 else -1
        self.ending = Ending(Status.ROUNDS_EXHAUSTED)
        self.closing: RoundResult | None = None
        self.values = algorithm.values0
        self.initial_mean = self.values.mean(axis=0)  # where the agents' mean started
        if self.on_values:
            self.on_values(0, self.values)
        self.initial_error = self.error(self.values)

    def error(self, values: NDArray[np.float64]) -> float:
        """Return the problem's error of ``values`` (the consensus error without a problem)."""
        return (
            float(self.problem.error(values))
            if self.problem is not None
            else consensus_error(values)
        )

    def mean_shift(self) -> float:
        """Return how far the agents' mean has moved from its start, ‖x̄ − x̄(0)‖."""
        shift = self.values.mean(axis=0) - self.initial_mean
        return float(np.sqrt(np.einsum("d,d->", shift, shift)))

    def start(self) -> None:
        """Stop at once when the start already meets the target (e.g. a single agent)."""
        if self.target is not None and self.initial_error <= self.target:
            self._stop(-1, Ending(Status.TARGET_REACHED))

    def ended_before(self, t: int) -> bool:
        """Whether the run ends before round ``t``."""
        return self.last is not None and t > self.last

    def compute(self, t: int) -> tuple[RoundResult, float, float] | None:
        """Compute round ``t``: its result, consensus error and error; None if it diverged."""
        assert t == self.computed, "rounds are computed in order"
        if self.closing is not None and t == self.last:
            result, self.closing = self.closing, None
            self.computed += 1
            closed = (result, consensus_error(result.values), self.error(result.values))
            if self.on_values:
                self.on_values(t + 1, result.values)
            return closed
        result = self.algorithm.step(t)
        self.computed += 1
        values = result.values
        if not np.all(np.isfinite(values)):
            self._stop(t - 1, Ending(Status.DIVERGED, f"round {t + 1} produced NaN or inf"))
            return None
        error = self.error(values)
        if (ending := self._diverged(t, error)) is not None:
            self._stop(t - 1, ending)
            return None
        computed = (result, consensus_error(values), error)
        self.values = values
        if self.on_values:
            self.on_values(t + 1, values)
        if self.target is not None and error <= self.target:
            self._stop(t, Ending(Status.TARGET_REACHED))
        elif t + 1 >= self.max_rounds:
            self._stop(t, Ending(Status.ROUNDS_EXHAUSTED))
        return computed

    def _diverged(self, t: int, error: float) -> Ending | None:
        """Return the ending of a run whose round ``t`` broke a divergence rule; else None."""
        return divergence(
            t,
            error,
            self.initial_error,
            self.divergence_factor,
            self.growth_factor,
            self.growth_warmup,
        )

    def _stop(self, last: int, ending: Ending) -> None:
        """End the run after round ``last``, plus the algorithm's closing round if it has one.

        An algorithm with a ``closing(target)`` method (Korhonen & Alistarh's final report of
        the function values) gets one more round after the last one, unless the run diverged.
        """
        self.last, self.ending = last, ending
        closing = getattr(self.algorithm, "closing", None)
        if closing is not None and ending.status is not Status.DIVERGED:
            self.closing = closing(self.target)
            if self.closing is not None:
                self.last = last + 1


class _Recorder:
    """The records of a run: one :class:`RoundRecord` per round, the bits per agent and round."""

    def __init__(self, k: int, on_round: Callable[[RoundRecord], None] | None) -> None:
        self.k, self.on_round = k, on_round
        self.records: list[RoundRecord] = []
        self.sent: list[NDArray[np.int64]] = [np.zeros(k, dtype=np.int64)]
        self.received: list[NDArray[np.int64]] = [np.zeros(k, dtype=np.int64)]
        self.finish: list[NDArray[np.float64]] = [np.zeros(k)]

    def start(self, consensus: float, error: float) -> None:
        """Record round 0, the start."""
        self.records.append(RoundRecord(0, 0.0, 0, 0, 0, consensus, error))
        if self.on_round:
            self.on_round(self.records[0])

    def close(
        self, t: int, result: RoundResult, finish: NDArray[np.float64], cons: float, error: float
    ) -> None:
        """Record round ``t`` (numbered ``t + 1``), its last agent having finished it."""
        exchanges = result.exchanges
        bits = sum(ex.total_bits for ex in exchanges)
        messages = sum(len(ex.nbits) for ex in exchanges)
        sent = sum((np.bincount(ex.src, ex.nbits, self.k) for ex in exchanges), np.zeros(self.k))
        received = sum(
            (np.bincount(ex.dst, ex.nbits, self.k) for ex in exchanges), np.zeros(self.k)
        )
        self.sent.append(np.asarray(sent, dtype=np.int64))
        self.received.append(np.asarray(received, dtype=np.int64))
        self.finish.append(finish)
        previous = self.records[-1]
        cumulative = previous.cumulative_bits + bits
        record = RoundRecord(t + 1, float(finish.max()), bits, cumulative, messages, cons, error)
        self.records.append(record)
        if record.round % 64 == 0:
            gc.collect(1)  # see _young_collections_only
        if self.on_round:
            self.on_round(record)


class _Run:
    """State of one engine run (see :func:`run`): the SimPy side, the agents and their messages.

    The values come from :class:`_Rounds`, the records go to :class:`_Recorder`.
    """

    def __init__(self, algorithm: Algorithm, graph: nx.Graph, options: dict[str, Any]) -> None:
        self.algorithm = algorithm
        self.k = graph.number_of_nodes()
        self.env = simpy.Environment()
        self.arrays: ArrayNetwork | None = None
        self.array_records: list[MessageRecord] | None = None
        if _arrays_apply(graph, options):
            self.arrays = ArrayNetwork(graph, header_bits=options["header_bits"])
            self.array_records = [] if options["record_messages"] else None
        else:
            self.network: Network = Network(
                self.env,
                graph,
                header_bits=options["header_bits"],
                record_messages=options["record_messages"],
            )
        self.model: ComputeModel = options["compute"]
        self.active: dict[int, _Round] = {}
        self.pending: dict[int, tuple[RoundResult, float, float]] = {}
        self.rounds = _Rounds(algorithm, options)
        self.recorder = _Recorder(self.k, options["on_round"])
        self.recorder.start(consensus_error(self.rounds.values), self.rounds.initial_error)
        self.rounds.start()

    def round(self, t: int) -> _Round | None:
        """Return round ``t``'s bookkeeping, computing the round if no agent reached it before."""
        if self.rounds.ended_before(t):
            return None
        if t not in self.active:
            computed = self.rounds.compute(t)
            if computed is None:  # diverged: the run ends before round t
                return None
            self.active[t] = _Round(computed[0], self.k, self.model)
            self.pending[t] = computed
        return self.active[t]

    def agent(self, i: int) -> Generator[simpy.Event, Any, None]:
        """Play agent ``i``: the SimPy process that sends, waits and finishes its rounds."""
        t = 0
        while (state := self.round(t)) is not None:
            if state.compute[i] > 0:
                yield self.env.timeout(state.compute[i])
            for p, phase in enumerate(state.phases):
                for dst, nbits in phase.outgoing[i]:
                    self.network.send(Message(i, dst, nbits, t, p), self._arrived)
                if phase.remaining[i] > 0:
                    event = phase.waiters[i] = self.env.event()
                    yield event
            self._finished(t, i)
            t += 1

    def _arrived(self, message: Message) -> None:
        phase = self.active[message.round].phases[message.phase]
        phase.remaining[message.dst] -= 1
        if phase.remaining[message.dst] == 0 and message.dst in phase.waiters:
            phase.waiters.pop(message.dst).succeed()

    def _finished(self, t: int, i: int) -> None:
        state = self.active[t]
        state.finish[i] = self.env.now
        state.unfinished -= 1
        if state.unfinished == 0:
            result, cons, error = self.pending.pop(t)
            del self.active[t]
            self.recorder.close(t, result, state.finish, cons, error)

    def play_arrays(self, arrays: ArrayNetwork) -> None:
        """Time the rounds a phase at a time with ``arrays`` (the agents' times as arrays).

        Agent ``i`` starts round ``t`` when it finished round ``t - 1``, sends after its
        compute time, ends each phase at ``max(ready, last arrival)``: the times the SimPy
        processes of :meth:`agent` reach (``tests/test_timing.py``).
        """
        finish = np.zeros(self.k)
        t = 0
        while not self.rounds.ended_before(t):
            computed = self.rounds.compute(t)
            if computed is None:  # diverged: the run ends before round t
                return
            result = computed[0]
            ready = finish + self.model.durations(result.compute, self.k)
            for p, ex in enumerate(result.exchanges):
                sent = arrays.phase(ready, ex.src, ex.dst, ex.nbits)
                ready = arrays.phase_end(ready, ex.dst, sent.arrived)
                if self.array_records is not None:
                    self.array_records.extend(_records(t, p, ex, sent))
            finish = ready
            self.recorder.close(t, result, finish, computed[1], computed[2])
            t += 1

    def execute(self, config: dict[str, Any]) -> Trace:
        """Run the simulation to the end and return the trace."""
        if self.arrays is not None:
            with _young_collections_only():
                self.play_arrays(self.arrays)
            events: int | None = 0
            links, messages = self.arrays.links(), self.array_records
        else:
            events, links = self.play_events()
            messages = self.network.records
        recorder, ending = self.recorder, self.rounds.ending
        trace = Trace(
            config=config,
            rounds=recorder.records,
            agent_bits_sent=np.vstack(recorder.sent),
            agent_bits_received=np.vstack(recorder.received),
            agent_finish=np.vstack(recorder.finish),
            links=links,
            messages=messages,
            ending=ending,
            algorithm=AlgorithmFacts.of(self.algorithm.describe()),
            simpy_events=events,
            final_values=self.rounds.values,
            mean_shift=self.rounds.mean_shift(),
        )
        if ending.status is Status.DIVERGED:
            raise DivergenceError(f"the run {ending}; the trace up to then is kept", trace)
        return trace

    def play_events(self) -> tuple[int | None, list[tuple[int, int, int, int, float]]]:
        """Play the run out with one SimPy process per agent; return the events and links."""
        for i in range(self.k):
            self.env.process(self.agent(i))
        with _young_collections_only():
            self.env.run()
        counter = getattr(self.env, "_eid", None)  # SimPy numbers every event it schedules
        events = next(counter) if counter is not None else None
        net = self.network
        links = [
            (src, dst, int(net.link_messages[j]), int(net.link_bits[j]), float(net.link_busy[j]))
            for (src, dst), j in sorted(net.link_index.items())
        ]
        return events, links


def _records(t: int, p: int, ex: Exchange, sent: PhaseTimes) -> Iterator[MessageRecord]:
    """Return phase ``p`` of round ``t``'s messages as records, in the exchange's order."""
    columns = (ex.src, ex.dst, ex.nbits, sent.sent, sent.start, sent.departed, sent.arrived)
    for row in zip(*(c.tolist() for c in columns), strict=True):
        yield MessageRecord(t, p, *row)


def _arrays_apply(graph: nx.Graph, options: dict[str, Any]) -> bool:
    """Whether to time the run with arrays (see :data:`_TIMING` and the module docstring)."""
    mode = _TIMING.get()
    if mode not in ("auto", "events", "arrays"):
        raise ConfigError(f"timing = {mode!r} is not valid; give 'auto', 'events' or 'arrays'")
    applies = ArrayNetwork.applies_to(graph)
    if mode == "arrays" and not applies:
        raise ConfigError("timing = 'arrays' is not valid on a graph with an ingress NIC")
    return mode == "arrays" or (mode == "auto" and applies and not options["record_messages"])


def run(
    algorithm: Algorithm,
    graph: nx.Graph,
    *,
    rounds: int = 100,
    target: float | None = None,
    compute: ComputeModel | None = None,
    header_bits: int = 0,
    record_messages: bool = False,
    divergence_factor: float = 1e8,
    growth_factor: float = 1e3,
    growth_warmup: int = 20,
    on_round: Callable[[RoundRecord], None] | None = None,
    on_values: Callable[[int, Stack], None] | None = None,
    config: dict[str, Any] | None = None,
) -> Trace:
    """Run ``algorithm`` on ``graph``'s network for ``rounds`` rounds or until ``target``.

    Parameters
    ----------
    algorithm : Algorithm
        A constructed algorithm (see :mod:`gossip_sim.algorithms`).
    graph : networkx.Graph
        The topology with link attributes (see :func:`gossip_sim.topology.build`).
    rounds : int
        The most rounds to run.
    target : float, optional
        Stop after the first round whose error is at most ``target``.
    compute : ComputeModel, optional
        The agents' compute time per round (default: none).
    header_bits : int
        Per-message header overhead on the wire (takes time; not counted as payload bits).
    record_messages : bool
        Keep every message's timing in ``trace.messages``.
    divergence_factor : float
        Stop as diverged when the error of any round exceeds this multiple of the initial
        error (a blow-up).
    growth_factor : float
        Stop as diverged when the error of a round after the warm-up exceeds this multiple of
        the initial error (slow growth: an error that should fall has risen that far).
    growth_warmup : int
        The rounds during which ``growth_factor`` is not applied (transients may rise first).
    on_round : callable, optional
        Called with each :class:`~gossip_sim.trace.RoundRecord` as it completes (progress bars).
    on_values : callable, optional
        Called as ``on_values(r, values)`` with the ``(K, D)`` values after round ``r`` (0: the
        start) when they are computed; agent ``i`` holds row ``i`` from
        ``trace.agent_finish[r, i]`` on (the teaching demos colour nodes by it). The array is
        the algorithm's own: copy what you keep. With SimPy timing, round ``r + 1``'s values may
        come before round ``r``'s ``on_round`` (an agent can be a round ahead of the last one);
        with array timing (see the module docstring) each round is closed before the next is
        computed.
    config : dict, optional
        The resolved configuration to store in the trace.

    Raises
    ------
    DivergenceError
        When values become NaN/inf or the error grows past a bound (the rules under *Notes*);
        ``.trace`` holds the rounds up to then.

    Notes
    -----
    A run diverges, and stops before the round that broke a rule, when that round's values
    hold NaN or inf, when its error exceeds ``divergence_factor`` x the initial error (any
    round), or when, after the first ``growth_warmup`` rounds, its error exceeds
    ``growth_factor`` x the initial error. The ending's reason names the rule, the round and
    both errors (see docs/background/limits.md).
    """
    if rounds < 0:
        raise ConfigError(f"rounds = {rounds} is not valid; give 0 or more")
    if target is not None and not target >= 0:
        raise ConfigError(f"target = {target} is not valid; give a non-negative error")
    options = {
        "rounds": rounds,
        "target": target,
        "compute": compute or ComputeModel(),
        "header_bits": header_bits,
        "record_messages": record_messages,
        "divergence_factor": divergence_factor,
        "growth_factor": growth_factor,
        "growth_warmup": growth_warmup,
        "on_round": on_round,
        "on_values": on_values,
    }
    return _Run(algorithm, graph, options).execute(config or {})
