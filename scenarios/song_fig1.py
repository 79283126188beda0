"""Figures and numbers of the song-fig1 scenario (Song et al. 2021, Figure 1).

Left: training MSE against bits on the whole network, mean and spread over seeds, per number of
samples N. Right: bits to reach the target MSE against the feature dimension D, per N.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from gossip_sim.scenarios import markdown_table, plot_band

SETTINGS = {
    "left_dim": 2600,
    "fixed": "20 gossip rounds",
    "paper": "ln(t+100) gossip rounds (paper)",
}


def report(results, figures):
    """Draw Figure 1 left and right; tabulate bits to the target per N and D."""
    s = results.settings
    target = results.runs[0].get("target")
    agents = results.runs[0].get("agents")
    fig, ax = plt.subplots(figsize=(6.5, 4.5), constrained_layout=True)
    for samples in results.unique("samples"):
        n = samples * agents
        for label, style in ((s["fixed"], "-"), (s["paper"], "--")):
            runs = results.where(samples=samples, series=label, dim=s["left_dim"])
            if len(runs):
                plot_band(
                    ax, runs, "cumulative_bits", "error", label=f"N = {n}, {label}", linestyle=style
                )
    ax.axhline(target, color="grey", linestyle=":", linewidth=1)
    ax.set_xscale("log")
    ax.set_xlabel("bits transmitted (whole network)")
    ax.set_ylabel("training MSE")
    ax.set_title(f"D = {s['left_dim']}, ring of {agents}")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize="small")
    seeds = len(results.unique("seed"))
    figures.save(
        fig,
        "fig1-left",
        f"Training MSE against bits on the whole network (line: geometric mean over "
        f"{seeds} seed(s), band: min to max).",
    )

    fig, ax = plt.subplots(figsize=(6.5, 4.5), constrained_layout=True)
    rows, spread = [], {}
    for samples in results.unique("samples"):
        n = samples * agents
        fixed = results.where(samples=samples, series=s["fixed"])
        dims = sorted(fixed.unique("dim"))
        mean, low, high = [], [], []
        for dim in dims:
            runs = fixed.where(dim=dim)
            bits = [r.summary.total_bits for r in runs if r.reached]
            its = [r.summary.rounds for r in runs if r.reached]
            if not bits:
                rows.append([n, dim, f"0/{len(runs)}", None, None, None, None])
                continue
            mean.append(np.mean(bits))
            low.append(min(bits))
            high.append(max(bits))
            rows.append(
                [
                    n,
                    dim,
                    f"{len(bits)}/{len(runs)}",
                    np.mean(bits),
                    min(bits),
                    max(bits),
                    np.mean(its),
                ]
            )
        reached = [d for d in dims if any(r.reached for r in fixed.where(dim=d))]
        if mean:
            err = [np.subtract(mean, low), np.subtract(high, mean)]
            ax.errorbar(reached, mean, yerr=err, marker="o", capsize=3, label=f"N = {n}")
            spread[n] = (max(mean) / min(mean), mean[-1])
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("feature dimension D")
    ax.set_ylabel(f"bits to training MSE {target:g}")
    ax.set_title(s["fixed"])
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize="small")
    figures.save(
        fig,
        "fig1-right",
        f"Bits to reach training MSE {target:g} against the feature dimension D "
        "(mean over seeds, bars: min to max).",
    )

    lines = []
    for n, (ratio, _) in spread.items():
        lines.append(
            f"- N = {n}: over the D swept, the mean bits to {target:g} vary by a factor "
            f"{ratio:.2f} (largest over smallest)."
        )
    ns = sorted(spread)
    if len(ns) > 1:
        lines.append(
            f"- At the largest D, N = {ns[-1]} needs {spread[ns[-1]][1] / spread[ns[0]][1]:.2f}"
            f" times the bits of N = {ns[0]} ({ns[-1] / ns[0]:g} times the samples)."
        )
    paper = results.where(series=s["paper"])
    if len(paper):
        finals = [r.summary.final_error for r in paper if r.summary is not None]
        reached = sum(r.reached for r in paper)
        lines.append(
            f"- With the paper's floor(ln(t+100)) rounds, {reached}/{len(paper)} runs "
            f"reached {target:g}; the others ended at training MSE "
            f"{min(finals):.2g} to {max(finals):.2g}."
        )
    table = markdown_table(
        ["N", "D", "reached", f"bits to {target:g} (mean)", "min", "max", "iterations"], rows
    )
    return "\n".join(lines) + "\n\n" + table
