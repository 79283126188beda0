"""What an algorithm gives the engine: per round, its messages (and the values they produce).

Algorithms never import SimPy: a round's numbers do not depend on when its messages arrive
(the rounds are synchronous), so :meth:`Algorithm.step` computes round ``t`` for all K agents
at once on ``(K, D)`` arrays and returns the :class:`Exchange` phases the engine must carry over
the network, each message with the exact bit length of its payload.

Examples
--------
>>> import networkx as nx
>>> links = Links.of(nx.path_graph(3))
>>> ex = Exchange.broadcast(links, np.array([10, 20, 30]))
>>> list(zip(ex.src.tolist(), ex.dst.tolist(), ex.nbits.tolist()))
[(0, 1, 10), (1, 0, 20), (1, 2, 20), (2, 1, 30)]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

import networkx as nx
import numpy as np
from numpy.typing import NDArray

from gossip_sim._registry import Registry, parse_spec
from gossip_sim._typing import Stack
from gossip_sim.errors import ConfigError

__all__ = [
    "ALGORITHMS",
    "Algorithm",
    "Coordinator",
    "Exchange",
    "Links",
    "RoundResult",
    "is_coordinator_algorithm",
    "optimisers",
    "require_optimisation",
    "resolve_step",
    "settings_used",
]

#: The algorithms by name. Facts each registration may state (defaults here):
#: ``averaging`` -- it averages the agents' vectors (problems with gradients are refused);
#: ``coordinator`` -- it runs on a star whose hub is a data-less coordinator;
#: ``sends`` -- for an algorithm without a ``compressor`` parameter, what its messages are, as
#: a compressor spec (``{b}`` is replaced by the algorithm's parameter ``b``).
#: ``state_vectors`` -- how many (K, D) float64 stacks it keeps at once (x, what it received,
#: the next x, temporaries), for :mod:`gossip_sim.sizing`; ``sketch_rows`` -- rows of its
#: sketch B (H x D, one for all agents) per data row of the problem (0: no sketch);
#: ``per_agent`` -- it has a per-agent form (``agents()``) for the event-driven engine;
#: ``asynchronous`` -- its agents act on their own Poisson clocks, not in rounds
#: (:mod:`gossip_sim.events.asynchronous` runs it); ``directed`` -- it runs on directed graphs;
#: ``mixes`` -- it mixes with the run's W (pairwise gossip picks a neighbour instead).
#: Whether it takes a compressor or a consensus step is whether its constructor names
#: ``compressor`` or ``gamma``.
ALGORITHMS: Registry[Any] = Registry(
    "algorithm",
    facts={
        "averaging": False,
        "coordinator": False,
        "sends": None,
        "state_vectors": 5,
        "sketch_rows": 0,
        "per_agent": False,
        "asynchronous": False,
        "directed": False,
        "mixes": True,
    },
    supplied=("compressor", "gamma", "seed"),  # the run's settings of those names
)

IntArray = NDArray[np.int64]


@dataclass(frozen=True)
class Links:
    """The directed links of a graph as arrays sorted by sender: ``src[m] → dst[m]``."""

    src: IntArray
    dst: IntArray
    n_agents: int

    @classmethod
    def of(cls, graph: nx.Graph) -> Links:
        """Return both directions of every edge of ``graph``, sorted by (src, dst)."""
        pairs = [(u, v) for u, v in graph.edges()] + [(v, u) for u, v in graph.edges()]
        arr = np.array(sorted(pairs), dtype=np.int64).reshape(-1, 2)
        return cls(arr[:, 0].copy(), arr[:, 1].copy(), graph.number_of_nodes())


@dataclass(frozen=True)
class Coordinator:
    """The coordinator model: a star whose hub holds no data; worker ``k`` is node ``workers[k]``.

    Examples
    --------
    >>> import networkx as nx
    >>> c = Coordinator.of(nx.star_graph(3), "parameter-server")
    >>> c.hub, c.workers.tolist()
    (0, [1, 2, 3])
    >>> Coordinator.of(nx.cycle_graph(4), "parameter-server")
    Traceback (most recent call last):
    ...
    gossip_sim.errors.ConfigError: parameter-server is a coordinator algorithm: ...
    """

    hub: int
    workers: IntArray

    @classmethod
    def of(cls, graph: nx.Graph, algorithm: str) -> Coordinator:
        """Return the hub and workers of a star ``graph``; refuse any other topology."""
        k = graph.number_of_nodes()
        hub = graph.graph.get("coordinator")
        if hub is None and k >= 3:
            hubs = [n for n, deg in graph.degree() if deg == k - 1]
            hub = hubs[0] if len(hubs) == 1 else None
        is_star = (
            k >= 2
            and hub in graph
            and graph.number_of_edges() == k - 1
            and graph.degree[hub] == k - 1
        )
        if not is_star or hub is None:
            raise ConfigError(
                f"{algorithm} is a coordinator algorithm: it needs a star topology whose hub is "
                f"the coordinator (give --topology star), not a graph with {k} nodes and "
                f"{graph.number_of_edges()} edges; on other graphs use a decentralized "
                f"algorithm ({', '.join(optimisers(coordinator=False))})"
            )
        workers = np.array(sorted(n for n in graph.nodes if n != hub), dtype=np.int64)
        return cls(int(hub), workers)


def require_optimisation(problem: Any, algorithm: str) -> Any:
    """Return ``problem`` if it has gradients; otherwise refuse, saying what would work.

    Examples
    --------
    >>> require_optimisation(gs.problems.create("consensus", n_agents=2, dim=2), "dgd")
    Traceback (most recent call last):
    ...
    gossip_sim.errors.ConfigError: dgd minimises a sum of local objectives, ...
    """
    from gossip_sim.problems import PROBLEMS, is_optimisation

    if not is_optimisation(problem):
        with_gradients = PROBLEMS.choices_text(PROBLEMS.names_where(optimisation=True), " or ")
        averaging = " / ".join(ALGORITHMS.names_where(averaging=True))
        raise ConfigError(
            f"{algorithm} minimises a sum of local objectives, and problem "
            f"{getattr(problem, 'name', problem)!r} has none; give --problem {with_gradients} "
            f"(or average vectors with --algorithm {averaging})"
        )
    return problem


def resolve_step(step: float | str, auto: float, who: str) -> float:
    """Return the step size ``step`` names: a positive number, or ``"auto"`` → ``auto``.

    Examples
    --------
    >>> resolve_step("auto", 0.5, "dgd"), resolve_step(0.1, 0.5, "dgd")
    (0.5, 0.1)
    """
    if step == "auto":
        return float(auto)
    if isinstance(step, bool) or not isinstance(step, (int, float)) or not step > 0:
        raise ConfigError(f"{who}: step={step!r} is not valid; give a number > 0 or 'auto'")
    return float(step)


def is_coordinator_algorithm(name: str) -> bool:
    """Return whether the algorithm ``name`` runs on a star with a data-less coordinator.

    Examples
    --------
    >>> is_coordinator_algorithm("korhonen-alistarh"), is_coordinator_algorithm("dgd")
    (True, False)
    """
    return bool(ALGORITHMS.entry(parse_spec(name)[0]).facts["coordinator"])


def optimisers(*, coordinator: bool) -> list[str]:
    """Return the names of the algorithms that minimise (do not average), on a star or not.

    Examples
    --------
    >>> "dgd" in optimisers(coordinator=False), "dgd" in optimisers(coordinator=True)
    (True, False)
    """
    return ALGORITHMS.names_where(averaging=False, coordinator=coordinator)


def settings_used(algorithm: str, compressor: str, gamma: float | str) -> dict[str, Any]:
    """Return the compressor and consensus step ``gamma`` a run of ``algorithm`` really uses.

    Derived from the registration alone, so it is known before the run: an algorithm whose
    constructor takes ``compressor`` (``gamma``) uses the run's; one that does not sends what
    its registration declares (``sends``, with the algorithm's parameters filled in), and has
    no gamma (None). None also where an algorithm declares nothing.

    Examples
    --------
    >>> settings_used("exact-gossip", "qsgd:s=16,scaled=true", "auto")
    {'compressor': 'identity:precision=64', 'gamma': None}
    >>> settings_used("song-server:b=4", "qsgd:s=16,scaled=true", "auto")["compressor"]
    'grid:b=4 (b0=16)'
    >>> settings_used("choco-gossip", "topk:k=0.1", 0.5)
    {'compressor': 'topk:k=0.1', 'gamma': 0.5}
    """
    name, params = parse_spec(algorithm)
    entry = ALGORITHMS.entry(name)
    sends = entry.facts["sends"]
    if entry.takes("compressor"):
        used: str | None = compressor
    elif sends is not None:
        used = str(sends).format_map({**entry.parameters, **params})
    else:
        used = None
    return {"compressor": used, "gamma": gamma if entry.takes("gamma") else None}


@dataclass(frozen=True)
class Exchange:
    """One communication phase: message ``m`` goes ``src[m] → dst[m]`` carrying ``nbits[m]`` bits.

    Within a phase an agent first sends all its messages, then waits for all of its inbound
    ones before it starts the next phase.
    """

    src: IntArray
    dst: IntArray
    nbits: IntArray

    @classmethod
    def broadcast(cls, links: Links, nbits_per_sender: IntArray) -> Exchange:
        """Every agent sends its payload (``nbits_per_sender[i]`` bits) to each neighbour."""
        return cls(links.src, links.dst, np.asarray(nbits_per_sender, dtype=np.int64)[links.src])

    @classmethod
    def uplink(cls, hub: Coordinator, nbits_per_worker: IntArray) -> Exchange:
        """Every worker sends its payload (``nbits_per_worker[k]`` bits) to the coordinator."""
        nbits = np.asarray(nbits_per_worker, dtype=np.int64).reshape(len(hub.workers))
        return cls(hub.workers, np.full(len(hub.workers), hub.hub, dtype=np.int64), nbits)

    @classmethod
    def downlink(cls, hub: Coordinator, nbits_per_worker: IntArray | int) -> Exchange:
        """Send the coordinator's payload to every worker (counted once per receiver)."""
        nbits = np.broadcast_to(np.asarray(nbits_per_worker, dtype=np.int64), hub.workers.shape)
        return cls(np.full(len(hub.workers), hub.hub, dtype=np.int64), hub.workers, nbits.copy())

    @property
    def total_bits(self) -> int:
        """The bits of all messages of the phase (each counted once per receiver)."""
        return int(self.nbits.sum())


@dataclass(frozen=True)
class RoundResult:
    """What one round did: its communication phases and the agents' values after it.

    ``values`` is the ``(K, D)`` stack the run's accuracy is measured on; ``compute`` the
    floating-point operations each agent performed before its first send (None: not modelled).
    """

    exchanges: list[Exchange]
    values: Stack
    compute: NDArray[np.float64] | None = None
    extra: dict[str, float] = field(default_factory=dict)


class Algorithm(Protocol):
    """A synchronous algorithm: ``values0`` before any round, then ``step(t)`` for t = 0, 1, ..."""

    name: str

    @property
    def values0(self) -> Stack:
        """The agents' values before the first round."""
        ...

    def step(self, t: int) -> RoundResult:
        """Compute round ``t`` for all agents and return its messages and resulting values."""
        ...

    def describe(self) -> dict[str, Any]:
        """Return the resolved parameters (step sizes, compressor, ...) for the summary."""
        ...
