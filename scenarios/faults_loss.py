"""Figures and numbers of the faults-loss scenario: CHOCO-GOSSIP under message loss.

Two figures, a panel per topology: consensus error against rounds and against bits (payloads,
retransmitted payloads and acknowledgements), one curve per (loss p, retransmission); and a
table of the final consensus error, bits, simulated time, messages lost and, with ARQ, the
retransmissions per original message beside p/(1 − p) and 1/(1 − p)² − 1.

Why two predictions: a message is resent when its copy *or* the acknowledgement of that copy
is lost. If acknowledgements were never lost, an attempt would fail with probability p and the
expected retransmissions per message would be p/(1 − p) (a geometric count, retries capped);
the acknowledgements cross the same lossy links, so an attempt fails with probability
1 − (1 − p)², which gives 1/(1 − p)² − 1.
"""

from __future__ import annotations

import matplotlib.pyplot as plt

from gossip_sim.scenarios import markdown_table

#: [report] settings and their defaults.
SETTINGS = {"accuracy": 1e-8}

_COLOURS = ("#1f77b4", "#2ca02c", "#ff7f0e", "#d62728", "#9467bd", "#8c564b")


def expected_retransmissions(p: float, retries: int = 3) -> tuple[float, float]:
    """Return retransmissions per message predicted with loss-free and with lossy acks.

    A geometric number of failed attempts, each failing with probability f, capped at
    ``retries``: E = Σ_{n=1..retries} fⁿ (≈ f/(1 − f) for small f).

    Examples
    --------
    >>> [round(v, 4) for v in expected_retransmissions(0.1)]
    [0.1111, 0.2334]
    """
    data_only, with_acks = p, 1 - (1 - p) ** 2
    return tuple(sum(f**n for n in range(1, retries + 1)) for f in (data_only, with_acks))


def _curves(results, x, xlabel, accuracy, figures, name, caption):
    topologies = results.unique("topology")
    losses = sorted(results.unique("loss"))
    fig, axes = plt.subplots(
        1,
        len(topologies),
        figsize=(6 * len(topologies), 4.4),
        constrained_layout=True,
        squeeze=False,
    )
    for ax, topology in zip(axes[0], topologies, strict=True):
        for run in results.where(topology=topology).runs:
            if run.summary is None:
                continue
            p = run.get("loss")
            arq = run.get("retransmit") != "off"
            ax.plot(
                run.column(x),
                run.column("consensus_error"),
                color=_COLOURS[losses.index(p) % len(_COLOURS)],
                linestyle="--" if arq else "-",
                label=f"p = {p:g}" + (", ARQ" if arq else ""),
            )
        ax.axhline(accuracy, color="grey", linestyle=":", linewidth=1)
        ax.set_yscale("log")
        if x == "cumulative_bits":
            ax.set_xscale("log")
        ax.set_title(f"{topology}, {results.runs[0].get('agents')} agents")
        ax.set_xlabel(xlabel)
        ax.set_ylabel("consensus error (1/n) Σ‖x_i − x̄‖²")
        ax.grid(True, which="both", alpha=0.3)
    axes[0][0].legend(fontsize="small", ncol=2)
    figures.save(fig, name, caption)


def report(results, figures):
    """Draw consensus error vs rounds and vs bits; tabulate what loss and ARQ cost."""
    accuracy = results.settings["accuracy"]
    _curves(
        results,
        "round",
        "round",
        accuracy,
        figures,
        "consensus-vs-rounds",
        "Consensus error against rounds; solid: no retransmission, dashed: ARQ.",
    )
    _curves(
        results,
        "cumulative_bits",
        "bits sent (payloads, retransmissions and acks)",
        accuracy,
        figures,
        "consensus-vs-bits",
        "Consensus error against every bit sent; solid: no retransmission, dashed: ARQ.",
    )
    rows = []
    for run in sorted(
        (r for r in results.runs if r.summary is not None),
        key=lambda r: (r.get("topology"), r.get("retransmit"), r.get("loss")),
    ):
        p, arq = run.get("loss"), run.get("retransmit") != "off"
        originals = run.get("total_messages")
        ratio = run.get("retransmissions") / originals if arq and originals else None
        data_only, with_acks = expected_retransmissions(p) if arq else (None, None)
        rows.append(
            [
                run.get("topology"),
                "ARQ" if arq else "off",
                p,
                run.get("final_consensus_error"),
                run.get("total_bits"),
                run.get("simulated_time_s"),
                run.get("messages_lost") if run.get("messages_lost") is not None else 0,
                ratio,
                p / (1 - p) if arq else None,
                data_only,
                with_acks,
            ]
        )
    return (
        f"After {results.runs[0].get('rounds')} rounds (seed {results.runs[0].get('seed')}). "
        "'retransmitted / sent' is the ARQ's retransmissions over the original messages; "
        "beside it p/(1−p), and the expectation with at most 3 retries when only the "
        "message can be lost and when its acknowledgement can be lost too:\n\n"
        + markdown_table(
            [
                "topology",
                "retransmit",
                "loss p",
                "final consensus error",
                "bits",
                "simulated time (s)",
                "messages lost for good",
                "retransmitted / sent",
                "p/(1−p)",
                "expected, acks safe",
                "expected, acks lossy",
            ],
            rows,
        )
    )
