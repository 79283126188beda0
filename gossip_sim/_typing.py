"""Type aliases used across gossip-sim.

Examples
--------
>>> from gossip_sim._typing import Stack
>>> Stack
numpy.ndarray[...]
"""

from __future__ import annotations

from typing import TypeAlias

import numpy as np
from numpy.typing import NDArray

__all__ = ["Bits", "SeedLike", "SimTime", "Stack", "Vector"]

Vector: TypeAlias = NDArray[np.float64]
"""One agent's value, shape ``(D,)``."""

Stack: TypeAlias = NDArray[np.float64]
"""The values of all K agents stacked, shape ``(K, D)``; row ``i`` is agent ``i``."""

SimTime: TypeAlias = float
"""Simulated time in seconds (SimPy's clock)."""

Bits: TypeAlias = int
"""An exact number of bits."""

SeedLike: TypeAlias = int | np.random.SeedSequence | None
"""Anything :func:`gossip_sim._random.as_seed` accepts."""
