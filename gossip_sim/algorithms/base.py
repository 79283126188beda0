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

from gossip_sim._registry import Registry
from gossip_sim._typing import Stack

__all__ = ["ALGORITHMS", "Algorithm", "Exchange", "Links", "RoundResult"]

ALGORITHMS: Registry[Any] = Registry("algorithm")

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
