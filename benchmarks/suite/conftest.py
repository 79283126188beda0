"""The benchmark suite's quick mode: ``GOSSIP_SIM_BENCH=quick`` or ``--quick``.

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


@pytest.fixture(autouse=True)
def _record_mode(benchmark: Any, quick: bool) -> None:
    """Write the mode into every benchmark's JSON: compare quick runs with quick runs only."""
    benchmark.extra_info["quick"] = quick
