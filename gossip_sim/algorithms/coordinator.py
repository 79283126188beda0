"""Coordinator algorithms on a star whose hub holds no data (the coordinator model).

* **Parameter-server GD** (``parameter-server``), full precision: every worker sends
  ∇f_k(θ) as float64 to the hub, the hub sends the sum back to every worker, and
  θ ← θ − η Σ_k ∇f_k(θ), η = 1/L (``step="auto"``).
* **Korhonen & Alistarh's quantised GD** (``korhonen-alistarh``, their Section 4 and
  Appendix C), two-stage lattice quantisation (:mod:`gossip_sim.compress.lattice`). With
  γ = 1/β, ξ = 1 − 1/κ, K = 2/ξ, δ = ξ(1 − ξ)/4, μ = δK + ξ and R⁽ᵗ⁾ = βKWμᵗ:

  1. every node updates x⁽ᵗ⁺¹⁾ = x⁽ᵗ⁾ − γ q⁽ᵗ⁾;
  2. node i sends ∇f_i(x⁽ᵗ⁺¹⁾) lattice-quantised relative to q_i⁽ᵗ⁾ with ε₁ = δR⁽ᵗ⁺¹⁾/(2N),
     radius ρ₁ = R⁽ᵗ⁺¹⁾/N; the hub decodes q_i⁽ᵗ⁺¹⁾ and sums r⁽ᵗ⁺¹⁾ = Σ_i q_i⁽ᵗ⁺¹⁾;
  3. the hub sends r⁽ᵗ⁺¹⁾ quantised relative to q⁽ᵗ⁾ with ε₂ = δR⁽ᵗ⁺¹⁾/2,
     ρ₂ = (1 + δ/2)R⁽ᵗ⁺¹⁾; every node decodes q⁽ᵗ⁺¹⁾.

  After the last round every node reports f_i(x⁽ᵀ⁾) as the index of the smallest endpoint
  ≥ f_i(x⁽ᵀ⁾) of a partition of [0, f_max] into segments of length ε/N (the paper's final step;
  f_max = β₀d for their quadratics, in general L_k W²/2), so the coordinator learns F(x⁽ᵀ⁾)
  within ε. This closing round is in the trace as one extra round of N messages.

  Our choices, where the paper is loose: β and κ are the true smoothness and condition number
  of F (the paper calls a quadratic β₀‖x − y‖² "β₀-smooth"; its gradient is 2β₀(x − y), so we
  use L = 2β₀N for the sum); κ < 2 runs with κ = 2 as the paper says; W is the problem's
  ``domain_diameter`` (√d for [0, 1]^d), else ‖x⁽⁰⁾ − x*‖; q⁽⁰⁾ = q_i⁽⁰⁾ = 0. The invariants of
  Lemma 14 then hold one round late (x⁽¹⁾ = x⁽⁰⁾ because q⁽⁰⁾ = 0): ‖x⁽ᵗ⁾ − x*‖ ≤ μᵗ⁻¹W, and
  ``margins`` records ‖input − reference‖ / radius of every message (≤ 1: decoding is exact).

Examples
--------
>>> g = gs.topology.build("star", 5)
>>> W = gs.mixing.mixing_matrix("metropolis-hastings", g)
>>> p = gs.problems.create("quadratic", n_agents=4, dim=10)
>>> alg = gs.algorithms.create("korhonen-alistarh", g, W, p)
>>> r = alg.step(0)
>>> [ex.nbits.tolist() for ex in r.exchanges]  # 10 coordinates x 7 bits, up then down
[[70, 70, 70, 70], [70, 70, 70, 70]]
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import numpy as np
import scipy.sparse as sp

from gossip_sim._typing import Stack
from gossip_sim.algorithms.base import (
    ALGORITHMS,
    Coordinator,
    Exchange,
    RoundResult,
    require_optimisation,
    resolve_step,
)
from gossip_sim.compress import Identity, Lattice
from gossip_sim.compress import bits as bitops
from gossip_sim.errors import ConfigError
from gossip_sim.problems.base import OptimisationProblem

__all__ = ["KorhonenAlistarh", "LatticeSchedule", "ParameterServer"]


@dataclass
class ParameterServer:
    """Full-precision parameter-server gradient descent on a star."""

    graph: nx.Graph
    problem: OptimisationProblem
    step_size: float | str = "auto"
    name: str = field(default="parameter-server", init=False)

    def __post_init__(self) -> None:
        require_optimisation(self.problem, self.name)
        self.hub = Coordinator.of(self.graph, self.name)
        self.eta = resolve_step(self.step_size, 1.0 / self.problem.smoothness, self.name)
        self.theta = self.problem.initial()
        self.codec = Identity(64)

    @property
    def values0(self) -> Stack:
        """The workers' starting values (the hub holds none)."""
        return self.theta

    def step(self, t: int) -> RoundResult:
        """Gradients up in float64, their sum down, θ ← θ − η Σ_k ∇f_k(θ)."""
        up, _ = self.codec.encode(self.problem.gradients(self.theta), None, None)
        received, _ = self.codec.decode(up, None)
        down, _ = self.codec.encode(received.sum(axis=0, keepdims=True), None, None)
        total, _ = self.codec.decode(down, None)
        self.theta = self.theta - self.eta * total
        return RoundResult(
            [Exchange.uplink(self.hub, up.nbits), Exchange.downlink(self.hub, int(down.nbits[0]))],
            self.theta,
        )

    def describe(self) -> dict[str, Any]:
        """Return the resolved parameters."""
        return {"algorithm": self.name, "compressor": "identity:precision=64", "step": self.eta}


@dataclass(frozen=True)
class LatticeSchedule:
    """Korhonen & Alistarh's parameters (Appendix C.1) for smoothness β, condition κ, radius W.

    Examples
    --------
    >>> s = LatticeSchedule.of(beta=2.0, kappa=2.0, diameter=1.0)
    >>> s.xi, s.K, s.delta, s.mu
    (0.5, 4.0, 0.0625, 0.75)
    """

    beta: float
    kappa: float
    diameter: float
    xi: float
    K: float
    delta: float
    mu: float

    @classmethod
    def of(cls, beta: float, kappa: float, diameter: float) -> LatticeSchedule:
        """Derive ξ, K, δ and μ; κ below 2 is raised to 2 (the paper's convention)."""
        kappa = max(float(kappa), 2.0)
        xi = 1.0 - 1.0 / kappa
        big_k = 2.0 / xi
        delta = xi * (1.0 - xi) / 4.0
        return cls(beta, kappa, diameter, xi, big_k, delta, delta * big_k + xi)

    def radius(self, t: int) -> float:
        """R⁽ᵗ⁾ = β K W μᵗ."""
        return self.beta * self.K * self.diameter * self.mu**t


@dataclass
class KorhonenAlistarh:
    """Two-stage lattice-quantised gradient descent through the coordinator (K&A §4)."""

    graph: nx.Graph
    problem: OptimisationProblem
    report: bool = True
    name: str = field(default="korhonen-alistarh", init=False)

    def __post_init__(self) -> None:
        require_optimisation(self.problem, self.name)
        self.hub = Coordinator.of(self.graph, self.name)
        p = self.problem
        if p.strong_convexity <= 0:
            raise ConfigError(
                f"{self.name} needs a strongly convex objective (its rate is 1 − 1/κ); "
                f"problem {p.name!r} has strong convexity 0; use --problem quadratic or logistic"
            )
        diameter = getattr(p, "domain_diameter", None)
        if diameter is None:
            if p.optimum is None:
                raise ConfigError(
                    f"{self.name} needs the domain's diameter W or the optimum of {p.name!r}"
                )
            diameter = float(np.linalg.norm(p.initial()[0] - p.optimum)) or 1.0
        elif p.optimum is not None:  # a start of the run's own (--initial) may lie outside
            distance = float(np.linalg.norm(p.initial()[0] - p.optimum))
            if distance > diameter * (1 + 1e-12):
                raise ConfigError(
                    f"{self.name}: the start is {distance:.4g} from the optimum, beyond the "
                    f"domain's diameter W = {diameter:.4g} that sets the lattice radius (the "
                    "paper starts in the domain); start inside it, e.g. --initial zeros or "
                    "uniform:low=0,high=1"
                )
        self.schedule = LatticeSchedule.of(
            p.smoothness, p.smoothness / p.strong_convexity, diameter
        )
        self.gamma = 1.0 / p.smoothness
        self.n = p.n_agents
        self.x = p.initial()[:1].copy()  # every node holds the same iterate
        self.q_local = np.zeros((self.n, p.dim))  # q_i, known to node i and the hub
        self.q = np.zeros((1, p.dim))  # q, known to every node
        self.margins: list[tuple[float, float]] = []  # (uplink, downlink) max ‖x − ref‖ / ρ
        self.reported: float | None = None

    @property
    def values0(self) -> Stack:
        """The nodes' starting values."""
        return np.repeat(self.x, self.n, axis=0)

    def step(self, t: int) -> RoundResult:
        """Round t: x ← x − γq, quantised gradients up, quantised sum down."""
        s = self.schedule
        self.x = self.x - self.gamma * self.q
        radius = s.radius(t + 1)
        nodes = np.repeat(self.x, self.n, axis=0)
        gradients = self.problem.gradients(nodes)

        up = Lattice(eps=s.delta * radius / (2 * self.n), radius=radius / self.n)
        up_margin = _margin(gradients, self.q_local, up.radius)
        batch, _ = up.encode(gradients, self.q_local, None)
        self.q_local, _ = up.decode(batch, self.q_local)
        total = self.q_local.sum(axis=0, keepdims=True)

        down = Lattice(eps=s.delta * radius / 2, radius=(1 + s.delta / 2) * radius)
        down_margin = _margin(total, self.q, down.radius)
        message, _ = down.encode(total, self.q, None)
        self.q, _ = down.decode(message, self.q)
        self.margins.append((up_margin, down_margin))
        return RoundResult(
            [
                Exchange.uplink(self.hub, batch.nbits),
                Exchange.downlink(self.hub, int(message.nbits[0])),
            ],
            np.repeat(self.x, self.n, axis=0),
        )

    def closing(self, target: float | None) -> RoundResult | None:
        """Return the final report: every node sends f_i(x) rounded up to a multiple of ε/N."""
        if not self.report:
            return None
        eps = target if target else 1e-6
        nodes = np.repeat(self.x, self.n, axis=0)
        values = self.problem.losses(nodes)
        top = getattr(self.problem, "beta0", None)
        f_max = (
            top * self.problem.dim
            if top is not None and self.problem.bound_kind == "quadratic"
            else self.problem.local_smoothness * self.schedule.diameter**2 / 2
        )
        segment = eps / self.n
        count = math.ceil(f_max / segment) + 1
        width = bitops.width_for(count)
        index = np.minimum(np.ceil(np.maximum(values, 0.0) / segment), count - 1).astype(np.int64)
        batch = bitops.pack_fixed(bitops.uint_bits(index[:, None], width))
        received = bitops.bits_uint(bitops.unpack_fixed(batch), width)[:, 0]
        self.reported = float(received.sum() * segment)
        return RoundResult([Exchange.uplink(self.hub, batch.nbits)], nodes)

    def describe(self) -> dict[str, Any]:
        """Return the resolved parameters."""
        s = self.schedule
        return {
            "algorithm": self.name,
            "compressor": "lattice (two-stage)",
            "step": self.gamma,
            "kappa": s.kappa,
            "mu": s.mu,
            "delta": s.delta,
            "diameter_W": s.diameter,
            "max_margin": max((max(m) for m in self.margins), default=0.0),
            "reported_objective": self.reported,
        }


def _margin(x: Stack, reference: Stack, radius: float) -> float:
    """Return max_i ‖x_i − reference_i‖ / radius (≤ 1 means every message decodes)."""
    return float(np.linalg.norm(x - reference, axis=1).max() / radius)


@ALGORITHMS.register("parameter-server", coordinator=True, sends="identity:precision=64")
def parameter_server(
    graph: nx.Graph, W: sp.csr_array, problem: Any, step: float | str = "auto"
) -> ParameterServer:
    """Full-precision parameter-server GD on a star: float64 gradients up, their sum down."""
    return ParameterServer(graph, problem, step)


@ALGORITHMS.register("korhonen-alistarh", coordinator=True, sends="lattice (two-stage)")
def korhonen_alistarh(
    graph: nx.Graph, W: sp.csr_array, problem: Any, report: bool = True
) -> KorhonenAlistarh:
    """Korhonen & Alistarh's two-stage lattice-quantised GD through the coordinator (star)."""
    return KorhonenAlistarh(graph, problem, report)
