"""Time-varying graphs: per round t a graph and its mixing matrix W_t.

A :class:`GraphSchedule` says which W_t round t uses. ``W_t[i, j]`` is the weight agent i
gives j's value (row i), so agent i sends to j in round t when ``W_t[j, i] > 0`` (j != i), and
one round of averaging is ``x_{t+1} = W_t x_t``. Three families are registered in
:data:`~gossip_sim.topology.TOPOLOGIES` with the fact ``varying=True``:

- ``one-peer-exponential`` (Ying et al. 2021): with tau = ceil(log2 K), in round t agent i
  sends to ``(i + 2^(t mod tau)) mod K`` and W_t = (I + P_t)/2. For K = 2^m the product of m
  consecutive W_t is exactly 11ᵀ/K: exact average after m rounds.
- ``random-matching``: each round a random maximal matching of a base topology (``base=``,
  default complete), drawn from ``stream(seed, "matching", t)``; matched pairs average,
  W_t = I - ½ Σ (e_i - e_j)(e_i - e_j)ᵀ (symmetric, doubly stochastic).
- ``sequence`` (:mod:`gossip_sim.topology.sequences`): graph files listed in a TOML file,
  ``graphs = ["a.edgelist", ...]``, with an optional ``mixing`` rule; round t uses graph t mod
  len.

Each registration returns the *union* graph (every link some round may use) with the
schedule in ``graph.graph["schedule"]`` (:func:`schedule_of`), so link profiles, latency and
bandwidth apply as for any topology.

Examples
--------
>>> g = gs.topology.build("one-peer-exponential", 8)
>>> s = gs.topology.schedule_of(g)
>>> s.period, g.number_of_edges()
(3, 20)
>>> P = s.at(2) @ s.at(1) @ s.at(0)
>>> bool(np.allclose(P.toarray(), 1 / 8))
True
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import networkx as nx
import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from gossip_sim._random import stream
from gossip_sim._registry import parse_spec
from gossip_sim.errors import ConfigError
from gossip_sim.topology.generators import TOPOLOGIES, _agents, _log_links

__all__ = [
    "GraphSchedule",
    "mix_sequence",
    "schedule_of",
]

FloatArray = NDArray[np.float64]
ArrayLikeFloat = Sequence[float] | FloatArray


class _Rounds(Protocol):
    """What a schedule asks of its family: W_t for round t."""

    def weights(self, t: int) -> sp.csr_array: ...


def _csr(rows: Any, cols: Any, values: Any, k: int) -> sp.csr_array:
    W = sp.csr_array((np.asarray(values, dtype=np.float64), (rows, cols)), shape=(k, k))
    W.sum_duplicates()
    W.sort_indices()
    return W


@dataclass(frozen=True, eq=False)
class _Periodic:
    """A fixed cycle of matrices: round t uses ``matrices[t % len]`` (the same object)."""

    matrices: tuple[sp.csr_array, ...]

    def weights(self, t: int) -> sp.csr_array:
        return self.matrices[t % len(self.matrices)]


@dataclass(frozen=True, eq=False)
class _Matchings:
    """A random maximal matching of ``support`` per round, drawn from ``stream(seed, ...)``."""

    support: sp.csr_array
    seed: int

    def pairs(self, t: int) -> NDArray[np.int64]:
        """Return the matched pairs of round t, shape (M, 2).

        Agents are visited in a random order; a free agent picks a uniformly random free
        neighbour. The result is maximal, and on the complete graph a uniform perfect
        matching (one agent left out when K is odd).
        """
        rng = stream(self.seed, "matching", t)
        k = self.support.shape[0]
        indptr, indices = self.support.indptr, self.support.indices
        free = np.ones(k, dtype=bool)
        pairs: list[tuple[int, int]] = []
        for u in rng.permutation(k):
            if not free[u]:
                continue
            around = indices[indptr[u] : indptr[u + 1]]
            around = around[free[around]]
            if around.size:
                v = int(around[rng.integers(around.size)])
                free[u] = free[v] = False
                pairs.append((int(u), v))
        return np.array(pairs, dtype=np.int64).reshape(-1, 2)

    def weights(self, t: int) -> sp.csr_array:
        k = self.support.shape[0]
        pairs = self.pairs(t)
        unmatched = np.setdiff1d(np.arange(k), pairs.ravel())
        i, j = pairs[:, 0], pairs[:, 1]
        rows = np.concatenate([i, j, i, j, unmatched])
        cols = np.concatenate([i, j, j, i, unmatched])
        values = np.concatenate([np.full(4 * len(pairs), 0.5), np.ones(len(unmatched))])
        return _csr(rows, cols, values, k)


@dataclass(frozen=True)
class GraphSchedule:
    """A graph and its mixing matrix per round: W_t = ``at(t)``.

    Parameters
    ----------
    n_agents : int
        Number of agents K.
    name : str
        The family (``"one-peer-exponential"``, ``"random-matching"``, ``"sequence"``).
    period : int or None
        W_{t + period} = W_t; None for a random schedule (no period).
    rounds : object
        The family's rule, with ``weights(t)``.
    support : scipy.sparse.csr_array or None
        For a random schedule, every link a round may use (each with positive probability
        in every round); None for a periodic one (its union over a period is computed).

    Examples
    --------
    >>> s = gs.topology.schedule_of(gs.topology.build("random-matching", 6, seed=3))
    >>> W = s.at(5)
    >>> bool(np.allclose(W.sum(axis=0), 1) and np.allclose(W.toarray(), W.T.toarray()))
    True
    >>> s.period is None, (s.at(5) != W).nnz
    (True, 0)
    """

    n_agents: int
    name: str
    period: int | None
    rounds: _Rounds = field(repr=False, compare=False)
    support: sp.csr_array | None = field(default=None, repr=False, compare=False)

    def at(self, t: int) -> sp.csr_array:
        """Return W_t (K x K, CSR): row i holds the weights agent i gives the values it hears.

        Periodic schedules return the same object for the same t mod period; treat it as
        read-only.

        Examples
        --------
        >>> s = gs.topology.schedule_of(gs.topology.build("one-peer-exponential", 4))
        >>> s.at(1).toarray()[0]
        array([0.5, 0. , 0.5, 0. ])
        """
        if isinstance(t, bool) or not isinstance(t, (int, np.integer)) or t < 0:
            raise ConfigError(f"round t={t!r} is not valid; give an integer >= 0")
        return self.rounds.weights(int(t))

    def sends(self, t: int) -> list[tuple[int, int]]:
        """Return the messages of round t as (sender, receiver) pairs, sorted.

        Examples
        --------
        >>> s = gs.topology.schedule_of(gs.topology.build("one-peer-exponential", 4))
        >>> s.sends(1)
        [(0, 2), (1, 3), (2, 0), (3, 1)]
        """
        coo = self.at(t).tocoo()
        keep = (coo.row != coo.col) & (coo.data != 0)
        return sorted(zip(coo.col[keep].tolist(), coo.row[keep].tolist(), strict=True))

    def union(self) -> sp.csr_array:
        """Return the symmetric 0/1 pattern of every link some round uses (no diagonal).

        Over one period for a periodic schedule; the support for a random one.

        Examples
        --------
        >>> s = gs.topology.schedule_of(gs.topology.build("one-peer-exponential", 8))
        >>> int(s.union().sum()) // 2
        20
        """
        if self.support is not None:
            pattern = self.support
        else:
            assert self.period is not None
            pattern = sp.csr_array((self.n_agents, self.n_agents), dtype=np.float64)
            for t in range(self.period):
                pattern = pattern + abs(self.at(t))
        both = sp.csr_array((pattern + pattern.T) != 0, dtype=np.float64)
        both.setdiag(0)
        both.eliminate_zeros()
        return both

    def check(self) -> None:
        """Refuse a schedule whose links over a period (or its support) never connect it.

        Raises
        ------
        ConfigError
            One line naming the schedule and the number of components.

        Examples
        --------
        >>> gs.topology.schedule_of(gs.topology.build("one-peer-exponential", 5)).check()
        """
        if self.n_agents < 2:
            raise ConfigError(f"{self.name} needs at least 2 agents; got {self.n_agents}")
        from scipy.sparse.csgraph import connected_components  # lazy: ~0.1 s of imports

        components, _ = connected_components(self.union(), directed=False)
        if components > 1:
            over = "its support" if self.period is None else f"its {self.period} rounds"
            raise ConfigError(
                f"time-varying topology {self.name!r} is never connected: the union of {over} "
                f"has {components} components; add links that join them"
            )


def schedule_of(graph: nx.Graph) -> GraphSchedule | None:
    """Return the :class:`GraphSchedule` of a time-varying topology's graph, else None.

    Examples
    --------
    >>> gs.topology.schedule_of(gs.topology.build("ring", 4)) is None
    True
    >>> gs.topology.schedule_of(gs.topology.build("one-peer-exponential", 4)).name
    'one-peer-exponential'
    """
    schedule = graph.graph.get("schedule")
    return schedule if isinstance(schedule, GraphSchedule) else None


def mix_sequence(schedule: GraphSchedule, x0: ArrayLikeFloat, rounds: int) -> list[FloatArray]:
    """Return x_0, x_1, ..., x_rounds of plain averaging x_{t+1} = W_t x_t (a reference).

    Examples
    --------
    >>> s = gs.topology.schedule_of(gs.topology.build("one-peer-exponential", 4))
    >>> mix_sequence(s, [4.0, 0.0, 0.0, 0.0], 2)[-1]
    array([1., 1., 1., 1.])
    """
    x = np.asarray(x0, dtype=np.float64)
    xs = [x]
    for t in range(rounds):
        x = schedule.at(t) @ x
        xs.append(x)
    return xs


def _union_graph(schedule: GraphSchedule) -> nx.Graph:
    graph = nx.empty_graph(schedule.n_agents)
    coo = sp.triu(schedule.union(), k=1).tocoo()
    graph.add_edges_from(zip(coo.row.tolist(), coo.col.tolist(), strict=True))
    return graph


def _with_schedule(graph: nx.Graph, schedule: GraphSchedule) -> nx.Graph:
    schedule.check()
    graph.graph["schedule"] = schedule
    return graph


@TOPOLOGIES.register("one-peer-exponential", layout="circle", links=_log_links, varying=True)
def one_peer_exponential(n_agents: int) -> nx.Graph:
    """One peer per round: agent i sends to i + 2^(t mod ceil(log2 K)) (mod K); K >= 2.

    W_t = (I + P_t)/2 (Ying et al. 2021): one in- and one out-neighbour per round. For K = 2^m,
    m consecutive rounds average exactly. The graph is the union over a period (the
    exponential graph).

    Examples
    --------
    >>> g = gs.topology.TOPOLOGIES.get("one-peer-exponential")(8)
    >>> g.graph["schedule"].sends(0)[:2]
    [(0, 1), (1, 2)]
    """
    k = _agents("one-peer-exponential", n_agents, 2)
    tau = max(1, math.ceil(math.log2(k)))
    agents = np.arange(k)
    matrices = tuple(
        _csr(
            np.concatenate([agents, agents]),
            np.concatenate([agents, (agents - (1 << s)) % k]),
            np.full(2 * k, 0.5),
            k,
        )
        for s in range(tau)
    )
    schedule = GraphSchedule(k, "one-peer-exponential", tau, _Periodic(matrices))
    return _with_schedule(_union_graph(schedule), schedule)


def _matching_links(k: int, params: dict[str, Any]) -> int:
    """Return the base topology's declared link count."""
    name, base_params = parse_spec(str(params.get("base", "complete")))
    counted: Callable[[int, dict[str, Any]], int] = TOPOLOGIES.entry(name).facts["links"]
    return counted(k, base_params)


@TOPOLOGIES.register("random-matching", links=_matching_links, varying=True)
def random_matching(n_agents: int, base: str = "complete", seed: int = 0) -> nx.Graph:
    """Each round a random maximal matching of the base topology; matched pairs average; K >= 2.

    W_t = I - ½ Σ_(i,j) matched (e_i - e_j)(e_i - e_j)ᵀ, drawn from ``stream(seed,
    "matching", t)`` (so any round can be asked for in any order). The graph is the base.

    Examples
    --------
    >>> g = gs.topology.TOPOLOGIES.get("random-matching")(6, base="ring")
    >>> g.number_of_edges(), len(g.graph["schedule"].sends(0)) in (4, 6)
    (6, True)
    """
    k = _agents("random-matching", n_agents, 2)
    name, _ = parse_spec(str(base))
    if TOPOLOGIES.entry(name).facts["varying"]:
        raise ConfigError(
            f"random-matching parameter base={base!r} is not valid; give a static topology"
        )
    found = TOPOLOGIES.create(str(base), n_agents=k, seed=seed)
    graph: nx.Graph = nx.Graph()
    graph.add_nodes_from(sorted(found.nodes(data=True)))
    graph.add_edges_from(found.edges(data=True))
    support = sp.csr_array(nx.to_scipy_sparse_array(graph, nodelist=range(k), format="csr"))
    schedule = GraphSchedule(k, "random-matching", None, _Matchings(support, seed), support)
    return _with_schedule(graph, schedule)
