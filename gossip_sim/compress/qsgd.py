"""QSGD: stochastic quantisation to s levels (Alistarh, Grubic, Li, Tomioka & Vojnovic 2017).

Each entry becomes ``‖x‖₂ · sign(x_j) · ℓ_j / s`` where the level ℓ_j ∈ {0, …, s} rounds
``s |x_j| / ‖x‖₂`` up or down at random so that the result is unbiased.

Payload of one row (D entries):

* ``packing="fixed"``: the norm as a float32 (32 bits), then per entry one sign bit and the level
  in ⌈log₂(s + 1)⌉ bits: exactly ``32 + D (1 + ⌈log₂(s + 1)⌉)`` bits.
* ``packing="gamma"``: the norm, then the levels ℓ_j + 1 Elias-gamma coded (prefix stream, then
  mantissa stream, see :func:`~gossip_sim.compress.bits.gamma_encode`), then one sign bit per
  non-zero level. Small levels dominate when s is large, which is where this wins.

``scaled=True`` divides the decoded vector by τ = 1 + min(D/s², √D/s): the biased form that
CHOCO-GOSSIP needs, a contraction with ω = 1/τ. The unbiased form (``scaled=False``) has
E‖Q(x) − x‖² ≤ (τ − 1)‖x‖², a contraction only when τ < 2 (ω = 2 − τ, else 0).

Examples
--------
>>> q = Qsgd(s=4)
>>> x = np.array([[3.0, -4.0, 0.0]])
>>> batch, _ = q.encode(x, q.init(x.shape), np.random.default_rng(0))
>>> int(batch.nbits[0])  # 32 + 3 * (1 + 3)
44
>>> y, _ = q.decode(batch, q.init(x.shape))
>>> y.tolist()  # 5 · level / 4, levels 2.4 and 3.2 rounded at random to 2 and 3
[[2.5, -3.75, 0.0]]
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from gossip_sim._typing import Stack
from gossip_sim.compress import bits as bitops
from gossip_sim.compress.base import PayloadBatch, check_finite
from gossip_sim.compress.registry import COMPRESSORS
from gossip_sim.errors import ConfigError

__all__ = ["Qsgd", "qsgd_tau"]

PACKINGS = ("fixed", "gamma")


def qsgd_tau(dim: int, s: int) -> float:
    """Return τ = 1 + min(D/s², √D/s), QSGD's variance factor: E‖Q(x)‖² ≤ τ‖x‖².

    Examples
    --------
    >>> qsgd_tau(100, 10)
    2.0
    """
    return 1.0 + min(dim / s**2, math.sqrt(dim) / s)


@dataclass(frozen=True)
class Qsgd:
    """QSGD with ``s`` levels, fixed-width or Elias-gamma packing, unbiased or CHOCO-scaled."""

    s: int = 16
    packing: str = "fixed"
    scaled: bool = False

    def __post_init__(self) -> None:
        if isinstance(self.s, bool) or not isinstance(self.s, int) or self.s < 1:
            raise ConfigError(f"qsgd: s={self.s!r} is not valid; give an integer s >= 1 levels")
        if self.packing not in PACKINGS:
            raise ConfigError(
                f"qsgd: packing={self.packing!r} is not valid; use one of {', '.join(PACKINGS)}"
            )

    @property
    def level_bits(self) -> int:
        """Bits of one level in the fixed packing, ⌈log₂(s + 1)⌉."""
        return bitops.width_for(self.s + 1)

    def omega(self, dim: int) -> float:
        """Contraction constant: 1/τ when scaled, else max(2 − τ, 0)."""
        tau = qsgd_tau(dim, self.s)
        return 1.0 / tau if self.scaled else max(2.0 - tau, 0.0)

    def init(self, shape: tuple[int, int], seed: int = 0, agents: Any = None) -> int:
        """Return the dimension D, the only thing the receiver must know beforehand."""
        return int(shape[1])

    def levels(self, x: Stack, rng: Any) -> tuple[np.ndarray, np.ndarray]:
        """Return the float32 norms (K,) and signed random levels (K, D) of the rows of ``x``."""
        norms, level, negative = self._quantise(np.asarray(x, dtype=np.float64), rng)
        signed = level.astype(np.int64)
        np.negative(signed, out=signed, where=negative)
        return norms, signed

    def _quantise(
        self, x: Stack, rng: Any, with_sign: bool = False
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Return float32 norms, unsigned levels (smallest dtype) and the mask of negative levels.

        ``with_sign=True`` returns the fixed packing's fields (sign bit, then the level bits)
        in place of the bare levels.

        The float64 arithmetic (and the one uniform draw per entry, in the generators' order) is
        the reference's, operation for operation, so the levels are the same. It runs over
        cache-sized blocks of the stack (:func:`~gossip_sim.compress.bits.blocks`) with two
        scratch buffers, instead of allocating several (K, D) float64 temporaries.
        """
        norms = np.sqrt(np.einsum("ij,ij->i", x, x))
        factor = np.divide(self.s, norms, out=np.zeros_like(norms), where=norms > 0)
        k, dim = x.shape
        if not isinstance(rng, np.random.Generator) and len(rng) != k:
            raise ValueError(f"got {len(rng)} random streams for {k} rows")
        small = np.empty((k, dim), dtype=bitops.uint_dtype(self.level_bits + 1))
        negative = np.empty((k, dim), dtype=np.bool_)
        top = small.dtype.type(self.s)
        size = min(bitops.BLOCK, k * dim)
        frac_buf, floor_buf, up_buf = np.empty(size), np.empty(size), np.empty(size, np.bool_)
        bit_buf, sign_bit = np.empty(size, small.dtype), small.dtype.type(1 << self.level_bits)
        for rows, cols in bitops.blocks(k, dim):
            block = x[rows, cols]
            n = block.size
            shape = block.shape
            frac = frac_buf[:n].reshape(shape)
            floor = floor_buf[:n].reshape(shape)
            up = up_buf[:n].reshape(shape)
            level = small[rows, cols]
            np.abs(block, out=frac)
            frac *= factor[rows, None]
            np.floor(frac, out=floor)
            frac -= floor  # the fraction, compared with the uniform draw
            # min(floor + up, s) == min(min(floor, s) + up, s): clamp, count in small integers.
            np.minimum(floor, self.s, out=floor)
            np.copyto(level, floor, casting="unsafe")
            bitops.draw_block(rng, rows, cols, floor)
            np.less(floor, frac, out=up)
            level += up
            np.minimum(level, top, out=level)
            sign = negative[rows, cols]
            np.less(block, 0, out=sign)
            np.not_equal(level, 0, out=up)
            sign &= up
            if with_sign:  # the fixed packing's field: the sign bit above the level bits
                bit = bit_buf[:n].reshape(shape)
                np.multiply(sign, sign_bit, out=bit)
                level |= bit
        return norms.astype(np.float32), small, negative

    def encode(
        self, x: Stack, state: Any, rng: np.random.Generator | Sequence[np.random.Generator]
    ) -> tuple[PayloadBatch, int]:
        """Quantise each row and pack norm, signs and levels."""
        arr = check_finite(x, "qsgd")
        fixed = self.packing == "fixed"
        norms, level, negative = self._quantise(arr, rng, with_sign=fixed)
        header = norms.astype(">f4").view(np.uint8).reshape(-1, 4)
        if fixed:
            body = bitops.pack_uint(level, 1 + self.level_bits)
            nbits = np.full(len(norms), 32 + arr.shape[1] * (1 + self.level_bits), dtype=np.int64)
            return PayloadBatch.from_rows(np.concatenate([header, body], axis=1), nbits), state
        return bitops.gamma_pack_rows(header, level, negative), state

    def decode(self, batch: PayloadBatch, state: int) -> tuple[Stack, int]:
        """Rebuild ``norm · sign · level / s`` (divided by τ when scaled) from the payloads."""
        dim = int(state)
        if self.packing == "fixed":
            rows = batch.rows()
            norms = np.ascontiguousarray(rows[:, :4]).view(">f4")[:, 0].astype(np.float64)
            field = bitops.unpack_uint(rows[:, 4:], 1 + self.level_bits, dim)
            return self._values_fixed(norms, field), state
        header, level, negative = bitops.gamma_unpack_rows(batch, dim)
        norms = np.ascontiguousarray(header).view(">f4")[:, 0].astype(np.float64)
        if level.size and int(level.max()) <= self.s:  # the fixed packing's fields: same table
            field = level.astype(bitops.uint_dtype(1 + self.level_bits))
            field |= negative.astype(field.dtype) << field.dtype.type(self.level_bits)
            return self._values_fixed(norms, field), state
        signed = level.astype(np.int64)
        np.negative(signed, out=signed, where=negative)
        values = norms[:, None] * signed / self.s
        if self.scaled:
            values /= qsgd_tau(dim, self.s)
        return values, state

    def _values_fixed(self, norms: np.ndarray, field: np.ndarray) -> Stack:
        """Look up ``norm · signed / s (/ τ)``, computed once per row and field value.

        Each table entry is the float64 expression the reference evaluates per entry, in the
        same order, so the gathered values are bit for bit the same.
        """
        k, dim = field.shape
        width = 1 + self.level_bits
        codes = np.arange(1 << width, dtype=np.int64)
        level = codes & ((1 << self.level_bits) - 1)
        signed = np.where(codes >> self.level_bits == 1, -level, level)
        if k * len(codes) > max(field.size, 1 << 16):  # a table larger than the data: compute
            values = norms[:, None] * signed[field] / self.s
            if self.scaled:
                values /= qsgd_tau(dim, self.s)
            return values
        table = norms[:, None] * signed[None, :] / self.s
        if self.scaled:
            table /= qsgd_tau(dim, self.s)  # ((norm · signed) / s) / τ, as entry by entry
        flat = table.ravel()
        first = np.arange(k, dtype=np.intp) * len(codes)  # each row's table in ``flat``
        values = np.empty((k, dim))
        index_buf = np.empty(min(bitops.BLOCK, k * dim), dtype=np.intp)
        for rows, cols in bitops.blocks(k, dim):
            block = field[rows, cols]
            index = index_buf[: block.size].reshape(block.shape)
            np.add(block, first[rows, None], out=index)
            flat.take(index, out=values[rows, cols])
        return values


@COMPRESSORS.register("qsgd", randomised=True, stateless=True)
def qsgd(s: int = 16, packing: str = "fixed", scaled: bool = False) -> Qsgd:
    """QSGD with s levels: float32 norm + sign + level per entry (packing fixed or gamma).

    ``scaled=true`` is the 1/τ-rescaled contraction CHOCO-GOSSIP needs.
    """
    return Qsgd(s=s, packing=packing, scaled=scaled)
