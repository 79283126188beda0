"""No compression: the raw IEEE float at 64, 32 or 16 bits per entry (the baseline).

Examples
--------
>>> gs.compress.Identity(precision=16).omega(10)
1.0
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from gossip_sim._typing import Stack
from gossip_sim.compress.base import PayloadBatch, check_finite
from gossip_sim.compress.registry import COMPRESSORS
from gossip_sim.errors import ConfigError

__all__ = ["Identity"]

_DTYPES: dict[int, np.dtype[np.floating[Any]]] = {
    64: np.dtype("<f8"),
    32: np.dtype("<f4"),
    16: np.dtype("<f2"),
}


@dataclass(frozen=True)
class Identity:
    """Send every entry as a little-endian IEEE float of ``precision`` bits (64, 32 or 16).

    At 32 or 16 bits the receiver gets the rounded value, exactly what the bytes hold.
    """

    precision: int = 64

    def __post_init__(self) -> None:
        if self.precision not in _DTYPES:
            raise ConfigError(
                f"identity: precision={self.precision!r} is not valid; use 64, 32 or 16"
            )

    def omega(self, dim: int) -> float:
        """Return 1 (no compression error beyond float rounding)."""
        return 1.0

    def init(self, shape: tuple[int, int], seed: int = 0, agents: Any = None) -> None:
        """Return None: identity keeps no state."""
        return None

    def encode(self, x: Stack, state: Any, rng: Any) -> tuple[PayloadBatch, None]:
        """Encode each row as raw floats."""
        arr = check_finite(x, "identity")
        rows = np.ascontiguousarray(arr, dtype=_DTYPES[self.precision]).view(np.uint8)
        rows = rows.reshape(arr.shape[0], -1)
        nbits = np.full(arr.shape[0], rows.shape[1] * 8, dtype=np.int64)
        return PayloadBatch.from_rows(rows, nbits), None

    def decode(self, batch: PayloadBatch, state: Any) -> tuple[Stack, None]:
        """Decode raw floats back to float64."""
        rows = batch.rows()
        values = rows.view(_DTYPES[self.precision]).astype(np.float64)
        return values, None


@COMPRESSORS.register("identity", stateless=True)
def identity(precision: int = 64) -> Identity:
    """No compression: IEEE floats of 64, 32 or 16 bits (precision) per entry."""
    return Identity(precision=precision)
