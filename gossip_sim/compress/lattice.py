"""Lattice quantiser with arbitrary centring (Alistarh et al. 2020, Korhonen & Alistarh Cor. 10).

The lattice is the scaled integer lattice s·ℤ^d with s = 2ε/√d, so rounding x to its nearest
point z·s moves it by at most s√d/2 = ε in ℓ₂ (accuracy). Each coordinate travels in
w = ⌈log₂ m⌉ bits, m = 2⌊R/s⌋ + 3, as z mod 2**w. The receiver knows a reference q (the
compressor's state) and decodes each coordinate to the integer ≡ z (mod 2**w) in the window
[c − 2**(w−1), c + 2**(w−1)) around c = round(q_j/s): that is z itself whenever
−2**(w−1) ≤ z_j − c ≤ 2**(w−1) − 1, which ‖x − q‖₂ ≤ R guarantees (validity: then
|z_j − c| ≤ ⌊R/s⌋ + 1 = (m − 1)/2 ≤ 2**(w−1) − 1, as m is odd and m ≤ 2**w).

Implementation choice: the paper's modulus m is only needed for the bit count. Sending z mod
2**w costs the same w bits, decodes every input the mod-m code decoded (to the same z, so
the same value), and a few more (the window is up to twice as wide), and the residues are exact
power-of-two floor operations in float64 (:func:`_residue_into`) instead of a division by m.

Bit cost, :func:`lattice_bits`: B = d⌈log₂(2⌊R√d/(2ε)⌋ + 3)⌉ = O(d log(√d/λ)) for ε = λR.
Corollary 10 states O(d log 1/λ): the cubic lattice pays an extra ~(d/2) log₂ d bits over the
better lattices Alistarh et al. use; this is documented, not hidden.

Outside the window the decoded value would silently be wrong, so :meth:`Lattice.encode` checks
that exact decodability condition against the reference (the sender knows q too, in the
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


def _width(dim: int, radius: float, eps: float) -> int:
    return bitops.width_for(_modulus(dim, radius, eps))


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


#: Widest field, and largest |round(q/s)|, of the float64 path: every integer it computes
#: (residues, ``round(q/s) − 2**(w−1)``, their differences) stays below 2**53, so float64 holds
#: it exactly and the float path gives the integers of the int64 path bit for bit.
_FLOAT_WIDTH = 51
_FLOAT_CENTRE = 2.0**51


def _window(width: int) -> tuple[int, int]:
    """Return the offsets z − round(q/s) that ``width``-bit residues decode, as (least, largest).

    Examples
    --------
    >>> _window(3)
    (-4, 3)
    """
    half = 1 << (width - 1)
    return -half, half - 1


def _residue_into(v: np.ndarray, width: int, scratch: np.ndarray) -> None:
    """Replace the integers in float array ``v`` by ``v mod 2**width`` in ``[0, 2**width)``.

    ``v − 2**w ⌊v · 2**−w⌋``: scaling by a power of two is exact, so every step is exact for
    any finite integer-valued ``v`` (the difference is an integer below 2**w ≤ 2**51).

    Examples
    --------
    >>> v = np.array([-7.0, 7.0, 0.0, 12.0, -12.0])
    >>> _residue_into(v, 2, np.empty(5))
    >>> v.tolist()
    [1.0, 3.0, 0.0, 0.0, 0.0]
    """
    np.multiply(v, 2.0**-width, out=scratch)
    np.floor(scratch, out=scratch)
    scratch *= 2.0**width
    v -= scratch


def _signed_view(residue: np.ndarray, width: int) -> np.ndarray:
    """Return ``residue`` viewed as signed integers when every residue fits.

    Casts between float64 and signed integers are several times faster than with unsigned ones
    (SIMD conversions exist for the signed types).
    """
    if width < 8 * residue.dtype.itemsize:
        return residue.view(f"i{residue.dtype.itemsize}")
    return residue


def _encode_blocks(
    x: Stack, reference: Stack, spacing: float, width: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return the residues z mod 2**w and each row's least and largest z − round(q/s).

    Block by block in float64, exact for any finite input (see :func:`_residue_into`); an
    offset that overflowed to ±inf or NaN is outside every window, so the caller refuses it.
    """
    k, dim = x.shape
    residue = np.empty((k, dim), dtype=bitops.uint_dtype(width))
    target = _signed_view(residue, width)
    low, high = np.zeros(k), np.zeros(k)
    size = min(bitops.BLOCK, k * dim)
    z_buf, c_buf = np.empty(size), np.empty(size)
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
        np.minimum(low[rows], c.min(axis=1), out=low[rows])  # NaN (inf − inf) propagates
        np.maximum(high[rows], c.max(axis=1), out=high[rows])
        _residue_into(z, width, c)
        np.copyto(target[rows, cols], z, casting="unsafe")
    return residue, low, high


def _decode_blocks(
    residue: np.ndarray, reference: Stack, spacing: float, width: int
) -> Stack | None:
    """``z = r − 2**w ⌊(r − lo) · 2**−w⌋`` with lo = round(q/s) − 2**(w−1), block by block.

    That is the integer ≡ r (mod 2**w) in ``[lo, lo + 2**w)``. Returns None (the caller then
    counts in int64) when some |round(q/s)| reaches 2**51, where float64 is no longer exact.
    """
    k, dim = residue.shape
    residue = _signed_view(residue, width)
    half = float(1 << (width - 1))
    out = np.empty((k, dim))
    size = min(bitops.BLOCK, k * dim)
    c_buf, q_buf = np.empty(size), np.empty(size)
    for rows, cols in bitops.blocks(k, dim):
        z = out[rows, cols]
        n, shape = z.size, z.shape
        c, scratch = c_buf[:n].reshape(shape), q_buf[:n].reshape(shape)
        np.divide(reference[rows, cols], spacing, out=c)
        np.rint(c, out=c)
        if not (c.min() > -_FLOAT_CENTRE and c.max() < _FLOAT_CENTRE):  # also refuses NaN
            return None
        c -= half
        np.copyto(z, residue[rows, cols])
        np.subtract(z, c, out=scratch)
        scratch *= 2.0**-width
        np.floor(scratch, out=scratch)
        scratch *= 2.0**width
        z -= scratch
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
        """Round to the lattice and send the coordinates modulo 2**w."""
        arr = np.asarray(x, dtype=np.float64)
        if arr.ndim != 2:
            check_finite(arr, "lattice")  # refuses the shape
        dim = arr.shape[1]
        spacing, width = _spacing(dim, self.eps), _width(dim, self.radius, self.eps)
        reference = np.asarray(state, dtype=np.float64)
        if width <= _FLOAT_WIDTH:
            # NaN or inf in x (or overflow in x/s) give an offset outside every window: such
            # rows are refused below, so the finiteness check runs only then, not as a pass
            with np.errstate(invalid="ignore", over="ignore"):
                residue, low, high = _encode_blocks(arr, reference, spacing, width)
        else:  # residues beyond float64's integers: count in int64 (wrapping mod 2**64)
            arr = check_finite(arr, "lattice")
            z = _rint_scaled(arr, spacing).astype(np.int64)
            offset = z - _rint_scaled(reference, spacing).astype(np.int64)
            low, high = offset.min(axis=1, initial=0), offset.max(axis=1, initial=0)
            mask = np.uint64((1 << width) - 1)
            residue = z.astype(np.uint64) & mask
        first, last = _window(width)
        bad = np.flatnonzero(~((low >= first) & (high <= last)))  # NaN is bad too
        if bad.size:
            check_finite(arr, "lattice")  # NaN or inf: refused as bad input, not undecodable
            row = int(bad[0])
            distance = float(np.linalg.norm(arr[row] - np.broadcast_to(reference, arr.shape)[row]))
            raise DecodeError(
                f"lattice: row {row} is {distance:.4g} from the reference, outside the "
                f"decodable radius {self.radius:g}; the receiver would decode a wrong value "
                "(raise radius, or bring the reference closer)"
            )
        nbits = np.full(arr.shape[0], dim * width, dtype=np.int64)
        return PayloadBatch.from_rows(bitops.pack_uint(residue, width), nbits), state

    def decode(self, batch: PayloadBatch, state: Stack) -> tuple[Stack, Stack]:
        """Recover z: the integer ≡ r (mod 2**w) in [c − 2**(w−1), c + 2**(w−1)), c = round(q/s)."""
        reference = np.asarray(state)
        dim = reference.shape[1]
        spacing, width = _spacing(dim, self.eps), _width(dim, self.radius, self.eps)
        residue = bitops.unpack_uint(batch.rows(), width, dim)
        if residue.shape == reference.shape and width <= _FLOAT_WIDTH:
            values = _decode_blocks(residue, reference, spacing, width)
            if values is not None:
                return values, state
        # int64 arithmetic wrapping mod 2**64 holds every residue and window start exactly
        centre = _rint_scaled(reference, spacing).astype(np.int64).astype(np.uint64)
        start = centre - np.uint64(1 << (width - 1))
        mask = np.uint64((1 << width) - 1)
        z = start + ((residue.astype(np.uint64) - start) & mask)
        return np.multiply(z.view(np.int64), spacing, dtype=np.float64), state


@COMPRESSORS.register("lattice")
def lattice(eps: float = 1e-3, radius: float = 1.0) -> Lattice:
    """Lattice quantiser (K&A Cor. 10): l2 error <= eps within radius of the reference."""
    return Lattice(eps=eps, radius=radius)
