"""The figures of a topology comparison, saved as PNG files (matplotlib, Agg backend).

* ``error-vs-bits.png`` and ``error-vs-time.png``: one panel per size, a curve per topology
  (and compressor): the geometric mean over seeds, their range shaded, the target dashed;
* ``tradeoff.png``: bits to target against time to target, one point per topology x
  compressor, the Pareto front (no other point is better on both) joined;
* ``spectral-gap-vs-agents.png`` (several sizes only): each topology's spectral gap against K;
* ``graphs.png``: every topology drawn, edge widths proportional to w_ij.

Examples
--------
>>> pareto_front([(1.0, 5.0), (2.0, 1.0), (3.0, 3.0)])
[0, 1]
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from gossip_sim import mixing
from gossip_sim.errors import GossipSimError
from gossip_sim.report.comparison import Comparison, TopologyRow
from gossip_sim.report.graph import draw_graph
from gossip_sim.scenarios.report import plot_band
from gossip_sim.sweep import Results

__all__ = ["draw_figures", "pareto_front"]

_MARKERS = "osD^vP*X"


def pareto_front(points: Sequence[tuple[float, float]]) -> list[int]:
    """Return the indices of the points no other point beats on both coordinates, by x."""
    order = sorted(range(len(points)), key=lambda i: points[i])
    front, best_y = [], math.inf
    for i in order:
        if points[i][1] < best_y:
            front.append(i)
            best_y = points[i][1]
    return front


def _runs(results: Results, row: TopologyRow) -> Results:
    return results.where(
        topology=row.topology, agents=row.requested_agents, compressor=row.compressor
    )


def _label(row: TopologyRow, several: bool) -> str:
    return f"{row.topology}, {row.compressor}" if several else row.topology


def _style(rows: Sequence[TopologyRow]) -> dict[tuple[str, str], dict[str, Any]]:
    """One colour per topology, one marker per compressor, the same in every figure."""
    import matplotlib.pyplot as plt

    colours = plt.get_cmap("tab10").colors
    names = list(dict.fromkeys(r.topology for r in rows))
    compressors = list(dict.fromkeys(r.compressor for r in rows))
    return {
        (r.topology, r.compressor): {
            "color": colours[names.index(r.topology) % len(colours)],
            "marker": _MARKERS[compressors.index(r.compressor) % len(_MARKERS)],
            "linestyle": ("-", "--", ":", "-.")[compressors.index(r.compressor) % 4],
        }
        for r in rows
    }


def _save(fig: Any, path: Path) -> Path:
    import matplotlib.pyplot as plt

    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100, metadata={"Software": None})
    plt.close(fig)
    return path


def _error_figure(
    rows: Sequence[TopologyRow], results: Results, c: Comparison, x: str, path: Path
) -> Path:
    import matplotlib.pyplot as plt

    sizes = sorted({r.agents for r in rows})
    fig, axes = plt.subplots(
        1, len(sizes), figsize=(5.2 * len(sizes), 4.2), squeeze=False, constrained_layout=True
    )
    styles, several = _style(rows), len(c.compressors) > 1
    for ax, size in zip(axes[0], sizes, strict=True):
        for row in (r for r in rows if r.agents == size):
            runs = [r for r in _runs(results, row) if r.rounds]
            if runs:
                style = styles[(row.topology, row.compressor)]
                plot_band(
                    ax,
                    runs,
                    x,
                    label=_label(row, several),
                    color=style["color"],
                    linestyle=style["linestyle"],
                )
        ax.axhline(c.settings["target"], color="#444444", linestyle=":", linewidth=1)
        reach = [
            getattr(r, "bits" if x == "cumulative_bits" else "time")
            for r in rows
            if r.agents == size and r.reached == r.seeds
        ]
        reach = [stat.mean for stat in reach if stat is not None]
        if reach:  # a run that never gets there must not squeeze the others to the left edge
            ax.set_xlim(0, 1.5 * max(reach))
        ax.set_yscale("log")
        ax.set_xlabel(
            "bits sent (whole network)" if x == "cumulative_bits" else "simulated time (s)"
        )
        ax.set_ylabel(results.error_name)
        ax.set_title(f"{size} agents")
        ax.ticklabel_format(axis="x", style="sci", scilimits=(-2, 4))
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize="small")
    return _save(fig, path)


def _tradeoff_figure(rows: Sequence[TopologyRow], c: Comparison, path: Path) -> Path:
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8.4, 4.8), constrained_layout=True)
    styles, several = _style(rows), len(c.compressors) > 1
    done = [r for r in rows if r.reached == r.seeds and r.bits and r.time]
    sized = len({r.agents for r in done}) > 1
    for r in done:
        style = styles[(r.topology, r.compressor)]
        ax.errorbar(
            r.bits.mean,
            r.time.mean,
            xerr=r.bits.std,
            yerr=r.time.std,  # type: ignore[union-attr]
            fmt=style["marker"],
            color=style["color"],
            label=f"{_label(r, several)} (K={r.agents})",
        )
        ax.annotate(
            _label(r, several) + (f", K={r.agents}" if sized else ""),
            (r.bits.mean, r.time.mean),
            textcoords="offset points",  # type: ignore[union-attr]
            xytext=(5, 4),
            fontsize="small",
            color=style["color"],
        )
    sizes = sorted({r.agents for r in done})
    for size in sizes:  # a front per size: K = 11 and K = 64 do not compete
        mine = [r for r in done if r.agents == size]
        points = [(r.bits.mean, r.time.mean) for r in mine]  # type: ignore[union-attr]
        front = [points[i] for i in pareto_front(points)]
        if len(front) > 1:
            label = "Pareto front" + (f" (K={size})" if len(sizes) > 1 else "")
            ax.plot(
                *zip(*front, strict=True),
                color="#444444",
                linewidth=1,
                zorder=0,
                linestyle=("-", "--", ":", "-.")[sizes.index(size) % 4],
                label=label,
            )
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.margins(0.2)  # room for the labels at the edges
    ax.set_xlabel("bits to target")
    ax.set_ylabel("simulated time to target (s)")
    ax.grid(True, which="both", alpha=0.3)
    if done:  # beside the plot, where it hides no point
        ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.02, 1.0))
    return _save(fig, path)


def _gap_figure(rows: Sequence[TopologyRow], path: Path) -> Path:
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 4.4), constrained_layout=True)
    styles = _style(rows)
    for name in dict.fromkeys(r.topology for r in rows):
        mine = sorted(
            {
                (r.agents, r.spectral_gap)
                for r in rows
                if r.topology == name and r.spectral_gap is not None
            }
        )
        if mine:
            style = next(s for (t, _), s in styles.items() if t == name)
            ax.plot(*zip(*mine, strict=True), marker="o", color=style["color"], label=name)
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    sizes = sorted({r.agents for r in rows})
    ax.set_xticks(sizes, [str(k) for k in sizes])  # the sizes that ran, not powers of two
    ax.minorticks_off()
    ax.set_xlabel("agents K")
    ax.set_ylabel("spectral gap 1 - |λ₂(W)|")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize="small")
    return _save(fig, path)


def _graphs_figure(rows: Sequence[TopologyRow], path: Path) -> Path:
    import matplotlib.pyplot as plt

    first = list({r.topology: r for r in reversed(rows)}.values())[::-1]  # smallest size each
    columns = min(3, len(first))
    lines = math.ceil(len(first) / columns)
    fig, axes = plt.subplots(lines, columns, figsize=(4.2 * columns, 4.2 * lines), squeeze=False)
    for ax in axes.flat[len(first) :]:
        ax.set_axis_off()
    for ax, row in zip(axes.flat, first, strict=False):
        try:
            W = mixing.mixing_matrix(row.mixing, row.graph)
        except GossipSimError:  # a graph the rule refuses: draw it with even edges
            W = None
        draw_graph(row.graph, W, ax=ax)
    fig.tight_layout()
    return _save(fig, path)


def draw_figures(
    rows: Sequence[TopologyRow], results: Results, c: Comparison, directory: Path
) -> list[tuple[Path, str]]:
    """Draw the comparison's figures into ``directory``; return (path, caption) pairs."""
    target = c.settings["target"]
    seeds = "geometric mean over seeds, range shaded" if len(c.seeds) > 1 else "one seed"
    figures = [
        (
            _error_figure(rows, results, c, "cumulative_bits", directory / "error-vs-bits.png"),
            f"Error against bits sent by the whole network ({seeds}); dotted: the target "
            f"{target:g}.",
        ),
        (
            _error_figure(rows, results, c, "time_s", directory / "error-vs-time.png"),
            f"Error against simulated time ({seeds}); dotted: the target {target:g}.",
        ),
        (
            _tradeoff_figure(rows, c, directory / "tradeoff.png"),
            "The trade-off: bits against simulated time to the target, one point per topology"
            + (" and compressor" if len(c.compressors) > 1 else "")
            + " (bars: standard deviation over seeds); the line joins the Pareto front: the "
            "points that no other point of the same size beats on both. Topologies that missed "
            "the target are not drawn.",
        ),
    ]
    if len({r.agents for r in rows if r.requested_agents is not None}) > 1:
        figures.append(
            (
                _gap_figure(rows, directory / "spectral-gap-vs-agents.png"),
                "Spectral gap of W against the number of agents, per topology.",
            )
        )
    figures.append(
        (
            _graphs_figure(rows, directory / "graphs.png"),
            "The topologies (each at its smallest size here); edge widths are "
            "proportional to the mixing weight w_ij; a square marks a star's hub.",
        )
    )
    return figures
