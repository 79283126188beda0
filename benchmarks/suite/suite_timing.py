"""Timing helpers of the benchmark suite: a subject against its reference, interleaved."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any

__all__ = ["against", "seconds"]


def seconds(fn: Callable[[], Any]) -> float:
    """Wall seconds of one call of ``fn``."""
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def against(
    benchmark: Any,
    subject: Callable[..., Any],
    reference: Callable[[], float | None],
    *,
    rounds: int,
    prepare: Callable[[], tuple[tuple[Any, ...], dict[str, Any]]] | None = None,
    statistic: str = "median",
) -> tuple[float | None, float]:
    """Time ``subject`` with pytest-benchmark and ``reference`` interleaved with it.

    A ``reference`` that needs untimed set-up times itself and returns its seconds; one that
    returns None is timed whole. ``prepare`` (untimed) builds the subject's arguments afresh
    for each round. ``statistic``: ``"median"`` (whole runs) or ``"min"`` (best of, for short
    kernels whose times the allocator and the cache scatter). Returns that statistic of the
    subject's seconds (None under ``--benchmark-disable``) and of the reference's, and records
    the reference's as ``reference_s`` and ``ratio`` = subject / reference in ``extra_info``.
    """
    reference_s: list[float] = []

    def setup() -> tuple[tuple[Any, ...], dict[str, Any]]:
        start = time.perf_counter()
        own = reference()
        reference_s.append(time.perf_counter() - start if own is None else own)
        return prepare() if prepare is not None else ((), {})

    benchmark.pedantic(subject, setup=setup, rounds=rounds, iterations=1, warmup_rounds=0)
    pick = {"median": statistics.median, "min": min}[statistic]
    ref = pick(reference_s)
    benchmark.extra_info.update(statistic=statistic, reference_s=ref)
    stats = getattr(benchmark.stats, "stats", None)
    if stats is None:  # --benchmark-disable: the subject ran once, untimed
        return None, ref
    own = getattr(stats, statistic)
    benchmark.extra_info["ratio"] = own / ref
    return own, ref
