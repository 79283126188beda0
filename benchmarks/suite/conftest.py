"""The benchmark suite's sizes, its quick mode, and the helper that records a ratio.

Run from the repository root (see docs/background/performance.md, "Benchmark suite"):

    pytest benchmarks/suite --benchmark-json=/tmp/bench.json             # full sizes
    GOSSIP_SIM_BENCH=quick pytest benchmarks/suite --benchmark-json=...  # CI sizes, < 1 min

Each benchmark times its subject with pytest-benchmark and, interleaved with it (one run of
each per round, so a change of load hits both), the reference it is compared with. The ratio
of the medians goes into the JSON's ``extra_info``: wall times vary with the machine and its
load, the ratios much less. Nothing here asserts a time.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable
from typing import Any

import pytest

#: GOSSIP_SIM_BENCH=quick (or ``--quick``): the small sizes CI runs.
QUICK_ENV = os.environ.get("GOSSIP_SIM_BENCH", "") == "quick"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--quick", action="store_true", help="gossip-sim benchmark suite: the small CI sizes"
    )


@pytest.fixture(scope="session")
def quick(request: pytest.FixtureRequest) -> bool:
    """Whether the suite runs at its quick (CI) sizes."""
    return QUICK_ENV or bool(request.config.getoption("--quick"))


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
) -> tuple[float | None, float]:
    """Time ``subject`` with pytest-benchmark and ``reference`` interleaved with it.

    A ``reference`` that needs untimed set-up times itself and returns its seconds; one that
    returns None is timed whole. ``prepare`` (untimed) builds the subject's arguments afresh
    for each round. Returns the
    median seconds of the subject (None under ``--benchmark-disable``) and of the reference,
    and records the reference's median and ``ratio`` = subject / reference in ``extra_info``.
    """
    reference_s: list[float] = []

    def setup() -> tuple[tuple[Any, ...], dict[str, Any]]:
        start = time.perf_counter()
        own = reference()
        reference_s.append(time.perf_counter() - start if own is None else own)
        return prepare() if prepare is not None else ((), {})

    benchmark.pedantic(subject, setup=setup, rounds=rounds, iterations=1, warmup_rounds=0)
    ref = statistics.median(reference_s)
    benchmark.extra_info["reference_median_s"] = ref
    stats = getattr(benchmark.stats, "stats", None)
    if stats is None:  # --benchmark-disable: the subject ran once, untimed
        return None, ref
    benchmark.extra_info["ratio"] = stats.median / ref
    return stats.median, ref
