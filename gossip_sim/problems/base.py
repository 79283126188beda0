"""What a problem gives an algorithm: the agents' data, starting values and error measure.

Examples
--------
>>> p = gs.problems.create("consensus", n_agents=4, dim=3, seed=0)
>>> p.initial().shape
(4, 3)
"""

from __future__ import annotations

from typing import Any, Protocol

from gossip_sim._registry import Registry
from gossip_sim._typing import Stack

__all__ = ["PROBLEMS", "Problem", "consensus_error", "create"]

PROBLEMS: Registry[Any] = Registry("problem")


class Problem(Protocol):
    """An objective split over ``n_agents`` agents in dimension ``dim``."""

    name: str
    n_agents: int
    dim: int
    error_name: str

    def initial(self) -> Stack:
        """Return the agents' starting values, shape ``(n_agents, dim)``."""
        ...

    def error(self, values: Stack) -> float:
        """Return the error measure of the agents' values (what ``target`` refers to)."""
        ...


def consensus_error(values: Stack) -> float:
    """Return (1/K) Σ_i ‖x_i − x̄‖², how far the agents are from agreeing.

    Examples
    --------
    >>> gs.problems.consensus_error(np.array([[0.0, 0.0], [2.0, 0.0]]))
    1.0
    """
    deviation = values - values.mean(axis=0, keepdims=True)
    return float(deviation.ravel() @ deviation.ravel()) / values.shape[0]


def create(spec: Any, *, n_agents: int, dim: int, seed: int = 0) -> Problem:
    """Return the problem named by ``spec`` (``"consensus"``), or ``spec`` itself if it is one."""
    if not isinstance(spec, str):
        return spec
    return PROBLEMS.create(spec, n_agents=n_agents, dim=dim, seed=seed)
