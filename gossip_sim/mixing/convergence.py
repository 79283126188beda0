"""Whether gossip with W converges: :func:`check_convergence` refuses a W whose spectrum forbids it.

Gossip x ← Wx with a symmetric, doubly stochastic W drives every agent to the average exactly
when every eigenvalue of W other than the 1 of the ones vector has modulus below 1: the
disagreement shrinks by |λ2| per round, the *second-largest eigenvalue modulus* (SLEM). The
gossip and decentralized algorithms (CHOCO-GOSSIP, CHOCO-SGD, DGD, ...) rest on the same
condition, a spectral gap δ = 1 − |λ2| > 0. Two kinds of W that pass every check of
:func:`~gossip_sim.mixing.check_mixing_matrix` fail it: a second eigenvalue 1 (W = I, or a W
that gives some links no weight, so the agents never mix) and an eigenvalue ≤ −1 (a W with
negative or zero diagonal entries that flips the disagreement's sign instead of shrinking it).

Examples
--------
>>> import networkx as nx
>>> W = gs.mixing.mixing_matrix("metropolis-hastings", nx.cycle_graph(5))
>>> gs.mixing.check_convergence(W) == gs.mixing.spectral_gap(W)
True
>>> gs.mixing.check_convergence(np.eye(3))
Traceback (most recent call last):
...
gossip_sim.errors.ConfigError: W has a second eigenvalue 1, spectral gap 0 (W = I, or links ...
"""

from __future__ import annotations

import scipy.sparse as sp
from numpy.typing import ArrayLike

from gossip_sim.errors import ConfigError
from gossip_sim.mixing.rules import MIXING_RULES
from gossip_sim.mixing.spectral import second_eigenvalue

__all__ = ["MIN_SPECTRAL_GAP", "check_convergence", "converges"]

MIN_SPECTRAL_GAP = 1e-12
"""Smallest spectral gap taken as above 0: below it, |λ2| is 1 to the eigensolvers' accuracy."""

_REMEDY_RULES = ("lazy", "metropolis-hastings")  # the rules whose W always converges


def converges(gap: float) -> bool:
    """Return whether gossip with a W of this spectral gap converges (gap > ``MIN_SPECTRAL_GAP``).

    Parameters
    ----------
    gap : float
        1 − |λ2| of W, as :func:`~gossip_sim.mixing.spectral_gap` returns it.

    Returns
    -------
    bool

    Examples
    --------
    >>> gs.mixing.converges(0.2), gs.mixing.converges(0.0), gs.mixing.converges(-0.15)
    (True, False, False)
    """
    return gap > MIN_SPECTRAL_GAP


def _why(value: float | complex, gap: float, what: str, who: str) -> str:
    """Return the one-line refusal for a W whose second eigenvalue ``value`` has modulus ≥ 1."""
    lazy, mh = (MIXING_RULES.entry(name).name for name in _REMEDY_RULES)
    need = "(it needs |λ| < 1 for every eigenvalue of W but the ones vector's 1)"
    if isinstance(value, complex) or value < 0:
        found = (
            f"an eigenvalue {value:.4g} of modulus {abs(value):.4g}"
            if isinstance(value, complex)
            else f"an eigenvalue of {value:.4g} (<= -1)"
        )
        return (
            f"{what} has {found}, spectral gap {gap:.4g}, so {who} would not converge {need}; "
            f"use the rule '{lazy}' (W = (I + W')/2, eigenvalues in [0, 1]) or '{mh}'"
        )
    return (
        f"{what} has a second eigenvalue {value:.6g}, spectral gap {gap:.3g} (W = I, or links "
        f"without weight), so {who} never mixes the agents' values {need}; give the links "
        f"positive weights, e.g. the rule '{mh}'"
    )


def check_convergence(
    W: ArrayLike | sp.sparray | sp.spmatrix, *, what: str = "W", who: str = "gossip"
) -> float:
    """Return the spectral gap of W after refusing a W with which gossip cannot converge.

    Refuses a W whose second-largest eigenvalue modulus |λ2| is not below 1 (its gap not above
    :data:`MIN_SPECTRAL_GAP`), naming that eigenvalue. The eigenvalue comes from
    :func:`~gossip_sim.mixing.second_eigenvalue` (dense LAPACK up to
    :data:`~gossip_sim.mixing.spectral.DENSE_MAX` agents, sparse ARPACK above), and the gap
    returned is exactly :func:`~gossip_sim.mixing.spectral_gap` of W, so a caller can keep it.

    Parameters
    ----------
    W : array_like or sparse matrix, shape (K, K)
        A mixing matrix that passed :func:`~gossip_sim.mixing.check_mixing_matrix`.
    what : str, default "W"
        What W is, for the message (e.g. ``"mixing 'my-W.csv'"``).
    who : str, default "gossip"
        Who mixes with W, for the message (an algorithm's name).

    Returns
    -------
    float
        The spectral gap 1 − |λ2|, in (0, 1].

    Raises
    ------
    ConfigError
        If |λ2| ≥ 1: one line naming λ2, the gap and what would be valid.

    Examples
    --------
    >>> gs.mixing.check_convergence(np.full((2, 2), 0.5))
    1.0
    >>> gs.mixing.check_convergence(np.array([[0.0, 1.0], [1.0, 0.0]]), who="exact-gossip")
    Traceback (most recent call last):
    ...
    gossip_sim.errors.ConfigError: W has an eigenvalue of -1 (<= -1), spectral gap 0, so exact-...
    """
    value = second_eigenvalue(W)
    gap = 1.0 - float(abs(value))
    if not converges(gap):
        raise ConfigError(_why(value, gap, what, who))
    return gap
