"""Asynchronous gossip: each agent acts when its own Poisson clock ticks (no rounds, no SimPy).

The engine (:mod:`gossip_sim.events.asynchronous`) owns the clocks and the network; an
algorithm here owns every agent's values and says, per event, what the agent does:
:meth:`~AsynchronousAlgorithm.activate` when agent i's clock ticks and
:meth:`~AsynchronousAlgorithm.deliver` when a message reaches its receiver, each returning the
:class:`Send` s the agent puts on the network. Every payload is a real float64 (or byte) array
and a message's ``nbits`` is its exact bit length.

* **pairwise-gossip** (Boyd, Ghosh, Prabhakar & Shah 2006, asynchronous time model): on a tick
  agent i picks a neighbour j uniformly (from its own stream) and sends x_i; j replies with its
  x_j and sets x_j ← (x_i + x_j)/2; on the reply i sets x_i ← (x_i + x_j)/2. Concurrency rule:
  an agent waiting for a reply is *busy*: its own ticks are skipped and a request reaching it
  is declined with an 8-bit refusal (counted), after which the requester is free again. A
  busy agent's x does not change, so both ends average the same two vectors and the sum over
  agents is conserved exactly (to rounding) on a network that loses nothing. With loss a
  requester gives up after ``timeout`` seconds; an answer after that is ignored (if the reply
  was lost or late, j averaged and i did not: the sum moves by (x_j_old − x_i)/2).
* **push-sum** (Kempe, Dobra & Gehrke 2003) with a column-stochastic W = (a_ji): agent i keeps
  (s_i, w_i), s_i = x_i(0), w_i = 1; on each tick it keeps a_ii (s_i, w_i) and sends
  a_ji (s_i, w_i) (D + 1 float64) to every out-neighbour j, who adds it on arrival. Its
  estimate is z_i = s_i / w_i. Mass on a lost message is lost for good.
* **sgp**, Stochastic Gradient Push (Assran, Loizou, Ballas & Rabbat 2019, Algorithm 1):
  push-sum whose agent first takes a local (stochastic) gradient step on its estimate,
  z_i ← z_i − η ∇f_i(z_i) (s_i ← s_i − η w_i ∇f_i(z_i)), then pushes (see the class).

Examples
--------
>>> g = gs.topology.build("directed-exponential", 8)
>>> W = gs.mixing.mixing_matrix("column-stochastic", g)
>>> p = gs.problems.create("consensus", n_agents=8, dim=3)
>>> alg = gs.algorithms.create("push-sum", g, W, p)
>>> sends = alg.activate(0)
>>> [(s.dst, s.nbits) for s in sends]  # to 1, 2, 4: (3 + 1) float64 each
[(1, 256), (2, 256), (4, 256)]
>>> for s in sends:
...     _ = alg.deliver(s)
>>> bool(np.allclose(alg.s.sum(axis=0), p.initial().sum(axis=0))), float(alg.w.sum())
(True, 8.0)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

import networkx as nx
import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from gossip_sim._random import stream
from gossip_sim._typing import Stack
from gossip_sim.algorithms.base import ALGORITHMS, require_optimisation, resolve_step
from gossip_sim.errors import ConfigError
from gossip_sim.problems.base import Problem, is_optimisation

__all__ = [
    "AsynchronousAlgorithm",
    "PairwiseGossip",
    "PushSum",
    "Send",
    "StochasticGradientPush",
    "check_column_stochastic",
]

REQUEST, REPLY, REFUSAL, PUSH = "request", "reply", "refusal", "push"
_REFUSAL = np.zeros(1, dtype=np.uint8)  # the one-byte code of a declined request


@dataclass(frozen=True, slots=True)
class Send:
    """One message an agent puts on the network: ``payload`` from ``src`` to ``dst``.

    ``kind`` is what it is (``"request"``, ``"reply"``, ``"refusal"``, ``"push"``);
    ``exchange`` numbers a pairwise exchange so a late answer can be recognised; ``nbits`` is
    the payload's exact bit length.

    Examples
    --------
    >>> Send(0, 1, "push", np.zeros(4)).nbits
    256
    """

    src: int
    dst: int
    kind: str
    payload: NDArray[Any]
    exchange: int = 0

    @property
    def nbits(self) -> int:
        """The payload's bit length (8 per byte of the array)."""
        return int(self.payload.nbytes) * 8

    @property
    def awaits_reply(self) -> bool:
        """Whether the sender waits for an answer (and may give up on it)."""
        return self.kind == REQUEST


class AsynchronousAlgorithm(Protocol):
    """What the asynchronous engine drives: per-agent events, no rounds."""

    name: str
    rate: float  # ticks per simulated second of every agent's Poisson clock

    @property
    def values(self) -> Stack:
        """The agents' current estimates, shape (K, D) (what the errors are measured on)."""
        ...

    def activate(self, i: int) -> list[Send]:
        """Agent ``i``'s clock ticked: update it and return what it sends."""
        ...

    def deliver(self, message: Send) -> list[Send]:
        """``message`` reached ``message.dst``: update it and return what it sends back."""
        ...

    def give_up(self, i: int, exchange: int) -> None:
        """Agent ``i`` stops waiting for the answer to ``exchange`` (a timeout)."""
        ...

    def reply_timeout(self, lossy: bool) -> float | None:
        """Seconds a requester waits for an answer; None: no timer (nothing can be lost)."""
        ...

    def describe(self) -> dict[str, Any]:
        """Return the resolved parameters for the summary."""
        ...


def _check_rate(rate: Any, who: str) -> float:
    if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 < rate < np.inf:
        raise ConfigError(
            f"{who}: rate={rate!r} is not valid; give the clock's ticks per second, a number > 0"
        )
    return float(rate)


def _longest_trip(graph: nx.Graph, nbits: int) -> float:
    """Return the slowest one-way time of an ``nbits`` message over any link (no queueing)."""
    trips = [
        float(d.get("latency", 0.0)) + nbits / float(d.get("bandwidth") or np.inf)
        for _, _, d in graph.edges(data=True)
    ]
    return max(trips, default=0.0)


@dataclass
class PairwiseGossip:
    """Randomized pairwise gossip of Boyd et al. (2006) with Poisson clocks (see the module).

    ``timeout`` is how long a requester waits for an answer when messages can be lost:
    ``"auto"`` is 10 x the slowest round trip of a D-float message over any link (no timer
    on a lossless network); a number is used always (a short one makes requesters give up on
    answers still on their way, which breaks the conservation of the sum).
    """

    graph: nx.Graph
    problem: Problem
    rate: float = 1.0
    timeout: float | str = "auto"
    seed: int = 0
    name: str = field(default="pairwise-gossip", init=False)

    def __post_init__(self) -> None:
        self.rate = _check_rate(self.rate, self.name)
        if self.graph.is_directed():
            raise ConfigError(
                f"{self.name} exchanges values both ways and needs an undirected topology; on "
                f"a directed one use {' or '.join(ALGORITHMS.names_where(directed=True))}"
            )
        if self.timeout != "auto" and not (
            isinstance(self.timeout, (int, float)) and self.timeout > 0
        ):
            raise ConfigError(
                f"{self.name}: timeout={self.timeout!r} is not valid; give seconds > 0 or 'auto'"
            )
        k = self.graph.number_of_nodes()
        self.neighbours = [sorted(self.graph.neighbors(i)) for i in range(k)]
        self.rngs = [stream(self.seed, "algorithm", i) for i in range(k)]
        self.x = self.problem.initial().copy()
        self.waiting: list[int | None] = [None] * k  # the exchange each agent waits on
        self.started = 0  # exchanges started (their numbers)
        self.skipped = 0  # ticks of busy agents
        self.refused = 0
        self.given_up = 0

    @property
    def values(self) -> Stack:
        """The agents' current values."""
        return self.x

    def activate(self, i: int) -> list[Send]:
        """Start an exchange with a random neighbour, unless ``i`` is busy (tick skipped)."""
        if self.waiting[i] is not None or not self.neighbours[i]:
            self.skipped += 1
            return []
        j = self.neighbours[i][int(self.rngs[i].integers(len(self.neighbours[i])))]
        self.started += 1
        self.waiting[i] = self.started
        return [Send(i, j, REQUEST, self.x[i].copy(), self.started)]

    def deliver(self, message: Send) -> list[Send]:
        """Answer a request (average and reply, or refuse when busy); take in an answer."""
        me, other = message.dst, message.src
        if message.kind == REQUEST:
            if self.waiting[me] is not None:
                self.refused += 1
                return [Send(me, other, REFUSAL, _REFUSAL, message.exchange)]
            old = self.x[me].copy()
            self.x[me] = (message.payload + old) / 2
            return [Send(me, other, REPLY, old, message.exchange)]
        if self.waiting[me] != message.exchange:
            return []  # the requester gave up on it: a late answer is ignored
        self.waiting[me] = None
        if message.kind == REPLY:
            self.x[me] = (self.x[me] + message.payload) / 2
        return []

    def give_up(self, i: int, exchange: int) -> None:
        """Stop waiting for ``exchange`` if ``i`` still does (its answer was lost or is late)."""
        if self.waiting[i] == exchange:
            self.waiting[i] = None
            self.given_up += 1

    def reply_timeout(self, lossy: bool) -> float | None:
        """Return the requester's timeout in s (see the class); None: no loss and "auto"."""
        if self.timeout != "auto":
            return float(self.timeout)
        if not lossy:
            return None
        return 10 * 2 * _longest_trip(self.graph, 64 * self.x.shape[1]) or 1.0

    def describe(self) -> dict[str, Any]:
        """Return the resolved parameters and what the concurrency rule did."""
        return {
            "algorithm": self.name,
            "compressor": "identity:precision=64",
            "rate": self.rate,
            "exchanges": self.started,
            "ticks_skipped": self.skipped,
            "requests_refused": self.refused,
            "requests_given_up": self.given_up,
        }


def check_column_stochastic(W: Any, who: str, tol: float = 1e-9) -> sp.csr_array:
    """Return W as a CSR array after checking it is column-stochastic (push-sum's weights).

    Every entry must be >= 0 and every column sum to 1: column i is how agent i splits its
    (s, w). A row-stochastic W (e.g. Metropolis-Hastings' on an undirected graph is both) is
    refused when a column misses 1.

    Examples
    --------
    >>> check_column_stochastic(np.array([[0.5, 0.0], [0.5, 1.0]]), "push-sum").nnz
    3
    >>> check_column_stochastic(np.array([[0.5, 0.5], [0.0, 1.0]]), "push-sum")
    Traceback (most recent call last):
    ...
    gossip_sim.errors.ConfigError: push-sum needs a column-stochastic W, but column 0 sums to 0.5; ...
    """  # noqa: E501
    matrix = sp.csr_array(W, dtype=np.float64)
    if matrix.nnz and matrix.data.min() < -tol:
        raise ConfigError(
            f"{who} needs a column-stochastic W with entries >= 0, but one is "
            f"{matrix.data.min():.6g}; use --mixing column-stochastic"
        )
    sums = np.asarray(matrix.sum(axis=0)).ravel()
    worst = int(np.argmax(np.abs(sums - 1.0)))
    if abs(sums[worst] - 1.0) > tol:
        raise ConfigError(
            f"{who} needs a column-stochastic W, but column {worst} sums to {sums[worst]:.6g}; "
            "use --mixing column-stochastic (each agent splits equally among itself and its "
            "out-neighbours)"
        )
    return matrix


@dataclass
class PushSum:
    """Push-sum of Kempe et al. (2003) on a column-stochastic W (see the module)."""

    graph: nx.Graph
    W: Any
    problem: Problem
    rate: float = 1.0
    name: str = field(default="push-sum", init=False)

    def __post_init__(self) -> None:
        self.rate = _check_rate(self.rate, self.name)
        A = check_column_stochastic(self.W, self.name).tocsc()
        k = A.shape[0]
        #: agent i's out-neighbours j with their share a_ji (column i of W, without i itself)
        self.out: list[list[tuple[int, float]]] = []
        self.keep = np.zeros(k)
        for i in range(k):
            rows = A.indices[A.indptr[i] : A.indptr[i + 1]].tolist()
            shares = A.data[A.indptr[i] : A.indptr[i + 1]].tolist()
            self.out.append([(j, a) for j, a in zip(rows, shares, strict=True) if j != i])
            self.keep[i] = sum(a for j, a in zip(rows, shares, strict=True) if j == i)
        self.s = self.problem.initial().astype(np.float64, copy=True)
        self.w = np.ones(k)

    @property
    def values(self) -> Stack:
        """The agents' estimates z_i = s_i / w_i."""
        return self.s / self.w[:, None]

    def activate(self, i: int) -> list[Send]:
        """Keep a_ii (s_i, w_i); send a_ji (s_i, w_i) to every out-neighbour j."""
        sends = []
        d = self.s.shape[1]
        for j, a in self.out[i]:
            payload = np.empty(d + 1)
            payload[:d] = a * self.s[i]
            payload[d] = a * self.w[i]
            sends.append(Send(i, j, PUSH, payload))
        self.s[i] *= self.keep[i]
        self.w[i] *= self.keep[i]
        return sends

    def deliver(self, message: Send) -> list[Send]:
        """Add the pushed share to the receiver's (s, w)."""
        j = message.dst
        self.s[j] += message.payload[:-1]
        self.w[j] += message.payload[-1]
        return []

    def give_up(self, i: int, exchange: int) -> None:
        """Push-sum waits for nothing."""

    def reply_timeout(self, lossy: bool) -> float | None:
        """Push-sum waits for nothing: no timer."""
        return None

    def describe(self) -> dict[str, Any]:
        """Return the resolved parameters."""
        return {"algorithm": self.name, "compressor": "identity:precision=64", "rate": self.rate}


@dataclass
class StochasticGradientPush(PushSum):
    """Stochastic Gradient Push, Assran, Loizou, Ballas & Rabbat (2019), Algorithm 1.

    The algorithm box, for node i at its iteration k (here: at each tick of its clock)::

        x_i^(k+1/2) = x_i^(k) − γ ∇F_i(z_i^(k); ξ_i^(k))          # local SGD step
        send (p_ji x_i^(k+1/2), p_ji w_i^(k)) to each out-neighbour j
        x_i^(k+1)   = Σ_j p_ij x_j^(k+1/2),  w_i^(k+1) = Σ_j p_ij w_j^(k)
        z_i^(k+1)   = x_i^(k+1) / w_i^(k+1)

    with x (our s) the push-sum numerator and P (our W) column-stochastic. Asynchronously,
    "Σ_j p_ij" is what has reached i so far: shares are added on arrival.

    One change, for asynchrony: the step is taken on the estimate z_i, i.e. on the numerator
    scaled by the weight, s_i ← s_i − γ w_i ∇f_i(z_i) (z_i moves by exactly −γ ∇f_i(z_i)).
    In the paper's synchronous runs on regular graphs w_i stays 1 and the two are the same;
    with Poisson clocks an agent that ticks again before its in-neighbours pushed holds a tiny
    w_i (down to 7e-4 on directed-exponential, K = 16), and the box's step moves z_i by
    γ/w_i ∇f_i: it diverged in 9 of 10 runs at γ >= 0.05/L and 1 of 5 even at 0.01/L, where
    the z-step converged in all (docs/background/asynchronous.md). The price: the agents agree
    on the minimiser of Σ_i π_i f_i with π the Perron vector of W, which is the true optimum
    when W is doubly stochastic (directed-exponential with column-stochastic, any symmetric W).

    ``step`` is γ, a number or ``"auto"`` = 1 / (2 max_k L_k); ``batch`` samples per gradient
    (stochastic gradients, from agent i's own stream) or None for full local gradients. One
    agent's gradient comes from the problem's batched ``gradients`` (K rows per tick).
    """

    step: float | str = "auto"
    batch: int | None = None
    seed: int = 0
    name: str = field(default="sgp", init=False)

    def __post_init__(self) -> None:
        require_optimisation(self.problem, self.name)
        super().__post_init__()
        problem: Any = self.problem
        self.eta = resolve_step(self.step, 1.0 / (2.0 * problem.local_smoothness), self.name)
        samples = problem.samples_per_agent
        if self.batch is not None:
            if isinstance(self.batch, bool) or not isinstance(self.batch, int) or self.batch < 1:
                raise ConfigError(f"{self.name}: batch={self.batch!r} is not valid; give >= 1")
            if samples is None or self.batch > min(samples):
                raise ConfigError(
                    f"{self.name}: batch={self.batch} needs a problem with at least that many "
                    "samples per agent (least-squares, logistic); drop batch= for full gradients"
                )
        self.samples = samples
        self.rngs = [stream(self.seed, "algorithm", i) for i in range(self.s.shape[0])]

    def _gradient(self, i: int, z: NDArray[np.float64]) -> NDArray[np.float64]:
        stack = np.zeros_like(self.s)
        stack[i] = z
        problem: Any = self.problem
        if self.batch is None:
            return np.asarray(problem.gradients(stack)[i])
        picks = [np.zeros(1, dtype=np.int64) for _ in range(stack.shape[0])]
        picks[i] = np.sort(self.rngs[i].choice(self.samples[i], size=self.batch, replace=False))
        return np.asarray(problem.gradients(stack, picks)[i])

    def activate(self, i: int) -> list[Send]:
        """Take the local gradient step on z_i (s_i ← s_i − η w_i ∇f_i(z_i)), then push."""
        self.s[i] -= (self.eta * self.w[i]) * self._gradient(i, self.s[i] / self.w[i])
        return super().activate(i)

    def describe(self) -> dict[str, Any]:
        """Return the resolved parameters."""
        return {**super().describe(), "step": self.eta, "batch": self.batch}


@ALGORITHMS.register(
    "pairwise-gossip",
    averaging=True,
    asynchronous=True,
    mixes=False,
    sends="identity:precision=64",
)
def pairwise_gossip(
    graph: nx.Graph,
    W: Any,
    problem: Problem,
    rate: float = 1.0,
    timeout: float | str = "auto",
    seed: int = 0,
) -> PairwiseGossip:
    """Randomized pairwise gossip (Boyd et al. 2006): Poisson clocks, average with a neighbour."""
    if is_optimisation(problem):
        raise ConfigError(
            f"pairwise-gossip averages the agents' vectors; problem {problem.name!r} needs an "
            "optimisation algorithm (sgp is the asynchronous one)"
        )
    return PairwiseGossip(graph, problem, rate, timeout, seed)


@ALGORITHMS.register(
    "push-sum", averaging=True, asynchronous=True, directed=True, sends="identity:precision=64"
)
def push_sum(graph: nx.Graph, W: Any, problem: Problem, rate: float = 1.0) -> PushSum:
    """Push-sum (Kempe et al. 2003): asynchronous averaging on a column-stochastic W."""
    return PushSum(graph, W, problem, rate)


@ALGORITHMS.register(
    "sgp", asynchronous=True, directed=True, sends="identity:precision=64", state_vectors=3
)
def sgp(
    graph: nx.Graph,
    W: Any,
    problem: Problem,
    rate: float = 1.0,
    step: float | str = "auto",
    batch: int | None = None,
    seed: int = 0,
) -> StochasticGradientPush:
    """Stochastic Gradient Push (Assran et al. 2019): a gradient step, then push-sum."""
    return StochasticGradientPush(graph, W, problem, rate, step, batch, seed)
