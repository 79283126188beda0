"""Figures and numbers of the korhonen-scaling scenario (Korhonen & Alistarh 2021, Thm 3).

The ratio "bits used / lower bound" of every run, its band over the sweep, and how it moves
with each of N, d and eps.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from gossip_sim.scenarios import markdown_table

SETTINGS: dict = {}


def _rows(results):
    rows = []
    for run in results:
        if run.failure or not run.reached:
            continue
        s = run.summary
        rows.append(
            {
                "N": run.get("agents") - 1,
                "d": run.get("dim"),
                "eps": run.get("target"),
                "bits": s.total_bits,
                "bound": s.bound.bits,
                "ratio": s.bound.ratio,
                "rounds": s.rounds,
            }
        )
    return rows


def _factor_per_doubling(rows, key):
    """Return the factor the ratio is multiplied by per doubling of ``key`` (halving of eps).

    A least-squares fit of log2(ratio) on log2(key); None when ``key`` is constant.

    >>> rows = [{"d": d, "ratio": 3.0 * d**0.5} for d in (10, 20, 40)]
    >>> round(_factor_per_doubling(rows, "d"), 4)  # sqrt(2) per doubling
    1.4142
    """
    x = np.log2([float(r[key]) for r in rows])
    if np.ptp(x) == 0:
        return None
    slope = float(np.polyfit(x, np.log2([r["ratio"] for r in rows]), 1)[0])
    return float(2.0 ** (-slope if key == "eps" else slope))


def report(results, figures):
    """Draw bits against the bound and the ratio against N, d and eps; report the band."""
    rows = _rows(results)
    missed = [r for r in results if r.failure or not r.reached]
    if not rows:
        return "No run reached its target."
    ratio = np.array([r["ratio"] for r in rows])
    low, high = float(ratio.min()), float(ratio.max())
    bounds = [r.summary.bound for r in results if r.summary and r.summary.bound]
    formula = next((b.formula for b in bounds if b.formula), "N d log2(beta d / eps)")

    fig, ax = plt.subplots(figsize=(6, 5), constrained_layout=True)
    epsilons = sorted({r["eps"] for r in rows}, reverse=True)
    for eps in epsilons:
        pick = [r for r in rows if r["eps"] == eps]
        ax.scatter(
            [r["bound"] for r in pick], [r["bits"] for r in pick], s=18, label=f"ε = {eps:g}"
        )
    span = np.array([min(r["bound"] for r in rows), max(r["bound"] for r in rows)])
    for factor, style in ((low, ":"), (high, ":")):
        ax.plot(span, factor * span, "k" + style, linewidth=1)
    ax.text(span[-1], high * span[-1], f" ×{high:.1f}", va="center", fontsize="small")
    ax.text(span[-1], low * span[-1], f" ×{low:.1f}", va="center", fontsize="small")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(f"lower bound {formula} (bits)")
    ax.set_ylabel("bits used to reach ε (whole network)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize="small")
    figures.save(
        fig,
        "bits-vs-bound",
        f"Bits used against the lower bound, every run of the sweep; the dotted lines are the "
        f"band of the ratio, {low:.1f} to {high:.1f}.",
    )

    fig, axes = plt.subplots(1, 3, figsize=(13, 4), sharey=True, constrained_layout=True)
    for ax, key, label in zip(
        axes, ("N", "d", "eps"), ("workers N", "dimension d", "accuracy ε"), strict=True
    ):
        values = sorted({r[key] for r in rows})
        for r in rows:
            ax.scatter(r[key], r["ratio"], s=10, color="tab:blue", alpha=0.5)
        means = [np.mean([r["ratio"] for r in rows if r[key] == v]) for v in values]
        ax.plot(values, means, "k-", linewidth=1, label="mean")
        ax.set_xscale("log")
        if key != "eps":
            ax.set_xticks(values, [str(v) for v in values])
            ax.minorticks_off()
        ax.set_xlabel(label)
        ax.grid(True, which="both", alpha=0.3)
    axes[2].invert_xaxis()
    axes[0].set_ylabel("bits used / lower bound")
    axes[0].set_ylim(0, high * 1.15)
    axes[0].legend(fontsize="small")
    figures.save(
        fig,
        "ratio",
        "The ratio bits used / lower bound against each swept quantity (dots: runs, line: mean).",
    )

    lines = [
        f"{len(rows)} runs reached ε; the ratio bits used / lower bound stays within "
        f"**[{low:.2f}, {high:.2f}]** (a band of factor {high / low:.2f}; median "
        f"{float(np.median(ratio)):.2f}). The lower bound is {formula}, without the constant "
        "its Ω hides, so the band's level is not meaningful, only its width.",
        "",
    ]
    trends = {key: _factor_per_doubling(rows, key) for key in ("N", "d", "eps")}
    shown = {k: v for k, v in trends.items() if v is not None}
    if shown:
        words = {"N": "doubling of N", "d": "doubling of d", "eps": "halving of ε"}
        lines += [
            "Trends (least-squares fit of log2 ratio on log2 of each quantity, over all runs): "
            "the ratio is multiplied by "
            + ", ".join(f"**×{v:.3f}** per {words[k]}" for k, v in shown.items())
            + ". A flat band is ×1 in every column. The growth in d is the cubic lattice we "
            "quantise with: it spends about (d/2) log2 d bits more per message than the lattice "
            "of the paper's Corollary 10, on the uplink and on the downlink.",
            "",
        ]
    if missed:
        lines += [f"{len(missed)} runs did not reach ε (see runs.csv).", ""]
    for key, label in (("N", "N"), ("d", "d"), ("eps", "ε")):
        values = sorted({r[key] for r in rows})
        table = [
            [
                v,
                np.mean([r["ratio"] for r in rows if r[key] == v]),
                min(r["ratio"] for r in rows if r[key] == v),
                max(r["ratio"] for r in rows if r[key] == v),
                np.mean([r["rounds"] for r in rows if r[key] == v]),
            ]
            for v in values
        ]
        lines += [
            f"Ratio by {label} (over the other quantities):",
            "",
            markdown_table([label, "mean ratio", "min", "max", "mean rounds"], table),
            "",
        ]
    return "\n".join(lines)
