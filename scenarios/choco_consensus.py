"""Figures and numbers of the choco-consensus scenario (Koloskova et al. 2019, consensus).

Two figures, a panel per topology: consensus error against rounds and against bits, one curve
per compressor; and a table of bits per round, rounds and bits to reach ``accuracy``.
"""

from __future__ import annotations

import matplotlib.pyplot as plt

from gossip_sim.scenarios import first_reach, markdown_table, plot_band

#: [report] settings and their defaults.
SETTINGS = {"accuracy": 1e-4}


def report(results, figures):
    """Draw consensus error vs rounds and vs bits; tabulate the cost of reaching accuracy."""
    accuracy = results.settings["accuracy"]
    topologies = results.unique("topology")
    rows = []
    for x, name, xlabel in (
        ("round", "consensus-vs-rounds", "round"),
        ("cumulative_bits", "consensus-vs-bits", "bits sent (whole network)"),
    ):
        fig, axes = plt.subplots(
            1,
            len(topologies),
            figsize=(5.5 * len(topologies), 4.2),
            constrained_layout=True,
            squeeze=False,
        )
        for ax, topology in zip(axes[0], topologies, strict=True):
            for (label,), runs in results.where(topology=topology).groupby("series"):
                plot_band(ax, runs, x, "consensus_error", label=label)
            ax.axhline(accuracy, color="grey", linestyle=":", linewidth=1)
            ax.set_title(f"{topology}, {results.runs[0].get('agents')} agents")
            ax.set_xlabel(xlabel)
            ax.set_ylabel("consensus error (1/n) Σ‖x_i − x̄‖²")
            ax.grid(True, which="both", alpha=0.3)
            if x == "cumulative_bits":
                ax.set_xscale("log")
        axes[0][0].legend(fontsize="small")
        what = "rounds" if x == "round" else "bits sent on the whole network"
        figures.save(fig, name, f"Consensus error against {what}, one curve per compressor.")
    for topology in topologies:
        exact = results.where(topology=topology, series="exact gossip").runs
        exact_bits = first_reach(exact[0], accuracy, y="consensus_error") if exact else None
        for (label,), runs in results.where(topology=topology).groupby("series"):
            run = runs.runs[0]
            rounds = first_reach(run, accuracy, "round", "consensus_error")
            bits = first_reach(run, accuracy, "cumulative_bits", "consensus_error")
            per_round = run.summary.bits_per_round
            saving = exact_bits / bits if bits and exact_bits else None
            rows.append(
                [
                    topology,
                    label,
                    per_round,
                    rounds,
                    bits,
                    saving,
                    run.summary.final_consensus_error,
                    run.summary.rounds,
                ]
            )
    return (
        f"Cost of reaching consensus error {accuracy:g} (seed {results.runs[0].get('seed')}; "
        "'-' = not reached within the round budget):\n\n"
        + markdown_table(
            [
                "topology",
                "compressor",
                "bits per round",
                f"rounds to {accuracy:g}",
                f"bits to {accuracy:g}",
                "bits saved vs exact (x)",
                "final error",
                "rounds run",
            ],
            rows,
        )
    )
