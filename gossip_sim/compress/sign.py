"""Scaled sign: one bit per entry and one float32 scale (Karimireddy et al. 2019).

C(x) = (‖x‖₁ / D) · sign(x), with sign(0) sent as +. Payload: 32 + D bits.
E‖C(x) − x‖² = ‖x‖² − ‖x‖₁²/D, so it is a contraction with ω = ‖x‖₁²/(D‖x‖²) ≥ 1/D; the
guaranteed (worst-case) ω = 1/D is what :meth:`ScaledSign.omega` returns.

Examples
--------
>>> sign = ScaledSign()
>>> x = np.array([[1.0, -3.0, 0.0, 4.0]])
>>> batch, _ = sign.encode(x, sign.init(x.shape), None)
>>> int(batch.nbits[0])
36
>>> sign.decode(batch, sign.init(x.shape))[0].tolist()
[[2.0, -2.0, 2.0, 2.0]]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from gossip_sim._typing import Stack
from gossip_sim.compress.base import PayloadBatch, check_finite
from gossip_sim.compress.registry import COMPRESSORS

__all__ = ["ScaledSign"]


@dataclass(frozen=True)
class ScaledSign:
    """Send sign bits and the mean magnitude ‖x‖₁/D as a float32."""

    def omega(self, dim: int) -> float:
        """Return the worst-case contraction 1/D."""
        return 1.0 / dim

    def init(self, shape: tuple[int, int], seed: int = 0, agents: Any = None) -> None:
        """Return None: scaled sign keeps no state."""
        return None

    def encode(self, x: Stack, state: Any, rng: Any) -> tuple[PayloadBatch, None]:
        """Pack the float32 scale then one bit per entry (1 = negative)."""
        arr = check_finite(x, "sign")
        scale = np.abs(arr).mean(axis=1)
        header = scale.astype(">f4").view(np.uint8).reshape(-1, 4)
        rows = np.concatenate([header, np.packbits(arr < 0, axis=1)], axis=1)
        nbits = np.full(arr.shape[0], 32 + arr.shape[1], dtype=np.int64)
        return PayloadBatch.from_rows(rows, nbits), None

    def decode(self, batch: PayloadBatch, state: Any) -> tuple[Stack, None]:
        """Return ±scale per entry."""
        rows = batch.rows()
        dim = int(batch.nbits[0]) - 32 if len(batch) else 0
        scale = np.ascontiguousarray(rows[:, :4]).view(">f4").astype(np.float64)
        negative = np.unpackbits(rows[:, 4:], axis=1, count=dim).view(np.bool_)
        return np.where(negative, -scale, scale), None


@COMPRESSORS.register("sign", stateless=True)
def sign() -> ScaledSign:
    """Scaled sign: 1 bit per entry + a float32 scale (the mean magnitude)."""
    return ScaledSign()
