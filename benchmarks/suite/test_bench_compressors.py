"""Issue 19, goal 4: every compressor's encode + decode throughput against ``identity``'s.

A (8, D) stack of Gaussian rows, D = 10⁶ (quick: 10⁵), encoded and decoded by each compressor
of ``benchmarks/compress_throughput.py`` and by every other registered one (with its default
parameters), interleaved with ``identity`` on the same stack. ``throughput_vs_identity`` =
identity's time / the compressor's (1.0: as fast as sending the float64s; the goal is ≥ 0.5).
State set-up (``init``: the sketch B) is untimed; state carries over rounds, as in a run.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from suite_timing import against

import gossip_sim as gs

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from compress_throughput import SPECS  # benchmarks/ is no package

ROWS = 8
REGISTERED = [n for n in gs.compress.COMPRESSORS.names() if not any(s.startswith(n) for s in SPECS)]


class _Codec:
    """One compressor with its sender's and receiver's state on one stack."""

    def __init__(self, spec: str, x: np.ndarray) -> None:
        self.comp, self.x = gs.compress.create(spec), x
        self.sender = self.comp.init(x.shape, seed=0)
        self.receiver = self.comp.init(x.shape, seed=0)
        self.rng, self.bits = np.random.default_rng(1), 0

    def __call__(self) -> None:
        batch, self.sender = self.comp.encode(self.x, self.sender, self.rng)
        _, self.receiver = self.comp.decode(batch, self.receiver)
        self.bits = batch.total_bits


@pytest.mark.parametrize("spec", [*SPECS, *REGISTERED])
def test_compressor_throughput(benchmark: Any, quick: bool, spec: str) -> None:
    dim = 100_000 if quick else 1_000_000
    if spec.startswith("linear") and dim > 100_000:
        pytest.skip("linear: B would be 256 x D dense; a sketch is for moderate D")
    x = np.random.default_rng(0).normal(size=(ROWS, dim))
    codec, identity = _Codec(spec, x), _Codec("identity", x)
    codec()  # first use: lazy imports and caches stay out of the figures
    identity()
    subject_s, identity_s = against(
        benchmark, codec, identity, rounds=9 if quick else 5, statistic="min"
    )
    benchmark.extra_info.update(
        figure="encode + decode throughput relative to identity's (identity s / compressor s)",
        compressor=spec, rows=ROWS, dim=dim, bits_per_entry=codec.bits / x.size,
    )  # fmt: skip
    if subject_s is not None:
        benchmark.extra_info["throughput_vs_identity"] = identity_s / subject_s
        benchmark.extra_info["mb_per_s"] = x.nbytes / 1e6 / subject_s
