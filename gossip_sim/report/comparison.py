"""What a topology comparison is: its settings, and the rows of its table.

:class:`Comparison` says what to compare (topologies x sizes x compressors x message losses
over seeds);
:class:`TopologyRow` is one line of the result and :class:`Stat` one of its figures over seeds.
Running a comparison is :func:`gossip_sim.report.compare.compare`.

Examples
--------
>>> [r.config.topology for r in Comparison(("ring", "torus"), agents=(9,)).plan()]
['ring', 'torus']
>>> [(r.config.topology, r.config.loss) for r in Comparison(("ring",), losses=(0, 0.1)).plan()]
[('ring', 0.0), ('ring', 0.1)]
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from gossip_sim import algorithms, compress, problems, topology
from gossip_sim.config import RunConfig
from gossip_sim.errors import ConfigError
from gossip_sim.faults.loss import probability
from gossip_sim.sweep.plan import PlannedRun, expand

__all__ = ["DEFAULTS", "Comparison", "Stat", "TopologyRow", "network"]


#: The settings a comparison uses where the user gives none (a target is what it compares).
DEFAULTS: dict[str, Any] = {"target": 1e-6, "rounds": 2000}


@dataclass(frozen=True)
class Comparison:
    """What to compare: topologies x agent counts x compressors x losses, each over the seeds.

    ``run`` holds the settings every run shares (any :class:`~gossip_sim.config.RunConfig`
    field: algorithm, problem, dim, links, mixing, gamma, rounds, target, and the fault
    settings deadline, retransmit, crash_fraction...). Catalogue networks and graph files run
    at their own size whatever ``agents`` says. An empty ``compressors`` keeps the algorithm's
    own (or the default) compressor. ``losses`` are message-loss probabilities (each
    transmission lost independently; no retransmission unless ``run`` sets ``retransmit``):
    a run with loss 0 is the run without ``losses`` (the fast path, when nothing else can go
    wrong), a run with loss > 0 runs on the event-driven engine. Empty: no loss axis.
    """

    #: The settings a comparison varies itself (its own flags), never shared through ``run``.
    VARIED: ClassVar[tuple[str, ...]] = ("topology", "agents", "compressor", "loss", "seed")

    topologies: tuple[str, ...]
    agents: tuple[int | None, ...] = (None,)
    compressors: tuple[str, ...] = ()
    seeds: tuple[int, ...] = (0,)
    run: dict[str, Any] = field(default_factory=dict)
    losses: tuple[float, ...] = ()

    def __post_init__(self) -> None:
        if not self.topologies:
            raise ConfigError("compare needs at least one topology; give --topologies ring,torus")
        if not self.seeds:
            raise ConfigError("compare needs at least one seed; give --seeds 1 or more")
        for value in self.losses:
            probability(value, "loss")
        if len(set(self.losses)) < len(self.losses):
            raise ConfigError(
                f"losses = {', '.join(map(str, self.losses))} names a loss twice; give each once"
            )
        for key in self.VARIED:
            if key in self.run:
                raise ConfigError(f"{key!r} is what a comparison varies; remove it from run")
        target = self.settings["target"]
        if target is None or target <= 0:
            raise ConfigError(
                f"target = {target!r} is not valid: a comparison measures the way to a target; "
                "give --target greater than 0, e.g. 1e-6"
            )

    @property
    def settings(self) -> dict[str, Any]:
        """The shared settings with the comparison's defaults filled in."""
        return {**DEFAULTS, **self.run}

    @property
    def faulty(self) -> bool:
        """Whether some run can lose, miss or wait for a message (a loss axis or fault setting).

        Examples
        --------
        >>> Comparison(("ring",)).faulty, Comparison(("ring",), run={"deadline": 0.01}).faulty
        (False, True)
        """
        from gossip_sim.simulation import fault_plan

        return any(fault_plan(run.config).any for run in self.plan())

    def plan(self) -> list[PlannedRun]:
        """Return every run: topology (and size) x compressor x loss x seed, in that order."""
        networks = []
        for name in self.topologies:
            sizes = [None] if topology.sized_by_file(name) else self.agents
            networks += [{"topology": name, "agents": k} for k in sizes]
        grid: dict[str, list[Any]] = {"network": networks}
        if self.compressors:
            grid["compressor"] = list(self.compressors)
        if self.losses:
            grid["loss"] = [float(p) for p in self.losses]
        return expand(self.settings, grid, seeds=list(self.seeds))

    def digest(self) -> str:
        """Return a short digest of the comparison (names its default output folder)."""
        text = json.dumps([r.config.to_dict() for r in self.plan()], sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:6]

    def check(self) -> None:
        """Refuse unknown names (topology, algorithm, problem, compressor) before any run.

        Fault settings are checked too (a negative deadline, a spec that does not parse), and
        faults given to an algorithm that has no per-agent form (it runs only on the fast
        path) are refused, with the line a single run gives.
        """
        from gossip_sim.simulation import fault_plan

        config = self.plan()[0].config
        entry = algorithms.ALGORITHMS.entry(config.algorithm.split(":")[0])
        problems.PROBLEMS.entry(config.problem.split(":")[0])
        for spec in self.compressors:
            compress.create(spec)
        plans = {run.config.loss: fault_plan(run.config) for run in self.plan()}
        if any(p.any for p in plans.values()) and not entry.facts["per_agent"]:
            registry = algorithms.ALGORITHMS
            per_agent = registry.choices_text(registry.names_where(per_agent=True), " and ")
            raise ConfigError(
                f"{entry.name} runs only where nothing can go wrong (the fast path): it has no "
                f"per-agent form; --losses and the fault settings apply to {per_agent}"
            )
        for run in self.plan():  # every (topology, size): a ring of 2 is refused here
            network(run.config)


@dataclass(frozen=True)
class Stat:
    """A figure over the seeds that reached the target: mean, standard deviation, count."""

    mean: float
    std: float
    n: int

    @classmethod
    def of(cls, values: Sequence[float | None]) -> Stat | None:
        """Return the statistic of the values that are not None (None if there are none).

        Examples
        --------
        >>> Stat.of([2.0, None, 4.0])
        Stat(mean=3.0, std=1.0, n=2)
        """
        kept = [float(v) for v in values if v is not None]
        if not kept:
            return None
        return cls(float(np.mean(kept)), float(np.std(kept)), len(kept))


@dataclass
class TopologyRow:
    """One line of the comparison: a topology (at one size, with one compressor) over seeds."""

    topology: str
    compressor: str
    requested_agents: int | None
    agents: int
    edges: int
    max_degree: int
    diameter: int | str
    mixing: str
    links: str  # the latency and bandwidth the links had, e.g. "20 ms, 1 Gb/s"
    own_links: bool  # the network's file set its links (a catalogue network), not the profile
    spectral_gap: float | None
    bits_per_round: float | None
    seeds: int
    reached: int
    rounds: Stat | None
    bits: Stat | None
    time: Stat | None
    final_error: float | None  # geometric mean over seeds of where the runs ended
    budget: int
    failure: str | None = None  # why the first failed run failed (could not run, or diverged)
    failed: int = 0  # the seeds that failed
    wins: list[str] = field(default_factory=list)  # "bits", "time"
    loss: float = 0.0  # the message-loss probability of the row's runs
    messages_lost: float | None = None  # mean over seeds of the messages lost for good
    stale_uses: float | None = None  # mean over seeds of the copies mixed without a new one
    agents_alive: float | None = None  # mean over seeds of the live agents at the end
    graph: Any = field(default=None, repr=False)  # the networkx graph (seed of the first run)



@functools.lru_cache(maxsize=64)
def network(config: RunConfig) -> Any:
    """Build a run's graph once per comparison (facts, drawings and the up-front check share it).

    Examples
    --------
    >>> network(RunConfig(topology="ring", agents=6)).number_of_nodes()
    6
    """
    from gossip_sim.simulation import build_graph

    return build_graph(config)
