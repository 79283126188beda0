"""Encode + decode throughput of every compressor, in MB of float64 input per second.

    python benchmarks/compress_throughput.py            # D = 10^4 and 10^6
    python benchmarks/compress_throughput.py --dims 1000 --rows 64

Each measurement encodes and decodes a (rows, D) stack of Gaussian vectors, repeating until at
least ``--min-seconds`` have passed, and reports the best repetition. Setting up shared state
(``init``: e.g. drawing the sketch B) happens once per run and is not timed.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import gossip_sim as gs

SPECS = [
    "identity",
    "identity:precision=32",
    "qsgd:s=16",
    "qsgd:s=16,packing=gamma",
    "qsgd:s=16,scaled=true",
    "topk:k=0.01",
    "randk:k=0.01",
    "sign",
    "grid:b=8,r=4.0",
    "lattice:eps=0.1,radius=10000.0",
    "linear:h=256+qsgd:s=16",
]


def measure(spec: str, rows: int, dim: int, min_seconds: float) -> tuple[float, float]:
    """Return (MB/s of float64 input, bits per entry) for one compressor."""
    comp = gs.compress.create(spec)
    x = np.random.default_rng(0).normal(size=(rows, dim))
    rng = np.random.default_rng(1)
    best, spent, bits = np.inf, 0.0, 0
    sender, receiver = comp.init(x.shape, seed=0), comp.init(x.shape, seed=0)
    while spent < min_seconds:
        start = time.perf_counter()
        batch, sender = comp.encode(x, sender, rng)
        _, receiver = comp.decode(batch, receiver)
        elapsed = time.perf_counter() - start
        best, spent, bits = min(best, elapsed), spent + elapsed, batch.total_bits
    return x.nbytes / 1e6 / best, bits / x.size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dims", type=int, nargs="+", default=[10_000, 1_000_000])
    parser.add_argument("--rows", type=int, default=8, help="vectors per stack (agents)")
    parser.add_argument("--min-seconds", type=float, default=0.5)
    args = parser.parse_args()
    print(f"{'compressor':<32}{'D':>10}{'MB/s':>10}{'bits/entry':>12}")
    for dim in args.dims:
        for spec in SPECS:
            if spec.startswith("linear") and dim > 100_000:
                continue  # B would be 256 x D dense: a sketch is for moderate D
            rate, bits = measure(spec, args.rows, dim, args.min_seconds)
            print(f"{spec:<32}{dim:>10}{rate:>10.1f}{bits:>12.3f}", flush=True)


if __name__ == "__main__":
    main()
