"""Figures and numbers of the coordinator-vs-gossip scenario (Song et al. Alg. 1 vs Alg. 2).

Simulated time and bits to the target against the number of workers K, per link profile; the
share of the star's iteration its hub spends sending (its NIC), and where gossip overtakes it.
"""

from __future__ import annotations

import matplotlib.pyplot as plt

from gossip_sim.scenarios import markdown_table

SETTINGS: dict = {}


def _workers(run):
    return run.get("agents") - (1 if run.get("topology") == "star" else 0)


def _points(results, links, series):
    runs = results.where(links=links, series=series)
    return sorted((_workers(r), r) for r in runs)


def _hub_share(run):
    """Share of the star's simulated time its hub NIC spends sending (the downlink tuple).

    The hub forwards the K workers' payloads to each of the K workers, so it sends K times what
    the workers send together: K/(K+1) of all bits, at its NIC's rate (the link bandwidth).
    """
    k = _workers(run)
    s = run.summary
    hub_bits = s.total_bits * k / (k + 1)
    return hub_bits / s.network.link.bandwidth_max_bps / s.simulated_time_s


def report(results, figures):
    """Draw time and bits to the target against K; tabulate and name the crossover."""
    profiles = results.unique("links")
    series = results.unique("series")
    target = results.runs[0].get("target")
    fig, axes = plt.subplots(
        1, len(profiles), figsize=(5.5 * len(profiles), 4.3), constrained_layout=True
    )
    for ax, links in zip(axes, profiles, strict=True):
        for label in series:
            pts = [(k, r) for k, r in _points(results, links, label) if r.reached]
            if pts:
                ax.plot(
                    [k for k, _ in pts],
                    [r.summary.simulated_time_s for _, r in pts],
                    "o-",
                    label=label,
                )
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_title(f"'{links}' links")
        ax.set_xlabel("workers K")
        ax.set_ylabel(f"simulated time to MSE {target:g} (s)")
        ax.grid(True, which="both", alpha=0.3)
    axes[0].legend(fontsize="small")
    figures.save(
        fig,
        "time-to-target",
        "Simulated wall-clock time to the target against the number of workers, per link profile.",
    )

    fig, ax = plt.subplots(figsize=(6, 4.3), constrained_layout=True)
    for label in series:
        pts = [(k, r) for k, r in _points(results, profiles[0], label) if r.reached]
        if pts:
            ax.plot(
                [k for k, _ in pts], [r.summary.total_bits for _, r in pts], "o-", label=label
            )
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xlabel("workers K")
    ax.set_ylabel(f"bits to MSE {target:g} (whole network)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize="small")
    figures.save(
        fig,
        "bits-to-target",
        "Bits sent on the whole network to reach the target (the same on every link "
        "profile: links change time, not bits).",
    )

    rows, lines = [], []
    for links in profiles:
        for label in series:
            for k, run in _points(results, links, label):
                s = run.summary
                reached = run.reached
                rows.append(
                    [
                        links,
                        label,
                        k,
                        s.algorithm.extra.get("gossip_rounds", "-"),
                        s.rounds if reached else "-",
                        s.total_bits if reached else "-",
                        s.simulated_time_s if reached else "-",
                        s.simulated_time_s / s.rounds if reached else "-",
                        f"{_hub_share(run):.0%}"
                        if reached and run.get("topology") == "star"
                        else "-",
                        "" if reached else f"{run.status} (MSE {s.final_error:.2g})",
                    ]
                )
        lines.append(_crossover(results, links, series))
    table = markdown_table(
        [
            "links",
            "algorithm",
            "K",
            "gossip rounds",
            "iterations",
            "bits",
            "time (s)",
            "time per iteration (s)",
            "hub NIC busy",
            "note",
        ],
        rows,
    )
    return "\n".join(["\n".join(f"- {line}" for line in lines), "", table])


def _crossover(results, links, series):
    """Say from which K a gossip topology reaches the target sooner than the star."""
    star = {k: r for k, r in _points(results, links, series[0]) if r.reached}
    wins = []
    for label in series[1:]:
        for k, run in _points(results, links, label):
            if (
                run.reached
                and k in star
                and (run.summary.simulated_time_s < star[k].summary.simulated_time_s)
            ):
                wins.append(
                    (
                        k,
                        label,
                        star[k].summary.simulated_time_s / run.summary.simulated_time_s,
                    )
                )
    if not wins:
        return (
            f"'{links}': the star reaches the target first at every K tried "
            f"({', '.join(str(k) for k in star)})."
        )
    k, label, factor = min(wins)
    share = _hub_share(star[k])
    return (
        f"'{links}': from K = {k} on, {label} reaches the target {factor:.1f}x sooner than "
        f"the star, whose hub NIC is busy {share:.0%} of the time."
    )
