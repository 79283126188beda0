"""Sparsifiers: top-k (largest magnitudes, indices sent) and random-k (indices from a shared seed).

``k`` is a count (an integer ≥ 1) or a fraction of the dimension (a float in (0, 1], at least one
entry is kept): ``topk:k=10`` keeps 10 entries, ``topk:k=0.01`` keeps 1 %.

A fraction keeps max(1, r(k·D)) entries, where ``round`` chooses r (:data:`ROUNDINGS`):

* ``round=nearest`` (the default, the rule since k took fractions): the nearest integer, a
  tie (k·D = n + ½) to the even one, as Python's ``round`` does: k = 0.25 keeps 2 of D = 10
  (2.5 → 2) and 2 of D = 6 (1.5 → 2);
* ``round=floor``: the integer part, never more than the fraction asks (k·D = 2.5 → 2,
  1.5 → 1, 2.9 → 2), as ⌊kD⌋ in papers that bound ω = k/D from above.

Both keep at least one entry; a count k is used as given. k·D is a float product, so a
fraction that is exact in decimal may land a hair below an integer (0.29 · 100 =
28.999999999999996): ``floor`` takes the integer part of k·D rounded to 9 decimals first, so
it keeps 29 there, as the decimal product says.

* top-k payload: k indices of ⌈log₂ D⌉ bits each, then k values as IEEE floats of
  ``precision`` bits (32 by default). ω = k/D.
* random-k payload: k values only. Sender and receiver draw the same k indices from a seed both
  know (the run's shared seed, the sending agent and a message counter), so no index travels.
  ω = k/D as sent; ``unbiased=true`` multiplies by D/k (unbiased, ω = max(2 − D/k, 0)).

Examples
--------
>>> top = TopK(k=2)
>>> x = np.array([[0.5, -3.0, 2.0, 0.1]])
>>> batch, _ = top.encode(x, top.init(x.shape), None)
>>> int(batch.nbits[0])  # 2 * (2 index bits + 32 value bits)
68
>>> top.decode(batch, top.init(x.shape))[0].tolist()
[[0.0, -3.0, 2.0, 0.0]]
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gossip_sim._typing import Stack
from gossip_sim.compress import bits as bitops
from gossip_sim.compress.base import PayloadBatch, check_finite
from gossip_sim.compress.registry import COMPRESSORS
from gossip_sim.errors import ConfigError

__all__ = ["ROUNDINGS", "RandK", "RandKState", "TopK", "entries_kept"]

_FLOATS = {64: ">f8", 32: ">f4", 16: ">f2"}

#: How a fraction k becomes a count of D entries (see the module's text).
ROUNDINGS = ("nearest", "floor")


def entries_kept(k: int | float, dim: int, who: str = "k", rule: str = "nearest") -> int:
    """Return how many of ``dim`` entries ``k`` (a count, or a fraction in (0, 1]) keeps.

    ``rule`` turns a fraction's k·D into a count: ``"nearest"`` (ties to even) or ``"floor"``;
    at least one entry either way.

    Examples
    --------
    >>> entries_kept(0.01, 1000), entries_kept(7, 1000), entries_kept(0.0001, 10)
    (10, 7, 1)
    >>> entries_kept(0.25, 6), entries_kept(0.25, 6, rule="floor"), entries_kept(0.29, 10, "k", "floor")
    (2, 1, 2)
    >>> entries_kept(0.29, 100, rule="floor")  # 0.29 * 100 = 28.999999999999996 in floats
    29
    """  # noqa: E501
    if isinstance(k, float):
        product = k * dim
        return max(1, math.floor(round(product, 9)) if rule == "floor" else round(product))
    if k > dim:
        raise ConfigError(f"{who}: k={k} exceeds the dimension D={dim}; give k <= {dim}")
    return int(k)


def _check_k(k: Any, precision: int, who: str, rule: str = "nearest") -> None:
    if rule not in ROUNDINGS:
        raise ConfigError(
            f"{who}: round={rule!r} is not valid; use {' or '.join(ROUNDINGS)} (how a fraction "
            "k of D becomes a count)"
        )
    valid_count = isinstance(k, int) and not isinstance(k, bool) and k >= 1
    valid_fraction = isinstance(k, float) and 0 < k <= 1
    if not (valid_count or valid_fraction):
        raise ConfigError(
            f"{who}: k={k!r} is not valid; give a count k >= 1 or a fraction 0 < k <= 1"
        )
    if precision not in _FLOATS:
        raise ConfigError(f"{who}: precision={precision!r} is not valid; use 64, 32 or 16")


@dataclass(frozen=True)
class TopK:
    """Keep the k entries of largest magnitude; send their indices and values.

    ``round`` is how a fraction k of D becomes a count (:data:`ROUNDINGS`).
    """

    k: float = 0.01
    precision: int = 32
    round: str = "nearest"

    def __post_init__(self) -> None:
        _check_k(self.k, self.precision, "topk", self.round)

    def kept(self, dim: int) -> int:
        """Return how many of ``dim`` entries a message carries.

        Examples
        --------
        >>> TopK(k=0.25).kept(6), TopK(k=0.25, round="floor").kept(6)
        (2, 1)
        """
        return entries_kept(self.k, dim, "topk", self.round)

    def omega(self, dim: int) -> float:
        """Return k/D."""
        return self.kept(dim) / dim

    def init(self, shape: tuple[int, int], seed: int = 0, agents: Any = None) -> int:
        """Return the dimension D (the receiver needs it to place the values)."""
        self.kept(shape[1])
        return int(shape[1])

    def encode(self, x: Stack, state: int, rng: Any) -> tuple[PayloadBatch, int]:
        """Select each row's k largest magnitudes and pack their indices and values."""
        arr = check_finite(x, "topk")
        k_rows, dim = arr.shape
        k = self.kept(dim)
        magnitude = np.abs(arr)
        order = np.argpartition(-magnitude, k - 1, axis=1)[:, :k] if k < dim else None
        index = (
            np.sort(order, axis=1) if order is not None else np.tile(np.arange(dim), (k_rows, 1))
        )
        values = np.take_along_axis(arr, index, axis=1)
        body = np.concatenate(
            [
                bitops.uint_bits(index, bitops.width_for(dim)),
                bitops.float_bits(values, _FLOATS[self.precision]),
            ],
            axis=1,
        )
        return bitops.pack_fixed(body), state

    def decode(self, batch: PayloadBatch, state: int) -> tuple[Stack, int]:
        """Place the received values at the received indices."""
        dim = state
        k = self.kept(dim)
        bits = bitops.unpack_fixed(batch)
        width = bitops.width_for(dim)
        index = (
            bitops.bits_uint(bits[:, : k * width], width)
            if width
            else np.zeros((len(batch), k), dtype=np.int64)
        )
        values = bitops.bits_float(bits[:, k * width :], _FLOATS[self.precision])
        out = np.zeros((len(batch), dim))
        np.put_along_axis(out, index, values, axis=1)
        return out, state


@dataclass(frozen=True)
class RandKState:
    """What both ends of random-k know: the shared seed, whose rows these are, messages so far."""

    seed: int
    agents: tuple[int, ...]
    dim: int
    count: int = 0

    def indices(self, k: int) -> NDArray[np.int64]:
        """Return the (K, k) sorted indices of the next message of every row."""
        rows = []
        for agent in self.agents:
            seq = np.random.SeedSequence(self.seed, spawn_key=(agent, self.count))
            chosen = np.random.Generator(np.random.PCG64(seq)).choice(self.dim, k, replace=False)
            rows.append(np.sort(chosen))
        return np.array(rows, dtype=np.int64).reshape(len(self.agents), k)


@dataclass(frozen=True)
class RandK:
    """Keep k entries chosen at random from a seed both ends share; send only the values.

    ``round`` is how a fraction k of D becomes a count (:data:`ROUNDINGS`).
    """

    k: float = 0.01
    precision: int = 32
    unbiased: bool = False
    round: str = "nearest"

    def __post_init__(self) -> None:
        _check_k(self.k, self.precision, "randk", self.round)

    def kept(self, dim: int) -> int:
        """Return how many of ``dim`` entries a message carries.

        Examples
        --------
        >>> RandK(k=0.5).kept(5), RandK(k=0.5, round="floor").kept(5)
        (2, 2)
        """
        return entries_kept(self.k, dim, "randk", self.round)

    def omega(self, dim: int) -> float:
        """Return k/D, or max(2 − D/k, 0) for the unbiased (D/k-scaled) form."""
        kept = self.kept(dim)
        return max(2.0 - dim / kept, 0.0) if self.unbiased else kept / dim

    def init(self, shape: tuple[int, int], seed: int = 0, agents: Any = None) -> RandKState:
        """Return the shared state; ``agents`` names the rows (default 0..K-1)."""
        self.kept(shape[1])
        rows = range(shape[0]) if agents is None else agents
        return RandKState(int(seed), tuple(int(a) for a in rows), int(shape[1]))

    def encode(self, x: Stack, state: RandKState, rng: Any) -> tuple[PayloadBatch, RandKState]:
        """Send the values at this message's shared random indices."""
        arr = check_finite(x, "randk")
        index = state.indices(self.kept(arr.shape[1]))
        values = np.take_along_axis(arr, index, axis=1)
        body = bitops.float_bits(values, _FLOATS[self.precision])
        return bitops.pack_fixed(body), replace(state, count=state.count + 1)

    def decode(self, batch: PayloadBatch, state: RandKState) -> tuple[Stack, RandKState]:
        """Place the values at the indices the shared seed gives."""
        index = state.indices(self.kept(state.dim))
        values = bitops.bits_float(bitops.unpack_fixed(batch), _FLOATS[self.precision])
        if self.unbiased:
            values *= state.dim / index.shape[1]
        out = np.zeros((len(batch), state.dim))
        np.put_along_axis(out, index, values, axis=1)
        return out, replace(state, count=state.count + 1)


@COMPRESSORS.register("topk", stateless=True)
def topk(k: float = 0.01, precision: int = 32, round: str = "nearest") -> TopK:
    """Top-k: the k largest-magnitude entries, indices in ceil(log2 D) bits + float values."""
    return TopK(k=k, precision=precision, round=round)


@COMPRESSORS.register("randk", randomised=True)
def randk(
    k: float = 0.01, precision: int = 32, unbiased: bool = False, round: str = "nearest"
) -> RandK:
    """Random-k: k entries at indices drawn from a shared seed; only the values travel."""
    return RandK(k=k, precision=precision, unbiased=unbiased, round=round)
