"""The compressor protocol, real payloads, and composition.

A compressor turns the stack of K agents' vectors (shape ``(K, D)``) into K real byte payloads
(a :class:`PayloadBatch`, row ``i`` is agent ``i``'s message) and back. ``nbits`` of a payload is
the exact bit length of its content (headers included, the padding to a whole byte excluded);
the receiver uses the value :meth:`Compressor.decode` returns from those bytes, nothing else.

State that sender and receiver both track (the grid quantiser's centre, the lattice reference)
is an explicit value: ``init`` creates it, ``encode`` returns the sender's next state and
``decode`` the receiver's next state; the two are equal.

Examples
--------
>>> comp = gs.compress.create("identity")
>>> x = np.arange(6.0).reshape(2, 3)
>>> batch, _ = comp.encode(x, comp.init(x.shape), np.random.default_rng(0))
>>> batch.nbits.tolist()
[192, 192]
>>> y, _ = comp.decode(batch, comp.init(x.shape))
>>> bool(np.array_equal(x, y))
True
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import numpy as np
from numpy.typing import NDArray

from gossip_sim._typing import Stack
from gossip_sim.errors import ConfigError

__all__ = ["Compressor", "Payload", "PayloadBatch", "check_finite"]


@dataclass(frozen=True)
class Payload:
    """One message's content: the bytes that travel and their exact bit length."""

    data: bytes
    nbits: int


@dataclass(frozen=True, eq=False)
class PayloadBatch:
    """K payloads in one buffer: row ``i`` is ``data[offsets[i]:offsets[i+1]]``, ``nbits[i]`` bits.

    ``offsets`` has K + 1 entries; ``8 * row_bytes - 8 < nbits[i] <= 8 * row_bytes`` (the padding
    of a row is less than one byte; an empty payload has 0 bits and 0 bytes).
    """

    data: bytes
    offsets: NDArray[np.int64]
    nbits: NDArray[np.int64]

    def __len__(self) -> int:
        return len(self.nbits)

    def __getitem__(self, i: int) -> Payload:
        return Payload(self.data[self.offsets[i] : self.offsets[i + 1]], int(self.nbits[i]))

    @property
    def total_bits(self) -> int:
        """Sum of the K payloads' bit lengths."""
        return int(self.nbits.sum())

    @classmethod
    def from_rows(cls, rows: NDArray[np.uint8], nbits: NDArray[np.int64]) -> PayloadBatch:
        """Build a batch from equal-length byte rows, shape ``(K, nbytes)``."""
        rows = np.ascontiguousarray(rows, dtype=np.uint8)
        k, width = rows.shape
        offsets = np.arange(k + 1, dtype=np.int64) * width
        return cls(rows.tobytes(), offsets, np.asarray(nbits, dtype=np.int64).reshape(k))

    def rows(self) -> NDArray[np.uint8]:
        """Return the payloads as a ``(K, nbytes)`` array; they must all have the same length."""
        widths = np.diff(self.offsets)
        if len(widths) and np.any(widths != widths[0]):
            raise ValueError("payloads have different lengths; use batch[i] per row")
        width = int(widths[0]) if len(widths) else 0
        return np.frombuffer(self.data, dtype=np.uint8).reshape(len(self), width)


@runtime_checkable
class Compressor(Protocol):
    """What every compressor provides (frozen dataclasses whose ``repr`` shows the parameters)."""

    def omega(self, dim: int) -> float:
        """Contraction constant: E‖C(x) − x‖² ≤ (1 − ω)‖x‖² for vectors of dimension ``dim``."""
        ...

    def init(self, shape: tuple[int, int], seed: int = 0, agents: Any = None) -> Any:
        """Return the state sender and receiver share before the first message.

        ``seed`` is a seed both ends know (derived from the run's seed); compressors whose
        randomness the receiver must replay (random-k indices, the sketch B) keep it in their
        state. ``agents`` names the sending agent of each row (default ``range(K)``), so that a
        one-row state for agent i replays exactly row i of the batched state.
        """
        ...

    def encode(self, x: Stack, state: Any, rng: Any) -> tuple[PayloadBatch, Any]:
        """Encode each row of ``x`` to a payload; return the batch and the sender's next state.

        ``rng`` is one :class:`numpy.random.Generator` for the whole stack, or one per row
        (the engine passes each agent's own stream); deterministic compressors ignore it.
        """
        ...

    def decode(self, batch: PayloadBatch, state: Any) -> tuple[Stack, Any]:
        """Decode a batch to the ``(K, D)`` values the receivers use, and their next state."""
        ...


def check_finite(x: Stack, who: str) -> Stack:
    """Return ``x`` as a 2-D float64 array, refusing NaN or inf with a message naming ``who``.

    Examples
    --------
    >>> check_finite(np.array([[1.0, np.nan]]), "qsgd")
    Traceback (most recent call last):
    ...
    gossip_sim.errors.ConfigError: qsgd: input has NaN or inf in row 0; compress finite values only
    """
    arr = np.asarray(x, dtype=np.float64)
    if arr.ndim != 2:
        raise ConfigError(f"{who}: expected a (K, D) stack, got shape {arr.shape}")
    finite = np.isfinite(arr)
    if not finite.all():
        row = int(np.argwhere(~finite)[0, 0])
        raise ConfigError(f"{who}: input has NaN or inf in row {row}; compress finite values only")
    return arr
