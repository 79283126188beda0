"""Demo ``coordinator``: a parameter server's hub chokes where a ring does not.

The same data (K agents' rows of one least-squares problem) is solved twice on wide-area
links: by a parameter server on a star (the hub holds no data: it receives K gradients and
sends K models every round) and by decentralized gradient descent on a ring (each agent sends
two messages a round). The Gantt charts are every NIC's busy periods from the SimPy trace (one
bar per message serialised; what has not happened yet is faded); below them the number of
messages waiting in the hub's NIC queue, and the error against simulated time. A time cursor
sweeps the first rounds.

Examples
--------
>>> import tempfile
>>> out = gs.demo.run("coordinator", tempfile.mkdtemp(), agents=4, dim=2000, frames=2)
>>> out.facts["hub_max_queue"]  # the hub sends 4 models at once: 3 wait behind the first
3
"""

from __future__ import annotations

from typing import Any

import numpy as np

from gossip_sim.config import RunConfig
from gossip_sim.demo.animation import Animation
from gossip_sim.demo.recording import Recording
from gossip_sim.quantities import SECONDS, pick_unit, time_axis

__all__ = ["coordinator_demo"]

_ROUND_COLOURS = ("#4c72b0", "#55a868")


def _gantt(ax: Any, rec: Recording, horizon: float, hub: int | None) -> None:
    """Every NIC's busy periods up to ``horizon``, one row per node (the hub on top)."""
    nodes = sorted(rec.graph.nodes, key=lambda n: (n != hub, n))
    for row, node in enumerate(nodes):
        periods, rounds = rec.sent_by(node, horizon)
        colours = [_ROUND_COLOURS[r % 2] for r in rounds]
        ax.broken_barh(
            periods, (row - 0.4, 0.8), facecolors=colours, edgecolor="white", linewidth=0.6
        )
    ax.set_yticks(range(len(nodes)), ["hub" if n == hub else f"agent {n}" for n in nodes])
    ax.set_ylim(len(nodes) - 0.5, -0.5)
    ax.set_xlim(0, horizon)
    time_axis(ax, "x")
    ax.tick_params(axis="y", labelsize=7)
    ax.grid(True, axis="x", alpha=0.3)


def coordinator_demo(
    agents: int = 8,
    dim: int = 100_000,
    links: str = "wan",
    seed: int = 0,
    frames: int = 48,
    show_rounds: int = 4,
) -> Animation:
    """Parameter server on a star vs DGD on a ring, same data: NIC timelines and the hub's queue.

    ``agents`` is the number of data-holding agents K (the star has K + 1 nodes).
    """
    import matplotlib.pyplot as plt

    common: dict[str, Any] = {
        "problem": "least-squares:samples=4",
        "dim": dim,
        "links": links,
        "seed": seed,
        "rounds": 60,
    }
    star = Recording.of(
        RunConfig(topology="star", agents=agents + 1, algorithm="parameter-server", **common)
    )
    ring = Recording.of(RunConfig(topology="ring", agents=agents, algorithm="dgd", **common))
    hub = int(star.graph.graph.get("coordinator", 0))
    horizon = max(
        rec.trace.rounds[min(show_rounds, len(rec.trace.rounds) - 1)].time_s for rec in (star, ring)
    )
    fig = plt.figure(figsize=(12, 7.2), constrained_layout=True)
    grid = fig.add_gridspec(2, 2, height_ratios=[1.6, 1])
    for column, (rec, label, centre) in enumerate(
        ((star, "star: parameter server (hub holds no data)", hub), (ring, "ring: DGD", None))
    ):
        ax = fig.add_subplot(grid[0, column])
        _gantt(ax, rec, horizon, centre)
        ax.set_title(f"{label}: NIC busy periods (colour: round)", fontsize=10)
    queue_ax = fig.add_subplot(grid[1, 0])
    times = np.linspace(0.0, horizon, 400)
    hub_queue = star.queued(hub, times)
    ring_queue = np.max([ring.queued(n, times) for n in ring.graph.nodes], axis=0)
    (hub_line,) = queue_ax.step([], [], where="post", color="#c44e52", label="star: the hub's NIC")
    (ring_line,) = queue_ax.step([], [], where="post", color="#4c72b0", label="ring: busiest NIC")
    queue_ax.set_xlim(0, horizon)
    queue_ax.set_ylim(0, max(int(hub_queue.max()), 1) + 1)
    time_axis(queue_ax, "x")
    queue_ax.set_ylabel("messages queued")
    queue_ax.legend(fontsize="small", loc="upper right")
    queue_ax.grid(True, alpha=0.3)
    error_ax = fig.add_subplot(grid[1, 1])
    curves = []
    for rec, label in ((star, "star: parameter server"), (ring, "ring: DGD")):
        t, e = rec.trace.column("time_s"), rec.trace.column("error")
        (line,) = error_ax.plot([], [], marker=".", label=label)
        curves.append((line, t, e))
    error_ax.set_xlim(0, horizon)
    error_ax.set_yscale("log")
    shown_errors = np.concatenate(
        [rec.trace.column("error")[: show_rounds + 2] for rec in (star, ring)]
    )
    shown_errors = shown_errors[shown_errors > 0]
    error_ax.set_ylim(shown_errors.min() / 2, shown_errors.max() * 2)
    time_axis(error_ax, "x")
    error_ax.set_ylabel("training MSE")
    error_ax.legend(fontsize="small")
    error_ax.grid(True, which="both", alpha=0.3)
    cursors = [ax.axvline(0.0, color="#444444", linewidth=1) for ax in fig.axes[:4]]
    futures = [
        ax.axvspan(0.0, horizon, color="white", alpha=0.8, linewidth=0) for ax in fig.axes[:2]
    ]
    title = fig.suptitle("")
    unit, scale = pick_unit(horizon, SECONDS)  # the clock's unit: the one the horizon reaches

    def draw(frame: int) -> None:
        now = horizon * frame / (frames - 1)
        shown = times <= now
        hub_line.set_data(times[shown], hub_queue[shown])
        ring_line.set_data(times[shown], ring_queue[shown])
        for line, t, e in curves:
            line.set_data(t[t <= now], e[t <= now])
        for cursor in cursors:
            cursor.set_xdata([now, now])
        for future in futures:  # what has not happened yet is faded
            future.set_x(now)
            future.set_width(horizon - now)
        title.set_text(
            f"{agents} agents, {dim:,} coordinates of 64 bits, '{links}' links: "
            f"t = {now / scale:.3g} {unit}"
        )

    def busy(rec: Recording, node: int) -> float:
        return sum(d for _, d in rec.sent_by(node, rec.end)[0]) / max(rec.end, 1e-300)

    facts = {
        "hub_busy_fraction": busy(star, hub),
        "ring_busiest_fraction": max(busy(ring, n) for n in ring.graph.nodes),
        "hub_max_queue": int(hub_queue.max()),
        "round_time_s": {
            "star": star.end / star.trace.final.round,
            "ring": ring.end / ring.trace.final.round,
        },
    }
    moving = [hub_line, ring_line, *(line for line, _, _ in curves), *futures, *cursors, title]
    return Animation(fig, draw, frames, facts=facts, animated=moving)
