"""A run's final figures as typed records: how it ended, its network, its bound, its algorithm.

:meth:`Trace.summary() <gossip_sim.trace.Trace.summary>` returns a :class:`Summary`; every
table and text that shows a run (``summary.json``, the printed summary, a sweep's
``runs.csv``, the scenario and comparison reports) reads its fields.
:meth:`Summary.to_dict` gives ``summary.json``'s keys, and :meth:`Summary.from_dict` reads
them back.

==========================  ===================================================================
:class:`Status`             how a run ended: target reached, rounds exhausted, diverged
                            (a failure: :attr:`Status.failed`)
:class:`Ending`             the status and, beside it, the reason in words
:class:`AlgorithmFacts`     what the algorithm resolved (compressor, step, gamma, omega...)
:class:`LinkFacts`          the range of the links' latency and bandwidth actually simulated
:class:`NetworkFacts`       agents, links, spectral gap of W, the links' range
:class:`BoundFacts`         the lower bound that fits the run and "bits used / bound"
:class:`Summary`            all of the above with the final error, bits, messages and time
==========================  ===================================================================

Examples
--------
>>> trace = gs.execute(gs.RunConfig(topology="ring", agents=5, dim=10, target=1e-6))
>>> s = trace.summary()
>>> s.status is Status.TARGET_REACHED, s.network.agents, s.algorithm.compressor
(True, 5, 'qsgd:s=16,scaled=true')
>>> Summary.from_dict(s.to_dict()) == s
True
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "FIGURES",
    "AlgorithmFacts",
    "BoundFacts",
    "Ending",
    "FaultFacts",
    "LinkFacts",
    "NetworkFacts",
    "Status",
    "Summary",
    "divergence",
]


class Status(enum.Enum):
    """How a run ended; the value is the words files and summaries show.

    Examples
    --------
    >>> Status("target reached") is Status.TARGET_REACHED, Status.DIVERGED.value
    (True, 'diverged')
    >>> [status.failed for status in Status]
    [False, False, True]
    """

    TARGET_REACHED = "target reached"
    ROUNDS_EXHAUSTED = "rounds exhausted"
    DIVERGED = "diverged"

    def __str__(self) -> str:
        return self.value

    @property
    def failed(self) -> bool:
        """Whether a run that ended so failed: a diverged run fails everywhere.

        A single run exits 1, a sweep and a scenario count it as failed, list it with its
        reason and exit 1, and the comparison report shows it as failed.
        """
        return self is Status.DIVERGED


@dataclass(frozen=True)
class Ending:
    """How a run ended (:class:`Status`) and why, in words (empty when the status says it all).

    ``str(ending)`` is what ``summary.json``'s ``status`` and the printed summary show:
    the status, then ``": "`` and the reason when there is one.

    Examples
    --------
    >>> str(Ending(Status.DIVERGED, "round 4 produced NaN or inf"))
    'diverged: round 4 produced NaN or inf'
    >>> Ending.parse("diverged: round 4 produced NaN or inf").reason
    'round 4 produced NaN or inf'
    >>> str(Ending(Status.ROUNDS_EXHAUSTED))
    'rounds exhausted'
    """

    status: Status
    reason: str = ""

    def __str__(self) -> str:
        return f"{self.status.value}: {self.reason}" if self.reason else self.status.value

    @classmethod
    def parse(cls, text: str) -> Ending:
        """Read back ``str(ending)``; a text that starts with no status is a ValueError."""
        for status in Status:
            if text == status.value:
                return cls(status)
            if text.startswith(status.value + ": "):
                return cls(status, text[len(status.value) + 2 :])
        valid = ", ".join(repr(s.value) for s in Status)
        raise ValueError(f"status {text!r} is not one of {valid}")


#: The parameters most algorithms resolve, in the order summaries show them.
_COMMON = ("step", "gamma", "gamma_rule", "omega")


@dataclass(frozen=True)
class AlgorithmFacts:
    """What an algorithm resolved for its run, from its ``describe()``.

    The parameters many algorithms share are fields (None when the algorithm has none); the
    rest of its description (``batch``, ``h``, ``saturated``, ``max_margin``...) is in
    ``extra``, in the algorithm's order.

    Examples
    --------
    >>> facts = AlgorithmFacts.of({"algorithm": "dgd", "compressor": "identity", "step": 0.5})
    >>> facts.name, facts.step, facts.gamma
    ('dgd', 0.5, None)
    >>> AlgorithmFacts.of({"algorithm": "x", "compressor": "c", "batch": 8}).extra["batch"]
    8
    """

    name: str
    compressor: str | None = None
    step: float | None = None
    gamma: float | None = None
    gamma_rule: str | None = None
    omega: float | None = None
    extra: Mapping[str, Any] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "extra", dict(self.extra))  # the caller's dict stays theirs

    @classmethod
    def of(cls, description: Mapping[str, Any]) -> AlgorithmFacts:
        """Sort an algorithm's ``describe()`` into the common fields and ``extra``."""
        known = {"algorithm", "compressor", *_COMMON}
        return cls(
            name=str(description.get("algorithm", "")),
            compressor=description.get("compressor"),
            extra={k: v for k, v in description.items() if k not in known},
            **{k: description.get(k) for k in _COMMON},
        )

    def to_dict(self) -> dict[str, Any]:
        """Return the description as ``summary.json`` holds it (fields that are None left out)."""
        common = {k: getattr(self, k) for k in ("compressor", *_COMMON)}
        return {
            "algorithm": self.name,
            **{k: v for k, v in common.items() if v is not None},
            **self.extra,
        }


@dataclass(frozen=True)
class LinkFacts:
    """The range of the links' latency (s) and bandwidth (bits/s) actually simulated.

    ``from_profile`` is False when the values come from the network's own file.

    Examples
    --------
    >>> LinkFacts(0.001, 0.02, 1e9, 1e9).latency_max_s
    0.02
    """

    latency_min_s: float
    latency_max_s: float
    bandwidth_min_bps: float
    bandwidth_max_bps: float
    from_profile: bool = True


@dataclass(frozen=True)
class NetworkFacts:
    """The network a run ran on: its size, the spectral gap of its W and its links.

    Examples
    --------
    >>> net = NetworkFacts(4, 4, 0.5, LinkFacts(5e-6, 5e-6, 1e10, 1e10))
    >>> net.to_dict()["links_from_profile"]
    True
    """

    agents: int
    links: int
    spectral_gap: float
    link: LinkFacts

    def to_dict(self) -> dict[str, Any]:
        """Return the facts under ``summary.json``'s keys."""
        link = self.link
        return {
            "agents": self.agents,
            "links": self.links,
            "spectral_gap": self.spectral_gap,
            "latency_min_s": link.latency_min_s,
            "latency_max_s": link.latency_max_s,
            "bandwidth_min_bps": link.bandwidth_min_bps,
            "bandwidth_max_bps": link.bandwidth_max_bps,
            "links_from_profile": link.from_profile,
        }


@dataclass(frozen=True)
class BoundFacts:
    """The lower bound that fits a run, and the ratio "bits the run used / that bound".

    ``name`` is None when no bound fits (``note`` says why); ``note`` otherwise says why the
    bound does not apply (empty when it does). ``ratio`` is None when it says nothing.

    Examples
    --------
    >>> BoundFacts(None, "the run ended at error 0").to_dict()
    {'lower_bound_name': None, 'lower_bound_note': 'the run ended at error 0'}
    """

    name: str | None
    note: str = ""
    formula: str | None = None
    bits: float | None = None
    applies: bool = True
    ratio: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return the facts under ``summary.json``'s keys."""
        if self.name is None:
            return {"lower_bound_name": None, "lower_bound_note": self.note}
        return {
            "lower_bound_name": self.name,
            "lower_bound_formula": self.formula,
            "lower_bound_bits": self.bits,
            "lower_bound_applies": self.applies,
            "lower_bound_note": self.note,
            "bits_over_lower_bound": self.ratio,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> BoundFacts:
        """Read :meth:`to_dict`'s keys back."""
        return cls(
            name=data["lower_bound_name"],
            note=data.get("lower_bound_note", ""),
            formula=data.get("lower_bound_formula"),
            bits=data.get("lower_bound_bits"),
            applies=data.get("lower_bound_applies", True),
            ratio=data.get("bits_over_lower_bound"),
        )


#: The figures every summary has, under their ``summary.json`` keys (after ``status``).
def divergence(
    t: int,
    error: float,
    initial: float,
    divergence_factor: float,
    growth_factor: float,
    growth_warmup: int,
) -> Ending | None:
    """Return the ending of a run whose round ``t`` (0-based) broke a divergence rule; else None.

    Two rules: from the first round on, an error past ``divergence_factor`` x the initial
    error (a blow-up); after ``growth_warmup`` rounds, an error past ``growth_factor`` x the
    initial error (slow growth). Both engines apply them.

    Examples
    --------
    >>> str(divergence(24, 5e3, 1.0, 1e8, 1e3, 20))
    'diverged: error 5e+03 at round 25 exceeds 1000 x the initial error 1 after the 20-round ...'
    >>> divergence(3, 5e3, 1.0, 1e8, 1e3, 20) is None
    True
    """
    start = max(initial, 1e-300)
    if error > divergence_factor * start:
        factor, rule = divergence_factor, ""
    elif t + 1 > growth_warmup and error > growth_factor * start:
        factor, rule = growth_factor, f" after the {growth_warmup}-round warm-up"
    else:
        return None
    reason = (
        f"error {error:.3g} at round {t + 1} exceeds "
        f"{factor:g} x the initial error {initial:.3g}{rule}"
    )
    return Ending(Status.DIVERGED, reason)


@dataclass(frozen=True)
class FaultFacts:
    """What the network and the agents did wrong over a run (all 0 on the fast path).

    ``agents_alive`` is the count at the end; ``live_consensus_error`` the consensus error
    among them; ``live_mean_shift`` how far their mean moved from the initial mean of all
    agents (the value they agree on, against the one they started to average).

    Examples
    --------
    >>> FaultFacts(3, 1, 4, 0, 5, 1e-9, 0.2).to_dict()["messages_lost"]
    3
    """

    messages_lost: int
    retransmissions: int
    acks: int
    stale_uses: int
    agents_alive: int
    live_consensus_error: float
    live_mean_shift: float

    def to_dict(self) -> dict[str, Any]:
        """Return the facts as ``summary.json``'s keys."""
        return dataclasses.asdict(self)


FIGURES = (
    "rounds",
    "final_error",
    "final_consensus_error",
    "initial_error",
    "total_bits",
    "total_messages",
    "simulated_time_s",
)
_NETWORK_KEYS = tuple(NetworkFacts(0, 0, 0.0, LinkFacts(0, 0, 0, 0)).to_dict())
_BOUND_KEYS = tuple(BoundFacts("").to_dict())
_FAULT_KEYS = tuple(f.name for f in dataclasses.fields(FaultFacts))


@dataclass(frozen=True)
class Summary:
    """The final figures of a run, and how it ended.

    ``algorithm``, ``network``, ``error_name`` and ``bound`` are None when the trace was not
    given them (a run of :func:`gossip_sim.engine.run` has no network facts or bound; those
    come from :func:`gossip_sim.execute`).

    Examples
    --------
    >>> trace = gs.execute(gs.RunConfig(topology="ring", agents=4, dim=5, rounds=3))
    >>> s = trace.summary()
    >>> s.rounds, s.status.value, s.reached, s.bits_per_round == s.total_bits / 3
    (3, 'rounds exhausted', False, True)
    """

    ending: Ending
    rounds: int
    final_error: float
    final_consensus_error: float
    initial_error: float
    total_bits: int
    total_messages: int
    simulated_time_s: float
    algorithm: AlgorithmFacts | None = None
    simpy_events: int | None = None
    network: NetworkFacts | None = None
    error_name: str | None = None
    bound: BoundFacts | None = None
    faults: FaultFacts | None = None

    @property
    def status(self) -> Status:
        """How the run ended."""
        return self.ending.status

    @property
    def reached(self) -> bool:
        """Whether the run stopped because it reached its target."""
        return self.ending.status is Status.TARGET_REACHED

    @property
    def bits_per_round(self) -> float:
        """The mean bits of a round (the total when no round ran)."""
        return self.total_bits / max(self.rounds, 1)

    def to_dict(self) -> dict[str, Any]:
        """Return the summary as ``summary.json`` holds it (absent facts leave their keys out)."""
        data: dict[str, Any] = {"status": str(self.ending)}
        data.update((name, getattr(self, name)) for name in FIGURES)
        if self.algorithm is not None:
            data.update(self.algorithm.to_dict())
        if self.simpy_events is not None:
            data["simpy_events"] = self.simpy_events
        if self.network is not None:
            data.update(self.network.to_dict())
        if self.error_name is not None:
            data["error_name"] = self.error_name
        if self.bound is not None:
            data.update(self.bound.to_dict())
        if self.faults is not None:
            data.update(self.faults.to_dict())
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Summary:
        """Read :meth:`to_dict`'s keys back (a ``summary.json``, a saved sweep run).

        Keys that are neither figures, network, error nor bound facts are the algorithm's.
        """
        taken = {"status", *FIGURES, "simpy_events", "error_name", *_NETWORK_KEYS, *_BOUND_KEYS}
        taken |= set(_FAULT_KEYS)
        described = {k: v for k, v in data.items() if k not in taken}
        network = None
        if "agents" in data:
            link = LinkFacts(
                data["latency_min_s"],
                data["latency_max_s"],
                data["bandwidth_min_bps"],
                data["bandwidth_max_bps"],
                data["links_from_profile"],
            )
            network = NetworkFacts(data["agents"], data["links"], data["spectral_gap"], link)
        figures = {name: data[name] for name in FIGURES}
        return cls(
            Ending.parse(data["status"]),
            **figures,
            algorithm=AlgorithmFacts.of(described) if "algorithm" in described else None,
            simpy_events=data.get("simpy_events"),
            network=network,
            error_name=data.get("error_name"),
            bound=BoundFacts.from_dict(data) if "lower_bound_name" in data else None,
            faults=FaultFacts(**{k: data[k] for k in _FAULT_KEYS})
            if _FAULT_KEYS[0] in data
            else None,
        )
