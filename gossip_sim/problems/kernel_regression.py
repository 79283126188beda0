"""Kernel regression: least squares on D random features φ(x) of a real data set.

Kernel regression *is* least squares with A = φ(X): this module only builds φ(X) and hands it
to :class:`~gossip_sim.problems.LeastSquares`, so the error (training MSE), the constants and
the mini-batch gradients are the least-squares ones. Inputs and target are standardised (mean
0, variance 1 per column, over the rows the agents hold) before the features are built.

Two feature maps, both seeded from the run's seed (a problem-wide ``"data"`` stream):

* ``relu``: φ(x) = √(2/D) relu(Wᵀx), W ∈ R^{n0×D} with N(0, 1) entries, exactly D features
  (random features of the arc-cosine kernel);
* ``ntk``: the neural-tangent features of a two-layer ReLU network f(x) = (1/√m) Σ_j a_j
  relu(w_jᵀx) at initialisation (w_j ~ N(0, I), a_j = ±1), i.e. its gradient with respect to
  the first layer and the output weights: per hidden unit j the n0 + 1 numbers
  [a_j 1{w_jᵀx > 0} x, relu(w_jᵀx)] / √m. So D = m (n0 + 1) must be a multiple of n0 + 1.
  Song et al.'s experiment uses NTK features (Bietti & Mairal 2019).

Two optional preprocessing steps, both off by default, make the features far better
conditioned (the number of gradient steps to a small training MSE falls accordingly):

* ``sphere=true``: every standardised input row is scaled to unit norm before the features are
  built, the setting of Bietti & Mairal's NTK analysis (inputs on the sphere);
* ``centre=true``: the mean feature row (over the N rows the agents hold) is subtracted from
  every row, i.e. the kernel matrix is centred. The NTK and ReLU kernels are positive, so
  un-centred features have one eigenvalue of AAᵀ about N times the mean kernel value, far above
  the others; centring removes it. The centred rows sum to zero, so A has rank N − 1 (and
  Z = A BᵀB Aᵀ a zero eigenvalue, so ``kappa_Z`` is not meaningful), but the standardised
  target sums to zero as well, so Aθ = y keeps its exact solutions: F* is 0 up to rounding.
  The mean row is a one-off preprocessing average over all agents' data, not counted as
  communication.

On 100 rows of ``digits`` with ntk features (D = 3900), gradient descent with step 1/L needs
653 steps to a training MSE of 1e-4 on the raw features, 547 with ``sphere=true`` and 234 with
both (Song et al.'s sketched Z with H = 4N: 1308, 920 and 404).

Examples
--------
>>> p = gs.problems.create("kernel-regression:data=iris,samples=10", n_agents=3, dim=200)
>>> p.name, p.bound_kind, p.optimal_value
('kernel-regression', 'overparameterized', 0.0)
"""

from __future__ import annotations

import numpy as np

from gossip_sim._typing import Stack
from gossip_sim.errors import ConfigError
from gossip_sim.problems._common import (
    check_choice,
    check_positive_int,
    shared_stream,
)
from gossip_sim.problems.base import PROBLEMS
from gossip_sim.problems.datasets import load_table
from gossip_sim.problems.least_squares import LeastSquares

__all__ = ["FEATURE_MAPS", "kernel_regression", "ntk_features", "relu_features"]


def relu_features(X: Stack, dim: int, rng: np.random.Generator) -> Stack:
    """Return the random ReLU features √(2/D) relu(X W), W ∈ R^{n0×D} Gaussian; shape (N, D).

    Examples
    --------
    >>> from gossip_sim.problems.kernel_regression import relu_features
    >>> Phi = relu_features(np.ones((2, 3)), 8, np.random.default_rng(0))
    >>> Phi.shape, bool((Phi >= 0).all())
    ((2, 8), True)
    """
    W = rng.standard_normal((X.shape[1], dim))
    return np.sqrt(2.0 / dim) * np.maximum(X @ W, 0.0)


def ntk_features(X: Stack, dim: int, rng: np.random.Generator) -> Stack:
    """Return the NTK features of a two-layer ReLU network at initialisation; shape (N, D).

    With m = D / (n0 + 1) hidden units, unit j contributes [a_j 1{w_jᵀx > 0} x, relu(w_jᵀx)]/√m.

    Examples
    --------
    >>> from gossip_sim.problems.kernel_regression import ntk_features
    >>> ntk_features(np.ones((2, 3)), 8, np.random.default_rng(0)).shape
    (2, 8)
    """
    n, n0 = X.shape
    width = dim // (n0 + 1)
    W = rng.standard_normal((n0, width))
    a = rng.choice([-1.0, 1.0], size=width)
    Z = X @ W  # (N, m) pre-activations
    gated = (a * (Z > 0))[:, :, None] * X[:, None, :]  # (N, m, n0): ∂f/∂w_j
    per_unit = np.concatenate([gated, np.maximum(Z, 0.0)[:, :, None]], axis=2)
    return per_unit.reshape(n, width * (n0 + 1)) / np.sqrt(width)


#: Feature maps by name.
FEATURE_MAPS = {"relu": relu_features, "ntk": ntk_features}


def _check_ntk_dim(dim: int, n_inputs: int, data: str) -> None:
    unit = n_inputs + 1
    if dim % unit == 0:
        return
    low = max(dim // unit, 1) * unit  # the two nearest valid D (the smallest is n0 + 1)
    high = low + unit
    raise ConfigError(
        f"kernel-regression: dim = {dim} is not a multiple of n0 + 1 = {unit} "
        f"({data!r} has {n_inputs} input columns), as features='ntk' needs; "
        f"use dim = {low} or dim = {high}"
    )


@PROBLEMS.register("kernel-regression", rows="samples")
def kernel_regression(
    n_agents: int,
    dim: int,
    seed: int = 0,
    data: str = "digits",
    features: str = "relu",
    samples: int = 100,
    split: str = "iid",
    sphere: bool = False,
    centre: bool = False,
) -> LeastSquares:
    """Least squares on D random ReLU or NTK features of a real data set (Song et al.'s Fig. 1).

    Parameters
    ----------
    n_agents, dim : int
        K agents; D, the number of features.
    seed : int
        Seeds the choice and order of rows and the feature map.
    data : str
        A bundled data set (``breast-cancer``, ``diabetes``, ``digits``, ``iris``, ``wine``;
        needs scikit-learn) or a path to a ``.csv`` (last column the target) or ``.npz``
        (arrays ``X``, ``y``) file.
    features : {"relu", "ntk"}
        The feature map (see the module notes); ``ntk`` needs D a multiple of n0 + 1.
    samples : int
        Rows per agent; K·samples must not exceed the data set's rows.
    split : {"iid", "sorted"}
        Shuffled rows, or rows sorted by target in contiguous chunks (agent 0 the smallest).
    sphere : bool
        Scale every standardised input row to unit norm before building the features.
    centre : bool
        Subtract the mean feature row from every row (centred kernel; A has rank N − 1).

    Examples
    --------
    >>> p = kernel_regression(n_agents=2, dim=50, data="diabetes", samples=20)
    >>> p.features.shape, round(p.error(p.initial()), 12)  # standardised target: MSE(0) = 1
    ((40, 50), 1.0)
    >>> q = kernel_regression(n_agents=2, dim=55, data="diabetes", features="ntk", samples=20,
    ...                       sphere=True, centre=True)
    >>> bool(np.allclose(q.features.sum(axis=0), 0)), q.optimal_value < 1e-20  # F* = 0
    (True, True)
    """
    check_positive_int("kernel-regression", "n_agents", n_agents)
    check_positive_int("kernel-regression", "dim", dim)
    check_positive_int("kernel-regression", "samples", samples)
    check_choice("kernel-regression", "features", features, tuple(FEATURE_MAPS))
    for name, flag in (("sphere", sphere), ("centre", centre)):
        if not isinstance(flag, (bool, np.bool_)):
            raise ConfigError(
                f"kernel-regression: {name}={flag!r} is not valid; give true or false"
            )
    X, y = load_table(data, n_agents, samples, split, seed, problem="kernel-regression")
    if features == "ntk":
        _check_ntk_dim(dim, X.shape[1], data)
    if sphere:
        norms = np.linalg.norm(X, axis=1, keepdims=True)
        X = X / np.where(norms > 0, norms, 1.0)
    A = FEATURE_MAPS[features](X, dim, shared_stream(seed, 2))
    if centre:
        A = A - A.mean(axis=0)
    return LeastSquares(A, y, (samples,) * n_agents, name="kernel-regression")
