"""Demo ``spectral-gap``: the same averaging racing on four graphs; why the gap matters.

Ring, torus, exponential and complete graphs of the same K start from the same values and
average (exact gossip, or CHOCO-GOSSIP with ``compressor``) round by round; each panel is
titled with its spectral gap 1 − |λ₂(W)|. The error curves race beside them, and the closing
frame plots each graph's rounds to 1e-6 against 1/gap: the rounds grow about linearly in it.

Examples
--------
>>> import tempfile
>>> out = gs.demo.run("spectral-gap", tempfile.mkdtemp(), agents=9, frames=2)
>>> gaps = out.facts["spectral_gap"]
>>> gaps["complete"] > gaps["torus"] > gaps["ring"]
True
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from gossip_sim import mixing
from gossip_sim.config import RunConfig
from gossip_sim.demo.animation import Animation
from gossip_sim.demo.recording import Recording
from gossip_sim.topology import sized_by_file

__all__ = ["RACERS", "spectral_gap_demo"]

#: The graphs that race, from the slowest mixing to the fastest.
RACERS = ("ring", "torus", "exponential", "complete")
_TARGET = 1e-6


def _rounds_to_target(rec: Recording) -> int | None:
    hit = np.flatnonzero(rec.trace.column("consensus_error") <= _TARGET)
    return int(hit[0]) if len(hit) else None


def spectral_gap_demo(
    agents: int = 16,
    compressor: str | None = None,
    seed: int = 0,
    frames: int = 48,
    dim: int = 20,
    rounds: int = 600,
    topology: str | None = None,
) -> Animation:
    """Ring, torus, exponential and complete averaging the same values, titled by their gap.

    ``topology`` may add a fifth racer (any registered topology at the same K, or a catalogue
    network or graph file at its own size).
    """
    import matplotlib.pyplot as plt
    from matplotlib.colors import Normalize

    algorithm: dict[str, Any] = (
        {"algorithm": "choco-gossip", "compressor": compressor}
        if compressor
        else {"algorithm": "exact-gossip"}
    )
    base = RunConfig(
        agents=agents,
        dim=dim,
        rounds=rounds,
        target=_TARGET / 10,
        seed=seed,
        links="lan",
        **algorithm,
    )
    names = [*RACERS, *([topology] if topology and topology not in RACERS else [])]
    runs = {  # a catalogue network or file races at its own size
        name: Recording.of(
            replace(base, topology=name, agents=None if sized_by_file(name) else agents)
        )
        for name in names
    }
    gaps = {name: float(mixing.spectral_gap(rec.W)) for name, rec in runs.items()}
    reach = {name: _rounds_to_target(rec) for name, rec in runs.items()}
    start = runs["ring"].values[0]
    norm = Normalize(float(start.min()), float(start.max()))
    longest = max(len(rec.values) for rec in runs.values()) - 1
    columns = len(names)
    fig = plt.figure(figsize=(3.2 * (columns + 1), 6.4), constrained_layout=True)
    grid = fig.add_gridspec(2, columns + 1, height_ratios=[1.1, 1])
    nodes = {}
    for column, name in enumerate(names):
        ax, rec = fig.add_subplot(grid[0, column]), runs[name]
        nodes[name] = rec.draw_values(ax, norm, node_size=90)
        size = "" if rec.graph.number_of_nodes() == agents else f" ({len(rec.graph)} agents)"
        ax.set_title(f"{name}{size}: spectral gap {gaps[name]:.3g}", fontsize=10)
    host = fig.add_subplot(grid[0, columns])
    fig.colorbar(nodes[names[0]], ax=host, fraction=0.5, label="value held (first coordinate)")
    host.set_axis_off()
    race = fig.add_subplot(grid[1, :columns])
    closing = fig.add_subplot(grid[1, columns])
    lines = {}
    for name, rec in runs.items():
        errors = rec.trace.column("consensus_error")
        (lines[name],) = race.plot([], [], linewidth=2, label=f"{name} (gap {gaps[name]:.3g})")
        lines[name].full = errors  # type: ignore[attr-defined]
    race.axhline(_TARGET, color="#444444", linestyle=":", linewidth=1)
    race.set_xlim(0, longest)
    race.set_ylim(
        _TARGET / 100, 2 * max(float(r.trace.rounds[0].consensus_error) for r in runs.values())
    )
    race.set_yscale("log")
    race.set_xlabel("round")
    race.set_ylabel("consensus error")
    race.grid(True, which="both", alpha=0.3)
    race.legend(fontsize="small", loc="upper right")
    closing.set_axis_off()
    closing.set_title("rounds to 1e-6 vs 1/gap: at the end", fontsize=9)

    def draw(frame: int) -> bool:
        now = round(longest * frame / (frames - 1))
        for name, rec in runs.items():
            nodes[name].set_array(rec.values[min(now, len(rec.values) - 1)])
            errors = lines[name].full  # type: ignore[attr-defined]
            upto = min(now, len(errors) - 1)
            lines[name].set_data(np.arange(upto + 1), errors[: upto + 1])
        if frame == frames - 1:
            _closing_frame(closing, gaps, reach)
            return True  # a new panel: draw the whole figure
        return False

    facts = {"spectral_gap": gaps, "rounds_to_1e-6": reach}
    moving = [*nodes.values(), *lines.values()]
    return Animation(fig, draw, frames, facts=facts, animated=moving)


def _closing_frame(ax: Any, gaps: dict[str, float], reach: dict[str, int | None]) -> None:
    """Plot rounds to 1e-6 against 1/gap, with the line through the origin that fits best."""
    ax.clear()
    ax.set_axis_on()
    done = [(1 / gaps[n], reach[n], n) for n in gaps if reach[n] is not None and gaps[n] > 0]
    for x, y, name in done:
        ax.scatter([x], [y], s=30, zorder=3)
        ax.annotate(name, (x, y), textcoords="offset points", xytext=(4, 3), fontsize=8)
    if len(done) >= 2:
        xs, ys = np.array([d[0] for d in done]), np.array([d[1] for d in done], dtype=float)
        slope = float(xs @ ys / (xs @ xs))
        grid = np.linspace(0, xs.max() * 1.05, 20)
        ax.plot(
            grid,
            slope * grid,
            color="#444444",
            linewidth=1,
            linestyle="--",
            label=f"{slope:.1f} × 1/gap",
        )
        ax.legend(fontsize=7, loc="upper left")
    ax.set_xlabel("1 / spectral gap", fontsize=8)
    ax.set_ylabel("rounds to 1e-6", fontsize=8)
    ax.tick_params(labelsize=7)
    ax.grid(True, alpha=0.3)
    ax.set_title("rounds to 1e-6 vs 1/gap", fontsize=9)
