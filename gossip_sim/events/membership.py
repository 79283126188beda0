"""Who is alive, which links are up, which W a round uses and how long agents compute.

:class:`Membership` plays a :class:`~gossip_sim.faults.plan.FaultPlan`'s crashes, churn, link
failures and stragglers for the event-driven engine. The rules (written out with a worked example
in ``docs/background/failure-rules.md``):

- **Crashes.** ``plan.crash_count(K)`` agents, drawn once from ``stream(seed, "crash")``, crash
  when round ``plan.crash_round`` opens; with ``plan.recover_after = r`` they are back when round
  ``crash_round + r`` opens, otherwise never (crash-stop).
- **Churn.** When round t >= 1 opens, each live agent leaves with probability ``leave`` and each
  agent that left by churn joins back with probability ``join`` (one uniform number per agent,
  in agent order, from ``stream(seed, "churn", t)``). A joining agent keeps its old state.
- **Never no one.** If a round would open with no agent alive, the lowest-numbered agent that
  was to crash or leave in that round stays (and is no longer counted as crashed).
- **Links.** Each undirected link of the graph is up or down for both directions at once:
  :class:`~gossip_sim.faults.failures.RandomLinkFailures` alternates Exp(mean mtbf) up and
  Exp(mean mttr) down from its own ``stream(seed, "links", e)`` (links numbered in sorted
  ``(min, max)`` order, all up at time 0); a :class:`~gossip_sim.faults.failures.LinkSchedule`
  applies its rows from their times on. A pair that is not a link of the graph never fails.
- **W of round t.** From the base W_t, every weight w_ij (i != j) whose ends are not both alive,
  or whose link is down when the round opens, moves to the diagonal (w_ii += w_ij, w_ij = 0);
  a dead agent's row is the identity row. A symmetric doubly stochastic W stays symmetric and
  doubly stochastic, and the live agents keep their average.
- **Stragglers.** Agent i's compute time in round t is the (t + 1)-th draw of its own
  ``stream(seed, "stragglers", i)`` (:class:`~gossip_sim.faults.failures.ComputeTimes`).

Link states are brought up to ``env.now`` whenever they are asked for (no SimPy process runs
for them), so the answers do not depend on who asks when, and ``env.run()`` still ends.

Examples
--------
>>> import networkx as nx, simpy
>>> from gossip_sim.faults.plan import FaultPlan
>>> graph = nx.cycle_graph(8)
>>> W = gs.mixing.metropolis_hastings(graph)
>>> plan = FaultPlan.create(crash_fraction=0.25, crash_round=2, rounds=10)
>>> members = Membership(simpy.Environment(), graph, W, plan, seed=0)
>>> [members.open_round(t).W is W for t in range(3)], members.live_count
([True, True, False], 6)
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import networkx as nx
import numpy as np
import scipy.sparse as sp
import simpy
from numpy.typing import NDArray

from gossip_sim._random import stream
from gossip_sim.errors import ConfigError
from gossip_sim.events.livemixing import LiveMixing
from gossip_sim.faults.failures import ComputeTimes, LinkSchedule, RandomLinkFailures
from gossip_sim.faults.plan import FaultPlan

__all__ = ["Membership", "RoundView"]

Bools = NDArray[np.bool_]
Ints = NDArray[np.int64]
Event = tuple[float, int, str, str]

_ALIVE, _CRASHED, _LEFT = 0, 1, 2


@dataclass(frozen=True)
class RoundView:
    """Who is alive in round ``t`` and the mixing matrix the round uses (fixed when it opens).

    Attributes
    ----------
    t : int
        The round.
    alive : numpy.ndarray of bool, shape (K,)
        The agents alive in round t (read-only).
    W : scipy.sparse.csr_array, shape (K, K)
        The round's mixing matrix (the base W_t cut by
        :func:`~gossip_sim.events.livemixing.live_mixing`).
    changed : bool
        False when ``W`` is the base W_t itself and everyone is alive.

    Examples
    --------
    >>> import networkx as nx
    >>> W = gs.mixing.metropolis_hastings(nx.path_graph(3))
    >>> view = RoundView(0, np.array([True, True, False]), W, True)
    >>> view.senders(1), view.receivers(0)
    (array([0]), array([1]))
    """

    t: int
    alive: Bools
    W: sp.csr_array
    changed: bool
    _memo: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def senders(self, i: int) -> Ints:
        """Return the live j != i with W[i, j] > 0: whose round-t message agent i waits for.

        Examples
        --------
        >>> import networkx as nx
        >>> W = gs.mixing.uniform(nx.path_graph(3))
        >>> RoundView(0, np.array([True, True, True]), W, False).senders(1)
        array([0, 2])
        """
        return _row(self.W, self.alive, i)

    def receivers(self, i: int) -> Ints:
        """Return the live j != i with W[j, i] > 0: whom agent i sends its round-t message to.

        Examples
        --------
        >>> import networkx as nx
        >>> W = gs.mixing.uniform(nx.path_graph(3))
        >>> RoundView(0, np.array([True, True, False]), W, True).receivers(1)
        array([0])
        """
        if "columns" not in self._memo:
            self._memo["columns"] = sp.csr_array(self.W.T)
        return _row(self._memo["columns"], self.alive, i)


def _row(matrix: sp.csr_array, alive: Bools, i: int) -> Ints:
    lo, hi = matrix.indptr[i], matrix.indptr[i + 1]
    cols, vals = matrix.indices[lo:hi], matrix.data[lo:hi]
    keep = (cols != i) & (vals > 0) & alive[cols]
    return cols[keep].astype(np.int64)


class _Links:
    """Up/down state of every undirected link, brought up to a time when asked."""

    def __init__(self, graph: nx.Graph, spec: Any, seed: int, log: Callable[..., None]) -> None:
        k = graph.number_of_nodes()
        ends = np.sort(np.array(list(graph.edges), dtype=np.int64).reshape(-1, 2), axis=1)
        ends = ends[np.lexsort((ends[:, 1], ends[:, 0]))]
        self.k, self.ends, self.log = k, ends, log
        self.keys = ends[:, 0] * k + ends[:, 1]
        self.down = np.zeros(len(ends), dtype=bool)
        self.version = 0
        self.heap: list[tuple[float, int]] = []
        self.changes: tuple[Any, ...] = ()
        self.next = 0
        if isinstance(spec, RandomLinkFailures):
            self.spec = spec
            self.rngs = [stream(seed, "links", e) for e in range(len(ends))]
            self.heap = [(float(rng.exponential(spec.mtbf)), e) for e, rng in enumerate(self.rngs)]
            heapq.heapify(self.heap)
        elif isinstance(spec, LinkSchedule):
            self.changes = spec.read(graph)

    def index(self, src: Any, dst: Any) -> Any:
        """Return the link number of each (src, dst) pair, -1 for a pair that is not a link."""
        src, dst = np.asarray(src, dtype=np.int64), np.asarray(dst, dtype=np.int64)
        keys = np.minimum(src, dst) * self.k + np.maximum(src, dst)
        if len(self.keys) == 0:
            return np.full(keys.shape, -1, dtype=np.int64)
        at = np.minimum(np.searchsorted(self.keys, keys), len(self.keys) - 1)
        return np.where(self.keys[at] == keys, at, -1)

    def advance(self, now: float, round: int) -> None:
        """Apply every failure, repair and scheduled row up to time ``now`` (inclusive)."""
        while self.heap and self.heap[0][0] <= now:
            time, e = heapq.heappop(self.heap)
            self._set(e, not self.down[e], time, round)
            mean = self.spec.mttr if self.down[e] else self.spec.mtbf
            heapq.heappush(self.heap, (time + float(self.rngs[e].exponential(mean)), e))
        while self.next < len(self.changes) and self.changes[self.next].time_s <= now:
            change = self.changes[self.next]
            self.next += 1
            e = int(self.index(change.src, change.dst))
            if self.down[e] == change.up:
                self._set(e, not change.up, change.time_s, round)

    def _set(self, e: int, down: bool, time: float, round: int) -> None:
        self.down[e] = down
        self.version += 1
        u, v = self.ends[e]
        self.log(time, round, "link down" if down else "link up", f"link {u}-{v}")


class Membership:
    """Who is alive, which links are up, which W each round uses, how long agents compute.

    The rules are in this module's docstring and ``docs/background/failure-rules.md``.

    Parameters
    ----------
    env : simpy.Environment
        The run's clock.
    graph : networkx.Graph
        The run's graph, agents 0..K-1.
    W : scipy.sparse.csr_array
        The base mixing matrix.
    plan : FaultPlan
        What goes wrong.
    seed : int
        The run's seed (every draw comes from ``stream(seed, purpose, index)``).
    base : callable, optional
        ``t -> W_t`` for a time-varying graph; default: ``W`` in every round.

    Raises
    ------
    ConfigError
        A link schedule that cannot be read or names a link not in the graph.

    Examples
    --------
    >>> import networkx as nx, simpy
    >>> from gossip_sim.faults.plan import FaultPlan
    >>> graph = nx.cycle_graph(4)
    >>> plan = FaultPlan.create(crash_fraction=0.25, crash_round=1, recover_after=2, rounds=9)
    >>> members = Membership(simpy.Environment(), graph, gs.mixing.uniform(graph), plan, seed=3)
    >>> [int(members.open_round(t).alive.sum()) for t in range(4)]
    [4, 3, 3, 4]
    >>> [(round, what) for _, round, what, _ in members.events]
    [(1, 'crash'), (3, 'recover')]
    """

    def __init__(
        self,
        env: simpy.Environment,
        graph: nx.Graph,
        W: sp.csr_array,
        plan: FaultPlan,
        *,
        seed: int,
        base: Callable[[int], sp.csr_array] | None = None,
    ) -> None:
        k = graph.number_of_nodes()
        self.env, self.W, self.plan, self.seed, self.base = env, W, plan, seed, base
        self.events: list[Event] = []
        self._state = np.zeros(k, dtype=np.int8)
        self._alive = np.ones(k, dtype=bool)
        self._alive.flags.writeable = False
        self._count = k
        self._round = -1
        self._back: dict[int, simpy.Event] = {}
        self._times = ComputeTimes(plan.stragglers, seed)
        self.crashing = np.zeros(0, dtype=np.int64)
        if plan.crash_fraction > 0:
            count = plan.crash_count(k)
            if count == 0:
                raise ConfigError(
                    f"crash fraction = {plan.crash_fraction} with {k} agent: no agent could "
                    "crash and leave one alive; give more agents or no crashes"
                )
            chosen = stream(seed, "crash").choice(k, size=count, replace=False)
            self.crashing = np.sort(chosen).astype(np.int64)
        self._links = (
            None
            if plan.link_failures is None
            else _Links(graph, plan.link_failures, seed, self._log)
        )
        self._view: RoundView | None = None
        self._key: tuple[Any, ...] = ()
        self._layouts: dict[int, LiveMixing] = {}

    @property
    def live_count(self) -> int:
        """The number of agents alive now.

        Examples
        --------
        >>> import networkx as nx, simpy
        >>> from gossip_sim.faults.plan import FaultPlan
        >>> g = nx.path_graph(3)
        >>> Membership(simpy.Environment(), g, gs.mixing.uniform(g), FaultPlan(), seed=0).live_count
        3
        """
        return self._count

    def start(self) -> None:
        """Bring the links to time ``env.now``; no SimPy process is needed (see the module).

        Examples
        --------
        >>> import networkx as nx, simpy
        >>> from gossip_sim.faults.plan import FaultPlan
        >>> g = nx.path_graph(3)
        >>> Membership(simpy.Environment(), g, gs.mixing.uniform(g), FaultPlan(), seed=0).start()
        """
        if self._links is not None:
            self._links.advance(self.env.now, max(self._round, 0))

    def alive(self, i: int) -> bool:
        """Whether agent ``i`` is alive now.

        Examples
        --------
        >>> import networkx as nx, simpy
        >>> from gossip_sim.faults.plan import FaultPlan
        >>> g = nx.path_graph(3)
        >>> plan = FaultPlan.create(crash_fraction=0.3, crash_round=0, rounds=5)
        >>> members = Membership(simpy.Environment(), g, gs.mixing.uniform(g), plan, seed=0)
        >>> _ = members.open_round(0)
        >>> [members.alive(i) for i in range(3)] == [i not in members.crashing for i in range(3)]
        True
        """
        return bool(self._alive[i])

    def link_up(self, src: int, dst: int) -> bool:
        """Whether the link src-dst is up now (a pair that is not a link never fails).

        Examples
        --------
        >>> import networkx as nx, simpy
        >>> from gossip_sim.faults.plan import FaultPlan
        >>> g = nx.path_graph(3)
        >>> plan = FaultPlan.create(link_failures="random:mtbf=1,mttr=1", rounds=5)
        >>> env = simpy.Environment()
        >>> members = Membership(env, g, gs.mixing.uniform(g), plan, seed=0)
        >>> members.link_up(0, 1), members.link_up(0, 2)  # all up at 0 s; 0-2 is no link
        (True, True)
        """
        if self._links is None:
            return True
        self._links.advance(self.env.now, max(self._round, 0))
        e = int(self._links.index(src, dst))
        return e < 0 or not self._links.down[e]

    def back(self, i: int) -> simpy.Event:
        """Return an event that succeeds when agent ``i`` is alive again.

        Already succeeded if ``i`` is alive now; never succeeds for a crash-stop agent.

        Examples
        --------
        >>> import networkx as nx, simpy
        >>> from gossip_sim.faults.plan import FaultPlan
        >>> g = nx.path_graph(3)
        >>> plan = FaultPlan.create(crash_fraction=0.3, crash_round=0, recover_after=1, rounds=5)
        >>> members = Membership(simpy.Environment(), g, gs.mixing.uniform(g), plan, seed=0)
        >>> _ = members.open_round(0)
        >>> event = members.back(int(members.crashing[0]))
        >>> event.triggered, members.open_round(1).alive.all(), event.triggered
        (False, np.True_, True)
        """
        if self._alive[i]:
            return self.env.event().succeed()
        if self._state[i] == _CRASHED and self.plan.recover_after is None:
            return self.env.event()
        return self._back.setdefault(i, self.env.event())

    def compute_time(self, i: int, t: int) -> float:
        """Return agent ``i``'s straggler compute time in round ``t`` (0.0 without stragglers).

        Examples
        --------
        >>> import networkx as nx, simpy
        >>> from gossip_sim.faults.plan import FaultPlan
        >>> g = nx.path_graph(3)
        >>> plan = FaultPlan.create(stragglers="pareto:alpha=2,scale=0.001", rounds=5)
        >>> members = Membership(simpy.Environment(), g, gs.mixing.uniform(g), plan, seed=0)
        >>> members.compute_time(0, 0) >= 0.001
        True
        """
        return self._times.draw(i, t)

    def open_round(self, t: int) -> RoundView:
        """Fix round ``t``'s view: apply its crashes, recoveries, churn and link states.

        Called once per round, in order, when the first agent reaches round ``t``.

        Examples
        --------
        >>> import networkx as nx, simpy
        >>> from gossip_sim.faults.plan import FaultPlan
        >>> g = nx.path_graph(3)
        >>> W = gs.mixing.uniform(g)
        >>> members = Membership(simpy.Environment(), g, W, FaultPlan(), seed=0)
        >>> view = members.open_round(0)
        >>> view.t, view.W is W, view.changed, view.senders(1)
        (0, True, False, array([0, 2]))
        """
        if t != self._round + 1:
            raise ValueError(f"round {t} opened after round {self._round}")
        self._round = t
        if self._links is not None:
            self._links.advance(self.env.now, t)
        self._apply(self._members(t), t)
        W = self.W if self.base is None else self.base(t)
        links = 0 if self._links is None else self._links.version
        key = (W, self._alive, links)
        if self._view is not None and self._same(key):
            return replace(self._view, t=t)  # nothing changed: the same W and alive objects
        self._key = key
        down = None if self._links is None else self._links.ends[self._links.down]
        if self._count == len(self._alive) and (down is None or len(down) == 0):
            self._view = RoundView(t, self._alive, W, False)  # nothing to cut: no layout needed
        else:
            cut = self._layout(W).cut(self._alive, down)
            self._view = RoundView(t, self._alive, cut, cut is not W)
        return self._view

    def _same(self, key: tuple[Any, ...]) -> bool:
        """Whether ``key`` (W, alive, link version) is the last view's."""
        return key[0] is self._key[0] and key[1] is self._key[1] and key[2] == self._key[2]

    def _layout(self, W: sp.csr_array) -> LiveMixing:
        """Return W's layout, kept for the last few base matrices (a time-varying graph cycles)."""
        layout = self._layouts.pop(id(W), None)
        if layout is None or layout.W is not W:
            layout = LiveMixing(W)
        self._layouts[id(W)] = layout  # most recent last; the layout holds W, so ids stay unique
        while len(self._layouts) > 8:
            del self._layouts[next(iter(self._layouts))]
        return layout

    def _members(self, t: int) -> NDArray[np.int8]:
        """Return each agent's state once round ``t`` has opened (alive, crashed, left)."""
        plan = self.plan
        crash = plan.crash_round is not None and t in (
            plan.crash_round,
            plan.crash_round + (plan.recover_after or 0),
        )
        if not crash and (plan.churn is None or t == 0):
            return self._state  # nothing can change in this round
        state = self._state.copy()
        if plan.crash_round is not None:
            if plan.recover_after is not None and t == plan.crash_round + plan.recover_after:
                state[state == _CRASHED] = _ALIVE
            if t == plan.crash_round:
                state[self.crashing] = _CRASHED
        if plan.churn is not None and t >= 1:
            draw = stream(self.seed, "churn", t).random(len(state))
            leave = (state == _ALIVE) & (draw < plan.churn.leave)
            join = (state == _LEFT) & (draw < plan.churn.join)
            state[leave], state[join] = _LEFT, _ALIVE
        if not np.any(state == _ALIVE):  # never no one: the first agent to go stays
            state[np.flatnonzero(self._alive)[0]] = _ALIVE
        return state

    def _apply(self, state: NDArray[np.int8], t: int) -> None:
        """Make ``state`` current: log the changes, succeed the back() of who returns."""
        if state is self._state:
            return
        changed = np.flatnonzero(state != self._state)
        if len(changed) == 0:
            return
        now, names = self.env.now, {_CRASHED: "crash", _LEFT: "leave"}
        for i in changed.tolist():
            if state[i] == _ALIVE:
                what = "recover" if self._state[i] == _CRASHED else "join"
                event = self._back.pop(i, None)
                if event is not None:
                    event.succeed()
            else:
                what = names[int(state[i])]
            self._log(now, t, what, f"agent {i}")
        self._state = state
        alive = state == _ALIVE
        alive.flags.writeable = False
        self._alive, self._count = alive, int(np.count_nonzero(alive))

    def _log(self, time: float, round: int, what: str, who: str) -> None:
        self.events.append((float(time), round, what, who))
