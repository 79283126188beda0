"""Where randomness enters gossip-sim: one seed per run, one stream per purpose (and agent).

Streams are derived with ``SeedSequence(seed, spawn_key=(PURPOSES[purpose], agent))`` so that
adding a new purpose never shifts the streams that already exist, and the same seed always gives
the same numbers. Nothing in gossip-sim uses NumPy's or Python's global random state.

Examples
--------
>>> a = gs._random.stream(7, "data", agent=2).random()
>>> b = gs._random.stream(7, "data", agent=2).random()
>>> a == b
True
>>> gs._random.stream(7, "data", agent=3).random() == a
False
"""

from __future__ import annotations

import numpy as np

from gossip_sim._typing import SeedLike
from gossip_sim.errors import ConfigError

__all__ = ["PURPOSES", "as_seed", "stream"]

#: Stable numbers of the purposes randomness is used for. Append new purposes; never renumber.
PURPOSES: dict[str, int] = {
    "topology": 0,
    "data": 1,
    "init": 2,
    "compress": 3,
    "network": 4,
    "algorithm": 5,
    "shared": 6,  # randomness sender and receiver both derive (e.g. random-k indices, matrix B)
    "loss": 7,  # message loss draws, one stream per link direction
    "crash": 8,  # which agents crash (one draw per run)
    "churn": 9,  # who leaves and joins, one stream per round
    "links": 10,  # random link failures, one stream per link
    "matching": 11,  # a random-matching topology's matching, one stream per round
    "stragglers": 12,  # compute times, one stream per agent
    "clock": 13,  # the agents' Poisson clocks of asynchronous algorithms
    "start": 14,  # drawn starting values (the run setting initial), one stream per agent
}


def as_seed(seed: SeedLike) -> int:
    """Return the run's integer seed, drawing a fresh one from the OS when ``seed`` is None.

    The drawn seed is meant to be written into the trace so the run can be repeated. A
    :class:`numpy.random.SeedSequence` made from one integer gives that integer; any other
    (entropy given as several integers, or a spawned child) gives a 63-bit integer drawn from
    its state, so different sequences give different seeds and the same one the same seed.

    Examples
    --------
    >>> gs._random.as_seed(42)
    42
    >>> gs._random.as_seed(np.random.SeedSequence(42))
    42
    >>> gs._random.as_seed(np.random.SeedSequence([1, 2])) == gs._random.as_seed(
    ...     np.random.SeedSequence([1, 2]))
    True
    >>> isinstance(gs._random.as_seed(None), int)
    True
    """
    if seed is None:
        return _from_sequence(np.random.SeedSequence())
    if isinstance(seed, np.random.SeedSequence):
        return _from_sequence(seed)
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ConfigError(f"seed={seed!r} is not valid; give a non-negative integer")
    return int(seed)


def _from_sequence(sequence: np.random.SeedSequence) -> int:
    entropy = sequence.entropy
    if isinstance(entropy, (int, np.integer)) and not sequence.spawn_key:
        return int(entropy) % (2**63)
    return int(sequence.generate_state(1, np.uint64)[0]) >> 1


def stream(seed: SeedLike, purpose: str, agent: int = 0) -> np.random.Generator:
    """Return the random generator for ``purpose`` (and ``agent``) of the run seeded by ``seed``.

    Parameters
    ----------
    seed : int
        The run's seed.
    purpose : str
        One of :data:`PURPOSES`.
    agent : int, optional
        Agent index (or any other sub-stream number, e.g. a round), default 0.

    Examples
    --------
    >>> gs._random.stream(1, "init").integers(0, 100)
    np.int64(...)
    """
    if purpose not in PURPOSES:
        raise ConfigError(f"unknown random purpose {purpose!r}; valid: {', '.join(PURPOSES)}")
    sequence = np.random.SeedSequence(as_seed(seed), spawn_key=(PURPOSES[purpose], int(agent)))
    return np.random.Generator(np.random.PCG64(sequence))
