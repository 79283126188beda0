"""Encode + decode throughput of every compressor, in MB of float64 input per second.

    python benchmarks/compress_throughput.py            # D = 10^4 and 10^6
    python benchmarks/compress_throughput.py --dims 1000 --rows 64

Each measurement encodes and decodes a (rows, D) stack of Gaussian vectors and reports the best
repetition. The compressors are measured in turns (``--turns`` passes over the list, each of
``--min-seconds / --turns``), so a burst of load on a shared machine hits all of them alike and
the ratio to ``identity`` (the last column, issue 19 asks for >= 0.5) is measured in the same
run. Setting up shared state (``init``: e.g. drawing the sketch B) is not timed.
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


def measure(spec: str, x: np.ndarray, seconds: float, slot: dict[str, object]) -> None:
    """Time encode + decode of ``x`` for ``seconds``; keep the best time and bits in ``slot``."""
    comp = slot.setdefault("comp", gs.compress.create(spec))
    if "sender" not in slot:
        slot["sender"] = comp.init(x.shape, seed=0)
        slot["receiver"] = comp.init(x.shape, seed=0)
        slot["rng"] = np.random.default_rng(1)
        slot["best"] = np.inf
    spent = 0.0
    while spent < seconds:
        start = time.perf_counter()
        batch, slot["sender"] = comp.encode(x, slot["sender"], slot["rng"])
        _, slot["receiver"] = comp.decode(batch, slot["receiver"])
        elapsed = time.perf_counter() - start
        spent += elapsed
        slot["best"] = min(float(slot["best"]), elapsed)  # type: ignore[arg-type]
        slot["bits"] = batch.total_bits / x.size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dims", type=int, nargs="+", default=[10_000, 1_000_000])
    parser.add_argument("--rows", type=int, default=8, help="vectors per stack (agents)")
    parser.add_argument("--min-seconds", type=float, default=0.5)
    parser.add_argument("--turns", type=int, default=3, help="passes over the compressors")
    args = parser.parse_args()
    print(f"{'compressor':<32}{'D':>10}{'MB/s':>10}{'bits/entry':>12}{'/identity':>11}")
    for dim in args.dims:
        x = np.random.default_rng(0).normal(size=(args.rows, dim))
        specs = [s for s in SPECS if not (s.startswith("linear") and dim > 100_000)]
        # (linear: B would be 256 x D dense; a sketch is for moderate D)
        slots: dict[str, dict[str, object]] = {spec: {} for spec in specs}
        for _ in range(args.turns):
            for spec in specs:
                measure(spec, x, args.min_seconds / args.turns, slots[spec])
        base = float(slots["identity"]["best"])  # type: ignore[arg-type]
        for spec in specs:
            best = float(slots[spec]["best"])  # type: ignore[arg-type]
            rate, bits = x.nbytes / 1e6 / best, float(slots[spec]["bits"])  # type: ignore[arg-type]
            print(f"{spec:<32}{dim:>10}{rate:>10.1f}{bits:>12.3f}{base / best:>11.2f}", flush=True)


if __name__ == "__main__":
    main()
