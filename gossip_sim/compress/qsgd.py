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
        norms = np.sqrt(np.einsum("ij,ij->i", x, x))
        factor = np.divide(self.s, norms, out=np.zeros_like(norms), where=norms > 0)
        scaled = np.abs(x) * factor[:, None]
        level = np.floor(scaled)
        level += bitops.rng_rows(rng, x.shape) < scaled - level
        level = np.minimum(level, self.s, out=level).astype(np.int64)
        np.negative(level, out=level, where=x < 0)
        return norms.astype(np.float32), level

    def encode(
        self, x: Stack, state: Any, rng: np.random.Generator | Sequence[np.random.Generator]
    ) -> tuple[PayloadBatch, int]:
        """Quantise each row and pack norm, signs and levels."""
        arr = check_finite(x, "qsgd")
        norms, signed = self.levels(arr, rng)
        header = bitops.float_bits(norms[:, None])
        if self.packing == "fixed":
            field = (signed < 0).astype(np.int64) << self.level_bits | np.abs(signed)
            body = bitops.uint_bits(field, 1 + self.level_bits)
            return bitops.pack_fixed(np.concatenate([header, body], axis=1)), state
        return self._encode_gamma(header, signed), state

    def _encode_gamma(self, header: np.ndarray, signed: np.ndarray) -> PayloadBatch:
        rows = []
        for i in range(signed.shape[0]):
            prefix, mantissa = bitops.gamma_encode(np.abs(signed[i]) + 1)
            signs = (signed[i][signed[i] != 0] < 0).astype(np.uint8)
            rows.append(np.concatenate([header[i], prefix, mantissa, signs]))
        lengths = np.array([len(r) for r in rows], dtype=np.int64)
        flat = np.concatenate(rows) if rows else np.zeros(0, dtype=np.uint8)
        return bitops.pack_ragged(flat, lengths)

    def decode(self, batch: PayloadBatch, state: int) -> tuple[Stack, int]:
        """Rebuild ``norm · sign · level / s`` (divided by τ when scaled) from the payloads."""
        if self.packing == "fixed":
            bits = bitops.unpack_fixed(batch)
            norms = bitops.bits_float(bits[:, :32])[:, 0]
            field = bitops.bits_uint(bits[:, 32:], 1 + self.level_bits)
            level = field & ((1 << self.level_bits) - 1)
            signed = np.where(field >> self.level_bits == 1, -level, level)
        else:
            norms, signed = self._decode_gamma(batch, state)
        values = norms[:, None] * signed / self.s
        if self.scaled:
            values /= qsgd_tau(values.shape[1], self.s)
        return values, state

    def _decode_gamma(self, batch: PayloadBatch, dim: int) -> tuple[np.ndarray, np.ndarray]:
        norms, rows = [], []
        for i in range(len(batch)):
            bits = bitops.row_bits(batch, i)
            norms.append(bitops.bits_float(bits[None, :32])[0, 0])
            levels, used = bitops.gamma_decode(bits[32:], dim)
            levels -= 1
            signs = bits[32 + used :]
            signed = levels.copy()
            signed[levels != 0] *= np.where(signs == 1, -1, 1)
            rows.append(signed)
        signed_rows = np.array(rows, dtype=np.int64).reshape(len(batch), dim)
        return np.array(norms, dtype=np.float64), signed_rows


@COMPRESSORS.register("qsgd", randomised=True, stateless=True)
def qsgd(s: int = 16, packing: str = "fixed", scaled: bool = False) -> Qsgd:
    """QSGD with s levels: float32 norm + sign + level per entry (packing fixed or gamma).

    ``scaled=true`` is the 1/τ-rescaled contraction CHOCO-GOSSIP needs.
    """
    return Qsgd(s=s, packing=packing, scaled=scaled)
