"""The adaptive grid quantiser of Song et al., Definition 4: quant(c, p, r, b).

A grid of 2^b points with spacing 2δ, δ = r / (2^b − 1), spans [p − r, p + r] in every
coordinate; each entry of c goes to its nearest grid point (entries outside the box to its
edge). Sender and receiver both know the centre p (the compressor's *state*) and the radius r
(a parameter), so only the b-bit grid indices travel: exactly H · b bits for H entries.

Lemma 4.1: if ‖c − p‖∞ ≤ r then ‖quant(c, p, r, b) − c‖∞ ≤ r / (2^b − 1).

Note: the paper's first two cases read "p_j − r if p_j ≤ c_j − r + δ" and "p_j + r if
p_j ≥ c_j + r − δ"; taken literally they send c near p + r to p − r, contradicting Lemma 4.1.
This implementation uses the nearest grid point (clamped), which satisfies the lemma.

The centre does not move by itself: algorithms (Song et al. Algorithm 1) set the state to the
new centre with :meth:`Grid.centred` and change r with ``dataclasses.replace``. The grid is not
a contraction of x (it quantises around p, not 0), so it cannot drive CHOCO-GOSSIP alone.

Examples
--------
>>> grid = Grid(b=2, r=1.0)
>>> c = np.array([[0.1, 0.9, -2.0]])
>>> batch, _ = grid.encode(c, grid.init(c.shape), None)
>>> int(batch.nbits[0])
6
>>> grid.decode(batch, grid.init(c.shape))[0].round(4).tolist()  # grid -1, -1/3, 1/3, 1
[[0.3333, 1.0, -1.0]]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from gossip_sim._typing import Stack
from gossip_sim.compress import bits as bitops
from gossip_sim.compress.base import PayloadBatch, check_finite
from gossip_sim.compress.registry import COMPRESSORS
from gossip_sim.errors import ConfigError

__all__ = ["Grid", "quant"]


def quant(c: Stack, p: Stack, r: float, b: int) -> Stack:
    """Return Definition 4's quant(c, p, r, b) (nearest point of the grid, clamped to the box).

    Examples
    --------
    >>> quant(np.array([0.26]), np.array([0.0]), r=1.0, b=3).round(4).tolist()  # grid ±1/7, ±3/7…
    [0.1429]
    """
    return _grid_values(_grid_index(c, p, r, b), p, r, b)


def _delta(r: float | Stack, b: int) -> float | Stack:
    return r / (2**b - 1)


def _grid_index(c: Stack, p: Stack, r: float | Stack, b: int) -> np.ndarray:
    delta = _delta(r, b)
    index = np.floor((np.asarray(c) - p + r + delta) / (2 * delta))
    return np.clip(index, 0, 2**b - 1).astype(np.int64)


def _grid_values(index: np.ndarray, p: Stack, r: float | Stack, b: int) -> Stack:
    return p - r + 2 * _delta(r, b) * index


@dataclass(frozen=True)
class Grid:
    """Definition 4's quantiser with ``b`` bits per entry on a box of radius ``r`` around p."""

    b: int = 8
    r: float = 1.0

    def __post_init__(self) -> None:
        if isinstance(self.b, bool) or not isinstance(self.b, int) or not 1 <= self.b <= 62:
            raise ConfigError(f"grid: b={self.b!r} is not valid; give an integer 1 <= b <= 62")
        if not (isinstance(self.r, (int, float)) and np.isfinite(self.r) and self.r > 0):
            raise ConfigError(f"grid: r={self.r!r} is not valid; give a radius r > 0")

    @property
    def resolution(self) -> float:
        """Lemma 4.1's worst-case error r / (2^b − 1) inside the box."""
        return float(_delta(self.r, self.b))

    def omega(self, dim: int) -> float:
        """Return 0: the grid is not a contraction of x; it needs a moving centre."""
        return 0.0

    def init(self, shape: tuple[int, int], seed: int = 0, agents: Any = None) -> Stack:
        """Return the starting centre p = 0 (shape ``(K, H)``)."""
        return np.zeros(shape)

    @staticmethod
    def centred(p: Stack) -> Stack:
        """Return the state for centre ``p`` (what both ends set before the next message)."""
        return np.array(p, dtype=np.float64)

    def index_of(self, c: Stack, p: Stack, r: float | Stack) -> np.ndarray:
        """Return the b-bit grid index of each entry of ``c`` on the box ``p ± r``.

        ``r`` may be an array broadcasting against ``c`` (one radius per row, say); the
        algorithms that move the radius (Song et al. Algorithm 1) use this directly.

        Examples
        --------
        >>> Grid(b=2).index_of(np.array([[0.1, 0.9]]), np.zeros((1, 2)), np.array([[1.0]]))
        array([[2, 3]])
        """
        return _grid_index(c, p, r, self.b)

    def values_of(self, index: np.ndarray, p: Stack, r: float | Stack) -> Stack:
        """Return the grid points that ``index`` names on the box ``p ± r``.

        Examples
        --------
        >>> Grid(b=2).values_of(np.array([[0, 3]]), np.zeros((1, 2)), 1.0).tolist()
        [[-1.0, 1.0]]
        """
        return _grid_values(index, p, r, self.b)

    def encode(self, x: Stack, state: Stack, rng: Any) -> tuple[PayloadBatch, Stack]:
        """Send each entry's grid index in b bits."""
        arr = check_finite(x, "grid")
        index = _grid_index(arr, state, self.r, self.b)
        return bitops.pack_fixed(bitops.uint_bits(index, self.b)), state

    def decode(self, batch: PayloadBatch, state: Stack) -> tuple[Stack, Stack]:
        """Return the grid points the indices name."""
        index = bitops.bits_uint(bitops.unpack_fixed(batch), self.b)
        return _grid_values(index, state, self.r, self.b), state


@COMPRESSORS.register("grid")
def grid(b: int = 8, r: float = 1.0) -> Grid:
    """Song et al. Def. 4 grid quantiser: b bits per entry on [p - r, p + r] (p known to both)."""
    return Grid(b=b, r=float(r) if isinstance(r, (int, float)) and not isinstance(r, bool) else r)
