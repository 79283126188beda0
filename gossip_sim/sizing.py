"""How much memory a run will need, estimated before anything heavy is built, and the refusal.

:func:`check` runs first in :func:`gossip_sim.simulation.build`: a run whose estimate
(:func:`estimate`) exceeds the memory available now (:func:`available_bytes`) is refused with
one line naming both, before the graph, W, the problem's data or any agent state exists.

The model (bytes; K agents, E links, D the dimension, R rounds)::

    BASE                                    interpreter, NumPy, SciPy, NetworkX, SimPy loaded
  + K × PER_AGENT + E × PER_LINK            graph with attributes, W, SimPy processes, messages
  + K × D × 8 × (state + data)              float64 (K, D) stacks
  + min(H, D) × D × 8                       a sketch B (H × D), H = sketch_rows × K × rows
  + (R + 1) × K × 3 × 8 × 2                 per-(round, agent) trace, kept then stacked
  + R × 2E × PER_MESSAGE                    with --record-messages

``state`` is the algorithm's registered fact ``state_vectors`` (its (K, D) stacks: CHOCO keeps
x, x̂, the compressed difference and its decoding; the default covers x, the received values,
the next x and temporaries); ``data`` is the problem's ``rows`` fact, the parameter that gives
each agent's data rows of length D (least squares: ``samples``), plus two stacks (start and
solution); ``sketch_rows`` (Song et al.: H = min(4N, D)) is per data row. E comes from the
topology's registered ``links`` fact (a function of K and its parameters; default 2K).

Calibration (peak RSS from ``/usr/bin/time -v``, exact gossip on consensus, 5 rounds, this
estimate in brackets), ring: K = 1,000, D = 10: 119 MB (134 MB); K = 10,000: 174 MB
(255 MB); K = 100,000: 1,016 MB (1,470 MB); K = 8, D = 10⁵: 127 MB (163 MB); K = 8,
D = 10⁶: 525 MB (547 MB); CHOCO-GOSSIP (top-k), K = 8, D = 10⁶: 466 MB (608 MB). The estimate is meant to sit above the measure by at most a factor of two, never
below it by much: a refusal is then for a run that really would not fit.

Examples
--------
>>> from gossip_sim.config import RunConfig
>>> 1e8 < estimate(RunConfig(topology="ring", agents=1000, dim=10)).total < 3e8
True
>>> check(RunConfig(agents=10**7), available=8 * 2**30)
Traceback (most recent call last):
...
gossip_sim.errors.ConfigError: agents=10000000, dim=100: the run needs about 631 GB of memory (estimate: trace 447 GB, graph and messages 124 GB, ...); 8 GB is available; lower --agents, --dim or --rounds
"""  # noqa: E501

from __future__ import annotations

import os
from dataclasses import dataclass

from gossip_sim import algorithms, problems, topology
from gossip_sim._registry import parse_spec
from gossip_sim.config import RunConfig, agents_for
from gossip_sim.errors import ConfigError
from gossip_sim.quantities import format_bytes

__all__ = [
    "BASE",
    "PER_AGENT",
    "PER_LINK",
    "PER_MESSAGE",
    "Estimate",
    "available_bytes",
    "check",
    "estimate",
]

#: Bytes of a run before it holds anything: the interpreter and the libraries it loads.
BASE = 120 * 2**20
#: Bytes per agent: a NetworkX node with attributes, a SimPy process, per-round bookkeeping.
PER_AGENT = 5 * 2**10
#: Bytes per link: a NetworkX edge with attributes, W's entries, two messages' events a round.
PER_LINK = 4 * 2**10
#: Bytes per recorded message (``--record-messages``): one ``MessageRecord`` in a list.
PER_MESSAGE = 200


@dataclass(frozen=True)
class Estimate:
    """The memory a run needs, in bytes, by part (``parts`` maps a part's name to its bytes)."""

    parts: dict[str, int]

    @property
    def total(self) -> int:
        """The sum of the parts and :data:`BASE`.

        Examples
        --------
        >>> Estimate({"state": 1}).total == BASE + 1
        True
        """
        return BASE + sum(self.parts.values())


def estimate(config: RunConfig) -> Estimate:
    """Return the memory ``config`` needs, from its settings and registrations alone.

    A catalogue network or graph file (no agent count until it is read) counts as 0 agents:
    such a file describes a network one can draw, small enough.

    Examples
    --------
    >>> e = estimate(RunConfig(topology="ring", agents=8, dim=10**6))
    >>> round(e.parts["agent state"] / 2**20)
    366
    """
    k = agents_for(config) or 0
    d = config.dim
    alg = algorithms.ALGORITHMS.entry(parse_spec(config.algorithm)[0]).facts
    problem_name, problem_params = parse_spec(config.problem)
    problem = problems.PROBLEMS.entry(problem_name)
    rows_param = problem.facts["rows"]
    rows = int({**problem.parameters, **problem_params}.get(rows_param, 0)) if rows_param else 0
    links = _links(config.topology, k)
    sketch_rows = min(int(alg["sketch_rows"]) * k * rows, d)
    rounds = config.rounds
    return Estimate(
        {
            "graph and messages": k * PER_AGENT + links * PER_LINK,
            "agent state": k * d * 8 * int(alg["state_vectors"]),
            "problem data": k * d * 8 * (rows + 2),
            "sketch": sketch_rows * d * 8,
            "trace": (rounds + 1) * k * 3 * 8 * 2,
            "messages": rounds * 2 * links * PER_MESSAGE if config.record_messages else 0,
        }
    )


def _links(spec: str, k: int) -> int:
    """Return the topology's registered estimate of its link count on ``k`` agents (0 if a file)."""
    name, params = parse_spec(spec)
    if k == 0 or name not in topology.TOPOLOGIES:
        return 0
    return int(topology.TOPOLOGIES.entry(name).facts["links"](k, params))


def available_bytes() -> int | None:
    """Return the memory available now: ``MemAvailable``, else psutil's, else free pages.

    None when the system says nothing (then no run is refused).

    Examples
    --------
    >>> available_bytes() is None or available_bytes() > 0
    True
    """
    try:
        with open("/proc/meminfo") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        import psutil  # optional: used only where it is installed already

        return int(psutil.virtual_memory().available)
    except ImportError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def check(config: RunConfig, *, available: int | None = None) -> Estimate:
    """Refuse ``config`` when its estimate exceeds the memory available; else return it.

    ``available`` defaults to :func:`available_bytes` now.

    Examples
    --------
    >>> check(RunConfig(dim=10**9), available=16 * 2**30)
    Traceback (most recent call last):
    ...
    gossip_sim.errors.ConfigError: agents=5, dim=1000000000: the run needs about 298 GB of memory (estimate: agent state 224 GB, problem data 74.5 GB, ...); 16 GB is available; lower --agents, --dim or --rounds
    """  # noqa: E501
    needed = estimate(config)
    free = available_bytes() if available is None else available
    if free is not None and needed.total > free:
        parts = sorted(needed.parts.items(), key=lambda item: -item[1])
        detail = ", ".join(f"{part} {format_bytes(size)}" for part, size in parts[:2])
        raise ConfigError(
            f"agents={agents_for(config)}, dim={config.dim}: the run needs about "
            f"{format_bytes(needed.total)} of memory (estimate: {detail}, ...); "
            f"{format_bytes(free)} is available; lower --agents, --dim or --rounds"
        )
    return needed
