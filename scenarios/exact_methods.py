"""Figure and numbers of the exact-methods scenario: f(x̄) − f* vs rounds, bits and time.

One figure, a row per topology and three panels: the suboptimality at the agents' mean against
rounds, against the bits sent on the whole network and against simulated time, one line per
series. A table per topology: the final suboptimality, the rounds, bits and time to reach
``accuracy`` and ``target`` (the runs' stopping level), and the fitted linear rate ρ
(f(x̄_t) − f* ∝ ρ^t, a least-squares fit of log10 error on the rounds where the error lies
between ``fit_high`` and 100·``target``; '-' where the curve never gets that low).
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from gossip_sim.scenarios import first_reach, markdown_table, plot_band

#: [report] settings and their defaults.
SETTINGS = {"accuracy": 1e-8, "fit_high": 1e-2}

#: One colour per method (tab10), one line style per compression: solid = 64-bit floats,
#: dashed = top-k, dotted = qsgd (read from the series label).
_COLOURS = {
    "dgd": "tab:gray",
    "choco-sgd": "tab:brown",
    "diging": "tab:blue",
    "extra": "tab:orange",
    "nids": "tab:green",
    "beer": "tab:red",
    "lead": "tab:purple",
}

_PANELS = (
    ("round", "round"),
    ("cumulative_bits", "bits sent (whole network)"),
    ("time_s", "simulated time (s)"),
)


def fitted_rate(run, high, low):
    """Return ρ of error ∝ ρ^t fitted on the rounds whose error lies in [low, high].

    None when the run never gets down to ``low`` (it stalls on a floor) or has fewer than 5
    rounds in the window.
    """
    rounds, errors = run.column("round").astype(float), run.column("error").astype(float)
    keep = (errors <= high) & (errors >= low)
    if errors.min() > low or keep.sum() < 5:  # a floor above ``low`` is no linear rate
        return None
    slope = np.polyfit(rounds[keep], np.log10(errors[keep]), 1)[0]
    return float(10**slope)


def _style(label, algorithm):
    """Return the line style of a series: its method's colour, its compression's dashes."""
    dashes = "--" if "top" in label else ":" if "qsgd" in label else "-"
    style = {"linestyle": dashes}
    if algorithm in _COLOURS:
        style["color"] = _COLOURS[algorithm]
    return style


def report(results, figures):
    """Draw the three panels per topology; tabulate the cost of each accuracy and the rate."""
    accuracy = results.settings["accuracy"]
    target = results.runs[0].get("target")
    topologies = results.unique("topology")
    agents = results.runs[0].get("agents")
    fig, axes = plt.subplots(
        len(topologies),
        len(_PANELS),
        figsize=(5.2 * len(_PANELS), 4.0 * len(topologies)),
        constrained_layout=True,
        squeeze=False,
    )
    for row, topology in zip(axes, topologies, strict=True):
        for ax, (x, xlabel) in zip(row, _PANELS, strict=True):
            for (label,), runs in results.where(topology=topology).groupby("series"):
                finished = [r for r in runs if r.summary is not None]
                if finished:
                    algorithm = finished[0].get("algorithm").split(":")[0]
                    style = _style(label, algorithm)
                    plot_band(ax, finished, x, "error", label=label, **style)
            for level in (accuracy, target):
                if level:
                    ax.axhline(level, color="grey", linestyle=":", linewidth=1)
            ax.set_yscale("log")
            if x == "cumulative_bits":
                ax.set_xscale("log")
            ax.set_title(f"{topology}, K = {agents}")
            ax.set_xlabel(xlabel)
            ax.set_ylabel("f(x̄) − f*")
            ax.grid(True, which="major", alpha=0.3)
        row[0].legend(fontsize="x-small", ncol=2)
    figures.save(
        fig,
        "suboptimality",
        "Suboptimality at the agents' mean against rounds, bits and simulated time, one line "
        "per series (dotted: the accuracy of the table and the runs' target).",
    )
    levels = [level for level in (accuracy, target) if level]
    sections = []
    for topology in topologies:
        rows = []
        for (label,), runs in results.where(topology=topology).groupby("series"):
            run = runs.runs[0]
            if run.summary is None:
                rows.append([label, "failed: " + run.why, *[None] * (3 * len(levels) + 2)])
                continue
            reached = []
            for level in levels:
                reached += [
                    first_reach(run, level, "round"),
                    first_reach(run, level, "cumulative_bits"),
                    first_reach(run, level, "time_s"),
                ]
            rate = fitted_rate(run, results.settings["fit_high"], 100 * (target or accuracy))
            rows.append([label, run.summary.final_error, *reached, rate, run.summary.rounds])
        headers = ["series", "final f(x̄) − f*"]
        for level in levels:
            headers += [f"rounds to {level:g}", f"bits to {level:g}", f"time to {level:g} (s)"]
        headers += ["fitted rate ρ", "rounds run"]
        sections.append(f"**{topology}, K = {agents}**\n\n" + markdown_table(headers, rows))
    return (
        f"Cost of reaching f(x̄) − f* = {accuracy:g} and {target:g} (seed "
        f"{results.runs[0].get('seed')}; '-' = not reached within the round budget):\n\n"
        + "\n\n".join(sections)
    )
