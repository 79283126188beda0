"""Where the agents start: the problem's own θ⁰, a seeded draw, or your own values from a file.

The run setting ``initial`` names one of :data:`STARTS` (``problem``, the default: the problem's
own starting values, so a run without it keeps its numbers; ``zeros``; ``normal:mean=0,std=1``;
``uniform:low=-1,high=1``; ``file:path=X.npy``) or is a path to a ``.npy`` or ``.csv`` file
(the same as ``file:path=``). :func:`apply` returns the problem with those starting values:
every algorithm asks ``problem.initial()``, on both engines, so none of them needs to know.

A file holds a ``(K, D)`` array (row k is agent k's start; K counts the agents that hold
data, so a coordinator's hub is not a row) or one row ``(D,)`` / ``(1, D)`` that every agent
starts from. A CSV holds comma-separated numbers, one row per line; ``#`` starts a comment.
Draws are seeded: agent k's row comes from ``stream(seed, "start", k)``, so adding agents
never changes the rows of the others.

For an averaging problem (``consensus``) the error is measured against the average of the
given start, (1/K) Σ_k ‖x_k − x̄⁽⁰⁾‖², as it is against the problem's own.

Examples
--------
>>> p = gs.problems.create("quadratic", n_agents=3, dim=2)
>>> apply("zeros", p, seed=0).initial().tolist()
[[0.0, 0.0], [0.0, 0.0], [0.0, 0.0]]
>>> apply("problem", p, seed=0) is p
True
>>> apply("normal:std=2", p, seed=0).initial().shape
(3, 2)
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from gossip_sim._random import stream
from gossip_sim._registry import Registry
from gossip_sim._typing import Stack
from gossip_sim.errors import ConfigError
from gossip_sim.problems.base import is_optimisation

__all__ = ["FILE_SUFFIXES", "STARTS", "Started", "apply", "is_file", "load_start", "start_values"]

#: Starting-value rules by name: each returns a function (n_agents, dim, seed) -> values, or
#: None for the problem's own.
STARTS: Registry[Any] = Registry("initial values")

#: Suffixes of a file of starting values given as a bare path.
FILE_SUFFIXES = (".npy", ".csv")

_Draw = Any  # Callable[[int, int, int], Stack] | None


def is_file(spec: str) -> bool:
    """Return whether ``spec`` is a path to a file rather than a rule's name.

    Examples
    --------
    >>> is_file("starts/x0.npy"), is_file("normal:std=2"), is_file("file:path=a/x0.npy")
    (True, False, False)
    """
    text = spec.strip()
    if text.partition(":")[0].strip().lower() in STARTS:
        return False  # a rule, file:path=... included
    return "/" in text or os.sep in text or text.lower().endswith(FILE_SUFFIXES)


@STARTS.register("problem")
def problem_start() -> _Draw:
    """Start from the problem's own values (the default)."""
    return None


@STARTS.register("zeros")
def zeros() -> _Draw:
    """Start every agent at 0."""
    return lambda n_agents, dim, seed: np.zeros((n_agents, dim))


@STARTS.register("normal")
def normal(mean: float = 0.0, std: float = 1.0) -> _Draw:
    """Draw every entry from N(mean, std²), agent k from its own ``"start"`` stream."""
    if not std >= 0:
        raise ConfigError(f"initial normal: std = {std!r} is not valid; give a number >= 0")
    return _per_agent(lambda rng, dim: rng.normal(mean, std, dim))


@STARTS.register("uniform")
def uniform(low: float = -1.0, high: float = 1.0) -> _Draw:
    """Draw every entry from U[low, high), agent k from its own ``"start"`` stream."""
    if not high > low:
        raise ConfigError(
            f"initial uniform: low = {low!r}, high = {high!r} is not valid; give low < high"
        )
    return _per_agent(lambda rng, dim: rng.uniform(low, high, dim))


@STARTS.register("file")
def from_file(path: str = "") -> _Draw:
    """Start from a .npy or .csv file: (K, D), or one row (D,) for every agent."""
    if not path:
        raise ConfigError("initial file: give path=FILE.npy or path=FILE.csv")
    return lambda n_agents, dim, seed: load_start(path, n_agents, dim)


def _per_agent(draw: Any) -> _Draw:
    def values(n_agents: int, dim: int, seed: int) -> Stack:
        rows = [draw(stream(seed, "start", k), dim) for k in range(n_agents)]
        return np.vstack(rows).astype(np.float64) if rows else np.zeros((0, dim))

    return values


def start_values(spec: str, n_agents: int, dim: int, seed: int = 0) -> Stack | None:
    """Return the ``(n_agents, dim)`` starting values ``spec`` names (None: the problem's own).

    Examples
    --------
    >>> start_values("uniform:low=2,high=3", 2, 3, seed=1).min() >= 2
    np.True_
    >>> start_values("problem", 2, 3) is None
    True
    >>> start_values("gauss", 2, 3)
    Traceback (most recent call last):
    ...
    gossip_sim.errors.ConfigError: unknown initial values 'gauss'; valid: file, normal, ...
    """
    if is_file(spec):
        return load_start(spec.strip(), n_agents, dim)
    draw = STARTS.create(spec)
    return None if draw is None else np.asarray(draw(n_agents, dim, seed), dtype=np.float64)


def load_start(path: str | Path, n_agents: int, dim: int) -> Stack:
    """Read starting values from a ``.npy`` or ``.csv`` file, checked against (n_agents, dim).

    One row (shape ``(D,)`` or ``(1, D)``) is every agent's start. Refused in one line: a
    missing or unreadable file, a shape other than ``(n_agents, dim)`` or ``(dim,)``, a value
    that is not finite.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "x0.csv"
    >>> _ = f.write_text("1,2" + chr(10) + "3,4" + chr(10))
    >>> load_start(f, 2, 2).tolist()
    [[1.0, 2.0], [3.0, 4.0]]
    >>> load_start(f, 3, 2)
    Traceback (most recent call last):
    ...
    gossip_sim.errors.ConfigError: initial values file '...x0.csv' holds shape (2, 2); give (3, 2) (one row per agent) or (2,) (every agent's start)
    """  # noqa: E501
    file = Path(path)
    name = str(file)
    if not file.is_file():
        raise ConfigError(f"initial values file {name!r} does not exist")
    values = _read(file)
    if values.ndim == 2 and values.shape[0] == 1:
        values = values[0]
    if values.shape not in ((n_agents, dim), (dim,)):
        raise ConfigError(
            f"initial values file {name!r} holds shape {values.shape}; give ({n_agents}, {dim}) "
            f"(one row per agent) or ({dim},) (every agent's start)"
        )
    bad = np.argwhere(~np.isfinite(values))
    if bad.size:
        where = tuple(int(i) for i in bad[0])
        raise ConfigError(
            f"initial values file {name!r} holds {values[where]} at index {where}; give "
            "finite numbers"
        )
    return np.broadcast_to(values, (n_agents, dim)).astype(np.float64, copy=True)


def _read(file: Path) -> np.ndarray[Any, Any]:
    suffix = file.suffix.lower()
    if suffix not in FILE_SUFFIXES:
        raise ConfigError(
            f"initial values file {str(file)!r} is not a .npy or .csv file; give one of those"
        )
    try:
        if suffix == ".npy":
            data = np.load(file, allow_pickle=False)
        else:
            data = np.loadtxt(file, delimiter=",", comments="#", ndmin=2, dtype=np.float64)
        return np.asarray(data, dtype=np.float64)
    except (OSError, ValueError, TypeError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ConfigError(
            f"cannot read initial values file {str(file)!r}: {reason}; give a .npy array or "
            "comma-separated numbers"
        ) from None


class Started:
    """A problem whose ``initial()`` gives other starting values; everything else is its own.

    For an averaging problem the error and ``target`` are those of the new start's average.

    Parameters
    ----------
    problem : Problem
        The problem as created.
    values : ndarray, shape (n_agents, dim)
        The starting values.

    Examples
    --------
    >>> p = gs.problems.create("consensus", n_agents=2, dim=1)
    >>> s = Started(p, np.array([[0.0], [2.0]]))
    >>> s.error(s.initial()), s.target.tolist(), s.name
    (1.0, [1.0], 'consensus')
    """

    def __init__(self, problem: Any, values: Stack) -> None:
        self._problem = problem
        self._values = np.array(values, dtype=np.float64)
        self._values.setflags(write=False)
        if not is_optimisation(problem):
            self.target = self._values.mean(axis=0)
            self.error = self._distance_to_average

    def initial(self) -> Stack:
        """Return the starting values (a fresh copy)."""
        return self._values.copy()

    def _distance_to_average(self, values: Stack) -> float:
        deviation = values - self.target
        return float(np.einsum("ij,ij->", deviation, deviation)) / values.shape[0]

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name == "_problem":
            raise AttributeError(name)
        return getattr(self._problem, name)

    def __repr__(self) -> str:
        return f"Started({self._problem!r})"


def apply(spec: str, problem: Any, *, seed: int = 0) -> Any:
    """Return ``problem`` starting from the values ``spec`` names (itself for ``problem``).

    Examples
    --------
    >>> p = gs.problems.create("consensus", n_agents=2, dim=2)
    >>> s = apply("zeros", p, seed=0)
    >>> s.error(s.initial()), gs.problems.is_optimisation(s)
    (0.0, False)
    """
    values = start_values(spec, problem.n_agents, problem.dim, seed)
    return problem if values is None else Started(problem, values)
