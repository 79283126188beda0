"""The seed papers' lower and upper bounds on communicated bits, as functions.

Each function evaluates one theorem's formula **without the constant its Ω/O hides**
(logarithms to base 2, total bits over all agents) and returns a :class:`Bound` that says
whether the theorem's conditions hold. :func:`lower_bound_for` picks the lower bound that fits
a run's problem; :func:`ratio` compares the bits a run used with it. The reference page
``docs/reference/bounds.md`` writes every bound out.

Examples
--------
>>> lower = korhonen_alistarh_thm3(4, 8, beta0=1.0, eps=1e-3)
>>> upper = korhonen_alistarh_thm11(4, 8, beta0=1.0, eps=1e-3, kappa=4.0)
>>> lower.bits <= upper.bits, lower.kind, upper.kind
(True, 'lower', 'upper')
"""

from gossip_sim.bounds.base import Bound, ratio
from gossip_sim.bounds.dispatch import BOUND_KINDS, lower_bound_for
from gossip_sim.bounds.korhonen_alistarh import (
    KA_CONDITION_CONSTANT,
    alistarh_2017_upper,
    korhonen_alistarh_thm3,
    korhonen_alistarh_thm4,
    korhonen_alistarh_thm9,
    korhonen_alistarh_thm11,
    magnusson_upper,
    tsitsiklis_luo_upper,
)
from gossip_sim.bounds.song import (
    SONG_CONDITION_CONSTANT,
    song_thm31,
    song_thm32,
    song_thm41,
    song_thm42,
    song_thm43,
)

__all__ = [
    "BOUND_KINDS",
    "KA_CONDITION_CONSTANT",
    "SONG_CONDITION_CONSTANT",
    "Bound",
    "alistarh_2017_upper",
    "korhonen_alistarh_thm3",
    "korhonen_alistarh_thm4",
    "korhonen_alistarh_thm9",
    "korhonen_alistarh_thm11",
    "lower_bound_for",
    "magnusson_upper",
    "ratio",
    "song_thm31",
    "song_thm32",
    "song_thm41",
    "song_thm42",
    "song_thm43",
    "tsitsiklis_luo_upper",
]
