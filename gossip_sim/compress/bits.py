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

import math
import sys
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gossip_sim.compress.base import PayloadBatch

__all__ = [
    "BLOCK",
    "bits_float",
    "bits_uint",
    "blocks",
    "draw_block",
    "float_bits",
    "gamma_decode",
    "gamma_encode",
    "gamma_pack_rows",
    "gamma_unpack_rows",
    "pack_fixed",
    "pack_ragged",
    "pack_uint",
    "rng_rows",
    "row_bits",
    "uint_bits",
    "uint_dtype",
    "unpack_fixed",
    "unpack_uint",
    "width_for",
]

Bits = NDArray[np.uint8]

#: Entries per block of :func:`blocks`: scratch arrays of this many float64 stay in cache.
BLOCK = 1 << 15


def blocks(k: int, dim: int, size: int | None = None) -> Iterator[tuple[slice, slice]]:
    """Cover a (k, dim) stack with blocks of about ``size`` (default :data:`BLOCK`) entries.

    Whole rows are grouped while a row is shorter than ``size``; longer rows are cut into column
    ranges. Visiting the blocks in order visits the entries in C order, so per-row random
    streams (and one stream for the stack) are drawn in the same order as all at once.

    Examples
    --------
    >>> [(r.start, r.stop, c.start, c.stop) for r, c in blocks(3, 4, size=8)]
    [(0, 2, 0, 4), (2, 3, 0, 4)]
    >>> [(r.start, c.start, c.stop) for r, c in blocks(1, 5, size=2)]
    [(0, 0, 2), (0, 2, 4), (0, 4, 5)]
    """
    size = BLOCK if size is None else size
    if dim >= size:
        for row in range(k):
            for col in range(0, dim, size):
                yield slice(row, row + 1), slice(col, min(col + size, dim))
    else:
        step = max(size // max(dim, 1), 1)
        for row in range(0, k, step):
            yield slice(row, min(row + step, k)), slice(0, dim)


def draw_block(
    rng: np.random.Generator | Sequence[np.random.Generator],
    rows: slice,
    cols: slice,
    out: NDArray[np.float64],
) -> None:
    """Fill ``out`` (the block ``rows, cols``) with the uniforms :func:`rng_rows` would put there.

    Blocks must be drawn in the order :func:`blocks` yields them.

    Examples
    --------
    >>> whole = rng_rows(np.random.default_rng(3), (2, 5))
    >>> rng, parts = np.random.default_rng(3), np.empty((2, 5))
    >>> for r, c in blocks(2, 5, size=2):
    ...     draw_block(rng, r, c, parts[r, c])
    >>> bool(np.array_equal(whole, parts))
    True
    """
    if isinstance(rng, np.random.Generator):
        rng.random(out=out)
        return
    for offset, generator in enumerate(rng[rows.start : rows.stop]):
        generator.random(out=out[offset])


def width_for(n_values: int) -> int:
    """Return the bits needed to write one of ``n_values`` values (0 for a single value).

    Examples
    --------
    >>> [width_for(n) for n in (1, 2, 3, 16, 17)]
    [0, 1, 2, 4, 5]
    """
    return max(int(n_values) - 1, 0).bit_length()


def uint_dtype(width: int) -> np.dtype:
    """Return the smallest unsigned dtype holding ``width`` bits.

    Examples
    --------
    >>> [str(uint_dtype(w)) for w in (1, 8, 9, 33)]
    ['uint8', 'uint8', 'uint16', 'uint64']
    """
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
    values = np.asarray(values).astype(uint_dtype(max(width, 1)))
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
    acc = np.zeros(groups.shape[:-1], dtype=uint_dtype(max(width, 1)))
    for j in range(width):
        acc <<= 1
        acc |= groups[..., j]
    return acc.astype(np.int64)


#: Widest field written by 64-bit windows: a field (or run of fields) starting at any bit of a
#: byte still ends inside the 8 bytes from that byte.
_WIDE = 57


def _window_layout(width: int) -> tuple[int, int, int]:
    """Fields per run, fields per period and bytes per period of the windowed packing.

    A *run* is ``t`` consecutive fields read as one integer of ``t · width ≤ 57`` bits: the
    ``t`` fields that share one 64-bit word of their dtype (one word's lanes, so runs are built
    with whole-array shifts of a ``uint64`` view; ``t = 1`` when they would not fit, or on a
    big-endian machine). A *period* is the fewest whole runs filling whole bytes, at least 8.

    Examples
    --------
    >>> _window_layout(27)  # runs of 2 fields (54 bits); 8 fields fill 27 bytes
    (2, 8, 27)
    >>> _window_layout(6)  # runs of 8 uint8 fields (48 bits); 16 fields fill 12 bytes
    (8, 16, 12)
    """
    lanes = 8 // uint_dtype(width).itemsize
    run = lanes if lanes * width <= _WIDE and sys.byteorder == "little" else 1
    group = 8 // math.gcd(width, 8)
    fields = run * group // math.gcd(run, group)
    nbytes = fields * width // 8
    repeat = -(-8 // nbytes)
    return run, fields * repeat, nbytes * repeat


def _windows(buffer: NDArray[np.uint8], first: int, count: int, stride: int) -> NDArray[Any]:
    """Return the big-endian 64-bit words at ``buffer[first + i · stride :][:8]``, i < ``count``."""
    return np.ndarray((count,), dtype=">u8", buffer=buffer, offset=first, strides=(stride,))


def _runs_into(
    values: NDArray[np.unsignedinteger], width: int, run: int, out: NDArray[np.uint64]
) -> None:
    """Write ``run`` consecutive fields as one integer, the first field in the highest bits."""
    mask = np.uint64((1 << width) - 1)
    if run == 1:
        np.copyto(out, values, casting="unsafe")
        out &= mask
        return
    lane = 64 // run
    words = values.view(np.uint64)  # lane i of word j: field run·j + i (little-endian)
    np.bitwise_and(words, mask, out=out)
    scratch = np.empty_like(out)
    for i in range(1, run):
        np.right_shift(words, np.uint64(lane * i), out=scratch)
        scratch &= mask
        out <<= np.uint64(width)
        out |= scratch


def _pack_windows(values: NDArray[np.integer], width: int) -> NDArray[np.uint8]:
    """:func:`pack_uint` for widths up to 57 bits, by whole 64-bit words of output.

    Each period's bytes are covered by 8-byte windows (at 0, 8, 16, … and at its last 8
    bytes); a window is the OR of the (at most three) runs it meets, shifted into place, and is
    assigned whole, so windows that overlap write the same bytes. Blocks of periods stay in
    cache; every operation is a shift, an OR or an assignment over a column of periods.
    """
    k, n = values.shape
    nbytes = (n * width + 7) // 8
    run, period, size = _window_layout(width)
    runs = period // run
    groups = -(-n // period)
    dtype = uint_dtype(width)
    if groups * period != n or values.dtype != dtype:
        padded = np.zeros((k, groups * period), dtype=dtype)
        padded[:, :n] = values  # casting keeps the low bits, as uint_bits does
        values = padded
    flat = np.ascontiguousarray(values).reshape(-1)
    span, total = run * width, k * groups
    plan: list[tuple[int, list[tuple[int, int]]]] = []
    for start in sorted({*range(0, size - 7, 8), size - 8}):
        end = 8 * start + 64  # bit just past the window
        met = range(8 * start // span, min(-(-end // span), runs))
        plan.append((start, [(i, end - (i + 1) * span) for i in met]))
    out = np.empty(total * size, dtype=np.uint8)
    step = max(4 * BLOCK // period, 1)
    run_buf = np.empty(step * runs, dtype=np.uint64)
    acc_buf, part_buf = np.empty(step, dtype=np.uint64), np.empty(step, dtype=np.uint64)
    for first in range(0, total, step):
        count = min(step, total - first)
        block = run_buf[: count * runs]
        _runs_into(flat[first * period : (first + count) * period], width, run, block)
        columns = block.reshape(count, runs)
        acc, part = acc_buf[:count], part_buf[:count]
        for start, parts in plan:
            for j, (index, shift) in enumerate(parts):
                if j and shift == 0:  # the run ends the window: OR it in as it is
                    acc |= columns[:, index]
                    continue
                target = part if j else acc
                if shift >= 0:  # the run ends inside the window; bits before it fall off
                    np.left_shift(columns[:, index], np.uint64(shift), out=target)
                else:  # the run goes on past the window
                    np.right_shift(columns[:, index], np.uint64(-shift), out=target)
                if j:
                    acc |= part
            _windows(out, first * size + start, count, size)[...] = acc
    rows = out.reshape(k, groups * size)
    return rows if rows.shape[1] == nbytes else rows[:, :nbytes]


def _unpack_windows(rows: NDArray[np.uint8], width: int, count: int) -> NDArray[np.unsignedinteger]:
    """:func:`unpack_uint` for widths up to 57 bits: each run read from one 64-bit window."""
    k = rows.shape[0]
    run, period, size = _window_layout(width)
    runs = period // run
    groups = -(-count // period)
    total = k * groups
    if rows.shape[1] == groups * size and rows.flags.c_contiguous:
        staged = rows.reshape(-1)  # no copy: the payload bytes are read in place
    else:
        padded = np.zeros((k, groups * size), dtype=np.uint8)
        used = min(rows.shape[1], groups * size)
        padded[:, :used] = rows[:, :used]
        staged = padded.reshape(-1)
    span = run * width
    plan: list[tuple[int, int, int]] = []
    for r in range(runs):  # the window holding run r, inside the period
        start = min(r * span // 8, size - 8)
        plan.append((r, start, 8 * start + 64 - (r + 1) * span))
    mask = np.uint64((1 << width) - 1)
    lane = 64 // run
    out = np.empty(total * period, dtype=uint_dtype(width))
    step = max(4 * BLOCK // period, 1)
    run_buf = np.empty(step * runs, dtype=np.uint64)
    scratch_buf = np.empty_like(run_buf)
    for first in range(0, total, step):
        n = min(step, total - first)
        columns = run_buf[: n * runs].reshape(n, runs)
        for r, start, shift in plan:
            window = _windows(staged, first * size + start, n, size)
            np.right_shift(window, np.uint64(shift), out=columns[:, r])
        block = columns.reshape(-1)
        target = out[first * period : (first + n) * period]
        if run == 1:
            block &= mask
            np.copyto(target, block, casting="unsafe")
            continue
        words, scratch = target.view(np.uint64), scratch_buf[: n * runs]  # word j: run j
        np.right_shift(block, np.uint64(width * (run - 1)), out=words)  # the first field
        words &= mask
        for i in range(1, run):  # field i of the run goes to lane i of the word
            np.right_shift(block, np.uint64(width * (run - 1 - i)), out=scratch)
            scratch &= mask
            scratch <<= np.uint64(lane * i)
            words |= scratch
    values = out.reshape(k, groups * period)
    return values if count == groups * period else values[:, :count]


def _group(width: int) -> tuple[int, int, np.dtype]:
    """Fields per byte-aligned group, the group's bytes, and the word that holds one group.

    ``g = 8 / gcd(width, 8)`` fields of ``width`` bits make ``g * width / 8`` whole bytes; the
    group is built in one unsigned word (8, 16, 32 or 64 bits) when it fits, else in several
    64-bit words (the dtype returned is then ``uint64``).
    """
    fields = 8 // math.gcd(width, 8)
    nbytes = fields * width // 8
    word = uint_dtype(8 * nbytes) if nbytes <= 8 else np.dtype(np.uint64)
    return fields, nbytes, word


def pack_uint(values: NDArray[np.integer], width: int) -> NDArray[np.uint8]:
    """Pack each row of non-negative integers in ``width`` bits each, most significant bit first.

    Shape ``(K, n)`` → ``(K, ⌈n · width / 8⌉)`` bytes: the bytes :func:`pack_fixed` writes for
    ``uint_bits(values, width)``, computed without a bit matrix. Widths of 8, 16, 32 or 64 bits
    are a big-endian cast; widths up to 57 bits are written as whole 64-bit windows (see
    :func:`_window_layout`); wider ones pack ``g`` fields (a whole number of bytes) per group
    of unsigned words with one shift-or per field — loops over the columns of a period, never
    over entries.

    Examples
    --------
    >>> pack_uint(np.array([[5, 1, 7]]), 3).tolist()  # 101 001 111 + 7 zero bits of padding
    [[167, 128]]
    >>> reference = pack_fixed(uint_bits(np.array([[9, 3]]), 4)).rows()
    >>> bool(np.array_equal(pack_uint(np.array([[9, 3]]), 4), reference))
    True
    """
    values = np.asarray(values)
    k, n = values.shape
    nbytes = (n * width + 7) // 8
    if width == 0 or n == 0:
        return np.zeros((k, nbytes), dtype=np.uint8)
    if width in (8, 16, 32, 64):
        big = values.astype(f">u{width // 8}", copy=False)
        return np.ascontiguousarray(big).view(np.uint8).reshape(k, nbytes)
    if width == 1:
        low = values & 1 if values.dtype.kind in "iu" else values.astype(np.int64) & 1
        return np.packbits(low.astype(np.bool_), axis=1)
    if width <= _WIDE:
        return _pack_windows(values, width)
    fields, group_bytes, word = _group(width)
    groups = -(-n // fields)
    if groups * fields != n:
        padded = np.zeros((k, groups * fields), dtype=values.dtype)
        padded[:, :n] = values
        values = padded
    columns = np.ascontiguousarray(values).reshape(k * groups, fields)
    out = np.empty((k * groups, group_bytes), dtype=np.uint8)
    step = max(4 * BLOCK // fields, 1)  # groups per block: small words stay in cache
    for first in range(0, k * groups, step):
        block = slice(first, first + step)
        _pack_groups(columns[block], width, word, out[block])
    return out.reshape(k, groups * group_bytes)[:, :nbytes]


def _pack_groups(
    columns: NDArray[np.integer], width: int, word: np.dtype, out: NDArray[np.uint8]
) -> None:
    """Write groups of fields (one group per row of ``columns``) as big-endian bytes to ``out``."""
    m, fields = columns.shape
    word_bits = 8 * word.itemsize
    nwords = -(-8 * out.shape[1] // word_bits)
    words = np.zeros((m, nwords), dtype=word)
    scratch = np.empty(m, dtype=word)
    mask = word.type((1 << width) - 1)
    for j in range(fields):
        index, offset = divmod(j * width, word_bits)
        end = offset + width
        np.copyto(scratch, columns[:, j], casting="unsafe")  # widen before shifting
        scratch &= mask  # the low ``width`` bits, as uint_bits writes them
        if end <= word_bits:
            scratch <<= word.type(word_bits - end)
            words[:, index] |= scratch
        else:
            words[:, index] |= scratch >> word.type(end - word_bits)
            scratch <<= word.type(2 * word_bits - end)
            words[:, index + 1] |= scratch
    raw = words.astype(word.newbyteorder(">")).view(np.uint8).reshape(m, -1)
    out[...] = raw[:, : out.shape[1]]


def unpack_uint(rows: NDArray[np.uint8], width: int, count: int) -> NDArray[np.unsignedinteger]:
    """Inverse of :func:`pack_uint`: read ``count`` fields of ``width`` bits from each byte row.

    Returns the smallest unsigned dtype that holds ``width`` bits, shape ``(K, count)``.

    Examples
    --------
    >>> unpack_uint(np.array([[167, 128]], dtype=np.uint8), 3, 3).tolist()
    [[5, 1, 7]]
    """
    rows = np.asarray(rows, dtype=np.uint8)
    k = rows.shape[0]
    dtype = uint_dtype(max(width, 1))
    if width == 0 or count == 0:
        return np.zeros((k, count), dtype=dtype)
    if width in (8, 16, 32, 64):
        raw = np.ascontiguousarray(rows[:, : count * width // 8])
        return raw.view(f">u{width // 8}").astype(dtype)
    if width == 1:
        return np.unpackbits(rows, axis=1, count=count)
    if width <= _WIDE:
        return _unpack_windows(rows, width, count)
    fields, group_bytes, word = _group(width)
    groups = -(-count // fields)
    used = min(rows.shape[1], groups * group_bytes)
    staged = np.zeros((k, groups * group_bytes), dtype=np.uint8)
    staged[:, :used] = rows[:, :used]
    raw = staged.reshape(k * groups, group_bytes)
    out = np.empty((k * groups, fields), dtype=dtype)
    step = max(4 * BLOCK // fields, 1)
    for first in range(0, k * groups, step):
        block = slice(first, first + step)
        _unpack_groups(raw[block], width, word, out[block])
    return out.reshape(k, groups * fields)[:, :count]


def _unpack_groups(
    raw: NDArray[np.uint8], width: int, word: np.dtype, out: NDArray[np.unsignedinteger]
) -> None:
    """Read the fields of byte groups (one per row of ``raw``) into the columns of ``out``."""
    m, fields = out.shape
    word_bits = 8 * word.itemsize
    nwords = -(-8 * raw.shape[1] // word_bits)
    buffer = np.zeros((m, nwords * word.itemsize), dtype=np.uint8)
    buffer[:, : raw.shape[1]] = raw
    words = buffer.view(word.newbyteorder(">")).astype(word)
    mask = word.type((1 << width) - 1)
    scratch = np.empty(m, dtype=word)
    for j in range(fields):
        index, offset = divmod(j * width, word_bits)
        end = offset + width
        if end <= word_bits:
            np.right_shift(words[:, index], word.type(word_bits - end), out=scratch)
        else:
            np.left_shift(words[:, index], word.type(end - word_bits), out=scratch)
            scratch |= words[:, index + 1] >> word.type(2 * word_bits - end)
        scratch &= mask
        out[:, j] = scratch


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


def _bit_length(values: NDArray[np.int64]) -> NDArray[np.int64]:
    """Bit length of positive integers below 2**53 (exact: ``frexp`` reads the exponent)."""
    return np.frexp(values.astype(np.float64))[1].astype(np.int64)


def _row_layout(
    header_bits: int, sections: NDArray[np.int64]
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
    """Return per-row nbits, byte offsets and the first bit of each row in the batch buffer."""
    nbits = header_bits + sections
    offsets = np.zeros(len(nbits) + 1, dtype=np.int64)
    np.cumsum((nbits + 7) // 8, out=offsets[1:])
    return nbits, offsets, 8 * offsets[:-1]


def _nonzero(values: NDArray[Any]) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """``np.nonzero`` of a 2-D array, through a boolean mask (several times faster)."""
    flat = np.flatnonzero(values != 0)
    row, col = np.divmod(flat, max(values.shape[1], 1))
    return row, col


def gamma_pack_rows(
    header: NDArray[np.uint8], level: NDArray[np.integer], negative: NDArray[np.bool_]
) -> PayloadBatch:
    """Pack K rows of header bytes, Elias-gamma levels and signs, all rows at once.

    Row ``i`` is ``header[i]``, then the gamma codes of ``level[i] + 1`` as a prefix stream and a
    mantissa stream (see :func:`gamma_encode`), then one sign bit (1 = negative) per non-zero
    level: the bits the row-by-row packing writes, laid out with offsets from cumulative sums.
    A level of 0 codes as the single bit ``1``, so only the non-zero levels are visited one by
    one (as array entries, not in a Python loop).

    Examples
    --------
    >>> batch = gamma_pack_rows(np.zeros((1, 0), np.uint8), np.array([[0, 1, 4]]),
    ...                         np.array([[False, True, False]]))
    >>> row_bits(batch, 0).tolist()  # prefixes 1|01|001, mantissas 0|01, signs 1 0
    [1, 0, 1, 0, 0, 1, 0, 0, 1, 1, 0]
    """
    header = np.asarray(header, dtype=np.uint8)
    level = np.asarray(level)
    k, dim = level.shape
    head = 8 * header.shape[1]
    row, col = _nonzero(level)
    value = level[row, col].astype(np.int64) + 1
    extra = _bit_length(value) - 1  # L - 1: the zeros before the prefix's 1, the mantissa bits
    count = np.bincount(row, minlength=k)
    zeros = np.bincount(row, weights=extra, minlength=k).astype(np.int64)
    nbits, offsets, start = _row_layout(head, dim + 2 * zeros + count)
    prefix_end = start + head + dim + zeros
    before = np.cumsum(extra) - extra  # zeros of earlier non-zero entries in the whole batch
    before -= (np.cumsum(zeros) - zeros)[row]  # ... in the same row
    # Per row: the header (filled below), the prefix stream (ones, the zeros set below), the rest.
    fill = np.tile(np.array([0, 1, 0], dtype=np.uint8), k)
    lengths = np.stack(
        [np.full(k, head), prefix_end - start - head, 8 * offsets[1:] - prefix_end], 1
    )
    buffer = np.repeat(fill, lengths.ravel())
    if head:
        buffer[(start[:, None] + np.arange(head)).ravel()] = np.unpackbits(header, axis=1).ravel()
    owner, within = _runs(extra)
    buffer[(start[row] + head + col + before)[owner] + within] = 0
    shift = extra[owner] - 1 - within
    buffer[(prefix_end[row] + before)[owner] + within] = (value[owner] >> shift) & 1
    rank = np.arange(len(row)) - (np.cumsum(count) - count)[row]
    buffer[prefix_end[row] + zeros[row] + rank] = negative[row, col]
    return PayloadBatch(np.packbits(buffer).tobytes(), offsets, nbits)


def gamma_unpack_rows(
    batch: PayloadBatch, dim: int, header_bytes: int = 4
) -> tuple[NDArray[np.uint8], NDArray[np.unsignedinteger], NDArray[np.bool_]]:
    """Inverse of :func:`gamma_pack_rows`: the header bytes, the (K, dim) levels and signs.

    The levels come in the smallest unsigned dtype that holds the largest one.

    Only the zero bits of the batch are located (a zero belongs to the prefix while fewer than
    ``dim`` ones precede it in its row), so the work follows the non-zero levels.

    Examples
    --------
    >>> batch = gamma_pack_rows(np.zeros((1, 0), np.uint8), np.array([[0, 1, 4]]),
    ...                         np.array([[False, True, False]]))
    >>> [a.tolist() for a in gamma_unpack_rows(batch, 3, header_bytes=0)[1:]]
    [[[0, 1, 4]], [[False, True, False]]]
    """
    k = len(batch)
    head = 8 * header_bytes
    data = np.frombuffer(batch.data, dtype=np.uint8)
    offsets = np.asarray(batch.offsets, dtype=np.int64)
    nbits = np.asarray(batch.nbits, dtype=np.int64)
    if np.any(nbits < head + dim):
        raise ValueError("payload ends before every gamma code was read")
    header = data[offsets[:-1, None] + np.arange(header_bytes)].reshape(k, header_bytes)
    bits = np.unpackbits(data)
    start = 8 * offsets[:-1]
    where = np.flatnonzero(bits == 0)
    row = np.searchsorted(start, where, side="right") - 1
    rel = where - start[row] - head
    keep = (rel >= 0) & (rel < nbits[row] - head)
    row, rel = row[keep], rel[keep]
    per_row = np.bincount(row, minlength=k)
    rank = np.arange(len(row)) - (np.cumsum(per_row) - per_row)[row]
    ones_before = rel - rank
    if np.any(nbits - head - per_row < dim):
        raise ValueError("payload ends before every gamma code was read")
    in_prefix = ones_before < dim
    row, col = row[in_prefix], ones_before[in_prefix]
    key = row * dim + col
    first = np.flatnonzero(np.diff(key, prepend=-1))  # each non-zero level's first zero
    extra = np.diff(np.append(first, len(key)))
    row, col = row[first], col[first]
    count = np.bincount(row, minlength=k)
    zeros = np.bincount(row, weights=extra, minlength=k).astype(np.int64)
    if np.any(nbits != head + dim + 2 * zeros + count):
        raise ValueError("gamma payload length does not match its codes")
    prefix_end = start + head + dim + zeros
    before = np.cumsum(extra) - extra
    before -= (np.cumsum(zeros) - zeros)[row]
    owner, within = _runs(extra)
    mantissa = bits[(prefix_end[row] + before)[owner] + within].astype(np.int64)
    low = np.bincount(owner, weights=mantissa << (extra[owner] - 1 - within), minlength=len(row))
    found = (np.int64(1) << extra) + low.astype(np.int64) - 1
    top = int(found.max()) if found.size else 0
    level = np.zeros((k, dim), dtype=uint_dtype(max(top.bit_length(), 1)))
    level[row, col] = found
    sign_rank = np.arange(len(row)) - (np.cumsum(count) - count)[row]
    negative = np.zeros((k, dim), dtype=np.bool_)
    negative[row, col] = bits[prefix_end[row] + zeros[row] + sign_rank] == 1
    return header, level, negative


def rng_rows(
    rng: np.random.Generator | Sequence[np.random.Generator],
    shape: tuple[int, int],
    out: NDArray[np.float64] | None = None,
) -> NDArray[np.float64]:
    """Draw uniforms of ``shape`` from one generator, or one row per generator from a list.

    ``out`` (C-contiguous float64 of ``shape``) receives the draws, which are the same numbers
    as without it: a scratch array saves allocating (and page-faulting) a fresh one.

    Examples
    --------
    >>> rs = [np.random.default_rng(1), np.random.default_rng(2)]
    >>> u = rng_rows(rs, (2, 3))
    >>> bool(u[1, 0] == np.random.default_rng(2).random(3)[0])
    True
    """
    if isinstance(rng, np.random.Generator):
        return rng.random(shape) if out is None else rng.random(out=out)
    if len(rng) != shape[0]:
        raise ValueError(f"got {len(rng)} random streams for {shape[0]} rows")
    out = np.empty(shape) if out is None else out
    for row, generator in zip(out, rng, strict=True):
        generator.random(out=row)
    return out
