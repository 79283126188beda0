"""The bare NumPy loop the full engine is compared with: the fairest floor of issue 19.

CHOCO-GOSSIP with QSGD (s levels, rescaled by 1/tau) on (K, D) arrays: a sparse W, the
consensus error of every round with one ``einsum`` pass, no network, no events, no bytes. Run
it under one BLAS thread (:func:`one_blas_thread`), as a careful hand-written loop would be.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import numpy as np


def bare_choco_qsgd(
    W: Any, x: np.ndarray, levels: int, gamma: float, rounds: int, seed: int = 0
) -> np.ndarray:
    """Run ``rounds`` of CHOCO-GOSSIP + QSGD on ``x`` (K, D); return each round's error."""
    rng = np.random.default_rng(seed)
    k, d = x.shape
    tau = 1 + min(d / levels**2, np.sqrt(d) / levels)
    x, x_hat = x.copy(), np.zeros_like(x)
    errors = np.empty(rounds)
    for t in range(rounds):
        v = x - x_hat
        norm = np.sqrt(np.einsum("ij,ij->i", v, v))[:, None]
        level = np.floor(np.abs(v) / np.where(norm > 0, norm, 1) * levels + rng.random(v.shape))
        x_hat += np.sign(v) * norm * level / (levels * tau)
        x += gamma * (W @ x_hat - x_hat)
        deviation = x - x.mean(axis=0)
        errors[t] = np.einsum("ij,ij->", deviation, deviation) / k
    return errors


@contextlib.contextmanager
def one_blas_thread() -> Iterator[None]:
    """Limit BLAS (and OpenMP) to one thread inside the block, if threadpoolctl is there."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # without it the floor runs with the default threads
        yield
        return
    with threadpool_limits(limits=1):
        yield
