"""Song et al.'s algorithms: linear compression F/F̃, then quantised aggregation.

**Algorithm 1** (``song-server``, coordinator model: a star whose hub holds no data). At
iteration t every worker k computes g_k = F(∇f_k(θᵗ)) (:class:`~.sketch.Sketch`) and sends
q_kᵗ = quant(g_k, q_kᵗ⁻¹, rᵗ, b) (Definition 4's grid, :mod:`gossip_sim.compress.grid`):
``b`` bits per entry, ``H·b`` bits per message. The hub forwards the tuple (q_1ᵗ, …, q_Kᵗ) to
every worker (Algorithm 1, line 8: K·H·b bits per receiver), and every worker applies
θᵗ⁺¹ = θᵗ − η F̃(Σ_k q_kᵗ). Iteration 0 (line 1) quantises g_k⁰ on a grid of radius
‖g_k⁰‖∞ centred at 0 with ``b0`` bits per entry, the radius travelling as a 64-bit header.

The radius schedule is where the paper leaves a constant open (its Appendix C is not in the
text we have): we use the geometric schedule rᵗ = r⁰ ρᵗ that every agent can compute, with

* ``r0="auto"``: 2 max_k ‖q_k⁰‖∞ (every agent knows all q_k⁰ after the first broadcast);
* ``decay="auto"``: for least squares (the problem exposes its features A), the rate of the
  residual under the step, ρ = 1 − η σ_min(Z) with Z = A BᵀB Aᵀ (Prop. 1); for other problems
  ρ = 1 − η μ when F is μ-strongly convex, else 0.99. An entry outside the box is clamped to
  its edge (``describe()["saturated"]`` counts them): a sign that r0 or decay is too small.

Step size ``step="auto"``: η = 1/σ_max(Z) for least squares (the fastest stable step of the
sketched gradient), else 1/(L ‖B̃‖²). ``step="theory"``: Theorem 4.2's η = σ_min(Z)/σ_max(Z)².

**Algorithm 2** (``song-decentralized``, any connected graph): g_kᵗ = F(∇f_k(θ_kᵗ)) is averaged
by ⌊ln(t + 100)⌋ rounds of CHOCO-GOSSIP (``gossip_rounds="log"``, as in their experiment;
⌊c·ln(t + t₀)⌋ with ``log_c=c, log_t0=t₀``; or a fixed integer) with any CHOCO compressor on the
H-dimensional vectors; then
θ_kᵗ⁺¹ = θ_kᵗ − η F̃(ḡ_kᵗ). The public copies x̂ carry over from one iteration to the next
(``warm_start=True``: the gradients change little between iterations, so x̂ stays a good
reference; ``False`` restarts from x̂ = 0 as Fact 1 reads). ḡ averages the K gradients, so
``step="auto"`` is η = K/σ_max(Z) (or K/(L‖B̃‖²)); ``"theory"`` is Theorem 4.3's
σ_min(Z)/(4σ_max(Z)²).

Algorithm 2 averages gradients but never mixes the iterates θ_k, so what the averaging misses
stays in the disagreement between agents. Its theorem asks for an averaging accuracy ε̄/(t+1)
that tightens every iteration; ⌊ln(t+100)⌋ rounds (4 to 6) do not deliver it on every graph:
on a ring of 5 with 20 samples in D = 300 the training MSE stalls near 0.1, while 20 rounds per
iteration reach 1e-4 in 27 iterations. Raise ``gossip_rounds`` or ``log_c`` when the consensus
error in the trace stops falling. It also needs every f_k minimised at one common point
(F* = 0), which is checked.

``h="auto"`` is H = min(4N, rows of the wide block) for overparameterised problems, N the total
samples (Prop. 1's H = 4N gives κ(Z) ≤ 49 with high probability), and no sketch (F = F̃ =
identity, Theorem 4.1's choice) for the others; ``h="none"`` asks for no sketch explicitly.

Examples
--------
>>> g = gs.topology.build("star", 4)
>>> W = gs.mixing.mixing_matrix("metropolis-hastings", g)
>>> p = gs.problems.create("least-squares:samples=2", n_agents=3, dim=40)
>>> alg = gs.algorithms.create("song-server:h=8,b=4", g, W, p)
>>> r = alg.step(1) if alg.step(0) else None
>>> r.exchanges[0].nbits.tolist()  # H·b bits per worker
[32, 32, 32]
>>> r.exchanges[1].nbits.tolist()  # the tuple of 3 payloads to every worker
[96, 96, 96]
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import numpy as np
import scipy.sparse as sp

from gossip_sim._random import stream
from gossip_sim._typing import Stack
from gossip_sim.algorithms.base import (
    ALGORITHMS,
    Coordinator,
    Exchange,
    RoundResult,
    require_optimisation,
)
from gossip_sim.algorithms.gossip import ChocoChannel
from gossip_sim.algorithms.sketch import Sketch
from gossip_sim.compress import Compressor, Grid
from gossip_sim.compress import bits as bitops
from gossip_sim.compress import create as create_compressor
from gossip_sim.errors import ConfigError
from gossip_sim.problems.base import OptimisationProblem

__all__ = ["SongDecentralized", "SongServer", "gossip_rounds_at"]


def gossip_rounds_at(t: int, rule: int | str = "log", c: float = 1.0, t0: int = 100) -> int:
    """Return the CHOCO-GOSSIP rounds of iteration ``t``: ⌊c · ln(t + t0)⌋ or a fixed count.

    ``rule="log"`` with c = 1, t0 = 100 is the paper's schedule (Song et al., Sec. 6: ⌊ln(t +
    100)⌋ rounds); an integer ``rule`` is that many rounds in every iteration.

    Examples
    --------
    >>> gossip_rounds_at(0), gossip_rounds_at(49), gossip_rounds_at(48), gossip_rounds_at(7, 2)
    (4, 5, 4, 2)
    >>> gossip_rounds_at(0, c=3.0), gossip_rounds_at(0, c=3.0, t0=10)  # ⌊3 ln 100⌋, ⌊3 ln 10⌋
    (13, 6)
    """
    if rule == "log":
        return math.floor(c * math.log(t + t0))
    return int(rule)


def _check_rounds_rule(rule: int | str, c: float = 1.0, t0: int = 100) -> int | str:
    """Return the validated rule; refuse a bad count, scale or offset with a one-line error."""
    who = "song-decentralized"
    if not (rule == "log" or (isinstance(rule, int) and not isinstance(rule, bool) and rule >= 1)):
        raise ConfigError(f"gossip_rounds={rule!r} is not valid; give 'log' or an integer >= 1")
    if isinstance(c, bool) or not isinstance(c, (int, float)) or not (math.isfinite(c) and c > 0):
        raise ConfigError(f"{who}: log_c={c!r} is not valid; give a number > 0")
    if isinstance(t0, bool) or not isinstance(t0, int) or t0 < 1:
        raise ConfigError(f"{who}: log_t0={t0!r} is not valid; give an integer >= 1")
    if rule != "log" and (c, t0) != (1.0, 100):
        raise ConfigError(
            f"{who}: log_c={c!r}, log_t0={t0!r} shape gossip_rounds='log' only; "
            f"gossip_rounds={rule!r} is a fixed count (drop them, or give gossip_rounds=log)"
        )
    if rule == "log" and gossip_rounds_at(0, rule, c, t0) < 1:
        raise ConfigError(
            f"{who}: log_c={c!r}, log_t0={t0!r} give floor(log_c*ln(log_t0)) = 0 gossip rounds "
            "at t = 0; give log_c*ln(log_t0) >= 1"
        )
    return rule


def _total_samples(problem: OptimisationProblem) -> int | None:
    samples = problem.samples_per_agent
    return None if samples is None else int(sum(samples))


def _resolve_h(h: int | str, problem: OptimisationProblem, who: str) -> int | None:
    n = _total_samples(problem)
    if h == "none" or (h == "auto" and problem.bound_kind != "overparameterized"):
        return None  # F = F̃ = identity, Theorem 4.1's choice for PL problems
    if h == "auto":
        wide = max((b.rows for b in problem.blocks if b.role == "wide"), default=problem.dim)
        return min(4 * (n or wide), wide)
    if isinstance(h, bool) or not isinstance(h, int) or h < 1:
        raise ConfigError(f"{who}: h={h!r} is not valid; give an integer >= 1, 'auto' or 'none'")
    if problem.features is not None and n is not None and h < n:
        raise ConfigError(
            f"{who}: h={h} is smaller than the N={n} samples; Song et al.'s rank(BAᵀ) = N "
            f"needs h >= {n} (Prop. 1 suggests h = 4N = {4 * n})"
        )
    return h


def _require_interpolation(problem: OptimisationProblem, who: str) -> None:
    """Refuse problems whose local gradients do not all vanish at a common minimiser.

    Algorithm 2 averages gradients but never mixes the iterates θ_k, so the averaging errors
    only die out when every ∇f_k(θ*) = 0, i.e. F* = 0 with f_k ≥ 0: Song et al.'s setting
    (Assumption 3). Elsewhere the agents drift apart (we measured it diverge on ``quadratic``).
    """
    start = problem.objective(problem.initial()[0])
    if problem.optimal_value is None or problem.optimal_value > 1e-9 * max(start, 1e-300):
        raise ConfigError(
            f"{who} averages gradients without mixing the iterates, so it needs every local "
            f"f_k minimised at one common point (optimal value 0, Song et al.'s Assumption 3); "
            f"problem {problem.name!r} has optimal value {problem.optimal_value}: use "
            "least-squares (noise=0), kernel-regression or pyramidal-nn, or choco-sgd / dgd"
        )


@dataclass
class _SketchedStep:
    """The sketch, step size and (for least squares) Z's spectrum of a Song algorithm."""

    sketch: Sketch
    eta: float
    z_max: float | None
    z_min: float | None

    @classmethod
    def resolve(
        cls,
        problem: OptimisationProblem,
        h: int | str,
        step: float | str,
        seed: int,
        *,
        averaged: bool,
        who: str,
    ) -> _SketchedStep:
        h_value = _resolve_h(h, problem, who)
        shared = int(stream(seed, "shared").integers(2**63))
        sketch = Sketch.draw(problem.blocks, h_value, shared % 2**62)
        z_max = z_min = None
        if problem.features is not None and len(problem.blocks) == 1:
            z_max, z_min = sketch.z_spectrum(problem.features)
        scale = problem.n_agents if averaged else 1
        if step == "auto":
            curvature = z_max if z_max is not None else problem.smoothness * sketch.gain()
            eta = scale / curvature
        elif step == "theory":
            if z_max is None or z_min is None:
                raise ConfigError(
                    f"{who}: step='theory' needs a least-squares problem (Z = A BᵀB Aᵀ); "
                    "give a number or 'auto'"
                )
            eta = z_min / z_max**2 / (4 if averaged else 1)
        elif isinstance(step, (int, float)) and not isinstance(step, bool) and step > 0:
            eta = float(step)
        else:
            raise ConfigError(
                f"{who}: step={step!r} is not valid; give a number > 0, 'auto' or 'theory'"
            )
        return cls(sketch, float(eta), z_max, z_min)

    @property
    def label(self) -> str:
        """``"linear:h=H + "`` when gradients are sketched, else empty."""
        return f"linear:h={self.sketch.h} + " if self.sketch.h else ""

    @property
    def kappa_z(self) -> float | None:
        """Z's condition number z_max / z_min, or None when Z's spectrum is unknown."""
        if self.z_max is None or not self.z_min:
            return None
        return self.z_max / self.z_min

    def decay(self, problem: OptimisationProblem) -> float:
        """ρ of the radius schedule: the contraction the step gives (see the module doc)."""
        if self.z_min is not None and self.z_min > 0:
            return max(0.0, 1.0 - self.eta * self.z_min)
        if problem.strong_convexity > 0:
            return max(0.0, 1.0 - self.eta * problem.strong_convexity)
        return 0.99


def _grid_payload(index: np.ndarray, b: int, header: np.ndarray | None = None) -> Any:
    """Pack grid indices (b bits each) after an optional float64 header column."""
    body = bitops.uint_bits(index, b)
    if header is not None:
        body = np.concatenate([bitops.float_bits(header[:, None], ">f8"), body], axis=1)
    return bitops.pack_fixed(body)


def _grid_read(batch: Any, b: int, header: bool) -> tuple[np.ndarray | None, np.ndarray]:
    bits = bitops.unpack_fixed(batch)
    if not header:
        return None, bitops.bits_uint(bits, b)
    return bitops.bits_float(bits[:, :64], ">f8"), bitops.bits_uint(bits[:, 64:], b)


@dataclass
class SongServer:
    """Song et al. Algorithm 1 on a star: sketch, Definition 4 grid, coordinator broadcast."""

    graph: nx.Graph
    problem: OptimisationProblem
    h: int | str = "auto"
    b: int = 8
    b0: int = 16
    step_size: float | str = "auto"
    r0: float | str = "auto"
    decay: float | str = "auto"
    seed: int = 0
    name: str = field(default="song-server", init=False)

    def __post_init__(self) -> None:
        require_optimisation(self.problem, self.name)
        self.hub = Coordinator.of(self.graph, self.name)
        for key, bits in (("b", self.b), ("b0", self.b0)):
            if isinstance(bits, bool) or not isinstance(bits, int) or not 1 <= bits <= 62:
                raise ConfigError(
                    f"{self.name}: {key}={bits!r} is not valid; give 1 <= {key} <= 62"
                )
        self.plan = _SketchedStep.resolve(
            self.problem, self.h, self.step_size, self.seed, averaged=False, who=self.name
        )
        self.theta = self.problem.initial()
        self.q: Stack | None = None  # q_kᵗ, known to worker k and (forwarded) to everyone
        self.radius0: float | None = None
        self.rho = self._resolve_decay()
        self.saturated = 0

    def _resolve_decay(self) -> float:
        if self.decay == "auto":
            return self.plan.decay(self.problem)
        decay = self.decay
        if isinstance(decay, bool) or not isinstance(decay, (int, float)) or not 0 < decay <= 1:
            raise ConfigError(f"{self.name}: decay={decay!r} is not valid; give 0 < decay <= 1")
        return float(decay)

    @property
    def values0(self) -> Stack:
        """The workers' starting values (the hub holds none)."""
        return self.theta

    def radius(self, t: int) -> float:
        """rᵗ = r⁰ ρᵗ for t ≥ 1."""
        assert self.radius0 is not None
        return self.radius0 * self.rho**t

    def _first(self, g: Stack) -> tuple[Any, Stack]:
        """Quantise iteration 0 on a grid of radius ‖g_k‖∞ around 0, b0 bits, a radius header."""
        radii = np.abs(g).max(axis=1)
        radii = np.where(radii > 0, radii, 1.0)
        grid = Grid(b=self.b0)
        index = grid.index_of(g, np.zeros_like(g), radii[:, None])
        batch = _grid_payload(index, self.b0, radii)
        sent_radii, received = _grid_read(batch, self.b0, header=True)
        assert sent_radii is not None
        q = grid.values_of(received, np.zeros_like(g), sent_radii.reshape(-1, 1))
        if self.r0 == "auto":
            self.radius0 = 2.0 * float(np.abs(q).max()) or 1.0
        elif isinstance(self.r0, (int, float)) and not isinstance(self.r0, bool) and self.r0 > 0:
            self.radius0 = float(self.r0)
        else:
            raise ConfigError(
                f"{self.name}: r0={self.r0!r} is not valid; give a number > 0 or 'auto'"
            )
        return batch, q

    def _next(self, g: Stack, t: int) -> tuple[Any, Stack]:
        assert self.q is not None
        r = self.radius(t)
        grid = Grid(b=self.b)
        self.saturated += int(np.count_nonzero(np.abs(g - self.q) > r))
        index = grid.index_of(g, self.q, r)
        batch = _grid_payload(index, self.b)
        _, received = _grid_read(batch, self.b, header=False)
        return batch, grid.values_of(received, self.q, r)

    def step(self, t: int) -> RoundResult:
        """Run iteration t: quantised sketched gradients up, the tuple down, θ −= η F̃(Σ q)."""
        g = self.plan.sketch.compress(self.problem.gradients(self.theta))
        batch, self.q = self._first(g) if t == 0 else self._next(g, t)
        total = self.q.sum(axis=0, keepdims=True)
        self.theta = self.theta - self.plan.eta * self.plan.sketch.decompress(total)
        up = Exchange.uplink(self.hub, batch.nbits)
        down = Exchange.downlink(self.hub, int(batch.nbits.sum()))
        return RoundResult([up, down], self.theta)

    def describe(self) -> dict[str, Any]:
        """Return the resolved parameters."""
        return {
            "algorithm": self.name,
            "compressor": f"{self.plan.label}grid:b={self.b} (b0={self.b0})",
            "h": self.plan.sketch.h or "none",
            "step": self.plan.eta,
            "r0": self.radius0,
            "decay": self.rho,
            "kappa_Z": self.plan.kappa_z,
            "saturated": self.saturated,
        }


@dataclass
class SongDecentralized:
    """Song et al. Algorithm 2: sketched gradients averaged by CHOCO-GOSSIP, then a step."""

    graph: nx.Graph
    W: sp.csr_array
    problem: OptimisationProblem
    compressor: Compressor
    h: int | str = "auto"
    step_size: float | str = "auto"
    gamma: float | str = "auto"
    gossip_rounds: int | str = "log"
    warm_start: bool = True
    seed: int = 0
    compressor_spec: str = ""
    log_c: float = 1.0
    log_t0: int = 100
    name: str = field(default="song-decentralized", init=False)

    def __post_init__(self) -> None:
        require_optimisation(self.problem, self.name)
        _require_interpolation(self.problem, self.name)
        self.rule = _check_rounds_rule(self.gossip_rounds, self.log_c, self.log_t0)
        self.compressor_spec = self.compressor_spec or repr(self.compressor)
        self.plan = _SketchedStep.resolve(
            self.problem, self.h, self.step_size, self.seed, averaged=True, who=self.name
        )
        self.theta = self.problem.initial()
        shape = (self.theta.shape[0], self.plan.sketch.size)
        self.channel = ChocoChannel.open(
            self.graph,
            self.W,
            self.compressor,
            self.gamma,
            shape,
            self.seed,
            who=self.name,
            label=self.compressor_spec,
        )

    @property
    def values0(self) -> Stack:
        """The agents' starting values."""
        return self.theta

    def step(self, t: int) -> RoundResult:
        """Run iteration t: ⌊c·ln(t+t0)⌋ CHOCO-GOSSIP rounds on F(∇f_k), then θ_k −= η F̃(ḡ_k)."""
        g = self.plan.sketch.compress(self.problem.gradients(self.theta))
        if not self.warm_start:
            self.channel.x_hat = np.zeros_like(g)
        exchanges = []
        for _ in range(gossip_rounds_at(t, self.rule, self.log_c, self.log_t0)):
            g, exchange = self.channel.round(g)
            exchanges.append(exchange)
        self.theta = self.theta - self.plan.eta * self.plan.sketch.decompress(g)
        return RoundResult(exchanges, self.theta)

    def _schedule(self) -> int | str:
        """Return the rule for ``describe``: a count, ``"log"`` (the paper's) or a formula."""
        if self.rule != "log" or (self.log_c, self.log_t0) == (1.0, 100):
            return self.rule
        return f"floor({self.log_c:g}*ln(t+{self.log_t0}))"

    def describe(self) -> dict[str, Any]:
        """Return the resolved parameters."""
        return {
            "algorithm": self.name,
            "compressor": f"{self.plan.label}{self.compressor_spec}",
            "h": self.plan.sketch.h or "none",
            "step": self.plan.eta,
            "gamma": self.channel.gamma,
            "omega": self.channel.omega,
            "gossip_rounds": self._schedule(),
            "kappa_Z": self.plan.kappa_z,
        }


@ALGORITHMS.register(
    "song-server", coordinator=True, sends="grid:b={b} (b0={b0})", sketch_rows=4
)
def song_server(
    graph: nx.Graph,
    W: sp.csr_array,
    problem: Any,
    h: int | str = "auto",
    b: int = 8,
    b0: int = 16,
    step: float | str = "auto",
    r0: float | str = "auto",
    decay: float | str = "auto",
    seed: int = 0,
) -> SongServer:
    """Song et al. Alg. 1 (star): F(g)=Bg, Def. 4 grid with b bits, hub forwards the tuple."""
    return SongServer(graph, problem, h, b, b0, step, r0, decay, seed)


@ALGORITHMS.register("song-decentralized", state_vectors=6, sketch_rows=4)
def song_decentralized(
    graph: nx.Graph,
    W: sp.csr_array,
    problem: Any,
    compressor: Any = "qsgd:s=16,scaled=true",
    h: int | str = "auto",
    step: float | str = "auto",
    gamma: float | str = "auto",
    gossip_rounds: int | str = "log",
    warm_start: bool = True,
    seed: int = 0,
    log_c: float = 1.0,
    log_t0: int = 100,
) -> SongDecentralized:
    """Song et al. Alg. 2: F(g)=Bg averaged by floor(log_c*ln(t+log_t0)) CHOCO-GOSSIP rounds."""
    spec = compressor if isinstance(compressor, str) else ""
    return SongDecentralized(
        graph,
        W,
        problem,
        create_compressor(compressor),
        h,
        step,
        gamma,
        gossip_rounds,
        warm_start,
        seed,
        spec,
        log_c,
        log_t0,
    )
