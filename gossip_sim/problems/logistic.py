"""ℓ2-regularised logistic regression split over agents (a smooth, strongly convex problem).

Agent k holds f_k(θ) = Σ_{s ∈ k} log(1 + exp(−y_s x_sᵀθ)) + (λ/2K)‖θ‖², labels y_s = ±1, so
F(θ) = Σ_s log(1 + exp(−y_s x_sᵀθ)) + (λ/2)‖θ‖². There is no intercept (append a constant
column to your data if you want one). Real data are standardised per column.

Constants: L = σ_max(XᵀX)/4 + λ, μ = λ, L_k = σ_max(X_kᵀX_k)/4 + λ/K. F* has no closed form;
it is computed once at construction by SciPy (L-BFGS-B with gtol 1e-12, then Newton steps with
conjugate gradients) until ‖∇F(θ*)‖ <= 1e-13·max(1, F*), or 20 Newton steps: by strong
convexity F(θ*) − F* <= ‖∇F(θ*)‖²/(2λ), far below the round-off of evaluating F itself
(about N·ε·F*, ε = 2.2e-16), which is the floor of any suboptimality reported.

The error is the suboptimality F(θ_k) − F* averaged over the agents (``error_at="agents"``,
the default), or F(x̄) − F* at the agents' mean x̄ = (1/K) Σ_k θ_k (``error_at="average"``,
what exact-method papers plot).

Examples
--------
>>> p = gs.problems.create("logistic:samples=20", n_agents=3, dim=4)
>>> p.error(np.tile(p.optimum, (3, 1))) < 1e-10
True
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from gossip_sim._random import stream
from gossip_sim._typing import Stack, Vector
from gossip_sim.errors import ConfigError
from gossip_sim.problems._common import (
    ERROR_AT,
    LABEL_SPLITS,
    agent_slices,
    check_choice,
    check_positive,
    check_positive_int,
    check_samples,
    expit,
    shared_stream,
)
from gossip_sim.problems.base import PROBLEMS, Block, BoundKind
from gossip_sim.problems.datasets import dirichlet_split, load_table, sort_by_target
from gossip_sim.problems.least_squares import gram_eigenvalues

__all__ = ["Logistic", "logistic", "minimise_logistic"]

_FLIP = 0.1  # label-flip probability of the synthetic data


def _loss_and_gradient(theta: Vector, X: Stack, y: Vector, lam: float) -> tuple[float, Vector]:
    margins = y * (X @ theta)
    loss = np.logaddexp(0.0, -margins).sum() + 0.5 * lam * (theta @ theta)
    return float(loss), X.T @ (-y * expit(-margins)) + lam * theta


def minimise_logistic(X: Stack, y: Vector, lam: float) -> tuple[Vector, float]:
    """Return the minimiser θ* and F* of Σ_s log(1 + exp(−y_s x_sᵀθ)) + (λ/2)‖θ‖².

    L-BFGS with a tight tolerance, then Newton steps (Hessian-vector products, conjugate
    gradients) until the gradient norm is at round-off level.

    Examples
    --------
    >>> from gossip_sim.problems.logistic import minimise_logistic
    >>> theta, value = minimise_logistic(np.array([[1.0], [-1.0]]), np.array([1.0, -1.0]), 1.0)
    >>> round(float(theta[0]), 6)  # stationary point: 2σ(−θ) = θ
    0.674832
    """
    import scipy.optimize  # 0.4 s to import: loaded when a logistic problem is built
    import scipy.sparse.linalg

    d = X.shape[1]
    result = scipy.optimize.minimize(
        _loss_and_gradient, np.zeros(d), args=(X, y, lam), jac=True, method="L-BFGS-B",
        options={"maxiter": 10_000, "gtol": 1e-12, "ftol": 1e-16},
    )  # fmt: skip
    theta = result.x
    for _ in range(20):
        value, grad = _loss_and_gradient(theta, X, y, lam)
        if np.linalg.norm(grad) <= 1e-13 * max(1.0, value):
            break
        p = expit(y * (X @ theta))
        weights = p * (1.0 - p)

        def hessian_times(v: Vector, w: Vector = weights) -> Vector:
            return X.T @ (w * (X @ v)) + lam * v

        hessian = scipy.sparse.linalg.LinearOperator((d, d), hessian_times, dtype=np.float64)
        step, _ = scipy.sparse.linalg.cg(hessian, -grad, rtol=1e-14, atol=0.0, maxiter=10 * d)
        theta = theta + step
    return theta, _loss_and_gradient(theta, X, y, lam)[0]


@dataclass(frozen=True, eq=False)
class Logistic:
    """F(θ) = Σ_s log(1 + exp(−y_s x_sᵀθ)) + (λ/2)‖θ‖², agent k holding ``counts[k]`` rows.

    Attributes beyond the protocol: ``X``, ``y`` (labels ±1, rows in agent order), ``lam``,
    ``error_at`` (``"agents"``: mean of F(θ_k) − F*; ``"average"``: F(x̄) − F*).

    Examples
    --------
    >>> p = Logistic(np.array([[1.0], [-1.0]]), np.array([1.0, -1.0]), counts=(1, 1), lam=1.0)
    >>> p.strong_convexity, p.smoothness
    (1.0, 1.5)
    """

    X: Stack = field(repr=False)
    y: Vector = field(repr=False)
    counts: tuple[int, ...]
    lam: float = 1e-2
    error_at: str = "agents"
    name: str = field(default="logistic", init=False)
    error_name: str = field(default="suboptimality F(x) - F*", init=False)
    bound_kind: BoundKind = field(default="pl", init=False)
    features: None = field(default=None, init=False)
    n_agents: int = field(init=False)
    dim: int = field(init=False)
    samples_per_agent: tuple[int, ...] = field(init=False, repr=False)
    blocks: tuple[Block, ...] = field(init=False, repr=False)
    optimum: Vector = field(init=False, repr=False)
    optimal_value: float = field(init=False, repr=False)
    smoothness: float = field(init=False, repr=False)
    strong_convexity: float = field(init=False, repr=False)
    local_smoothness: float = field(init=False, repr=False)
    _slices: list[slice] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        X, y = np.asarray(self.X, dtype=float), np.asarray(self.y, dtype=float)
        lam = check_positive("logistic", "lam", self.lam)
        check_choice("logistic", "error_at", self.error_at, ERROR_AT)
        if X.ndim != 2 or y.shape != (X.shape[0],) or not np.all(np.abs(y) == 1):
            raise ConfigError("logistic: give X as N × D and y as N labels, each -1 or +1")
        slices = agent_slices("logistic", self.counts, len(y))
        optimum, value = minimise_logistic(X, y, lam)
        derived = {
            "X": X,
            "y": y,
            "n_agents": len(self.counts),
            "dim": X.shape[1],
            "samples_per_agent": tuple(int(c) for c in self.counts),
            "blocks": (Block("theta", X.shape[1], 1, "wide"),),
            "optimum": optimum,
            "optimal_value": value,
            "smoothness": float(gram_eigenvalues(X)[-1]) / 4 + lam,
            "strong_convexity": lam,
            "local_smoothness": max(float(gram_eigenvalues(X[s])[-1]) for s in slices) / 4
            + lam / len(self.counts),
            "_slices": slices,
        }
        if self.error_at == "average":
            derived["error_name"] = "suboptimality F(x̄) - F* at the agents' mean"
        for key, val in derived.items():
            object.__setattr__(self, key, val)

    def initial(self) -> Stack:
        """Return θ⁰ = 0 for every agent."""
        return np.zeros((self.n_agents, self.dim))

    def losses(self, values: Stack) -> Vector:
        """Return f_k(θ_k) for every agent k (stable log(1 + e^{−m}) = logaddexp(0, −m))."""
        out = np.empty(self.n_agents)
        ridge = 0.5 * self.lam / self.n_agents
        for k, rows in enumerate(self._slices):
            margins = self.y[rows] * (self.X[rows] @ values[k])
            out[k] = np.logaddexp(0.0, -margins).sum() + ridge * (values[k] @ values[k])
        return out

    def gradients(self, values: Stack, samples: list[NDArray[np.int64]] | None = None) -> Stack:
        """Return ∇f_k(θ_k), or the unbiased (N_k/|S_k|) Σ_{s∈S_k} ∇ℓ_s + (λ/K) θ_k."""
        batches = None if samples is None else check_samples(self.name, samples, self.counts)
        out = values * (self.lam / self.n_agents)
        for k, rows in enumerate(self._slices):
            X_k, y_k = self.X[rows], self.y[rows]
            if batches is not None:
                X_k, y_k = X_k[batches[k]], y_k[batches[k]]
            scale = 1.0 if batches is None else self.counts[k] / len(batches[k])
            out[k] += scale * (X_k.T @ (-y_k * expit(-y_k * (X_k @ values[k]))))
        return out

    def objective(self, x: Vector) -> float:
        """Return F(x)."""
        return _loss_and_gradient(x, self.X, self.y, self.lam)[0]

    def error(self, values: Stack) -> float:
        """Return the mean over agents of F(θ_k) − F*, or F(x̄) − F* (``error_at="average"``)."""
        if self.error_at == "average":
            return self.objective(values.mean(axis=0)) - self.optimal_value
        margins = self.y[:, None] * (self.X @ values.T)  # (N, K)
        totals = np.logaddexp(0.0, -margins).sum(axis=0)
        totals += 0.5 * self.lam * np.einsum("kd,kd->k", values, values)
        return float(np.mean(totals - self.optimal_value))


def _synthetic(n_agents: int, dim: int, samples: int, seed: int) -> tuple[Stack, Vector]:
    """Gaussian features; labels from a shared random hyperplane, each flipped w.p. 0.1."""
    normal = shared_stream(seed, 0).standard_normal(dim)
    rows, labels = [], []
    for k in range(n_agents):
        rng = stream(seed, "data", k)
        X_k = rng.standard_normal((samples, dim))
        y_k = np.where(X_k @ normal >= 0, 1.0, -1.0)
        rows.append(X_k)
        labels.append(np.where(rng.random(samples) < _FLIP, -y_k, y_k))
    return np.vstack(rows), np.concatenate(labels)


def _as_signs(y: Vector, data: str) -> Vector:
    values = set(np.unique(y).tolist())
    if values <= {0.0, 1.0}:
        return 2.0 * y - 1.0
    if values <= {-1.0, 1.0}:
        return y
    shown = ", ".join(f"{v:g}" for v in sorted(values)[:5])
    raise ConfigError(
        f"logistic: data = {data!r} has labels {shown}{', ...' if len(values) > 5 else ''}; "
        "logistic regression needs two classes labelled 0/1 or -1/+1"
    )


@PROBLEMS.register("logistic", rows="samples")
def logistic(
    n_agents: int,
    dim: int,
    seed: int = 0,
    data: str = "synthetic",
    samples: int = 50,
    lam: float = 1e-2,
    split: str = "iid",
    alpha: float | None = None,
    error_at: str = "agents",
) -> Logistic:
    """ℓ2-regularised logistic regression, labels ±1, on synthetic or real binary data.

    Parameters
    ----------
    n_agents, dim : int
        K agents; D, the number of features (for real data: the data set's column count).
    seed : int
        Seeds the data (or the choice and order of rows of a real data set).
    data : str
        ``synthetic`` (N(0, I) features, labels = sign of a random hyperplane, each flipped with
        probability 0.1), ``breast-cancer`` (scikit-learn, D = 30) or a ``.csv``/``.npz`` path
        whose labels are 0/1 or ±1 (see :mod:`gossip_sim.problems.datasets`).
    samples : int
        Rows per agent.
    lam : float
        λ > 0: F carries (λ/2)‖θ‖², each f_k a 1/K share of it.
    split : {"iid", "sorted", "dirichlet"}
        Shuffled rows, or sorted by label (agents 0.. hold the −1s: label skew), or
        ``dirichlet``: the K·samples rows are pooled and each class dealt to the agents in
        Dirichlet(α·1_K) proportions (:func:`~gossip_sim.problems.datasets.dirichlet_split`),
        so agents hold unequal numbers of rows (``samples`` is then the mean).
    alpha : float, optional
        α > 0 of ``split=dirichlet`` (required there, refused with the other splits).
    error_at : {"agents", "average"}
        The error: the mean over agents of F(θ_k) − F*, or F(x̄) − F* at their mean x̄.

    Examples
    --------
    >>> p = logistic(n_agents=2, dim=3, samples=10, lam=0.1)
    >>> p.strong_convexity, p.samples_per_agent
    (0.1, (10, 10))
    >>> p = logistic(n_agents=4, dim=3, samples=10, split="dirichlet", alpha=0.5)
    >>> p.samples_per_agent
    (1, 9, 23, 7)
    """
    check_positive_int("logistic", "n_agents", n_agents)
    check_positive_int("logistic", "dim", dim)
    check_positive_int("logistic", "samples", samples)
    check_choice("logistic", "split", split, LABEL_SPLITS)
    check_choice("logistic", "error_at", error_at, ERROR_AT)
    if split == "dirichlet" and alpha is None:
        raise ConfigError("logistic: split = dirichlet needs alpha; give alpha > 0, e.g. 0.5")
    if split != "dirichlet" and alpha is not None:
        raise ConfigError(
            f"logistic: alpha = {alpha!r} applies only to split = dirichlet (split is {split!r}); "
            "drop alpha or give split=dirichlet"
        )
    if data == "synthetic":
        X, y = _synthetic(n_agents, dim, samples, seed)
        if split == "sorted":
            X, y = sort_by_target(X, y)
    else:
        X, y = load_table(
            data, n_agents, samples, "iid" if split == "dirichlet" else split, seed,
            standardise_target=False, problem="logistic", also=("synthetic",),
        )
        y = _as_signs(y, data)
        if X.shape[1] != dim:
            raise ConfigError(
                f"logistic: dim = {dim} does not match data = {data!r}, which has "
                f"{X.shape[1]} feature columns; give dim = {X.shape[1]}"
            )
    counts = (samples,) * n_agents
    if split == "dirichlet":
        assert alpha is not None
        X, y, counts = dirichlet_split(X, y, n_agents, alpha, seed, problem="logistic")
    return Logistic(X, y, counts, lam, error_at)
