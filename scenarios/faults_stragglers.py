"""Figures and numbers of the faults-stragglers scenario: the barrier's cost against a deadline.

Two figures, a panel per algorithm: consensus error against rounds and against simulated time,
one curve per deadline (none = wait for every neighbour's message). A table: time per round,
the speed-up over waiting, the consensus error after the round budget, the distance to the
initial average and how far the mean moved, the consensus error at a fixed simulated time (the
time the fastest run of that algorithm needed for the whole budget), and how many times an
agent mixed a stale value instead of a round's message.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from gossip_sim.scenarios import markdown_table

#: [report] settings and their defaults.
SETTINGS = {"accuracy": 1e-8}


def _algorithm(run):
    return run.get("algorithm").split(":")[0]


def _deadline(run):
    value = run.get("deadline")
    return "none" if value is None else f"{value * 1e3:g} ms"


def _per_round(run):
    """Return the simulated seconds per round done."""
    return run.summary.simulated_time_s / max(run.summary.rounds, 1)


def _error_at(run, seconds):
    """Return the consensus error of the last round finished by ``seconds`` (simulated)."""
    times = run.column("time_s")
    done = np.flatnonzero(times <= seconds)
    return float(run.column("consensus_error")[done[-1]]) if len(done) else None


def report(results, figures):
    """Draw error vs rounds and vs time per deadline; tabulate time per round and accuracy."""
    accuracy = results.settings["accuracy"]
    finished = [r for r in results.runs if r.summary is not None]
    algorithms = list(dict.fromkeys(_algorithm(r) for r in finished))
    rows = []
    for x, name, xlabel in (
        ("round", "consensus-vs-rounds", "round"),
        ("time_s", "consensus-vs-time", "simulated time (s)"),
    ):
        fig, axes = plt.subplots(
            1,
            len(algorithms),
            figsize=(6 * len(algorithms), 4.4),
            constrained_layout=True,
            squeeze=False,
        )
        for ax, algorithm in zip(axes[0], algorithms, strict=True):
            for run in (r for r in finished if _algorithm(r) == algorithm):
                ax.plot(
                    run.column(x), run.column("consensus_error"), label=f"deadline {_deadline(run)}"
                )
            ax.axhline(accuracy, color="grey", linestyle=":", linewidth=1)
            ax.set_yscale("log")
            ax.set_title(f"{algorithm}, {finished[0].get('agents')} agents")
            ax.set_xlabel(xlabel)
            ax.set_ylabel("consensus error (1/n) Σ‖x_i − x̄‖²")
            ax.grid(True, which="both", alpha=0.3)
            ax.legend(fontsize="small")
        what = "rounds" if x == "round" else "simulated time"
        figures.save(fig, name, f"Consensus error against {what}, one curve per deadline.")
    for algorithm in algorithms:
        runs = [r for r in finished if _algorithm(r) == algorithm]
        waiting = next((r for r in runs if r.get("deadline") is None), None)
        budget = min(r.get("simulated_time_s") for r in runs)
        for run in runs:
            per_round = _per_round(run)
            base = _per_round(waiting) if waiting else None
            staleness = run.column("max_staleness")
            rows.append(
                [
                    algorithm,
                    _deadline(run),
                    per_round * 1e3,
                    base / per_round if base else None,
                    run.get("final_consensus_error"),
                    run.get("final_error"),
                    run.get("live_mean_shift"),
                    _error_at(run, budget),
                    run.get("stale_uses"),
                    int(staleness.max()) if len(staleness) else 0,
                ]
            )
    stragglers = finished[0].get("stragglers") if finished else ""
    return (
        f"Stragglers `{stragglers}`, {finished[0].get('rounds') if finished else 0} rounds "
        f"(seed {finished[0].get('seed') if finished else 0}). 'at fixed time' is the consensus "
        "error of the last round each run had finished when the fastest run of its algorithm "
        "ended; 'stale uses' counts the times an agent mixed an older value because a "
        "neighbour's message of the round was late. Mixing a stale value does not keep the "
        "average: the error (mean squared distance to the initial average) keeps what the "
        "mean shift lost, even when the agents agree:\n\n"
        + markdown_table(
            [
                "algorithm",
                "deadline",
                "ms per round",
                "speed-up vs waiting (x)",
                "consensus error after the rounds",
                "error (mean squared distance to the initial average)",
                "mean shift",
                "consensus error at fixed time",
                "stale uses",
                "max staleness (rounds)",
            ],
            rows,
        )
    )
