"""What a run records, and the tidy files it writes.

A :class:`Trace` holds one :class:`RoundRecord` per round (round 0 is the start, before any
message), the bits each agent sent and the time it finished each round, per-link totals, and
optionally every message's :class:`MessageRecord`. :meth:`Trace.write`
produces files pandas reads directly (``pd.read_csv(dir / "rounds.csv")``):

==================  ======================================================================
``rounds.csv``      one row per round: round, time_s, bits, cumulative_bits, messages,
                    consensus_error, error
``agents.csv``      one row per (round, agent): bits_sent, bits_received, finish_time_s
``links.csv``       one row per link direction: src, dst, messages, bits, busy_time_s
``messages.csv``    one row per message (only when messages were recorded)
``summary.json``    the final figures and why the run stopped (:class:`~gossip_sim.summary.Summary`)
``config.json``     the resolved configuration, enough to rerun the run exactly
==================  ======================================================================

Examples
--------
>>> t = Trace(config={}, rounds=[RoundRecord(0, 0.0, 0, 0, 0, 1.0, 1.0)])
>>> t.final.error
1.0
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from gossip_sim._typing import SimTime
from gossip_sim.summary import (
    AlgorithmFacts,
    BoundFacts,
    Ending,
    FaultFacts,
    NetworkFacts,
    Status,
    Summary,
)

__all__ = ["ROUND_FIELDS", "FaultRecord", "MessageRecord", "RoundRecord", "Trace", "jsonable"]


class MessageRecord(NamedTuple):
    """What happened to one message (times in simulated seconds).

    Defined here, beside the other records, so that reading a trace never loads SimPy;
    :mod:`gossip_sim.network` creates these records.

    Examples
    --------
    >>> MessageRecord(1, 0, 0, 1, 64, 0.0, 0.0, 0.5, 1.5).t_arrived
    1.5
    """

    round: int
    phase: int
    src: int
    dst: int
    nbits: int
    t_sent: SimTime
    t_start: SimTime
    t_departed: SimTime
    t_arrived: SimTime


class RoundRecord(NamedTuple):
    """The state of the run after ``round`` rounds (times in simulated seconds)."""

    round: int
    time_s: float  # when the last agent finished this round (SimPy's clock)
    bits: int  # payload bits of this round's messages, each counted once per receiver
    cumulative_bits: int  # bits of rounds 1..round
    messages: int  # messages of this round
    consensus_error: float  # (1/K) Σ_i ‖x_i − x̄‖²
    error: float  # the problem's error measure


ROUND_FIELDS = RoundRecord._fields


class FaultRecord(NamedTuple):
    """What went wrong in a round of the event-driven engine (extra rounds.csv columns).

    Examples
    --------
    >>> FaultRecord(1, 2, 2, 30, 0, 0, 8, 1e-3, 0.0).messages_lost
    2
    """

    round: int
    messages_lost: int  # lost for good (after any retries)
    retransmissions: int
    acks: int
    stale_uses: int  # (agent, in-neighbour) pairs mixed without that round's message
    max_staleness: int  # rounds behind, of the oldest value mixed
    agents_alive: int
    live_consensus_error: float  # among the live agents
    live_mean_shift: float  # ‖mean of the live agents − initial mean of all‖


@dataclass
class Trace:
    """Everything a run recorded; see the module docstring for the files it writes."""

    config: dict[str, Any]
    rounds: list[RoundRecord] = field(default_factory=list)
    agent_bits_sent: NDArray[np.int64] | None = None  # (rounds + 1, K)
    agent_bits_received: NDArray[np.int64] | None = None  # (rounds + 1, K)
    agent_finish: NDArray[np.float64] | None = None  # (rounds + 1, K)
    links: list[tuple[int, int, int, int, float]] = field(default_factory=list)
    messages: list[MessageRecord] | None = None
    ending: Ending = field(default_factory=lambda: Ending(Status.ROUNDS_EXHAUSTED))  # and why
    algorithm: AlgorithmFacts | None = None  # what the algorithm resolved (its describe())
    simpy_events: int | None = None  # the events SimPy scheduled
    network: NetworkFacts | None = None  # set by gossip_sim.execute, as are the next two
    error_name: str | None = None  # what the error column measures
    bound: BoundFacts | None = None
    final_values: NDArray[np.float64] | None = None
    faults: list[FaultRecord] | None = None  # per round, from the event-driven engine
    mean_shift: float | None = None  # fast path: ‖mean of the agents − their initial mean‖

    @property
    def status(self) -> str:
        """How the run ended, in words: ``"target reached"``, ``"diverged: ..."``."""
        return str(self.ending)

    @property
    def final(self) -> RoundRecord:
        """The last round's record."""
        return self.rounds[-1]

    def column(self, name: str) -> NDArray[Any]:
        """Return one field of every round as an array, e.g. ``trace.column("error")``."""
        return np.array([getattr(r, name) for r in self.rounds])

    def summary(self) -> Summary:
        """Return the final figures of the run and how it ended (``summary.json``'s content).

        Examples
        --------
        >>> t = Trace(config={}, rounds=[RoundRecord(0, 0.0, 0, 0, 0, 1.0, 1.0)])
        >>> t.summary().to_dict()["status"], t.summary().total_bits
        ('rounds exhausted', 0)
        """
        last = self.final
        return Summary(
            ending=self.ending,
            rounds=last.round,
            final_error=last.error,
            final_consensus_error=last.consensus_error,
            initial_error=self.rounds[0].error,
            total_bits=last.cumulative_bits,
            total_messages=int(sum(r.messages for r in self.rounds)),
            simulated_time_s=last.time_s,
            algorithm=self.algorithm,
            simpy_events=self.simpy_events,
            network=self.network,
            error_name=self.error_name,
            bound=self.bound,
            faults=self._fault_facts(),
        )

    def _fault_facts(self) -> FaultFacts | None:
        """Sum the fault columns (None for a trace without an agent count)."""
        if self.faults is None:
            if self.agent_bits_sent is None:
                return None
            k = self.agent_bits_sent.shape[1]
            shift = float("nan") if self.mean_shift is None else self.mean_shift
            return FaultFacts(0, 0, 0, 0, k, self.final.consensus_error, shift)
        last = self.faults[-1]
        return FaultFacts(
            sum(f.messages_lost for f in self.faults),
            sum(f.retransmissions for f in self.faults),
            sum(f.acks for f in self.faults),
            sum(f.stale_uses for f in self.faults),
            last.agents_alive,
            last.live_consensus_error,
            last.live_mean_shift,
        )

    def write(self, directory: str | Path) -> Path:
        """Write the trace files into ``directory`` (created if needed) and return it."""
        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        for stale in OUTPUT_FILES:  # a reused folder must not mix two runs' files
            (out / stale).unlink(missing_ok=True)
        if self.faults is None:
            _write_csv(out / "rounds.csv", ROUND_FIELDS, self.rounds)
        else:  # the event-driven engine's columns after the usual ones
            joined = (r + f[1:] for r, f in zip(self.rounds, self.faults, strict=True))
            _write_csv(out / "rounds.csv", ROUND_FIELDS + FaultRecord._fields[1:], joined)
        if self.agent_bits_sent is not None:
            _write_csv(out / "agents.csv", _AGENT_FIELDS, self._agent_rows())
        _write_csv(out / "links.csv", _LINK_FIELDS, self.links)
        if self.messages is not None:
            # rounds.csv numbers a round by the count of rounds done (1 = the first); so here
            rows = (m._replace(round=m.round + 1) for m in self.messages)
            _write_csv(out / "messages.csv", MessageRecord._fields, rows)
        _write_json(out / "summary.json", self.summary().to_dict())
        _write_json(out / "config.json", self.config)
        return out

    def _agent_rows(self) -> Iterator[tuple[int, int, int, int, float]]:
        sent, received, finish = self.agent_bits_sent, self.agent_bits_received, self.agent_finish
        assert sent is not None and received is not None and finish is not None
        return (  # one row at a time: (rounds + 1) x K tuples at once would outgrow the arrays
            (t, i, int(sent[t, i]), int(received[t, i]), float(finish[t, i]))
            for t in range(sent.shape[0])
            for i in range(sent.shape[1])
        )


_AGENT_FIELDS = ("round", "agent", "bits_sent", "bits_received", "finish_time_s")

#: Every file a run may write into its folder (removed first when the folder is reused).
OUTPUT_FILES = (
    "rounds.csv",
    "agents.csv",
    "links.csv",
    "messages.csv",
    "summary.json",
    "config.json",
    "error.png",
)
_LINK_FIELDS = ("src", "dst", "messages", "bits", "busy_time_s")


def _write_csv(path: Path, header: tuple[str, ...], rows: Any) -> None:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def _write_json(path: Path, data: dict[str, Any]) -> None:
    path.write_text(json.dumps(data, indent=2, default=jsonable) + "\n")


def jsonable(value: Any) -> Any:
    """Return a JSON-ready stand-in for what :mod:`json` cannot write (``default=`` hook).

    Examples
    --------
    >>> json.dumps({"gap": np.float64(0.5), "x": np.arange(2)}, default=jsonable)
    '{"gap": 0.5, "x": [0, 1]}'
    """
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return repr(value)
