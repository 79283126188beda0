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


def _grid_index_fast(c: Stack, p: Stack, r: float, b: int) -> np.ndarray:
    """:func:`_grid_index` for a scalar radius, in place, as the smallest unsigned integers.

    The same float64 operations in the same order (``((c − p) + r + δ) / 2δ``, floor, clip),
    without the temporaries.
    """
    delta = _delta(r, b)
    index = np.subtract(c, p, dtype=np.float64)
    index += r
    index += delta
    index /= 2 * delta
    np.floor(index, out=index)
    np.clip(index, 0, 2**b - 1, out=index)
    return index.astype(bitops.uint_dtype(b))


def _grid_values_fast(index: np.ndarray, p: Stack, r: float, b: int) -> Stack:
    """:func:`_grid_values` for a scalar radius: ``(p − r) + (2δ · index)`` with 2δ · i tabulated.

    IEEE addition is commutative and the table holds the exact products, so the values are the
    ones the direct formula gives.
    """
    step = 2 * _delta(r, b)
    table = step * np.arange(2**b, dtype=np.float64) if b <= 16 else None
    offset = table.take(index) if table is not None else step * index
    values = np.subtract(p, r, dtype=np.float64)
    if values.shape != offset.shape:
        return values + offset
    values += offset
    return values


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
        index = _grid_index_fast(arr, state, self.r, self.b)
        k, dim = index.shape
        nbits = np.full(k, dim * self.b, dtype=np.int64)
        return PayloadBatch.from_rows(bitops.pack_uint(index, self.b), nbits), state

    def decode(self, batch: PayloadBatch, state: Stack) -> tuple[Stack, Stack]:
        """Return the grid points the indices name."""
        dim = int(batch.nbits[0]) // self.b if len(batch) else 0
        index = bitops.unpack_uint(batch.rows(), self.b, dim)
        return _grid_values_fast(index, state, self.r, self.b), state


@COMPRESSORS.register("grid")
def grid(b: int = 8, r: float = 1.0) -> Grid:
    """Song et al. Def. 4 grid quantiser: b bits per entry on [p - r, p + r] (p known to both)."""
    return Grid(b=b, r=float(r) if isinstance(r, (int, float)) and not isinstance(r, bool) else r)
