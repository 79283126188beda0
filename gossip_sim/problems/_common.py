"""Checks and helpers the optimisation problems share (parameters, streams, mini-batches).

Examples
--------
>>> from gossip_sim.problems._common import check_choice
>>> check_choice("logistic", "split", "iid", ("iid", "sorted"))
'iid'
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gossip_sim._random import stream
from gossip_sim.errors import ConfigError

__all__ = [
    "ERROR_AT",
    "LABEL_SPLITS",
    "SPLITS",
    "agent_slices",
    "check_choice",
    "check_positive",
    "check_positive_int",
    "check_samples",
    "expit",
    "shared_stream",
]

#: How samples are dealt to agents: shuffled (``iid``) or sorted by target in contiguous chunks.
SPLITS = ("iid", "sorted")

#: The splits of a classification problem: also ``dirichlet`` (Dirichlet(α) label skew,
#: :func:`gossip_sim.problems.datasets.dirichlet_split`).
LABEL_SPLITS = (*SPLITS, "dirichlet")

#: Where an optimisation problem measures its error: at every agent's own point, averaged
#: (``agents``), or at the agents' mean x̄ (``average``: F(x̄) − F*).
ERROR_AT = ("agents", "average")

#: Sub-stream numbers of problem-wide draws (a teacher, a rotation, a shuffle) start here, far
#: above any agent index, so they never collide with an agent's own ``"data"`` stream.
_SHARED_BASE = 1 << 30


def shared_stream(seed: int, number: int, purpose: str = "data") -> np.random.Generator:
    """Return the problem-wide generator ``number`` (not any agent's own stream).

    Examples
    --------
    >>> from gossip_sim.problems._common import shared_stream
    >>> shared_stream(0, 1).random() == shared_stream(0, 1).random()
    True
    """
    return stream(seed, purpose, _SHARED_BASE + number)


def agent_slices(problem: str, counts: tuple[int, ...], rows: int) -> list[slice]:
    """Return the row slice of every agent, who hold ``counts[k]`` consecutive rows each.

    Examples
    --------
    >>> from gossip_sim.problems._common import agent_slices
    >>> agent_slices("logistic", (2, 1), 3)
    [slice(0, 2, None), slice(2, 3, None)]
    """
    if len(counts) < 1 or min(counts) < 1 or sum(counts) != rows:
        raise ConfigError(
            f"{problem}: counts = {counts} is not valid; give one count >= 1 per agent, "
            f"summing to the {rows} rows of the data"
        )
    edges = np.cumsum((0, *counts))
    return [slice(int(lo), int(hi)) for lo, hi in pairwise(edges)]


def check_positive_int(problem: str, name: str, value: Any, minimum: int = 1) -> int:
    """Return ``value`` as an int, or refuse it unless it is an integer >= ``minimum``.

    Examples
    --------
    >>> from gossip_sim.problems._common import check_positive_int
    >>> check_positive_int("logistic", "samples", 3)
    3
    """
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ConfigError(
            f"{problem}: {name} = {value!r} is not valid; give an integer >= {minimum}"
        )
    return int(value)


def check_positive(problem: str, name: str, value: Any, *, allow_zero: bool = False) -> float:
    """Return ``value`` as a float, or refuse it unless it is finite and > 0 (>= 0 if allowed).

    Examples
    --------
    >>> from gossip_sim.problems._common import check_positive
    >>> check_positive("quadratic", "beta0", 2)
    2.0
    """
    ok = isinstance(value, (int, float, np.number)) and not isinstance(value, bool)
    ok = ok and bool(np.isfinite(value)) and (value >= 0 if allow_zero else value > 0)
    if not ok:
        bound = ">= 0" if allow_zero else "> 0"
        raise ConfigError(f"{problem}: {name} = {value!r} is not valid; give a number {bound}")
    return float(value)


def check_choice(problem: str, name: str, value: Any, valid: Sequence[str]) -> str:
    """Return ``value`` if it is one of ``valid``, else refuse listing the valid ones.

    Examples
    --------
    >>> from gossip_sim.problems._common import check_choice
    >>> check_choice("quadratic", "start", "zeros", ("zeros", "centre"))
    'zeros'
    """
    if value not in valid:
        raise ConfigError(
            f"{problem}: {name} = {value!r} is not valid; use one of {', '.join(valid)}"
        )
    return str(value)


def check_samples(
    problem: str, samples: list[NDArray[np.int64]], counts: tuple[int, ...]
) -> list[NDArray[np.int64]]:
    """Refuse a mini-batch that does not give one non-empty, in-range index array per agent.

    Examples
    --------
    >>> from gossip_sim.problems._common import check_samples
    >>> len(check_samples("least-squares", [np.array([0, 1])], (3,)))
    1
    """
    if len(samples) != len(counts):
        raise ConfigError(
            f"{problem}: got {len(samples)} index arrays for {len(counts)} agents; "
            "give one per agent"
        )
    checked = []
    for k, (idx, n_k) in enumerate(zip(samples, counts, strict=True)):
        idx = np.asarray(idx, dtype=np.int64)
        if idx.ndim != 1 or idx.size == 0 or idx.min() < 0 or idx.max() >= n_k:
            raise ConfigError(
                f"{problem}: mini-batch of agent {k} must be a non-empty 1-d array of indices "
                f"in 0..{n_k - 1}"
            )
        checked.append(idx)
    return checked


def expit(x: NDArray[np.float64]) -> NDArray[np.float64]:
    """Return the logistic function 1 / (1 + e^-x), elementwise (``scipy.special.expit``).

    scipy.special is imported on the first call, not with the package: it costs ~40 ms of
    start-up that runs without a logistic or pyramidal problem do not need.

    Examples
    --------
    >>> from gossip_sim.problems._common import expit
    >>> expit(np.array([0.0, 800.0]))
    array([0.5, 1. ])
    """
    from scipy.special import expit as scipy_expit

    result: NDArray[np.float64] = scipy_expit(x)
    return result
