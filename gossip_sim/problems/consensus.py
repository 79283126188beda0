"""Average consensus: every agent starts with its own vector; all should reach their mean.

Examples
--------
>>> p = Consensus(n_agents=3, dim=2, seed=1)
>>> p.error(np.repeat(p.target[None, :], 3, axis=0))
0.0
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from gossip_sim._random import stream
from gossip_sim._typing import Stack, Vector
from gossip_sim.errors import ConfigError
from gossip_sim.problems.base import PROBLEMS

__all__ = ["Consensus"]

_DISTRIBUTIONS = ("normal", "uniform")


@dataclass(frozen=True)
class Consensus:
    """Agent ``i`` starts at ``x_i`` drawn from its own seeded stream (N(0, 1) or U[0, 1]).

    The error is (1/K) Σ_i ‖x_i − x̄⁽⁰⁾‖², the mean squared distance to the initial average.
    """

    n_agents: int
    dim: int
    seed: int = 0
    distribution: str = "normal"
    name: str = field(default="consensus", init=False)
    error_name: str = field(default="distance to the average", init=False)

    def __post_init__(self) -> None:
        if self.n_agents < 1:
            raise ConfigError(f"consensus: n_agents = {self.n_agents} is not valid; give 1 or more")
        if self.dim < 1:
            raise ConfigError(f"consensus: dim = {self.dim} is not valid; give 1 or more")
        if self.distribution not in _DISTRIBUTIONS:
            raise ConfigError(
                f"consensus: distribution = {self.distribution!r} is not valid; "
                f"use one of {', '.join(_DISTRIBUTIONS)}"
            )

    def initial(self) -> Stack:
        """Return the agents' starting vectors, one seeded stream per agent (a fresh copy)."""
        return self._start.copy()

    @cached_property
    def _start(self) -> Stack:
        # Drawn once: K generators cost ~1.5 s at K = 1e5, and a run asks for the start 3 times.
        rows = []
        for i in range(self.n_agents):
            rng = stream(self.seed, "data", i)
            draw = rng.standard_normal if self.distribution == "normal" else rng.random
            rows.append(draw(self.dim))
        return np.vstack(rows)

    @cached_property
    def target(self) -> Vector:
        """The average of the starting vectors, which every agent should reach."""
        return self._start.mean(axis=0)

    def error(self, values: Stack) -> float:
        """Return (1/K) Σ_i ‖x_i − x̄⁽⁰⁾‖²."""
        deviation = values - self.target
        return float(np.einsum("ij,ij->", deviation, deviation)) / self.n_agents


@PROBLEMS.register("consensus", optimisation=False)
def consensus(n_agents: int, dim: int, seed: int = 0, distribution: str = "normal") -> Consensus:
    """Average consensus of the agents' random starting vectors (N(0,1) or U[0,1] entries)."""
    return Consensus(n_agents, dim, seed, distribution)
