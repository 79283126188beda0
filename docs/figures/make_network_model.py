"""Draw docs/background/figures/message-timeline.png: one round of gossip, message by message.

A star and a ring of 5 agents run one round of CHOCO-GOSSIP (QSGD, 1000 entries: 6,032-bit
messages) on links of 1 ms latency and 10 Mb/s, with every message recorded. Each bar is one
message from its sender: waiting in the sender's NIC queue, being serialised (nbits /
bandwidth), then propagating (latency). The hub of the star pushes its four messages through
one NIC, one after another; each ring agent sends two. The times are the engine's, read from
the trace.

Run from the repository root: ``python docs/figures/make_network_model.py [OUT_DIR]``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.patches import Patch

import gossip_sim as gs

OUT = Path(__file__).resolve().parent.parent / "background" / "figures"
PHASES = (  # (start field, end field, colour, label)
    ("t_sent", "t_start", "#d62728", "queued at the sender's NIC"),
    ("t_start", "t_departed", "#1f77b4", "serialised: nbits / bandwidth"),
    ("t_departed", "t_arrived", "#bbbbbb", "propagating: latency"),
)


def messages(topology: str) -> list:
    """Return the recorded messages of a one-round, 5-agent run on ``topology``."""
    config = gs.RunConfig(
        topology=topology,
        agents=5,
        dim=1000,
        latency=1e-3,
        bandwidth=1e7,
        rounds=1,
        target=None,
        record_messages=True,
    )
    trace = gs.execute(config)
    return list(trace.messages)


def draw(ax, records: list, title: str) -> None:
    """One bar per message, grouped by sender; times in milliseconds."""
    rows = sorted({(m.src, m.dst) for m in records})
    for y, (src, dst) in enumerate(rows):
        for m in (m for m in records if (m.src, m.dst) == (src, dst)):
            for start, end, colour, _ in PHASES:
                a, b = getattr(m, start) * 1e3, getattr(m, end) * 1e3
                if b > a:
                    ax.barh(y, b - a, left=a, height=0.7, color=colour, edgecolor="none")
    ax.set_yticks(range(len(rows)), [f"{s} → {d}" for s, d in rows], fontsize=7)
    ax.invert_yaxis()
    ax.set_xlabel("simulated time (ms)")
    ax.set_title(title, fontsize=10)
    ax.grid(axis="x", alpha=0.3)


def main(out: Path = OUT) -> Path:
    """Draw both panels into ``out/message-timeline.png`` and return its path."""
    fig, axes = plt.subplots(1, 2, figsize=(10, 4.2), constrained_layout=True)
    draw(axes[0], messages("star"), "star of 5: the hub (0) sends 4 messages")
    draw(axes[1], messages("ring"), "ring of 5: every agent sends 2")
    axes[0].set_ylabel("message (sender → receiver)")
    handles = [Patch(color=colour, label=label) for _, _, colour, label in PHASES]
    fig.legend(handles=handles, loc="outside lower center", ncols=3, fontsize=8, frameon=False)
    fig.suptitle("One round: 6,032-bit messages, 1 ms latency, 10 Mb/s links and NICs")
    out.mkdir(parents=True, exist_ok=True)
    path = out / "message-timeline.png"
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


if __name__ == "__main__":
    print(main(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT))
