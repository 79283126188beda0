"""Pick the seed papers' lower bound that fits a finished run's problem and target.

Dispatch on ``problem.bound_kind`` (a problem without one, such as
:class:`~gossip_sim.problems.consensus.Consensus`, is ``"consensus"``):

* ``"quadratic"``: Korhonen & Alistarh Thm 3 (Thm 4 with ``randomised=True``) with
  N = n_agents, d = dim, β = β0·N, ε = target = F(x) − F*;
* ``"pl"``: Song et al. Thm 3.1 with K = n_agents, D = dim;
* ``"overparameterized"``: Song et al. Thm 3.2 with K = n_agents, N = Σ_k N_k;
* ``"consensus"``: Korhonen & Alistarh's quadratic instance, read as averaging (see
  :func:`lower_bound_for`).

Examples
--------
>>> from types import SimpleNamespace
>>> p = SimpleNamespace(n_agents=5, dim=100, bound_kind="pl")
>>> lower_bound_for(p, 1e-4, coordinator=True).name
'Song et al. Thm 3.1'
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

import numpy as np

from gossip_sim.bounds.base import Bound, count, positive
from gossip_sim.bounds.korhonen_alistarh import korhonen_alistarh_thm3, korhonen_alistarh_thm4
from gossip_sim.bounds.song import song_thm31, song_thm32
from gossip_sim.errors import ConfigError

__all__ = ["BOUND_KINDS", "lower_bound_for"]

#: The problem families :func:`lower_bound_for` knows.
BOUND_KINDS = ("consensus", "quadratic", "pl", "overparameterized")

_DECENTRALIZED = ("decentralized: the bound is for the coordinator model; routing every "
                  "message through a coordinator at most doubles the bits, so it holds up to "
                  "that factor 2")


def lower_bound_for(problem: Any, target: float, *, coordinator: bool,
                    randomised: bool = False) -> Bound:
    """Return the lower bound on total bits for reaching error ``target`` on ``problem``.

    Consensus is read as Korhonen & Alistarh's instance f_i(x) = ‖x − x_i‖² (β0 = 1): the
    average minimises F(x) = Σ_i ‖x − x_i‖², and F(x) − F* = N‖x − x̄‖², so a mean squared
    distance ``target`` to the average is an F-suboptimality ε = N·target. The paper's domain
    is [0, 1]^d; a problem with ``initial()`` is rescaled by the spread s = max − min of its
    starting values, ε = N·target/s². This is our interpretation, not a result of the paper.
    Quadratics with a ``domain_diameter`` W are rescaled likewise with s = W/√d (a cube of
    diameter W); without ``beta0``, β0 = smoothness/(2N), the smoothness of Σ_i β0‖x − x_i‖²
    being 2β0N.

    Parameters
    ----------
    problem
        An object with ``n_agents``, ``dim`` and, for optimisation problems, ``bound_kind``.
    target
        The error reached: F(x) − F* (quadratic, PL, overparameterised) or
        (1/K) Σ_i ‖x_i − x̄‖² (consensus).
    coordinator
        Whether the run used a coordinator (star with a hub holding no data). The value is
        the same either way; a decentralized run is noted in ``parameters['model']``.
    randomised
        Use Korhonen & Alistarh's randomised Thm 4 instead of Thm 3 (quadratic, consensus):
        the bound that holds for algorithms with random compressors.

    Returns
    -------
    Bound
        With ``parameters`` extended by the mapping used (``target``, ``eps``, ``model``...).

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> p = SimpleNamespace(n_agents=4, dim=8, initial=lambda: np.eye(4, 8))  # spread s = 1
    >>> b = lower_bound_for(p, 1e-3, coordinator=False)
    >>> b.bits == 4 * 8 * math.log2(8 / 1e-3)  # N d log2(d s² / target)
    True
    """
    target = positive("lower_bound_for", "target", target)
    kind = getattr(problem, "bound_kind", "consensus")
    if kind not in BOUND_KINDS:
        raise ConfigError(f"lower_bound_for: bound_kind = {kind!r} is not known; "
                          f"valid: {', '.join(BOUND_KINDS)}")
    n = count("lower_bound_for", "problem.n_agents", getattr(problem, "n_agents", None))
    d = count("lower_bound_for", "problem.dim", getattr(problem, "dim", None))
    model = "coordinator" if coordinator else _DECENTRALIZED
    if kind == "pl":
        bound = song_thm31(n, d, target)
    elif kind == "overparameterized":
        bound = song_thm32(n, _total_samples(problem), target)
    else:
        bound = _quadratic(problem, kind, n, d, target, randomised)
    return replace(bound, parameters={**bound.parameters, "target": target, "model": model,
                                      "bound_kind": kind})


def _quadratic(problem: Any, kind: str, n: int, d: int, target: float,
               randomised: bool) -> Bound:
    """Korhonen & Alistarh on a quadratic or consensus problem, rescaled to [0, 1]^d."""
    theorem = korhonen_alistarh_thm4 if randomised else korhonen_alistarh_thm3
    if kind == "consensus":
        spread = _spread(problem)
        if spread == 0:
            empty = theorem(n, d, 1.0, 1.0)
            return replace(empty, bits=0.0, log2_bits=-math.inf, applies=False,
                           reason="the starting values are all equal: nothing to average")
        eps, beta0, how = n * target / spread**2, 1.0, "consensus: eps = N target / spread^2"
        bound = theorem(n, d, beta0, eps)
        return replace(bound, name=f"{bound.name} (consensus as quadratic)",
                       parameters={**bound.parameters, "spread": spread, "mapping": how})
    beta0 = _beta0(problem, n)
    diameter = getattr(problem, "domain_diameter", None)
    side = 1.0 if diameter is None else positive("lower_bound_for", "domain_diameter",
                                                 diameter) / math.sqrt(d)
    bound = theorem(n, d, beta0, target / side**2)
    return replace(bound, parameters={**bound.parameters, "side": side,
                                      "mapping": "quadratic: eps = target / side^2"})


def _spread(problem: Any) -> float:
    """Return max − min of the problem's starting values (1 when it has no ``initial()``)."""
    initial = getattr(problem, "initial", None)
    if initial is None:
        return 1.0
    values = np.asarray(initial(), dtype=float)
    return float(values.max() - values.min())


def _beta0(problem: Any, n: int) -> float:
    """Return β0 of the quadratic instance: ``beta0``, else smoothness/(2N)."""
    beta0 = getattr(problem, "beta0", None)
    if beta0 is not None:
        return positive("lower_bound_for", "problem.beta0", beta0)
    smoothness = getattr(problem, "smoothness", None)
    if smoothness is None:
        raise ConfigError("lower_bound_for: a quadratic problem needs beta0 or smoothness; "
                          "give it one of them")
    return positive("lower_bound_for", "problem.smoothness", smoothness) / (2 * n)


def _total_samples(problem: Any) -> int:
    """Return N = Σ_k N_k of an overparameterised problem."""
    samples = getattr(problem, "samples_per_agent", None)
    if not samples:
        raise ConfigError("lower_bound_for: an overparameterized problem needs "
                          "samples_per_agent (N_k per agent) for Song et al. Thm 3.2")
    return count("lower_bound_for", "sum(samples_per_agent)", sum(samples))
