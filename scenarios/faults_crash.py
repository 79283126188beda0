"""Figures and numbers of the faults-crash scenario: crash-stop agents and what survivors agree on.

A figure with two panels: the consensus error among the live agents (and among all agents,
dashed) against rounds, and the distance of the live agents' mean from the initial mean of
all; a table per algorithm of whether and when the survivors reach ``accuracy`` among
themselves and where their mean ends up.

How "which value" is measured: ``live_mean_shift`` (summary.json, and a rounds.csv column on
event-driven runs) is ‖mean of the live agents' values − mean of all K initial values‖. Under
the failure rule (a dead neighbour's weight goes to the agent's own diagonal, so W stays doubly
stochastic on the survivors) the survivors keep the mean they had when the crash happened:
the shift stays at its value of the crash round. The table gives the shift after the crash
round (the survivors' mean then, which is their mean when they crashed) and at the end; their
difference is how far the survivors' mean moved after the crash.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from gossip_sim.scenarios import first_reach, markdown_table

#: [report] settings and their defaults.
SETTINGS = {"accuracy": 1e-8}


def report(results, figures):
    """Draw the live agents' consensus error and mean shift; tabulate what survivors reach."""
    accuracy = results.settings["accuracy"]
    crash = results.runs[0].get("crash_round")
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.4), constrained_layout=True)
    rows = []
    for (label,), runs in results.groupby("series"):
        run = runs.runs[0]
        if run.summary is None:
            continue
        rounds = run.column("round")
        live = run.column("live_consensus_error")
        shift = run.column("live_mean_shift")
        (line,) = left.plot(rounds, live, label=f"{label}: live agents")
        left.plot(
            rounds,
            run.column("consensus_error"),
            color=line.get_color(),
            linestyle="--",
            linewidth=1,
            label=f"{label}: all agents",
        )
        right.plot(rounds, np.maximum(shift, 1e-17), color=line.get_color(), label=label)
        reached = first_reach(run, accuracy, "round", "live_consensus_error")
        rows.append(
            [
                label,
                int(run.column("agents_alive")[-1]),
                crash,
                run.get("live_consensus_error"),
                reached,
                None if reached is None else reached - crash,
                float(shift[crash + 1]) if crash + 1 < len(shift) else None,
                run.get("live_mean_shift"),
                run.get("final_error"),
                run.get("final_consensus_error"),
            ]
        )
    for ax in (left, right):
        ax.axvline(crash, color="grey", linestyle=":", linewidth=1)
        ax.set_yscale("log")
        ax.set_xlabel("round")
        ax.grid(True, which="both", alpha=0.3)
    left.axhline(accuracy, color="grey", linestyle=":", linewidth=1)
    left.set_ylabel("consensus error (1/n) Σ‖x_i − x̄‖²")
    right.set_ylabel("‖mean of live agents − initial mean of all‖")
    left.legend(fontsize="small")
    right.legend(fontsize="small")
    agents = results.runs[0].get("agents")
    figures.save(
        fig,
        "survivors",
        f"{agents} agents, {results.runs[0].get('crash_fraction'):.0%} crash at round {crash} "
        "(dotted line): consensus error among the live agents (solid) and among all (dashed); "
        "right, how far the live agents' mean is from the initial mean of all.",
    )
    return (
        f"Crash-stop at round {crash} (seed {results.runs[0].get('seed')}; '-' = not reached "
        f"in {results.runs[0].get('rounds')} rounds). The mean shift is ‖mean of the live "
        "agents − initial mean of all‖, after the crash round and at the end:\n\n"
        + markdown_table(
            [
                "algorithm",
                "agents alive",
                "crash round",
                "final live consensus error",
                f"round live error ≤ {accuracy:g}",
                "rounds after the crash",
                "mean shift after the crash round",
                "mean shift at the end",
                "final error (vs initial mean of all)",
                "final consensus error (all agents)",
            ],
            rows,
        )
    )
