"""A run's trace does not depend on how many threads BLAS uses (issue 19, goal 5).

Per-round metrics are single-pass ``einsum`` reductions: BLAS's threaded dot product splits its
sum by thread, so its last bits (written in full in rounds.csv) followed the thread count.
Each configuration runs in two fresh interpreters, with 1 and with 4 BLAS threads, and every
file of the run must be byte-identical.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from gossip_sim.problems import consensus_error

THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")

CONFIGS = {
    # 20,000 numbers per consensus error: above OpenBLAS's threshold for a threaded dot.
    "ring-consensus": ["--topology", "ring", "--agents", "200", "--dim", "100"],
    # dim 150 > 128: LAPACK's QR of the rotation would be blocked, hence threaded.
    "torus-quadratic": [
        "--topology",
        "torus",
        "--agents",
        "144",
        "--dim",
        "150",
        "--problem",
        "quadratic:kappa=10",
        "--algorithm",
        "choco-sgd",
    ],
}


def _run(args: list[str], threads: int, out: Path) -> dict[str, bytes]:
    env = {**os.environ, **dict.fromkeys(THREAD_VARIABLES, str(threads))}
    command = [sys.executable, "-m", "gossip_sim", *args, "--rounds", "6", "--target", "0"]
    command += ["--no-plot", "-q", "--out", str(out)]
    subprocess.run(command, env=env, check=True, capture_output=True, timeout=300)
    return {p.name: p.read_bytes() for p in sorted(out.iterdir()) if p.is_file()}


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_trace_is_identical_with_1_and_4_blas_threads(name: str, tmp_path: Path) -> None:
    one = _run(CONFIGS[name], 1, tmp_path / "one")
    four = _run(CONFIGS[name], 4, tmp_path / "four")
    assert {"rounds.csv", "summary.json"} <= set(one)
    assert one.keys() == four.keys()
    for file in one:
        assert one[file] == four[file], f"{file} differs between 1 and 4 BLAS threads"


def test_consensus_error_is_the_mean_squared_distance_to_the_average() -> None:
    values = np.random.default_rng(3).standard_normal((300, 70))
    expected = sum(float(np.sum((row - values.mean(axis=0)) ** 2)) for row in values) / 300
    assert consensus_error(values) == pytest.approx(expected, rel=1e-13)
    assert consensus_error(np.ones((4, 3))) == 0.0
