"""Exact methods vs DGD: rounds to 1e-10 suboptimality, fitted linear rates, DGD's floor.

    python benchmarks/exact_methods.py                         # ring, torus, complete; K = 16
    python benchmarks/exact_methods.py --topology ring --agents 8 16 32

Logistic regression, 50 synthetic samples per agent sorted by label (``split=sorted``: the
first agents hold only −1s), λ = 0.1, D = 10, Metropolis–Hastings W, every step ``auto``.
For each network: its spectral gap δ = 1 − λ₂(W), λ_min(W) and κ_g = (1 − λ_min)/δ (the
network's condition number in NIDS's rate), then per method the step, the rounds to reach 1e-10
(or the error after ``--rounds``: DGD's floor), the per-round rate ρ fitted to log(error) where
1e-10 < error < 1e-4, and 1/(1 − ρ), the rounds per e-fold. Numbers, not timings: the same on
every machine. docs/background/exact-methods.md shows its output.
"""

from __future__ import annotations

import argparse

import numpy as np

import gossip_sim as gs
from gossip_sim.config import RunConfig

PROBLEM = "logistic:split=sorted,lam=0.1"
METHODS = ("dgd", "diging", "extra", "nids")


def fitted_rate(errors: np.ndarray) -> float:
    """Return exp(slope) of log(error) against the round, where 1e-10 < error < 1e-4."""
    rounds = np.arange(len(errors))
    keep = (errors < 1e-4) & (errors > 1e-10)
    if keep.sum() < 5:
        return float("nan")
    return float(np.exp(np.polyfit(rounds[keep], np.log(errors[keep]), 1)[0]))


def network_line(topology: str, k: int) -> str:
    """δ, λ_min and κ_g of the run's W."""
    W = gs.mixing.mixing_matrix("metropolis-hastings", gs.topology.build(topology, k))
    gap, lowest = gs.mixing.spectral_gap(W), 1.0 - gs.mixing.beta(W)
    kappa = (1 - lowest) / gap
    return f"{topology} K={k}: gap {gap:.4f}, lambda_min {lowest:.3f}, kappa_g {kappa:.1f}"


def method_line(topology: str, k: int, method: str, rounds: int) -> str:
    """One method's step, rounds to 1e-10 (or final error), fitted rate and rounds per e-fold."""
    config = RunConfig(
        topology=topology, agents=k, dim=10, problem=PROBLEM, algorithm=method,
        rounds=rounds, target=1e-10,
    )  # fmt: skip
    trace = gs.execute(config)
    rate = fitted_rate(trace.column("error"))
    reached = trace.summary().reached
    ending = f"{trace.final.round} rounds" if reached else f"floor {trace.final.error:.3g}"
    return (
        f"  {method:7s} step {trace.algorithm.step:.4g}  {ending:>12s}  rate {rate:.4f}  "
        f"e-fold {1 / (1 - rate):6.1f}  bits {trace.final.cumulative_bits}"
    )


def dgd_floor(k: int = 16, rounds: int = 20000) -> None:
    """Print DGD's error at rounds 1 000, 10 000 and the last, for steps auto, /10 and /100."""
    auto = gs.execute(RunConfig(topology="ring", agents=k, dim=10, problem=PROBLEM,
                                algorithm="dgd", rounds=0)).algorithm.step  # fmt: skip
    for step in (auto, auto / 10, auto / 100):
        config = RunConfig(
            topology="ring", agents=k, dim=10, problem=PROBLEM, algorithm=f"dgd:step={step!r}",
            rounds=rounds,
        )  # fmt: skip
        errors = gs.execute(config).column("error")
        print(f"dgd step {step:.4g}: initial {errors[0]:.4g}, round 1000 {errors[1000]:.4g}, "
              f"round 10000 {errors[10000]:.4g}, round {rounds} {errors[-1]:.4g}")  # fmt: skip


def main() -> None:
    """Print the table for each network asked."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--topology", nargs="+", default=["ring", "torus", "complete"])
    parser.add_argument("--agents", nargs="+", type=int, default=[16])
    parser.add_argument("--rounds", type=int, default=6000)
    parser.add_argument("--dgd-floor", action="store_true", help="DGD's floor vs its step")
    args = parser.parse_args()
    if args.dgd_floor:
        dgd_floor()
        return
    for topology in args.topology:
        for k in args.agents:
            print(network_line(topology, k), flush=True)
            for method in METHODS:
                print(method_line(topology, k, method, args.rounds), flush=True)


if __name__ == "__main__":
    main()
