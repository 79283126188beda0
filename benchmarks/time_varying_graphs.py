"""Time-varying graphs: exactness of the one-peer exponential graph and rounds to consensus.

    python benchmarks/time_varying_graphs.py                # K = 2..1024 and K = 64, 100
    python benchmarks/time_varying_graphs.py --agents 256

Plain averaging x_{t+1} = W_t x_t (:func:`gossip_sim.topology.mix_sequence`'s recursion) from
one Gaussian x_0. Prints, for K = 2^m, how far the product of m consecutive one-peer W_t is from
11ᵀ/K and how far x_m is from the average; then, for each size asked, the rounds each family
needs to bring ‖x_t - x̄‖ below 1e-8 ‖x_0 - x̄‖ and the messages it sends per round. Numbers,
not timings: the results are the same on every machine.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

import numpy as np
import scipy.sparse as sp

import gossip_sim as gs
from gossip_sim.topology import GraphSchedule, build, schedule_of


def _schedule(spec: str, k: int) -> GraphSchedule:
    schedule = schedule_of(build(spec, k, seed=1))
    assert schedule is not None, spec
    return schedule


def exactness(max_m: int) -> None:
    """Print max |Π W_t - J| and max |x_m - x̄| for K = 2^m, m = 1..max_m."""
    print("one-peer exponential, K = 2^m: m consecutive rounds")
    for m in range(1, max_m + 1):
        k = 2**m
        schedule = _schedule("one-peer-exponential", k)
        product: sp.csr_array = sp.csr_array(sp.identity(k, format="csr"))
        x0 = np.random.default_rng(0).normal(size=k)
        x = x0
        for t in range(m):
            product = schedule.at(t) @ product
            x = schedule.at(t) @ x
        gap = np.abs(product.toarray() - 1 / k).max()
        print(f"  K={k:5d}  max|prod W_t - 11'/K| = {gap:.1e}  max|x_m - mean| = "
              f"{np.abs(x - x0.mean()).max():.1e}")  # fmt: skip


def rounds_to(step: Callable[[int], sp.csr_array], k: int, seed: int = 0) -> int | None:
    """Return the rounds until ‖x_t - x̄‖ <= 1e-8 ‖x_0 - x̄‖ (None after 50,000)."""
    x0 = np.random.default_rng(seed).normal(size=k)
    start, x = np.linalg.norm(x0 - x0.mean()), x0
    for t in range(50_000):
        if np.linalg.norm(x - x0.mean()) <= 1e-8 * start:
            return t
        x = step(t) @ x
    return None


def _static(W: sp.csr_array) -> Callable[[int], sp.csr_array]:
    return lambda t: W


def families(k: int) -> None:
    """Print rounds to 1e-8 and messages per round of static and time-varying graphs."""
    print(f"K = {k}: rounds to 1e-8 relative consensus error, messages per round")
    for spec in ("ring", "exponential"):
        graph = build(spec, k)
        W = gs.mixing.mixing_matrix("metropolis-hastings", graph)
        rounds = rounds_to(_static(W), k)
        print(f"  {spec + ' (static, MH)':34s} {rounds!s:>18s}  {2 * graph.number_of_edges():7.1f}")
    for spec in ("one-peer-exponential", "random-matching", "random-matching:base=ring"):
        schedule = _schedule(spec, k)
        runs = [
            rounds_to(schedule.at, k, seed) for seed in range(3 if schedule.period is None else 1)
        ]
        sent = np.mean([len(schedule.sends(t)) for t in range(50)])
        print(f"  {spec:34s} {', '.join(map(str, runs)):>18s}  {sent:7.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-m", type=int, default=10, help="largest m of K = 2^m")
    parser.add_argument("--agents", type=int, nargs="+", default=[64, 100])
    args = parser.parse_args()
    exactness(args.max_m)
    for k in args.agents:
        families(k)


if __name__ == "__main__":
    main()
