"""Lattice quantiser with arbitrary centring (Alistarh et al. 2020, Korhonen & Alistarh Cor. 10).

The lattice is the scaled integer lattice s·ℤ^d with s = 2ε/√d, so rounding x to its nearest
point z·s moves it by at most s√d/2 = ε in ℓ₂ (accuracy). Only z mod m travels, ⌈log₂ m⌉ bits
per coordinate, with m = 2⌊R/s⌋ + 3. The receiver knows a reference q (the compressor's state)
and decodes each coordinate to the integer ≡ z (mod m) nearest round(q/s): that is z itself
whenever |z_j − round(q_j/s)| ≤ (m − 1)/2, which ‖x − q‖₂ ≤ R guarantees (validity).

Bit cost, :func:`lattice_bits`: B = d⌈log₂(2⌊R√d/(2ε)⌋ + 3)⌉ = O(d log(√d/λ)) for ε = λR.
Corollary 10 states O(d log 1/λ): the cubic lattice pays an extra ~(d/2) log₂ d bits over the
better lattices Alistarh et al. use; this is documented, not hidden.

Outside the radius the decoded value would silently be wrong, so :meth:`Lattice.encode` checks
the exact decodability condition against the reference (the sender knows q too, in the
algorithms that use it) and raises :class:`~gossip_sim.errors.DecodeError` instead.

Examples
--------
>>> lat = Lattice(eps=0.01, radius=1.0)
>>> q = np.zeros((1, 4))
>>> x = np.array([[0.3, -0.2, 0.5, 0.1]])
>>> batch, _ = lat.encode(x, q, None)
>>> int(batch.nbits[0]) == lattice_bits(4, 1.0, 0.01)
True
>>> y, _ = lat.decode(batch, q)
>>> bool(np.linalg.norm(y - x) <= 0.01)
True
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from gossip_sim._typing import Stack
from gossip_sim.compress import bits as bitops
from gossip_sim.compress.base import PayloadBatch, check_finite
from gossip_sim.compress.registry import COMPRESSORS
from gossip_sim.errors import ConfigError, DecodeError

__all__ = ["Lattice", "lattice_bits"]


def _spacing(dim: int, eps: float) -> float:
    return 2.0 * eps / math.sqrt(dim)


def _modulus(dim: int, radius: float, eps: float) -> int:
    return 2 * math.floor(radius / _spacing(dim, eps)) + 3


def lattice_bits(dim: int, radius: float, eps: float) -> int:
    """Return the payload bits of one lattice message: d⌈log₂ m⌉, m = 2⌊R√d/(2ε)⌋ + 3.

    Examples
    --------
    >>> lattice_bits(100, radius=1.0, eps=0.01)  # m = 2*500 + 3 = 1003 → 10 bits per entry
    1000
    """
    return dim * bitops.width_for(_modulus(dim, radius, eps))


def _rint_int(values: Stack, spacing: float) -> np.ndarray:
    """Return ``rint(values / spacing)`` as int64, with one float temporary."""
    scaled = np.divide(values, spacing, dtype=np.float64)
    return np.rint(scaled, out=scaled).astype(np.int64)


@dataclass(frozen=True)
class Lattice:
    """Lattice quantiser: ℓ₂ error ≤ ``eps`` for inputs within ``radius`` of the reference."""

    eps: float = 1e-3
    radius: float = 1.0

    def __post_init__(self) -> None:
        for name, value in (("eps", self.eps), ("radius", self.radius)):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ConfigError(f"lattice: {name}={value!r} is not a number")
            if not (math.isfinite(value) and value > 0):
                raise ConfigError(f"lattice: {name}={value!r} is not valid; give {name} > 0")

    def omega(self, dim: int) -> float:
        """Return 0: the lattice quantises around a reference, it is not a contraction of x."""
        return 0.0

    def init(self, shape: tuple[int, int], seed: int = 0, agents: Any = None) -> Stack:
        """Return the starting reference q = 0 (shape ``(K, d)``)."""
        return np.zeros(shape)

    def encode(self, x: Stack, state: Stack, rng: Any) -> tuple[PayloadBatch, Stack]:
        """Round to the lattice and send the coordinates modulo m."""
        arr = check_finite(x, "lattice")
        dim = arr.shape[1]
        spacing, modulus = _spacing(dim, self.eps), _modulus(dim, self.radius, self.eps)
        scaled = np.divide(arr, spacing)
        z = np.rint(scaled, out=scaled).astype(np.int64)
        offset = _rint_int(np.asarray(state), spacing)
        np.subtract(z, offset, out=offset)
        np.abs(offset, out=offset)
        bad = np.flatnonzero(offset.max(axis=1, initial=0) > (modulus - 1) // 2)
        if bad.size:
            row = int(bad[0])
            distance = float(np.linalg.norm(arr[row] - np.asarray(state)[row]))
            raise DecodeError(
                f"lattice: row {row} is {distance:.4g} from the reference, outside the "
                f"decodable radius {self.radius:g}; the receiver would decode a wrong value "
                "(raise radius, or bring the reference closer)"
            )
        width = bitops.width_for(modulus)
        np.remainder(z, modulus, out=z)
        nbits = np.full(z.shape[0], dim * width, dtype=np.int64)
        return PayloadBatch.from_rows(bitops.pack_uint(z, width), nbits), state

    def decode(self, batch: PayloadBatch, state: Stack) -> tuple[Stack, Stack]:
        """Recover z as the representative of its residue nearest to round(q/s)."""
        reference = np.asarray(state)
        dim = reference.shape[1]
        spacing, modulus = _spacing(dim, self.eps), _modulus(dim, self.radius, self.eps)
        residue = bitops.unpack_uint(batch.rows(), bitops.width_for(modulus), dim)
        centre = _rint_int(reference, spacing)
        half = (modulus - 1) // 2
        z = np.subtract(residue, centre, dtype=np.int64)
        z += half
        np.remainder(z, modulus, out=z)
        z += centre
        z -= half
        return np.multiply(z, spacing), state


@COMPRESSORS.register("lattice")
def lattice(eps: float = 1e-3, radius: float = 1.0) -> Lattice:
    """Lattice quantiser (K&A Cor. 10): l2 error <= eps within radius of the reference."""
    return Lattice(eps=eps, radius=radius)
