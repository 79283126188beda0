"""Demo ``consensus``: watch gossip average, exact beside compressed, on the simulated clock.

Two real runs on the same graph and the same starting values: exact gossip (64-bit floats) and
CHOCO-GOSSIP with a compressor. Each node is coloured by what it holds (its first coordinate);
every message is a dot on its edge, queued at its sender and then moving at the pace of its
serialisation and latency, as large as its payload's bits; beside them, the consensus error
against simulated time.

Examples
--------
>>> import tempfile
>>> out = gs.demo.run("consensus", tempfile.mkdtemp(), agents=5, frames=3)
>>> out.frames, out.facts["rounds"]["exact gossip"] > 0
(3, True)
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from gossip_sim.config import RunConfig
from gossip_sim.demo.animation import Animation
from gossip_sim.demo.recording import Recording
from gossip_sim.quantities import SECONDS, pick_unit, time_axis
from gossip_sim.topology import sized_by_file

__all__ = ["consensus_demo"]

_MESSAGE = "#dd8452"


def _panel(ax: Any, rec: Recording, title: str, norm: Any) -> tuple[Any, Any]:
    """Draw the graph once; return the node and message collections to update per frame."""
    nodes = rec.draw_values(ax, norm, node_size=260)
    dots = ax.scatter([], [], s=[], color=_MESSAGE, edgecolors="#6b3a1e", linewidths=0.5, zorder=4)
    ax.set_title(title, fontsize=10)
    return nodes, dots


def consensus_demo(
    topology: str = "ring",
    agents: int | None = None,
    compressor: str = "qsgd:s=4,scaled=true",
    seed: int = 0,
    frames: int = 48,
    links: str = "lan",
    dim: int = 20,
    target: float = 1e-6,
    rounds: int = 400,
) -> Animation:
    """Exact gossip beside CHOCO-GOSSIP: node values and messages in flight, error vs time.

    ``agents`` defaults to 10 (a catalogue network or graph file: its own size).
    """
    import matplotlib.pyplot as plt
    from matplotlib.colors import Normalize

    if agents is None and not sized_by_file(topology):
        agents = 10
    base = RunConfig(
        topology=topology,
        agents=agents,
        links=links,
        dim=dim,
        target=target,
        rounds=rounds,
        seed=seed,
    )
    runs = {
        "exact gossip": Recording.of(replace(base, algorithm="exact-gossip")),
        f"CHOCO, {compressor}": Recording.of(replace(base, compressor=compressor)),
    }
    start = next(iter(runs.values())).values[0]
    norm = Normalize(float(start.min()), float(start.max()))
    biggest = max(rec.max_message_bits for rec in runs.values())
    end = max(rec.end for rec in runs.values())
    fig = plt.figure(figsize=(13, 4.6), constrained_layout=True)
    grid = fig.add_gridspec(1, 3, width_ratios=[1, 1, 1.15])
    panels = [
        _panel(fig.add_subplot(grid[0, i]), rec, label, norm)
        for i, (label, rec) in enumerate(runs.items())
    ]
    fig.colorbar(
        panels[-1][0],
        ax=[fig.axes[0], fig.axes[1]],
        shrink=0.7,
        label="value held (first coordinate)",
    )
    curves = fig.add_subplot(grid[0, 2])
    lines = []
    for label, rec in runs.items():
        times, errors = rec.trace.column("time_s"), rec.trace.column("consensus_error")
        (faint,) = curves.plot(times, errors, alpha=0.25)
        (bold,) = curves.plot([], [], color=faint.get_color(), linewidth=2, label=label)
        lines.append((bold, times, errors))
    cursor = curves.axvline(0.0, color="#444444", linewidth=1)
    curves.set_yscale("log")
    unit, scale = pick_unit(end, SECONDS)  # the clock's unit: the one the whole run reaches
    time_axis(curves, "x")
    curves.set_ylabel("consensus error (1/K) Σ‖x_i − x̄‖²")
    curves.grid(True, which="both", alpha=0.3)
    curves.legend(fontsize="small", loc="upper right")
    clock = fig.suptitle("")
    geographic = not runs["exact gossip"].graph.graph.get("links_from_profile", True)
    network = "latencies from geography" if geographic else f"'{links}' links"

    def draw(frame: int) -> None:
        now = end * (frame / (frames - 1)) ** 2  # the error falls fastest early: more frames there
        for (nodes, dots), rec in zip(panels, runs.values(), strict=True):
            nodes.set_array(rec.values_at(now))
            xy, nbits = rec.in_flight(now)
            dots.set_offsets(xy)
            dots.set_sizes(12 + 110 * nbits / biggest)
        for bold, times, errors in lines:
            shown = times <= now
            bold.set_data(times[shown], errors[shown])
        cursor.set_xdata([now, now])
        clock.set_text(
            f"{base.topology}, {len(start)} agents, {network}: t = {now / scale:.4g} {unit} "
            "(dots: messages in flight, area ∝ bits)"
        )

    facts = {
        "rounds": {label: rec.trace.final.round for label, rec in runs.items()},
        "bits": {label: rec.trace.final.cumulative_bits for label, rec in runs.items()},
        "time_s": {label: rec.end for label, rec in runs.items()},
    }
    moving = [a for pair in panels for a in pair] + [b for b, _, _ in lines] + [cursor, clock]
    return Animation(fig, draw, frames, facts=facts, animated=moving)
