"""Bit-level packing shared by the compressors: fixed-width fields, float headers, Elias gamma.

Everything works on a whole stack of K rows at once with :func:`numpy.packbits` and bit
operations; bits are written most significant first.

Examples
--------
>>> bits = uint_bits(np.array([[5, 1]]), width=3)
>>> bits.tolist()
[[1, 0, 1, 0, 0, 1]]
>>> bits_uint(bits, width=3).tolist()
[[5, 1]]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from gossip_sim.compress.base import PayloadBatch

__all__ = [
    "bits_float",
    "bits_uint",
    "float_bits",
    "gamma_decode",
    "gamma_encode",
    "pack_fixed",
    "pack_ragged",
    "rng_rows",
    "row_bits",
    "uint_bits",
    "unpack_fixed",
    "width_for",
]

Bits = NDArray[np.uint8]


def width_for(n_values: int) -> int:
    """Return the bits needed to write one of ``n_values`` values (0 for a single value).

    Examples
    --------
    >>> [width_for(n) for n in (1, 2, 3, 16, 17)]
    [0, 1, 2, 4, 5]
    """
    return max(int(n_values) - 1, 0).bit_length()


def _uint_dtype(width: int) -> np.dtype:
    for nbytes in (1, 2, 4, 8):
        if width <= 8 * nbytes:
            return np.dtype(f"u{nbytes}")
    raise ValueError(f"fields of {width} bits are wider than 64 bits")


def uint_bits(values: NDArray[np.integer], width: int) -> Bits:
    """Write each non-negative integer in ``width`` bits; shape ``(..., n)`` → ``(..., n * width)``.

    One vectorised pass per bit of the field (a loop over ``width``, never over entries).

    Examples
    --------
    >>> uint_bits(np.array([3]), 4).tolist()
    [0, 0, 1, 1]
    """
    values = np.asarray(values).astype(_uint_dtype(max(width, 1)))
    out = np.empty((*values.shape, width), dtype=np.uint8)
    for j in range(width):
        np.bitwise_and(values >> (width - 1 - j), 1, out=out[..., j], casting="unsafe")
    return out.reshape(*values.shape[:-1], values.shape[-1] * width)


def bits_uint(bits: Bits, width: int) -> NDArray[np.int64]:
    """Inverse of :func:`uint_bits`: read groups of ``width`` bits as integers.

    Examples
    --------
    >>> bits_uint(np.array([0, 0, 1, 1, 1, 1, 1, 1], dtype=np.uint8), 4).tolist()
    [3, 15]
    """
    bits = np.asarray(bits, dtype=np.uint8)
    groups = bits.reshape(*bits.shape[:-1], -1, width)
    acc = np.zeros(groups.shape[:-1], dtype=_uint_dtype(max(width, 1)))
    for j in range(width):
        acc <<= 1
        acc |= groups[..., j]
    return acc.astype(np.int64)


def float_bits(values: NDArray[np.floating], dtype: str = ">f4") -> Bits:
    """Write floats as IEEE bits (big-endian), shape ``(..., n)`` → ``(..., n * bits)``.

    Examples
    --------
    >>> float_bits(np.array([[1.0]]))[0, :9].tolist()  # sign and exponent of 1.0f
    [0, 0, 1, 1, 1, 1, 1, 1, 1]
    """
    arr = np.ascontiguousarray(np.asarray(values, dtype=dtype))
    raw = arr.view(np.uint8).reshape(*arr.shape[:-1], -1)
    return np.unpackbits(raw, axis=-1)


def bits_float(bits: Bits, dtype: str = ">f4") -> NDArray[np.float64]:
    """Inverse of :func:`float_bits`, returning float64.

    Examples
    --------
    >>> bits_float(float_bits(np.array([[0.1]]))).tolist() == [[np.float32(0.1)]]
    True
    """
    packed = np.packbits(np.asarray(bits, dtype=np.uint8), axis=-1)
    return np.ascontiguousarray(packed).view(dtype).astype(np.float64)


def pack_fixed(bits: Bits) -> PayloadBatch:
    """Pack a ``(K, n)`` array of bits into K payloads of exactly ``n`` bits each.

    Examples
    --------
    >>> batch = pack_fixed(np.ones((2, 9), dtype=np.uint8))
    >>> batch.nbits.tolist(), len(batch[0].data)
    ([9, 9], 2)
    """
    bits = np.asarray(bits, dtype=np.uint8)
    k, n = bits.shape
    return PayloadBatch.from_rows(np.packbits(bits, axis=1), np.full(k, n, dtype=np.int64))


def unpack_fixed(batch: PayloadBatch) -> Bits:
    """Return the ``(K, n)`` bits of a batch whose rows all carry the same ``n`` bits.

    Examples
    --------
    >>> b = np.array([[1, 0, 1]], dtype=np.uint8)
    >>> unpack_fixed(pack_fixed(b)).tolist()
    [[1, 0, 1]]
    """
    rows = batch.rows()
    n = int(batch.nbits[0]) if len(batch) else 0
    return np.unpackbits(rows, axis=1)[:, :n]


def _runs(lengths: NDArray[np.int64]) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """For runs of the given lengths laid end to end: each slot's run and its place in the run.

    Examples
    --------
    >>> [a.tolist() for a in _runs(np.array([2, 0, 3]))]
    [[0, 0, 2, 2, 2], [0, 1, 0, 1, 2]]
    """
    lengths = np.asarray(lengths, dtype=np.int64)
    owner = np.repeat(np.arange(len(lengths)), lengths)
    first = np.cumsum(lengths) - lengths
    return owner, np.arange(int(lengths.sum())) - first[owner]


def pack_ragged(bits: Bits, lengths: NDArray[np.int64]) -> PayloadBatch:
    """Pack rows of different bit lengths, given concatenated as one flat bit array.

    Row ``i`` is ``bits[sum(lengths[:i]) : sum(lengths[:i+1])]``; each row starts on a byte.

    Examples
    --------
    >>> batch = pack_ragged(np.array([1, 1, 0, 1], dtype=np.uint8), np.array([1, 3]))
    >>> batch.nbits.tolist(), batch.offsets.tolist()
    ([1, 3], [0, 1, 2])
    """
    lengths = np.asarray(lengths, dtype=np.int64)
    nbytes = (lengths + 7) // 8
    offsets = np.concatenate([[0], np.cumsum(nbytes)]).astype(np.int64)
    row, within = _runs(lengths)
    position = 8 * offsets[row] + within
    buffer = np.zeros(8 * int(offsets[-1]), dtype=np.uint8)
    buffer[position] = bits
    return PayloadBatch(np.packbits(buffer).tobytes(), offsets, lengths)


def row_bits(batch: PayloadBatch, i: int) -> Bits:
    """Return the ``nbits[i]`` content bits of row ``i`` of a batch.

    Examples
    --------
    >>> batch = pack_ragged(np.array([1, 1, 0, 1], dtype=np.uint8), np.array([1, 3]))
    >>> row_bits(batch, 1).tolist()
    [1, 0, 1]
    """
    payload = batch[i]
    return np.unpackbits(np.frombuffer(payload.data, dtype=np.uint8))[: payload.nbits]


def gamma_encode(values: NDArray[np.integer]) -> tuple[Bits, Bits]:
    """Elias-gamma code positive integers, returned as two streams: prefixes and mantissas.

    The gamma code of n (L = bit length of n) is L − 1 zeros followed by the L bits of n. This
    writes the *prefix* stream (L − 1 zeros and n's leading 1, per value) separately from the
    *mantissa* stream (the L − 1 bits after the leading 1): the same bits in another order, so
    the length is exactly gamma's, and both streams decode without a loop over entries.

    Examples
    --------
    >>> prefix, mantissa = gamma_encode(np.array([1, 2, 5]))
    >>> prefix.tolist(), mantissa.tolist()  # 1 | 01 | 001  and  - | 0 | 01
    ([1, 0, 1, 0, 0, 1], [0, 0, 1])
    """
    values = np.asarray(values, dtype=np.int64).ravel()
    if values.size and values.min() < 1:
        raise ValueError("Elias gamma codes positive integers only")
    length = np.floor(np.log2(values)).astype(np.int64) if values.size else values
    # Correct floating rounding of log2 near powers of two.
    length += (np.int64(1) << (length + 1)) <= values
    length -= (np.int64(1) << length) > values
    prefix = np.zeros(int(length.sum()) + values.size, dtype=np.uint8)
    prefix[np.cumsum(length + 1) - 1] = 1
    owner, within = _runs(length)
    bit_index = length[owner] - 1 - within
    mantissa = ((values[owner] >> bit_index) & 1).astype(np.uint8)
    return prefix, mantissa


def gamma_decode(bits: Bits, count: int) -> tuple[NDArray[np.int64], int]:
    """Decode ``count`` gamma codes written by :func:`gamma_encode` at the start of ``bits``.

    Returns the values and the number of bits read (prefix and mantissa streams together).

    Examples
    --------
    >>> prefix, mantissa = gamma_encode(np.array([1, 2, 5]))
    >>> values, used = gamma_decode(np.concatenate([prefix, mantissa]), 3)
    >>> values.tolist(), used
    ([1, 2, 5], 9)
    """
    ones = np.flatnonzero(bits)[:count] if count else np.zeros(0, dtype=np.int64)
    if len(ones) < count:
        raise ValueError("payload ends before every gamma code was read")
    ends = ones + 1
    length = np.diff(np.concatenate([[0], ends])) - 1
    prefix_bits = int(ends[-1]) if count else 0
    total = int(length.sum())
    mantissa = np.asarray(bits[prefix_bits : prefix_bits + total], dtype=np.int64)
    owner, within = _runs(length)
    shift = length[owner] - 1 - within
    low = np.bincount(owner, weights=mantissa << shift, minlength=count).astype(np.int64)
    return (np.int64(1) << length) + low, prefix_bits + total


def rng_rows(
    rng: np.random.Generator | Sequence[np.random.Generator], shape: tuple[int, int]
) -> NDArray[np.float64]:
    """Draw uniforms of ``shape`` from one generator, or one row per generator from a list.

    Examples
    --------
    >>> rs = [np.random.default_rng(1), np.random.default_rng(2)]
    >>> u = rng_rows(rs, (2, 3))
    >>> bool(u[1, 0] == np.random.default_rng(2).random(3)[0])
    True
    """
    if isinstance(rng, np.random.Generator):
        return rng.random(shape)
    if len(rng) != shape[0]:
        raise ValueError(f"got {len(rng)} random streams for {shape[0]} rows")
    out = np.empty(shape)
    for row, generator in zip(out, rng, strict=True):
        generator.random(out=row)
    return out
