"""Song et al.'s overparameterised network (Theorem 4.4): one wide layer, then a pyramid.

With O_0 = X, O_l = a(O_{l−1} W_l) for l = 1 … L−1 and O_L = O_{L−1} W_L (their eq. (6)),
agent k holds f_k(θ) = ½‖O_{L,k} − y_k‖² on its own rows. Widths n0 (input columns), n1 (the
wide layer, n1 >= N, Assumption 4), n2 >= n3 >= … >= n_L = 1.

* θ is the concatenation of the row-major vec(W_1), …, vec(W_L). The blocks follow their eq.
  (7): W_1 is **frozen** at its initial value (its gradient is reported as 0), W_2 (n1 × n2)
  is the **wide** block Song et al. compress, W_3 … are **plain**.
* The activation a(x) = νx + (1 − ν)(softplus(x) − log 2) meets Assumption 5: a'(x) ∈ [ν, 1],
  |a(x)| <= |x| (a(0) = 0 and |a'| <= 1) and a' is (1 − ν)/4-Lipschitz.
* θ⁰ (the same for every agent): W_l with N(0, 1/n_{l−1}) entries (variance 1/fan-in), drawn
  from the run's ``"init"`` stream.
* The problem is not convex: μ = 0, optimum unknown (None), F* = 0 (overparameterised). The
  smoothness is an **estimate**, not a bound: 2 λ_max(J Jᵀ) at θ⁰, J the N × P Jacobian of the
  outputs with respect to the trained weights (the Gauss–Newton matrix JᵀJ; the factor 2 is a
  safety margin), found by power iteration on the N × N matrix J Jᵀ. ``local_smoothness`` is
  the same estimate on each agent's rows, maximised over agents.

Examples
--------
>>> p = gs.problems.create("pyramidal-nn:layers=4x2,samples=3", n_agents=2, dim=6)
>>> [(b.name, b.rows, b.cols, b.role) for b in p.blocks]
[('W1', 8, 6, 'frozen'), ('W2', 6, 4, 'wide'), ('W3', 4, 2, 'plain'), ('W4', 2, 1, 'plain')]
>>> p.dim
82
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from gossip_sim._random import stream
from gossip_sim._typing import Stack, Vector
from gossip_sim.errors import ConfigError
from gossip_sim.problems._common import (
    SPLITS,
    agent_slices,
    check_choice,
    check_positive,
    check_positive_int,
    check_samples,
    expit,
    shared_stream,
)
from gossip_sim.problems.base import PROBLEMS, Block, BoundKind
from gossip_sim.problems.datasets import load_table, sort_by_target, standardise

__all__ = ["PyramidalNetwork", "activation", "parse_layers", "pyramidal_nn"]

Weights = list[NDArray[np.float64]]
Role = Literal["frozen", "wide", "plain"]


def activation(x: NDArray[np.float64], nu: float) -> NDArray[np.float64]:
    """Return a(x) = νx + (1 − ν)(softplus(x) − log 2), Song et al.'s Assumption 5 activation.

    Examples
    --------
    >>> from gossip_sim.problems.pyramidal import activation
    >>> activation(np.array([0.0]), 0.5).tolist()
    [0.0]
    """
    return nu * x + (1.0 - nu) * (np.logaddexp(0.0, x) - np.log(2.0))


def _activation_slope(x: NDArray[np.float64], nu: float) -> NDArray[np.float64]:
    return nu + (1.0 - nu) * expit(x)


def parse_layers(layers: str | int | Sequence[int]) -> tuple[int, ...]:
    """Return the widths after the wide layer, n2 >= n3 >= … >= 1, with the final 1 appended.

    A string may separate widths with ``,``, ``x``, ``;`` or spaces (write ``16x8`` in a spec,
    where commas separate parameters).

    Examples
    --------
    >>> from gossip_sim.problems.pyramidal import parse_layers
    >>> parse_layers("16,8"), parse_layers("16x8x1"), parse_layers(""), parse_layers(4)
    ((16, 8, 1), (16, 8, 1), (1,), (4, 1))
    """
    if isinstance(layers, str):
        parts = [p for p in re.split(r"[,;x\s]+", layers.strip()) if p]
        if not all(p.isdigit() for p in parts):
            raise ConfigError(
                f"pyramidal-nn: layers = {layers!r} is not valid; give widths like '16x8'"
            )
        widths = [int(p) for p in parts]
    elif isinstance(layers, bool):
        raise ConfigError(
            f"pyramidal-nn: layers = {layers!r} is not valid; give widths like '16x8'"
        )
    elif isinstance(layers, (int, np.integer)):
        widths = [int(layers)]
    else:
        widths = [int(w) for w in layers]
    if widths[-1:] != [1]:
        widths.append(1)
    if min(widths) < 1 or any(a < b for a, b in pairwise(widths)):
        raise ConfigError(
            f"pyramidal-nn: layers = {layers!r} is not valid; give widths n2 >= n3 >= ... >= 1 "
            "(Song et al.'s Assumption 4), e.g. '16x8'"
        )
    return tuple(widths)


def _forward(weights: Weights, X: Stack, nu: float) -> tuple[Weights, Weights]:
    """Return the pre-activations Z_l and outputs O_l (O_0 = X) of every layer."""
    pre, outputs = [], [X]
    for layer, W in enumerate(weights, start=1):
        Z = outputs[-1] @ W
        pre.append(Z)
        outputs.append(Z if layer == len(weights) else activation(Z, nu))
    return pre, outputs


def _backward(
    weights: Weights, pre: Weights, outputs: Weights, delta: Stack, nu: float
) -> Weights:
    """Return ∂/∂W_l of Σ_s delta_sᵀ O_L(x_s) for l = 2 … L (the trained layers)."""
    grads = []
    for layer in range(len(weights), 1, -1):  # layers L … 2; index layer − 1 in the lists
        if layer < len(weights):
            delta = (delta @ weights[layer].T) * _activation_slope(pre[layer - 1], nu)
        grads.append(outputs[layer - 1].T @ delta)
    return grads[::-1]


def _tangent(weights: Weights, pre: Weights, outputs: Weights, dW: Weights, nu: float) -> Stack:
    """Return J v: the change of O_L along the trained weights' direction dW (W_1 fixed)."""
    d_out = np.zeros_like(outputs[1])
    for layer in range(2, len(weights) + 1):
        dZ = d_out @ weights[layer - 1] + outputs[layer - 1] @ dW[layer - 2]
        d_out = dZ if layer == len(weights) else _activation_slope(pre[layer - 1], nu) * dZ
    return d_out


@dataclass(frozen=True, eq=False)
class PyramidalNetwork:
    """Song et al.'s network of eq. (6) on inputs X (N × n0) and targets y, split by ``counts``.

    ``widths`` are n1, n2, …, n_L = 1 (everything after the input). Attributes beyond the
    protocol: ``X``, ``y``, ``widths``, ``nu``, ``theta0`` (the starting parameter vector).

    Examples
    --------
    >>> p = PyramidalNetwork(np.eye(2), np.ones(2), counts=(1, 1), widths=(3, 1))
    >>> p.dim, p.blocks[0].role, p.gradients(p.initial())[:, :6].any()
    (9, 'frozen', np.False_)
    """

    X: Stack = field(repr=False)
    y: Vector = field(repr=False)
    counts: tuple[int, ...]
    widths: tuple[int, ...]
    nu: float = 0.5
    seed: int = 0
    name: str = field(default="pyramidal-nn", init=False)
    error_name: str = field(default="training MSE", init=False)
    bound_kind: BoundKind = field(default="overparameterized", init=False)
    optimum: None = field(default=None, init=False)
    optimal_value: float = field(default=0.0, init=False)
    strong_convexity: float = field(default=0.0, init=False)
    features: None = field(default=None, init=False)
    n_agents: int = field(init=False)
    dim: int = field(init=False)
    samples_per_agent: tuple[int, ...] = field(init=False, repr=False)
    blocks: tuple[Block, ...] = field(init=False, repr=False)
    theta0: Vector = field(init=False, repr=False)
    smoothness: float = field(init=False, repr=False)
    local_smoothness: float = field(init=False, repr=False)
    _slices: list[slice] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        X, y = np.asarray(self.X, dtype=float), np.asarray(self.y, dtype=float)
        if X.ndim != 2 or y.shape != (X.shape[0],):
            raise ConfigError("pyramidal-nn: give X as N × n0 and y with one target per row")
        if check_positive("pyramidal-nn", "nu", self.nu) >= 1:
            raise ConfigError(f"pyramidal-nn: nu = {self.nu!r} is not valid; give 0 < nu < 1")
        if len(self.widths) < 2 or parse_layers(self.widths[1:]) != tuple(self.widths[1:]):
            raise ConfigError(
                f"pyramidal-nn: widths = {self.widths!r} is not valid; give n1, then "
                "n2 >= ... >= 1 ending in 1"
            )
        widths = (X.shape[1], *self.widths)
        if self.widths[0] < len(y):
            raise ConfigError(
                f"pyramidal-nn: dim = n1 = {self.widths[0]} is below N = {len(y)} samples; "
                f"Song et al.'s Assumption 4 needs the wide layer n1 >= N: give dim >= {len(y)}"
            )
        blocks, start = [], 0
        for layer, (rows, cols) in enumerate(pairwise(widths), start=1):
            role: Role = "frozen" if layer == 1 else "wide" if layer == 2 else "plain"
            blocks.append(Block(f"W{layer}", rows, cols, role, start))
            start += rows * cols
        rng = stream(self.seed, "init", 0)
        theta0 = np.concatenate([rng.standard_normal(b.size) / np.sqrt(b.rows) for b in blocks])
        derived = {
            "X": X,
            "y": y,
            "n_agents": len(self.counts),
            "dim": start,
            "samples_per_agent": tuple(int(c) for c in self.counts),
            "blocks": tuple(blocks),
            "theta0": theta0,
            "_slices": agent_slices("pyramidal-nn", self.counts, len(y)),
        }
        for key, value in derived.items():
            object.__setattr__(self, key, value)
        local = max(self._gauss_newton_top(X[s]) for s in self._slices)
        object.__setattr__(self, "local_smoothness", 2.0 * local)
        object.__setattr__(self, "smoothness", 2.0 * self._gauss_newton_top(X))

    def weights(self, theta: Vector) -> Weights:
        """Return the weight matrices W_1 … W_L held in the parameter vector ``theta``."""
        return [theta[b.start : b.stop].reshape(b.rows, b.cols) for b in self.blocks]

    def _gauss_newton_top(self, X: Stack, iterations: int = 500) -> float:
        """Return λ_max(J Jᵀ) at θ⁰ on the rows X, by power iteration on the N × N matrix."""
        weights = self.weights(self.theta0)
        pre, outputs = _forward(weights, X, self.nu)
        u = shared_stream(self.seed, 3, "init").standard_normal((X.shape[0], 1))
        top = 0.0
        for _ in range(iterations):
            u /= np.linalg.norm(u)
            pulled = _backward(weights, pre, outputs, u, self.nu)  # Jᵀu
            u_next = _tangent(weights, pre, outputs, pulled, self.nu)  # J Jᵀu
            estimate = float(np.vdot(u, u_next))
            u = u_next
            if abs(estimate - top) <= 1e-10 * abs(estimate):
                break
            top = estimate
        return estimate

    def _outputs(
        self, theta: Vector, rows: slice | NDArray[np.int64]
    ) -> tuple[Weights, Weights, Weights]:
        weights = self.weights(theta)
        pre, outputs = _forward(weights, self.X[rows], self.nu)
        return weights, pre, outputs

    def initial(self) -> Stack:
        """Return θ⁰ for every agent (N(0, 1/fan-in) weights from the ``"init"`` stream)."""
        return np.tile(self.theta0, (self.n_agents, 1))

    def losses(self, values: Stack) -> Vector:
        """Return f_k(θ_k) = ½‖O_{L,k} − y_k‖² for every agent k."""
        out = np.empty(self.n_agents)
        for k, rows in enumerate(self._slices):
            r = self._outputs(values[k], rows)[2][-1][:, 0] - self.y[rows]
            out[k] = 0.5 * (r @ r)
        return out

    def gradients(self, values: Stack, samples: list[NDArray[np.int64]] | None = None) -> Stack:
        """Return ∇f_k(θ_k) by backpropagation (0 in the frozen W_1), or its mini-batch estimate."""
        batches = None if samples is None else check_samples(self.name, samples, self.counts)
        out = np.zeros((self.n_agents, self.dim))
        for k, rows in enumerate(self._slices):
            index = np.arange(rows.start, rows.stop)
            if batches is not None:
                index = index[batches[k]]
            weights, pre, outputs = self._outputs(values[k], index)
            residual = outputs[-1] - self.y[index, None]
            scale = 1.0 if batches is None else self.counts[k] / len(index)
            grads = _backward(weights, pre, outputs, residual, self.nu)
            for block, g in zip(self.blocks[1:], grads, strict=True):
                out[k, block.start : block.stop] = scale * g.ravel()
        return out

    def objective(self, x: Vector) -> float:
        """Return F(x) = ½‖O_L − y‖² over all N samples."""
        r = self._outputs(x, slice(None))[2][-1][:, 0] - self.y
        return 0.5 * float(r @ r)

    def error(self, values: Stack) -> float:
        """Return the mean over agents of the training MSE (1/N)‖O_L(θ_k) − y‖²."""
        return float(np.mean([2.0 * self.objective(v) for v in values])) / len(self.y)


def _synthetic(n_agents: int, samples: int, inputs: int, seed: int) -> tuple[Stack, Vector]:
    """Gaussian inputs (agent k's ``"data"`` stream); targets of a random tanh teacher."""
    hidden = 16
    teacher = shared_stream(seed, 0)
    U = teacher.standard_normal((inputs, hidden)) / np.sqrt(inputs)
    v = teacher.standard_normal(hidden) / np.sqrt(hidden)
    X = np.vstack(
        [stream(seed, "data", k).standard_normal((samples, inputs)) for k in range(n_agents)]
    )
    return X, np.tanh(X @ U) @ v


@PROBLEMS.register("pyramidal-nn")
def pyramidal_nn(
    n_agents: int,
    dim: int,
    seed: int = 0,
    layers: str = "16x8",
    samples: int = 10,
    data: str = "synthetic",
    inputs: int = 8,
    nu: float = 0.5,
    split: str = "iid",
) -> PyramidalNetwork:
    """Song et al.'s pyramidal network (Thm 4.4): frozen W1, wide W2 (dim = n1 >= N), layers.

    Note that ``dim`` here is n1, the width of the wide layer; the problem's ``dim`` attribute
    is the total number of parameters n0·n1 + n1·n2 + … + n_{L−1}.

    Parameters
    ----------
    n_agents : int
        K agents.
    dim : int
        n1, the wide layer's width; Assumption 4 needs n1 >= N = K·samples.
    seed : int
        Seeds the data (``"data"`` streams) and θ⁰ (the ``"init"`` stream).
    layers : str
        Widths n2 >= n3 >= … after the wide layer (``"16x8"``; a final 1 is appended).
    samples : int
        Rows per agent.
    data : str
        ``synthetic`` (N(0, I) inputs with ``inputs`` columns, targets of a random two-layer
        tanh teacher) or any data set :func:`~gossip_sim.problems.kernel_regression` accepts.
        Inputs and targets are standardised over the rows the agents hold.
    inputs : int
        n0 of the synthetic data (a real data set brings its own).
    nu : float
        ν in (0, 1) of the activation.
    split : {"iid", "sorted"}
        Shuffled rows, or sorted by target in contiguous chunks.

    Examples
    --------
    >>> p = pyramidal_nn(n_agents=2, dim=20, samples=5)
    >>> p.widths, p.optimal_value, p.error(p.initial()) > 0
    ((20, 16, 8, 1), 0.0, True)
    """
    check_positive_int("pyramidal-nn", "n_agents", n_agents)
    check_positive_int("pyramidal-nn", "dim", dim)
    check_positive_int("pyramidal-nn", "samples", samples)
    check_positive_int("pyramidal-nn", "inputs", inputs)
    check_choice("pyramidal-nn", "split", split, SPLITS)
    widths = (dim, *parse_layers(layers))
    if data == "synthetic":
        X, y = _synthetic(n_agents, samples, inputs, seed)
        X, y = standardise(X), standardise(y[:, None])[:, 0]
        if split == "sorted":
            X, y = sort_by_target(X, y)
    else:
        X, y = load_table(
            data, n_agents, samples, split, seed, problem="pyramidal-nn", also=("synthetic",)
        )
    return PyramidalNetwork(X, y, (samples,) * n_agents, widths, nu, seed)
