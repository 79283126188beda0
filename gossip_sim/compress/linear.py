"""Random linear compression of Song et al.: F(x) = Bx, F̃(y) = Bᵀy, then any quantiser.

B is an H × D Gaussian matrix with entries N(0, 1/H), drawn from the run's shared seed, so every
agent holds the same B and it never travels. The payload is the inner quantiser's payload of the
H-dimensional Bx; the receiver decodes y and applies Bᵀ. With H ≥ N (the samples), the
overparameterised problems of Song et al. keep their optimum in B's row space (Thm 4.2).

``inner`` is any compressor: on the command line write ``linear:h=64+qsgd:s=16`` (the part after
``+`` is the inner quantiser, see :func:`gossip_sim.compress.create`), from Python pass an object.

Examples
--------
>>> lin = Linear(h=3)
>>> x = np.ones((2, 10))
>>> state = lin.init(x.shape, seed=7)
>>> batch, _ = lin.encode(x, state, None)
>>> batch.nbits.tolist()  # 3 float64 values
[192, 192]
>>> y, _ = lin.decode(batch, state)
>>> y.shape
(2, 10)
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from gossip_sim._random import stream
from gossip_sim._typing import Stack
from gossip_sim.compress.base import Compressor, PayloadBatch
from gossip_sim.compress.identity import Identity
from gossip_sim.compress.registry import COMPRESSORS, create
from gossip_sim.errors import ConfigError

__all__ = ["Linear", "LinearState", "gaussian_sketch"]


def gaussian_sketch(h: int, dim: int, seed: int) -> Stack:
    """Return the H × D matrix B with N(0, 1/H) entries that seed ``seed`` gives every agent.

    Examples
    --------
    >>> B = gaussian_sketch(2000, 3, seed=1)
    >>> bool(np.allclose(B.T @ B, np.eye(3), atol=0.1))  # E[BᵀB] = I
    True
    """
    return stream(seed, "shared", 2**32 - 1).normal(0.0, 1.0 / np.sqrt(h), size=(h, dim))


@dataclass(frozen=True)
class LinearState:
    """B (shared by every agent) and the inner compressor's state."""

    B: Stack
    inner: Any


@dataclass(frozen=True)
class Linear:
    """F(x) = Bx quantised by ``inner``; the receiver returns F̃(y) = Bᵀy."""

    h: int = 64
    inner: Compressor = field(default_factory=Identity)

    def __post_init__(self) -> None:
        if isinstance(self.h, bool) or not isinstance(self.h, int) or self.h < 1:
            raise ConfigError(f"linear: h={self.h!r} is not valid; give an integer h >= 1 rows")

    def omega(self, dim: int) -> float:
        """Return 0: F̃∘F is a projection-like map, not a contraction of every x."""
        return 0.0

    def init(self, shape: tuple[int, int], seed: int = 0, agents: Any = None) -> LinearState:
        """Draw B from the shared seed and initialise the inner compressor on (K, H)."""
        k, dim = shape
        inner_state = self.inner.init((k, self.h), seed=seed, agents=agents)
        return LinearState(gaussian_sketch(self.h, dim, seed), inner_state)

    def compress(self, x: Stack, state: LinearState) -> Stack:
        """Return F(x) = Bx for every row (shape ``(K, H)``)."""
        return np.asarray(x) @ state.B.T

    def encode(self, x: Stack, state: LinearState, rng: Any) -> tuple[PayloadBatch, LinearState]:
        """Encode Bx with the inner compressor."""
        batch, inner = self.inner.encode(self.compress(x, state), state.inner, rng)
        return batch, replace(state, inner=inner)

    def decode(self, batch: PayloadBatch, state: LinearState) -> tuple[Stack, LinearState]:
        """Decode y and return Bᵀy."""
        y, inner = self.inner.decode(batch, state.inner)
        return y @ state.B, replace(state, inner=inner)


@COMPRESSORS.register("linear")
def linear(h: int = 64, inner: Any = "identity") -> Linear:
    """Song et al. random linear compression Bx (B Gaussian HxD from a shared seed), then inner."""
    return Linear(h=h, inner=create(inner))
