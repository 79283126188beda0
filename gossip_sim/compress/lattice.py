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


def _rint_scaled(values: Stack, spacing: float) -> np.ndarray:
    """Return ``rint(values / spacing)`` as float64 (integers, exact while below 2**53)."""
    scaled = np.divide(values, spacing, dtype=np.float64)
    return np.rint(scaled, out=scaled)


_EXACT = 2.0**50


def _blockable(x: Stack | None, reference: Stack, spacing: float, modulus: int) -> bool:
    """Whether every lattice coordinate (and the modulus) is below 2**50 in magnitude.

    Then float64 holds every integer the codec computes (differences, ``z + half``, ``q · m``)
    exactly, and the float path below gives the int64 results bit for bit.
    """
    arrays = [a for a in (x, reference) if a is not None and a.size]
    bound = max((max(-float(a.min()), float(a.max())) for a in arrays), default=0.0)
    return modulus < _EXACT and bound / spacing < _EXACT - 1


def _remainder_into(v: np.ndarray, modulus: int, scratch: np.ndarray, mask: np.ndarray) -> None:
    """Replace the integers in float array ``v`` by ``v mod modulus`` in ``[0, modulus)``.

    ``v − m⌊v · (1/m)⌋``, corrected by one m where the rounded quotient crossed an integer:
    exact for |v| < 2**50, and several times faster than the int64 division.

    Examples
    --------
    >>> v = np.array([-7.0, 7.0, 0.0, 12.0, -12.0])
    >>> _remainder_into(v, 3, np.empty(5), np.empty(5, dtype=bool))
    >>> v.tolist()
    [2.0, 1.0, 0.0, 0.0, 0.0]
    """
    np.multiply(v, 1.0 / modulus, out=scratch)  # off by at most one: corrected below
    np.floor(scratch, out=scratch)
    scratch *= modulus
    v -= scratch
    np.less(v, 0, out=mask)
    np.add(v, modulus, out=v, where=mask)
    np.greater_equal(v, modulus, out=mask)
    np.subtract(v, modulus, out=v, where=mask)


def _encode_blocks(
    x: Stack, reference: Stack, spacing: float, modulus: int, width: int
) -> tuple[np.ndarray, np.ndarray]:
    """Return the residues z mod m and each row's largest |z − round(q/s)|, block by block."""
    k, dim = x.shape
    residue = np.empty((k, dim), dtype=bitops.uint_dtype(width))
    furthest = np.zeros(k)
    size = min(bitops.BLOCK, k * dim)
    z_buf, c_buf, mask_buf = np.empty(size), np.empty(size), np.empty(size, dtype=np.bool_)
    reference = np.broadcast_to(reference, x.shape)
    for rows, cols in bitops.blocks(k, dim):
        block = x[rows, cols]
        n, shape = block.size, block.shape
        z, c = z_buf[:n].reshape(shape), c_buf[:n].reshape(shape)
        np.divide(block, spacing, out=z)
        np.rint(z, out=z)
        np.divide(reference[rows, cols], spacing, out=c)
        np.rint(c, out=c)
        np.subtract(z, c, out=c)
        np.abs(c, out=c)
        np.maximum(furthest[rows], c.max(axis=1), out=furthest[rows])
        _remainder_into(z, modulus, c, mask_buf[:n].reshape(shape))
        np.copyto(residue[rows, cols], z, casting="unsafe")
    return residue, furthest


def _decode_blocks(residue: np.ndarray, reference: Stack, spacing: float, modulus: int) -> Stack:
    """``(c + (r − c + half) mod m − half) · s`` with c = round(q/s), block by block in float64."""
    k, dim = residue.shape
    half = (modulus - 1) // 2
    out = np.empty((k, dim))
    size = min(bitops.BLOCK, k * dim)
    c_buf, q_buf, mask_buf = np.empty(size), np.empty(size), np.empty(size, dtype=np.bool_)
    for rows, cols in bitops.blocks(k, dim):
        z = out[rows, cols]
        n, shape = z.size, z.shape
        c, scratch = c_buf[:n].reshape(shape), q_buf[:n].reshape(shape)
        np.divide(reference[rows, cols], spacing, out=c)
        np.rint(c, out=c)
        np.subtract(residue[rows, cols], c, out=z)
        z += half
        _remainder_into(z, modulus, scratch, mask_buf[:n].reshape(shape))
        z += c
        z -= half
        z *= spacing
    return out


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
        reference = np.asarray(state, dtype=np.float64)
        width = bitops.width_for(modulus)
        if _blockable(arr, reference, spacing, modulus):
            residue, furthest = _encode_blocks(arr, reference, spacing, modulus, width)
        else:  # huge coordinates: floats no longer hold every integer, count in int64
            z = _rint_scaled(arr, spacing).astype(np.int64)
            offset = _rint_scaled(reference, spacing).astype(np.int64)
            np.subtract(z, offset, out=offset)
            np.abs(offset, out=offset)
            furthest = offset.max(axis=1, initial=0)
            residue = np.remainder(z, modulus)
        bad = np.flatnonzero(furthest > (modulus - 1) // 2)
        if bad.size:
            row = int(bad[0])
            distance = float(np.linalg.norm(arr[row] - np.asarray(state)[row]))
            raise DecodeError(
                f"lattice: row {row} is {distance:.4g} from the reference, outside the "
                f"decodable radius {self.radius:g}; the receiver would decode a wrong value "
                "(raise radius, or bring the reference closer)"
            )
        nbits = np.full(arr.shape[0], dim * width, dtype=np.int64)
        return PayloadBatch.from_rows(bitops.pack_uint(residue, width), nbits), state

    def decode(self, batch: PayloadBatch, state: Stack) -> tuple[Stack, Stack]:
        """Recover z as the representative of its residue nearest to round(q/s)."""
        reference = np.asarray(state)
        dim = reference.shape[1]
        spacing, modulus = _spacing(dim, self.eps), _modulus(dim, self.radius, self.eps)
        residue = bitops.unpack_uint(batch.rows(), bitops.width_for(modulus), dim)
        half = (modulus - 1) // 2
        if residue.shape == reference.shape and _blockable(None, reference, spacing, modulus):
            return _decode_blocks(residue, reference, spacing, modulus), state
        centre = _rint_scaled(reference, spacing).astype(np.int64)
        z = centre + np.mod(residue.astype(np.int64) - centre + half, modulus) - half
        return z * spacing, state


@COMPRESSORS.register("lattice")
def lattice(eps: float = 1e-3, radius: float = 1.0) -> Lattice:
    """Lattice quantiser (K&A Cor. 10): l2 error <= eps within radius of the reference."""
    return Lattice(eps=eps, radius=radius)
