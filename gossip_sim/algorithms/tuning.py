"""``gamma = "tune"``: CHOCO's consensus step size picked by short trial runs, as papers tune it.

Koloskova et al. (2019) prove their rates with γ of Theorem 2 (``"theory"``), a value 10 to
100 times smaller than what converges fastest, and run their experiments with a tuned γ.
``"tune"`` does that search for the run; the choices the paper leaves open are ours:

* the grid is :data:`GRID`, γ ∈ {1, 1/2, 1/4, …, 1/1024} (powers of two, 11 values: within a
  factor 2 of any γ in [1/1024, 1], whatever the compressor's ω);
* each γ runs :data:`TUNE_ROUNDS` = 200 rounds of the same algorithm on the same problem (its
  own starting values, data and seed: the same random streams as the real run), off the
  record: no bits, no time, nothing in the trace;
* a trial stops early, as diverged, once its error exceeds :data:`BLOW_UP` = 1000 times its
  starting error or is not finite (checked every 10 rounds);
* the pick is the γ with the lowest error (the problem's error measure) after those rounds; a
  tie goes to the larger γ.

Why 200 rounds: with 50, a ring of 16 with ``topk:k=0.1`` picked γ = 1/2, which is still the
best at round 100 and diverges at round 568; at 200 rounds its error is already growing and
γ = 1/4 wins (target 1e-8 in 807 rounds). A γ that stays stable for 200 rounds and fails
later can still be picked: the engine stops such a run with its divergence message.

Deterministic: the same configuration tunes to the same γ. The cost is at most
``len(GRID) × TUNE_ROUNDS`` = 2200 extra rounds before the run starts (fewer: large γ that
diverge stop early). The chosen γ is the run's ``gamma``, ``gamma_rule`` is ``"tune"`` and
every trial's error is in ``gamma_trials`` (``describe()``, ``summary.json``).

Examples
--------
>>> import networkx as nx
>>> g = nx.cycle_graph(6)
>>> W = gs.mixing.mixing_matrix("metropolis-hastings", g)
>>> p = gs.problems.create("consensus", n_agents=6, dim=4)
>>> alg = gs.algorithms.create("choco-gossip", g, W, p, compressor="topk:k=2", gamma="tune")
>>> alg.gamma in GRID, alg.describe()["gamma_rule"]
(True, 'tune')
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from gossip_sim.errors import ConfigError

__all__ = ["BLOW_UP", "GRID", "TUNE_ROUNDS", "trials_described", "tune_gamma"]

#: The consensus step sizes tried, largest first: 1, 1/2, ..., 1/1024.
GRID: tuple[float, ...] = tuple(2.0**-i for i in range(11))

#: Rounds each γ of the grid runs before its error is compared.
TUNE_ROUNDS = 200

#: A trial whose error exceeds its starting error by this factor has diverged (stopped early).
BLOW_UP = 1e3


def tune_gamma(
    make: Callable[[float], Any],
    *,
    grid: tuple[float, ...] = GRID,
    rounds: int = TUNE_ROUNDS,
    who: str = "choco-gossip",
) -> tuple[float, dict[float, float]]:
    """Return the γ of ``grid`` whose ``rounds``-round trial ends with the lowest error.

    Parameters
    ----------
    make : callable
        ``make(gamma)`` returns a fresh algorithm with that numeric γ (its ``step(t)`` returns
        a round whose ``values`` the algorithm's ``problem.error`` measures).
    grid : tuple of float
        The γ tried, in order; a tie keeps the earlier one.
    rounds : int
        Rounds of each trial.
    who : str
        The algorithm's name, for the refusal when every trial diverges.

    Returns
    -------
    gamma : float
        The chosen γ.
    trials : dict
        Every γ tried and its error after ``rounds`` rounds (inf for a trial that diverged).

    Examples
    --------
    >>> class Toy:  # error |1 - γ|^rounds: γ = 1 is best
    ...     def __init__(self, g): self.g, self.problem, self.values0 = g, self, 1.0
    ...     def step(self, t): return type("R", (), {"values": (1 - self.g) ** (t + 1)})
    ...     def error(self, v): return abs(v)
    >>> tune_gamma(Toy, grid=(0.5, 1.0), rounds=3)
    (1.0, {0.5: 0.125, 1.0: 0.0})
    """
    trials = {gamma: _trial(make(gamma), rounds) for gamma in grid}
    best = min(trials, key=lambda g: (trials[g], grid.index(g)))
    if not math.isfinite(trials[best]):
        raise ConfigError(
            f"{who}: gamma='tune' found no step size in {grid[-1]:g}..{grid[0]:g} that does not "
            f"diverge within {rounds} rounds; give gamma a number or 'theory'"
        )
    return best, trials


def _trial(algorithm: Any, rounds: int) -> float:
    """Return the error after ``rounds`` rounds of ``algorithm`` (inf if it blows up).

    A trial stops early, as diverged, once its error is not finite or exceeds
    :data:`BLOW_UP` times its starting error (every 10 rounds checked: most of a large γ's
    trial is not run).
    """
    with np.errstate(all="ignore"):
        start = _error(algorithm, algorithm.values0)
        limit = BLOW_UP * start if math.isfinite(start) and start > 0 else math.inf
        error = start
        for t in range(rounds):
            values = algorithm.step(t).values
            if (t + 1) % 10 == 0 or t + 1 == rounds:
                error = _error(algorithm, values)
                if not error <= limit:  # nan and inf too
                    return math.inf
    return error


def _error(algorithm: Any, values: Any) -> float:
    try:
        error = float(algorithm.problem.error(values))
    except (FloatingPointError, OverflowError, ValueError):
        return math.inf
    return error if math.isfinite(error) else math.inf


def trials_described(trials: dict[float, float] | None) -> dict[str, Any]:
    """Return what ``describe()`` adds for a tuned γ: each trial's error (nothing if untuned).

    Examples
    --------
    >>> trials_described({1.0: 0.5, 0.5: float("inf")})
    {'gamma_rule': 'tune', 'gamma_trials': {'1.0': 0.5, '0.5': 'diverged'}}
    >>> trials_described(None)
    {}
    """
    if trials is None:
        return {}
    shown = {repr(g): (e if math.isfinite(e) else "diverged") for g, e in trials.items()}
    return {"gamma_rule": "tune", "gamma_trials": shown}
